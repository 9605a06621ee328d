//! Messages delivered through the Bridge and the SequencerInbox give the accumulators
//! upstream's recorded `inbox` step was proven against.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use avm_l1::{
    Contracts, DelayedMessage, L1Config, L1Error, L1World, Section, SequencerBatch, StepOutcome,
};
use avm_value::{Hash, Int};
use serde_json::Value as Json;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/classic")
}

fn world() -> L1World {
    let contracts = Contracts::load(fixtures().join("contracts")).expect("contracts");
    L1World::new(&contracts, L1Config::default()).expect("world")
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

fn bytes(json: &Json) -> Vec<u8> {
    hex::decode(json.as_str().unwrap().trim_start_matches("0x")).unwrap()
}

fn address(json: &Json) -> [u8; 20] {
    bytes(json).try_into().unwrap()
}

struct Recorded {
    messages: Vec<DelayedMessage>,
    after_inbox_acc: Hash,
    /// (before state, proof, buffer proof) of the `inbox` step.
    before: Json,
    proof: Vec<u8>,
    buffer_proof: Vec<u8>,
}

fn recorded() -> Recorded {
    let text = std::fs::read(fixtures().join("challenges/TestChallengeToOSPWithMessage.json"))
        .expect("challenge file");
    let json: Json = serde_json::from_slice(&text).unwrap();
    let messages = json["Messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| DelayedMessage {
            kind: u8::try_from(m["Kind"].as_u64().unwrap()).unwrap(),
            sender: address(&m["Sender"]),
            block_number: m["ChainTime"]["BlockNum"].as_u64().unwrap(),
            timestamp: m["ChainTime"]["Timestamp"].as_u64().unwrap(),
            gas_price: u128::from(m["GasPrice"].as_u64().unwrap()),
            data: bytes(&m["Data"]),
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
        after_inbox_acc: hash(&json["ChallengedAssertion"]["afterState"]["inboxAcc"]),
        before: step["PreviousCut"].clone(),
        proof: bytes(&step["ProofData"]),
        buffer_proof: bytes(&step["BufferProofData"]),
    }
}

fn run_inbox_step(world: &mut L1World, r: &Recorded) -> avm_l1::StepResult {
    world
        .execute_step(
            r.proof[0],
            Int::from(r.before["inboxCount"].as_u64().unwrap()),
            hash(&r.before["sendAcc"]),
            hash(&r.before["logAcc"]),
            &r.proof,
            &r.buffer_proof,
        )
        .unwrap()
}

#[test]
fn the_recorded_inbox_step_is_accepted_once_its_message_is_delivered() {
    let r = recorded();
    assert_eq!(r.proof[0], 0x72, "an inbox step");
    assert_eq!(r.messages.len(), 1);
    let mut world = world();

    // Before delivery the contracts have no such message.
    let early = run_inbox_step(&mut world, &r);
    assert!(
        matches!(early.outcome, StepOutcome::Reverted(_)),
        "{early:?}"
    );

    let delivered = world.deliver_message(&r.messages[0]).unwrap();
    assert_eq!(delivered.seq_num, 0);
    assert_eq!(world.block(), (4, 40));
    let posted = world
        .add_sequencer_batch(&SequencerBatch {
            sections: vec![Section {
                items: vec![],
                total_delayed_messages_read: 1,
            }],
        })
        .unwrap();
    // The delayed message and the end-of-block message.
    assert_eq!((posted.before_count, posted.after_count), (0, 2));
    assert_eq!(posted.after_acc, r.after_inbox_acc, "the chain's inbox acc");

    let result = run_inbox_step(&mut world, &r);
    match result.outcome {
        StepOutcome::Returned(out) => {
            assert_eq!(out.fields[0], hash(&r.before["machineHash"]));
            assert_eq!(out.after_messages_read, Int::from(1u64));
            assert_eq!(out.gas, 40, "inbox costs 40 AVM gas");
        }
        StepOutcome::Reverted(why) => panic!("inbox step refused: {why}"),
    }
    println!("inbox step: {} EVM gas", result.evm_gas);

    // The same message with another gas price is another message: refused.
    let mut other = world_with(&r.messages[0], |m| m.gas_price += 1);
    let refused = run_inbox_step(&mut other, &r);
    assert!(matches!(refused.outcome, StepOutcome::Reverted(_)));
}

fn world_with(message: &DelayedMessage, change: impl Fn(&mut DelayedMessage)) -> L1World {
    let mut world = world();
    let mut message = message.clone();
    change(&mut message);
    world.deliver_message(&message).unwrap();
    world
        .add_sequencer_batch(&SequencerBatch {
            sections: vec![Section {
                items: vec![],
                total_delayed_messages_read: 1,
            }],
        })
        .unwrap();
    world
}

#[test]
fn batches_with_sequencer_items_and_several_delayed_messages_agree_with_the_contract() {
    let mut world = world();
    let message = |n: u8| DelayedMessage {
        kind: 3,
        sender: [n; 20],
        block_number: 10 + u64::from(n),
        timestamp: 1_000 + u64::from(n),
        gas_price: 1_000_000_000 * u128::from(n),
        data: vec![n; usize::from(n) * 7],
    };
    let mut accs = Vec::new();
    for n in 1..=3 {
        let delivered = world.deliver_message(&message(n)).unwrap();
        assert_eq!(delivered.seq_num, u64::from(n) - 1);
        accs.push(delivered.inbox_acc);
    }
    assert_eq!(world.delayed_count().unwrap(), 3);
    assert_eq!(world.delayed_acc(2).unwrap(), accs[2]);

    // The first batch must start with delayed messages, not items.
    let refused = world.add_sequencer_batch(&SequencerBatch {
        sections: vec![Section {
            items: vec![b"early".to_vec()],
            total_delayed_messages_read: 1,
        }],
    });
    // Refused before it is sent, with the SequencerInbox's own reason.
    match refused {
        Err(L1Error::Invalid(why)) => assert!(why.contains("MUST_DELAYED_INIT_START"), "{why}"),
        other => panic!("{other:?}"),
    }

    world.set_block(20, 2_000).unwrap();
    let first = world
        .add_sequencer_batch(&SequencerBatch {
            sections: vec![
                Section {
                    items: vec![],
                    total_delayed_messages_read: 2,
                },
                Section {
                    items: vec![b"tx one".to_vec(), vec![], b"tx three".to_vec()],
                    total_delayed_messages_read: 2,
                },
            ],
        })
        .unwrap();
    // 2 delayed + end of block + 3 items.
    assert_eq!((first.batch_index, first.after_count), (0, 6));

    world.set_block(21, 2_013).unwrap();
    let second = world
        .add_sequencer_batch(&SequencerBatch {
            sections: vec![Section {
                items: vec![vec![0xab; 100]],
                total_delayed_messages_read: 3,
            }],
        })
        .unwrap();
    assert_eq!(second.before_acc, first.after_acc);
    assert_eq!((second.batch_index, second.after_count), (1, 9));
    assert_eq!(world.sequencer_count().unwrap(), 9);
    assert_eq!(world.sequencer_acc(1).unwrap(), second.after_acc);
}
