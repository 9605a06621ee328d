//! Why the referee refuses a move. Every field of a move comes from a party the
//! referee cannot trust; a refused move loses the game for the party that made it
//! (except a move out of turn, which is simply refused).

use avm_verifier::Rejection;

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
    /// A claim that no execution from the agreed start can reach in that many steps.
    #[error("the claim at step {at} is impossible: {why}")]
    ImpossibleClaim {
        /// Steps from the start at which the claim is made.
        at: u64,
        /// What is wrong with it.
        why: &'static str,
    },
    /// A choice of a part that does not exist.
    #[error("there is no part {0}")]
    NoSuchPart(usize),
    /// The challenger gave no one-step proof of a step from a running machine.
    #[error("the challenger gave no one-step proof")]
    NoProof,
    /// The verifier rejected the challenger's one-step proof.
    #[error("the challenger's one-step proof was rejected: {0}")]
    ProofRejected(Rejection),
}
