//! The C++ AVM's speedtest programs: loops of ~1000 copies of one operation, run for a
//! fixed number of steps. Criterion reports steps per second (elements); AVMGas per
//! second is printed once per program from a measured run. Each program also runs on
//! the reference engine (`Machine::run_reference`, one instruction at a time), so the
//! block engine's gain is measured in the same run.

#![allow(missing_docs, clippy::unwrap_used)]

use std::time::Instant;

use avm_benches::{fixtures, load_fixture};
use avm_machine::{Machine, RunLimits, RuntimeEnv};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};

fn steps_for(name: &str) -> u64 {
    if name.starts_with("ecpairing") {
        200
    } else if name.starts_with("ec") {
        20_000
    } else {
        1_000_000
    }
}

fn speedtest(c: &mut Criterion) {
    let mut names: Vec<String> = std::fs::read_dir(fixtures().join("speedtest"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| {
            e.file_name()
                .to_string_lossy()
                .trim_end_matches(".mexe")
                .to_owned()
        })
        .filter(|n| n != "inbox_0_1")
        .collect();
    names.sort();
    if let Ok(filter) = std::env::var("AVM_SPEEDTEST") {
        names.retain(|n| filter.split(',').any(|f| n.contains(f)));
    }
    let mut g = c.benchmark_group("speedtest");
    g.sample_size(10);
    for name in names {
        let program = load_fixture(&format!("speedtest/{name}.mexe"));
        let steps = steps_for(&name);
        let limits = RunLimits {
            max_steps: Some(steps),
            max_gas: None,
        };
        // One measured run for the AVMGas rate.
        let mut m = Machine::new(program.clone());
        let start = Instant::now();
        m.run(&mut RuntimeEnv::default(), &limits);
        let secs = start.elapsed().as_secs_f64();
        eprintln!(
            "{name}: {:.2} M steps/s, {:.1} M AVMGas/s",
            m.steps() as f64 / secs / 1e6,
            m.gas_used() as f64 / secs / 1e6
        );
        g.throughput(Throughput::Elements(steps));
        g.bench_function(&name, |b| {
            b.iter_batched(
                || Machine::new(program.clone()),
                |mut m| m.run(&mut RuntimeEnv::default(), &limits),
                BatchSize::LargeInput,
            )
        });
        g.bench_function(format!("{name} (reference engine)"), |b| {
            b.iter_batched(
                || Machine::new(program.clone()),
                |mut m| m.run_reference(&mut RuntimeEnv::default(), &limits),
                BatchSize::LargeInput,
            )
        });
    }
    g.finish();
}

criterion_group!(benches, speedtest);
criterion_main!(benches);
