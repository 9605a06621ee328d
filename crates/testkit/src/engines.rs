//! The block engine against the reference engine: two copies of one machine run side by
//! side, one with [`Machine::run`] (blocks) and one with [`Machine::run_reference`]
//! (one instruction at a time with every per-step check), stopped at the same random
//! points by step limits and gas caps. At every stop both must report the same run and
//! be in the same state: status, code point, counters, AVMGas, inbox and output
//! accumulators, outputs, and the full machine hash (computed at random stops, which
//! also fills the stacks' digest caches that later steps must invalidate correctly).

use avm_code::Program;
use avm_machine::{Machine, RunLimits, RuntimeEnv, Status, StopReason};
use avm_value::Value;

use crate::Rng;

/// How far a lockstep run goes and how it is cut into pieces.
#[derive(Clone, Copy, Debug)]
pub struct Lockstep {
    /// Stop comparing after this many steps in total.
    pub max_steps: u64,
    /// Or once this much AVMGas was used (some instructions cost milliseconds).
    pub max_gas: u64,
    /// The longest piece run between two comparisons.
    pub max_piece: u64,
    /// Percentage of stops at which the machine hashes are compared.
    pub hash_percent: u64,
}

/// Runs `program` on `inbox` with both engines, comparing them at random stops chosen
/// by `seed`; panics with the first difference. Returns the steps compared.
pub fn lockstep(program: &Program, inbox: &[Value], seed: u64, plan: Lockstep) -> u64 {
    let mut rng = Rng(seed | 1);
    let mut blocks = Machine::new(program.clone());
    let mut reference = Machine::new(program.clone());
    let mut blocks_env = RuntimeEnv::with_inbox(inbox.iter().cloned());
    let mut reference_env = RuntimeEnv::with_inbox(inbox.iter().cloned());
    let mut pieces = 0u64;
    while reference.steps() < plan.max_steps && reference.gas_used() < plan.max_gas {
        let piece = 1 + rng.word() % plan.max_piece;
        let max_steps = Some(reference.steps().saturating_add(piece));
        let max_gas = rng.chance(30).then(|| {
            reference
                .gas_used()
                .saturating_add(rng.word() % (piece * 8 + 1))
        });
        let limits = RunLimits { max_steps, max_gas };
        let expected = reference.run_reference(&mut reference_env, &limits);
        let got = blocks.run(&mut blocks_env, &limits);
        pieces += 1;
        let at = format!("piece {pieces} (seed {seed}, limits {limits:?})");
        assert_eq!(got, expected, "run reports differ at {at}");
        assert_same_state(
            &mut blocks,
            &mut reference,
            rng.chance(plan.hash_percent),
            &at,
        );
        assert_eq!(
            (blocks_env.sends().len(), blocks_env.logs().len()),
            (reference_env.sends().len(), reference_env.logs().len()),
            "outputs differ at {at}"
        );
        let stuck = expected.steps == 0
            && matches!(expected.reason, StopReason::Blocked | StopReason::Halted);
        if reference.status() != Status::Running || stuck {
            break;
        }
    }
    assert_same_state(&mut blocks, &mut reference, true, "the end");
    reference.steps()
}

fn assert_same_state(blocks: &mut Machine, reference: &mut Machine, hash: bool, at: &str) {
    let facts = |m: &Machine| {
        (
            m.status(),
            m.pc(),
            m.steps(),
            m.gas_used(),
            *m.gas_remaining(),
            m.error_code_point(),
            m.stack().len(),
            m.aux_stack().len(),
            m.inbox_position(),
            m.outputs(),
        )
    };
    assert_eq!(facts(blocks), facts(reference), "states differ at {at}");
    if hash {
        assert_eq!(
            blocks.hash(),
            reference.hash(),
            "machine hashes differ at {at}"
        );
    }
}
