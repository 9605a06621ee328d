//! The executor against the production C++ AVM, step by step: for every step of the
//! 21 programs in `../shared/fixtures/classic/proofs`, the C++ AVM recorded the
//! ExecutionState before and after the step (machine hash, gas used, inbox, send and
//! log counts and accumulators). Our machine, loaded from the same .mexe and stepped
//! one instruction at a time, must be in exactly those states.
//!
//! Indexing, as the data shows it: the entries are consecutive (each entry's
//! before-state is the previous entry's after-state) and the first entry's before-state
//! is the freshly loaded machine with every counter at zero, so entry `k` is the
//! `(k+1)`-th instruction: its before-state is our state after `k` steps and its
//! after-state our state after `k + 1`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use avm_code::{load_mexe, LoadOptions};
use avm_machine::{Machine, RuntimeEnv, StepOutcome};
use avm_value::Hash;
use serde_json::Value as Json;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/classic")
}

/// One ExecutionState of the fixture.
#[derive(Debug, PartialEq, Eq)]
struct State {
    machine_hash: Hash,
    inbox_acc: Hash,
    inbox_count: u64,
    gas_used: u64,
    send_count: u64,
    log_count: u64,
    send_acc: Hash,
    log_acc: Hash,
}

fn bytes32(json: &Json, key: &str) -> Hash {
    let bytes: Vec<u8> = json[key]
        .as_array()
        .unwrap_or_else(|| panic!("{key} is not an array: {json}"))
        .iter()
        .map(|b| u8::try_from(b.as_u64().unwrap()).unwrap())
        .collect();
    Hash(bytes.try_into().unwrap())
}

fn number(json: &Json, key: &str) -> u64 {
    json[key]
        .as_u64()
        .unwrap_or_else(|| panic!("{key} is not a number: {json}"))
}

fn fixture_state(json: &Json) -> State {
    State {
        machine_hash: bytes32(json, "machineHash"),
        inbox_acc: bytes32(json, "inboxAcc"),
        inbox_count: number(json, "inboxCount"),
        gas_used: number(json, "gasUsed"),
        send_count: number(json, "sendCount"),
        log_count: number(json, "logCount"),
        send_acc: bytes32(json, "sendAcc"),
        log_acc: bytes32(json, "logAcc"),
    }
}

fn our_state(machine: &mut Machine) -> State {
    let inbox = machine.inbox_position();
    let outputs = machine.outputs();
    State {
        machine_hash: machine.hash(),
        inbox_acc: inbox.acc,
        inbox_count: inbox.consumed,
        gas_used: machine.gas_used(),
        send_count: outputs.send_count,
        log_count: outputs.log_count,
        send_acc: outputs.send_acc,
        log_acc: outputs.log_acc,
    }
}

/// Steps the program through every recorded step; returns the number of steps checked
/// and the first disagreement, if any (the program is not stepped past it).
fn check_program(proofs: &Path) -> (u64, Option<String>) {
    let file = proofs.file_name().unwrap().to_string_lossy().into_owned();
    let name = file.strip_suffix(".mexe-proofs.json").unwrap();
    let text = std::fs::read_to_string(proofs).unwrap();
    let entries: Vec<Json> = serde_json::from_str(&text).unwrap();
    assert!(!entries.is_empty(), "{file} has no steps");

    let mexe = fixtures()
        .join("machine-cases")
        .join(format!("{name}.mexe"));
    let mut machine = Machine::new(load_mexe(&mexe, &LoadOptions::default()).unwrap());
    let mut env = RuntimeEnv::default();

    for (k, entry) in entries.iter().enumerate() {
        let assertion = &entry["Assertion"];
        let before = fixture_state(&assertion["beforeState"]);
        let after = fixture_state(&assertion["afterState"]);
        assert_eq!(machine.steps(), k as u64);
        if k == 0 {
            assert_eq!(
                (
                    before.gas_used,
                    before.inbox_count,
                    before.send_count,
                    before.log_count
                ),
                (0, 0, 0, 0),
                "{name}: the first entry starts from the initial machine"
            );
        }
        let ours = our_state(&mut machine);
        if ours != before {
            let msg = format!("{name}: before step {k}:\n  C++: {before:?}\n  avm: {ours:?}");
            return (k as u64, Some(msg));
        }
        let pc = machine.pc();
        let outcome = machine.step(&mut env);
        let ours = our_state(&mut machine);
        if !matches!(
            outcome,
            StepOutcome::Executed | StepOutcome::Faulted(_) | StepOutcome::Breakpoint
        ) || ours != after
        {
            let msg = format!(
                "{name}: after step {k} (instruction at {pc:?}, {outcome:?}):\n  C++: {after:?}\n  avm: {ours:?}"
            );
            return (k as u64, Some(msg));
        }
    }
    (entries.len() as u64, None)
}

#[test]
fn every_recorded_step_reaches_the_cpp_avms_state() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixtures().join("proofs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".mexe-proofs.json"))
        .collect();
    files.sort();
    let mut steps = 0;
    let mut programs = Vec::new();
    let mut failures = Vec::new();
    for path in &files {
        let (checked, failure) = check_program(path);
        steps += checked;
        failures.extend(failure);
        programs.push(path.file_name().unwrap().to_string_lossy().into_owned());
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(files.len(), 21, "proof files: {programs:?}");
    assert_eq!(steps, 694, "steps checked");
    // The buffer programs are among them.
    for buffer in ["buffer_test", "bufferopcodetest", "bytearraytest"] {
        assert!(
            programs.contains(&format!("{buffer}.mexe-proofs.json")),
            "{buffer}"
        );
    }
}
