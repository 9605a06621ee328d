//! The Classic challenge refereed by the deployed contracts: `ChallengeTester` (which
//! deploys a ChallengeFactory and its beacon-proxy Challenges) over the three one-step
//! verifiers, with Bridge, SequencerInbox and Inbox for the inbox, on a referee chain
//! that records every transaction, so a game yields its [`Transcript`].
//!
//! - [`EvmReferee`] deploys the challenge set ([`crate::setup::ChallengeSet`]),
//!   delivers messages through the one delivery path ([`EvmReferee::feed_delayed`]
//!   returns the inbox read back from the L1's events), starts a challenge and applies
//!   [`ClassicMove`]s, each sent from the party's own address in its block. It is a
//!   [`ClassicJudge`], so [`EvmReferee::play`] plays a whole game through the one move
//!   loop ([`avm_challenge::classic::play`]), the native referee's verdicts beside.
//! - [`WithInboxSuffix`] gives a party's `inbox` step proofs their L1 inbox suffix.
//! - [`play_program`] plays a program's game from its messages, as `avm challenge
//!   --protocol classic` does.
//! - [`encode_move`] ABI-encodes a move as Challenge.sol's function takes it.
//! - [`run_on_evm`] replays a native game's moves on the EVM referee.
//! - [`replay_transcript`] re-executes a transcript, allowing only a game's calls.

use avm_challenge::classic::{
    Accepted, Bisection, ClassicAssertion, ClassicJudge, ClassicLiar, ClassicLie, ClassicMove,
    ClassicParty, ClassicRevert, GameConfig, HonestClassic, MoveRecord,
};
use avm_challenge::Role;
use avm_machine::Machine;
use avm_prover::classic::ClassicInbox;
use avm_value::Hash;
use avm_value::Value;

use crate::abi::{self, signatures as sig, Token, Word};
use crate::chain::{Chain, EmbeddedConfig, Hardfork, L1Error, TxRequest, TxStatus};
use crate::contracts::Contracts;
use crate::delivery::{self, DelayedMessage, InboxReader, Section};
use crate::setup::{ChallengeSet, OWNER};
use crate::transcript::{address_hex, FirstDifference, Transcript};

/// The asserter's address in games the EVM referee plays.
pub const ASSERTER: [u8; 20] = [
    0x0a, 0x5e, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0a,
];
/// The challenger's address in games the EVM referee plays.
pub const CHALLENGER: [u8; 20] = [
    0x0c, 0x4a, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0c,
];

mod encode;
mod game;
mod play;
mod program;
mod referee;
mod replay;

pub use encode::*;
pub use game::*;
pub use program::*;
pub use referee::*;
pub use replay::*;

/// Why the EVM referee could not do what was asked (a refused move is not an error: it
/// is a [`MoveVerdict::Reverted`]).
#[derive(Debug, thiserror::Error)]
pub enum ChallengeError {
    /// The EVM, or a setup call, failed.
    #[error(transparent)]
    L1(#[from] L1Error),
    /// A move before `startChallenge`.
    #[error("no challenge has been started")]
    NotStarted,
    /// An inbox message that is not a Classic L1 message.
    #[error("inbox message {index}: {why}")]
    Message {
        /// Its position in the inbox.
        index: usize,
        /// What is wrong with it.
        why: String,
    },
    /// The run has no assertion to make over the gas asked for.
    #[error("no assertion: {0}")]
    Assertion(String),
    /// The run reads a message whose `inbox` step the deployed contracts cannot prove
    /// within the block gas limit: a challenge reaching it could not be won by proof.
    #[error(
        "inbox message {index} has {size} bytes, but the deployed OneStepProof can prove an \
         inbox step reading at most {max} bytes within a 30,000,000-gas block: a challenge \
         reaching that step could not be won by proof, so the game is not played \
         (docs/classic-contract-findings.md)"
    )]
    Unprovable {
        /// The message's place in the inbox.
        index: u64,
        /// Its data's length.
        size: usize,
        /// The largest provable.
        max: usize,
    },
    /// The time budgets cannot make a fair game.
    #[error("the time budgets: {0}")]
    Budget(#[from] avm_challenge::classic::BudgetError),
    /// Our model of the inbox and the contracts' accumulators disagree.
    #[error("the inbox model disagrees with the contracts: {0}")]
    Model(String),
    /// A setup transaction that had to succeed reverted.
    #[error("{label} reverted: {reason}")]
    Setup {
        /// The transaction's label.
        label: String,
        /// The revert reason (or none).
        reason: String,
    },
}

/// What the contract made of a move.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MoveVerdict {
    /// The transaction succeeded.
    Accepted,
    /// It reverted (or halted).
    Reverted {
        /// The `Error(string)` text, other revert data as `0x`-hex, None without data.
        reason: Option<String>,
    },
}

impl MoveVerdict {
    /// Whether the move was accepted.
    pub fn is_accepted(&self) -> bool {
        matches!(self, MoveVerdict::Accepted)
    }

    /// The revert reason, if the move reverted with one.
    pub fn reason(&self) -> Option<&str> {
        match self {
            MoveVerdict::Reverted { reason } => reason.as_deref(),
            MoveVerdict::Accepted => None,
        }
    }
}

/// One move on the EVM referee.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvmMove {
    /// Who sent it.
    pub by: Role,
    /// Its block.
    pub block: u64,
    /// The Challenge function called.
    pub function: &'static str,
    /// Accepted, or the revert reason.
    pub verdict: MoveVerdict,
    /// L1 gas the transaction used (as its receipt reports).
    pub gas_used: u64,
}

/// The verdict of a replayed transcript.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TranscriptVerdict {
    /// The winner the tester recorded.
    pub winner: Role,
    /// Transactions replayed.
    pub transactions: usize,
    /// L1 gas of every transaction.
    pub total_gas: u64,
    /// L1 gas of the Challenge moves (timeout included), in order.
    pub move_gas: Vec<u64>,
    /// What was disputed, and under which clock (`startChallenge`'s arguments).
    pub disputed: Disputed,
    /// The disputed segment `(start AVMGas, length)` as the first move named it (None
    /// when no move was made).
    pub segment: Option<(u64, u64)>,
    /// Why the game was not fair, if it was not: a party without the time to make its
    /// moves, or (checked against the program) a winner whose claim was false.
    pub unfair: Vec<String>,
    /// Whose claim was true, when checked against the program.
    pub truth: Option<Truth>,
}

/// What a challenge disputed, as `startChallenge` named it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Disputed {
    /// The asserter's execution hash.
    pub execution_hash: Hash,
    /// The messages the assertion may read.
    pub max_message_count: u64,
    /// The asserter's time, in blocks.
    pub asserter_time_left: u64,
    /// The challenger's time, in blocks.
    pub challenger_time_left: u64,
    /// The block the challenge started in.
    pub start_block: u64,
}
