//! The embedded chain kept in a data dir: reopened it continues the same chain; a
//! data dir of another chain, damaged records and damaged files are errors that say
//! so, never panics.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};

use avm_l1::chain::Clock;
use avm_l1::{dev_accounts, Chain, EmbeddedConfig, L1Error, TxRequest};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("avm-l1-persist-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn config(dir: &Path) -> EmbeddedConfig {
    let mut config = EmbeddedConfig::dev(1337, dev_accounts(3).unwrap());
    config.data_dir = Some(dir.to_path_buf());
    config.genesis_timestamp = 1_000;
    config.clock = Clock::Step(2);
    config
}

/// A chain with a contract deployed and some ETH moved; its head and a balance.
fn populate(dir: &Path) -> (u64, u128, Vec<u8>, [u8; 20]) {
    let accounts = dev_accounts(3).unwrap();
    let mut chain = Chain::embedded(config(dir)).unwrap();
    // A contract whose code returns 42 (PUSH1 42 PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN)
    // and whose constructor stores 7 in slot 0.
    let runtime = hex::decode("602a60005260206000f3").unwrap();
    let mut init = hex::decode("6007600055").unwrap();
    init.extend(hex::decode("600a6011600039600a6000f3").unwrap());
    init.extend(&runtime);
    let created = chain
        .must(TxRequest::create(accounts[0].address, init, "deploy"))
        .unwrap()
        .created
        .unwrap();
    chain
        .must(
            TxRequest::call(accounts[1].address, accounts[2].address, Vec::new(), "pay")
                .with_value(12_345),
        )
        .unwrap();
    let head = chain.block_number().unwrap();
    let code = chain.as_embedded().unwrap().code(created);
    assert_eq!(code, runtime);
    (
        head,
        chain.balance(accounts[2].address).unwrap(),
        code,
        created,
    )
}

#[test]
fn a_reopened_chain_continues_where_it_stopped() {
    let dir = scratch("reopen");
    let (head, balance, code, created) = populate(&dir);
    let accounts = dev_accounts(3).unwrap();
    let mut chain = Chain::embedded(config(&dir)).unwrap();
    assert_eq!(chain.block_number().unwrap(), head);
    assert_eq!(chain.balance(accounts[2].address).unwrap(), balance);
    assert_eq!(chain.nonce(accounts[1].address).unwrap(), 1);
    let embedded = chain.as_embedded().unwrap();
    assert_eq!(embedded.code(created), code);
    assert_eq!(embedded.storage(created, [0; 32])[31], 7);
    // Blocks chain by hash across the restart.
    let last = embedded.block_info(head).unwrap().clone();
    assert_eq!(
        embedded.block_info(head - 1).unwrap().hash,
        last.parent_hash
    );
    chain
        .must(
            TxRequest::call(
                accounts[1].address,
                accounts[2].address,
                Vec::new(),
                "pay again",
            )
            .with_value(1),
        )
        .unwrap();
    let next = chain
        .as_embedded()
        .unwrap()
        .block_info(head + 1)
        .unwrap()
        .clone();
    assert_eq!(next.parent_hash, last.hash);
    assert!(next.timestamp > last.timestamp);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn another_chains_data_dir_and_damage_are_errors() {
    let dir = scratch("damage");
    populate(&dir);
    let mut other = config(&dir);
    other.chain_id = 5;
    match Chain::embedded(other) {
        Err(L1Error::Store { message, .. }) => {
            assert!(message.contains("holds chain 1337"), "{message}");
        }
        other => panic!("{other:?}"),
    }

    // A damaged account record.
    {
        let db = redb::Database::create(dir.join(avm_l1::chain::L1_FILE)).unwrap();
        let write = db.begin_write().unwrap();
        {
            let table: redb::TableDefinition<&[u8], &[u8]> = redb::TableDefinition::new("accounts");
            let mut accounts = write.open_table(table).unwrap();
            accounts
                .insert([7u8; 20].as_slice(), [1u8, 2, 3].as_slice())
                .unwrap();
        }
        write.commit().unwrap();
    }
    match Chain::embedded(config(&dir)) {
        Err(L1Error::Store { message, .. }) => {
            assert!(message.contains("damaged"), "{message}");
        }
        other => panic!("{other:?}"),
    }

    // A file that is not a database at all.
    std::fs::write(dir.join(avm_l1::chain::L1_FILE), b"not a redb file").unwrap();
    assert!(matches!(
        Chain::embedded(config(&dir)),
        Err(L1Error::Store { .. })
    ));
    let _ = std::fs::remove_dir_all(&dir);
}
