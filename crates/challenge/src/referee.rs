//! The referee: the on-chain role, holding only claims and hashes.
//!
//! The game starts from the agreed state, which the referee is given by whoever
//! creates it (on chain: the last confirmed state), never by a party. An assertion
//! says that running the agreed start for N steps ends in a given claim. The
//! challenger disputes it. Each round the asserter splits the disputed segment into K
//! parts by giving K + 1 claims, the first and last equal to the segment's ends, and
//! the challenger picks one part to dispute. When a part of one step remains, the
//! referee decides what the step from the part's start claim leads to:
//!
//! - a halted or ErrorStop machine does not step: the step leads to the start claim
//!   itself, and no proof is needed;
//! - otherwise the challenger gives a one-step proof from the start claim. If the
//!   verifier accepts it, the step leads to the verifier's post-state. If the verifier
//!   finds that the step reads the inbox message after the last one the inbox holds,
//!   the machine is blocked and does not step: the step leads to the start claim. The
//!   proof is bound to the start claim's machine hash, so only a machine that really
//!   blocks there can be shown to block.
//!
//! The challenger wins if the step leads anywhere but the asserter's end claim.
//! Every move field is untrusted: a malformed move (wrong claim count, wrong ends, a
//! claim no execution could reach, a part that does not exist, a missing or rejected
//! proof) is refused with a [`MoveError`] and loses the game for the party that made
//! it. A move out of turn is refused and changes nothing.

use avm_verifier::{
    errorstop_hash, halted_hash, verify, Claim, InboxAccumulators, InboxOracle, Proof, Rejection,
};

use crate::error::MoveError;
use crate::segment::{cut_points, Segment};

/// The most parts a dissection may split a segment into: the referee's work and the
/// asserter's message per round grow with it.
pub const MAX_DEGREE: u64 = 4096;

/// What the asserter claims: that `steps` steps from the agreed start end in `end`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Assertion {
    /// Steps executed from the start (a stopped machine counts as staying put).
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
    /// "asserter" or "challenger", for reports.
    pub fn name(self) -> &'static str {
        match self {
            Role::Asserter => "asserter",
            Role::Challenger => "challenger",
        }
    }

    /// The other role: who wins when this one loses.
    pub fn other(self) -> Role {
        match self {
            Role::Asserter => Role::Challenger,
            Role::Challenger => Role::Asserter,
        }
    }
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
    start: Claim,
    phase: Phase,
    rounds: Vec<Round>,
    bytes: u64,
}

fn stopped(claim: &Claim) -> bool {
    claim.machine_hash == halted_hash() || claim.machine_hash == errorstop_hash()
}

/// Bytes of a claim on the wire, for the cost report.
const CLAIM_BYTES: u64 = 152;

impl Referee {
    /// A referee of `assertion` from the agreed `start` (a state of a run over this
    /// inbox), splitting segments into `degree` parts (clamped to 2..=[`MAX_DEGREE`]),
    /// knowing the inbox's accumulators (as the L1 inbox contract does). An assertion
    /// no execution could make loses at once; one of zero steps is decided at once.
    pub fn new(
        start: Claim,
        assertion: &Assertion,
        degree: u64,
        inbox: InboxAccumulators,
    ) -> Referee {
        // The default accumulators hold not even the empty inbox's; read them as it.
        let inbox = if inbox.acc_after(0).is_none() {
            InboxAccumulators::from_message_hashes([])
        } else {
            inbox
        };
        let segment = Segment {
            from: 0,
            to: assertion.steps,
            start,
            end: assertion.end,
        };
        let mut referee = Referee {
            degree: degree.clamp(2, MAX_DEGREE),
            inbox,
            start,
            phase: Phase::Dissect(segment),
            rounds: Vec::new(),
            bytes: CLAIM_BYTES.saturating_add(8),
        };
        if let Err(e) = referee.check_claim(assertion.steps, &assertion.end) {
            referee.reject(Role::Asserter, e);
        } else if segment.is_empty() {
            let winner = if assertion.end == start {
                Role::Asserter
            } else {
                Role::Challenger
            };
            referee.finish(
                winner,
                "an assertion of zero steps must end where it starts",
            );
        } else if segment.len() == 1 {
            referee.phase = Phase::Prove(segment);
        }
        referee
    }

    /// Where the game stands.
    pub fn phase(&self) -> &Phase {
        &self.phase
    }

    /// The agreed start.
    pub fn start(&self) -> &Claim {
        &self.start
    }

    /// Parts per dissection (after clamping).
    pub fn degree(&self) -> u64 {
        self.degree
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

    /// Ends the game against `mover`, whose move was malformed, and hands back why.
    fn reject(&mut self, mover: Role, error: MoveError) -> MoveError {
        self.finish(
            mover.other(),
            format!("the {} made an invalid move: {error}", mover.name()),
        );
        error
    }

    fn add_bytes(&mut self, bytes: u64) {
        self.bytes = self.bytes.saturating_add(bytes);
    }

    /// Whether `claim` can describe the state `at` steps after the agreed start: each
    /// step executes at most one instruction, reads at most one message of this inbox
    /// and never gives gas back, and the inbox accumulator is the inbox's own.
    fn check_claim(&self, at: u64, claim: &Claim) -> Result<(), MoveError> {
        let impossible = |why| MoveError::ImpossibleClaim { at, why };
        let start = &self.start;
        let most_steps = start
            .steps
            .checked_add(at)
            .ok_or(impossible("the step count would pass u64::MAX"))?;
        if claim.steps < start.steps || claim.steps > most_steps {
            return Err(impossible(
                "its step count is not reachable in that many steps",
            ));
        }
        let most_messages = start.inbox_consumed.saturating_add(at);
        if claim.inbox_consumed < start.inbox_consumed || claim.inbox_consumed > most_messages {
            return Err(impossible(
                "its message count is not reachable in that many steps",
            ));
        }
        if self.inbox.acc_after(claim.inbox_consumed) != Some(claim.inbox_acc) {
            return Err(impossible("its inbox accumulator is not the inbox's"));
        }
        if claim.gas_used < start.gas_used {
            return Err(impossible("it has used less gas than the start"));
        }
        Ok(())
    }

    /// The asserter splits the disputed segment.
    pub fn dissect(&mut self, claims: Vec<Claim>) -> Result<(), MoveError> {
        let Phase::Dissect(segment) = self.phase.clone() else {
            return Err(MoveError::NotYourTurn("the asserter"));
        };
        let cuts = cut_points(segment.from, segment.to, self.degree);
        self.add_bytes(CLAIM_BYTES.saturating_mul(claims.len() as u64));
        if claims.len() != cuts.len() {
            let e = MoveError::WrongClaimCount {
                expected: cuts.len(),
                got: claims.len(),
            };
            return Err(self.reject(Role::Asserter, e));
        }
        if claims.first() != Some(&segment.start) || claims.last() != Some(&segment.end) {
            return Err(self.reject(Role::Asserter, MoveError::EndsDoNotMatch));
        }
        for (at, claim) in cuts.iter().zip(&claims) {
            if let Err(e) = self.check_claim(*at, claim) {
                return Err(self.reject(Role::Asserter, e));
            }
        }
        self.phase = Phase::Choose { segment, claims };
        Ok(())
    }

    /// The challenger picks part `index` of the last dissection.
    pub fn choose(&mut self, index: usize) -> Result<(), MoveError> {
        let Phase::Choose { segment, claims } = self.phase.clone() else {
            return Err(MoveError::NotYourTurn("the challenger"));
        };
        self.add_bytes(8);
        let cuts = cut_points(segment.from, segment.to, self.degree);
        let part = index.checked_add(1).and_then(|next| {
            Some(Segment {
                from: *cuts.get(index)?,
                to: *cuts.get(next)?,
                start: *claims.get(index)?,
                end: *claims.get(next)?,
            })
        });
        let Some(part) = part else {
            return Err(self.reject(Role::Challenger, MoveError::NoSuchPart(index)));
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

    /// The challenger's one-step proof (None: it has none; a stopped machine needs
    /// none). Decides the game: Ok(winner), or the challenger's move is refused and it
    /// loses.
    pub fn prove(&mut self, proof: Option<&Proof>) -> Result<Role, MoveError> {
        let Phase::Prove(segment) = self.phase.clone() else {
            return Err(MoveError::NotYourTurn("the challenger"));
        };
        let (post, how) = if stopped(&segment.start) {
            (segment.start, "the machine had stopped and stays as it is")
        } else {
            let Some(proof) = proof else {
                return Err(self.reject(Role::Challenger, MoveError::NoProof));
            };
            self.add_bytes(proof.to_bytes().len() as u64);
            match verify(&segment.start, proof, &self.inbox) {
                Ok(post) => (post, "the one-step proof shows where the step leads"),
                Err(Rejection::InboxExhausted(count)) if count == segment.start.inbox_consumed => (
                    segment.start,
                    "the proof shows the machine blocked on the inbox: it stays as it is",
                ),
                Err(rejection) => {
                    let e = MoveError::ProofRejected(rejection);
                    return Err(self.reject(Role::Challenger, e));
                }
            }
        };
        let winner = if post == segment.end {
            Role::Asserter
        } else {
            Role::Challenger
        };
        let verdict = match winner {
            Role::Asserter => "as the asserter claimed",
            Role::Challenger => "not where the asserter claimed",
        };
        self.finish(winner, format!("{how}, {verdict}"));
        Ok(winner)
    }

    /// The party whose turn it is gives up (or times out) and loses.
    pub fn forfeit(&mut self, reason: &str) -> Role {
        let loser = match self.phase {
            Phase::Dissect(_) => Role::Asserter,
            Phase::Choose { .. } | Phase::Prove(_) => Role::Challenger,
            Phase::Over { winner, .. } => return winner,
        };
        self.finish(
            loser.other(),
            format!("the {} could not move: {reason}", loser.name()),
        );
        loser.other()
    }
}
