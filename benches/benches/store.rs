//! Checkpoints: saving the initial ArbOS 2020 machine (time and bytes), restoring it,
//! and the cost of an incremental checkpoint 10^6 steps later (ArbOS blocks on its
//! empty inbox after 12 steps, so the 10^6 steps run the tuple-writing speedtest loop).

#![allow(missing_docs, clippy::unwrap_used)]

use std::time::Instant;

use avm_benches::load_fixture;
use avm_machine::{Machine, RunLimits, RuntimeEnv};
use avm_store::Store;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};

fn temp_store(name: &str) -> (std::path::PathBuf, Store) {
    let dir = std::env::temp_dir().join(format!("avm-bench-store-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let store = Store::open(&dir).unwrap();
    (dir, store)
}

fn store(c: &mut Criterion) {
    let arbos = load_fixture("arbos-2020.mexe");
    let mut g = c.benchmark_group("checkpoint");
    g.sample_size(10);

    let (dir, mut s) = temp_store("report");
    let start = Instant::now();
    let info = s.save(&mut Machine::new(arbos.clone())).unwrap();
    eprintln!(
        "arbos-2020 initial machine: saved {} bytes in {:.1} ms",
        info.bytes,
        start.elapsed().as_secs_f64() * 1e3
    );
    let start = Instant::now();
    s.restore(0).unwrap();
    eprintln!(
        "arbos-2020 initial machine: restored in {:.1} ms",
        start.elapsed().as_secs_f64() * 1e3
    );
    let mut looping = Machine::new(load_fixture("speedtest/dup2_dup2_dup2_tset_0_1.mexe"));
    s.save(&mut looping).unwrap();
    looping.run(
        &mut RuntimeEnv::default(),
        &RunLimits {
            max_steps: Some(1_000_000),
            max_gas: None,
        },
    );
    let start = Instant::now();
    let later = s.save(&mut looping).unwrap();
    eprintln!(
        "checkpoint 10^6 steps later: {} bytes in {:.2} ms",
        later.bytes,
        start.elapsed().as_secs_f64() * 1e3
    );
    drop(s);
    std::fs::remove_dir_all(&dir).unwrap();

    g.bench_function("save arbos-2020 initial machine (fresh store)", |b| {
        b.iter_batched(
            || (temp_store("save"), Machine::new(arbos.clone())),
            |((dir, mut s), mut m)| {
                s.save(&mut m).unwrap();
                drop(s);
                let _ = std::fs::remove_dir_all(dir);
            },
            BatchSize::PerIteration,
        )
    });
    let (dir, mut s) = temp_store("restore");
    s.save(&mut Machine::new(arbos.clone())).unwrap();
    g.bench_function("restore arbos-2020 initial machine", |b| {
        b.iter(|| s.restore(0).unwrap())
    });
    let mut m = Machine::new(load_fixture("speedtest/dup2_dup2_dup2_tset_0_1.mexe"));
    s.save(&mut m).unwrap();
    g.bench_function("incremental checkpoint after 10^6 steps", |b| {
        b.iter_batched(
            || {
                let mut next = m.clone();
                let limits = RunLimits {
                    max_steps: Some(next.steps() + 1_000_000),
                    max_gas: None,
                };
                next.run(&mut RuntimeEnv::default(), &limits);
                next
            },
            |mut next| s.save(&mut next).unwrap(),
            BatchSize::PerIteration,
        )
    });
    drop(s);
    let _ = std::fs::remove_dir_all(dir);
    g.finish();
}

criterion_group!(benches, store);
criterion_main!(benches);
