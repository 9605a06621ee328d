//! Replay throughput: a recording of a long run is replayed and checked, reporting
//! steps/s and AVMGas/s. The workloads are the final Classic ArbOS (v58) replaying
//! arb-os's five recorded benchmark runs (../shared/fixtures/arbos, 51.6 M steps: the
//! real workload), and two of our own programs: `checksum` over a 256 KiB message (a
//! tight loop of buffer reads, arithmetic, tuple reads and jumps, ~9.4 M steps) and
//! `echo` of 50,000 messages (inbox, log and the output checker on every message).
//! `AVM_REPLAY=boot,nulltx_100` picks workloads by name.

#![allow(missing_docs, clippy::unwrap_used)]

use std::time::Instant;

use avm_benches::{example, fixtures};
use avm_code::{load_mexe, LoadOptions, Program};
use avm_machine::{RunLimits, Runtime};
use avm_tools::replay::{aoslog_of_run, parse_aoslog, replay, Recording};
use avm_value::{Buffer, Tuple, Value, ValueLimits};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};

fn message(block: u64, data: &[u8]) -> Value {
    Value::Tuple(Tuple::from_array([
        Value::int(data.len() as u64),
        Value::int(block),
        Value::Buffer(Buffer::from_bytes(data)),
    ]))
}

/// Runs `program` on `inbox` and returns its recording, read back from .aoslog text.
fn recording_of(program: &Program, inbox: Vec<Value>) -> Recording {
    let mut runtime = Runtime::new(program.clone());
    for m in &inbox {
        runtime.push_message(m.clone());
    }
    runtime.run();
    let text = aoslog_of_run(&inbox, &runtime);
    parse_aoslog(text.as_bytes(), &program.code, &ValueLimits::default()).unwrap()
}

/// arb-os's recorded benchmark runs, in ../shared/fixtures/arbos/benchmarks.
const ARBOS_LOGS: [&str; 5] = [
    "boot",
    "nulltx_100",
    "nulltx_1000",
    "nulltx_batch_100",
    "nulltx_batch_500",
];

fn replays(c: &mut Criterion) {
    let data: Vec<u8> = (0..256 * 1024u32)
        .map(|i| (i * 7 + i / 251) as u8)
        .collect();
    let workloads = [
        (
            "checksum_256k",
            example("checksum"),
            vec![message(1, &data)],
        ),
        (
            "echo_50k",
            example("echo"),
            (0..50_000).map(|i| message(i, &i.to_be_bytes())).collect(),
        ),
    ];
    let arbos_dir = fixtures().join("../arbos");
    let arbos = load_mexe(&arbos_dir.join("arbos-v58.mexe"), &LoadOptions::default()).unwrap();
    let mut runs: Vec<(String, Program, Recording)> = ARBOS_LOGS
        .iter()
        .map(|log| {
            let bytes = std::fs::read(arbos_dir.join(format!("benchmarks/{log}.aoslog"))).unwrap();
            let recording = parse_aoslog(&bytes, &arbos.code, &ValueLimits::default()).unwrap();
            (format!("arbos_v58_{log}"), arbos.clone(), recording)
        })
        .collect();
    runs.extend(workloads.into_iter().map(|(name, program, inbox)| {
        let recording = recording_of(&program, inbox);
        (name.to_owned(), program, recording)
    }));
    if let Ok(filter) = std::env::var("AVM_REPLAY") {
        runs.retain(|(n, _, _)| filter.split(',').any(|f| n.contains(f)));
    }
    let mut g = c.benchmark_group("replay");
    g.sample_size(10);
    for (name, program, recording) in runs {
        let start = Instant::now();
        let (report, _) = replay(
            program.clone(),
            recording.clone(),
            RunLimits::default(),
            &mut (),
        );
        let secs = start.elapsed().as_secs_f64();
        assert!(report.matches(), "{name}: {:?}", report.first_difference);
        eprintln!(
            "{name}: {} steps, {} AVMGas: {:.1} M steps/s, {:.1} M AVMGas/s",
            report.steps,
            report.gas_used,
            report.steps as f64 / secs / 1e6,
            report.gas_used as f64 / secs / 1e6
        );
        g.throughput(Throughput::Elements(report.steps));
        g.bench_function(&name, |b| {
            b.iter_batched(
                || (program.clone(), recording.clone()),
                |(p, r)| replay(p, r, RunLimits::default(), &mut ()),
                BatchSize::LargeInput,
            )
        });
    }
    g.finish();
}

criterion_group!(benches, replays);
criterion_main!(benches);
