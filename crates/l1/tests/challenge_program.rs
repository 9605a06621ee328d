//! `play_program`: a program's Classic challenge on the EVM referee from its messages,
//! over the whole run or a gas range, with a liar in either role.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod challenge_common;

use challenge_common::{delayed, echo};

use avm_challenge::classic::ClassicLie;
use avm_challenge::Role;
use avm_l1::{
    check_transcript, delayed_message_from_value, play_program, DelayedMessage, ProgramGame,
};
use avm_value::Int;
use avm_verifier::classic::L1Message;

#[test]
fn messages_read_back_from_the_values_the_machine_receives() {
    for n in 1..=3 {
        let m = delayed(n);
        let value = L1Message {
            kind: m.kind,
            sender: m.sender,
            block_number: Int::from(m.block_number),
            timestamp: Int::from(m.timestamp),
            inbox_seq_num: Int::from(u64::from(n)),
            gas_price: Int::from(m.gas_price),
            data: m.data.clone(),
        }
        .avm_value(true);
        assert_eq!(delayed_message_from_value(0, &value).unwrap(), m);
    }
    let not_a_message = avm_value::Value::Int(Int::from(1u64));
    assert!(delayed_message_from_value(7, &not_a_message)
        .unwrap_err()
        .to_string()
        .starts_with("inbox message 7"));
}

#[test]
fn programs_are_played_over_the_whole_run_and_over_gas_ranges() {
    let contracts = challenge_common::contracts();
    let messages: Vec<DelayedMessage> = (1..=3).map(delayed).collect();
    let whole = play_program(&contracts, &echo(), &messages, &ProgramGame::default()).unwrap();
    assert!(!whole.play.disputed, "two honest parties agree");
    assert!(whole.transcript.is_none());
    assert_eq!(whole.messages, 4);
    assert_eq!(whole.honest.after.inbox_count, 4, "every message read");
    let end = whole.honest.after.gas_used;
    let ranges = [
        None,
        Some((0, end / 2)),
        Some((end / 3, end)),
        Some((end / 2, end + 1_000)),
    ];
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("challenge_program");
    std::fs::create_dir_all(&dir).unwrap();
    for gas in ranges {
        for role in [Role::Asserter, Role::Challenger] {
            for lie in [
                ClassicLie::WrongFinal,
                ClassicLie::ForgedProof,
                ClassicLie::Silent,
            ] {
                let game = ProgramGame {
                    gas,
                    liar: Some((role, lie)),
                    ..ProgramGame::default()
                };
                let what = format!("{gas:?} {} {}", role.name(), lie.name());
                let report = play_program(&contracts, &echo(), &messages, &game).unwrap();
                assert_eq!(report.play.winner, role.other(), "{what}");
                if let Some((from, _)) = gas {
                    assert!(report.honest.before.gas_used >= from, "{what}");
                }
                let transcript = report.transcript.unwrap();
                let path = dir.join(format!(
                    "{}-{}-{}.json",
                    gas.map_or(0, |g| g.0),
                    role.name(),
                    lie.name()
                ));
                transcript.write(&path).unwrap();
                let verdict =
                    check_transcript(&path, challenge_common::fixtures_contracts()).unwrap();
                assert_eq!(verdict.winner, role.other(), "{what}");
                println!(
                    "{what}: assertion {}..{} ({} messages read), {} moves, {} L1 gas in moves, setup {}",
                    report.assertion.before.gas_used,
                    report.assertion.after.gas_used,
                    report.honest.after.inbox_count,
                    report.play.moves.len(),
                    report.play.total_gas(),
                    report.setup_gas
                );
            }
        }
    }
}

#[test]
fn the_l1_delivery_and_the_native_model_of_it_give_one_inbox() {
    // `avm prove --format classic` builds the inbox natively; the game delivers it on
    // the L1. Both must give the machine the same messages and the same accumulators.
    let messages: Vec<DelayedMessage> = (1..=5).map(delayed).collect();
    let mut referee =
        avm_l1::EvmReferee::new(&challenge_common::contracts(), avm_l1::Hardfork::London).unwrap();
    let on_l1 = referee.feed_delayed(&messages).unwrap();
    let l1_messages: Vec<L1Message> = messages
        .iter()
        .map(|m| L1Message {
            kind: m.kind,
            sender: m.sender,
            block_number: Int::from(m.block_number),
            timestamp: Int::from(m.timestamp),
            inbox_seq_num: Int::ZERO,
            gas_price: Int::from(m.gas_price),
            data: m.data.clone(),
        })
        .collect();
    let native =
        avm_prover::classic::ClassicInbox::delayed_in_one_batch(&l1_messages, avm_l1::SEQUENCER)
            .unwrap();
    assert_eq!(on_l1.accumulators(), native.accumulators());
    assert_eq!(on_l1.len(), native.len());
    for (a, b) in on_l1.values().iter().zip(native.values()) {
        assert_eq!(
            avm_value::value_hash(a, &avm_value::NoCode),
            avm_value::value_hash(b, &avm_value::NoCode)
        );
    }
}
