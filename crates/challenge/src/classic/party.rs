//! Parties of the Classic game, and the honest one: it answers the opponent's last
//! bisection as the Go validator does (arb-node-core/challenge): find the first cut
//! that differs from its own; if the chunk before it holds more than one step, or its
//! own end there is unreachable, bisect it; if it holds none, prove continued
//! execution; if exactly one, prove that step.
//!
//! The deployed contract does not require a cut after an unreachable one to be
//! unreachable, so an opponent may answer with a bisection whose only chunk the honest
//! party disputes starts unreachable; no move can take that chunk up, and the honest
//! party loses by timeout (as the Go validator would). See the test
//! `a_reachable_cut_after_an_unreachable_one_strands_the_honest_challenger`.

use avm_machine::Machine;
use avm_prover::classic::prove_step;
use avm_value::{Hash, Value};
use avm_verifier::classic::ExecutionState;

use super::execution::{ClassicExecution, Cut};
use super::hash::{assertion_rest_hash, cut_hash, ClassicAssertion};
use super::moves::{
    executor_for_opcode, BisectExecution, ChunkRef, ClassicMove, OneStepProveExecution,
    ProveContinuedExecution,
};
use super::segment::Bisection;

/// A side of a Classic challenge.
pub trait ClassicParty {
    /// As challenger, before the game: whether it disputes `assertion` at all.
    fn disputes(&mut self, assertion: &ClassicAssertion) -> bool;
    /// Its move answering `prev` (the opponent's last bisection, or the assertion's
    /// single chunk), or None to make no move (it then loses by timeout).
    fn respond(&mut self, prev: &Bisection, degree: u64) -> Option<ClassicMove>;
    /// Steps it has executed so far.
    fn steps_executed(&self) -> u64;
}

/// A party borrowed is still a party (one kept between a validator's rounds is lent
/// to a wrapper for one move).
impl<P: ClassicParty + ?Sized> ClassicParty for &mut P {
    fn disputes(&mut self, assertion: &ClassicAssertion) -> bool {
        (**self).disputes(assertion)
    }

    fn respond(&mut self, prev: &Bisection, degree: u64) -> Option<ClassicMove> {
        (**self).respond(prev, degree)
    }

    fn steps_executed(&self) -> u64 {
        (**self).steps_executed()
    }
}

/// How a party sees its cuts: the truth, or a lie applied to it.
pub(crate) type View<'a> = &'a mut dyn FnMut(u64, Cut) -> Cut;

/// A party that tells the truth about its own execution.
#[derive(Clone)]
pub struct HonestClassic {
    pub(crate) exec: ClassicExecution,
}

impl HonestClassic {
    /// A party running `start` over `inbox`, reading at most `max_messages` of it
    /// (the assertion's `maxMessageCount`).
    pub fn new(start: Machine, inbox: &[Value], max_messages: u64) -> HonestClassic {
        HonestClassic {
            exec: ClassicExecution::new(start, inbox, max_messages),
        }
    }

    /// The honest assertion over this run: from its start until the machine halts,
    /// errors, blocks, or reaches `budget` gas (None if that end is unreachable).
    pub fn assertion(&mut self, budget: Option<u64>) -> Option<ClassicAssertion> {
        let base = self.exec.base();
        let end = self.exec.stop_gas(budget);
        let before = self.exec.cut_at(base).state?;
        let after = self.exec.cut_at(end).state?;
        Some(ClassicAssertion { before, after })
    }

    /// The run this party sees.
    pub fn execution(&mut self) -> &mut ClassicExecution {
        &mut self.exec
    }

    /// Its cuts at a bisection's offsets, seen through `view`.
    pub(crate) fn cuts(&mut self, prev: &Bisection, view: View<'_>) -> Vec<Cut> {
        let offsets = prev.segment.cut_offsets(prev.chunk_count());
        if let (Some(&from), Some(&to)) = (offsets.first(), offsets.last()) {
            self.exec.keep_only(from, to);
        }
        let cuts = self.exec.cuts_at(&offsets);
        offsets
            .iter()
            .zip(cuts)
            .map(|(gas, cut)| view(*gas, cut))
            .collect()
    }

    /// The move on chunk `index` of `prev` given its own cuts `mine` at `prev`'s
    /// offsets: bisect, prove continued execution, or prove one step.
    pub(crate) fn move_on_chunk(
        &mut self,
        prev: &Bisection,
        index: u64,
        mine: &[Cut],
        degree: u64,
        view: View<'_>,
    ) -> Option<ClassicMove> {
        let i = usize::try_from(index).ok()?;
        let start = *mine.get(i)?;
        let end = *mine.get(i.checked_add(1)?)?;
        let chunk = prev.chunk(index)?;
        let tree = prev.tree()?;
        let chunk_ref = ChunkRef {
            proof: tree.proof(i)?,
            segment: chunk,
            old_end: *prev.cuts.get(i.checked_add(1)?)?,
        };
        let steps = end.steps.saturating_sub(start.steps);
        if steps > 1 || end.state.is_none() {
            let offsets = chunk.cut_offsets(chunk.chunk_count(degree));
            let sub: Vec<Cut> = self
                .exec
                .cuts_at(&offsets)
                .into_iter()
                .zip(&offsets)
                .map(|(cut, gas)| view(*gas, cut))
                .collect();
            let first = sub.first()?.state.unwrap_or_else(nowhere);
            Some(ClassicMove::Bisect(BisectExecution {
                chunk: chunk_ref,
                gas_used_before: first.gas_used,
                assertion_rest: assertion_rest_hash(&first),
                chain_hashes: sub.iter().map(Cut::hash).collect(),
            }))
        } else if steps == 0 {
            let first = start.state.unwrap_or_else(nowhere);
            Some(ClassicMove::ProveContinued(ProveContinuedExecution {
                chunk: chunk_ref,
                gas_used_before: first.gas_used,
                assertion_rest: assertion_rest_hash(&first),
            }))
        } else {
            let mut machine = self.exec.machine_at(chunk.start)?;
            let step = prove_step(&mut machine, self.exec.inbox()).ok()?;
            let before = step.before;
            let opcode = *step.proof.first()?;
            Some(ClassicMove::OneStepProve(OneStepProveExecution {
                chunk: chunk_ref,
                initial_messages_read: before.inbox_count,
                initial_accs: [before.send_acc, before.log_acc],
                initial_state: [before.gas_used, before.send_count, before.log_count],
                execution_proof: step.proof,
                buffer_proof: step.buffer_proof,
                prover: executor_for_opcode(opcode),
            }))
        }
    }
}

/// A start state no run has (for a liar whose claimed start is unreachable).
fn nowhere() -> ExecutionState {
    ExecutionState::default()
}

/// The first index whose cut differs between `mine` and `theirs`.
pub(crate) fn first_difference(mine: &[Cut], theirs: &[Hash]) -> Option<usize> {
    theirs
        .iter()
        .enumerate()
        .find(|(i, h)| mine.get(*i).map(Cut::hash) != Some(**h))
        .map(|(i, _)| i)
}

impl ClassicParty for HonestClassic {
    fn disputes(&mut self, assertion: &ClassicAssertion) -> bool {
        self.exec.cut_at(assertion.after.gas_used).hash() != cut_hash(&assertion.after)
    }

    fn respond(&mut self, prev: &Bisection, degree: u64) -> Option<ClassicMove> {
        let mut truth = |_: u64, cut: Cut| cut;
        let mine = self.cuts(prev, &mut truth);
        // The first cut is the chunk's agreed start; a difference there is no dispute
        // this party can take up.
        let differs = first_difference(&mine, &prev.cuts).filter(|i| *i > 0)?;
        let start = differs.checked_sub(1)?;
        // A chunk starting unreachable admits no move (no bisection or proof can start
        // there); as the Go validator, make none rather than one that must revert.
        mine.get(start)?.state?;
        let index = u64::try_from(start).ok()?;
        self.move_on_chunk(prev, index, &mine, degree, &mut truth)
    }

    fn steps_executed(&self) -> u64 {
        self.exec.steps_executed()
    }
}
