//! What `avm l1 --dev` and `avm node --dev` share: the dev accounts printed as anvil
//! prints them (text or JSON), and waiting for Ctrl-C or SIGTERM before a clean stop.

use avm_l1::{DevAccount, DEV_MNEMONIC};
use serde_json::{json, Value as Json};

/// An address as `0x`-hex.
pub fn hex20(a: &[u8; 20]) -> String {
    format!("0x{}", hex::encode(a))
}

/// The accounts, keys, mnemonic and chain id, as anvil prints them; each account holds
/// `ether` ETH (a whole number).
pub fn print_accounts(accounts: &[DevAccount], ether: u64, chain_id: u64) {
    outln!("Available Accounts\n==================\n");
    for (i, a) in accounts.iter().enumerate() {
        outln!(
            "({i}) {} ({ether}.000000000000000000 ETH)",
            hex20(&a.address)
        );
    }
    outln!("\nPrivate Keys\n==================\n");
    for (i, a) in accounts.iter().enumerate() {
        outln!("({i}) 0x{}", hex::encode(a.key));
    }
    outln!("\nWallet\n==================");
    outln!("Mnemonic:          {DEV_MNEMONIC}");
    outln!("Derivation path:   m/44'/60'/0'/0/\n");
    outln!("Chain ID\n==================\n\n{chain_id}\n");
}

/// The accounts as JSON, each holding `ether` ETH.
pub fn accounts_json(accounts: &[DevAccount], ether: u64) -> Json {
    json!(accounts
        .iter()
        .map(|a| json!({
            "address": hex20(&a.address),
            "privateKey": format!("0x{}", hex::encode(a.key)),
            "balance": format!("{ether}000000000000000000"),
        }))
        .collect::<Vec<_>>())
}

/// Blocks until SIGINT or SIGTERM.
pub fn wait_for_shutdown() {
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return;
    };
    runtime.block_on(async {
        #[cfg(unix)]
        {
            let mut term =
                match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                    Ok(term) => term,
                    Err(_) => {
                        let _ = tokio::signal::ctrl_c().await;
                        return;
                    }
                };
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    });
}
