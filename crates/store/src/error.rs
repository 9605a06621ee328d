//! What can go wrong with a checkpoint store. These are host errors (files, data on
//! disk), never guest errors: a machine's own errors are part of its saved state.

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
