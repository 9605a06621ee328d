//! Classic `inbox` steps with the L1 inbox suffix: upstream's recorded inbox-step proof
//! decodes and our encoder writes its suffix byte for byte from the recorded message;
//! a program fed messages through the inbox model has every step proven and accepted
//! by the native verifier against the inbox contracts' accumulators; tampered suffixes
//! and accumulators are refused.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};

use avm_code::{load_mexe, LoadOptions};
use avm_machine::Machine;
use avm_prover::classic::{
    prove_step_l1, BatchSection, ClassicInbox, ClassicProveError, ClassicStep,
};
use avm_prover::ProveError;
use avm_value::{Hash, Int};
use avm_verifier::classic::{
    machine_proof_len, verify_step, verify_step_with_inbox, ExecutionState, InboxSuffix,
    L1InboxAccumulators, L1Message, MessagePlace,
};
use serde_json::Value as Json;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/classic")
}

fn bytes(json: &Json) -> Vec<u8> {
    hex::decode(json.as_str().unwrap().trim_start_matches("0x")).unwrap()
}

fn hash(json: &Json) -> Hash {
    let bytes: Vec<u8> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|b| u8::try_from(b.as_u64().unwrap()).unwrap())
        .collect();
    Hash(bytes.try_into().unwrap())
}

fn state(json: &Json) -> ExecutionState {
    let n = |k: &str| json[k].as_u64().unwrap();
    ExecutionState {
        machine_hash: hash(&json["machineHash"]),
        inbox_acc: hash(&json["inboxAcc"]),
        inbox_count: n("inboxCount"),
        gas_used: n("gasUsed"),
        send_count: n("sendCount"),
        log_count: n("logCount"),
        send_acc: hash(&json["sendAcc"]),
        log_acc: hash(&json["logAcc"]),
    }
}

struct Recorded {
    messages: Vec<L1Message>,
    /// (block, timestamp) of each message.
    chain_times: Vec<(u64, u64)>,
    before: ExecutionState,
    assertion_after: ExecutionState,
    proof: Vec<u8>,
}

fn recorded() -> Recorded {
    let text = std::fs::read(fixtures().join("challenges/TestChallengeToOSPWithMessage.json"))
        .expect("challenge file");
    let json: Json = serde_json::from_slice(&text).unwrap();
    let mut chain_times = Vec::new();
    let messages = json["Messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let block = m["ChainTime"]["BlockNum"].as_u64().unwrap();
            let timestamp = m["ChainTime"]["Timestamp"].as_u64().unwrap();
            chain_times.push((block, timestamp));
            L1Message {
                kind: u8::try_from(m["Kind"].as_u64().unwrap()).unwrap(),
                sender: bytes(&m["Sender"]).try_into().unwrap(),
                block_number: Int::from(block),
                timestamp: Int::from(timestamp),
                inbox_seq_num: Int::from(m["InboxSeqNum"].as_u64().unwrap()),
                gas_price: Int::from(m["GasPrice"].as_u64().unwrap()),
                data: bytes(&m["Data"]),
            }
        })
        .collect();
    let step = json["Moves"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["Kind"] == "OneStepProof")
        .expect("a one-step proof move");
    Recorded {
        messages,
        chain_times,
        before: state(&step["PreviousCut"]),
        assertion_after: state(&json["ChallengedAssertion"]["afterState"]),
        proof: bytes(&step["ProofData"]),
    }
}

/// The recorded run's inbox: its delayed messages, sequenced in one batch at the last
/// one's block (as upstream's test posts them).
fn recorded_inbox(r: &Recorded) -> ClassicInbox {
    let mut inbox = ClassicInbox::new();
    for m in &r.messages {
        inbox.deliver(m.clone());
    }
    let (block_number, timestamp) = *r.chain_times.last().unwrap();
    inbox
        .add_batch(
            [0x5e; 20],
            &[BatchSection {
                block_number,
                timestamp,
                items: vec![],
                total_delayed_messages_read: r.messages.len() as u64,
            }],
        )
        .unwrap();
    inbox
}

#[test]
fn the_recorded_inbox_step_decodes_and_our_suffix_is_byte_identical() {
    let r = recorded();
    assert_eq!((r.proof[0], r.proof.len()), (0x72, 991));
    let machine_len = machine_proof_len(&r.proof).unwrap();
    let (suffix, read) = InboxSuffix::parse(&r.proof[machine_len..]).unwrap();
    assert_eq!(
        machine_len + read,
        r.proof.len(),
        "the suffix ends the proof"
    );

    // What it shows: the recorded delayed message, in a one-message range of batch 0
    // with the end-of-block message after it.
    assert_eq!(suffix.message, r.messages[0]);
    assert_eq!(suffix.batch, Int::ZERO);
    assert_eq!(suffix.prev_acc, Hash::ZERO);
    assert_eq!(
        suffix.place,
        MessagePlace::Delayed {
            first_seq_num: Int::ZERO,
            start: Int::ZERO,
            end: Int::ONE,
        }
    );
    assert_eq!(suffix.later.len(), 1);

    let inbox = recorded_inbox(&r);
    assert_eq!(inbox.suffix(0).unwrap(), suffix);
    assert_eq!(
        inbox.suffix(0).unwrap().to_bytes(),
        &r.proof[machine_len..],
        "our suffix, byte for byte"
    );
    // The batch ends at the assertion's inbox accumulator (2 messages: the delayed one
    // and the end of block).
    assert_eq!(inbox.len(), 2);
    assert_eq!(inbox.inbox_acc(2), r.assertion_after.inbox_acc);

    // The native verifier accepts the step against the same accumulators.
    let accs = inbox.accumulators();
    let after = verify_step_with_inbox(&r.before, &r.proof, &[], &accs).unwrap();
    assert_eq!(after.inbox_count, 1);
    assert_eq!(after.inbox_acc, inbox.inbox_acc(1));
    assert_eq!(after.gas_used, r.before.gas_used + 40);
    // Without them, or with another Bridge, it is refused.
    assert!(verify_step(&r.before, &r.proof, &[]).is_err());
    let mut other = accs.clone();
    other.delayed[0].0[0] ^= 1;
    assert!(verify_step_with_inbox(&r.before, &r.proof, &[], &other).is_err());
}

fn echo() -> Machine {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/echo.mexe");
    Machine::new(load_mexe(&path, &LoadOptions::default()).unwrap())
}

/// Delayed messages of several kinds, then batches mixing sequencer items and delayed
/// ranges: 3 delayed messages, 2 end-of-block messages after them, 3 sequencer items
/// (one of them empty: an end-of-block message of the sequencer).
fn mixed_inbox() -> ClassicInbox {
    let mut inbox = ClassicInbox::new();
    for n in 1..=3u8 {
        inbox.deliver(L1Message {
            kind: [3, 9, 12][usize::from(n) - 1],
            sender: [n; 20],
            block_number: Int::from(10 + u64::from(n)),
            timestamp: Int::from(1_000 + u64::from(n)),
            gas_price: Int::from(1_000_000_000u64 * u64::from(n)),
            data: vec![n; usize::from(n) * 23],
            ..L1Message::default()
        });
    }
    let seq = [0x5e; 20];
    inbox
        .add_batch(
            seq,
            &[
                BatchSection {
                    block_number: 20,
                    timestamp: 2_000,
                    items: vec![],
                    total_delayed_messages_read: 2,
                },
                BatchSection {
                    block_number: 20,
                    timestamp: 2_000,
                    items: vec![b"tx one".to_vec(), vec![0xab; 70]],
                    total_delayed_messages_read: 2,
                },
            ],
        )
        .unwrap();
    inbox
        .add_batch(
            seq,
            &[BatchSection {
                block_number: 21,
                timestamp: 2_013,
                items: vec![vec![]],
                total_delayed_messages_read: 3,
            }],
        )
        .unwrap();
    inbox
}

/// Proves every step of `machine` fed `inbox` until it blocks.
fn prove_run(machine: &mut Machine, inbox: &ClassicInbox) -> Vec<ClassicStep> {
    let mut steps = Vec::new();
    loop {
        match prove_step_l1(machine, inbox) {
            Ok(step) => steps.push(step),
            Err(ClassicProveError::Step(ProveError::Blocked(_))) => break,
            Err(e) => panic!("step {}: {e}", steps.len()),
        }
        assert!(steps.len() < 10_000, "runaway");
    }
    steps
}

#[test]
fn every_step_of_a_program_fed_the_l1_inbox_verifies_natively() {
    let inbox = mixed_inbox();
    assert_eq!(inbox.len(), 8);
    let accs = inbox.accumulators();
    let mut machine = echo();
    let steps = prove_run(&mut machine, &inbox);
    let inbox_steps: Vec<&ClassicStep> = steps.iter().filter(|s| s.proof[0] == 0x72).collect();
    assert_eq!(inbox_steps.len(), 8, "one inbox step per message");
    for (i, step) in steps.iter().enumerate() {
        step.verify_with_inbox(&accs)
            .unwrap_or_else(|e| panic!("step {i} (opcode {:#04x}): {e}", step.proof[0]));
    }
    for (k, step) in inbox_steps.iter().enumerate() {
        assert_eq!(step.before.inbox_count, k as u64);
        assert_eq!(step.after.inbox_acc, inbox.inbox_acc(k as u64 + 1));
    }
    // Echo logs every message: the log accumulator holds their value hashes.
    let last = steps.last().unwrap();
    assert_eq!(last.after.log_count, 8);
    let logged = inbox.values().iter().fold(Hash::ZERO, |acc, v| {
        avm_value::keccak_pair(&acc, &avm_value::value_hash(v, machine.code()))
    });
    assert_eq!(last.after.log_acc, logged);
    assert_eq!(last.after.inbox_acc, accs.batches[1]);
}

/// Whether the native verifier refuses the step, or takes it elsewhere.
fn rejects(step: &ClassicStep, accs: &L1InboxAccumulators) -> bool {
    match verify_step_with_inbox(&step.before, &step.proof, &step.buffer_proof, accs) {
        Err(_) => true,
        Ok(after) => after != step.after,
    }
}

#[test]
fn every_suffix_byte_and_every_accumulator_matters() {
    let inbox = mixed_inbox();
    let accs = inbox.accumulators();
    let mut machine = echo();
    let steps = prove_run(&mut machine, &inbox);
    for step in steps.iter().filter(|s| s.proof[0] == 0x72) {
        let machine_len = machine_proof_len(&step.proof).unwrap();
        for at in machine_len..step.proof.len() {
            let mut tampered = step.clone();
            tampered.proof[at] ^= 0x01;
            assert!(
                rejects(&tampered, &accs),
                "message {}: flipping suffix byte {} accepted",
                step.before.inbox_count,
                at - machine_len
            );
        }
        // Cut short anywhere in the suffix.
        for len in machine_len..step.proof.len() {
            let mut cut = step.clone();
            cut.proof.truncate(len);
            assert!(rejects(&cut, &accs), "cut at {len} accepted");
        }
        // Bytes after the final 2 are not read.
        let mut longer = step.clone();
        longer.proof.extend([7u8; 9]);
        assert!(longer.verify_with_inbox(&accs).is_ok());
        // Another message count.
        let mut moved = step.clone();
        moved.before.inbox_count += 1;
        assert!(verify_step_with_inbox(&moved.before, &moved.proof, &[], &accs).is_err());
    }
    // Every accumulator the contracts hold is read by some inbox step.
    let inbox_steps: Vec<&ClassicStep> = steps.iter().filter(|s| s.proof[0] == 0x72).collect();
    let lists = |a: &L1InboxAccumulators| (a.batches.len(), a.delayed.len());
    let (batches, delayed) = lists(&accs);
    for which in 0..batches + delayed {
        let mut changed = accs.clone();
        if which < batches {
            changed.batches[which].0[31] ^= 0x80;
        } else {
            changed.delayed[which - batches].0[31] ^= 0x80;
        }
        let refused = inbox_steps
            .iter()
            .filter(|s| {
                verify_step_with_inbox(&s.before, &s.proof, &s.buffer_proof, &changed).is_err()
            })
            .count();
        assert!(refused > 0, "accumulator {which} is never read");
    }
}
