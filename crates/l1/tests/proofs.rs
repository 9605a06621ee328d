//! The deployed Classic contracts accept every step of upstream's proof fixtures, and
//! refuse tampered ones.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use avm_l1::{
    gas_table_markdown, Contracts, Executor, Hardfork, L1Config, L1World, Rejection, Verdict,
};
use avm_value::Hash;
use avm_verifier::classic::ClassicStep;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/classic")
}

fn world() -> L1World {
    let contracts = Contracts::load(fixtures().join("contracts")).expect("contracts");
    L1World::new(&contracts, L1Config::default()).expect("world")
}

fn proof_files() -> Vec<(String, Vec<ClassicStep>)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixtures().join("proofs"))
        .expect("proofs dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.to_string_lossy().ends_with(".mexe-proofs.json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("read");
            let records = ClassicStep::parse_file(&text)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            (
                path.file_name().unwrap().to_string_lossy().into_owned(),
                records,
            )
        })
        .collect()
}

#[test]
fn every_fixture_step_is_accepted_and_the_gas_table_is_printed() {
    let mut world = world();
    let files = proof_files();
    assert_eq!(files.len(), 21, "fixture files");
    let mut steps = 0;
    let mut samples = Vec::new();
    for (name, records) in &files {
        for (i, record) in records.iter().enumerate() {
            match world.check_step(record).expect("EVM ran") {
                Verdict::Accepted(result) => {
                    samples.push((record.proof.first().copied().unwrap(), result.evm_gas));
                }
                Verdict::Rejected(why, _) => panic!(
                    "{name} step {i} (opcode {:#04x}) rejected: {why}",
                    record.proof.first().copied().unwrap_or(0)
                ),
            }
            steps += 1;
        }
    }
    assert_eq!(steps, 694, "fixture steps");
    println!("{}", gas_table_markdown(samples));
}

fn first_step_with(opcode: Option<u8>) -> ClassicStep {
    proof_files()
        .into_iter()
        .flat_map(|(_, records)| records)
        .find(|r| opcode.is_none_or(|op| r.proof.first().copied() == Some(op)))
        .expect("a step")
}

#[test]
fn a_flipped_proof_byte_is_rejected() {
    let mut world = world();
    // A step of each executor: a plain one, a hash one, a buffer one.
    for opcode in [0x01u8, 0x20, 0xa1, 0x35] {
        let record = first_step_with(Some(opcode));
        assert!(world.check_step(&record).unwrap().is_accepted());
        // Past the opcode and the stack counts: a byte of the machine itself.
        for at in [3, record.proof.len() / 2, record.proof.len() - 1] {
            let mut tampered = record.clone();
            tampered.proof[at] ^= 0x01;
            let verdict = world.check_step(&tampered).unwrap();
            assert!(
                !verdict.is_accepted(),
                "opcode {opcode:#04x}: flipping proof byte {at} was accepted"
            );
        }
    }
}

#[test]
fn a_flipped_buffer_proof_byte_is_rejected() {
    let mut world = world();
    let record = proof_files()
        .into_iter()
        .flat_map(|(_, records)| records)
        .find(|r| {
            matches!(r.proof.first().copied(), Some(0xa1..=0xa6)) && !r.buffer_proof.is_empty()
        })
        .expect("a buffer step with a buffer proof");
    assert!(world.check_step(&record).unwrap().is_accepted());
    // Its header and its first proof word. (Not every byte matters to the contract: for
    // this step only those two parts are read.)
    for at in [0, 2, 40] {
        let mut tampered = record.clone();
        tampered.buffer_proof[at] ^= 0x80;
        assert!(
            !world.check_step(&tampered).unwrap().is_accepted(),
            "flipping buffer proof byte {at} was accepted"
        );
    }
}

#[test]
fn wrong_claims_are_rejected_with_the_reason() {
    let mut world = world();
    let record = first_step_with(None);

    let mut wrong_after = record.clone();
    wrong_after.after.machine_hash.0[0] ^= 1;
    match world.check_step(&wrong_after).unwrap() {
        Verdict::Rejected(Rejection::Field { index: 1, .. }, Some(_)) => {}
        other => panic!("wrong after hash: {other:?}"),
    }

    let mut wrong_before = record.clone();
    wrong_before.before.machine_hash = Hash([7; 32]);
    match world.check_step(&wrong_before).unwrap() {
        Verdict::Rejected(Rejection::Field { index: 0, .. }, Some(_)) => {}
        other => panic!("wrong before hash: {other:?}"),
    }

    let mut wrong_gas = record.clone();
    wrong_gas.after.gas_used += 1;
    match world.check_step(&wrong_gas).unwrap() {
        Verdict::Rejected(Rejection::Gas { .. }, Some(_)) => {}
        other => panic!("wrong gas: {other:?}"),
    }

    let mut wrong_count = record.clone();
    wrong_count.after.inbox_count += 1;
    match world.check_step(&wrong_count).unwrap() {
        Verdict::Rejected(Rejection::MessagesRead { .. }, Some(_)) => {}
        other => panic!("wrong inbox count: {other:?}"),
    }

    let mut wrong_send_acc = record.clone();
    wrong_send_acc.after.send_acc = Hash([1; 32]);
    match world.check_step(&wrong_send_acc).unwrap() {
        Verdict::Rejected(Rejection::Field { index: 2, .. }, Some(_)) => {}
        other => panic!("wrong send acc: {other:?}"),
    }

    let mut empty = record.clone();
    empty.proof.clear();
    assert_eq!(
        world.check_step(&empty).unwrap(),
        Verdict::Rejected(Rejection::EmptyProof, None)
    );
}

#[test]
fn a_step_sent_to_the_wrong_executor_reverts() {
    let mut world = world();
    let record = first_step_with(Some(0x20));
    let result = world
        .execute_step(
            0x01, // routes to OneStepProof, which does not handle `hash`
            avm_value::Int::from(record.before.inbox_count),
            record.before.send_acc,
            record.before.log_acc,
            &record.proof,
            &record.buffer_proof,
        )
        .unwrap();
    assert_eq!(result.executor, Executor::OneStepProof);
    assert!(
        matches!(result.outcome, avm_l1::StepOutcome::Reverted(_)),
        "{result:?}"
    );
}

#[test]
fn every_fixture_step_is_accepted_under_later_hardforks_too() {
    let contracts = Contracts::load(fixtures().join("contracts")).expect("contracts");
    let files = proof_files();
    for hardfork in [Hardfork::Prague, Hardfork::Osaka] {
        let config = L1Config {
            hardfork,
            ..L1Config::default()
        };
        let mut world = L1World::new(&contracts, config).expect("world");
        let mut accepted = 0;
        for (name, records) in &files {
            for (i, record) in records.iter().enumerate() {
                let verdict = world.check_step(record).expect("EVM ran");
                assert!(
                    verdict.is_accepted(),
                    "{hardfork:?}: {name} step {i}: {verdict:?}"
                );
                accepted += 1;
            }
        }
        assert_eq!(accepted, 694);
    }
}
