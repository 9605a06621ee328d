//! `inbox` steps proven with the Classic inbox suffix and accepted by the deployed
//! contracts: messages delivered through the Bridge and posted in SequencerInbox
//! batches in revm, the same messages modelled natively (the accumulators must agree),
//! a program fed the matching AVM values, every step proven and accepted by
//! `OneStepProof.executeStep` with the bridges' addresses and by our native verifier;
//! tampered messages, suffixes and accumulators refused by both.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod l1_inbox;

use l1_inbox::{delayed, fixtures, inboxes, Inboxes};

use std::path::Path;

use avm_code::{load_mexe, LoadOptions};
use avm_l1::{DelayedMessage, L1World, Section, StepOutcome, Verdict};
use avm_machine::Machine;
use avm_prover::classic::{
    self as prover, prove_step_l1, ClassicInbox, ClassicProveError, ClassicStep,
};
use avm_prover::ProveError;
use avm_value::Int;
use avm_verifier::classic::{
    machine_proof_len, verify_step_with_inbox, InboxSuffix, L1InboxAccumulators,
};

fn echo() -> Machine {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/echo.mexe");
    Machine::new(load_mexe(&path, &LoadOptions::default()).unwrap())
}

fn prove_run(inbox: &ClassicInbox) -> Vec<ClassicStep> {
    let mut machine = echo();
    let mut steps = Vec::new();
    loop {
        match prove_step_l1(&mut machine, inbox) {
            Ok(step) => steps.push(step),
            Err(ClassicProveError::Step(ProveError::Blocked(_))) => break,
            Err(e) => panic!("step {}: {e}", steps.len()),
        }
        assert!(steps.len() < 10_000, "runaway");
    }
    steps
}

fn native_accepts(step: &ClassicStep, accs: &L1InboxAccumulators) -> bool {
    verify_step_with_inbox(&step.before, &step.proof, &step.buffer_proof, accs)
        .is_ok_and(|after| after == step.after)
}

#[test]
fn every_step_of_a_program_reading_the_l1_inbox_is_accepted_by_the_contracts() {
    let mut inboxes = inboxes();
    let accs = inboxes.model.accumulators();
    let steps = prove_run(&inboxes.model);
    let mut inbox_steps = 0;
    let mut delayed_read = 0;
    for (i, step) in steps.iter().enumerate() {
        let opcode = step.proof[0];
        match inboxes.world.check_step(step).unwrap() {
            Verdict::Accepted(result) => {
                if opcode == 0x72 {
                    let StepOutcome::Returned(out) = result.outcome else {
                        unreachable!()
                    };
                    assert_eq!(out.after_messages_read, Int::from(step.after.inbox_count));
                    assert_eq!(out.gas, 40);
                    println!(
                        "inbox step {}: {} EVM gas, {} proof bytes",
                        step.before.inbox_count,
                        result.evm_gas,
                        step.proof.len()
                    );
                }
            }
            Verdict::Rejected(why, _) => panic!("step {i} (opcode {opcode:#04x}) refused: {why}"),
        }
        assert!(native_accepts(step, &accs), "step {i}: native verifier");
        if opcode == 0x72 {
            inbox_steps += 1;
            assert_eq!(step.after.inbox_count, step.before.inbox_count + 1);
            let (_, delayed) = inboxes.model.message(step.before.inbox_count).unwrap();
            delayed_read += usize::from(delayed);
        }
    }
    assert_eq!(inbox_steps, 8, "every message read");
    assert_eq!(delayed_read, 3);
    assert_eq!(
        steps.last().unwrap().after.inbox_acc,
        inboxes.world.sequencer_acc(1).unwrap()
    );
}

/// Both verdicts on a step: (the contracts accept, our verifier accepts). Our verifier
/// accepts when it reaches the step's after-state in everything the contract checks
/// (machine hashes, output accumulators, gas, messages read); the ExecutionState's
/// `inboxAcc`, which `executeStep` does not compute, is left out.
fn verdicts(world: &mut L1World, step: &ClassicStep, accs: &L1InboxAccumulators) -> (bool, bool) {
    let native = verify_step_with_inbox(&step.before, &step.proof, &step.buffer_proof, accs)
        .is_ok_and(|after| {
            prover::ExecutionState {
                inbox_acc: step.after.inbox_acc,
                ..after
            } == step.after
        });
    (world.check_step(step).unwrap().is_accepted(), native)
}

#[test]
fn tampered_inbox_steps_are_refused_by_both() {
    let mut inboxes = inboxes();
    let accs = inboxes.model.accumulators();
    let steps = prove_run(&inboxes.model);
    let inbox_steps: Vec<&ClassicStep> = steps.iter().filter(|s| s.proof[0] == 0x72).collect();
    let mut checked = 0;
    for step in &inbox_steps {
        let world = &mut inboxes.world;
        assert_eq!(verdicts(world, step, &accs), (true, true));
        let machine_len = machine_proof_len(&step.proof).unwrap();
        let (suffix, suffix_len) = InboxSuffix::parse(&step.proof[machine_len..]).unwrap();
        assert_eq!(machine_len + suffix_len, step.proof.len());
        // Every byte of the suffix, flipped: both refuse.
        for at in machine_len..step.proof.len() {
            let mut tampered = (*step).clone();
            tampered.proof[at] ^= 0x10;
            assert_eq!(
                verdicts(world, &tampered, &accs),
                (false, false),
                "message {}: suffix byte {}",
                step.before.inbox_count,
                at - machine_len
            );
            checked += 1;
        }
        // Bytes past the final 2 are read by neither.
        let mut longer = (*step).clone();
        longer.proof.extend([0x55; 3]);
        assert_eq!(verdicts(world, &longer, &accs), (true, true));
        // The wrong messages-read count: both refuse.
        let mut moved = (*step).clone();
        moved.before.inbox_count += 1;
        moved.after.inbox_count += 1;
        assert_eq!(verdicts(world, &moved, &accs), (false, false));
        // A message with a changed data byte, re-encoded whole (length kept): refused.
        if !suffix.message.data.is_empty() {
            let mut changed = suffix.clone();
            changed.message.data[0] ^= 1;
            let mut tampered = (*step).clone();
            tampered.proof.truncate(machine_len);
            changed.write(&mut tampered.proof);
            assert_eq!(verdicts(world, &tampered, &accs), (false, false));
        }
    }
    println!("{checked} tampered suffix bytes refused by both");

    // The honest proofs against a chain that received another message: refused by
    // both (the contract reads that chain's accumulators, ours read its model).
    let mut other = Inboxes::new();
    let mut changed = delayed(1);
    changed.data[3] ^= 0x40;
    other.deliver(&changed);
    for n in 2..=3 {
        other.deliver(&delayed(n));
    }
    other.world.set_block(20, 2_000).unwrap();
    other.batch(vec![
        Section {
            items: vec![],
            total_delayed_messages_read: 2,
        },
        Section {
            items: vec![b"tx one".to_vec(), vec![0xab; 70]],
            total_delayed_messages_read: 2,
        },
    ]);
    other.world.set_block(21, 2_013).unwrap();
    other.batch(vec![Section {
        items: vec![vec![]],
        total_delayed_messages_read: 3,
    }]);
    let other_accs = other.model.accumulators();
    for step in &inbox_steps {
        let read = step.before.inbox_count;
        let (contract, native) = verdicts(&mut other.world, step, &other_accs);
        assert_eq!(contract, native, "message {read}");
        // Message 1 is the same message in the same place of a delayed range that
        // starts the chain: its proof reads only that chain's accumulators and holds.
        // Every other proof shows the changed message or an accumulator after it.
        assert_eq!(contract, read == 1, "message {read}");
    }
    // Where both accept, the after-state differs only in the L1 inbox accumulator.
    let step = inbox_steps[1];
    let after = verify_step_with_inbox(&step.before, &step.proof, &[], &other_accs).unwrap();
    assert_ne!(after.inbox_acc, step.after.inbox_acc);
    assert_eq!(after.inbox_acc, other.model.inbox_acc(2));
}

#[test]
fn the_recorded_inbox_step_and_ours_agree_with_the_contract() {
    // Upstream's recorded inbox step (an ArbOS machine): its message delivered, the
    // contract and our verifier agree on the after machine hash.
    let text = std::fs::read(fixtures().join("challenges/TestChallengeToOSPWithMessage.json"))
        .expect("challenge file");
    let json: serde_json::Value = serde_json::from_slice(&text).unwrap();
    let m = &json["Messages"][0];
    let hex_bytes =
        |j: &serde_json::Value| hex::decode(j.as_str().unwrap().trim_start_matches("0x")).unwrap();
    let message = DelayedMessage {
        kind: m["Kind"].as_u64().unwrap() as u8,
        sender: hex_bytes(&m["Sender"]).try_into().unwrap(),
        block_number: m["ChainTime"]["BlockNum"].as_u64().unwrap(),
        timestamp: m["ChainTime"]["Timestamp"].as_u64().unwrap(),
        gas_price: u128::from(m["GasPrice"].as_u64().unwrap()),
        data: hex_bytes(&m["Data"]),
    };
    let mut inboxes = Inboxes::new();
    inboxes.deliver(&message);
    inboxes.batch(vec![Section {
        items: vec![],
        total_delayed_messages_read: 1,
    }]);
    let step = json["Moves"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["Kind"] == "OneStepProof")
        .unwrap();
    let proof = hex_bytes(&step["ProofData"]);
    let cut = &step["PreviousCut"];
    let word = |k: &str| -> avm_value::Hash {
        let v: Vec<u8> = cut[k]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b.as_u64().unwrap() as u8)
            .collect();
        avm_value::Hash(v.try_into().unwrap())
    };
    let before = prover::ExecutionState {
        machine_hash: word("machineHash"),
        inbox_acc: word("inboxAcc"),
        inbox_count: cut["inboxCount"].as_u64().unwrap(),
        gas_used: cut["gasUsed"].as_u64().unwrap(),
        send_count: cut["sendCount"].as_u64().unwrap(),
        log_count: cut["logCount"].as_u64().unwrap(),
        send_acc: word("sendAcc"),
        log_acc: word("logAcc"),
    };
    // Our suffix is the recorded one.
    let machine_len = machine_proof_len(&proof).unwrap();
    assert_eq!(
        inboxes.model.suffix(0).unwrap().to_bytes(),
        &proof[machine_len..]
    );
    let after =
        verify_step_with_inbox(&before, &proof, &[], &inboxes.model.accumulators()).unwrap();
    let step = ClassicStep {
        before,
        after,
        proof,
        buffer_proof: vec![],
    };
    match inboxes.world.check_step(&step).unwrap() {
        Verdict::Accepted(_) => {}
        Verdict::Rejected(why, _) => panic!("the contract disagrees with our verifier: {why}"),
    }
}
