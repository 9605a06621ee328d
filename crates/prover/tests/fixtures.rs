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
        assert_eq!(step.pre, claim(&mut machine));
        let outcome = machine.step(&mut env);
        assert_ne!(outcome, StepOutcome::Blocked, "{name}: proven step blocked");
        let post = claim(&mut machine);
        let verified = verify(&step.pre, &step.proof, &accs)
            .unwrap_or_else(|e| panic!("{name} step {}: {e}\n{:?}", step.pre.steps, step.proof));
        assert_eq!(
            verified, post,
            "{name} step {} (opcode {:#x})",
            step.pre.steps, step.proof.opcode
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
    for entry in std::fs::read_dir(fixtures().join("machine-cases")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let inbox: Vec<Value> = (0..4).map(message).collect();
        let n = prove_every_step(load(&format!("machine-cases/{name}")), inbox, 5_000, &name);
        assert!(n > 0, "{name}");
        total += n;
    }
    assert!(total > 800, "only {total} steps");
}

#[test]
fn speedtest_programs_verify_for_their_first_thousands_of_steps() {
    for entry in std::fs::read_dir(fixtures().join("speedtest")).unwrap() {
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
}

/// ArbOS 2020 initialises, blocks on its inbox, and (given a message in a format it
/// does not expect) raises an Error: every one of those steps must verify.
#[test]
fn arbos_2020_verifies_through_its_start_up() {
    let n = prove_every_step(load("arbos-2020.mexe"), vec![], 20_000, "arbos-2020");
    assert_eq!(n, 12);
    let n = prove_every_step(
        load("arbos-2020.mexe"),
        vec![message(1)],
        20_000,
        "arbos-2020",
    );
    assert_eq!(n, 37);
}
