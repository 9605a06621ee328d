//! For every step of every fixture program: the verifier, given only the pre-state
//! claim and the proof, computes exactly the claim the machine reaches by executing
//! the step; and the proof survives its binary and JSON forms unchanged.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use avm_code::{load_mexe, LoadOptions};
use avm_machine::{Machine, RuntimeEnv, StepOutcome};
use avm_prover::{claim, prove_step, ProveError};
use avm_value::{value_hash, Int, Tuple, Value};
use avm_verifier::json::{proof_from_json, proof_to_json};
use avm_verifier::{verify, InboxAccumulators, Proof};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/classic")
}

/// Proves and verifies up to `max_steps` steps; returns the number proven.
fn prove_every_step(mut machine: Machine, inbox: Vec<Value>, max_steps: u64, name: &str) -> u64 {
    let accs =
        InboxAccumulators::from_message_hashes(inbox.iter().map(|m| value_hash(m, machine.code())));
    let mut env = RuntimeEnv::with_inbox(inbox.clone());
    let mut proven = 0;
    for _ in 0..max_steps {
        let step = match prove_step(&mut machine, &inbox) {
            Ok(step) => step,
            Err(ProveError::NotRunning(_) | ProveError::Blocked(_)) => break,
            Err(e) => panic!("{name}: {e}"),
        };
        let pre = step.pre();
        assert_eq!(pre, claim(&mut machine));
        let outcome = machine.step(&mut env);
        assert_ne!(outcome, StepOutcome::Blocked, "{name}: proven step blocked");
        let post = claim(&mut machine);
        let verified = verify(&pre, &step.proof, &accs)
            .unwrap_or_else(|e| panic!("{name} step {}: {e}\n{:?}", pre.steps, step.proof));
        assert_eq!(
            verified, post,
            "{name} step {} (opcode {:#x})",
            pre.steps, step.proof.opcode
        );
        let bytes = step.proof.to_bytes();
        assert_eq!(
            Proof::from_bytes(&bytes).unwrap(),
            step.proof,
            "{name}: binary round trip"
        );
        assert_eq!(
            proof_from_json(&proof_to_json(&step.proof)).unwrap(),
            step.proof
        );
        proven += 1;
    }
    proven
}

fn load(rel: &str) -> Machine {
    Machine::new(load_mexe(&fixtures().join(rel), &LoadOptions::default()).unwrap())
}

fn message(block: u64) -> Value {
    let items = vec![
        Value::int(3),
        Value::int(block),
        Value::int(1_600_000_000),
        Value::Int(Int::from(0xdeadu64)),
        Value::int(block),
        Value::int(0),
        Value::int(5),
        Value::Buffer(avm_value::Buffer::from_bytes(b"hello")),
    ];
    Value::Tuple(Tuple::new(items).unwrap())
}

#[test]
fn every_step_of_every_machine_case_verifies() {
    let mut total = 0;
    let mut programs = 0;
    for entry in std::fs::read_dir(fixtures().join("machine-cases")).unwrap() {
        programs += 1;
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let inbox: Vec<Value> = (0..4).map(message).collect();
        let n = prove_every_step(load(&format!("machine-cases/{name}")), inbox, 5_000, &name);
        assert!(n > 0, "{name}");
        total += n;
    }
    assert!(programs >= 22, "only {programs} programs");
    assert!(total > 800, "only {total} steps");
}

#[test]
fn speedtest_programs_verify_for_their_first_thousands_of_steps() {
    let mut programs = 0;
    for entry in std::fs::read_dir(fixtures().join("speedtest")).unwrap() {
        programs += 1;
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let steps = if name.starts_with("ecpairing") {
            40
        } else if name.starts_with("ec") {
            300
        } else {
            2_500
        };
        let inbox: Vec<Value> = (0..50).map(message).collect();
        let n = prove_every_step(load(&format!("speedtest/{name}")), inbox, steps, &name);
        assert!(n > 0, "{name}");
    }
    assert!(programs >= 50, "only {programs} speedtest programs");
}

/// The opcode byte of program instruction `index` of arbos-2020.mexe, read from the
/// file's JSON.
fn arbos_2020_opcode(index: usize) -> u64 {
    let text = std::fs::read_to_string(fixtures().join("arbos-2020.mexe")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    json["code"][index]["opcode"].as_u64().unwrap()
}

/// ArbOS 2020 initialises, blocks on its inbox, and (given a message in a format it
/// does not expect) raises an Error: every one of those steps must verify.
///
/// The step counts come from reading the program (arbos-2020.mexe), not from a run:
/// `rset` and `jump` (#0, #1) lead to #8417; the ten instructions #8417..#8426 end in a
/// `cjump` that is not taken, and #8427 is `inbox`: 12 steps, then it blocks. Given a
/// message, `inbox` and #8428..#8433 (7 steps) end in a `jump` to #363, the head of a
/// loop of 13 instructions (#363..#375, ending in `jump`) that walks the message; the
/// first round completes and the second faults at its fifth instruction, the `tget` at
/// #367, whose operand is no tuple: 12 + 7 + 13 + 5 = 37 steps.
#[test]
fn arbos_2020_verifies_through_its_start_up() {
    let (inbox, jump, cjump, tget) = (0x72, 0x34, 0x35, 0x50);
    assert_eq!(arbos_2020_opcode(1), jump);
    assert_eq!(arbos_2020_opcode(8426), cjump);
    assert_eq!(arbos_2020_opcode(8427), inbox);
    assert_eq!(arbos_2020_opcode(8433), jump);
    assert_eq!(arbos_2020_opcode(375), jump);
    assert_eq!(arbos_2020_opcode(367), tget);
    let to_inbox = 2 + (8426 - 8417 + 1);
    let after_inbox = 8433 - 8427 + 1;
    let loop_round = 375 - 363 + 1;
    let into_second_round = 367 - 363 + 1;

    let n = prove_every_step(load("arbos-2020.mexe"), vec![], 20_000, "arbos-2020");
    assert_eq!(n, to_inbox);
    let mut machine = load("arbos-2020.mexe");
    let mut env = RuntimeEnv::default();
    while machine.step(&mut env) != StepOutcome::Blocked {}
    assert_eq!(machine.code().program_index(machine.pc()), Some(8427));

    let n = prove_every_step(
        load("arbos-2020.mexe"),
        vec![message(1)],
        20_000,
        "arbos-2020",
    );
    assert_eq!(n, to_inbox + after_inbox + loop_round + into_second_round);
    let mut machine = load("arbos-2020.mexe");
    let mut env = RuntimeEnv::with_inbox(vec![message(1)]);
    while machine.step(&mut env) != StepOutcome::Stopped {}
    assert_eq!(machine.status(), avm_machine::Status::ErrorStop);
    assert_eq!(machine.code().program_index(machine.pc()), Some(367));
}
