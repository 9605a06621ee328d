//! Thousands of random programs in the Classic format: every step our Classic encoder
//! proves must be accepted by the native Classic verifier, which must reach exactly the
//! ExecutionState our machine reached. The generator's well-typed snippets make buffer
//! reads, writes (within, across and beyond the tree, near 2^64) and sends reach their
//! real work, so the natively checked buffer paths are exercised.
//!
//! Steps the Classic format cannot express stop a run: `inbox` (its proof needs the
//! inbox suffix), and the opcodes the deployed AVM does not have but ours keeps
//! (`ripemd160f`, `blake2f`, `inboxpeek`), which the contracts treat as invalid.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use avm_machine::{Machine, Status};
use avm_prover::classic::prove_step;
use avm_testkit::{random_program, random_value, Rng};
use avm_value::Int;
use avm_verifier::classic::verify_step;

#[test]
fn every_classic_step_of_thousands_of_random_programs_verifies() {
    let mut steps = 0u64;
    let mut buffer_steps = 0u64;
    let mut sends = 0u64;
    for seed in 1..=2_000u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        let program = random_program(&mut rng);
        let len = program.instruction_count() as usize;
        let mut machine = Machine::new(program);
        let mut parts = machine.to_parts();
        parts.stack = (0..rng.below(5))
            .map(|_| random_value(&mut rng, 0, len, 0))
            .collect();
        parts.aux_stack = (0..rng.below(3))
            .map(|_| random_value(&mut rng, 0, len, 0))
            .collect();
        parts.register = random_value(&mut rng, 0, len, 0);
        if rng.chance(10) {
            parts.gas_remaining = Int::from(rng.below(200));
        }
        machine = Machine::from_parts(parts);
        for _ in 0..150 {
            if machine.status() != Status::Running || machine.pending_message().is_some() {
                break;
            }
            let opcode = machine.code().instruction(machine.pc()).map(|i| i.opcode);
            if matches!(opcode, Some(0x25 | 0x26 | 0x71 | 0x72)) {
                break;
            }
            let step = prove_step(&mut machine, &[]).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
            let after =
                verify_step(&step.before, &step.proof, &step.buffer_proof).unwrap_or_else(|e| {
                    panic!(
                        "seed {seed} (opcode {:#04x}): {e}\nproof {}\nbproof {}",
                        step.proof[0],
                        hex::encode(&step.proof),
                        hex::encode(&step.buffer_proof)
                    )
                });
            assert_eq!(
                after, step.after,
                "seed {seed} (opcode {:#04x})",
                step.proof[0]
            );
            steps += 1;
            match step.proof[0] {
                0xa1..=0xa6 => buffer_steps += 1,
                0x70 => sends += 1,
                _ => {}
            }
        }
    }
    assert!(steps > 50_000, "only {steps} steps");
    assert!(buffer_steps > 300, "only {buffer_steps} buffer steps");
    assert!(sends > 50, "only {sends} sends");
}
