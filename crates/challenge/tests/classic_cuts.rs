//! The cut at AVMGas g is the first state whose gas used is at least g; a run that
//! halts, errors, blocks, or would read more than the assertion's messages before g
//! has no cut there (unreachable, zero). Checked against a plain step-by-step run.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use avm_challenge::classic::{cut_hash, ClassicExecution, UNREACHABLE};
use avm_code::{load_mexe, LoadOptions};
use avm_machine::{Machine, RuntimeEnv, Status, StepOutcome};
use avm_prover::classic::execution_state;
use avm_testkit::fixtures;
use avm_value::{Tuple, Value};
use avm_verifier::classic::ExecutionState;

fn machine(rel: &str) -> Machine {
    Machine::new(load_mexe(&fixtures().join(rel), &LoadOptions::default()).unwrap())
}

/// Every state of the run, one step at a time, until it stops or `max_steps`.
fn states(mut m: Machine, inbox: &[Value], max_steps: usize) -> Vec<(ExecutionState, u64)> {
    let mut env = RuntimeEnv::with_inbox(inbox.to_vec());
    let mut out = vec![(execution_state(&mut m), m.steps())];
    for _ in 0..max_steps {
        if m.status() != Status::Running {
            break;
        }
        match m.step(&mut env) {
            StepOutcome::Blocked | StepOutcome::Stopped => break,
            _ => out.push((execution_state(&mut m), m.steps())),
        }
    }
    out
}

fn check(program: &str, inbox: &[Value], max_messages: u64) {
    let m = machine(program);
    let limited: Vec<Value> = inbox.iter().take(max_messages as usize).cloned().collect();
    let run = states(m.clone(), &limited, 100_000);
    let last_gas = run.last().unwrap().0.gas_used;
    let mut exec = ClassicExecution::new(m, inbox, max_messages);
    // Ascending offsets in one call (snapshots reused), then single ones.
    let offsets: Vec<u64> = (0..=last_gas + 3).collect();
    let cuts = exec.cuts_at(&offsets);
    for (g, cut) in offsets.iter().zip(&cuts) {
        let expected = run.iter().find(|(s, _)| s.gas_used >= *g);
        match expected {
            Some((s, steps)) => {
                assert_eq!(cut.state.as_ref(), Some(s), "{program} at {g}");
                assert_eq!(cut.steps, *steps, "{program} at {g}");
                assert_eq!(cut.hash(), cut_hash(s));
            }
            None => assert_eq!(cut.hash(), UNREACHABLE, "{program} at {g}"),
        }
    }
    for g in [last_gas / 2, 1, last_gas, last_gas + 1] {
        assert_eq!(exec.cut_at(g), cuts[g as usize], "{program} at {g} alone");
    }
}

#[test]
fn cuts_are_first_states_reaching_the_gas() {
    for program in [
        "machine-cases/opcodetestmath.mexe",
        "machine-cases/opcodetesthash.mexe",
        "machine-cases/bufferopcodetest.mexe",
        "machine-cases/opcodetestarbgas.mexe",
    ] {
        check(program, &[], 0);
    }
}

#[test]
fn a_run_reading_past_the_message_limit_is_unreachable_there() {
    let messages: Vec<Value> = (0..4)
        .map(|i| Value::Tuple(Tuple::pair(Value::int(0), Value::int(i))))
        .collect();
    let program = "speedtest/inbox_0_1.mexe";
    // With all four messages the run reads them all, then blocks; with two it blocks
    // at the third read.
    let all = states(machine(program), &messages, 100_000);
    let two = states(machine(program), &messages[..2], 100_000);
    assert_eq!(all.last().unwrap().0.inbox_count, 4);
    assert_eq!(two.last().unwrap().0.inbox_count, 2);
    assert!(two.last().unwrap().0.gas_used < all.last().unwrap().0.gas_used);
    check(program, &messages, 4);
    check(program, &messages, 2);
    let mut exec = ClassicExecution::new(machine(program), &messages, 2);
    let past = two.last().unwrap().0.gas_used + 1;
    assert_eq!(exec.cut_at(past).hash(), UNREACHABLE);
}
