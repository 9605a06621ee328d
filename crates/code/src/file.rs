//! Reading input files with a size bound, so that a huge or endless file (a 1 GB
//! message, `/dev/zero`) is refused with a message naming the bound instead of
//! exhausting memory.

use std::io::Read;
use std::path::Path;

/// Why a bounded read failed.
#[derive(Debug, thiserror::Error)]
pub enum ReadFileError {
    /// The file could not be opened or read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is larger than the bound allows.
    #[error("{path}: the file is larger than the limit of {limit} bytes ({bound})")]
    TooLarge {
        /// The file.
        path: String,
        /// The bound, in bytes.
        limit: u64,
        /// The name of the setting that raises the bound, for the message.
        bound: &'static str,
    },
}

/// Reads all of `path` if it holds at most `limit` bytes. `bound` names the setting
/// that raises the limit (for example `--max-file-bytes`). The size is checked before
/// reading and again while reading, so files that grow or never end are refused too.
pub fn read_file_bounded(
    path: &Path,
    limit: u64,
    bound: &'static str,
) -> Result<Vec<u8>, ReadFileError> {
    let name = || path.display().to_string();
    let io = |source| ReadFileError::Io {
        path: name(),
        source,
    };
    let too_large = || ReadFileError::TooLarge {
        path: name(),
        limit,
        bound,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let known = file.metadata().map_err(io)?;
    if known.is_file() && known.len() > limit {
        return Err(too_large());
    }
    let capacity = if known.is_file() { known.len() } else { 0 };
    let mut bytes = Vec::with_capacity(usize::try_from(capacity).unwrap_or(0));
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > limit {
        return Err(too_large());
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn files_over_the_limit_are_refused_before_reading() {
        let dir = std::env::temp_dir().join(format!("avm-file-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("sparse");
        // A sparse gigabyte: refused from its size alone, without reading it.
        std::fs::File::create(&path)
            .unwrap()
            .set_len(1 << 30)
            .unwrap();
        let err = read_file_bounded(&path, 1 << 20, "--max-x").unwrap_err();
        assert!(matches!(err, ReadFileError::TooLarge { limit, .. } if limit == 1 << 20));
        assert!(err.to_string().contains("--max-x"), "{err}");
        std::fs::write(&path, b"12345").unwrap();
        assert_eq!(read_file_bounded(&path, 5, "--max-x").unwrap(), b"12345");
        assert!(read_file_bounded(&path, 4, "--max-x").is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn endless_streams_stop_at_the_limit() {
        let err = read_file_bounded(Path::new("/dev/zero"), 1000, "--max-x").unwrap_err();
        assert!(matches!(err, ReadFileError::TooLarge { .. }));
    }
}
