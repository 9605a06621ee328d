//! The one place the CLI writes to stdout and stderr.
//!
//! A command-line tool is piped into `head`, `less` or a `jq` that stops early; a
//! reader that goes away has had enough, and that is not a crash. `println!` panics
//! when stdout is closed (Rust ignores SIGPIPE, so a write fails with `BrokenPipe`),
//! so the CLI never uses it (clippy's `print_stdout` and `print_stderr` are denied in
//! this crate). Everything is written through `outln!` / `out!` / `errln!` or
//! the [`Stdout`] writer instead, which all go through [`write_stdout`] or
//! [`write_stderr`] here:
//!
//! - stdout closed by its reader: nothing more is written to it, the command goes on
//!   and exits with the status it earned (`main` ends quietly);
//! - stderr closed: messages are dropped;
//! - any other failure to write stdout (a full disk behind a redirection) is kept
//!   and reported by `main` once at the end, with exit status 2, so no output is lost
//!   silently.

use std::fmt;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// Set once stdout's reader has gone away (or writing it failed).
static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);

/// The first error other than a closed pipe met while writing stdout.
static WRITE_FAILURE: Mutex<Option<String>> = Mutex::new(None);

/// Whether stdout's reader went away (or stdout failed): output is being dropped.
pub fn stdout_closed() -> bool {
    STDOUT_CLOSED.load(Ordering::Relaxed)
}

/// The first failure to write stdout that was not a closed pipe, if any.
pub fn write_failure() -> Option<String> {
    WRITE_FAILURE.lock().ok().and_then(|f| f.clone())
}

/// Notes that writing stdout failed with `error`.
fn note_failure(error: &io::Error) {
    STDOUT_CLOSED.store(true, Ordering::Relaxed);
    if error.kind() != io::ErrorKind::BrokenPipe {
        if let Ok(mut first) = WRITE_FAILURE.lock() {
            first.get_or_insert_with(|| error.to_string());
        }
    }
}

/// The error a write to a stdout that is already closed returns.
fn closed_error() -> io::Error {
    io::Error::new(io::ErrorKind::BrokenPipe, "stdout is closed")
}

/// Writes formatted text to stdout, dropping it once stdout is closed.
pub fn write_stdout(args: fmt::Arguments<'_>) {
    if stdout_closed() {
        return;
    }
    let mut out = io::stdout().lock();
    if let Err(error) = out.write_fmt(args).and_then(|()| out.flush()) {
        note_failure(&error);
    }
}

/// Writes formatted text to stderr, dropping it if stderr is closed.
pub fn write_stderr(args: fmt::Arguments<'_>) {
    let _ignored_when_stderr_is_closed = io::stderr().lock().write_fmt(args);
}

/// Prints to stdout like `print!`, but never panics (see the module docs).
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::output::write_stdout(format_args!($($arg)*))
    };
}

/// Prints a line to stdout like `println!`, but never panics (see the module docs).
macro_rules! outln {
    () => {
        $crate::output::write_stdout(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::output::write_stdout(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// Prints a line to stderr like `eprintln!`, but never panics (see the module docs).
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::output::write_stderr(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// A writer for stdout for output written in a stream (a trace, a disassembly, the
/// debugger). Unlike the macros it returns the error once stdout is closed, so a
/// loop producing output stops early instead of computing what nobody reads; the
/// command then treats the `BrokenPipe` as the reader having had enough.
pub struct Stdout;

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if stdout_closed() {
            return Err(closed_error());
        }
        io::stdout().lock().write(buf).inspect_err(note_failure)
    }

    fn flush(&mut self) -> io::Result<()> {
        if stdout_closed() {
            return Err(closed_error());
        }
        io::stdout().lock().flush().inspect_err(note_failure)
    }
}

/// Whether `error` means stdout's reader went away: the command stops quietly.
pub fn is_closed_pipe(error: &io::Error) -> bool {
    error.kind() == io::ErrorKind::BrokenPipe
}
