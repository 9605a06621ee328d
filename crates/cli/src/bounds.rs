//! Bounds on untrusted input that every command honours: how large a file, an inbox
//! message, a buffer and a nesting of values may be. They are global options
//! (`avm --max-file-bytes N run ...` or `avm run ... --max-file-bytes N`), set once by
//! `main` from the command line; hitting one is an error that names the option.

use std::path::Path;
use std::sync::OnceLock;

use avm_code::LoadOptions;
use avm_value::ValueLimits;

use crate::error::CliError;

/// The bounds, with safe defaults.
#[derive(clap::Args, Debug, Clone)]
#[command(next_help_heading = "Input bounds")]
pub struct InputBounds {
    /// Largest input file read (program, inbox, proof, log, source), in bytes.
    #[arg(long, global = true, value_name = "BYTES", default_value_t = LoadOptions::DEFAULT_MAX_FILE_BYTES)]
    pub max_file_bytes: u64,
    /// Largest inbox message, in bytes of its JSON text.
    #[arg(long, global = true, value_name = "BYTES", default_value_t = InputBounds::DEFAULT_MAX_MESSAGE_BYTES)]
    pub max_message_bytes: u64,
    /// Deepest nesting of tuples accepted from files.
    #[arg(long, global = true, value_name = "N", default_value_t = ValueLimits::DEFAULT_MAX_DEPTH)]
    pub max_value_depth: usize,
    /// Most buffer bytes materialised from a file's values.
    #[arg(long, global = true, value_name = "BYTES", default_value_t = ValueLimits::DEFAULT_MAX_BUFFER_LEN as u64)]
    pub max_buffer_bytes: u64,
}

impl InputBounds {
    /// Inbox message size allowed by default (16 MiB of JSON).
    pub const DEFAULT_MAX_MESSAGE_BYTES: u64 = 16 << 20;

    /// The value limits these bounds set.
    pub fn value_limits(&self) -> ValueLimits {
        ValueLimits {
            max_depth: self.max_value_depth,
            max_buffer_len: u128::from(self.max_buffer_bytes),
        }
    }

    /// The options for loading executables these bounds set.
    pub fn load_options(&self) -> LoadOptions {
        LoadOptions {
            limits: self.value_limits(),
            max_file_bytes: self.max_file_bytes,
        }
    }
}

impl Default for InputBounds {
    fn default() -> Self {
        InputBounds {
            max_file_bytes: LoadOptions::DEFAULT_MAX_FILE_BYTES,
            max_message_bytes: Self::DEFAULT_MAX_MESSAGE_BYTES,
            max_value_depth: ValueLimits::DEFAULT_MAX_DEPTH,
            max_buffer_bytes: ValueLimits::DEFAULT_MAX_BUFFER_LEN as u64,
        }
    }
}

static BOUNDS: OnceLock<InputBounds> = OnceLock::new();

/// Installs the bounds given on the command line (the first call wins).
pub fn install(bounds: InputBounds) {
    let _ = BOUNDS.set(bounds);
}

/// The bounds in force.
pub fn get() -> &'static InputBounds {
    BOUNDS.get_or_init(InputBounds::default)
}

/// Reads a whole input file, refusing files over `--max-file-bytes`.
pub fn read_file(path: &Path) -> Result<Vec<u8>, CliError> {
    Ok(avm_code::read_file_bounded(
        path,
        get().max_file_bytes,
        "--max-file-bytes",
    )?)
}

/// Loads an executable under the bounds.
pub fn load_mexe(path: &Path) -> Result<avm_code::Program, CliError> {
    Ok(avm_code::load_mexe(path, &get().load_options())?)
}
