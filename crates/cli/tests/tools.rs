//! `avm asm`, `disasm`, `run --trace`, `debug` and `profile` as a user drives them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn avm(args: &[&str]) -> Output {
    avm_with_input(args, "")
}

fn avm_with_input(args: &[&str], input: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_avm"))
        .args(args)
        .current_dir(repo_root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("avm runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("avm-tools-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn run_json(program: &str, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["run", program, "--json"];
    args.extend_from_slice(extra);
    let out = avm(&args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn asm_writes_an_executable_that_runs() {
    let mexe = scratch("fib.mexe");
    let out = avm(&[
        "asm",
        "examples/fibonacci.avm",
        "-o",
        mexe.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("16 instructions, initial machine hash 0x"));
    let run = run_json(mexe.to_str().unwrap(), &[]);
    assert_eq!(run["status"], "halted");
    assert_eq!(run["logs"].as_array().unwrap().len(), 20);
}

#[test]
fn disasm_then_asm_gives_the_same_program() {
    let fixture = "../shared/fixtures/classic/machine-cases/opcodetestmath.mexe";
    let avm_file = scratch("math.avm");
    let out = avm(&["disasm", fixture, "-o", avm_file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mexe = scratch("math.mexe");
    let out = avm(&[
        "asm",
        avm_file.to_str().unwrap(),
        "-o",
        mexe.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let info = |path: &str| {
        let out = avm(&["info", path, "--json"]);
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        (
            json["entry_code_point_hash"].clone(),
            json["static_hash"].clone(),
        )
    };
    assert_eq!(info(fixture), info(mexe.to_str().unwrap()));
    // Both run to the same final state.
    let a = run_json(fixture, &[]);
    let b = run_json(mexe.to_str().unwrap(), &[]);
    assert_eq!(a["machine_hash"], b["machine_hash"]);
    assert_eq!(a["status"], "halted");
}

#[test]
fn asm_errors_name_file_line_and_column() {
    let source = scratch("bad.avm");
    std::fs::write(&source, "push 1\n  jump nowhere\n").unwrap();
    let out = avm(&["asm", source.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("bad.avm:2:8: unknown label `nowhere`"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn trace_streams_one_json_line_per_step_and_keeps_the_summary_apart() {
    let mexe = scratch("tuple_array.mexe");
    assert!(avm(&[
        "asm",
        "examples/tuple_array.avm",
        "-o",
        mexe.to_str().unwrap()
    ])
    .status
    .success());
    let out = avm(&["run", mexe.to_str().unwrap(), "--trace", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    let lines: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len() as u64, summary["steps"].as_u64().unwrap());
    assert_eq!(lines.last().unwrap()["opcode"], "halt");

    let file = scratch("trace.jsonl");
    let out = avm(&[
        "run",
        mexe.to_str().unwrap(),
        "--trace",
        file.to_str().unwrap(),
        "--trace-range",
        "0..2",
    ]);
    assert!(out.status.success());
    assert!(text(&out.stdout).contains("halted"));
    let traced = std::fs::read_to_string(&file).unwrap();
    assert_eq!(traced.lines().count(), 2);
    let out = avm(&["run", mexe.to_str().unwrap(), "--trace-range", "0..2"]);
    assert_eq!(out.status.code(), Some(2), "a range needs --trace");
}

#[test]
fn debug_is_driven_from_a_pipe() {
    let mexe = scratch("echo-debug.mexe");
    assert!(
        avm(&["asm", "examples/echo.avm", "-o", mexe.to_str().unwrap()])
            .status
            .success()
    );
    let out = avm_with_input(
        &[
            "debug",
            mexe.to_str().unwrap(),
            "--inbox",
            "examples/echo-inbox.json",
        ],
        "break echo.avm:9\ncontinue\nprint stack\ncontinue\ninfo\nquit\n",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(!stdout.contains("(avm)"), "no prompt on a pipe: {stdout}");
    assert!(
        stdout.contains("breakpoint 1 at #3 log  (echo.avm:9)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("  0: (0, 1, buffer(0x68656c6c6f))\n(1 items, top first)"),
        "{stdout}"
    );
    assert!(stdout.contains("inbox: 2 consumed, 1 waiting"), "{stdout}");
}

#[test]
fn profile_prints_a_table_whose_total_is_the_runs_gas_and_draws_a_flamegraph() {
    let mexe = scratch("checksum.mexe");
    assert!(
        avm(&["asm", "examples/checksum.avm", "-o", mexe.to_str().unwrap()])
            .status
            .success()
    );
    let inbox = "examples/checksum-inbox.json";
    let run = run_json(mexe.to_str().unwrap(), &["--inbox", inbox]);
    let svg = scratch("profile.svg");
    let out = avm(&[
        "profile",
        mexe.to_str().unwrap(),
        "--inbox",
        inbox,
        "-o",
        svg.to_str().unwrap(),
        "--by",
        "region",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let table = text(&out.stdout);
    let total = table
        .lines()
        .find(|l| l.trim_end().ends_with("total"))
        .unwrap();
    let total_gas: u64 = total.split_whitespace().next().unwrap().parse().unwrap();
    assert_eq!(total_gas, run["gas_used"].as_u64().unwrap());
    assert!(table.contains("  loop\n"), "{table}");
    assert!(std::fs::read_to_string(&svg).unwrap().contains("<svg"));

    let out = avm(&[
        "profile",
        mexe.to_str().unwrap(),
        "--inbox",
        inbox,
        "--json",
    ]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let sum: u64 = json["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["gas"].as_u64().unwrap())
        .sum();
    assert_eq!(sum, run["gas_used"].as_u64().unwrap());
}

#[test]
fn run_record_then_replay_matches_and_a_changed_log_is_shown() {
    let log = scratch("checksum.aoslog");
    let mexe = scratch("checksum-replay.mexe");
    assert!(
        avm(&["asm", "examples/checksum.avm", "-o", mexe.to_str().unwrap()])
            .status
            .success()
    );
    let out = avm(&[
        "run",
        mexe.to_str().unwrap(),
        "--inbox",
        "examples/checksum-inbox.json",
        "--record",
        log.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = avm(&[
        "replay",
        mexe.to_str().unwrap(),
        log.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys[..11],
        [
            "match",
            "steps",
            "gas_used",
            "expected_gas",
            "logs",
            "expected_logs",
            "sends",
            "expected_sends",
            "first_difference",
            "seconds",
            "comparing_seconds"
        ]
    );
    assert_eq!(json["match"], true);
    assert_eq!(
        (json["logs"].as_u64(), json["sends"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(json["gas_used"], json["expected_gas"]);

    let recorded = std::fs::read_to_string(&log).unwrap();
    let changed = recorded.replace("{\"Int\":\"fee8\"}", "{\"Int\":\"fee9\"}");
    assert_ne!(recorded, changed);
    let bad = scratch("changed.aoslog");
    std::fs::write(&bad, changed).unwrap();
    let out = avm(&["replay", mexe.to_str().unwrap(), bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let report = text(&out.stdout);
    assert!(report.contains(": MISMATCH"), "{report}");
    assert!(
        report.contains("first difference: log 0 differs (emitted at step"),
        "{report}"
    );
    assert!(
        report.contains("  expected: {\"Int\":\"fee9\"}\n  got:      {\"Int\":\"fee8\"}"),
        "{report}"
    );
}

#[test]
fn a_malformed_recording_is_an_input_error() {
    let bad = scratch("malformed.aoslog");
    std::fs::write(&bad, "{\"inbox\": [{\"Tuple\": [}]}").unwrap();
    let out = avm(&["replay", "examples/echo.mexe", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.starts_with("error: ") && err.contains("malformed.aoslog: line 1, column"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1);
}

#[test]
fn bench_reports_gas_capped_runs() {
    let out = avm(&[
        "bench",
        "../shared/fixtures/classic/speedtest/add_2_1.mexe",
        "../shared/fixtures/classic/speedtest/hash_0_0.mexe",
        "--max-gas",
        "100000",
        "--repeat",
        "1",
        "--json",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let rows: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 2);
    for row in rows {
        let gas = row["gas_used"].as_u64().unwrap();
        // Stopped before the instruction that would cross the cap: within one
        // instruction's cost of it (hash costs 7).
        assert!(gas <= 100_000 && gas > 100_000 - 7, "{row}");
        assert_eq!(row["status"], "limit");
        assert!(row["steps_per_second"].as_f64().unwrap() > 0.0);
    }
}

#[test]
fn bench_and_profile_take_the_inbox_of_a_recorded_arbos_run() {
    // Facts from ../shared/fixtures/arbos/SOURCE.md: ArbOS v58 replays boot.aoslog in
    // 176,762 steps (the C++ AVM's count) and then waits for more input; the recording
    // holds the total gas.
    let arbos = "../shared/fixtures/arbos/arbos-v58.mexe";
    let log = "../shared/fixtures/arbos/benchmarks/boot.aoslog";
    let recorded: serde_json::Value =
        serde_json::from_slice(&std::fs::read(repo_root().join(log)).unwrap()).unwrap();
    let total_gas = recorded["total_gas"].as_u64().unwrap();
    let bench = avm(&["bench", arbos, "--replay", log, "--repeat", "1", "--json"]);
    assert!(
        bench.status.success(),
        "{}",
        String::from_utf8_lossy(&bench.stderr)
    );
    let bench: serde_json::Value = serde_json::from_slice(&bench.stdout).unwrap();
    assert_eq!(bench["steps"], 176_762, "{bench}");
    assert_eq!(bench["gas_used"], total_gas);
    assert_eq!(bench["status"], "blocked");
    let profile = avm(&["profile", arbos, "--replay", log, "--json"]);
    assert!(
        profile.status.success(),
        "{}",
        String::from_utf8_lossy(&profile.stderr)
    );
    let profile: serde_json::Value = serde_json::from_slice(&profile.stdout).unwrap();
    assert_eq!(profile["steps"], 176_762, "{profile}");
    assert_eq!(profile["gas_used"], total_gas);
    let both = avm(&[
        "run",
        arbos,
        "--replay",
        log,
        "--inbox",
        "examples/echo-inbox.json",
    ]);
    assert_eq!(both.status.code(), Some(2), "--replay and --inbox conflict");
}
