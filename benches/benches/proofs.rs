//! One-step proofs: verification time and proof size per opcode class, and the
//! throughput of proving at every step.
//!
//! Proofs are taken from every step of the fixture programs (the opcode tests and the
//! first steps of each speedtest program). Sizes are printed per class (max and mean
//! bytes); criterion measures the mean verification time per class, and the steps per
//! second of proving then executing every step, in our format and in the Classic one.

#![allow(missing_docs, clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::time::Instant;

use avm_benches::{fixtures, load_fixture};
use avm_code::{category_of, Program};
use avm_machine::{Machine, RunLimits, RuntimeEnv};
use avm_prover::classic::encode_step;
use avm_prover::{claim, prove_step};
use avm_value::{value_hash, Tuple, Value};
use avm_verifier::{verify, Claim, InboxAccumulators, Proof};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn inbox() -> Vec<Value> {
    (0..4u64)
        .map(|i| {
            Value::Tuple(Tuple::new(vec![Value::int(0), Value::int(i), Value::int(7)]).unwrap())
        })
        .collect()
}

/// Proofs (with the pre- and post-state claims they verify between) by opcode class.
type ProofsByClass = BTreeMap<&'static str, Vec<(Claim, Proof, Claim)>>;

fn collect_proofs() -> (ProofsByClass, InboxAccumulators) {
    let messages = inbox();
    let mut by_class = ProofsByClass::new();
    let mut accs = InboxAccumulators::default();
    let mut files: Vec<String> = Vec::new();
    for dir in ["machine-cases", "speedtest"] {
        for e in std::fs::read_dir(fixtures().join(dir)).unwrap() {
            files.push(format!(
                "{dir}/{}",
                e.unwrap().file_name().to_string_lossy()
            ));
        }
    }
    files.sort();
    for rel in files {
        let mut m = Machine::new(load_fixture(&rel));
        accs = InboxAccumulators::from_message_hashes(
            messages.iter().map(|v| value_hash(v, m.code())),
        );
        let mut env = RuntimeEnv::with_inbox(messages.clone());
        for _ in 0..400 {
            let Ok(step) = prove_step(&mut m, &messages) else {
                break;
            };
            m.step(&mut env);
            let post = claim(&mut m);
            let class = category_of(step.proof.opcode);
            let list = by_class.entry(class).or_default();
            if list.len() < 2000 {
                list.push((step.pre(), step.proof, post));
            }
        }
    }
    (by_class, accs)
}

fn verification(c: &mut Criterion) {
    let (by_class, accs) = collect_proofs();
    eprintln!("| opcode class | proofs | mean bytes | max bytes |");
    eprintln!("| --- | --- | --- | --- |");
    for (class, proofs) in &by_class {
        let sizes: Vec<usize> = proofs
            .iter()
            .map(|(_, proof, _)| proof.to_bytes().len())
            .collect();
        let mean = sizes.iter().sum::<usize>() / sizes.len().max(1);
        let max = sizes.iter().max().copied().unwrap_or(0);
        eprintln!("| {class} | {} | {mean} | {max} |", proofs.len());
    }
    let mut g = c.benchmark_group("verify");
    for (class, proofs) in &by_class {
        for (pre, proof, post) in proofs {
            assert_eq!(verify(pre, proof, &accs).as_ref(), Ok(post));
        }
        g.throughput(Throughput::Elements(proofs.len() as u64));
        g.bench_function(*class, |b| {
            b.iter(|| {
                for (pre, proof, _) in proofs {
                    let _ = verify(pre, proof, &accs);
                }
            })
        });
    }
    g.finish();
}

fn proving_every_step(c: &mut Criterion) {
    let mut g = c.benchmark_group("prove every step");
    g.sample_size(10);
    for name in ["add_2_1", "dup1_dup1_tget_0_1", "dup2_dup2_dup2_tset_0_1"] {
        let program = load_fixture(&format!("speedtest/{name}.mexe"));
        let steps = 20_000u64;
        let start = Instant::now();
        let mut m = Machine::new(program.clone());
        let mut env = RuntimeEnv::default();
        for _ in 0..steps {
            prove_step(&mut m, &[]).unwrap();
            m.step(&mut env);
        }
        let proving = start.elapsed().as_secs_f64();
        let mut plain = Machine::new(program.clone());
        let start = Instant::now();
        plain.run(
            &mut RuntimeEnv::default(),
            &RunLimits {
                max_steps: Some(steps),
                max_gas: None,
            },
        );
        let running = start.elapsed().as_secs_f64();
        eprintln!(
            "{name}: proving every step {:.2} M steps/s; running without proofs {:.1} M steps/s",
            steps as f64 / proving / 1e6,
            steps as f64 / running / 1e6
        );
        g.throughput(Throughput::Elements(steps));
        g.bench_function(name, |b| {
            b.iter(|| prove_and_step(&program, steps, |m| drop(prove_step(m, &[]))))
        });
    }
    g.finish();
}

/// Runs `steps` steps of `program`, calling `prove` before each.
fn prove_and_step(program: &Program, steps: u64, mut prove: impl FnMut(&mut Machine)) {
    let mut m = Machine::new(program.clone());
    let mut env = RuntimeEnv::default();
    for _ in 0..steps {
        prove(&mut m);
        m.step(&mut env);
    }
}

/// The same in the Classic format: the proof bytes of each step (without the
/// ExecutionStates, which hash the machine), then the step.
fn proving_every_step_classic(c: &mut Criterion) {
    let mut g = c.benchmark_group("prove every step (Classic)");
    g.sample_size(10);
    for name in ["add_2_1", "dup1_dup1_tget_0_1", "dup2_dup2_dup2_tset_0_1"] {
        let program = load_fixture(&format!("speedtest/{name}.mexe"));
        let steps = 20_000u64;
        g.throughput(Throughput::Elements(steps));
        g.bench_function(name, |b| {
            b.iter(|| prove_and_step(&program, steps, |m| drop(encode_step(m, &[]))))
        });
    }
    g.finish();
}

criterion_group!(
    benches,
    verification,
    proving_every_step,
    proving_every_step_classic
);
criterion_main!(benches);
