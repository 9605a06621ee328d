//! Why the Challenge contract reverts a move, with the reason string it reverts with,
//! so the native referee's refusals can be compared with the EVM's one for one.

use avm_verifier::Rejection;

/// A refused move: the transaction reverts and changes nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClassicRevert {
    /// `BIS_SENDER`: the sender is not the party on turn (or the game is over).
    #[error("BIS_SENDER: the sender is not the party on turn")]
    NotOnTurn,
    /// `BIS_DEADLINE`: the party on turn has used up its blocks.
    #[error("BIS_DEADLINE: the party on turn has no time left")]
    Deadline,
    /// `TOO_SHORT`: a segment of one AVMGas cut further toward a reachable end.
    #[error("TOO_SHORT: only a segment ending unreachable may be bisected at length 1")]
    TooShort,
    /// `CUT_COUNT`: not min(length, degree) + 1 cuts.
    #[error("CUT_COUNT: {got} cuts where the segment takes {expected}")]
    CutCount {
        /// Cuts the segment takes.
        expected: u64,
        /// Cuts given.
        got: usize,
    },
    /// `SAME_END`: the new end equals the end being disputed.
    #[error("SAME_END: the bisection ends where the disputed chunk ends")]
    SameEnd,
    /// `segment pre-fields`: the first cut is not the hash of the start state given.
    #[error("segment pre-fields: the first cut is not the start state's hash")]
    PreFields,
    /// `UNREACHABLE_START`: the bisection starts unreachable. The contract checks
    /// `segment pre-fields` first, and an assertion hash is never zero, so neither
    /// referee can reach this one; it is kept for the contract's full list.
    #[error("UNREACHABLE_START: a bisection cannot start at an unreachable cut")]
    UnreachableStart,
    /// `invalid segment length`: the start state already used the segment's gas.
    #[error("invalid segment length: the start state's gas is past the segment")]
    InvalidSegmentLength,
    /// `BIS_PREV`: the chunk is not in the committed bisection (or the state is zero).
    #[error("BIS_PREV: the chunk is not in the challenge's current bisection")]
    BisPrev,
    /// `TOO_MANY_MESSAGES`: the step reads past the assertion's message count.
    #[error("TOO_MANY_MESSAGES: the step reads message {read} of at most {max}")]
    TooManyMessages {
        /// Messages read after the step.
        read: u64,
        /// `maxMessageCount`.
        max: u64,
    },
    /// `OSP_CONT`: the start state used the chunk's gas (prove continued execution).
    #[error("OSP_CONT: the chunk holds no step")]
    OspCont,
    /// `OSP_SHORT`: the step does not reach the chunk's end.
    #[error("OSP_SHORT: the step ends before the chunk does")]
    OspShort,
    /// `WRONG_END`: the proven end is the end being disputed.
    #[error("WRONG_END: the proof leads to the disputed end")]
    WrongEnd,
    /// `NOT_CONT`: the start state has not used the chunk's gas.
    #[error("NOT_CONT: the chunk holds a step")]
    NotCont,
    /// `TIMEOUT_DEADLINE`: the party on turn still has time.
    #[error("TIMEOUT_DEADLINE: the party on turn still has time")]
    TimeoutDeadline,
    /// The executor's `executeStep` reverted: the one-step proof is not a valid step
    /// (the native verifier's reason; the EVM's reason text differs).
    #[error("the executor rejects the proof: {0}")]
    Executor(Rejection),
    /// A proof whose step reads the inbox: the native verifier cannot check the
    /// Classic inbox suffix yet (only the EVM referee can).
    #[error(
        "an inbox step's proof needs the EVM referee (the native verifier lacks the inbox suffix)"
    )]
    InboxStepNative,
    /// The `prover` index is not the executor for the proof's opcode (native only:
    /// the EVM would run the other executor, whose verdict we do not model).
    #[error("executor {given} named where opcode {opcode:#04x} is proven by executor {expected}")]
    WrongExecutor {
        /// The opcode byte.
        opcode: u8,
        /// The index given.
        given: u8,
        /// The index that proves it.
        expected: u8,
    },
    /// A revert without a reason string (an index out of range, a division by zero,
    /// MerkleLib's bare `require`), or SafeMath's message.
    #[error("reverts without a reason: {0}")]
    Panic(&'static str),
    /// The challenge is decided; its contract is gone. (On the EVM under London a call
    /// to the self-destructed address succeeds and does nothing; from Cancun on the
    /// code survives. The native referee refuses instead.)
    #[error("the challenge is over")]
    Over,
}

impl ClassicRevert {
    /// The `Error(string)` reason the contract reverts with, where the native referee
    /// knows it exactly (None: no reason, or one the native referee cannot name).
    pub fn reason(&self) -> Option<&'static str> {
        Some(match self {
            ClassicRevert::NotOnTurn => "BIS_SENDER",
            ClassicRevert::Deadline => "BIS_DEADLINE",
            ClassicRevert::TooShort => "TOO_SHORT",
            ClassicRevert::CutCount { .. } => "CUT_COUNT",
            ClassicRevert::SameEnd => "SAME_END",
            ClassicRevert::PreFields => "segment pre-fields",
            ClassicRevert::UnreachableStart => "UNREACHABLE_START",
            ClassicRevert::InvalidSegmentLength => "invalid segment length",
            ClassicRevert::BisPrev => "BIS_PREV",
            ClassicRevert::TooManyMessages { .. } => "TOO_MANY_MESSAGES",
            ClassicRevert::OspCont => "OSP_CONT",
            ClassicRevert::OspShort => "OSP_SHORT",
            ClassicRevert::WrongEnd => "WRONG_END",
            ClassicRevert::NotCont => "NOT_CONT",
            ClassicRevert::TimeoutDeadline => "TIMEOUT_DEADLINE",
            ClassicRevert::Executor(_)
            | ClassicRevert::InboxStepNative
            | ClassicRevert::WrongExecutor { .. }
            | ClassicRevert::Panic(_)
            | ClassicRevert::Over => return None,
        })
    }
}
