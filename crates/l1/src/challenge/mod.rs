//! The Classic challenge refereed by the deployed contracts: `ChallengeTester` (which
//! deploys a ChallengeFactory and its beacon-proxy Challenges) over the three one-step
//! verifiers, with Bridge and SequencerInbox for the inbox. Every transaction runs on a
//! recording chain, so a game yields its [`Transcript`].
//!
//! - [`ClassicContracts::load`] reads the fixture contracts a game deploys.
//! - [`EvmReferee`] deploys and wires them, delivers messages
//!   ([`EvmReferee::feed_delayed`] also returns our model of the inbox, checked against
//!   the bridges), starts a challenge and applies [`ClassicMove`]s, each sent from the
//!   party's own address in its block; the verdict is read from the tester's
//!   `winner()`. [`EvmReferee::play`] plays a whole game with the contract as the
//!   authority (and the native referee's verdicts beside it).
//! - [`WithInboxSuffix`] gives a party's `inbox` step proofs their L1 inbox suffix.
//! - [`play_program`] plays a program's game from its messages, as `avm challenge
//!   --protocol classic` does.
//! - [`encode_move`] ABI-encodes a move as Challenge.sol's function takes it.
//! - [`run_on_evm`] replays a native game's moves on the EVM referee.
//! - [`replay_transcript`] re-executes a transcript, allowing only a game's calls.

use std::path::Path;

use avm_challenge::classic::{
    cut_hash, Accepted, Bisection, ClassicAssertion, ClassicLiar, ClassicLie, ClassicMove,
    ClassicParty, ClassicReferee, ClassicRevert, GameConfig, HonestClassic, MoveRecord,
};
use avm_challenge::Role;
use avm_machine::Machine;
use avm_prover::classic::{BatchSection, ClassicInbox};
use avm_value::Value;
use avm_value::{keccak256, Hash, Int};
use avm_verifier::classic::L1Message;

use crate::abi::{self, Token, Word};
use crate::contracts::{
    Contract, ContractsError, BRIDGE_DELIVER, BRIDGE_INITIALIZE, BRIDGE_SET_INBOX, INBOX_ACCS,
    MESSAGE_COUNT, SEQ_ADD_BATCH, SEQ_INITIALIZE,
};
use crate::inbox::DelayedMessage;
use crate::transcript::{
    address_hex, Chain, FirstDifference, Transcript, TxRecord, TxRequest, TxStatus,
};
use crate::world::{Deployed, Hardfork, L1Error, DELAYED_INBOX, OWNER, SEQUENCER};

/// The asserter's address in games the EVM referee plays.
pub const ASSERTER: [u8; 20] = [
    0x0a, 0x5e, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0a,
];
/// The challenger's address in games the EVM referee plays.
pub const CHALLENGER: [u8; 20] = [
    0x0c, 0x4a, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0c,
];

const START_CHALLENGE: &str =
    "startChallenge(bytes32,uint256,address,address,uint256,uint256,address,address)";
const TESTER_CHALLENGE: &str = "challenge()";
const TESTER_COMPLETED: &str = "challengeCompleted()";
const TESTER_WINNER: &str = "winner()";
const TESTER_LOSER: &str = "loser()";
const LAST_MOVE_BLOCK: &str = "lastMoveBlock()";
const RESPONDER_TIME_LEFT: &str = "currentResponderTimeLeft()";
const SEQ_ACCS_LENGTH: &str = "getInboxAccsLength()";
const SEQ_DELAYED_READ: &str = "totalDelayedMessagesRead()";

/// The Challenge functions a game calls.
const MOVE_SIGNATURES: [&str; 4] = [
    "bisectExecution(bytes32[],uint256,uint256,uint256,bytes32,uint256,bytes32,bytes32[])",
    "proveContinuedExecution(bytes32[],uint256,uint256,uint256,bytes32,uint256,bytes32)",
    "oneStepProveExecution(bytes32[],uint256,uint256,uint256,bytes32,uint256,bytes32[2],uint256[3],bytes,bytes,uint8)",
    "timeout()",
];

mod contracts;
mod encode;
mod game;
mod play;
mod program;
mod referee;
mod replay;

pub use contracts::*;
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
    /// A block or timestamp that breaks the chain's rules.
    #[error("block: {0}")]
    Block(String),
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
}
