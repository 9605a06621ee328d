//! Time budgets: every game of the matrix (programs, both roles, every lie) is won by
//! the honest party on the contract when each side has exactly the blocks
//! `most_moves_per_party` says a game over its segment may ask of it, and refused up
//! front with one block less; budgets past 64-bit blocks are refused too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod challenge_common;

use challenge_common::{delayed, echo};

use avm_challenge::classic::{most_moves_per_party, ClassicLie, CLASSIC_DEGREE, MAX_TIME_LEFT};
use avm_challenge::Role;
use avm_code::{load_mexe, LoadOptions};
use avm_l1::{play_program, ChallengeError, DelayedMessage, ProgramGame};
use avm_machine::Machine;

fn program(name: &str) -> Machine {
    let path = avm_testkit::fixtures().join("machine-cases").join(name);
    Machine::new(load_mexe(&path, &LoadOptions::default()).unwrap())
}

#[test]
fn the_least_budget_that_lets_the_honest_party_move_wins_and_one_less_is_refused() {
    let contracts = challenge_common::contracts();
    let echo_messages: Vec<DelayedMessage> = (1..=3).map(delayed).collect();
    let cases: Vec<(&str, Machine, Vec<DelayedMessage>)> = vec![
        ("echo", echo(), echo_messages),
        ("opcodetestmath", program("opcodetestmath.mexe"), Vec::new()),
        (
            "opcodetesttuple",
            program("opcodetesttuple.mexe"),
            Vec::new(),
        ),
    ];
    let lies = |end: u64| {
        [
            ClassicLie::LieAt(end / 2),
            ClassicLie::LieAt(1),
            ClassicLie::WrongFinal,
            ClassicLie::WrongIntermediate,
            ClassicLie::PicksAgreed,
            ClassicLie::ForgedProof,
            ClassicLie::Silent,
        ]
    };
    let mut games = 0;
    for (name, machine, messages) in &cases {
        let probe = play_program(&contracts, machine, messages, &ProgramGame::default()).unwrap();
        let end = probe.honest.after.gas_used;
        for role in [Role::Asserter, Role::Challenger] {
            for lie in lies(end) {
                let mut game = ProgramGame {
                    liar: Some((role, lie)),
                    ..ProgramGame::default()
                };
                // The disputed segment is the asserter's: the liar's when it asserts.
                let disputed = match play_program(&contracts, machine, messages, &game) {
                    Ok(report) => report.assertion.segment().map_or(0, |s| s.length),
                    Err(e) => panic!("{name} {lie:?}: {e}"),
                };
                let need = most_moves_per_party(disputed, CLASSIC_DEGREE);
                assert!(need >= 1);
                game.time_left = need;
                let report = play_program(&contracts, machine, messages, &game)
                    .unwrap_or_else(|e| panic!("{name} {} {lie:?} with {need}: {e}", role.name()));
                if report.play.disputed {
                    assert_eq!(
                        report.play.winner,
                        role.other(),
                        "{name}: the {} lied ({lie:?}) with {need} blocks each",
                        role.name()
                    );
                    games += 1;
                }
                game.time_left = need - 1;
                match play_program(&contracts, machine, messages, &game) {
                    Err(ChallengeError::Budget(e)) => {
                        assert!(e.to_string().contains("blocks to move in"), "{e}")
                    }
                    other => panic!("{name} {lie:?} with {} blocks: {other:?}", need - 1),
                }
            }
        }
    }
    assert!(games >= 30, "{games} disputed games");
}

#[test]
fn budgets_past_64_bit_blocks_are_refused() {
    let contracts = challenge_common::contracts();
    let messages: Vec<DelayedMessage> = (1..=3).map(delayed).collect();
    for time_left in [MAX_TIME_LEFT + 1, u64::MAX] {
        let game = ProgramGame {
            liar: Some((Role::Asserter, ClassicLie::WrongFinal)),
            time_left,
            ..ProgramGame::default()
        };
        match play_program(&contracts, &echo(), &messages, &game) {
            Err(ChallengeError::Budget(e)) => assert!(e.to_string().contains("64-bit")),
            other => panic!("{time_left}: {other:?}"),
        }
    }
    // The largest budget taken plays out (the timeout lands 2^32 blocks later).
    let game = ProgramGame {
        liar: Some((Role::Asserter, ClassicLie::WrongFinal)),
        time_left: MAX_TIME_LEFT,
        ..ProgramGame::default()
    };
    let report = play_program(&contracts, &echo(), &messages, &game).unwrap();
    assert_eq!(report.play.winner, Role::Challenger);
}
