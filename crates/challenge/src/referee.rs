//! The referee: the on-chain role, holding only claims and hashes.
//!
//! An assertion says that running the agreed start state for N steps ends in a given
//! claim. The challenger disputes it. Each round the asserter splits the disputed
//! segment into K parts by giving K + 1 claims, the first and last equal to the
//! segment's ends, and the challenger picks one part to dispute. When a part of one
//! step remains, the challenger must show, with a one-step proof from the part's start
//! claim, that the step does not end in the asserter's claim: the referee runs the
//! verifier, and the challenger wins only if the proof is valid and leads elsewhere.
//! A party that makes an invalid move, or cannot move, loses.

use avm_verifier::{errorstop_hash, halted_hash, verify, Claim, InboxAccumulators, Proof};

/// What the asserter claims.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Assertion {
    /// The agreed start.
    pub start: Claim,
    /// Steps executed from the start.
    pub steps: u64,
    /// The claimed end.
    pub end: Claim,
}

/// The two roles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Defends the assertion.
    Asserter,
    /// Disputes it.
    Challenger,
}

impl Role {
    /// "asserter" or "challenger".
    pub fn name(self) -> &'static str {
        match self {
            Role::Asserter => "asserter",
            Role::Challenger => "challenger",
        }
    }
}

/// A disputed segment: claims at two step counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    /// Steps from the assertion's start to the segment's start.
    pub from: u64,
    /// Steps from the assertion's start to the segment's end.
    pub to: u64,
    /// The claim at `from`.
    pub start: Claim,
    /// The claim at `to`.
    pub end: Claim,
}

impl Segment {
    /// Steps in the segment.
    pub fn len(&self) -> u64 {
        self.to - self.from
    }

    /// Whether the segment is empty (never for a disputed one).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The step counts at which a segment of `[from, to]` is cut into (at most) `degree`
/// parts: `parts + 1` points, the first `from`, the last `to`, every part non-empty.
pub fn cut_points(from: u64, to: u64, degree: u64) -> Vec<u64> {
    let len = to - from;
    let parts = degree.min(len).max(1);
    (0..=parts)
        .map(|i| from + ((u128::from(len) * u128::from(i)) / u128::from(parts)) as u64)
        .collect()
}

/// Why a move was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoveError {
    /// It is the other party's turn, or the game is over.
    #[error("it is not {0}'s turn to make this move")]
    NotYourTurn(&'static str),
    /// A dissection with the wrong number of claims.
    #[error("a dissection of this segment needs {expected} claims, got {got}")]
    WrongClaimCount {
        /// Claims required.
        expected: usize,
        /// Claims given.
        got: usize,
    },
    /// A dissection whose ends are not the segment's.
    #[error("a dissection must start and end with the disputed segment's claims")]
    EndsDoNotMatch,
    /// A choice of a part that does not exist.
    #[error("there is no part {0}")]
    NoSuchPart(usize),
}

/// The referee's view of the game.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Phase {
    /// The asserter must split the disputed segment.
    Dissect(Segment),
    /// The challenger must pick a part of the asserter's split.
    Choose {
        /// The segment that was split.
        segment: Segment,
        /// The asserter's claims at the cut points.
        claims: Vec<Claim>,
    },
    /// The challenger must prove the one-step segment wrong.
    Prove(Segment),
    /// The game is over.
    Over {
        /// Who won.
        winner: Role,
        /// Why.
        reason: String,
    },
}

/// One dissection round, for reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Round {
    /// The segment split.
    pub segment: Segment,
    /// The part the challenger chose.
    pub chosen: usize,
    /// The chosen part's range.
    pub chosen_range: (u64, u64),
}

/// The referee of one challenge.
pub struct Referee {
    degree: u64,
    inbox: InboxAccumulators,
    phase: Phase,
    rounds: Vec<Round>,
    bytes: u64,
}

fn stopped(claim: &Claim) -> bool {
    claim.machine_hash == halted_hash() || claim.machine_hash == errorstop_hash()
}

const CLAIM_BYTES: u64 = 152;

impl Referee {
    /// A referee of `assertion`, splitting segments into `degree` parts, knowing the
    /// inbox's accumulators (as the L1 inbox contract does).
    pub fn new(assertion: &Assertion, degree: u64, inbox: InboxAccumulators) -> Referee {
        let segment = Segment {
            from: 0,
            to: assertion.steps,
            start: assertion.start,
            end: assertion.end,
        };
        let phase = if segment.is_empty() {
            Phase::Over {
                winner: Role::Asserter,
                reason: "an assertion of zero steps cannot be disputed".into(),
            }
        } else if segment.len() == 1 {
            Phase::Prove(segment)
        } else {
            Phase::Dissect(segment)
        };
        Referee {
            degree: degree.max(2),
            inbox,
            phase,
            rounds: Vec::new(),
            bytes: 2 * CLAIM_BYTES + 8,
        }
    }

    /// Where the game stands.
    pub fn phase(&self) -> &Phase {
        &self.phase
    }

    /// The rounds played so far.
    pub fn rounds(&self) -> &[Round] {
        &self.rounds
    }

    /// Bytes the parties have sent the referee (claims, choices, the proof).
    pub fn bytes_exchanged(&self) -> u64 {
        self.bytes
    }

    /// The winner, once the game is over.
    pub fn winner(&self) -> Option<Role> {
        match &self.phase {
            Phase::Over { winner, .. } => Some(*winner),
            _ => None,
        }
    }

    fn finish(&mut self, winner: Role, reason: impl Into<String>) {
        self.phase = Phase::Over {
            winner,
            reason: reason.into(),
        };
    }

    /// The asserter splits the disputed segment.
    pub fn dissect(&mut self, claims: Vec<Claim>) -> Result<(), MoveError> {
        let Phase::Dissect(segment) = self.phase.clone() else {
            return Err(MoveError::NotYourTurn("the asserter"));
        };
        let expected = cut_points(segment.from, segment.to, self.degree).len();
        self.bytes += CLAIM_BYTES * claims.len() as u64;
        if claims.len() != expected {
            return Err(MoveError::WrongClaimCount {
                expected,
                got: claims.len(),
            });
        }
        if claims.first() != Some(&segment.start) || claims.last() != Some(&segment.end) {
            return Err(MoveError::EndsDoNotMatch);
        }
        self.phase = Phase::Choose { segment, claims };
        Ok(())
    }

    /// The challenger picks part `index` of the last dissection.
    pub fn choose(&mut self, index: usize) -> Result<(), MoveError> {
        let Phase::Choose { segment, claims } = self.phase.clone() else {
            return Err(MoveError::NotYourTurn("the challenger"));
        };
        self.bytes += 8;
        let cuts = cut_points(segment.from, segment.to, self.degree);
        if index + 1 >= cuts.len() {
            return Err(MoveError::NoSuchPart(index));
        }
        let part = Segment {
            from: cuts[index],
            to: cuts[index + 1],
            start: claims[index],
            end: claims[index + 1],
        };
        self.rounds.push(Round {
            segment,
            chosen: index,
            chosen_range: (part.from, part.to),
        });
        self.phase = if part.len() == 1 {
            Phase::Prove(part)
        } else {
            Phase::Dissect(part)
        };
        Ok(())
    }

    /// The challenger's one-step proof (None: it has none). Decides the game.
    pub fn prove(&mut self, proof: Option<&Proof>) -> Result<Role, MoveError> {
        let Phase::Prove(segment) = self.phase.clone() else {
            return Err(MoveError::NotYourTurn("the challenger"));
        };
        if stopped(&segment.start) {
            // A stopped machine stays as it is: the step is "start to start".
            let winner = if segment.end == segment.start {
                Role::Asserter
            } else {
                Role::Challenger
            };
            self.finish(
                winner,
                "the machine had stopped; the asserter's claim is compared with it",
            );
            return Ok(winner);
        }
        let Some(proof) = proof else {
            self.finish(Role::Asserter, "the challenger gave no one-step proof");
            return Ok(Role::Asserter);
        };
        self.bytes += proof.to_bytes().len() as u64;
        match verify(&segment.start, proof, &self.inbox) {
            Err(rejection) => {
                self.finish(
                    Role::Asserter,
                    format!("the challenger's proof was rejected: {rejection}"),
                );
                Ok(Role::Asserter)
            }
            Ok(post) if post == segment.end => {
                self.finish(Role::Asserter, "the proof confirms the asserter's step");
                Ok(Role::Asserter)
            }
            Ok(_) => {
                self.finish(
                    Role::Challenger,
                    "the proof shows the asserter's step is wrong",
                );
                Ok(Role::Challenger)
            }
        }
    }

    /// The party whose turn it is gives up (or times out) and loses.
    pub fn forfeit(&mut self, reason: &str) -> Role {
        let loser = match self.phase {
            Phase::Dissect(_) => Role::Asserter,
            _ => Role::Challenger,
        };
        let winner = match loser {
            Role::Asserter => Role::Challenger,
            Role::Challenger => Role::Asserter,
        };
        self.finish(
            winner,
            format!("the {} could not move: {reason}", loser.name()),
        );
        winner
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cut_points_cover_the_segment_with_non_empty_parts() {
        assert_eq!(cut_points(0, 10, 2), vec![0, 5, 10]);
        assert_eq!(cut_points(3, 6, 8), vec![3, 4, 5, 6]);
        assert_eq!(cut_points(0, 10, 3), vec![0, 3, 6, 10]);
        for (len, k) in [(1000u64, 7u64), (17, 64), (2, 2)] {
            let cuts = cut_points(100, 100 + len, k);
            assert!(cuts.windows(2).all(|w| w[1] > w[0]));
            assert_eq!((cuts[0], *cuts.last().unwrap()), (100, 100 + len));
        }
    }
}
