//! The block engine (`Machine::run`) against the reference engine
//! (`Machine::run_reference`), in lockstep with comparisons at random stops
//! (`avm_testkit::engines`): every fixture program, ArbOS v58 replaying recorded
//! benchmark inboxes, and random programs that mix every opcode, immediates of every
//! kind, bytes that are no opcode, and stacks too shallow for what follows.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use avm_code::{load_mexe, LoadOptions, Program};
use avm_testkit::engines::{lockstep, Lockstep};
use avm_testkit::{fixtures, random_inbox, random_program, Rng};
use avm_tools::replay::parse_aoslog;
use avm_value::{Tuple, Value, ValueLimits};

fn programs_in(dir: &Path) -> Vec<(String, Program)> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "mexe"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no programs in {}", dir.display());
    paths
        .into_iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, load_mexe(&p, &LoadOptions::default()).unwrap())
        })
        .collect()
}

fn small_inbox() -> Vec<Value> {
    (0..4u64)
        .map(|i| {
            Value::Tuple(Tuple::new(vec![Value::int(0), Value::int(i), Value::int(7)]).unwrap())
        })
        .collect()
}

#[test]
fn fixture_programs_run_alike_on_both_engines() {
    // The speedtest programs loop over one operation, some costing milliseconds: a few
    // thousand steps or 20 M AVMGas cover every instruction in them many times.
    let dirs = [("machine-cases", 300_000), ("speedtest", 12_000)];
    let mut compared = 0;
    for (d, (dir, max_steps)) in dirs.into_iter().enumerate() {
        for (i, (name, program)) in programs_in(&fixtures().join(dir)).into_iter().enumerate() {
            let plan = Lockstep {
                max_steps,
                max_gas: 20_000_000,
                max_piece: max_steps / 10,
                hash_percent: 30,
            };
            let seed = (d as u64) << 32 | i as u64;
            let steps = lockstep(&program, &small_inbox(), seed, plan);
            assert!(steps > 0, "{name}: no steps");
            compared += 1;
        }
    }
    assert!(compared > 70, "{compared} programs");
}

fn arbos_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/arbos")
}

#[test]
fn arbos_v58_replaying_its_benchmarks_runs_alike_on_both_engines() {
    let program = load_mexe(&arbos_dir().join("arbos-v58.mexe"), &LoadOptions::default()).unwrap();
    for (log, steps) in [("boot", 176_762), ("nulltx_100", 3_535_335)] {
        let bytes = std::fs::read(arbos_dir().join(format!("benchmarks/{log}.aoslog"))).unwrap();
        let recording = parse_aoslog(&bytes, &program.code, &ValueLimits::default()).unwrap();
        let plan = Lockstep {
            max_steps: u64::MAX,
            max_gas: u64::MAX,
            max_piece: 50_000,
            hash_percent: 50,
        };
        let compared = lockstep(&program, &recording.inbox, steps, plan);
        assert_eq!(compared, steps, "{log}: the replay's steps");
    }
}

#[test]
fn random_programs_run_alike_on_both_engines() {
    let mut rng = Rng(0x5eed_b10c);
    for case in 0..3_000u64 {
        let program = random_program(&mut rng);
        let inbox = random_inbox(&mut rng, program.instruction_count() as usize);
        let plan = Lockstep {
            max_steps: 5_000,
            max_gas: u64::MAX,
            max_piece: 1 + rng.word() % 300,
            hash_percent: 40,
        };
        lockstep(&program, &inbox, case, plan);
    }
}

#[test]
fn programs_in_arbos_style_run_alike_on_both_engines() {
    let mut rng = Rng(0xa7b0_5eed);
    for case in 0..3_000u64 {
        let program = avm_testkit::engines::hot_program(&mut rng);
        let plan = Lockstep {
            max_steps: 2_000,
            max_gas: u64::MAX,
            max_piece: 1 + rng.word() % 60,
            hash_percent: 40,
        };
        lockstep(&program, &[], case, plan);
    }
}

#[test]
fn a_gas_used_counter_near_its_limit_saturates_alike_on_both_engines() {
    // A restored machine may carry any gas_used; the reference rules saturate it step
    // by step, and the block engine must not charge a block it would overflow (an Error
    // inside the block would refund part of a saturated charge).
    let mut rng = Rng(0x9a5_u64);
    for case in 0..400u64 {
        let program = avm_testkit::engines::hot_program(&mut rng);
        let gas_used = u64::MAX - rng.word() % 200;
        let mut parts = avm_machine::Machine::new(program).to_parts();
        parts.gas_used = gas_used;
        let machine = avm_machine::Machine::from_parts(parts);
        let plan = Lockstep {
            max_steps: 1_000,
            max_gas: u64::MAX,
            max_piece: 1 + rng.word() % 100,
            hash_percent: 20,
        };
        avm_testkit::engines::lockstep_from(machine, &[], case, plan);
    }
}
