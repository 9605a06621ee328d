//! The CI smoke benchmark: a few seconds of the workloads the performance targets are
//! about (speedtest programs and ArbOS v58 replaying its boot), each compared with a
//! baseline so that a 2x slowdown fails CI.
//!
//! Machines differ, so each workload's speed is divided by a calibration measured in
//! the same run (Keccak-256 of 32 bytes, the primitive all hashing rests on, and a
//! plain loop of 256-bit additions on a vector); the baseline stores those ratios as
//! measured on the development machine. `--update` rewrites the baseline.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::Instant;

use avm_benches::load_fixture;
use avm_code::{load_mexe, LoadOptions};
use avm_machine::{Machine, RunLimits, RuntimeEnv};
use avm_tools::replay::{parse_aoslog, replay};
use avm_value::ValueLimits;
use avm_value::{keccak256, Int};

/// Where the baseline ratios live.
const BASELINE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/smoke-baseline.json");
/// A workload slower than baseline / FACTOR fails.
const FACTOR: f64 = 2.0;

/// Operations per second of `f`, best of five runs of `n` operations.
fn rate(n: u64, mut f: impl FnMut(u64)) -> f64 {
    (0..5)
        .map(|_| {
            let start = Instant::now();
            f(n);
            n as f64 / start.elapsed().as_secs_f64()
        })
        .fold(0.0, f64::max)
}

fn calibration() -> f64 {
    let keccak = rate(200_000, |n| {
        let mut data = [0u8; 32];
        for i in 0..n {
            data[0] = i as u8;
            black_box(keccak256(black_box(&data)));
        }
    });
    let adds = rate(20_000_000, |n| {
        let mut v = vec![Int::from(1u8); 64];
        for i in 0..n as usize {
            let j = i & 63;
            v[j] = v[j].wrapping_add(v[(i + 1) & 63]);
        }
        black_box(v);
    });
    (keccak * adds).sqrt()
}

fn steps_per_second(program: &str, steps: u64) -> f64 {
    let program = load_fixture(&format!("speedtest/{program}.mexe"));
    let limits = RunLimits {
        max_steps: Some(steps),
        max_gas: None,
    };
    rate(steps, |_| {
        let mut m = Machine::new(program.clone());
        m.run(&mut RuntimeEnv::default(), &limits);
    })
}

/// Steps per second of ArbOS v58 replaying its recorded boot (176,762 steps): the
/// real workload, with every kind of block, fast form and fallback in it.
fn arbos_boot_steps_per_second() -> f64 {
    let dir = avm_benches::fixtures().join("../arbos");
    let program = load_mexe(&dir.join("arbos-v58.mexe"), &LoadOptions::default()).unwrap();
    let bytes = std::fs::read(dir.join("benchmarks/boot.aoslog")).unwrap();
    let recording = parse_aoslog(&bytes, &program.code, &ValueLimits::default()).unwrap();
    let steps = 176_762;
    rate(steps, |_| {
        let (report, _) = replay(
            program.clone(),
            recording.clone(),
            RunLimits::default(),
            &mut (),
        );
        assert!(report.matches() && report.steps == steps, "boot replay");
    })
}

fn main() {
    let update = std::env::args().any(|a| a == "--update");
    let calibration = calibration();
    let workloads = [
        ("add_2_1", 5_000_000),
        ("dup1_dup1_tget_0_1", 5_000_000),
        ("dup2_dup2_dup2_tset_hash_0_1", 1_000_000),
        ("hash_0_0", 300_000),
        ("keccakf_1_1", 300_000),
    ];
    let mut ratios = serde_json::Map::new();
    for (name, steps) in workloads {
        let ratio = steps_per_second(name, steps) / calibration;
        ratios.insert(name.to_owned(), serde_json::json!(ratio));
    }
    let arbos = arbos_boot_steps_per_second() / calibration;
    ratios.insert("arbos_v58_boot".to_owned(), serde_json::json!(arbos));
    if update {
        let text = serde_json::to_string_pretty(&ratios).unwrap();
        std::fs::write(BASELINE, text + "\n").unwrap();
        println!("baseline written to {BASELINE}");
        return;
    }
    let baseline: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(BASELINE).expect("baseline file")).unwrap();
    let mut failed = false;
    println!(
        "{:<32} {:>10} {:>10} {:>7}",
        "workload", "ratio", "baseline", "of it"
    );
    for (name, ratio) in &ratios {
        let ratio = ratio.as_f64().unwrap();
        let base = baseline[name].as_f64().unwrap_or(0.0);
        let share = ratio / base;
        let slow = share < 1.0 / FACTOR;
        failed |= slow;
        println!(
            "{name:<32} {ratio:>10.4} {base:>10.4} {:>6.0}%{}",
            share * 100.0,
            if slow { "  << more than 2x slower" } else { "" }
        );
    }
    if failed {
        eprintln!("smoke benchmark: a workload runs at less than half its baseline speed");
        std::process::exit(1);
    }
}
