//! Why a verifier rejects a proof. A rejection is the verifier's answer, not a failure:
//! it means the proof does not show what it claims.

use avm_value::Hash;

/// A rejected proof.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    /// The bytes are not a proof.
    #[error("malformed proof: {0}")]
    Malformed(String),
    /// The pre-state is Halted or ErrorStop: there is no next step.
    #[error("the machine in the pre-state claim is not running (hash {0})")]
    NotRunning(Hash),
    /// The proof describes a different machine than the claim.
    #[error("the proof's machine hash {computed} differs from the claim's {claimed}")]
    PreStateMismatch {
        /// The hash in the claim.
        claimed: Hash,
        /// The hash rebuilt from the proof.
        computed: Hash,
    },
    /// The proof shows the wrong number of stack items for the opcode.
    #[error("the proof shows {shown} {stack} items where the instruction pops {pops}, and the rest of that stack is not empty")]
    StackShape {
        /// "data stack" or "aux stack".
        stack: &'static str,
        /// Items shown.
        shown: usize,
        /// Items the opcode pops.
        pops: usize,
    },
    /// A tuple the instruction reads is shown only by its hash.
    #[error("the proof does not open a tuple the instruction reads ({0})")]
    NotOpened(&'static str),
    /// The inbox has no next message, so the instruction would block.
    #[error("the inbox holds no message {0}: a step that reads it blocks and has no proof")]
    InboxExhausted(u64),
    /// The message shown is not the next message of the inbox.
    #[error("the message in the proof is not the inbox's next message")]
    WrongMessage,
    /// The pre-state claim's inbox accumulator is not the inbox's.
    #[error("the claim's inbox accumulator does not match the inbox after {0} messages")]
    InboxAccumulator(u64),
    /// A buffer Merkle proof is invalid.
    #[error("buffer proof rejected: {0}")]
    BufferProof(&'static str),
    /// The data of a send does not match its buffer.
    #[error("the send data does not match the buffer")]
    SendData,
    /// A counter of the claim (steps, gas used, messages consumed) would pass u64::MAX.
    /// Such a claim describes no real execution: it is rejected, never wrapped or
    /// saturated into agreement with a false post-state.
    #[error("the claim's {0} would pass u64::MAX after this step")]
    CounterOverflow(&'static str),
    /// A Classic proof of an opcode the deployed Classic contracts do not have
    /// (`ripemd160f`, `blake2f`, `inboxpeek`): they run it as an invalid opcode, our
    /// machine as the instruction, so no after-state satisfies both.
    #[error("opcode {0:#04x} is not in the deployed Classic contracts' instruction set")]
    NotClassic(u8),
    /// The proof carries data the instruction does not read, or lacks data it reads.
    #[error("the proof's extra data does not fit the instruction: {0}")]
    Extra(&'static str),
}
