//! What the CLI reports when its input is unusable. Every such error is printed as one
//! readable line (with the file and place where known) and exits with status 2.

use avm_value::json::JsonError;

/// A usage or input error.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// An executable could not be loaded.
    #[error(transparent)]
    Load(#[from] avm_code::LoadError),
    /// An input file could not be read, or is over `--max-file-bytes`.
    #[error(transparent)]
    Read(#[from] avm_code::ReadFileError),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A JSON input file is malformed.
    #[error("{path}: {error}")]
    Json {
        /// The file (or "argument" for command-line values).
        path: String,
        /// What and where.
        error: JsonError,
    },
    /// Any other unusable input, described.
    #[error("{0}")]
    Input(String),
}

impl CliError {
    /// Whether this is a write to a stdout whose reader went away.
    pub fn is_closed_pipe(&self) -> bool {
        matches!(self, CliError::Io { source, .. } if crate::output::is_closed_pipe(source))
    }
}

/// Creates (or truncates) the output file `path`; an error names the file.
pub fn create_file(path: &std::path::Path) -> Result<std::fs::File, CliError> {
    std::fs::File::create(path).map_err(|source| CliError::Io {
        path: path.display().to_string(),
        source,
    })
}

/// Writes `bytes` to the output file `path`; an error names the file.
pub fn write_file(path: &std::path::Path, bytes: impl AsRef<[u8]>) -> Result<(), CliError> {
    std::fs::write(path, bytes).map_err(|source| CliError::Io {
        path: path.display().to_string(),
        source,
    })
}
