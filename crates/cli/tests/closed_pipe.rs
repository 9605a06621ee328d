//! A closed pipe is not a crash: every subcommand that writes to stdout, run with a
//! stdout whose reader has gone away (`avm ... | head -c 1`), stops writing and ends
//! with the status the command earned: no "panicked", no backtrace, never 101.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("avm-closed-pipe-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// How the reader of stdout leaves.
#[derive(Clone, Copy, Debug)]
enum Reader {
    /// Reads the first byte, then closes the pipe (`| head -c 1`).
    AfterFirstByte,
    /// Closes the pipe before anything is written (so the first write fails).
    AtOnce,
}

/// Runs `avm args` with stdout read as `reader` says; returns the exit code and stderr.
fn run_with_closed_stdout(
    args: &[&str],
    reader: Reader,
    close_stderr: bool,
) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_avm"))
        .args(args)
        .current_dir(repo_root())
        .env("RUST_BACKTRACE", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("avm starts");
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr_pipe = child.stderr.take().unwrap();
    if let Reader::AfterFirstByte = reader {
        let mut first = [0u8; 1];
        let _ = stdout.read(&mut first);
    }
    drop(stdout);
    let mut stderr = String::new();
    if close_stderr {
        drop(stderr_pipe);
    } else {
        stderr_pipe.read_to_string(&mut stderr).unwrap();
    }
    let status = child.wait().unwrap();
    (status.code(), stderr)
}

fn assert_quiet(args: &[&str], max_code: i32) {
    for reader in [Reader::AfterFirstByte, Reader::AtOnce] {
        let (code, stderr) = run_with_closed_stdout(args, reader, false);
        assert!(
            !stderr.contains("panicked") && !stderr.contains("backtrace"),
            "avm {args:?} ({reader:?}) panicked: {stderr}"
        );
        let code = code.unwrap_or_else(|| panic!("avm {args:?} ({reader:?}) killed by a signal"));
        assert!(
            code <= max_code,
            "avm {args:?} ({reader:?}) exited {code}: {stderr}"
        );
        // With stderr closed too, nothing may panic either (a panic exits 101).
        let (code, _) = run_with_closed_stdout(args, reader, true);
        assert!(
            code.is_some_and(|c| c <= max_code),
            "avm {args:?} ({reader:?}, stderr closed) exited {code:?}"
        );
    }
}

/// A program that loops for a long time, logging as it goes.
const LOOP: &str = "../shared/fixtures/classic/speedtest/add_2_1.mexe";

#[test]
fn run_in_every_output_form() {
    let echo = [
        "run",
        "examples/echo.mexe",
        "--inbox",
        "examples/echo-inbox.json",
    ];
    assert_quiet(&echo, 0);
    assert_quiet(&[&echo[..], &["--json"]].concat(), 0);
    assert_quiet(&[&echo[..], &["--trace"]].concat(), 0);
    assert_quiet(&["run", LOOP, "--trace", "--max-steps", "1000000"], 0);
}

#[test]
fn challenge_and_bench() {
    assert_quiet(
        &[
            "challenge",
            LOOP,
            "--steps",
            "100000",
            "--degree",
            "2",
            "--liar",
            "asserter",
            "--json",
        ],
        0,
    );
    assert_quiet(
        &[
            "challenge",
            LOOP,
            "--steps",
            "100000",
            "--degree",
            "2",
            "--liar",
            "challenger",
        ],
        0,
    );
    assert_quiet(&["bench", LOOP, "--max-steps", "100000", "--json"], 0);
    assert_quiet(&["bench", LOOP, "--max-steps", "100000"], 0);
}

#[test]
fn prove_and_verify() {
    let proof = scratch().join("step5.json");
    let prove = [
        "prove",
        "examples/echo.mexe",
        "--inbox",
        "examples/echo-inbox.json",
        "--step",
        "5",
    ];
    assert_quiet(&prove, 0);
    let written = Command::new(env!("CARGO_BIN_EXE_avm"))
        .args(prove)
        .args(["-o", proof.to_str().unwrap()])
        .current_dir(repo_root())
        .status()
        .unwrap();
    assert!(written.success());
    assert_quiet(&["verify", proof.to_str().unwrap()], 0);
    assert_quiet(&["verify", proof.to_str().unwrap(), "--json"], 0);
}

#[test]
fn inspection_commands() {
    let arbos = "../shared/fixtures/classic/arbos-2020.mexe";
    assert_quiet(&["info", arbos], 0);
    assert_quiet(&["info", arbos, "--json"], 0);
    assert_quiet(&["disasm", arbos], 0);
    assert_quiet(&["hash", r#"{"Tuple": [{"Int": "1"}]}"#], 0);
    assert_quiet(
        &[
            "profile",
            "examples/echo.mexe",
            "--inbox",
            "examples/echo-inbox.json",
        ],
        0,
    );
    assert_quiet(
        &[
            "profile",
            "examples/echo.mexe",
            "--inbox",
            "examples/echo-inbox.json",
            "--json",
        ],
        0,
    );
}

#[test]
fn replay_and_checkpoints() {
    let dir = scratch();
    let log = dir.join("echo.aoslog");
    let store = dir.join("store");
    let recorded = Command::new(env!("CARGO_BIN_EXE_avm"))
        .args([
            "run",
            "examples/echo.mexe",
            "--inbox",
            "examples/echo-inbox.json",
        ])
        .args([
            "--record",
            log.to_str().unwrap(),
            "--store",
            store.to_str().unwrap(),
        ])
        .current_dir(repo_root())
        .output()
        .unwrap();
    assert!(
        recorded.status.success(),
        "{}",
        String::from_utf8_lossy(&recorded.stderr)
    );
    assert_quiet(&["replay", "examples/echo.mexe", log.to_str().unwrap()], 0);
    assert_quiet(
        &[
            "replay",
            "examples/echo.mexe",
            log.to_str().unwrap(),
            "--json",
        ],
        0,
    );
    assert_quiet(&["checkpoints", store.to_str().unwrap()], 0);
    assert_quiet(&["checkpoints", store.to_str().unwrap(), "--json"], 0);
}
