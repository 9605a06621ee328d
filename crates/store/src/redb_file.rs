//! Opening a redb database file so that a process killed while creating it never
//! leaves a file that can no longer be opened.
//!
//! redb initialises a new file in place and writes its magic number last; a file
//! that lacks it is refused by every later open. Killed in between (a `kill -9`
//! during the first start of a store, an L1 or a node), a data dir would be unusable
//! until someone deleted the file by hand. So a new file is made under a temporary
//! name and given its real name only once redb has finished initialising it, while
//! the process still holds it open (and locked): the real name only ever names a
//! whole database, and no other process can open it between its creation and its
//! first use. Every redb file of the project opens through [`crate::open_database`],
//! which creates files through [`open_or_create`].

use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use redb::{Database, DatabaseError, StorageError};

/// Opens the redb database at `path`, creating it if there is none. A creation cut
/// short by a kill leaves at most the temporary file, which the next creation
/// replaces. Two processes creating the same file at once: one gets it, the other
/// [`DatabaseError::DatabaseAlreadyOpen`] (or an error saying the file appeared).
pub(crate) fn open_or_create(path: &Path) -> Result<Database, DatabaseError> {
    if path.exists() {
        return Database::create(path);
    }
    let creating = creating_name(path);
    let db = match Database::create(&creating) {
        Ok(db) => db,
        // A creation cut short earlier (no magic number): nothing was ever
        // committed to it and it never had the real name, so it is started again. A
        // creation in progress in another process holds the file locked instead, and
        // is reported as the database being open.
        Err(DatabaseError::Storage(StorageError::Io(e))) if e.kind() == ErrorKind::InvalidData => {
            std::fs::remove_file(&creating).map_err(io)?;
            Database::create(&creating)?
        }
        Err(e) => return Err(e),
    };
    // Initialised: give it its real name, unless another process did first
    // (`hard_link` never replaces), then drop the temporary one.
    match std::fs::hard_link(&creating, path) {
        Ok(()) => {
            let _ = std::fs::remove_file(&creating);
        }
        Err(e) if e.kind() == ErrorKind::AlreadyExists => {
            let _ = std::fs::remove_file(&creating);
            drop(db);
            return Database::create(path);
        }
        // A file system without hard links (FAT, some network shares): a rename,
        // which is as atomic but would replace a file another process made at this
        // very moment.
        Err(_) => std::fs::rename(&creating, path).map_err(io)?,
    }
    sync_dir(path);
    Ok(db)
}

/// The name a new database file has until it is whole: `NAME.creating` beside it.
fn creating_name(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".creating");
    path.with_file_name(name)
}

fn io(e: std::io::Error) -> DatabaseError {
    DatabaseError::Storage(StorageError::Io(e))
}

/// Makes a new name in `path`'s directory durable. Best effort: a file system that
/// cannot sync a directory still has the name, only less surely after a power loss.
fn sync_dir(path: &Path) {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    if let Ok(dir) = std::fs::File::open(dir) {
        let _ = dir.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use redb::TableDefinition;

    const T: TableDefinition<'static, &str, u64> = TableDefinition::new("t");

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("avm-redb-file-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn write(db: &Database, value: u64) {
        let txn = db.begin_write().unwrap();
        txn.open_table(T).unwrap().insert("k", value).unwrap();
        txn.commit().unwrap();
    }

    fn read(db: &Database) -> Option<u64> {
        let txn = db.begin_read().unwrap();
        let table = txn.open_table(T).ok()?;
        table.get("k").unwrap().map(|v| v.value())
    }

    #[test]
    fn a_new_file_gets_its_name_whole_and_stays_locked() {
        let dir = scratch("new");
        let path = dir.join("x.redb");
        let db = open_or_create(&path).unwrap();
        assert!(path.exists() && !creating_name(&path).exists());
        // Held by this process from its creation on: a second open is refused.
        assert!(matches!(
            open_or_create(&path),
            Err(DatabaseError::DatabaseAlreadyOpen)
        ));
        write(&db, 7);
        drop(db);
        assert_eq!(read(&open_or_create(&path).unwrap()), Some(7));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// What a kill during redb's initialisation leaves (a file whose magic number was
    /// never written) is refused by redb itself, and replaced by a creation here.
    #[test]
    fn a_creation_cut_short_is_started_again() {
        let dir = scratch("cut");
        let path = dir.join("x.redb");
        // A whole database, its magic number then wiped: as redb leaves a file killed
        // before its last write of the header.
        drop(Database::create(&path).unwrap());
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[..9].fill(0);
        std::fs::write(creating_name(&path), &bytes).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert!(Database::create(creating_name(&path)).is_err());
        let db = open_or_create(&path).unwrap();
        write(&db, 3);
        drop(db);
        assert!(!creating_name(&path).exists());
        assert_eq!(read(&open_or_create(&path).unwrap()), Some(3));
        // A whole temporary file (killed after initialising, before the rename) is
        // taken as it is.
        let other = dir.join("y.redb");
        drop(Database::create(creating_name(&other)).unwrap());
        drop(open_or_create(&other).unwrap());
        assert!(other.exists() && !creating_name(&other).exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A file at the real name is opened as it is, never replaced: one that is
    /// damaged is an error for its owner to see.
    #[test]
    fn an_existing_file_is_never_replaced() {
        let dir = scratch("existing");
        let path = dir.join("x.redb");
        std::fs::write(&path, [0u8; 4096]).unwrap();
        assert!(open_or_create(&path).is_err());
        assert_eq!(std::fs::read(&path).unwrap(), vec![0u8; 4096]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
