//! Damage done to files on purpose, so that tests can show it is refused cleanly.

use std::path::Path;

/// Doubles the page size a redb database file's header states (bytes 12..16, little
/// endian), so that the header no longer fits the file: redb asserts on that when it
/// opens the file, where the project must report an error instead.
pub fn redb_page_size(path: &Path) {
    let mut bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let word: [u8; 4] = bytes
        .get(12..16)
        .and_then(|w| w.try_into().ok())
        .unwrap_or_else(|| panic!("{}: no redb header", path.display()));
    let doubled = u32::from_le_bytes(word) * 2;
    bytes[12..16].copy_from_slice(&doubled.to_le_bytes());
    std::fs::write(path, &bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}
