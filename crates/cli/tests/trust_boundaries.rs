//! The reproductions of the trust-boundary review, driven through the `avm` binary as
//! an attacker would: a proof file whose claims were edited, and input files with a
//! key given twice. Each must give a typed rejection, never a "valid".

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

mod common;
use common::avm;

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("avm-trust-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The JSON proof of step 5 of the echo example, as `avm prove` writes it.
fn echo_proof() -> serde_json::Value {
    let out = avm(&[
        "prove",
        "examples/echo.mexe",
        "--inbox",
        "examples/echo-inbox.json",
        "--step",
        "5",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Runs `avm verify` on `file`; returns the exit code and stdout.
fn verify(name: &str, text: &str) -> (Option<i32>, String) {
    let path = temp_dir().join(name);
    std::fs::write(&path, text).unwrap();
    let out = avm(&["verify", path.to_str().unwrap()]);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn the_unedited_proof_is_valid() {
    let (code, text) = verify("honest.json", &echo_proof().to_string());
    assert_eq!(code, Some(0), "{text}");
    assert!(text.trim_end().ends_with("valid"), "{text}");
}

#[test]
fn a_step_count_that_would_wrap_is_refused() {
    let mut proof = echo_proof();
    proof["pre"]["steps"] = serde_json::json!(u64::MAX);
    proof["post"]["steps"] = serde_json::json!(0);
    let (code, text) = verify("wrapped-steps.json", &proof.to_string());
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("INVALID") && text.contains("step count"),
        "{text}"
    );
}

#[test]
fn a_gas_counter_stuck_at_the_maximum_is_refused() {
    let mut proof = echo_proof();
    proof["pre"]["gas_used"] = serde_json::json!(u64::MAX);
    proof["post"]["gas_used"] = serde_json::json!(u64::MAX);
    let (code, text) = verify("stuck-gas.json", &proof.to_string());
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("INVALID") && text.contains("gas used"),
        "{text}"
    );
}

#[test]
fn a_proof_file_with_a_key_twice_is_refused() {
    // serde_json keeps the last of two equal keys; a reader that keeps the first
    // would see another claim. The file is ambiguous, so it is no proof at all.
    let text = echo_proof().to_string();
    let doubled = text.replacen("\"pre\":", "\"pre\":{},\"pre\":", 1);
    let (code, out) = verify("doubled.json", &doubled);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("duplicate key \"pre\""), "{out}");
}

#[test]
fn an_inbox_file_with_a_key_twice_is_refused() {
    let path = temp_dir().join("doubled-inbox.json");
    std::fs::write(
        &path,
        r#"[{"Tuple": [{"Int": "0"}], "Tuple": [{"Int": "1"}]}]"#,
    )
    .unwrap();
    let out = avm(&[
        "run",
        "examples/echo.mexe",
        "--inbox",
        path.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("duplicate key \"Tuple\""), "{err}");
}

#[test]
fn an_executable_with_two_code_arrays_is_refused() {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/echo.mexe"),
    )
    .unwrap();
    let doubled = text.replacen("\"code\": [", "\"code\": [], \"code\": [", 1);
    let path = temp_dir().join("doubled.mexe");
    std::fs::write(&path, doubled).unwrap();
    let out = avm(&["run", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("duplicate key \"code\""), "{err}");
}

#[test]
fn a_proof_file_with_a_field_it_does_not_define_is_refused() {
    // A misspelt or extra field would otherwise be skipped, and the file read as
    // something its author did not write.
    for (path, key) in [
        (vec!["pre"], "step"),
        (vec!["post"], "send_count"),
        (vec![], "comment"),
        (vec!["proof"], "gas"),
        (vec!["inbox"], "last"),
    ] {
        let mut proof = echo_proof();
        let mut at = &mut proof;
        for p in &path {
            at = &mut at[*p];
        }
        at[key] = serde_json::json!(1);
        let (code, out) = verify("extra-field.json", &proof.to_string());
        assert_eq!(code, Some(1), "{path:?}.{key}: {out}");
        assert!(
            out.contains(&format!("no field \"{key}\"")),
            "{path:?}.{key}: {out}"
        );
    }
}

/// `avm run --json` on `program` with `extra` options, parsed.
fn run_json(program: &str, extra: &[&str]) -> serde_json::Value {
    let out = avm(&[&["run", program, "--json"][..], extra].concat());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn a_breakpoint_costs_its_gas_and_the_run_goes_on() {
    // opcodetesttuple halts when every tuple opcode behaves as the spec says, and has
    // a `breakpoint` half way: the deployed AVM runs through it.
    let program = "../shared/fixtures/classic/machine-cases/opcodetesttuple.mexe";
    let through = run_json(program, &[]);
    assert_eq!(through["status"], "halted", "{through}");
    let stopped = run_json(program, &["--stop-at-breakpoint"]);
    assert_eq!(stopped["status"], "breakpoint", "{stopped}");
    let old_flag = run_json(program, &["--ignore-breakpoints"]);
    assert_eq!(old_flag["status"], "halted");
    // The stopped run ends just after the breakpoint, charged as the C++ AVM charged
    // it in upstream's proof of that step (opcode 0x60).
    let proofs: serde_json::Value = serde_json::from_slice(
        &std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../../shared/fixtures/classic/proofs/opcodetesttuple.mexe-proofs.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let (index, step) = proofs
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .find(|(_, s)| s["Proof"].as_str().unwrap().starts_with("0x60"))
        .expect("upstream proves the breakpoint step");
    assert_eq!(stopped["steps"], index as u64 + 1);
    assert_eq!(
        stopped["gas_used"],
        step["Assertion"]["afterState"]["gasUsed"]
    );
    assert!(stopped["steps"].as_u64() < through["steps"].as_u64());
}
