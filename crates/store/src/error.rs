//! What can go wrong with a checkpoint store. These are host errors (files, data on
//! disk), never guest errors: a machine's own errors are part of its saved state.

use avm_value::Hash;

/// The kinds of content-addressed records a store holds (what a damaged one was).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordKind {
    /// A tuple, stored under its value hash.
    Tuple,
    /// A pair of a stack's chain (top item, rest), stored under the stack's hash.
    StackNode,
    /// A buffer tree node, stored under its Merkle root.
    BufferNode,
    /// A chunk of code, stored under the CodePoint hash of its top instruction.
    CodeChunk,
    /// One instruction inside a code chunk, recorded with its CodePoint hash.
    CodePoint,
    /// A chunk of a segment table, stored under the keccak of its bytes.
    SegmentTable,
}

impl std::fmt::Display for RecordKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            RecordKind::Tuple => "tuple",
            RecordKind::StackNode => "stack node",
            RecordKind::BufferNode => "buffer node",
            RecordKind::CodeChunk => "code chunk",
            RecordKind::CodePoint => "code point",
            RecordKind::SegmentTable => "segment table",
        })
    }
}

/// A store error.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database file could not be opened, read or written.
    #[error("{path}: {message}")]
    Database {
        /// The store's file.
        path: String,
        /// What the database reported.
        message: String,
    },
    /// The store holds data that does not decode, or a restored machine whose hash
    /// differs from the one recorded.
    #[error("the checkpoint store is corrupt: {0}")]
    Corrupt(String),
    /// A record's content does not hash to the key it is stored under.
    #[error("the checkpoint store is corrupt: the {kind} stored under {key} does not hash to it")]
    KeyMismatch {
        /// What the record is.
        kind: RecordKind,
        /// The key it is stored (or recorded) under.
        key: Hash,
    },
    /// A record reaches itself through its own references (impossible for records
    /// stored under the hash of their content).
    #[error(
        "the checkpoint store is corrupt: the {kind} stored under {key} refers back to itself"
    )]
    Cycle {
        /// What the record is.
        kind: RecordKind,
        /// The key of a record on the cycle.
        key: Hash,
    },
    /// A record declares a count outside the range its format allows.
    #[error(
        "the checkpoint store is corrupt: a {kind} record declares {count} items \
         (allowed: {min} to {max})"
    )]
    BadCount {
        /// What the record is.
        kind: RecordKind,
        /// The count it declares.
        count: u64,
        /// The least count allowed.
        min: u64,
        /// The greatest count allowed.
        max: u64,
    },
    /// The segments of a checkpoint add up to more instructions than a restore builds.
    /// Chunks are stored once however many segments share them, so without this bound
    /// a small crafted file listing one long segment many times would make restore
    /// allocate without limit.
    #[error("the checkpoint's code holds more than {max} instructions ({instructions} so far)")]
    TooMuchCode {
        /// Instructions counted when the bound was passed.
        instructions: u64,
        /// The bound, [`crate::MAX_RESTORED_INSTRUCTIONS`].
        max: u64,
    },
    /// The newest checkpoint has the largest sequence number, so no other can follow.
    #[error("no checkpoint can follow checkpoint {0}: sequence numbers are used up")]
    SequenceExhausted(u64),
    /// No checkpoint with this sequence number.
    #[error("no checkpoint {0} in this store")]
    NoSuchCheckpoint(u64),
    /// The machine cannot be stored (e.g. a buffer too large to write).
    #[error("the machine cannot be stored: {0}")]
    Unstorable(String),
}

/// A decoding failure (the store is corrupt).
pub(crate) fn corrupt(what: impl Into<String>) -> StoreError {
    StoreError::Corrupt(what.into())
}

/// A count outside `min..=max` declared by a record of `kind`.
pub(crate) fn bad_count(kind: RecordKind, count: impl Into<u64>, min: u64, max: u64) -> StoreError {
    StoreError::BadCount {
        kind,
        count: count.into(),
        min,
        max,
    }
}
