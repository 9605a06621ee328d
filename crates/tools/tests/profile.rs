//! The profile accounts for every step and every unit of gas of a run, whichever way
//! its rows are grouped, and draws a flamegraph of it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use avm_code::{load_mexe, LoadOptions, Program};
use avm_machine::{Machine, RunLimits, RuntimeEnv, StopReason};
use avm_testkit::fixtures;
use avm_testkit::spec_gas::deployed_gas;
use avm_tools::profile::Grouping;
use avm_tools::{Labels, Profile, Profiler};
use avm_value::{Buffer, Tuple, Value};
use common::example;

fn profile(program: Program, inbox: Vec<Value>, by: Grouping) -> (Profile, Machine) {
    let labels = Labels::for_program(&program);
    let debug = program.debug.clone();
    let mut profiler = Profiler::new(u64::from(program.instruction_count()));
    let mut machine = Machine::new(program);
    let mut env = RuntimeEnv::with_inbox(inbox);
    let limits = RunLimits {
        max_steps: Some(200_000),
        max_gas: None,
    };
    while machine
        .run_observed(&mut env, &limits, &mut profiler)
        .reason
        == StopReason::Breakpoint
    {}
    (profiler.report(&machine, &labels, &debug, by), machine)
}

fn assert_accounts_for_the_run(profile: &Profile, machine: &Machine, name: &str) {
    let gas: u64 = profile.rows.iter().map(|(_, c)| c.gas).sum();
    let steps: u64 = profile.rows.iter().map(|(_, c)| c.steps).sum();
    assert_eq!(gas, machine.gas_used(), "{name}: gas");
    assert_eq!(steps, machine.steps(), "{name}: steps");
    assert_eq!(profile.total.gas, machine.gas_used(), "{name}");
    let folded: u64 = profile.stacks.values().sum();
    assert_eq!(folded, machine.gas_used(), "{name}: flamegraph weight");
    let mut sorted = profile.rows.clone();
    sorted.sort_by_key(|r| std::cmp::Reverse(r.1.gas));
    assert!(
        sorted
            .iter()
            .map(|r| r.1.gas)
            .eq(profile.rows.iter().map(|r| r.1.gas)),
        "{name}: rows are sorted by gas"
    );
}

#[test]
fn rows_add_up_to_the_gas_and_steps_of_every_fixture_run() {
    let dir = fixtures().join("machine-cases");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "mexe"))
        .collect();
    files.sort();
    assert!(files.len() >= 22, "only {} fixture programs", files.len());
    for path in files {
        let program = load_mexe(&path, &LoadOptions::default()).unwrap();
        for by in [Grouping::Line, Grouping::Region] {
            let (profile, machine) = profile(program.clone(), Vec::new(), by);
            assert_accounts_for_the_run(&profile, &machine, &path.display().to_string());
        }
    }
}

#[test]
fn an_assembled_program_is_profiled_by_line_and_by_label() {
    let data = vec![7u8; 100];
    let message = Value::Tuple(Tuple::from_array([
        Value::int(100),
        Value::int(1),
        Value::Buffer(Buffer::from_bytes(&data)),
    ]));
    let (by_line, machine) = profile(example("checksum"), vec![message.clone()], Grouping::Line);
    assert_accounts_for_the_run(&by_line, &machine, "checksum by line");
    assert!(by_line
        .rows
        .iter()
        .all(|(unit, _)| unit.starts_with("checksum.avm:")));
    // `getbuffer8` (line 26) runs once per byte, at the spec's cost.
    let row = by_line
        .rows
        .iter()
        .find(|(u, _)| u == "checksum.avm:26")
        .unwrap();
    let getbuffer8 = deployed_gas("getbuffer8").unwrap();
    assert_eq!((row.1.steps, row.1.gas), (100, 100 * getbuffer8));

    let (by_region, machine) = profile(example("checksum"), vec![message], Grouping::Region);
    assert_accounts_for_the_run(&by_region, &machine, "checksum by region");
    let names: Vec<&str> = by_region.rows.iter().map(|(u, _)| u.as_str()).collect();
    assert_eq!(names[0], "loop");
    assert!(names.contains(&"done") && names.contains(&"(entry)"));

    let mut svg = Vec::new();
    by_region
        .write_flamegraph("checksum profile", &mut svg)
        .unwrap();
    let svg = String::from_utf8(svg).unwrap();
    assert!(svg.starts_with("<?xml") && svg.contains("checksum profile"));
    assert!(svg.contains("getbuffer8"));
}
