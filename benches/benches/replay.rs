//! Replay throughput: a recording of a long run is replayed and checked, reporting
//! steps/s and AVMGas/s. The workloads are our own programs (ArbOS v58 and its
//! recordings are not among the fixtures): `checksum` over a 256 KiB message (a tight
//! loop of buffer reads, arithmetic, tuple reads and jumps, ~9.4 M steps) and `echo`
//! of 50,000 messages (inbox, log and the output checker on every message).

#![allow(missing_docs, clippy::unwrap_used)]

use std::time::Instant;

use avm_benches::example;
use avm_code::Program;
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
    let mut g = c.benchmark_group("replay");
    g.sample_size(10);
    for (name, program, inbox) in workloads {
        let recording = recording_of(&program, inbox);
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
        g.bench_function(name, |b| {
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
