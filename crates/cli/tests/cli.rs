//! The `avm` binary as a user drives it: outputs, exit codes, and error messages for
//! bad input.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;
use common::{avm, repo_root};

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn temp_file(name: &str, contents: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("avm-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

#[test]
fn run_json_prints_one_object_with_every_field() {
    let out = avm(&[
        "run",
        "examples/echo.mexe",
        "--inbox",
        "examples/echo-inbox.json",
        "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert_eq!(text.trim().lines().count(), 1, "exactly one line: {text}");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["status"], "blocked");
    assert_eq!(v["inbox_consumed"], 3);
    assert_eq!(v["logs"].as_array().unwrap().len(), 3);
    assert_eq!(v["logs"][0]["Tuple"][2]["Buffer"], "68656c6c6f");
    for key in ["machine_hash", "send_acc", "log_acc"] {
        let h = v[key].as_str().unwrap();
        assert!(h.len() == 66 && h.starts_with("0x"), "{key}: {h}");
        assert_eq!(h, h.to_lowercase());
    }
    assert!(v["steps"].as_u64().unwrap() > 0 && v["gas_used"].as_u64().unwrap() > 0);
    assert_eq!(v["sends"].as_array().unwrap().len(), 0);
}

#[test]
fn run_reports_limits_and_halts() {
    let out = avm(&["run", "examples/echo.mexe", "--max-steps", "1", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        (v["status"].as_str(), v["steps"].as_u64()),
        (Some("limit"), Some(1))
    );
    assert_eq!(v["limit"], "--max-steps");
    let out = avm(&["run", "examples/echo.mexe", "--max-gas", "5"]);
    assert!(
        stdout(&out).contains("status        limit (--max-gas reached)"),
        "{}",
        stdout(&out)
    );
    let halt = temp_file(
        "halt.mexe",
        r#"{"code":[{"opcode":116,"immediate":null}],"static_val":{"Tuple":[]}}"#,
    );
    let out = avm(&["run", halt.to_str().unwrap(), "--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["status"], "halted");
    assert_eq!(v["gas_used"], 10);
    assert_eq!(v["machine_hash"], format!("0x{}", "0".repeat(64)));
    // Three pushes, one moved to the aux stack, then halt: the state left is counted.
    let pushes = temp_file(
        "pushes.mexe",
        r#"{"code":[{"opcode":59,"immediate":{"Int":"1"}},{"opcode":59,"immediate":{"Int":"2"}},{"opcode":59,"immediate":{"Int":"3"}},{"opcode":56,"immediate":null},{"opcode":116,"immediate":null}],"static_val":{"Tuple":[]}}"#,
    );
    let out = avm(&["run", pushes.to_str().unwrap(), "--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        (v["stack_items"].as_u64(), v["aux_stack_items"].as_u64()),
        (Some(2), Some(1))
    );
}

#[test]
fn hash_accepts_value_json_and_marshaled_hex() {
    let a = avm(&["hash", r#"{"Tuple":[]}"#]);
    let b = avm(&["hash", "--marshaled", "03"]);
    assert!(a.status.success() && b.status.success());
    assert_eq!(
        stdout(&a).trim(),
        "0x5dfd744753c13a6de9cf0e9e3d0164cdf0b1bbdb5efb3660a684d46477176058"
    );
    assert_eq!(stdout(&a), stdout(&b));
    let bad = avm(&["hash", "--marshaled", "0d"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("unknown value type byte 0x0d"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn info_reports_instruction_count_and_hashes() {
    let out = avm(&["info", "examples/echo.mexe", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["instructions"], 6);
    assert!(v["entry_code_point_hash"]
        .as_str()
        .unwrap()
        .starts_with("0x"));
}

#[test]
fn bad_inputs_give_one_clear_line_and_exit_2() {
    let cases = [
        ("notjson.mexe", "this is not json", "line 1, column 1"),
        (
            "noopcode.mexe",
            r#"{"code":[{"immediate":null}],"static_val":{"Tuple":[]}}"#,
            "no \"opcode\"",
        ),
        (
            "bigop.mexe",
            r#"{"code":[{"opcode":300,"immediate":null}],"static_val":{"Tuple":[]}}"#,
            "out of range",
        ),
        (
            "form.mexe",
            r#"{"code":[{"opcode":{"Virtual":1},"immediate":null}],"static_val":{"Tuple":[]}}"#,
            "unknown opcode form",
        ),
        (
            "dangling.mexe",
            r#"{"code":[{"opcode":52,"immediate":{"CodePoint":{"Internal":9}}}],"static_val":{"Tuple":[]}}"#,
            "past the end",
        ),
        (
            "backward.mexe",
            r#"{"code":[{"opcode":59,"immediate":null},{"opcode":52,"immediate":{"CodePoint":{"Internal":0}}}],"static_val":{"Tuple":[]}}"#,
            "does not come after it",
        ),
        (
            "tuple9.mexe",
            r#"{"code":[],"static_val":{"Tuple":[{"Int":"0"},{"Int":"0"},{"Int":"0"},{"Int":"0"},{"Int":"0"},{"Int":"0"},{"Int":"0"},{"Int":"0"},{"Int":"0"}]}}"#,
            "at most 8",
        ),
        ("truncated.mexe", r#"{"code":[{"opcode":1"#, "line 1"),
        (
            "wrongtype.mexe",
            r#"{"code":"nop","static_val":{"Tuple":[]}}"#,
            "must be an array of instructions",
        ),
    ];
    for (name, contents, needle) in cases {
        let path = temp_file(name, contents);
        let out = avm(&["run", path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "{name}");
        let err = stderr(&out);
        assert!(err.contains(name) && err.contains(needle), "{name}: {err}");
        assert!(!err.contains("panicked"), "{name}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{name}: {err}");
    }
    let missing = avm(&["run", "no/such/file.mexe"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("no/such/file.mexe"));
}

/// Runs `avm run` on `program` with `inbox` and extra arguments; expects exit 2 with
/// one line on stderr naming `needle`, and no panic.
fn refused(program: &str, inbox: Option<&Path>, extra: &[&str], needle: &str) {
    let mut args = vec!["run", program];
    if let Some(inbox) = inbox {
        args.extend(["--inbox", inbox.to_str().unwrap()]);
    }
    args.extend(extra);
    let out = avm(&args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(err.contains(needle), "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{args:?}: {err}");
    assert_eq!(err.trim().lines().count(), 1, "{args:?}: {err}");
}

#[test]
fn a_one_gigabyte_message_is_refused_by_its_size_alone() {
    let path = temp_file("gigabyte.json", "");
    // Sparse: a gigabyte by its length, nothing on disk, and never read.
    std::fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(1 << 30)
        .unwrap();
    refused("examples/echo.mexe", Some(&path), &[], "--max-file-bytes");
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn every_input_bound_can_be_set_and_names_itself_when_hit() {
    let inbox = temp_file(
        "bounded.json",
        r#"[{"Tuple":[{"Int":"0"},{"Int":"1"},{"Tuple":[{"Tuple":[{"Buffer":"0102030405060708"}]}]}]}]"#,
    );
    let echo = "examples/echo.mexe";
    let ok = avm(&["run", echo, "--inbox", inbox.to_str().unwrap()]);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    refused(
        echo,
        Some(&inbox),
        &["--max-message-bytes", "40"],
        "--max-message-bytes",
    );
    refused(
        echo,
        Some(&inbox),
        &["--max-value-depth", "2"],
        "max value depth",
    );
    refused(
        echo,
        Some(&inbox),
        &["--max-buffer-bytes", "4"],
        "max buffer bytes",
    );
    refused(
        echo,
        Some(&inbox),
        &["--max-file-bytes", "50"],
        "--max-file-bytes",
    );
    // Bounds are global options: they may come before the command too.
    let out = avm(&["--max-file-bytes", "10", "disasm", echo]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--max-file-bytes"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_million_deep_static_value_is_refused_by_the_depth_bound() {
    let depth = 1_000_000;
    let text = format!(
        r#"{{"code":[],"static_val":{}{{"Int":"0"}}{}}}"#,
        r#"{"Tuple":["#.repeat(depth),
        "]}".repeat(depth)
    );
    let path = temp_file("deep.mexe", &text);
    refused(path.to_str().unwrap(), None, &[], "max value depth");
}

#[test]
fn bad_inbox_messages_are_rejected_before_running() {
    let inbox = temp_file(
        "inbox.json",
        r#"[{"Tuple":[{"Int":"0"},{"Int":"1"}]}, {"Int":"5"}]"#,
    );
    let out = avm(&[
        "run",
        "examples/echo.mexe",
        "--inbox",
        inbox.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("inbox message 1 is not a valid message"),
        "{}",
        stderr(&out)
    );
    let object = temp_file("object.json", r#"{"Tuple":[]}"#);
    refused(
        "examples/echo.mexe",
        Some(&object),
        &[],
        "expected an array, found an object",
    );
    let inbox = temp_file("inbox2.json", r#"[{"Tuple":[{"Int":"0"},{"Tuple":[]}]}]"#);
    let out = avm(&[
        "run",
        "examples/echo.mexe",
        "--inbox",
        inbox.to_str().unwrap(),
    ]);
    assert!(stderr(&out).contains("second item"), "{}", stderr(&out));
}

#[test]
fn prove_then_verify_and_a_tampered_proof_is_invalid() {
    let dir = std::env::temp_dir().join(format!("avm-cli-prove-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bin = dir.join("step.proof");
    let json = dir.join("step.json");
    for out in [&bin, &json] {
        let o = avm(&[
            "prove",
            "examples/echo.mexe",
            "--inbox",
            "examples/echo-inbox.json",
            "--step",
            "2",
            "-o",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        let v = avm(&[
            "verify",
            out.to_str().unwrap(),
            "--inbox",
            "examples/echo-inbox.json",
        ]);
        assert_eq!(v.status.code(), Some(0), "{}{}", stdout(&v), stderr(&v));
        assert!(stdout(&v).contains("valid"));
    }
    let text = std::fs::read_to_string(&json).unwrap();
    let mut doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    doc["proof"]["extra"]["message"]["tuple"][1]["int"] = serde_json::json!("0x9");
    let bad = dir.join("bad.json");
    std::fs::write(&bad, doc.to_string()).unwrap();
    let v = avm(&["verify", bad.to_str().unwrap(), "--json"]);
    assert_eq!(v.status.code(), Some(1));
    let out: serde_json::Value = serde_json::from_str(&stdout(&v)).unwrap();
    assert_eq!(out["valid"], false);
    assert!(out["reason"]
        .as_str()
        .unwrap()
        .contains("not the inbox's next message"));
    let mut doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    doc["post"]["gas_used"] = serde_json::json!(1);
    std::fs::write(&bad, doc.to_string()).unwrap();
    let v = avm(&["verify", bad.to_str().unwrap()]);
    assert_eq!(v.status.code(), Some(1));
    assert!(
        stdout(&v).contains("different post-state"),
        "{}",
        stdout(&v)
    );
    std::fs::write(&bad, b"AVMP\x01garbage").unwrap();
    let v = avm(&["verify", bad.to_str().unwrap()]);
    assert_eq!(v.status.code(), Some(1));
    assert!(stdout(&v).contains("INVALID"), "{}", stdout(&v));
}

#[test]
fn proving_a_blocked_step_is_an_input_error() {
    let o = avm(&["prove", "examples/echo.mexe", "--step", "2"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("inbox message 0"), "{}", stderr(&o));
}

fn json_of(o: &Output) -> serde_json::Value {
    serde_json::from_str(stdout(o).trim()).unwrap_or_else(|e| panic!("{e}: {}", stdout(o)))
}

fn fresh_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("avm-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

const LOOP: &str = "../shared/fixtures/classic/speedtest/dup2_dup2_dup2_tset_0_1.mexe";

#[test]
fn resuming_after_a_restart_ends_where_one_uninterrupted_run_ends() {
    let dir = fresh_dir("resume");
    let d = dir.to_str().unwrap();
    let whole = json_of(&avm(&["run", LOOP, "--max-steps", "250000", "--json"]));
    let first = avm(&[
        "run",
        LOOP,
        "--store",
        d,
        "--checkpoint-every",
        "40000",
        "--max-steps",
        "90000",
        "--json",
    ]);
    assert!(first.status.success(), "{}", stderr(&first));
    let second = json_of(&avm(&["resume", d, "--max-steps", "250000", "--json"]));
    assert_eq!(second["machine_hash"], whole["machine_hash"]);
    assert_eq!(second["gas_used"], whole["gas_used"]);
    let list = json_of(&avm(&["checkpoints", d, "--json"]));
    let steps: Vec<u64> = list["checkpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["steps"].as_u64().unwrap())
        .collect();
    assert_eq!(steps, vec![0, 40000, 80000, 90000, 250000]);
    // --max-gas counts from the start of the machine.
    let gas = whole["gas_used"].as_u64().unwrap();
    let capped = json_of(&avm(&[
        "resume",
        d,
        "--max-gas",
        &gas.to_string(),
        "--json",
    ]));
    assert_eq!(capped["status"], "limit");
    assert_eq!(capped["steps"], 250000);
    let again = avm(&["run", LOOP, "--store", d]);
    assert_eq!(
        again.status.code(),
        Some(2),
        "a used store is not overwritten"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn resume_takes_new_inbox_messages_and_checks_the_old_ones() {
    let dir = fresh_dir("inbox");
    let d = dir.to_str().unwrap();
    let two = temp_file(
        "two.json",
        r#"[{"Tuple":[{"Int":"0"},{"Int":"1"}]},{"Tuple":[{"Int":"0"},{"Int":"2"}]}]"#,
    );
    let three = temp_file(
        "three.json",
        r#"[{"Tuple":[{"Int":"0"},{"Int":"1"}]},{"Tuple":[{"Int":"0"},{"Int":"2"}]},{"Tuple":[{"Int":"0"},{"Int":"3"}]}]"#,
    );
    let other = temp_file(
        "other.json",
        r#"[{"Tuple":[{"Int":"9"},{"Int":"9"}]},{"Tuple":[{"Int":"0"},{"Int":"2"}]}]"#,
    );
    let first = json_of(&avm(&[
        "run",
        "examples/echo.mexe",
        "--inbox",
        two.to_str().unwrap(),
        "--store",
        d,
        "--json",
    ]));
    assert_eq!(
        (first["status"].as_str(), first["inbox_consumed"].as_u64()),
        (Some("blocked"), Some(2))
    );
    let bad = avm(&["resume", d, "--inbox", other.to_str().unwrap()]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("not the ones the machine consumed"),
        "{}",
        stderr(&bad)
    );
    let more = json_of(&avm(&[
        "resume",
        d,
        "--inbox",
        three.to_str().unwrap(),
        "--json",
    ]));
    assert_eq!(more["inbox_consumed"], 3);
    assert_eq!(
        more["logs"].as_array().unwrap().len(),
        1,
        "only the new message is logged now"
    );
    let whole = json_of(&avm(&[
        "run",
        "examples/echo.mexe",
        "--inbox",
        three.to_str().unwrap(),
        "--json",
    ]));
    assert_eq!(more["machine_hash"], whole["machine_hash"]);
    assert_eq!(more["log_acc"], whole["log_acc"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A child process killed at random moments while saving checkpoints never leaves a
/// store that fails to open or to restore its newest checkpoint.
#[test]
fn killing_the_process_during_saves_leaves_a_store_that_restores() {
    let dir = fresh_dir("crash");
    let d = dir.to_str().unwrap();
    let mut seed = 0x2545_f491_4f6c_dd1du64 ^ u64::from(std::process::id());
    let mut last_steps = 0;
    let mut saved = false;
    for _ in 0..12 {
        // Until a first checkpoint is saved (a kill may come before it), the run
        // starts again.
        let args: Vec<String> = if !saved {
            vec!["run".into(), LOOP.into(), "--store".into(), d.into()]
        } else {
            vec!["resume".into(), d.into()]
        };
        let mut child = Command::new(env!("CARGO_BIN_EXE_avm"))
            .args(&args)
            .args([
                "--checkpoint-every",
                "3000",
                "--max-steps",
                "100000000",
                "--json",
            ])
            .current_dir(repo_root())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        std::thread::sleep(std::time::Duration::from_millis(30 + seed % 400));
        child.kill().unwrap();
        child.wait().unwrap();
        if !saved && !dir.join(avm_store::DATABASE_FILE).exists() {
            continue;
        }
        let store = avm_store::Store::open_existing(&dir).expect("the store opens after a kill");
        let restored = store
            .restore_latest()
            .expect("the newest checkpoint restores");
        let Some((info, mut machine)) = restored else {
            assert!(!saved, "a saved checkpoint is never lost");
            continue;
        };
        saved = true;
        assert_eq!(machine.hash(), info.machine_hash);
        assert!(info.steps >= last_steps, "checkpoints only move forward");
        last_steps = info.steps;
    }
    assert!(saved, "no round lasted until a first checkpoint");
    // The survivor equals a machine run straight to the same step.
    let whole = json_of(&avm(&[
        "run",
        LOOP,
        "--max-steps",
        &last_steps.to_string(),
        "--json",
    ]));
    let store = avm_store::Store::open_existing(&dir).unwrap();
    let latest = store.latest().unwrap().unwrap();
    assert_eq!(whole["machine_hash"], latest.machine_hash.to_string());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A process killed while it creates a new store (redb writes a new file's header
/// last) leaves either no store or one that opens: the data dir is never left
/// holding a file that nothing can open.
#[test]
fn killing_the_process_while_it_creates_its_store_never_bricks_the_dir() {
    let started = std::time::Instant::now();
    let mut opened = 0;
    for round in 0u64..200 {
        let dir = fresh_dir(&format!("create-{round}"));
        let mut child = Command::new(env!("CARGO_BIN_EXE_avm"))
            .args(["run", LOOP, "--store", dir.to_str().unwrap()])
            .args(["--checkpoint-every", "3000", "--max-steps", "100000000"])
            .current_dir(repo_root())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Spread over the first milliseconds of the process, where the store is made
        // (later on a loaded machine, where loading the program takes longer).
        std::thread::sleep(std::time::Duration::from_micros(round * 500));
        child.kill().unwrap();
        child.wait().unwrap();
        if dir.join(avm_store::DATABASE_FILE).exists() {
            avm_store::Store::open_existing(&dir).expect("the store opens after a kill");
            opened += 1;
        }
        std::fs::remove_dir_all(&dir).ok();
        if opened >= 20 || started.elapsed() > std::time::Duration::from_secs(30) {
            break;
        }
    }
    assert!(opened > 0, "no round got as far as making its store");
}

#[test]
fn challenge_reports_the_honest_winner_rounds_and_totals() {
    for (liar, winner) in [("asserter", "challenger"), ("challenger", "asserter")] {
        let out = json_of(&avm(&[
            "challenge",
            LOOP,
            "--steps",
            "5000",
            "--degree",
            "8",
            "--liar",
            liar,
            "--lie-at",
            "1234",
            "--json",
        ]));
        assert_eq!(out["winner"], winner, "{out}");
        assert!(out["totals"]["rounds"].as_u64().unwrap() <= 5);
        assert!(out["totals"]["bytes_exchanged"].as_u64().unwrap() > 0);
    }
    let honest = json_of(&avm(&["challenge", LOOP, "--steps", "5000", "--json"]));
    assert_eq!(honest["disputed"], false);
    let text = stdout(&avm(&[
        "challenge",
        LOOP,
        "--steps",
        "64",
        "--degree",
        "2",
        "--liar",
        "asserter",
        "--strategy",
        "wrong-final",
    ]));
    assert!(
        text.contains("round  6:") && text.contains("winner: challenger"),
        "{text}"
    );
}
