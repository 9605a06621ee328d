//! Tampered Classic proofs: the native Classic verifier must never panic on them, and
//! whenever it accepts one, it must reach the same after-state as the genuine proof
//! (a step is deterministic: bytes it ignores, or another encoding of the same values,
//! may be accepted, but never a different outcome).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use avm_machine::{Machine, Status};
use avm_prover::classic::{prove_step, ClassicStep};
use avm_testkit::{random_program, random_value, Rng};
use avm_verifier::classic::verify_step;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/classic")
}

/// A random change to one of the two byte strings.
fn tamper(rng: &mut Rng, step: &ClassicStep) -> ClassicStep {
    let mut out = step.clone();
    let target = if (rng.chance(30) && !out.buffer_proof.is_empty()) || out.proof.is_empty() {
        &mut out.buffer_proof
    } else {
        &mut out.proof
    };
    match rng.below(6) {
        0 | 1 if !target.is_empty() => {
            let i = rng.below(target.len());
            target[i] ^= 1 << rng.below(8);
        }
        2 if !target.is_empty() => {
            let i = rng.below(target.len());
            target[i] = rng.word() as u8;
        }
        3 if !target.is_empty() => {
            let keep = rng.below(target.len());
            target.truncate(keep);
        }
        4 => target.extend((0..1 + rng.below(40)).map(|_| rng.word() as u8)),
        _ if target.len() > 1 => {
            let i = rng.below(target.len());
            target.remove(i);
        }
        _ => target.push(rng.word() as u8),
    }
    out
}

fn check(rng: &mut Rng, step: &ClassicStep, tries: usize, what: &str) -> (u64, u64) {
    let (mut rejected, mut accepted) = (0, 0);
    for _ in 0..tries {
        let bad = tamper(rng, step);
        if bad == *step {
            continue;
        }
        match verify_step(&bad.before, &bad.proof, &bad.buffer_proof) {
            Err(_) => rejected += 1,
            Ok(after) => {
                assert_eq!(
                    after,
                    step.after,
                    "{what}: a tampered proof was accepted with another outcome\nproof {}\nbproof {}",
                    hex::encode(&bad.proof),
                    hex::encode(&bad.buffer_proof)
                );
                accepted += 1;
            }
        }
    }
    (rejected, accepted)
}

#[test]
fn tampered_fixture_proofs_are_rejected_or_change_nothing() {
    let mut rng = Rng(0x5eed);
    let (mut rejected, mut accepted) = (0, 0);
    for entry in std::fs::read_dir(fixtures().join("proofs")).unwrap() {
        let path = entry.unwrap().path();
        let steps = ClassicStep::parse_file(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for (k, step) in steps.iter().enumerate() {
            let what = format!("{} step {k}", path.display());
            let (r, a) = check(&mut rng, step, 20, &what);
            rejected += r;
            accepted += a;
        }
    }
    assert!(
        rejected + accepted > 13_000 && rejected > 10_000,
        "only {rejected} rejections ({accepted} accepted)"
    );
}

#[test]
fn tampered_random_program_proofs_are_rejected_or_change_nothing() {
    let mut rng = Rng(0x0c1a_551c);
    let mut rejected = 0;
    for seed in 1..=300u64 {
        let mut prng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        let program = random_program(&mut prng);
        let len = program.instruction_count() as usize;
        let mut machine = Machine::new(program);
        let mut parts = machine.to_parts();
        parts.stack = (0..prng.below(5))
            .map(|_| random_value(&mut prng, 0, len, 0))
            .collect();
        machine = Machine::from_parts(parts);
        for _ in 0..60 {
            if machine.status() != Status::Running {
                break;
            }
            let opcode = machine.code().instruction(machine.pc()).map(|i| i.opcode);
            if matches!(opcode, Some(0x25 | 0x26 | 0x71 | 0x72)) {
                break;
            }
            let step = prove_step(&mut machine, &[]).unwrap();
            rejected += check(&mut rng, &step, 4, &format!("seed {seed}")).0;
        }
    }
    assert!(rejected > 20_000, "only {rejected} rejections");
}
