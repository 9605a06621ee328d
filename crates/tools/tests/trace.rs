//! The trace: one JSON object per step, in order, agreeing with the machine's own
//! counters, and only the asked-for instructions when filtered.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use avm_machine::{Machine, RunLimits, RuntimeEnv};
use avm_testkit::spec_gas::deployed_gas;
use avm_tools::{Labels, Tracer};
use common::example;
use serde_json::Value as Json;

fn trace(name: &str, range: Option<std::ops::Range<u64>>) -> (Vec<Json>, Machine) {
    let program = example(name);
    let labels = Labels::for_program(&program);
    let mut machine = Machine::new(program);
    let mut tracer = Tracer::new(Vec::new(), labels, range);
    machine.run_observed(
        &mut RuntimeEnv::default(),
        &RunLimits::default(),
        &mut tracer,
    );
    let bytes = tracer.finish().unwrap();
    let lines = String::from_utf8(bytes)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (lines, machine)
}

#[test]
fn every_step_has_one_line_with_consistent_counters() {
    let (lines, machine) = trace("fibonacci", None);
    assert_eq!(lines.len() as u64, machine.steps());
    for (i, line) in lines.iter().enumerate() {
        assert_eq!(line["step"], i as u64);
        assert_eq!(line["segment"], 0);
        for key in [
            "pc",
            "insn",
            "opcode",
            "gas_used",
            "gas_remaining",
            "stack_depth",
            "top",
        ] {
            assert!(line.get(key).is_some(), "line {i} lacks {key}: {line}");
        }
    }
    // Gas between consecutive lines is the spec's cost of the traced opcode (typed in
    // from the spec in avm-testkit, not our opcode table), and the run's total is the
    // sum over the lines.
    let cost = |line: &Json| deployed_gas(line["opcode"].as_str().unwrap()).unwrap();
    for pair in lines.windows(2) {
        let spent = pair[1]["gas_used"].as_u64().unwrap() - pair[0]["gas_used"].as_u64().unwrap();
        assert_eq!(spent, cost(&pair[0]), "{}", pair[0]);
    }
    assert_eq!(lines[0]["gas_used"], 0);
    assert_eq!(machine.gas_used(), lines.iter().map(cost).sum::<u64>());
    // The first lines show the program's start: rset with the loop label, then pushes.
    assert_eq!(lines[0]["opcode"], "rset");
    assert_eq!(lines[0]["immediate"], "loop");
    assert_eq!(lines[0]["top"], Json::Null);
    assert_eq!(lines[2]["opcode"], "push");
    assert_eq!(lines[2]["top"], "20");
    assert_eq!(lines[2]["stack_depth"], 1);
}

#[test]
fn a_pc_range_keeps_only_those_instructions() {
    let (all, _) = trace("tuple_array", None);
    let (some, _) = trace("tuple_array", Some(4..7));
    let expected: Vec<&Json> = all
        .iter()
        .filter(|l| (4..7).contains(&l["insn"].as_u64().unwrap()))
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(some.iter().collect::<Vec<_>>(), expected);
}

#[test]
fn range_syntax_is_parsed() {
    use avm_tools::trace::parse_range;
    assert_eq!(parse_range("3..9"), Ok(3..9));
    assert_eq!(parse_range("3.."), Ok(3..u64::MAX));
    assert_eq!(parse_range("..9"), Ok(0..9));
    assert_eq!(parse_range("7"), Ok(7..8));
    assert!(parse_range("x..2").is_err());
}
