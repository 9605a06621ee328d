//! Parties: how a side of a challenge decides its moves.
//!
//! [`HonestParty`] derives every claim from its own execution. It keeps snapshots of
//! its machine at the cut points of the segment in dispute, so each round re-runs only
//! the part chosen in the round before: about N·K/(K−1) steps in all for N disputed
//! steps, not N·log N. [`Liar`] wraps an honest party and lies in one of the ways a
//! dishonest validator could.

use std::collections::BTreeMap;

use avm_machine::{Machine, RunLimits, RuntimeEnv, StopReason};
use avm_prover::{claim, prove_step};
use avm_value::{Hash, Int, Value};
use avm_verifier::{Claim, Proof};

use crate::referee::{cut_points, Segment};

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
    /// As challenger: a one-step proof of the step at `step` from `pre`.
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

    /// Runs `machine` (now `position` steps in) to `target` steps.
    fn advance(&mut self, machine: &mut Machine, position: &mut u64, target: u64) {
        if target <= *position {
            return;
        }
        let consumed = machine.inbox_position().consumed as usize;
        let mut env =
            RuntimeEnv::with_inbox(self.inbox.get(consumed..).unwrap_or_default().to_vec());
        let before = machine.steps();
        let limits = RunLimits {
            max_steps: Some(before + (target - *position)),
            max_gas: None,
        };
        while machine.run(&mut env, &limits).reason == StopReason::Breakpoint {}
        self.executed += machine.steps() - before;
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
        (0..cuts.len().saturating_sub(1)).find(|&i| mine.get(i + 1) != claims.get(i + 1))
    }

    fn prove(&mut self, step: u64, _pre: &Claim) -> Option<Proof> {
        let inbox = self.inbox.clone();
        let mut machine = self.machine_at(step)?;
        prove_step(&mut machine, &inbox).ok().map(|p| p.proof)
    }

    fn steps_executed(&self) -> u64 {
        self.executed
    }
}

/// The ways a [`Liar`] lies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lie {
    /// Claims a wrong final state (as challenger: disputes a correct one), and is
    /// otherwise truthful.
    WrongFinal,
    /// Claims the right final state but wrong intermediate states in its dissections.
    WrongIntermediate,
    /// Claims wrong states from this step on.
    At(u64),
    /// As challenger: disputes a part whose end it agrees with.
    PicksAgreed,
    /// As challenger: submits a one-step proof altered to show a different result.
    ForgedProof,
}

impl Lie {
    /// A short name, for reports.
    pub fn name(self) -> String {
        match self {
            Lie::WrongFinal => "wrong-final".into(),
            Lie::WrongIntermediate => "wrong-intermediate".into(),
            Lie::At(step) => format!("lie-at-{step}"),
            Lie::PicksAgreed => "picks-agreed".into(),
            Lie::ForgedProof => "forged-proof".into(),
        }
    }
}

/// A claim that differs from `c` in its machine hash.
fn falsify(c: &Claim) -> Claim {
    let mut bytes = c.machine_hash.0;
    bytes[31] ^= 0x5a;
    Claim {
        machine_hash: Hash(bytes),
        ..*c
    }
}

/// A dishonest party: an honest one that lies one way.
pub struct Liar {
    honest: HonestParty,
    lie: Lie,
    total: u64,
}

impl Liar {
    /// A liar over an honest view of the execution, disputing `total` steps.
    pub fn new(honest: HonestParty, lie: Lie, total: u64) -> Liar {
        Liar { honest, lie, total }
    }

    fn view(&mut self, step: u64, truth: Claim) -> Claim {
        match self.lie {
            Lie::WrongFinal if step == self.total => falsify(&truth),
            Lie::At(at) if step >= at => falsify(&truth),
            _ => truth,
        }
    }
}

impl Party for Liar {
    fn claim_at(&mut self, step: u64) -> Claim {
        let truth = self.honest.claim_at(step);
        self.view(step, truth)
    }

    fn dissect(&mut self, segment: &Segment, cuts: &[u64]) -> Vec<Claim> {
        let truth = self.honest.dissect(segment, cuts);
        let last = cuts.len().saturating_sub(1);
        truth
            .iter()
            .zip(cuts)
            .enumerate()
            .map(|(i, (c, step))| match i {
                0 => segment.start,
                i if i == last => segment.end,
                _ if self.lie == Lie::WrongIntermediate => falsify(c),
                _ => self.view(*step, *c),
            })
            .collect()
    }

    fn choose(&mut self, segment: &Segment, cuts: &[u64], claims: &[Claim]) -> Option<usize> {
        let truth = self.honest.dissect(segment, cuts);
        let mine: Vec<Claim> = truth
            .iter()
            .zip(cuts)
            .map(|(c, s)| self.view(*s, *c))
            .collect();
        let parts = cuts.len().saturating_sub(1);
        match self.lie {
            Lie::PicksAgreed => Some(
                (0..parts)
                    .find(|&i| mine.get(i + 1) == claims.get(i + 1))
                    .unwrap_or(0),
            ),
            _ => (0..parts)
                .find(|&i| mine.get(i + 1) != claims.get(i + 1))
                .or(Some(parts.saturating_sub(1))),
        }
    }

    fn prove(&mut self, step: u64, pre: &Claim) -> Option<Proof> {
        let mut proof = self.honest.prove(step, pre)?;
        if self.lie == Lie::ForgedProof {
            proof.gas_remaining = proof.gas_remaining.wrapping_add(Int::from(7u8));
        }
        Some(proof)
    }

    fn steps_executed(&self) -> u64 {
        self.honest.steps_executed()
    }
}
