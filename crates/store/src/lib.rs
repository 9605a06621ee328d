//! Durable checkpoints of AVM machines.
//!
//! A validator runs one machine for days and must survive restarts; a challenge party
//! re-runs segments from saved states instead of from the start. A [`Store`] saves
//! whole machines (every register, both stacks, the pending message, the code created
//! at run time, the inbox position, the output accumulators, steps and gas) and
//! restores them bit for bit, checked against the recorded machine hash.
//!
//! Values are stored content-addressed (tuples by value hash, buffer nodes by Merkle
//! root, code in chunks by CodePoint hash, stacks as chains of pairs by their hash), so
//! whatever two checkpoints share is stored once and a new checkpoint writes only what
//! changed. Each save is one transaction of the embedded database: a process killed
//! mid-save leaves the last committed checkpoint intact.
//!
//! A store file is untrusted input. A restore checks every record it reads against
//! the key it is stored under, reports records that reach themselves as
//! [`StoreError::Cycle`] before hashing anything, and does work and holds memory in
//! proportion to the records it reads; a save never reuses a checkpoint number.

mod backend;
mod codec;
mod error;
mod gc;
mod load;
mod load_code;
mod records;
mod redb_file;
mod save;
mod store;

pub use backend::{
    open_database, Backend, Batch, MemoryBackend, OpenDatabaseError, RedbBackend, Table,
};
pub use error::{RecordKind, StoreError};
pub use gc::GcReport;
pub use load_code::MAX_RESTORED_INSTRUCTIONS;
pub(crate) use redb_file::open_or_create;
pub use store::{CheckpointInfo, Store, DATABASE_FILE};
