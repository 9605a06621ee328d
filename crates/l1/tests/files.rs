//! Loading contracts and step records: errors that name the problem.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use avm_l1::{Contracts, ContractsError, Hardfork, L1Config, L1World};

fn contracts_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/classic/contracts")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("avm-l1-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn copy_contracts(to: &Path) {
    for entry in std::fs::read_dir(contracts_dir()).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, to.join(path.file_name().unwrap())).unwrap();
    }
}

#[test]
fn a_missing_contract_file_is_named() {
    let dir = scratch("missing");
    copy_contracts(&dir);
    std::fs::remove_file(dir.join("SequencerInbox.json")).unwrap();
    match Contracts::load(&dir) {
        Err(ContractsError::Read { path, .. }) => {
            assert!(path.ends_with("SequencerInbox.json"), "{}", path.display());
        }
        other => panic!("{other:?}"),
    }
    let message = Contracts::load(&dir).unwrap_err().to_string();
    assert!(message.contains("SequencerInbox.json"), "{message}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn malformed_contract_files_are_refused() {
    let dir = scratch("malformed");
    copy_contracts(&dir);
    let bridge = dir.join("Bridge.json");
    let original = std::fs::read_to_string(&bridge).unwrap();

    // A key twice: which value counts would be up to the parser.
    let doubled = original.replacen("{", "{\"contract\": \"Bridge\", ", 1);
    std::fs::write(&bridge, doubled).unwrap();
    assert!(matches!(
        Contracts::load(&dir),
        Err(ContractsError::Malformed { .. })
    ));

    // Another contract under this name.
    std::fs::write(
        &bridge,
        original.replace("\"contract\": \"Bridge\"", "\"contract\": \"Inbox\""),
    )
    .unwrap();
    assert!(matches!(
        Contracts::load(&dir),
        Err(ContractsError::Malformed { .. })
    ));

    // An ABI without the entry point the world calls.
    std::fs::write(&bridge, original.replace("\"setInbox\"", "\"setInboxes\"")).unwrap();
    match Contracts::load(&dir) {
        Err(ContractsError::MissingFunction { signature, .. }) => {
            assert_eq!(signature, "setInbox(address,bool)");
        }
        other => panic!("{other:?}"),
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_world_runs_under_later_hardforks_too() {
    let contracts = Contracts::load(contracts_dir()).unwrap();
    for hardfork in [
        Hardfork::London,
        Hardfork::Cancun,
        Hardfork::Prague,
        Hardfork::Osaka,
    ] {
        let config = L1Config {
            hardfork,
            ..L1Config::default()
        };
        let world = L1World::new(&contracts, config).unwrap();
        assert_eq!(world.config().hardfork, hardfork);
    }
}
