//! The final Classic ArbOS (v58) on our machine, against facts measured with the
//! production C++ AVM (`../shared/fixtures/arbos/SOURCE.md`): from an empty inbox it
//! blocks after a known number of steps and gas in a known machine hash, and arb-os's
//! recorded benchmark runs replay with exactly the recorded logs, sends and total gas
//! in the number of steps the C++ AVM took.
//!
//! All five logs (51.6 M steps) take about 2 s in the test profile, so none is ignored.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use avm_code::{load_mexe, LoadOptions, Program};
use avm_machine::{RunLimits, Runtime, StopReason};
use avm_tools::replay::{parse_aoslog, replay};
use avm_value::{Hash, ValueLimits};

fn arbos_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/arbos")
}

/// arbos-v58.mexe, loaded once per test binary.
fn arbos() -> Program {
    static PROGRAM: OnceLock<Program> = OnceLock::new();
    PROGRAM
        .get_or_init(|| {
            load_mexe(&arbos_dir().join("arbos-v58.mexe"), &LoadOptions::default()).unwrap()
        })
        .clone()
}

#[test]
fn from_an_empty_inbox_arbos_v58_blocks_where_the_cpp_avm_does() {
    let mut runtime = Runtime::new(arbos()).ignore_breakpoints();
    let report = runtime.run();
    assert_eq!(report.reason, StopReason::Blocked);
    assert_eq!(runtime.machine.steps(), 173_042);
    assert_eq!(runtime.machine.gas_used(), 816_892);
    let expected: Hash = "0xe5f3f904e6647e4cb29f1c8bdad04826efb1ac71fd781aff94e5b57dd91063b5"
        .parse()
        .unwrap();
    assert_eq!(runtime.machine.hash(), expected);
}

/// Replays `benchmarks/NAME.aoslog` and checks it against the recording and the C++
/// AVM's step count.
fn replays_exactly(name: &str, cpp_steps: u64) {
    let program = arbos();
    let bytes = std::fs::read(
        arbos_dir()
            .join("benchmarks")
            .join(format!("{name}.aoslog")),
    )
    .unwrap_or_else(|e| panic!("{name}.aoslog: {e}"));
    let recording = parse_aoslog(&bytes, &program.code, &ValueLimits::default()).unwrap();
    assert!(!recording.inbox.is_empty(), "{name}: empty inbox");
    assert!(recording.total_gas.is_some(), "{name}: no total_gas");
    let messages = recording.inbox.len() as u64;
    let (report, machine) = replay(program.clone(), recording, RunLimits::default(), &mut ());
    if let Some(difference) = &report.first_difference {
        panic!("{name}: {}", difference.to_text(&program.code));
    }
    assert_eq!(report.status, StopReason::Blocked, "{name}");
    assert_eq!(report.expected_gas, Some(report.gas_used), "{name}");
    assert_eq!(
        (report.logs, report.sends),
        (report.expected_logs, report.expected_sends),
        "{name}"
    );
    assert!(report.logs > 0, "{name}: no logs checked");
    assert_eq!(report.steps, cpp_steps, "{name}: steps");
    // Every message was consumed.
    assert_eq!(
        machine.inbox_position().consumed,
        messages,
        "{name}: messages consumed"
    );
}

#[test]
fn boot_replays_exactly() {
    replays_exactly("boot", 176_762);
}

#[test]
fn nulltx_100_replays_exactly() {
    replays_exactly("nulltx_100", 3_535_335);
}

#[test]
fn nulltx_batch_100_replays_exactly() {
    replays_exactly("nulltx_batch_100", 5_254_342);
}

#[test]
fn nulltx_1000_replays_exactly() {
    replays_exactly("nulltx_1000", 22_069_035);
}

#[test]
fn nulltx_batch_500_replays_exactly() {
    replays_exactly("nulltx_batch_500", 20_606_767);
}

#[test]
fn the_benchmark_folder_holds_the_five_logs() {
    let mut names: Vec<String> = std::fs::read_dir(arbos_dir().join("benchmarks"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".aoslog"))
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "boot.aoslog",
            "nulltx_100.aoslog",
            "nulltx_1000.aoslog",
            "nulltx_batch_100.aoslog",
            "nulltx_batch_500.aoslog"
        ]
    );
}
