//! A party whose every move is decided by arbitrary bytes: fuzzers and property tests
//! play it against an honest party to show that no move breaks the referee and that
//! the honest side still wins. It knows the truth (through an honest party of its
//! own) so that its moves can be near misses that get deep into a game, not only
//! noise the referee refuses at once.

use avm_value::{Hash, Int};
use avm_verifier::{Claim, Proof};

use crate::party::{first_disagreement, HonestParty, Party};
use crate::segment::Segment;

/// Arbitrary moves from a byte stream (zeros once it runs out).
pub struct Chaos {
    honest: HonestParty,
    bytes: Vec<u8>,
    at: usize,
}

impl Chaos {
    /// A party moving as `bytes` say, over an honest view of the execution.
    pub fn new(honest: HonestParty, bytes: Vec<u8>) -> Chaos {
        Chaos {
            honest,
            bytes,
            at: 0,
        }
    }

    fn byte(&mut self) -> u8 {
        let b = self.bytes.get(self.at).copied().unwrap_or(0);
        self.at = self.at.saturating_add(1);
        b
    }

    fn word(&mut self) -> u64 {
        (0..8).fold(0u64, |w, _| (w << 8) | u64::from(self.byte()))
    }

    /// `truth`, or a claim near it or nowhere near it.
    fn bend(&mut self, truth: Claim, step: u64) -> Claim {
        match self.byte() % 10 {
            0..=3 => truth,
            4 => Claim {
                machine_hash: Hash([self.byte(); 32]),
                ..truth
            },
            5 => Claim {
                steps: truth.steps.wrapping_add(self.word() % 3).wrapping_sub(1),
                ..truth
            },
            6 => Claim {
                inbox_consumed: truth.inbox_consumed.wrapping_add(self.word() % 3),
                ..truth
            },
            7 => Claim {
                gas_used: self.word(),
                ..truth
            },
            8 => {
                // Nearby, so that the honest view runs only a few steps further.
                let other = step.saturating_add(self.word() % 5).saturating_sub(2);
                self.honest.claim_at(other)
            }
            _ => Claim {
                machine_hash: Hash([self.byte(); 32]),
                inbox_consumed: self.word(),
                inbox_acc: Hash([self.byte(); 32]),
                send_acc: Hash([self.byte(); 32]),
                log_acc: Hash([self.byte(); 32]),
                gas_used: self.word(),
                steps: self.word(),
            },
        }
    }
}

impl Party for Chaos {
    fn claim_at(&mut self, step: u64) -> Claim {
        let truth = self.honest.claim_at(step);
        self.bend(truth, step)
    }

    fn dissect(&mut self, segment: &Segment, cuts: &[u64]) -> Vec<Claim> {
        let truth = self.honest.dissect(segment, cuts);
        let mut claims = Vec::with_capacity(truth.len());
        for (i, (c, step)) in truth.iter().zip(cuts).enumerate() {
            let last = i.saturating_add(1) == truth.len();
            claims.push(match self.byte() % 8 {
                0..=2 if i == 0 => segment.start,
                0..=2 if last => segment.end,
                _ => self.bend(*c, *step),
            });
        }
        match self.byte() % 16 {
            0 => {
                claims.pop();
            }
            1 => claims.push(segment.end),
            2 => claims.clear(),
            _ => {}
        }
        claims
    }

    fn choose(&mut self, segment: &Segment, cuts: &[u64], claims: &[Claim]) -> Option<usize> {
        match self.byte() % 8 {
            0 => None,
            1 => Some(usize::MAX),
            2 => Some(cuts.len()),
            3 => Some(usize::try_from(self.word()).unwrap_or(usize::MAX)),
            4..=5 => {
                let mine = self.honest.dissect(segment, cuts);
                first_disagreement(&mine, claims)
            }
            _ => usize::from(self.byte()).checked_rem(cuts.len()),
        }
    }

    fn prove(&mut self, step: u64, pre: &Claim) -> Option<Proof> {
        let other = match self.byte() % 4 {
            0 => step,
            1 => step.saturating_add(1),
            2 => step.saturating_sub(1),
            _ => self
                .word()
                .checked_rem(step.saturating_add(8))
                .unwrap_or(step),
        };
        let mut proof = self.honest.prove(other, pre)?;
        match self.byte() % 6 {
            0 => return None,
            1 => proof.gas_remaining = proof.gas_remaining.wrapping_add(Int::from(self.byte())),
            2 => proof.opcode = self.byte(),
            3 => proof.stack.clear(),
            4 => proof.extra = avm_verifier::Extra::None,
            _ => {}
        }
        Some(proof)
    }

    fn steps_executed(&self) -> u64 {
        self.honest.steps_executed()
    }
}
