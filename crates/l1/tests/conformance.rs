//! Conformance with the deployed contracts: every step our Classic encoder proves, of
//! every fixture program (run to its end, not only the first steps upstream recorded)
//! and of at least 1,000 random programs, is accepted by OneStepProof /
//! OneStepProof2 / OneStepProofHash in revm with exactly the after-state our machine
//! reached, and by our native verifier with the same after-state.
//!
//! Every machine reads the same L1 inbox: three delayed messages delivered through the
//! Bridge and two SequencerInbox batches (8 messages), so `inbox` steps are proven with
//! their inbox suffix against the chain's accumulators. Steps the Classic format cannot
//! express (the opcodes only our machine has: `ripemd160f`, `blake2f`, `inboxpeek`;
//! and any step while a message is pending after `inboxpeek`) are executed without a
//! proof and counted as skipped.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod l1_inbox;

use l1_inbox::{fixtures, inboxes, Inboxes};

use std::path::PathBuf;
use std::time::Instant;

use avm_code::{load_mexe, LoadOptions, Program};
use avm_l1::{StepOutcome, Verdict};
use avm_machine::{Environment, Machine, Status};
use avm_prover::classic::{prove_step_l1, ClassicProveError};
use avm_prover::ProveError;
use avm_testkit::{random_program, random_value, Rng};
use avm_value::{Int, Value};
use avm_verifier::classic::{verify_step_with_inbox, L1InboxAccumulators};

/// Steps run per fixture program at most.
const FIXTURE_STEP_CAP: usize = 20_000;
/// Random programs run.
const RANDOM_PROGRAMS: u64 = 1_000;
/// Steps run per random program at most.
const RANDOM_STEP_CAP: usize = 150;

/// Serves the inbox's messages in order from what the machine consumed: for steps
/// executed without a proof.
struct Serve<'a> {
    inbox: &'a [Value],
    next: usize,
}

impl Environment for Serve<'_> {
    fn next_message(&mut self) -> Option<Value> {
        let message = self.inbox.get(self.next).cloned();
        self.next += usize::from(message.is_some());
        message
    }
}

/// What a run did.
#[derive(Default, Debug)]
struct Tally {
    programs: u64,
    /// Steps proven and accepted by both verifiers.
    accepted: u64,
    /// Of those, `inbox` steps.
    inbox_steps: u64,
    /// Steps executed without a proof (the Classic format cannot express them).
    skipped: u64,
    /// Of those: `ripemd160f`, `blake2f`, `inboxpeek`, and steps while a message is
    /// pending.
    skipped_ripemd160f: u64,
    skipped_blake2f: u64,
    skipped_inboxpeek: u64,
    skipped_pending: u64,
    /// Runs that ended: halted, ErrorStop, blocked, or at the cap.
    halted: u64,
    errorstop: u64,
    blocked: u64,
    capped: u64,
}

/// Whether our machine's next step is one the Classic format cannot express.
fn inexpressible(machine: &Machine) -> bool {
    let opcode = machine.code().instruction(machine.pc()).map(|i| i.opcode);
    matches!(opcode, Some(0x25 | 0x26 | 0x71)) || machine.pending_message().is_some()
}

/// Runs `machine` until it stops, blocks or reaches `cap` steps, proving every step it
/// can and checking it with the contracts and our verifier.
fn run(
    name: &str,
    mut machine: Machine,
    inboxes: &mut Inboxes,
    accs: &L1InboxAccumulators,
    cap: usize,
    tally: &mut Tally,
) {
    tally.programs += 1;
    for i in 0..cap {
        match machine.status() {
            Status::Running => {}
            Status::Halted => {
                tally.halted += 1;
                return;
            }
            _ => {
                tally.errorstop += 1;
                return;
            }
        }
        let opcode = machine.code().instruction(machine.pc()).map(|i| i.opcode);
        let pending = machine.pending_message().is_some();
        if inexpressible(&machine) {
            let next = machine.inbox_position().consumed as usize;
            let mut env = Serve {
                inbox: inboxes.model.values(),
                next,
            };
            match machine.step(&mut env) {
                avm_machine::StepOutcome::Blocked => {
                    tally.blocked += 1;
                    return;
                }
                _ => {
                    tally.skipped += 1;
                    match opcode {
                        _ if pending => tally.skipped_pending += 1,
                        Some(0x25) => tally.skipped_ripemd160f += 1,
                        Some(0x26) => tally.skipped_blake2f += 1,
                        _ => tally.skipped_inboxpeek += 1,
                    }
                }
            }
            continue;
        }
        let step = match prove_step_l1(&mut machine, &inboxes.model) {
            Ok(step) => step,
            Err(ClassicProveError::Step(ProveError::Blocked(_))) => {
                tally.blocked += 1;
                return;
            }
            Err(e) => panic!("{name} step {i}: no Classic proof: {e}"),
        };
        let opcode = step.proof[0];
        let describe = || {
            format!(
                "{name} step {i} (opcode {opcode:#04x})\nproof {}\nbproof {}",
                hex::encode(&step.proof),
                hex::encode(&step.buffer_proof)
            )
        };
        match inboxes.world.check_step(&step).expect("EVM ran") {
            Verdict::Accepted(result) => {
                let StepOutcome::Returned(out) = result.outcome else {
                    unreachable!("accepted without returning")
                };
                assert_eq!(out.fields[1], step.after.machine_hash, "{}", describe());
            }
            Verdict::Rejected(why, _) => panic!("{}\nthe contracts refuse it: {why}", describe()),
        }
        let native = verify_step_with_inbox(&step.before, &step.proof, &step.buffer_proof, accs)
            .unwrap_or_else(|e| panic!("{}\nour verifier refuses it: {e}", describe()));
        assert_eq!(
            native,
            step.after,
            "{}\nour verifier's after-state",
            describe()
        );
        tally.accepted += 1;
        tally.inbox_steps += u64::from(opcode == 0x72);
    }
    tally.capped += 1;
}

fn machine_cases() -> Vec<(String, Program)> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(fixtures().join("machine-cases"))
        .expect("machine-cases")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "mexe"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let program = load_mexe(&p, &LoadOptions::default())
                .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                program,
            )
        })
        .collect()
}

#[test]
fn every_step_of_every_fixture_program_is_accepted_by_the_contracts() {
    let start = Instant::now();
    let mut inboxes = inboxes();
    let accs = inboxes.model.accumulators();
    let cases = machine_cases();
    assert!(cases.len() >= 22, "only {} fixture programs", cases.len());
    let mut tally = Tally::default();
    for (name, program) in cases {
        let before = tally.accepted;
        run(
            &name,
            Machine::new(program),
            &mut inboxes,
            &accs,
            FIXTURE_STEP_CAP,
            &mut tally,
        );
        println!("{name}: {} steps accepted", tally.accepted - before);
    }
    println!(
        "fixture programs: {tally:?} in {:.1} s",
        start.elapsed().as_secs_f64()
    );
    // Upstream's files alone hold 694 steps of these programs.
    assert!(tally.accepted > 694, "only {} steps", tally.accepted);
    assert!(tally.inbox_steps > 0, "no inbox step");
}

#[test]
fn every_provable_step_of_a_thousand_random_programs_is_accepted_by_the_contracts() {
    let start = Instant::now();
    let mut inboxes = inboxes();
    let accs = inboxes.model.accumulators();
    let mut tally = Tally::default();
    for seed in 1..=RANDOM_PROGRAMS {
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        let program = random_program(&mut rng);
        let len = program.instruction_count() as usize;
        let mut parts = Machine::new(program).to_parts();
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
        run(
            &format!("random program {seed}"),
            Machine::from_parts(parts),
            &mut inboxes,
            &accs,
            RANDOM_STEP_CAP,
            &mut tally,
        );
    }
    println!(
        "random programs: {tally:?} in {:.1} s",
        start.elapsed().as_secs_f64()
    );
    assert_eq!(tally.programs, RANDOM_PROGRAMS);
    assert!(tally.accepted > 20_000, "only {} steps", tally.accepted);
}
