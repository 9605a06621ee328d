//! Transcripts of Classic games: every L1 transaction written in format version 1,
//! re-executed against fresh contracts by `check_transcript`; tampered ones fail with
//! their first difference.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod challenge_common;

use std::path::PathBuf;

use avm_challenge::classic::{play_classic, ClassicLiar, ClassicLie, GameConfig, HonestClassic};
use avm_challenge::Role;
use avm_code::{load_mexe, LoadOptions};
use avm_l1::{
    check_transcript, run_on_evm, FirstDifference, Hardfork, Transcript, TxRecord, TxStatus,
    TRANSCRIPT_FORMAT,
};
use avm_machine::Machine;
use avm_testkit::fixtures;
use serde_json::Value as Json;

fn contracts_dir() -> PathBuf {
    fixtures().join("contracts")
}

fn temp(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("challenge_transcript");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// A game on opcodetesthash where the asserter forges its one-step proof: the
/// challenger wins, and the asserter's forged proof reverts.
fn forged_proof_game(hardfork: Hardfork) -> Transcript {
    let m = Machine::new(
        load_mexe(
            &fixtures().join("machine-cases/opcodetesthash.mexe"),
            &LoadOptions::default(),
        )
        .unwrap(),
    );
    let end = HonestClassic::new(m.clone(), &[], 0)
        .assertion(None)
        .unwrap()
        .after
        .gas_used;
    let mut asserter = ClassicLiar::new(
        HonestClassic::new(m.clone(), &[], 0),
        ClassicLie::ForgedProof,
        end,
    );
    let assertion = asserter.assertion(None).unwrap();
    let mut challenger = HonestClassic::new(m, &[], assertion.max_message_count());
    let config = GameConfig::default();
    let report = play_classic(&assertion, &config, &mut asserter, &mut challenger);
    let mut game = run_on_evm(
        &challenge_common::contracts(),
        hardfork,
        &assertion,
        &config,
        &[],
        &report.moves,
    )
    .unwrap();
    assert_eq!(game.winner, Some(Role::Challenger));
    game.referee.transcript().unwrap().unwrap()
}

fn recorded_inbox_game() -> Transcript {
    let mut game =
        challenge_common::play_recorded("TestChallengeToOSPWithMessage.json", Hardfork::London);
    game.referee.transcript().unwrap().unwrap()
}

fn check(t: &Transcript, name: &str) -> Result<avm_l1::TranscriptVerdict, FirstDifference> {
    let path = temp(name);
    t.write(&path).unwrap();
    check_transcript(&path, contracts_dir())
}

fn move_indices(t: &Transcript) -> Vec<usize> {
    t.transactions
        .iter()
        .enumerate()
        .filter(|(_, tx)| tx.to == Some(t.challenge))
        .map(|(i, _)| i)
        .collect()
}

#[test]
fn written_transcripts_check_and_have_the_documented_shape() {
    for (name, t) in [
        ("forged.json", forged_proof_game(Hardfork::London)),
        ("inbox.json", recorded_inbox_game()),
        ("forged-cancun.json", forged_proof_game(Hardfork::Cancun)),
    ] {
        let verdict = check(&t, name).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(verdict.winner, t.winner);
        assert_eq!(verdict.winner, Role::Challenger);
        assert_eq!(verdict.transactions, t.transactions.len());
        assert_eq!(verdict.total_gas, t.total_gas());
        assert_eq!(verdict.move_gas.len(), move_indices(&t).len());
        println!(
            "{name}: {} transactions, {} L1 gas in all, moves {:?}",
            verdict.transactions, verdict.total_gas, verdict.move_gas
        );

        // The file is exactly the documented object.
        let text = std::fs::read_to_string(temp(name)).unwrap();
        let json: Json = serde_json::from_str(&text).unwrap();
        let keys: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "format",
                "hardfork",
                "asserter",
                "challenger",
                "tester",
                "challenge",
                "transactions",
                "winner"
            ]
        );
        assert_eq!(json["format"], TRANSCRIPT_FORMAT);
        assert_eq!(json["winner"], "challenger");
        let first = &json["transactions"][0];
        assert_eq!(first["to"], Json::Null, "the first transaction deploys");
        assert!(first["created"].is_string());
        assert_eq!(first["value"], "0x0");
        assert_eq!(Transcript::parse(text.as_bytes()).unwrap(), t);
    }
    // The inbox game's message delivery carries its gas price and block.
    let t = recorded_inbox_game();
    let delivery = t.transactions.iter().find(|tx| tx.gas_price != 0).unwrap();
    assert_eq!((delivery.block, delivery.timestamp), (4, 40));
    assert!(t.transactions.iter().all(|tx| tx.status == TxStatus::Ok));
}

fn tampered(t: &Transcript, name: &str, change: impl FnOnce(&mut Transcript)) -> FirstDifference {
    let mut t = t.clone();
    change(&mut t);
    match check(&t, name) {
        Ok(v) => panic!("{name}: the tampered transcript checks: {v:?}"),
        Err(e) => {
            println!("{name}: {e}");
            e
        }
    }
}

fn index_of(e: &FirstDifference) -> Option<usize> {
    match e {
        FirstDifference::Transaction { index, .. }
        | FirstDifference::Disallowed { index, .. }
        | FirstDifference::Evm { index, .. } => Some(*index),
        _ => None,
    }
}

#[test]
fn tampered_transcripts_fail_with_their_first_difference() {
    for (game, t) in [
        ("forged", forged_proof_game(Hardfork::London)),
        ("inbox", recorded_inbox_game()),
    ] {
        let moves = move_indices(&t);
        let first_move = moves[0];

        // A flipped calldata byte in every move's selector or head: it or a later move
        // replays differently (or the winner does). A flip in a bisection's cut hashes
        // whose every receipt stays the same is another consistent game: version 1
        // records receipts, not logs, so such a flip cannot be told apart (counted).
        let mut undetected = 0;
        for (k, &i) in moves.iter().enumerate() {
            let len = t.transactions[i].input.len();
            for at in [0usize, 3, 40, len - 1] {
                if at >= len {
                    continue;
                }
                let mut changed = t.clone();
                changed.transactions[i].input[at] ^= 0x01;
                match check(&changed, &format!("{game}-flip-{k}-{at}.json")) {
                    Err(e) => match index_of(&e) {
                        Some(index) => assert!(index >= i, "{game}: {e}"),
                        None => assert!(matches!(e, FirstDifference::Winner { .. }), "{e}"),
                    },
                    Ok(v) => {
                        assert!(at >= 4 + 32 * 5, "{game} move {k}: byte {at} undetected");
                        assert_eq!(v.winner, t.winner);
                        undetected += 1;
                    }
                }
            }
        }
        println!("{game}: {undetected} flips in cut hashes replay as another consistent game");

        // A flipped byte of a deployment's bytecode: no fixture contract.
        let e = tampered(&t, &format!("{game}-flip-code.json"), |t| {
            t.transactions[0].input[100] ^= 0x01;
        });
        assert!(
            matches!(e, FirstDifference::Disallowed { index: 0, .. }),
            "{e}"
        );

        // A removed move: the next one refers to a bisection that never happened.
        let e = tampered(&t, &format!("{game}-removed.json"), |t| {
            t.transactions.remove(first_move);
        });
        assert_eq!(index_of(&e), Some(first_move), "{game}: {e}");

        // The timeout removed: no verdict.
        let e = tampered(&t, &format!("{game}-no-timeout.json"), |t| {
            t.transactions.pop();
        });
        assert!(matches!(e, FirstDifference::Winner { .. }), "{game}: {e}");

        // An inserted transaction: the first move again, right after itself.
        let e = tampered(&t, &format!("{game}-inserted.json"), |t| {
            let copy = t.transactions[first_move].clone();
            t.transactions.insert(first_move + 1, copy);
        });
        assert_eq!(index_of(&e), Some(first_move + 1), "{game}: {e}");

        // Another hardfork: the same transactions cost other gas.
        let e = tampered(&t, &format!("{game}-hardfork.json"), |t| {
            t.hardfork = Hardfork::Prague;
        });
        assert!(
            matches!(
                e,
                FirstDifference::Transaction {
                    field: "gasUsed",
                    ..
                }
            ),
            "{game}: {e}"
        );

        // A changed winner.
        let e = tampered(&t, &format!("{game}-winner.json"), |t| {
            t.winner = t.winner.other();
        });
        assert_eq!(
            e,
            FirstDifference::Winner {
                recorded: "asserter".into(),
                replayed: "challenger".into()
            }
        );

        // A changed receipt: gas used, status, created address.
        let last = t.transactions.len() - 1;
        let e = tampered(&t, &format!("{game}-gas.json"), |t| {
            t.transactions[last].gas_used += 1;
        });
        assert!(
            matches!(e, FirstDifference::Transaction { index, field: "gasUsed", .. } if index == last),
            "{e}"
        );
        let e = tampered(&t, &format!("{game}-status.json"), |t| {
            t.transactions[first_move].status = TxStatus::Revert;
        });
        assert!(
            matches!(
                e,
                FirstDifference::Transaction {
                    field: "status",
                    ..
                }
            ),
            "{e}"
        );
        let e = tampered(&t, &format!("{game}-created.json"), |t| {
            t.transactions[1].created = Some([7; 20]);
        });
        assert!(
            matches!(
                e,
                FirstDifference::Transaction {
                    index: 1,
                    field: "created",
                    ..
                }
            ),
            "{e}"
        );

        // A block earlier than the one before it.
        let e = tampered(&t, &format!("{game}-block.json"), |t| {
            t.transactions[first_move].block = 0;
        });
        assert_eq!(index_of(&e), Some(first_move), "{e}");
    }
}

#[test]
fn only_the_calls_a_game_needs_are_replayed() {
    let t = forged_proof_game(Hardfork::London);
    let timeout = t.transactions.len() - 1;
    let winner_call = |to: [u8; 20], from: [u8; 20]| {
        // completeChallenge(address,address): the tester's unguarded result receiver.
        let mut input = avm_value::keccak256(b"completeChallenge(address,address)").0[..4].to_vec();
        for a in [t.challenger, t.asserter] {
            let mut w = [0u8; 32];
            w[12..].copy_from_slice(&a);
            input.extend(w);
        }
        TxRecord {
            from,
            to: Some(to),
            input,
            status: TxStatus::Ok,
            gas_used: 50_000,
            reason: None,
            created: None,
            label: "forge the verdict".into(),
            ..t.transactions[timeout].clone()
        }
    };
    // The verdict forged through the tester instead of a timeout.
    let e = tampered(&t, "complete.json", |t| {
        let forged = winner_call(t.tester, t.asserter);
        t.transactions[timeout] = forged;
    });
    assert!(
        matches!(e, FirstDifference::Disallowed { index, .. } if index == timeout),
        "{e}"
    );
    // A tester over executors that are not the verifiers deployed here.
    let tester_at = t
        .transactions
        .iter()
        .position(|tx| tx.created == Some(t.tester))
        .unwrap();
    let e = tampered(&t, "fake-executors.json", |t| {
        let input = &mut t.transactions[tester_at].input;
        let n = input.len();
        input[n - 1] ^= 0x01;
    });
    assert!(
        matches!(e, FirstDifference::Disallowed { index, .. } if index == tester_at),
        "{e}"
    );
    // A second verifier deployed.
    let e = tampered(&t, "second-verifier.json", |t| {
        let copy = t.transactions[0].clone();
        t.transactions.insert(1, copy);
    });
    assert_eq!(
        e,
        FirstDifference::Disallowed {
            index: 1,
            why: "a second OneStepProof".into()
        }
    );
    // An unknown field, a wrong format.
    let path = temp("unknown-field.json");
    let mut json = t.to_json();
    json["transactions"][0]["nonce"] = Json::from(0);
    std::fs::write(&path, json.to_string()).unwrap();
    assert!(matches!(
        check_transcript(&path, contracts_dir()),
        Err(FirstDifference::Malformed(_))
    ));
    let mut json = t.to_json();
    json["format"] = Json::from("classic-challenge-transcript-2");
    std::fs::write(&path, json.to_string()).unwrap();
    assert!(matches!(
        check_transcript(&path, contracts_dir()),
        Err(FirstDifference::Malformed(_))
    ));
    assert!(matches!(
        check_transcript(temp("does-not-exist.json"), contracts_dir()),
        Err(FirstDifference::Unreadable { .. })
    ));
}
