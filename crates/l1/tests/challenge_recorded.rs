//! The four games upstream's Go validator recorded, replayed through our move encoding
//! on the deployed Challenge contract (ChallengeTester over the three verifiers, the
//! recorded message delivered through Bridge and SequencerInbox): upstream's winner, the
//! asserter's move reverting with the recorded AsserterError, and the native referee
//! agreeing on every move it can judge.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod challenge_common;

use avm_challenge::Role;
use avm_l1::{encode_move, Hardfork, MoveVerdict};
use challenge_common::{load, play_recorded, to_move, FILES};

#[test]
fn the_recorded_games_end_as_upstream_recorded_them() {
    for name in FILES {
        let mut game = play_recorded(name, Hardfork::London);
        let gas: Vec<String> = game
            .moves
            .iter()
            .map(|m| {
                let verdict = match &m.verdict {
                    MoveVerdict::Accepted => "ok".to_owned(),
                    MoveVerdict::Reverted { reason } => format!("reverts {reason:?}"),
                };
                format!(
                    "{} {} @{}: {verdict}, {} gas",
                    m.by.name(),
                    m.function,
                    m.block,
                    m.gas_used
                )
            })
            .collect();
        println!("{name}:\n  {}", gas.join("\n  "));
        match &game.asserter_error {
            None => {
                // Every recorded move is accepted, the last a timeout.
                assert!(game.moves.iter().all(|m| m.verdict.is_accepted()), "{name}");
                assert_eq!(game.moves.last().unwrap().function, "timeout");
            }
            Some(error) => {
                let n = game.moves.len();
                // ..., the asserter's refused move, a timeout too early, the timeout.
                let refused = &game.moves[n - 3];
                assert_eq!(refused.by, Role::Asserter, "{name}");
                assert_eq!(refused.verdict.reason(), Some(error.as_str()), "{name}");
                assert!(game.moves[..n - 3].iter().all(|m| m.verdict.is_accepted()));
                assert_eq!(game.moves[n - 2].verdict.reason(), Some("TIMEOUT_DEADLINE"));
                assert!(game.moves[n - 1].verdict.is_accepted());
            }
        }
        assert_eq!(
            game.referee.winner().unwrap(),
            Some(Role::Challenger),
            "{name}"
        );
        // The native referee judged every move up to the inbox step alike.
        let expected = if name == "TestChallengeToOSPWithMessage.json" {
            2
        } else {
            game.moves.len()
        };
        assert_eq!(game.native_agreed, expected, "{name}");
    }
}

#[test]
fn the_recorded_games_end_alike_under_later_hardforks() {
    for hardfork in [
        Hardfork::Paris,
        Hardfork::Shanghai,
        Hardfork::Cancun,
        Hardfork::Prague,
    ] {
        for name in FILES {
            let mut game = play_recorded(name, hardfork);
            let verdicts: Vec<_> = game.moves.iter().map(|m| m.verdict.clone()).collect();
            let london: Vec<_> = play_recorded(name, Hardfork::London)
                .moves
                .iter()
                .map(|m| m.verdict.clone())
                .collect();
            assert_eq!(verdicts, london, "{name} under {hardfork:?}");
            assert_eq!(game.referee.winner().unwrap(), Some(Role::Challenger));
            let gas: Vec<u64> = game.moves.iter().map(|m| m.gas_used).collect();
            println!("{name} under {hardfork:?}: {gas:?}");
        }
    }
}

#[test]
fn the_inbox_step_needs_its_message_on_the_bridges() {
    // The recorded game with the inbox step, with the message never delivered: the
    // executor cannot prove the inbox step, so the challenger's proof reverts.
    use avm_challenge::classic::ClassicMove;
    let file = load("TestChallengeToOSPWithMessage.json");
    let a = challenge_common::assertion(&file);
    let mut referee =
        avm_l1::EvmReferee::new(&challenge_common::contracts(), Hardfork::London).unwrap();
    referee
        .start(
            100,
            a.execution_hash().unwrap(),
            a.max_message_count(),
            10,
            10,
        )
        .unwrap();
    let moves: Vec<ClassicMove> = (0..3)
        .map(|i| to_move(&file["Moves"][i]).unwrap())
        .collect();
    let by = [Role::Challenger, Role::Asserter, Role::Challenger];
    for (i, mv) in moves.iter().enumerate() {
        let result = referee.apply(by[i], 101 + i as u64, mv).unwrap();
        assert_eq!(result.verdict.is_accepted(), i < 2, "{result:?}");
    }
}

#[test]
fn moves_encode_with_the_selectors_and_head_layout_of_the_abi() {
    let file = load("TestChallengeToOSP.json");
    for i in 0..3 {
        let mv = to_move(&file["Moves"][i]).unwrap();
        let data = encode_move(&mv);
        assert_eq!(data[..4], mv.selector());
        assert_eq!((data.len() - 4) % 32, 0, "whole words");
    }
    let timeout = avm_challenge::classic::ClassicMove::Timeout;
    assert_eq!(encode_move(&timeout), timeout.selector().to_vec());
}
