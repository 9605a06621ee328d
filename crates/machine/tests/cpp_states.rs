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
use avm_value::{Hash, Int, Value};
use serde_json::Value as Json;

#[allow(dead_code)]
#[path = "../../testkit/src/spec_gas.rs"]
mod spec_gas;

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

/// The number of pairs in an `ecpairing` operand: a stack of 2-tuples `(item, rest)`
/// ended by the empty tuple.
fn pairing_list_len(mut list: &Value) -> u64 {
    let mut n = 0;
    while let Some([_, rest]) = list.as_tuple().map(|t| t.items()) {
        n += 1;
        list = rest;
    }
    n
}

/// What the spec says the instruction about to run costs, reading the opcode from the
/// .mexe at the pc: its table entry (deployed differences applied); `ecpairing` adds
/// its per-pair cost for the list it will pop; a byte that is no opcode runs as `error`
/// ("executed as though the instruction were the error opcode"), and so does an
/// instruction that underflows the stack. An instruction that costs more than the AVMGas
/// remaining raises an Error without running; the spec does not say what gas_used
/// counts then, and the deployed AVM counts the `error` cost
/// (../shared/conformance.md, "out-of-gas accounting").
fn spec_cost_of_next(machine: &Machine) -> u64 {
    let error = spec_gas::spec_gas("error").unwrap();
    let insn = machine.code().instruction(machine.pc()).unwrap();
    let Some(mut cost) = spec_gas::deployed_gas_of_byte(insn.opcode) else {
        return error;
    };
    if insn.opcode == 0x83 {
        // An immediate is pushed first, so it is the operand.
        match insn.immediate.as_ref().or(machine.stack().peek(0)) {
            None => return error,
            Some(list) => cost += spec_gas::ECPAIRING_PER_PAIR * pairing_list_len(list).min(30),
        }
    }
    if Int::from(cost) > *machine.gas_remaining() {
        return error;
    }
    cost
}

/// The C++ AVM's gas for each recorded step: `(program, step, opcode byte, gas the
/// spec gives, gas the C++ AVM charged)`.
fn cpp_step_gas(proofs: &Path, out: &mut Vec<(String, usize, u8, u64, u64)>) {
    let file = proofs.file_name().unwrap().to_string_lossy().into_owned();
    let name = file.strip_suffix(".mexe-proofs.json").unwrap().to_owned();
    let entries: Vec<Json> =
        serde_json::from_str(&std::fs::read_to_string(proofs).unwrap()).unwrap();
    let mexe = fixtures()
        .join("machine-cases")
        .join(format!("{name}.mexe"));
    let mut machine = Machine::new(load_mexe(&mexe, &LoadOptions::default()).unwrap());
    let mut env = RuntimeEnv::default();
    for (k, entry) in entries.iter().enumerate() {
        let before = fixture_state(&entry["Assertion"]["beforeState"]);
        let after = fixture_state(&entry["Assertion"]["afterState"]);
        let opcode = machine.code().instruction(machine.pc()).unwrap().opcode;
        let spec = spec_cost_of_next(&machine);
        machine.step(&mut env);
        out.push((
            name.clone(),
            k,
            opcode,
            spec,
            after.gas_used - before.gas_used,
        ));
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

/// The proof files, sorted by name.
fn proof_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixtures().join("proofs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".mexe-proofs.json"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_recorded_step_reaches_the_cpp_avms_state() {
    let files = proof_files();
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

/// The C++ AVM's gas for every recorded step is the spec's cost of the opcode executed,
/// as `spec_gas` types it in from the spec (with its deployed differences), not as our
/// opcode table says.
#[test]
fn the_cpp_avm_charges_the_spec_cost_of_every_recorded_step() {
    let mut steps = Vec::new();
    for path in proof_files() {
        cpp_step_gas(&path, &mut steps);
    }
    assert_eq!(steps.len(), 694);
    let mut wrong = Vec::new();
    for (name, k, opcode, spec, gas) in &steps {
        if spec != gas {
            wrong.push(format!(
                "{name} step {k}: opcode {opcode:#04x}: C++ gas {gas}, spec {spec}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // The steps that show the deployed differences from the spec's table are there.
    let newbuffers = steps.iter().filter(|s| s.2 == 0xa0).count();
    assert_eq!(
        newbuffers, 5,
        "newbuffer steps (charged 1, not the spec's 10)"
    );
    let pairings: Vec<u64> = steps.iter().filter(|s| s.2 == 0x83).map(|s| s.4).collect();
    assert_eq!(
        pairings,
        [5, 1_001_000, 15_001_000],
        "ecpairing: out of gas, 2 pairs, 30 pairs"
    );
}
