//! The node's data dir: `l2.redb` holding the machine's inbox message by message,
//! every block with its receipts as ArbOS logged them and the inbox position of its
//! state, and the sequencer's state; and the L2 machine's checkpoints (in avm-store,
//! content-addressed so a checkpoint writes only what changed), one every
//! [`CHECKPOINT_EVERY`] blocks and on a clean stop, each noted in `l2.redb` with its
//! inbox position. The blocks handed to the writer thread together are one transaction
//! of `l2.redb`, with the messages that closed them: what a restart finds is every
//! receipt ever served, and the messages to bring the newest checkpoint up to them
//! (the machine is deterministic: a state is its checkpoint plus the messages after).
//!
//! The files are untrusted input on restart: a damaged record is an error, never a
//! panic.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use avm_machine::Machine;
use avm_prover::classic::BatchSection;
use avm_store::Store;
use avm_value::{marshal, unmarshal, Hash, NoCode, Value, ValueLimits};
use avm_verifier::classic::L1Message;
use redb::{Database, ReadableTable, TableDefinition};
use serde_json::{json, Value as Json};

use crate::chain::L2Block;
use crate::sequencer::{PendingSection, Sequencer};
use crate::NodeError;

const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
const MESSAGES: TableDefinition<u64, &[u8]> = TableDefinition::new("messages");
const BLOCKS: TableDefinition<u64, &[u8]> = TableDefinition::new("blocks");
/// Inbox position (messages read) -> avm-store checkpoint of the machine there.
const CHECKPOINT_AT: TableDefinition<u64, u64> = TableDefinition::new("checkpoints");

/// Blocks between two checkpoints of the machine (a call at an old block, or a
/// restart after a crash, re-runs at most the messages of this many blocks).
pub const CHECKPOINT_EVERY: u64 = 64;

/// The layout of `l2.redb` this code writes (kept in `meta` under `format`).
pub const FORMAT: u64 = 3;

/// The file of the L2's records inside the data dir.
pub const L2_FILE: &str = "l2.redb";
/// The folder of the machine's checkpoints inside the data dir.
pub const CHECKPOINTS: &str = "l2-checkpoints";

/// A block as the data dir holds it.
#[derive(Debug, Clone)]
pub struct StoredBlock {
    /// Its hash.
    pub hash: Hash,
    /// The previous block's hash.
    pub parent_hash: Hash,
    /// The inbox position of its state: how many messages the machine had read when
    /// the block was over.
    pub position: u64,
    /// ArbOS's outbox batch logs closed with it.
    pub outbox: Vec<Value>,
    /// ArbOS's summary log.
    pub summary: Value,
    /// ArbOS's receipt logs.
    pub receipts: Vec<Value>,
}

/// The data dir, open.
pub struct Persist {
    ledger: Ledger,
    store: Store,
}

impl std::fmt::Debug for Persist {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Persist")
            .field("path", &self.ledger.path)
            .finish()
    }
}

fn fail(path: &Path, e: impl std::fmt::Display) -> NodeError {
    NodeError::Store(format!("{}: {e}", path.display()))
}

fn encode(value: &Value) -> Result<Vec<u8>, NodeError> {
    marshal(value, &NoCode, &ValueLimits::UNLIMITED).map_err(|e| NodeError::Store(e.to_string()))
}

fn decode(bytes: &[u8]) -> Result<Value, NodeError> {
    let mut code = avm_code::Code::new();
    unmarshal(bytes, &mut code, &ValueLimits::default())
        .map_err(|e| NodeError::Store(format!("a damaged value: {e}")))
}

fn take<'a>(bytes: &mut &'a [u8], n: usize) -> Result<&'a [u8], NodeError> {
    if bytes.len() < n {
        return Err(NodeError::Store("a damaged block record".into()));
    }
    let (head, rest) = bytes.split_at(n);
    *bytes = rest;
    Ok(head)
}

fn take_u64(bytes: &mut &[u8]) -> Result<u64, NodeError> {
    let mut word = [0u8; 8];
    word.copy_from_slice(take(bytes, 8)?);
    Ok(u64::from_be_bytes(word))
}

fn take_hash(bytes: &mut &[u8]) -> Result<Hash, NodeError> {
    let mut word = [0u8; 32];
    word.copy_from_slice(take(bytes, 32)?);
    Ok(Hash(word))
}

fn take_value(bytes: &mut &[u8]) -> Result<Value, NodeError> {
    let len = usize::try_from(take_u64(bytes)?)
        .map_err(|_| NodeError::Store("a damaged block record".into()))?;
    decode(take(bytes, len)?)
}

impl Persist {
    /// Opens (or creates) the L2's files in `dir`, refusing a data dir another process
    /// holds.
    pub fn open(dir: &Path) -> Result<Persist, NodeError> {
        std::fs::create_dir_all(dir).map_err(|e| fail(dir, e))?;
        let path = dir.join(L2_FILE);
        let db = avm_store::open_database(&path).map_err(|e| match e {
            avm_store::OpenDatabaseError::AlreadyOpen => fail(
                &path,
                "another process has this data dir open (is an avm node already running on it?)",
            ),
            other => fail(&path, other),
        })?;
        let store =
            Store::open(&dir.join(CHECKPOINTS)).map_err(|e| fail(&dir.join(CHECKPOINTS), e))?;
        Ok(Persist {
            ledger: Ledger {
                db: Arc::new(db),
                path,
            },
            store,
        })
    }

    /// A value of the `meta` table.
    pub fn meta(&self, key: &str) -> Result<Option<Json>, NodeError> {
        let read = self.ledger.read()?;
        let table = match read.open_table(META) {
            Ok(table) => table,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
            Err(e) => return Err(fail(&self.ledger.path, e)),
        };
        let Some(bytes) = table.get(key).map_err(|e| fail(&self.ledger.path, e))? else {
            return Ok(None);
        };
        serde_json::from_slice(bytes.value())
            .map(Some)
            .map_err(|e| fail(&self.ledger.path, format!("a damaged {key} record: {e}")))
    }

    /// Saves the machine's checkpoint; its number.
    pub fn checkpoint(&mut self, machine: &mut Machine) -> Result<u64, NodeError> {
        self.store
            .save(machine)
            .map(|info| info.seq)
            .map_err(|e| fail(&self.ledger.path, e))
    }

    /// The machine of checkpoint `seq`.
    pub fn machine(&self, seq: u64) -> Result<Machine, NodeError> {
        self.store
            .restore(seq)
            .map_err(|e| fail(&self.ledger.path, e))
    }

    /// The handle that writes `l2.redb` (the node's writer thread holds one).
    pub fn ledger(&self) -> Ledger {
        self.ledger.clone()
    }

    /// Every block, in order.
    pub fn blocks(&self) -> Result<Vec<(u64, StoredBlock)>, NodeError> {
        let read = self.ledger.read()?;
        let table = match read.open_table(BLOCKS) {
            Ok(table) => table,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
            Err(e) => return Err(fail(&self.ledger.path, e)),
        };
        let mut out = Vec::new();
        for entry in table.iter().map_err(|e| fail(&self.ledger.path, e))? {
            let (number, record) = entry.map_err(|e| fail(&self.ledger.path, e))?;
            let mut bytes = record.value();
            let hash = take_hash(&mut bytes)?;
            let parent_hash = take_hash(&mut bytes)?;
            let position = take_u64(&mut bytes)?;
            let outbox_count = take_u64(&mut bytes)?;
            let mut outbox = Vec::new();
            for _ in 0..outbox_count {
                outbox.push(take_value(&mut bytes)?);
            }
            let summary = take_value(&mut bytes)?;
            let mut receipts = Vec::new();
            while !bytes.is_empty() {
                receipts.push(take_value(&mut bytes)?);
            }
            out.push((
                number.value(),
                StoredBlock {
                    hash,
                    parent_hash,
                    position,
                    outbox,
                    summary,
                    receipts,
                },
            ));
        }
        Ok(out)
    }

    /// Every checkpoint noted: inbox position -> checkpoint.
    pub fn checkpoints(&self) -> Result<std::collections::BTreeMap<u64, u64>, NodeError> {
        let read = self.ledger.read()?;
        let table = match read.open_table(CHECKPOINT_AT) {
            Ok(table) => table,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Default::default()),
            Err(e) => return Err(fail(&self.ledger.path, e)),
        };
        table
            .iter()
            .map_err(|e| fail(&self.ledger.path, e))?
            .map(|entry| {
                let (position, checkpoint) = entry.map_err(|e| fail(&self.ledger.path, e))?;
                Ok((position.value(), checkpoint.value()))
            })
            .collect()
    }

    /// The machine's inbox messages from position `from` to `to` (exclusive).
    pub fn messages_between(&self, from: u64, to: u64) -> Result<Vec<Value>, NodeError> {
        let read = self.ledger.read()?;
        let table = match read.open_table(MESSAGES) {
            Ok(table) => table,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
            Err(e) => return Err(fail(&self.ledger.path, e)),
        };
        let messages = table
            .range(from..to)
            .map_err(|e| fail(&self.ledger.path, e))?
            .map(|entry| {
                let (_, bytes) = entry.map_err(|e| fail(&self.ledger.path, e))?;
                decode(bytes.value())
            })
            .collect::<Result<Vec<_>, _>>()?;
        if messages.len() as u64 != to.saturating_sub(from) {
            return Err(fail(
                &self.ledger.path,
                format!("inbox messages {from}..{to} are not all kept"),
            ));
        }
        Ok(messages)
    }

    /// Bytes the data dir's L2 files take.
    pub fn bytes(&self) -> u64 {
        fn size(path: &Path) -> u64 {
            match std::fs::metadata(path) {
                Ok(meta) if meta.is_dir() => std::fs::read_dir(path)
                    .map(|entries| entries.flatten().map(|e| size(&e.path())).sum())
                    .unwrap_or(0),
                Ok(meta) => meta.len(),
                Err(_) => 0,
            }
        }
        self.ledger.path.parent().map_or(0, |dir| {
            size(&dir.join(L2_FILE)) + size(&dir.join(CHECKPOINTS))
        })
    }
}

/// What one commit of `l2.redb` writes: the messages the machine read from inbox position `first`
/// on, the blocks they closed (each with its state's inbox position), the checkpoints
/// taken (position, checkpoint) and the node's state records.
#[derive(Debug, Default)]
pub struct Commit {
    /// The inbox position of the first message.
    pub first: u64,
    /// The messages.
    pub values: Vec<Value>,
    /// The blocks they closed.
    pub blocks: Vec<L2Block>,
    /// Each block's state as an inbox position.
    pub positions: Vec<u64>,
    /// Checkpoints of the machine: (inbox position, checkpoint).
    pub checkpoints: Vec<(u64, u64)>,
    /// The node's state records (the newest value of each key wins).
    pub state: Vec<(&'static str, Json)>,
}

impl Commit {
    /// Whether it writes nothing.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
            && self.blocks.is_empty()
            && self.checkpoints.is_empty()
            && self.state.is_empty()
    }

    /// Appends `later` (handed over after this one, its messages following on) to this
    /// commit.
    pub(crate) fn absorb(&mut self, later: Commit) {
        if self.values.is_empty() {
            self.first = later.first;
        }
        self.values.extend(later.values);
        self.blocks.extend(later.blocks);
        self.positions.extend(later.positions);
        self.checkpoints.extend(later.checkpoints);
        for (key, value) in later.state {
            self.state.retain(|(k, _)| *k != key);
            self.state.push((key, value));
        }
    }
}

/// What writes `l2.redb`: a handle to it that another thread may hold.
#[derive(Clone)]
pub struct Ledger {
    db: Arc<Database>,
    path: PathBuf,
}

impl std::fmt::Debug for Ledger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ledger").field("path", &self.path).finish()
    }
}

impl Ledger {
    /// A read transaction of `l2.redb`.
    fn read(&self) -> Result<redb::ReadTransaction, NodeError> {
        self.db.begin_read().map_err(|e| fail(&self.path, e))
    }

    /// Writes `commit` in one transaction.
    pub fn commit(&self, commit: &Commit) -> Result<(), NodeError> {
        let write = self.db.begin_write().map_err(|e| fail(&self.path, e))?;
        {
            let mut table = write
                .open_table(MESSAGES)
                .map_err(|e| fail(&self.path, e))?;
            for (i, message) in commit.values.iter().enumerate() {
                table
                    .insert(commit.first + i as u64, encode(message)?.as_slice())
                    .map_err(|e| fail(&self.path, e))?;
            }
            let mut table = write.open_table(BLOCKS).map_err(|e| fail(&self.path, e))?;
            for (block, position) in commit.blocks.iter().zip(&commit.positions) {
                let mut record = Vec::new();
                record.extend_from_slice(&block.hash.0);
                record.extend_from_slice(&block.parent_hash.0);
                record.extend_from_slice(&position.to_be_bytes());
                record.extend_from_slice(&(block.outbox.len() as u64).to_be_bytes());
                for value in block
                    .outbox
                    .iter()
                    .map(|(_, raw)| raw)
                    .chain(std::iter::once(&block.raw_summary))
                    .chain(block.txs.iter().map(|t| &t.raw))
                {
                    let bytes = encode(value)?;
                    record.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
                    record.extend_from_slice(&bytes);
                }
                table
                    .insert(block.number, record.as_slice())
                    .map_err(|e| fail(&self.path, e))?;
            }
            let mut table = write
                .open_table(CHECKPOINT_AT)
                .map_err(|e| fail(&self.path, e))?;
            for (position, checkpoint) in &commit.checkpoints {
                table
                    .insert(*position, *checkpoint)
                    .map_err(|e| fail(&self.path, e))?;
            }
            let mut table = write.open_table(META).map_err(|e| fail(&self.path, e))?;
            for (key, value) in &commit.state {
                table
                    .insert(*key, value.to_string().as_bytes())
                    .map_err(|e| fail(&self.path, e))?;
            }
        }
        write.commit().map_err(|e| fail(&self.path, e))
    }
}

/// The sequencer's state as the data dir keeps it.
pub fn sequencer_json(seq: &Sequencer) -> Json {
    json!({
        "address": hex::encode(seq.address),
        "position": seq.position,
        "delayed_read": seq.delayed_read,
        "pending": seq.pending.iter().map(|p| json!({
            "first": p.first,
            "count": p.count,
            "block": p.section.block_number,
            "timestamp": p.section.timestamp,
            "total_delayed": p.section.total_delayed_messages_read,
            // The items are the data of the section's first messages, which the
            // messages table holds: only their number is kept here.
            "items": p.section.items.len(),
        })).collect::<Vec<_>>(),
    })
}

/// The sequencer read back from [`sequencer_json`], its pending items from the
/// messages `persist` holds.
pub fn sequencer_from_json(json: &Json, persist: &Persist) -> Result<Sequencer, NodeError> {
    let bad = || NodeError::Store("a damaged sequencer record".into());
    let number = |j: &Json, key: &str| j.get(key).and_then(Json::as_u64).ok_or_else(bad);
    let address: [u8; 20] = json
        .get("address")
        .and_then(Json::as_str)
        .and_then(|h| hex::decode(h).ok())
        .and_then(|b| b.try_into().ok())
        .ok_or_else(bad)?;
    let mut pending = Vec::new();
    for p in json
        .get("pending")
        .and_then(Json::as_array)
        .ok_or_else(bad)?
    {
        let first = number(p, "first")?;
        let items = persist
            .messages_between(first, first.saturating_add(number(p, "items")?))?
            .iter()
            .map(|m| {
                L1Message::from_avm_value(m)
                    .map(|m| m.data)
                    .map_err(|e| NodeError::Store(format!("a damaged inbox message: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        pending.push(PendingSection {
            first,
            count: number(p, "count")?,
            section: BatchSection {
                block_number: number(p, "block")?,
                timestamp: number(p, "timestamp")?,
                items,
                total_delayed_messages_read: number(p, "total_delayed")?,
            },
        });
    }
    Ok(Sequencer {
        address,
        position: number(json, "position")?,
        delayed_read: number(json, "delayed_read")?,
        pending,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A data dir whose `l2.redb` says it has pages of another size than it has: redb
    /// asserts on that when it opens the file; the node reports it as an error.
    #[test]
    fn a_damaged_ledger_file_is_an_error_not_a_panic() {
        let dir = std::env::temp_dir().join(format!("avm-node-damaged-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        drop(Persist::open(&dir).unwrap_or_else(|e| panic!("{e}")));
        avm_testkit::damage::redb_page_size(&dir.join(L2_FILE));
        let error = Persist::open(&dir).err().map(|e| e.to_string());
        let error = error.unwrap_or_else(|| panic!("a damaged ledger opened"));
        assert!(error.contains("damaged"), "{error}");
        std::fs::remove_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    }
}
