//! The machine against the Arbitrum Classic fixtures: machine hashes the production
//! C++ AVM computed after k steps, and opcode test programs that halt only when every
//! opcode behaves as deployed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use avm_code::{load_mexe, LoadOptions};
use avm_machine::{Machine, RunLimits, RuntimeEnv, Status, StopReason};
use avm_value::Hash;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/classic")
}

fn load(rel: &str) -> Machine {
    Machine::new(load_mexe(&fixtures().join(rel), &LoadOptions::default()).unwrap())
}

#[test]
fn machine_hashes_match_the_cpp_avm_at_every_recorded_step() {
    let text = std::fs::read_to_string(fixtures().join("machine-hashes.json")).unwrap();
    let cases: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    assert!(cases.len() > 60);
    for case in cases {
        let program = case["program"].as_str().unwrap();
        let steps = case["steps"].as_u64().unwrap();
        let mut machine = load(program);
        let mut env = RuntimeEnv::default();
        let limits = RunLimits {
            max_steps: Some(steps),
            max_gas: None,
        };
        while machine.run(&mut env, &limits).reason == StopReason::Breakpoint {}
        assert_eq!(machine.steps(), steps, "{program}: steps");
        let status = match machine.status() {
            Status::Running => "extensive",
            Status::Halted => "halted",
            Status::ErrorStop => "error",
        };
        assert_eq!(
            status,
            case["status"].as_str().unwrap(),
            "{program} after {steps}"
        );
        assert_eq!(
            machine.gas_used(),
            case["gas_used"].as_u64().unwrap(),
            "{program} gas after {steps}"
        );
        let expected: Hash = case["machine_hash"].as_str().unwrap().parse().unwrap();
        assert_eq!(
            machine.hash(),
            expected,
            "{program} hash after {steps} steps"
        );
    }
}

#[test]
fn every_opcode_test_program_halts() {
    for name in [
        "opcodetestarbgas",
        "opcodetestdup",
        "opcodetestecops",
        "opcodetestethhash2",
        "opcodetesthash",
        "opcodetestlogic",
        "opcodetestmath",
        "opcodeteststack",
        "opcodetesttuple",
        "opcodetestcode",
        "opcodetestkeccakf",
        "opcodetestsha256f",
    ] {
        let mut machine = load(&format!("machine-cases/{name}.mexe"));
        let mut env = RuntimeEnv::default();
        let mut report = machine.run(&mut env, &RunLimits::default());
        while report.reason == StopReason::Breakpoint {
            report = machine.run(&mut env, &RunLimits::default());
        }
        assert_eq!(
            report.reason,
            StopReason::Halted,
            "{name} after {} steps",
            machine.steps()
        );
    }
}
