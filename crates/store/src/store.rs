//! The checkpoint store: save, list, restore, delete.

use std::path::Path;

use avm_machine::{Machine, Status};
use avm_value::Hash;

use crate::backend::{Backend, MemoryBackend, RedbBackend, Table};
use crate::gc::{delete_and_collect, GcReport};
use crate::load::Loader;
use crate::records::{read_record, Record};
use crate::save::{checkpoint_batch, Known};
use crate::StoreError;

/// The name of the database file inside a store directory.
pub const DATABASE_FILE: &str = "checkpoints.redb";

/// A summary of one checkpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CheckpointInfo {
    /// Sequence number (checkpoints of a store are numbered 0, 1, 2, ...).
    pub seq: u64,
    /// Steps the machine had executed.
    pub steps: u64,
    /// AVMGas it had charged.
    pub gas_used: u64,
    /// Its machine hash.
    pub machine_hash: Hash,
    /// Its status.
    pub status: Status,
    /// Inbox messages it had consumed.
    pub inbox_consumed: u64,
    /// Bytes this checkpoint added to the store when saved.
    pub bytes: u64,
}

impl From<&Record> for CheckpointInfo {
    fn from(r: &Record) -> Self {
        CheckpointInfo {
            seq: r.seq,
            steps: r.steps,
            gas_used: r.gas_used,
            machine_hash: r.machine_hash,
            status: r.status,
            inbox_consumed: r.inbox.consumed,
            bytes: r.bytes,
        }
    }
}

/// Checkpoints of machines, with values and code stored once across all of them.
pub struct Store<B: Backend = RedbBackend> {
    backend: B,
    known: Known,
}

impl Store<RedbBackend> {
    /// Opens the store in directory `dir`, creating it (and the directory) if needed.
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::Database {
            path: dir.display().to_string(),
            message: e.to_string(),
        })?;
        Ok(Store::with_backend(RedbBackend::open(
            &dir.join(DATABASE_FILE),
        )?))
    }

    /// Opens an existing store, failing if `dir` holds none.
    pub fn open_existing(dir: &Path) -> Result<Self, StoreError> {
        let file = dir.join(DATABASE_FILE);
        if !file.is_file() {
            return Err(StoreError::Database {
                path: dir.display().to_string(),
                message: format!("no checkpoint store here (no {DATABASE_FILE})"),
            });
        }
        Ok(Store::with_backend(RedbBackend::open(&file)?))
    }
}

impl Store<MemoryBackend> {
    /// A store that lives in memory only.
    pub fn in_memory() -> Self {
        Store::with_backend(MemoryBackend::default())
    }
}

impl<B: Backend> Store<B> {
    /// A store over any backend.
    pub fn with_backend(backend: B) -> Self {
        Store {
            backend,
            known: Known::default(),
        }
    }

    fn records(&self) -> Result<Vec<Record>, StoreError> {
        let mut records = Vec::new();
        for key in self.backend.keys(Table::Checkpoints)? {
            if let Some(bytes) = self.backend.get(Table::Checkpoints, &key)? {
                records.push(record_under(&key, &bytes)?);
            }
        }
        records.sort_by_key(|r| r.seq);
        Ok(records)
    }

    fn record(&self, seq: u64) -> Result<Record, StoreError> {
        let key = seq.to_be_bytes();
        let bytes = self
            .backend
            .get(Table::Checkpoints, &key)?
            .ok_or(StoreError::NoSuchCheckpoint(seq))?;
        record_under(&key, &bytes)
    }

    /// Every checkpoint, oldest first.
    pub fn list(&self) -> Result<Vec<CheckpointInfo>, StoreError> {
        Ok(self.records()?.iter().map(CheckpointInfo::from).collect())
    }

    /// The newest checkpoint, if any.
    pub fn latest(&self) -> Result<Option<CheckpointInfo>, StoreError> {
        Ok(self.list()?.pop())
    }

    /// Saves a checkpoint of `machine` (atomically) and returns its summary. Only
    /// records the store does not already hold are written. The checkpoint is numbered
    /// one above the newest; if that is u64::MAX, nothing is written and the error is
    /// [`StoreError::SequenceExhausted`] (numbers never wrap onto older checkpoints).
    pub fn save(&mut self, machine: &mut Machine) -> Result<CheckpointInfo, StoreError> {
        let seq = match self.latest()? {
            None => 0,
            Some(newest) => newest
                .seq
                .checked_add(1)
                .ok_or(StoreError::SequenceExhausted(newest.seq))?,
        };
        let (batch, record) = checkpoint_batch(&self.backend, &mut self.known, machine, seq)?;
        if let Err(e) = self.backend.apply(batch) {
            // The batch did not land: forget the keys it would have stored.
            self.known.clear();
            return Err(e);
        }
        Ok(CheckpointInfo::from(&record))
    }

    /// The machine of checkpoint `seq`, identical to the one saved.
    pub fn restore(&self, seq: u64) -> Result<Machine, StoreError> {
        let record = self.record(seq)?;
        Loader::new(&self.backend).machine(&record)
    }

    /// The newest checkpoint and its machine, if there is one.
    pub fn restore_latest(&self) -> Result<Option<(CheckpointInfo, Machine)>, StoreError> {
        match self.latest()? {
            None => Ok(None),
            Some(info) => Ok(Some((info, self.restore(info.seq)?))),
        }
    }

    /// Deletes checkpoints and reclaims whatever only they used.
    pub fn delete(&mut self, seqs: &[u64]) -> Result<GcReport, StoreError> {
        self.known.clear();
        delete_and_collect(&self.backend, seqs)
    }
}

/// Reads the checkpoint record stored under `key`, which must be its own sequence
/// number: a damaged record claiming another one would make a listing describe one
/// checkpoint and a restore of that number return another.
fn record_under(key: &[u8], bytes: &[u8]) -> Result<Record, StoreError> {
    let record = read_record(bytes)?;
    if key != record.seq.to_be_bytes() {
        let stored_as = <[u8; 8]>::try_from(key)
            .map(|k| u64::from_be_bytes(k).to_string())
            .unwrap_or_else(|_| format!("{key:02x?}"));
        return Err(crate::error::corrupt(format!(
            "the checkpoint record stored as number {stored_as} claims number {}",
            record.seq
        )));
    }
    Ok(record)
}
