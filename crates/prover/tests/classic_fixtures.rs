//! The Classic encoder against the C++ AVM: for every step of upstream's 21 proof
//! files, our machine, run from the freshly loaded program, writes byte-identical
//! `Proof` and `BufferProof` bytes and identical before and after ExecutionStates; the
//! files round-trip through our JSON reader and writer byte for byte; and our native
//! verifier, decoding the Classic bytes, reaches every fixture's after-state.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use avm_code::{load_mexe, LoadOptions};
use avm_machine::Machine;
use avm_prover::classic::{prove_step, prove_steps, ClassicStep};
use avm_verifier::classic::verify_step;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/classic")
}

/// Every proof file with its program name and steps, sorted by name.
fn proof_files() -> Vec<(String, String, Vec<ClassicStep>)> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(fixtures().join("proofs")).unwrap() {
        let path = entry.unwrap().path();
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let Some(program) = file.strip_suffix("-proofs.json") else {
            continue;
        };
        let text = std::fs::read_to_string(&path).unwrap();
        let steps = ClassicStep::parse_file(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
        files.push((program.to_string(), text, steps));
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    files
}

fn load(program: &str) -> Machine {
    let path = fixtures().join("machine-cases").join(program);
    Machine::new(load_mexe(&path, &LoadOptions::default()).unwrap())
}

#[test]
fn files_round_trip_byte_for_byte() {
    let files = proof_files();
    assert_eq!(files.len(), 21, "proof files");
    for (program, text, steps) in &files {
        assert_eq!(
            ClassicStep::file_text(steps),
            text.trim_end(),
            "{program}: written back differently"
        );
    }
}

#[test]
fn every_fixture_step_is_byte_identical() {
    let files = proof_files();
    assert_eq!(files.len(), 21, "proof files");
    let total: usize = files.iter().map(|f| f.2.len()).sum();
    assert_eq!(total, 694, "fixture steps");
    let mut failures = Vec::new();
    let mut identical = 0;
    for (program, _, steps) in &files {
        let mut machine = load(program);
        for (k, expected) in steps.iter().enumerate() {
            let ours = match prove_step(&mut machine, &[]) {
                Ok(step) => step,
                Err(e) => {
                    failures.push(format!("{program} step {k}: {e}"));
                    break;
                }
            };
            let mut wrong = Vec::new();
            if ours.before != expected.before {
                wrong.push(format!(
                    "before state\n  ours {:?}\n  C++  {:?}",
                    ours.before, expected.before
                ));
            }
            if ours.after != expected.after {
                wrong.push(format!(
                    "after state\n  ours {:?}\n  C++  {:?}",
                    ours.after, expected.after
                ));
            }
            if ours.proof != expected.proof {
                wrong.push(format!(
                    "proof\n  ours {}\n  C++  {}",
                    hex::encode(&ours.proof),
                    hex::encode(&expected.proof)
                ));
            }
            if ours.buffer_proof != expected.buffer_proof {
                wrong.push(format!(
                    "buffer proof\n  ours {}\n  C++  {}",
                    hex::encode(&ours.buffer_proof),
                    hex::encode(&expected.buffer_proof)
                ));
            }
            if wrong.is_empty() {
                identical += 1;
            } else {
                let opcode = expected.proof.first().copied().unwrap_or(0);
                failures.push(format!(
                    "{program} step {k} (opcode {opcode:#04x}): {}",
                    wrong.join("\n")
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{identical} of {total} steps identical; {} differ:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    assert_eq!(identical, 694);
}

#[test]
fn every_fixture_step_verifies_natively_to_its_after_state() {
    let mut checked = 0;
    for (program, _, steps) in proof_files() {
        for (k, step) in steps.iter().enumerate() {
            let after = verify_step(&step.before, &step.proof, &step.buffer_proof)
                .unwrap_or_else(|e| panic!("{program} step {k}: {e}"));
            assert_eq!(after, step.after, "{program} step {k}");
            step.verify().unwrap();
            checked += 1;
        }
    }
    assert_eq!(checked, 694);
}

/// Proves up to `max_steps` steps in the Classic format and checks each with the
/// native Classic verifier; stops at the first step that reads the inbox (whose
/// Classic proof needs the inbox suffix). Returns the steps checked.
fn prove_and_verify(mut machine: Machine, max_steps: u64, name: &str) -> u64 {
    let mut checked = 0;
    for _ in 0..max_steps {
        if machine.status() != avm_machine::Status::Running {
            break;
        }
        let opcode = machine.code().instruction(machine.pc()).map(|i| i.opcode);
        if opcode == Some(0x72) {
            break;
        }
        let step = match prove_step(&mut machine, &[]) {
            Ok(step) => step,
            Err(e) => panic!("{name} step {checked}: {e}"),
        };
        let after =
            verify_step(&step.before, &step.proof, &step.buffer_proof).unwrap_or_else(|e| {
                panic!(
                    "{name} step {checked} (opcode {:#04x}): {e}\nproof {}\nbproof {}",
                    step.proof[0],
                    hex::encode(&step.proof),
                    hex::encode(&step.buffer_proof)
                )
            });
        assert_eq!(after, step.after, "{name} step {checked}");
        checked += 1;
    }
    checked
}

#[test]
fn our_classic_proofs_verify_for_every_step_of_every_machine_case() {
    let mut total = 0;
    let mut programs = 0;
    for entry in std::fs::read_dir(fixtures().join("machine-cases")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        total += prove_and_verify(load(&name), 5_000, &name);
        programs += 1;
    }
    assert!(programs >= 22, "only {programs} programs");
    assert!(total > 694, "only {total} steps");
}

#[test]
fn our_classic_proofs_verify_for_the_speedtest_programs() {
    let mut programs = 0;
    for entry in std::fs::read_dir(fixtures().join("speedtest")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let steps = if name.starts_with("ec") { 60 } else { 600 };
        let machine = Machine::new(load_mexe(&path, &LoadOptions::default()).unwrap());
        prove_and_verify(machine, steps, &name);
        programs += 1;
    }
    assert!(programs >= 50, "only {programs} programs");
}

#[test]
fn prove_steps_writes_upstreams_files_byte_for_byte() {
    for (program, text, steps) in proof_files() {
        let mut machine = load(&program);
        let ours = prove_steps(&mut machine, &[], steps.len() as u64).unwrap();
        assert_eq!(ClassicStep::file_text(&ours), text.trim_end(), "{program}");
    }
    // A run that halts ends the range early.
    let mut machine = load("opcodehalt.mexe");
    assert_eq!(prove_steps(&mut machine, &[], 1_000).unwrap().len(), 1);
}
