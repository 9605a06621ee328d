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
