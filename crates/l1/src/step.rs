//! The contracts' verdict on a Classic step (`ClassicStep`, the fixture files' shape):
//! which verifier checks it, what it returned, and why a step is refused.
//! [`crate::L1World::check_step`] asks the contracts.

pub use crate::chain::RevertReason;
use avm_value::{Hash, Int};

/// Which one-step-proof contract checks a step: the Classic verifier is split in three
/// to stay under the contract size limit, and the opcode picks the part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Executor {
    /// Everything not listed for the other two.
    OneStepProof,
    /// Buffer opcodes `0xa1..=0xa6` and `send` (`0x70`).
    OneStepProof2,
    /// Hashing opcodes `0x20..=0x24`.
    OneStepProofHash,
}

impl Executor {
    /// The contract that checks a step executing `opcode` (the opcode table's
    /// Classic verifier column).
    pub fn for_opcode(opcode: u8) -> Executor {
        match avm_challenge::classic::executor_for_opcode(opcode) {
            1 => Executor::OneStepProof2,
            2 => Executor::OneStepProofHash,
            _ => Executor::OneStepProof,
        }
    }

    /// Its place in the executors array a Challenge is made with.
    pub fn index(self) -> usize {
        match self {
            Executor::OneStepProof => 0,
            Executor::OneStepProof2 => 1,
            Executor::OneStepProofHash => 2,
        }
    }

    /// The contract's name.
    pub fn name(self) -> &'static str {
        match self {
            Executor::OneStepProof => "OneStepProof",
            Executor::OneStepProof2 => "OneStepProof2",
            Executor::OneStepProofHash => "OneStepProofHash",
        }
    }
}

/// What `executeStep` returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepOutput {
    /// The step's AVM gas.
    pub gas: u64,
    /// Inbox messages read after the step.
    pub after_messages_read: Int,
    /// `[before machine hash, after machine hash, after send acc, after log acc]`.
    pub fields: [Hash; 4],
}

/// `executeStep` returned, or reverted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepOutcome {
    /// It returned these values (whether they match a claim is the checker's business).
    Returned(StepOutput),
    /// It reverted: the contract refuses the proof.
    Reverted(RevertReason),
}

/// One `executeStep` call: which contract, what it said, and what it cost on L1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepResult {
    /// The contract called.
    pub executor: Executor,
    /// Its answer.
    pub outcome: StepOutcome,
    /// EVM gas of the whole call as a transaction (21,000 base and call data included).
    pub evm_gas: u64,
}

/// Why the contracts refuse a step record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    /// The record has an empty proof, so no opcode to pick a contract by.
    #[error("the proof is empty")]
    EmptyProof,
    /// The after state's gas is below the before state's.
    #[error("gas goes backwards: before {before}, after {after}")]
    GasBackwards {
        /// Before.
        before: u64,
        /// After.
        after: u64,
    },
    /// `executeStep` reverted.
    #[error("{executor:?} {reason}")]
    Reverted {
        /// The contract.
        executor: Executor,
        /// Why.
        reason: RevertReason,
    },
    /// `executeStep` returned a field other than the record's.
    #[error("field {index} ({name}): the contract says {contract}, the record {claimed}")]
    Field {
        /// 0..4.
        index: usize,
        /// What the field is.
        name: &'static str,
        /// What the contract computed.
        contract: Hash,
        /// What the record claims.
        claimed: Hash,
    },
    /// The step's AVM gas differs.
    #[error("gas: the contract says {contract}, the record {claimed}")]
    Gas {
        /// What the contract computed.
        contract: u64,
        /// `after.gasUsed - before.gasUsed`.
        claimed: u64,
    },
    /// The messages read after the step differ.
    #[error("messages read: the contract says {contract}, the record {claimed}")]
    MessagesRead {
        /// What the contract computed.
        contract: Int,
        /// `after.inboxCount`.
        claimed: u64,
    },
}

/// The contracts' verdict on a step record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// L1 would accept the step.
    Accepted(StepResult),
    /// L1 would not; why (with the call's result when a call was made).
    Rejected(Rejection, Option<StepResult>),
}

impl Verdict {
    /// Whether the step was accepted.
    pub fn is_accepted(&self) -> bool {
        matches!(self, Verdict::Accepted(_))
    }
}

pub(crate) const FIELD_NAMES: [&str; 4] = [
    "before machine hash",
    "after machine hash",
    "after send acc",
    "after log acc",
];
