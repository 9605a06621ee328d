//! Liars for the Classic game: the lies of our own game ([`crate::Lie`]) translated to
//! cuts by AVMGas, plus silence. Each is an honest run seen through a lie; they lose
//! against an honest opponent on the contract's rules.

use avm_value::{keccak256, Hash};
use avm_verifier::classic::ExecutionState;

use super::execution::Cut;
use super::hash::{cut_hash, ClassicAssertion};
use super::moves::ClassicMove;
use super::party::{first_difference, ClassicParty, HonestClassic};
use super::segment::Bisection;

/// The ways a [`ClassicLiar`] lies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClassicLie {
    /// Claims wrong states at every cut from this AVMGas on.
    LieAt(u64),
    /// Claims a wrong state at the assertion's end only (as challenger: disputes a
    /// correct end).
    WrongFinal,
    /// Claims a wrong end, and wrong states at every intermediate cut it bisects with.
    WrongIntermediate,
    /// Claims a wrong end, then always disputes a chunk whose end it agrees with.
    PicksAgreed,
    /// Claims wrong states from the first AVMGas after the start on (so it is the one
    /// to prove a step), and alters every one-step proof it gives.
    ForgedProof,
    /// Claims a wrong end (as asserter), then never moves.
    Silent,
}

impl ClassicLie {
    /// A short name, for reports and the CLI.
    pub fn name(self) -> String {
        match self {
            ClassicLie::LieAt(gas) => format!("lie-at-{gas}"),
            ClassicLie::WrongFinal => "wrong-final".into(),
            ClassicLie::WrongIntermediate => "wrong-intermediate".into(),
            ClassicLie::PicksAgreed => "picks-agreed".into(),
            ClassicLie::ForgedProof => "forged-proof".into(),
            ClassicLie::Silent => "silent".into(),
        }
    }
}

/// The false state a liar claims in place of `state`: the same but for its machine
/// hash (a faulty validator's node claims it too, so its play in a challenge matches
/// its node).
pub fn false_state(state: &ExecutionState) -> ExecutionState {
    let mut s = *state;
    if let Some(last) = s.machine_hash.0.last_mut() {
        *last ^= 0x5a;
    }
    s
}

/// A state differing from `state` in its machine hash (or, for an unreachable cut, a
/// made-up reachable one at `gas`).
fn falsify(state: Option<ExecutionState>, gas: u64) -> ExecutionState {
    match state {
        Some(s) => false_state(&s),
        None => ExecutionState {
            machine_hash: keccak256(b"a state no run reaches"),
            gas_used: gas,
            ..ExecutionState::default()
        },
    }
}

fn false_cut(cut: Cut, gas: u64) -> Cut {
    Cut {
        state: Some(falsify(cut.state, gas)),
        ..cut
    }
}

/// The cut at `gas` a liar with `lie` in a game ending at `end` claims, given the
/// true one.
fn sees(lie: ClassicLie, start: u64, end: u64, gas: u64, cut: Cut) -> Cut {
    let lies = match lie {
        ClassicLie::LieAt(at) => gas >= at,
        ClassicLie::ForgedProof => gas > start,
        _ => gas == end,
    };
    if lies {
        false_cut(cut, gas)
    } else {
        cut
    }
}

/// A dishonest party: an honest run seen through one lie.
#[derive(Clone)]
pub struct ClassicLiar {
    honest: HonestClassic,
    lie: ClassicLie,
    end: u64,
}

impl ClassicLiar {
    /// A liar over `honest`'s run, in a game whose assertion ends at `end` gas.
    pub fn new(honest: HonestClassic, lie: ClassicLie, end: u64) -> ClassicLiar {
        ClassicLiar { honest, lie, end }
    }

    /// The assertion it makes as asserter: the honest one with its end falsified where
    /// its lie reaches the end.
    pub fn assertion(&mut self, budget: Option<u64>) -> Option<ClassicAssertion> {
        let mut assertion = self.honest.assertion(budget)?;
        self.end = assertion.after.gas_used;
        let cut = sees(
            self.lie,
            self.honest.exec.base(),
            self.end,
            self.end,
            Cut {
                state: Some(assertion.after),
                steps: 0,
            },
        );
        assertion.after = cut.state?;
        Some(assertion)
    }

    fn forge(proof: &mut [u8]) {
        // The last byte of the AVMGas-remaining word (before the Error CodePoint hash
        // and the immediate flag), or the last byte of a send's data.
        let at = match proof.first() {
            Some(0x70) => proof.len().checked_sub(1),
            _ => proof.len().checked_sub(34),
        };
        if let Some(byte) = at.and_then(|i| proof.get_mut(i)) {
            *byte ^= 0x01;
        }
    }
}

impl ClassicParty for ClassicLiar {
    fn disputes(&mut self, _assertion: &ClassicAssertion) -> bool {
        true
    }

    fn respond(&mut self, prev: &Bisection, degree: u64) -> Option<ClassicMove> {
        if self.lie == ClassicLie::Silent {
            return None;
        }
        let (lie, start, end) = (self.lie, self.honest.exec.base(), self.end);
        let mut view = move |gas: u64, cut: Cut| sees(lie, start, end, gas, cut);
        let mine = self.honest.cuts(prev, &mut view);
        let chunks = usize::try_from(prev.chunk_count()).ok()?;
        let index = match self.lie {
            ClassicLie::PicksAgreed => (0..chunks)
                .find(|i| {
                    let end = i.saturating_add(1);
                    mine.get(end).map(Cut::hash).as_ref() == prev.cuts.get(end)
                })
                .unwrap_or(chunks.saturating_sub(1)),
            _ => first_difference(&mine, &prev.cuts)
                .filter(|i| *i > 0)
                .map_or(chunks.saturating_sub(1), |i| i.saturating_sub(1)),
        };
        let index_u64 = u64::try_from(index).ok()?;
        let mut mv = self
            .honest
            .move_on_chunk(prev, index_u64, &mine, degree, &mut view)?;
        match &mut mv {
            ClassicMove::Bisect(b) => {
                let last = b.chain_hashes.len().saturating_sub(1);
                let chunk = b.chunk.segment;
                let offsets = chunk.cut_offsets(chunk.chunk_count(degree));
                for (i, (h, gas)) in b.chain_hashes.iter_mut().zip(&offsets).enumerate() {
                    let intermediate = i > 0 && i < last;
                    if self.lie == ClassicLie::WrongIntermediate && intermediate {
                        let truth = self.honest.execution().cut_at(*gas);
                        *h = cut_hash(&falsify(truth.state, *gas));
                    }
                }
                // A liar must claim an end other than the one disputed to move at all.
                if let Some(h) = b.chain_hashes.last_mut().filter(|h| **h == b.chunk.old_end) {
                    *h = Hash(keccak256(&h.0).0);
                }
            }
            ClassicMove::OneStepProve(p) if self.lie == ClassicLie::ForgedProof => {
                Self::forge(&mut p.execution_proof);
            }
            _ => {}
        }
        Some(mv)
    }

    fn steps_executed(&self) -> u64 {
        self.honest.steps_executed()
    }
}
