//! Thousands of random programs: every step of each, proven and verified, must give
//! the claim the machine reaches by executing it. The programs mix every opcode (and
//! bytes that are none) with immediates of every kind, so errors, handlers, underflows,
//! out-of-gas, blocking inboxes, buffers and code built at run time all occur.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use avm_code::{Instruction, Opcode, Program};
use avm_machine::{Machine, RuntimeEnv, StepOutcome};
use avm_prover::{claim, prove_step, ProveError};
use avm_testkit::{random_inbox, random_program, random_value, Rng};
use avm_value::{value_hash, Int, Tuple, Value};
use avm_verifier::{verify, InboxAccumulators, Proof};

#[test]
fn every_step_of_thousands_of_random_programs_verifies() {
    let mut steps = 0u64;
    let mut faults = 0u64;
    let mut blocked = 0u64;
    for seed in 1..=2_000u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        let program = random_program(&mut rng);
        let len = program.instruction_count() as usize;
        let inbox = random_inbox(&mut rng, len);
        let mut machine = Machine::new(program);
        // Start with a register and stacks that are not empty, to exercise them.
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
        let accs = InboxAccumulators::from_message_hashes(
            inbox.iter().map(|m| value_hash(m, machine.code())),
        );
        let mut env = RuntimeEnv::with_inbox(inbox.clone());
        for _ in 0..150 {
            let step = match prove_step(&mut machine, &inbox) {
                Ok(step) => step,
                Err(ProveError::Blocked(_)) => {
                    blocked += 1;
                    assert_eq!(machine.step(&mut env), StepOutcome::Blocked, "seed {seed}");
                    break;
                }
                Err(ProveError::NotRunning(_)) => break,
                Err(e) => panic!("seed {seed}: {e}"),
            };
            let outcome = machine.step(&mut env);
            if matches!(outcome, StepOutcome::Faulted(_)) {
                faults += 1;
            }
            let post = claim(&mut machine);
            let pre = step.pre();
            let verified = verify(&pre, &step.proof, &accs).unwrap_or_else(|e| {
                panic!("seed {seed} step {}: {e}\n{:?}", pre.steps, step.proof)
            });
            assert_eq!(
                verified, post,
                "seed {seed} step {} opcode {:#x}\n{:?}",
                pre.steps, step.proof.opcode, step.proof
            );
            assert_eq!(
                Proof::from_bytes(&step.proof.to_bytes()).unwrap(),
                step.proof
            );
            steps += 1;
        }
    }
    assert!(steps > 20_000, "{steps} steps");
    assert!(
        faults > 1_000 && blocked > 10,
        "faults {faults}, blocked {blocked}"
    );
}

#[test]
fn a_step_past_the_last_inbox_message_has_no_valid_proof() {
    let program = Program::from_instructions(
        vec![
            Instruction::basic(Opcode::Inbox as u8),
            Instruction::basic(Opcode::Inbox as u8),
        ],
        Value::none(),
    )
    .unwrap();
    let message = Value::Tuple(Tuple::pair(Value::int(0), Value::int(1)));
    let mut machine = Machine::new(program);
    let accs = InboxAccumulators::from_message_hashes([value_hash(&message, machine.code())]);
    let first = prove_step(&mut machine, std::slice::from_ref(&message)).unwrap();
    assert!(verify(&first.pre(), &first.proof, &accs).is_ok());
    machine.step(&mut RuntimeEnv::with_inbox([message.clone()]));
    assert_eq!(
        prove_step(&mut machine, std::slice::from_ref(&message)),
        Err(ProveError::Blocked(1))
    );
    // A forged proof that reads the same message again is rejected.
    let forged = prove_step(&mut machine, &[message.clone(), message.clone()]).unwrap();
    let mut pre = forged.pre();
    assert!(verify(&pre, &forged.proof, &accs).is_err());
    pre.inbox_consumed = 0;
    assert!(verify(&pre, &forged.proof, &accs).is_err());
}
