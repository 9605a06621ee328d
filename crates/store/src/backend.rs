//! The small interface a checkpoint store needs from a key-value database: typed
//! tables, point reads, key listing, and atomic batches. [`RedbBackend`] is the
//! embedded default; [`MemoryBackend`] serves tests and short-lived stores.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use redb::{Database, DatabaseError, ReadableTable, TableDefinition};

use crate::StoreError;

/// The tables of a checkpoint store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Table {
    /// Tuples by value hash (stacks are stored as chains of 2-tuples).
    Values,
    /// Buffer tree nodes by Merkle root.
    Buffers,
    /// Chunks of code segments by the CodePoint hash of their top instruction.
    Code,
    /// Chunks of segment tables by content hash.
    Segments,
    /// Checkpoint records by sequence number.
    Checkpoints,
}

impl Table {
    /// Every table.
    pub const ALL: [Table; 5] = [
        Table::Values,
        Table::Buffers,
        Table::Code,
        Table::Segments,
        Table::Checkpoints,
    ];

    fn name(self) -> &'static str {
        match self {
            Table::Values => "values",
            Table::Buffers => "buffers",
            Table::Code => "code",
            Table::Segments => "segments",
            Table::Checkpoints => "checkpoints",
        }
    }
}

/// Writes applied together or not at all.
#[derive(Default, Debug)]
pub struct Batch {
    /// Records to insert (or replace).
    pub puts: Vec<(Table, Vec<u8>, Vec<u8>)>,
    /// Records to remove.
    pub deletes: Vec<(Table, Vec<u8>)>,
}

impl Batch {
    /// Bytes of keys and values to be written.
    pub fn bytes(&self) -> u64 {
        self.puts
            .iter()
            .map(|(_, k, v)| (k.len() + v.len()) as u64)
            .sum()
    }
}

/// A key-value database with atomic batches.
pub trait Backend {
    /// The record under `key`.
    fn get(&self, table: Table, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError>;
    /// Whether `key` has a record.
    fn contains(&self, table: Table, key: &[u8]) -> Result<bool, StoreError> {
        Ok(self.get(table, key)?.is_some())
    }
    /// Every key of a table, in order.
    fn keys(&self, table: Table) -> Result<Vec<Vec<u8>>, StoreError>;
    /// Applies a batch atomically: after a crash, either all of it or none is there.
    fn apply(&self, batch: Batch) -> Result<(), StoreError>;
}

/// A backend shared by reference count, so that one holder (a test, a fuzzer) can
/// read or rewrite records behind the back of a [`crate::Store`] using the same one.
impl<B: Backend + ?Sized> Backend for std::sync::Arc<B> {
    fn get(&self, table: Table, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        (**self).get(table, key)
    }
    fn contains(&self, table: Table, key: &[u8]) -> Result<bool, StoreError> {
        (**self).contains(table, key)
    }
    fn keys(&self, table: Table) -> Result<Vec<Vec<u8>>, StoreError> {
        (**self).keys(table)
    }
    fn apply(&self, batch: Batch) -> Result<(), StoreError> {
        (**self).apply(batch)
    }
}

/// The records of every table, in memory.
type Tables = HashMap<Table, BTreeMap<Vec<u8>, Vec<u8>>>;

/// An in-memory backend (nothing survives the process).
#[derive(Default, Debug)]
pub struct MemoryBackend {
    tables: Mutex<Tables>,
}

impl MemoryBackend {
    fn with<T>(&self, f: impl FnOnce(&mut Tables) -> T) -> T {
        let mut guard = match self.tables.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut guard)
    }
}

impl Backend for MemoryBackend {
    fn get(&self, table: Table, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.with(|t| t.get(&table).and_then(|m| m.get(key).cloned())))
    }

    fn keys(&self, table: Table) -> Result<Vec<Vec<u8>>, StoreError> {
        Ok(self.with(|t| {
            t.get(&table)
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default()
        }))
    }

    fn apply(&self, batch: Batch) -> Result<(), StoreError> {
        self.with(|t| {
            for (table, key, value) in batch.puts {
                t.entry(table).or_default().insert(key, value);
            }
            for (table, key) in batch.deletes {
                t.entry(table).or_default().remove(&key);
            }
        });
        Ok(())
    }
}

thread_local! {
    static QUIET_PANICS: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs a database call, turning a panic inside the database library (it asserts on
/// some damaged files instead of returning an error) into an error message. Panics
/// caught here are not printed; any other panic still is.
fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET_PANICS.with(|q| q.get()) {
                previous(info);
            }
        }));
    });
    QUIET_PANICS.with(|q| q.set(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    QUIET_PANICS.with(|q| q.set(false));
    result.map_err(|payload| {
        let detail = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        format!("the database file is damaged ({detail})")
    })
}

/// The embedded default: a redb database file (crash-safe, transactional, pure Rust).
pub struct RedbBackend {
    /// Always Some until dropped: taken out in `drop` so that closing happens inside
    /// [`guarded`] (redb writes while closing, and may panic on a damaged file).
    db: Option<Database>,
    path: PathBuf,
}

fn definition(table: Table) -> TableDefinition<'static, &'static [u8], &'static [u8]> {
    TableDefinition::new(table.name())
}

impl RedbBackend {
    /// Opens the database at `path`, creating it if it does not exist.
    pub fn open(path: &Path) -> Result<RedbBackend, StoreError> {
        let error = |message: String| StoreError::Database {
            path: path.display().to_string(),
            message,
        };
        let db = open_database(path).map_err(|e| error(e.to_string()))?;
        let backend = RedbBackend {
            db: Some(db),
            path: path.to_owned(),
        };
        // Create every table, so that reads never meet a missing one.
        backend.apply(Batch::default())?;
        Ok(backend)
    }

    fn db(&self) -> Result<&Database, StoreError> {
        self.db
            .as_ref()
            .ok_or_else(|| self.error("the database is closed"))
    }

    fn error(&self, e: impl std::fmt::Display) -> StoreError {
        StoreError::Database {
            path: self.path.display().to_string(),
            message: e.to_string(),
        }
    }
}

impl RedbBackend {
    fn read(&self, table: Table, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        let txn = self.db()?.begin_read().map_err(|e| self.error(e))?;
        let t = txn
            .open_table(definition(table))
            .map_err(|e| self.error(e))?;
        let value = t.get(key).map_err(|e| self.error(e))?;
        Ok(value.map(|v| v.value().to_vec()))
    }

    fn list(&self, table: Table) -> Result<Vec<Vec<u8>>, StoreError> {
        let txn = self.db()?.begin_read().map_err(|e| self.error(e))?;
        let t = txn
            .open_table(definition(table))
            .map_err(|e| self.error(e))?;
        let mut keys = Vec::new();
        for entry in t.iter().map_err(|e| self.error(e))? {
            let (k, _) = entry.map_err(|e| self.error(e))?;
            keys.push(k.value().to_vec());
        }
        Ok(keys)
    }

    fn write(&self, batch: Batch) -> Result<(), StoreError> {
        let txn = self.db()?.begin_write().map_err(|e| self.error(e))?;
        {
            let mut tables = Vec::new();
            for table in Table::ALL {
                tables.push(
                    txn.open_table(definition(table))
                        .map_err(|e| self.error(e))?,
                );
            }
            let index = |t: Table| Table::ALL.iter().position(|x| *x == t).unwrap_or(0);
            // In bounds: `tables` holds one entry per Table::ALL (the loop above opened
            // each or returned), and `index` is a position in Table::ALL.
            for (table, key, value) in &batch.puts {
                tables[index(*table)]
                    .insert(key.as_slice(), value.as_slice())
                    .map_err(|e| self.error(e))?;
            }
            for (table, key) in &batch.deletes {
                tables[index(*table)]
                    .remove(key.as_slice())
                    .map_err(|e| self.error(e))?;
            }
        }
        txn.commit().map_err(|e| self.error(e))
    }
}

/// redb's magic number, the first bytes of every file.
const REDB_MAGIC: [u8; 9] = [b'r', b'e', b'd', b'b', 0x1A, 0x0A, 0xA9, 0x0D, 0x0A];
/// The most data pages a region may declare (redb's default region is 2^20 pages).
const MAX_REGION_PAGES: u64 = 1 << 20;
/// Length of redb 2's file header: layout fields, then two transaction slots.
const REDB_HEADER_LEN: usize = 320;
/// Where the two transaction slots start; each holds three root flags at bytes 1..4
/// and the root page numbers (user, system, freed trees) at bytes 8, 40 and 72.
const TRANSACTION_SLOTS: [usize; 2] = [64, 192];

/// A little-endian integer of `N` bytes at `at` in `header`.
fn le<const N: usize>(header: &[u8; REDB_HEADER_LEN], at: usize) -> u64 {
    header.get(at..at + N).map_or(0, |b| {
        b.iter().rev().fold(0, |acc, x| acc << 8 | u64::from(*x))
    })
}

/// Why [`open_database`] could not open a database file.
#[derive(Debug, thiserror::Error)]
pub enum OpenDatabaseError {
    /// Another process holds the file (redb locks it while open).
    #[error("Database already open. Cannot acquire lock.")]
    AlreadyOpen,
    /// The file is damaged or cannot be read or created.
    #[error("{0}")]
    Failed(String),
}

/// Opens the redb database at `path` as every redb file of the project should be
/// opened: created through [`crate::open_or_create`] if there is none, and an existing
/// file checked before use. redb asserts (panics) on some damaged headers and
/// allocates what a damaged header says, and checks page checksums only when asked, so
/// an existing file has its header checked here first, is opened with panics caught,
/// and must pass redb's integrity check; a damaged table name could otherwise make
/// redb panic inside a later write and again while unwinding, aborting the process.
pub fn open_database(path: &Path) -> Result<Database, OpenDatabaseError> {
    let failed = OpenDatabaseError::Failed;
    // An empty file (a `touch`) is one redb initialises as it would a new one.
    let existed = std::fs::metadata(path).is_ok_and(|m| m.len() > 0);
    if existed {
        check_layout(path).map_err(failed)?;
    }
    let mut db = guarded(|| crate::open_or_create(path))
        .map_err(failed)?
        .map_err(|e| match e {
            DatabaseError::DatabaseAlreadyOpen => OpenDatabaseError::AlreadyOpen,
            e => OpenDatabaseError::Failed(e.to_string()),
        })?;
    if existed {
        // Ok(false) is a file redb repaired, which is then whole.
        let checked = guarded(|| db.check_integrity())
            .and_then(|r| r.map_err(|e| format!("the database file is damaged ({e})")));
        if let Err(message) = checked {
            close(db);
            return Err(failed(message));
        }
    }
    Ok(db)
}

/// Checks, before redb sees the file, that its header describes a layout that fits in
/// the file and that every page redb reads while opening and checking it (the region
/// tracker, the roots of each transaction slot) lies inside the file. redb sizes
/// allocations from these fields before verifying any checksum, so one damaged byte
/// could make it allocate gigabytes or terabytes. Offsets are those of redb 2's format.
fn check_layout(path: &Path) -> Result<(), String> {
    use std::io::Read;
    let damaged = |what: &str| format!("the database file is damaged ({what})");
    let mut file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let file_len = u128::from(file.metadata().map_err(|e| e.to_string())?.len());
    let mut header = [0u8; REDB_HEADER_LEN];
    if file.read_exact(&mut header).is_err() {
        return Err(damaged("shorter than a redb header"));
    }
    if header[..REDB_MAGIC.len()] != REDB_MAGIC {
        return Err(damaged("no redb header"));
    }
    let [page, region_header, region_data, full_regions, trailing] =
        [12, 16, 20, 24, 28].map(|at| le::<4>(&header, at));
    if !(512..=65536).contains(&page) || !page.is_power_of_two() {
        return Err(damaged("impossible page size"));
    }
    if region_data > MAX_REGION_PAGES || region_header > MAX_REGION_PAGES || trailing > region_data
    {
        return Err(damaged("impossible region size"));
    }
    let page = u128::from(page);
    let trailing_region = if trailing > 0 {
        region_header + trailing
    } else {
        0
    };
    let pages = u128::from(full_regions) * u128::from(region_header + region_data)
        + u128::from(trailing_region);
    if (pages + 1) * page > file_len {
        return Err(damaged(&format!(
            "its header describes {} bytes but the file has {file_len}",
            (pages + 1) * page
        )));
    }
    // A page number: index in bits 0..20 (masked by the order), region in bits 20..40,
    // order in bits 59..64; the page spans 2^order pages.
    let page_end = |number: u64| {
        let order = number >> 59;
        let index = u128::from(number & (0x000F_FFFF >> order));
        let region = u128::from((number >> 20) & 0x000F_FFFF);
        let extent = page << order;
        let region_bytes = u128::from(region_header + region_data) * page;
        page + region * region_bytes + u128::from(region_header) * page + (index + 1) * extent
    };
    if page_end(le::<8>(&header, 32)) > file_len {
        return Err(damaged("its region tracker lies outside the file"));
    }
    for slot in TRANSACTION_SLOTS {
        for (flag, root) in [(1, 8), (2, 40), (3, 72)] {
            if header[slot + flag] != 0 && page_end(le::<8>(&header, slot + root)) > file_len {
                return Err(damaged("a tree root lies outside the file"));
            }
        }
    }
    Ok(())
}

/// Closes a database inside [`guarded`]: redb commits its allocator state while
/// closing, which panics on some damaged files.
fn close(db: Database) {
    let _ = guarded(move || drop(db));
}

impl Drop for RedbBackend {
    fn drop(&mut self) {
        if let Some(db) = self.db.take() {
            close(db);
        }
    }
}

impl Backend for RedbBackend {
    fn get(&self, table: Table, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        guarded(|| self.read(table, key)).map_err(|m| self.error(m))?
    }

    fn keys(&self, table: Table) -> Result<Vec<Vec<u8>>, StoreError> {
        guarded(|| self.list(table)).map_err(|m| self.error(m))?
    }

    fn apply(&self, batch: Batch) -> Result<(), StoreError> {
        guarded(|| self.write(batch)).map_err(|m| self.error(m))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An empty file (a `touch`) opens as a new database; a file of anything else that
    /// is not one is refused, and left as it was.
    #[test]
    fn an_empty_file_is_a_new_database_and_garbage_is_refused() {
        let dir = std::env::temp_dir().join(format!("avm-open-db-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        let empty = dir.join("empty.redb");
        std::fs::write(&empty, b"").unwrap_or_else(|e| panic!("{e}"));
        drop(open_database(&empty).unwrap_or_else(|e| panic!("{e}")));
        drop(open_database(&empty).unwrap_or_else(|e| panic!("{e}")));
        let garbage = dir.join("garbage.redb");
        std::fs::write(&garbage, [7u8; 100]).unwrap_or_else(|e| panic!("{e}"));
        let refused = open_database(&garbage).err().map(|e| e.to_string());
        assert!(
            refused.as_deref().is_some_and(|e| e.contains("damaged")),
            "{refused:?}"
        );
        assert_eq!(std::fs::read(&garbage).unwrap_or_default(), vec![7u8; 100]);
        std::fs::remove_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    }
}
