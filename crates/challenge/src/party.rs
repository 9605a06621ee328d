//! Parties: how a side of a challenge decides its moves, and the honest one.
//!
//! [`HonestParty`] derives every claim from its own execution. It keeps snapshots of
//! its machine at the cut points of the segment in dispute, so each round re-runs only
//! the part chosen in the round before: about N·K/(K−1) steps in all for N disputed
//! steps, not N·log N. A machine that halts, errors to a stop or blocks on its inbox
//! stays as it is, so its claims past that point repeat its stopped state.

use std::collections::BTreeMap;

use avm_machine::{Machine, RunLimits, RuntimeEnv};
use avm_prover::{claim, prove_step, ProveError};
use avm_value::{Tuple, Value};
use avm_verifier::{Claim, Proof};

use crate::segment::{cut_points, Segment};

/// A side of a challenge.
pub trait Party {
    /// This party's claim for the state `step` steps after the start.
    fn claim_at(&mut self, step: u64) -> Claim;
    /// As asserter: claims at the cut points of `segment` (the first and last must be
    /// the segment's own).
    fn dissect(&mut self, segment: &Segment, cuts: &[u64]) -> Vec<Claim>;
    /// As challenger: the part of the asserter's dissection to dispute, or None if it
    /// agrees with all of them.
    fn choose(&mut self, segment: &Segment, cuts: &[u64], claims: &[Claim]) -> Option<usize>;
    /// As challenger: a one-step proof of the step at `step` from `pre` (for a machine
    /// blocked on its inbox, the proof that its next step reads a missing message).
    fn prove(&mut self, step: u64, pre: &Claim) -> Option<Proof>;
    /// Steps this party has executed so far.
    fn steps_executed(&self) -> u64;
}

/// A party that tells the truth about its own execution.
pub struct HonestParty {
    inbox: Vec<Value>,
    degree: u64,
    /// Machines (and their claims) at step counts; step 0 is always kept.
    snapshots: BTreeMap<u64, (Machine, Claim)>,
    start: Claim,
    executed: u64,
}

impl HonestParty {
    /// A party running `start` (at step 0) on `inbox`, expecting dissections into
    /// `degree` parts.
    pub fn new(mut start: Machine, inbox: Vec<Value>, degree: u64) -> HonestParty {
        let start_claim = claim(&mut start);
        let mut snapshots = BTreeMap::new();
        snapshots.insert(0, (start, start_claim));
        HonestParty {
            inbox,
            degree: degree.max(2),
            snapshots,
            start: start_claim,
            executed: 0,
        }
    }

    /// The claims at `cuts` (ascending), running from the nearest snapshot and keeping
    /// a snapshot at each cut; cuts that already have one cost nothing.
    fn claims_at(&mut self, cuts: &[u64]) -> Vec<Claim> {
        let Some(&first) = cuts.first() else {
            return Vec::new();
        };
        let Some((&from, (base, _))) = self.snapshots.range(..=first).next_back() else {
            return Vec::new();
        };
        let mut machine = base.clone();
        let mut position = from;
        let mut claims = Vec::with_capacity(cuts.len());
        for &cut in cuts {
            if let Some((snapshot, known)) = self.snapshots.get(&cut) {
                claims.push(*known);
                if cut > position {
                    machine = snapshot.clone();
                    position = cut;
                }
                continue;
            }
            self.advance(&mut machine, &mut position, cut);
            let c = claim(&mut machine);
            claims.push(c);
            self.snapshots.insert(cut, (machine.clone(), c));
        }
        claims
    }

    /// Runs `machine` (now `position` steps in) to `target` steps, or until it stops.
    fn advance(&mut self, machine: &mut Machine, position: &mut u64, target: u64) {
        let Some(ahead) = target.checked_sub(*position).filter(|n| *n > 0) else {
            return;
        };
        let consumed = usize::try_from(machine.inbox_position().consumed).unwrap_or(usize::MAX);
        let mut env =
            RuntimeEnv::with_inbox(self.inbox.get(consumed..).unwrap_or_default().to_vec());
        let before = machine.steps();
        let limits = RunLimits {
            max_steps: Some(before.saturating_add(ahead)),
            max_gas: None,
        };
        machine.run_through_breakpoints(&mut env, &limits);
        let ran = machine.steps().saturating_sub(before);
        self.executed = self.executed.saturating_add(ran);
        *position = target;
    }

    /// Forgets snapshots outside `[from, to]` (except step 0).
    fn keep_only(&mut self, from: u64, to: u64) {
        self.snapshots
            .retain(|step, _| *step == 0 || (from..=to).contains(step));
    }

    fn machine_at(&mut self, step: u64) -> Option<Machine> {
        self.claims_at(&[step]);
        self.snapshots.get(&step).map(|(m, _)| m.clone())
    }
}

/// A proof that `machine`'s next step reads message `count`, which `inbox` lacks: the
/// step proven as if a placeholder message were there. The verifier, holding the real
/// inbox, finds no such message, which shows the machine is blocked.
fn blocked_proof(machine: &mut Machine, inbox: &[Value], count: u64) -> Option<Proof> {
    let count = usize::try_from(count).ok()?;
    let mut hypothetical = inbox.get(..count).unwrap_or(inbox).to_vec();
    let placeholder = Value::Tuple(Tuple::pair(Value::int(0), Value::int(0)));
    hypothetical.resize(count.checked_add(1)?, placeholder);
    prove_step(machine, &hypothetical).ok().map(|p| p.proof)
}

impl Party for HonestParty {
    fn claim_at(&mut self, step: u64) -> Claim {
        let cuts = cut_points(0, step, self.degree);
        self.claims_at(&cuts).pop().unwrap_or(self.start)
    }

    fn dissect(&mut self, segment: &Segment, cuts: &[u64]) -> Vec<Claim> {
        self.keep_only(segment.from, segment.to);
        self.claims_at(cuts)
    }

    fn choose(&mut self, segment: &Segment, cuts: &[u64], claims: &[Claim]) -> Option<usize> {
        self.keep_only(segment.from, segment.to);
        let mine = self.claims_at(cuts);
        first_disagreement(&mine, claims)
    }

    fn prove(&mut self, step: u64, _pre: &Claim) -> Option<Proof> {
        let mut machine = self.machine_at(step)?;
        match prove_step(&mut machine, &self.inbox) {
            Ok(p) => Some(p.proof),
            Err(ProveError::Blocked(count)) => blocked_proof(&mut machine, &self.inbox, count),
            Err(_) => None,
        }
    }

    fn steps_executed(&self) -> u64 {
        self.executed
    }
}

/// The first part (between consecutive cut points) whose end claim differs between
/// `mine` and `theirs`.
pub(crate) fn first_disagreement(mine: &[Claim], theirs: &[Claim]) -> Option<usize> {
    let parts = theirs.len().saturating_sub(1);
    (0..parts).find(|&i| {
        let end = i.saturating_add(1);
        mine.get(end) != theirs.get(end)
    })
}
