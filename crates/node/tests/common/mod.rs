//! What the node tests share: a node on the embedded L1 in a scratch data dir, and
//! signed legacy transactions from the dev accounts.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use avm_arbos::Address;
use avm_node::launch::{launch, NodeConfig, Started};
pub mod both;

use avm_testkit::wallet::Legacy;

pub const CHAIN_ID: u64 = 412_346;

pub fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared")
}

pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("avm-node-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

pub fn config(data_dir: &Path) -> NodeConfig {
    NodeConfig {
        batch_interval: Duration::from_millis(200),
        // Every test reads the L1 a few blocks at a time, as from a strict endpoint.
        l1_log_window: 3,
        ..NodeConfig::dev(
            data_dir.to_path_buf(),
            shared().join("fixtures/arbos/arbos-v58.mexe"),
            shared().join("fixtures/classic/contracts"),
            CHAIN_ID,
        )
    }
}

pub fn start(data_dir: &Path) -> Started {
    launch(&config(data_dir)).unwrap()
}

/// The dev account `i`'s key (the test mnemonic).
pub fn key(i: u32) -> [u8; 32] {
    avm_l1::dev_accounts(i + 1).unwrap()[i as usize].key
}

pub fn address(i: u32) -> Address {
    Address(avm_l1::dev_accounts(i + 1).unwrap()[i as usize].address)
}

/// A legacy EIP-155 transaction signed by dev account `i`.
pub fn signed(i: u32, nonce: u64, to: Option<Address>, value: u128, data: Vec<u8>) -> Vec<u8> {
    Legacy {
        chain_id: CHAIN_ID,
        nonce,
        gas_price: 0,
        gas: 5_000_000,
        to: to.map(|a| a.0),
        value,
        data,
    }
    .sign(&key(i))
}

pub fn ether(n: u128) -> u128 {
    n * 1_000_000_000_000_000_000
}

/// The creation bytecode of a contract of fixtures/classic/l2-contracts.
pub fn l2_contract(name: &str) -> Vec<u8> {
    let path = shared()
        .join("fixtures/classic/l2-contracts")
        .join(format!("{name}.json"));
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    hex::decode(
        json["creation_bytecode"]
            .as_str()
            .unwrap()
            .trim_start_matches("0x"),
    )
    .unwrap()
}
