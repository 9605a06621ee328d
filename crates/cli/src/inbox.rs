//! Inbox files: a JSON array of messages in value JSON.
//!
//! Every message must be a tuple of at least two items whose second item (the block
//! number `inboxpeek` compares with) is an Integer; a file with any other message is
//! rejected, naming the message, before the machine runs.

use std::path::Path;

use avm_value::json::JsonReader;
use avm_value::{read_value, ResolveCodePoint, Value};

use crate::bounds::{self, read_file};
use crate::error::CliError;

/// Why a value cannot be an inbox message, if it cannot.
pub fn message_problem(message: &Value) -> Option<&'static str> {
    match message {
        Value::Tuple(t) if t.len() >= 2 => match t.get(1) {
            Some(Value::Int(_)) => None,
            _ => Some("its second item (the block number) must be an Integer"),
        },
        Value::Tuple(_) => Some("it must be a tuple of at least two items"),
        _ => Some("it must be a tuple of at least two items, not a single value"),
    }
}

/// Reads and checks the messages of an inbox file under the input bounds (file size,
/// message size, value depth and buffer size). `Internal` code points name the
/// program's instructions.
pub fn read_inbox(path: &Path, code: &impl ResolveCodePoint) -> Result<Vec<Value>, CliError> {
    let bytes = read_file(path)?;
    let bounds = bounds::get();
    let limits = &bounds.value_limits();
    let name = path.display().to_string();
    let json_error = |error| CliError::Json {
        path: name.clone(),
        error,
    };
    let mut r = JsonReader::for_values(&bytes, limits, 2);
    let mut messages = Vec::new();
    r.begin_array().map_err(json_error)?;
    while r.next_item().map_err(json_error)? {
        let at = r.position();
        let message = read_value(&mut r, code, limits).map_err(json_error)?;
        let size = (r.position() - at) as u64;
        if size > bounds.max_message_bytes {
            return Err(json_error(r.error_at(
                at,
                format!(
                    "inbox message {} is {size} bytes of JSON, over the limit of {} bytes \
                     (--max-message-bytes)",
                    messages.len(),
                    bounds.max_message_bytes
                ),
            )));
        }
        if let Some(problem) = message_problem(&message) {
            return Err(json_error(r.error_at(
                at,
                format!(
                    "inbox message {} is not a valid message: {problem}",
                    messages.len()
                ),
            )));
        }
        messages.push(message);
    }
    r.finish().map_err(json_error)?;
    Ok(messages)
}

/// The program and inbox most commands start from (`PROGRAM.mexe [--inbox F]`).
#[derive(clap::Args, Debug)]
pub struct ProgramInput {
    /// The executable (.mexe).
    pub program: std::path::PathBuf,
    /// A JSON array of inbox messages in value JSON.
    #[arg(long, value_name = "MESSAGES.json")]
    pub inbox: Option<std::path::PathBuf>,
    /// Take the inbox from a recorded run instead (an .aoslog, as `avm replay` reads:
    /// e.g. ArbOS's benchmark logs).
    #[arg(long, value_name = "LOG.aoslog", conflicts_with = "inbox")]
    pub replay: Option<std::path::PathBuf>,
}

/// The inbox messages of the recorded run in `path` (an .aoslog).
pub fn read_recorded_inbox(
    path: &Path,
    code: &impl ResolveCodePoint,
) -> Result<Vec<Value>, CliError> {
    let bytes = bounds::read_file(path)?;
    let recording = avm_tools::replay::parse_aoslog(&bytes, code, &bounds::get().value_limits())
        .map_err(|error| CliError::Json {
            path: path.display().to_string(),
            error,
        })?;
    Ok(recording.inbox)
}

impl ProgramInput {
    /// Loads the program and reads its inbox (empty without `--inbox` or `--replay`).
    pub fn load(&self) -> Result<(avm_code::Program, Vec<Value>), CliError> {
        let program = bounds::load_mexe(&self.program)?;
        let messages = match (&self.inbox, &self.replay) {
            (Some(path), _) => read_inbox(path, &program.code)?,
            (None, Some(log)) => read_recorded_inbox(log, &program.code)?,
            (None, None) => Vec::new(),
        };
        Ok((program, messages))
    }
}
