//! What the CLI tests share: running the `avm` binary from the repository root (where
//! paths like `examples/echo.mexe` and `../shared/fixtures` resolve) and reading its
//! JSON output. Each test binary uses what it needs of this module.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs `avm ARGS` from the repository root.
pub fn avm(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_avm"))
        .args(args)
        .current_dir(repo_root())
        .output()
        .expect("avm runs")
}

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs `avm ARGS`, which must succeed, and parses its stdout as one JSON value.
pub fn json(args: &[&str]) -> serde_json::Value {
    let out = avm(args);
    assert!(
        out.status.success(),
        "avm {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(text.trim()).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// Starts `avm ARGS` (a server that prints one JSON line when it is ready) from the
/// repository root; the process (killed when dropped) and that line. Its stderr goes
/// to the test's.
pub fn start_server(
    args: &[&str],
    timeout: std::time::Duration,
) -> (avm_testkit::tools::Killed, serde_json::Value) {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_avm"))
        .args(args)
        .current_dir(repo_root())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("avm starts");
    let stdout = child.stdout.take().expect("a piped stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let child = avm_testkit::tools::Killed(child);
    let line = rx
        .recv_timeout(timeout)
        .unwrap_or_else(|_| panic!("avm {args:?} printed nothing within {timeout:?}"));
    let info = serde_json::from_str(line.trim()).unwrap_or_else(|e| panic!("{e}: {line:?}"));
    (child, info)
}
