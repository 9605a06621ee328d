//! Value hashing, tuple creation, buffer access and program loading.

#![allow(missing_docs, clippy::unwrap_used)]

use std::hint::black_box;

use avm_benches::fixtures;
use avm_code::{parse_mexe, LoadOptions};
use avm_value::{value_hash, Buffer, Int, NoCode, Tuple, Value};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};

fn hashing(c: &mut Criterion) {
    let mut g = c.benchmark_group("hash");
    g.throughput(Throughput::Elements(1));
    let n = Value::Int(Int::from(0x1234_5678u64));
    g.bench_function("int", |b| b.iter(|| value_hash(black_box(&n), &NoCode)));
    let items: Vec<Value> = (0..8u64).map(Value::int).collect();
    g.bench_function("fresh 8-tuple of ints", |b| {
        b.iter_batched(
            || Tuple::new(items.clone()).unwrap(),
            |t| value_hash(&Value::Tuple(t), &NoCode),
            BatchSize::SmallInput,
        )
    });
    let cached = Value::Tuple(Tuple::new(items.clone()).unwrap());
    value_hash(&cached, &NoCode);
    g.bench_function("cached tuple", |b| {
        b.iter(|| value_hash(black_box(&cached), &NoCode))
    });
    g.finish();
}

fn tuples(c: &mut Criterion) {
    let mut g = c.benchmark_group("tuple");
    g.throughput(Throughput::Elements(1));
    g.bench_function("create 2-tuple", |b| {
        b.iter(|| Tuple::pair(Value::int(1), Value::int(2)))
    });
    g.bench_function("create 8-tuple", |b| {
        b.iter(|| Tuple::from_array(std::array::from_fn::<Value, 8, _>(|i| Value::int(i as u64))))
    });
    g.finish();
}

fn buffers(c: &mut Criterion) {
    let mut g = c.benchmark_group("buffer");
    g.throughput(Throughput::Elements(1));
    let mut offsets = Vec::new();
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..1024 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        offsets.push(x % (1 << 20));
    }
    let mut buffer = Buffer::new();
    for (i, o) in offsets.iter().enumerate() {
        buffer = buffer.set(*o, i as u8);
    }
    let mut i = 0;
    g.bench_function("set at random offset (1 MiB span)", |b| {
        b.iter(|| {
            i = (i + 1) % offsets.len();
            buffer.set(offsets[i], 7)
        })
    });
    g.bench_function("get at random offset (1 MiB span)", |b| {
        b.iter(|| {
            i = (i + 1) % offsets.len();
            buffer.get(offsets[i])
        })
    });
    g.finish();
}

/// Loading the two real ArbOS builds: the JSON, the instructions and the whole CodePoint
/// hash table. The file's bytes are read once, before measuring.
fn loading(c: &mut Criterion) {
    let mut g = c.benchmark_group("mexe");
    g.sample_size(20);
    for (name, path) in [
        ("arbos-2020.mexe", fixtures().join("arbos-2020.mexe")),
        ("arbos-v58.mexe", fixtures().join("../arbos/arbos-v58.mexe")),
    ] {
        let bytes = std::fs::read(&path).unwrap();
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.bench_function(format!("load {name}"), |b| {
            b.iter_with_large_drop(|| {
                parse_mexe(black_box(&bytes), &LoadOptions::default()).unwrap()
            })
        });
    }
    g.finish();
}

criterion_group!(benches, hashing, tuples, buffers, loading);
criterion_main!(benches);
