//! Liars: parties that lie in one of the ways a dishonest validator could, and lose.

use avm_value::{Hash, Int};
use avm_verifier::{Claim, Proof};

use crate::party::{first_disagreement, HonestParty, Party};
use crate::segment::Segment;

/// The ways a [`Liar`] lies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lie {
    /// Claims a wrong final state (as challenger: disputes a correct one), and is
    /// otherwise truthful.
    WrongFinal,
    /// Claims the right final state but wrong intermediate states in its dissections.
    WrongIntermediate,
    /// Claims wrong states from this step on (0: even the start).
    At(u64),
    /// From this step on, claims the machine stopped there: repeats that step's state
    /// (a lie wherever the machine really keeps running).
    StopsAt(u64),
    /// From this step on, claims a step count of one more per step, as though the
    /// machine never stops (a lie wherever it has halted, errored or blocked).
    NeverStops(u64),
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
            Lie::StopsAt(step) => format!("stops-at-{step}"),
            Lie::NeverStops(step) => format!("never-stops-from-{step}"),
            Lie::PicksAgreed => "picks-agreed".into(),
            Lie::ForgedProof => "forged-proof".into(),
        }
    }
}

/// A claim that differs from `c` in its machine hash.
fn falsify(c: &Claim) -> Claim {
    let mut bytes = c.machine_hash.0;
    if let Some(last) = bytes.last_mut() {
        *last ^= 0x5a;
    }
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
    /// The true claim at the start step of a [`Lie::StopsAt`] or [`Lie::NeverStops`].
    anchor: Option<Claim>,
}

impl Liar {
    /// A liar over an honest view of the execution, disputing `total` steps.
    pub fn new(honest: HonestParty, lie: Lie, total: u64) -> Liar {
        Liar {
            honest,
            lie,
            total,
            anchor: None,
        }
    }

    /// The true claim at `step`, remembered.
    fn anchor(&mut self, step: u64) -> Claim {
        if let Some(c) = self.anchor {
            return c;
        }
        let c = self.honest.claim_at(step);
        self.anchor = Some(c);
        c
    }

    fn view(&mut self, step: u64, truth: Claim) -> Claim {
        match self.lie {
            Lie::WrongFinal if step == self.total => falsify(&truth),
            Lie::At(at) if step >= at => falsify(&truth),
            Lie::StopsAt(at) if step >= at => self.anchor(at),
            Lie::NeverStops(at) if step >= at => {
                let anchor = self.anchor(at);
                let more = step.saturating_sub(at);
                Claim {
                    steps: anchor.steps.saturating_add(more),
                    ..truth
                }
            }
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
                    .find(|&i| mine.get(i.saturating_add(1)) == claims.get(i.saturating_add(1)))
                    .unwrap_or(0),
            ),
            _ => first_disagreement(&mine, claims).or(Some(parts.saturating_sub(1))),
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
