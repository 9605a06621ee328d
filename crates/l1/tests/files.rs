//! Loading contracts and step records: errors that name the problem.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use avm_l1::{
    parse_step_records, Contracts, ContractsError, Hardfork, L1Config, L1World, RecordError,
};

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

const STATE: &str = r#"{"machineHash": [1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,2],
 "inboxAcc": [0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0],
 "inboxCount": 3, "gasUsed": 10, "sendCount": 0, "logCount": 1,
 "sendAcc": [0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0],
 "logAcc": [0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]}"#;

fn record(state: &str, extra: &str) -> String {
    format!(
        r#"{{"Assertion": {{"beforeState": {STATE}, "afterState": {state}}}, "Proof": "0x3b00", "BufferProof": "0x"{extra}}}"#
    )
}

#[test]
fn step_records_parse_as_an_object_or_an_array() {
    let one = record(STATE, "");
    let records = parse_step_records(one.as_bytes()).unwrap();
    assert_eq!(records.len(), 1);
    let r = &records[0];
    assert_eq!(r.opcode(), Some(0x3b));
    assert_eq!(r.before.machine_hash.0[31], 2);
    assert_eq!(
        (r.before.inbox_count, r.before.gas_used, r.before.log_count),
        (3, 10, 1)
    );
    assert!(r.buffer_proof.is_empty());
    let many = format!("[{one}, {one}]");
    assert_eq!(parse_step_records(many.as_bytes()).unwrap().len(), 2);
}

#[test]
fn step_records_of_another_shape_are_refused_with_the_place() {
    let shape_error = |text: &str| match parse_step_records(text.as_bytes()) {
        Err(RecordError::Shape { path, message }) => format!("{path}: {message}"),
        other => panic!("{text}: {other:?}"),
    };
    assert!(shape_error(&record(STATE, r#", "Extra": 1"#)).contains("unknown field `Extra`"));
    let short_hash = STATE.replacen("[1,0,", "[", 1);
    assert!(shape_error(&record(&short_hash, "")).contains("afterState.machineHash"));
    let big_byte = STATE.replacen("[1,0,", "[256,0,", 1);
    assert!(shape_error(&record(&big_byte, "")).contains("machineHash"));
    let negative = STATE.replace("\"gasUsed\": 10", "\"gasUsed\": -1");
    assert!(shape_error(&format!("[{}]", record(&negative, "")))
        .starts_with("[0].Assertion.afterState.gasUsed"));
    let no_prefix = record(STATE, "").replace("\"0x3b00\"", "\"3b00\"");
    assert!(shape_error(&no_prefix).contains("Proof"));
    assert!(shape_error("3").starts_with("$"));

    // A key twice is ambiguous JSON, refused before its shape is looked at.
    let doubled = record(STATE, "").replacen("{", r#"{"Proof": "0x00", "#, 1);
    assert!(matches!(
        parse_step_records(doubled.as_bytes()),
        Err(RecordError::Json(_))
    ));
    assert!(matches!(
        parse_step_records(b"[1,"),
        Err(RecordError::Json(_))
    ));
}
