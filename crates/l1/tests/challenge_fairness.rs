//! A transcript certifies a fair game or is caught: re-executing the program names the
//! honest party as the one whose claim was true for every game of the matrix; every
//! startChallenge argument, time budget and move label tampered with is caught (the
//! replay differs, or the check says the game was not fair); and the audit's attack
//! (the challenger given no time, every move dropped, the lying asserter timing it
//! out), which replays exactly, is called unfair.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod challenge_common;

use challenge_common::{delayed, echo};

use avm_challenge::classic::{ClassicLiar, ClassicLie, ClassicMove, HonestClassic};
use avm_challenge::Role;
use avm_code::{load_mexe, LoadOptions};
use avm_l1::{
    check_against_program, play_program, Contracts, DelayedMessage, EvmReferee, Hardfork,
    ProgramGame, Transcript, TranscriptVerdict,
};
use avm_machine::Machine;

fn program(name: &str) -> Machine {
    let path = avm_testkit::fixtures().join("machine-cases").join(name);
    Machine::new(load_mexe(&path, &LoadOptions::default()).unwrap())
}

fn judge(
    contracts: &Contracts,
    t: &Transcript,
    machine: &Machine,
    messages: &[DelayedMessage],
) -> Result<TranscriptVerdict, avm_l1::FirstDifference> {
    check_against_program(t, contracts, machine, messages, None)
}

#[test]
fn re_execution_names_the_honest_party_for_every_game_of_the_matrix() {
    let contracts = challenge_common::contracts();
    let cases: Vec<(&str, Machine, Vec<DelayedMessage>)> = vec![
        ("echo", echo(), (1..=3).map(delayed).collect()),
        ("opcodetestmath", program("opcodetestmath.mexe"), Vec::new()),
    ];
    let mut games = 0;
    for (name, machine, messages) in &cases {
        for role in [Role::Asserter, Role::Challenger] {
            for lie in [
                ClassicLie::LieAt(50),
                ClassicLie::WrongFinal,
                ClassicLie::WrongIntermediate,
                ClassicLie::PicksAgreed,
                ClassicLie::ForgedProof,
                ClassicLie::Silent,
            ] {
                let game = ProgramGame {
                    liar: Some((role, lie)),
                    ..ProgramGame::default()
                };
                let report = play_program(&contracts, machine, messages, &game).unwrap();
                let Some(t) = report.transcript else { continue };
                let verdict = judge(&contracts, &t, machine, messages)
                    .unwrap_or_else(|e| panic!("{name} {lie:?}: {e}"));
                let honest = role.other();
                assert_eq!(verdict.winner, honest, "{name} {lie:?}");
                assert_eq!(
                    verdict.truth.as_ref().map(|t| t.truthful),
                    Some(honest),
                    "{name}: the {} lied ({lie:?})",
                    role.name()
                );
                assert!(
                    verdict.unfair.is_empty(),
                    "{name} {lie:?}: {:?}",
                    verdict.unfair
                );
                games += 1;
            }
        }
    }
    assert!(games >= 20, "{games}");
}

/// A game on echo where the asserter lies about the end.
fn lying_asserter() -> (Contracts, Machine, Vec<DelayedMessage>, Transcript) {
    let contracts = challenge_common::contracts();
    let messages: Vec<DelayedMessage> = (1..=3).map(delayed).collect();
    let game = ProgramGame {
        liar: Some((Role::Asserter, ClassicLie::WrongFinal)),
        ..ProgramGame::default()
    };
    let report = play_program(&contracts, &echo(), &messages, &game).unwrap();
    let t = report.transcript.unwrap();
    (contracts, echo(), messages, t)
}

fn start_index(t: &Transcript) -> usize {
    t.transactions
        .iter()
        .position(|tx| tx.label == "startChallenge")
        .unwrap()
}

/// Whether a tampered transcript is caught: it does not replay, or the check says
/// the game was not fair, or it reports another winner, or other disputed facts
/// (execution hash, message count, clock, segment) than the true game's: what it
/// reports is what a reader holds against the rollup's own record.
fn caught(
    contracts: &Contracts,
    t: &Transcript,
    machine: &Machine,
    messages: &[DelayedMessage],
    truth: &TranscriptVerdict,
) -> bool {
    match judge(contracts, t, machine, messages) {
        Err(_) => true,
        Ok(verdict) => {
            !verdict.unfair.is_empty()
                || verdict.winner != truth.winner
                || verdict.disputed != truth.disputed
                || verdict.segment != truth.segment
        }
    }
}

#[test]
fn every_start_argument_budget_and_move_label_tampered_with_is_caught() {
    let (contracts, machine, messages, t) = lying_asserter();
    let truth = judge(&contracts, &t, &machine, &messages).unwrap();
    assert!(truth.unfair.is_empty(), "the untouched game is fair");
    assert_eq!(truth.winner, Role::Challenger);
    assert!(!caught(&contracts, &t, &machine, &messages, &truth));
    let start = start_index(&t);
    // Each of startChallenge's eight argument words.
    for word in 0..8 {
        let mut tampered = t.clone();
        let input = &mut tampered.transactions[start].input;
        let at = 4 + 32 * word + 31;
        input[at] ^= 0x01;
        assert!(
            caught(&contracts, &tampered, &machine, &messages, &truth),
            "startChallenge word {word}"
        );
    }
    // Each time budget set to 0, and to 1.
    for word in [4usize, 5] {
        for budget in [0u8, 1] {
            let mut tampered = t.clone();
            let input = &mut tampered.transactions[start].input;
            let at = 4 + 32 * word;
            input[at..at + 32].fill(0);
            input[at + 31] = budget;
            assert!(
                caught(&contracts, &tampered, &machine, &messages, &truth),
                "budget word {word} = {budget}"
            );
        }
    }
    // Each move's label.
    for index in start + 1..t.transactions.len() {
        let mut tampered = t.clone();
        tampered.transactions[index].label = "asserter bisectExecution".into();
        if tampered.transactions[index].label == t.transactions[index].label {
            tampered.transactions[index].label = "challenger timeout".into();
        }
        assert!(
            caught(&contracts, &tampered, &machine, &messages, &truth),
            "label of {index}"
        );
    }
}

#[test]
fn the_audits_unfair_clock_replays_but_is_called_unfair() {
    // The audit's attack, made for real on the contract: the asserter lies, the
    // challenger is given 0 blocks, no move is made, and the asserter calls timeout()
    // in the next block. Its transcript replays exactly.
    let (contracts, machine, messages, _) = lying_asserter();
    let mut referee = EvmReferee::new(&contracts, Hardfork::London).unwrap();
    referee.feed_delayed(&messages).unwrap();
    let inbox: Vec<avm_value::Value> = {
        let mut r = EvmReferee::new(&contracts, Hardfork::London).unwrap();
        r.feed_delayed(&messages).unwrap().values().to_vec()
    };
    let max = inbox.len() as u64;
    let honest = HonestClassic::new(machine.clone(), &inbox, max);
    let end = HonestClassic::new(machine.clone(), &inbox, max)
        .assertion(None)
        .unwrap()
        .after
        .gas_used;
    let mut liar = ClassicLiar::new(honest, ClassicLie::WrongFinal, end);
    let lie = liar.assertion(None).unwrap();
    let start = referee.block().0 + 1;
    referee
        .start(
            start,
            lie.execution_hash().unwrap(),
            lie.max_message_count(),
            10,
            0,
        )
        .unwrap();
    let timeout = referee
        .apply(Role::Asserter, start + 1, &ClassicMove::Timeout)
        .unwrap();
    assert!(timeout.verdict.is_accepted());
    let t = referee.transcript().unwrap().unwrap();
    assert_eq!(t.winner, Role::Asserter);

    // Without the program, the clock alone gives it away.
    let path = std::env::temp_dir().join(format!("avm-unfair-{}.json", std::process::id()));
    t.write(&path).unwrap();
    let verdict =
        avm_l1::check_transcript(&path, avm_testkit::fixtures().join("contracts")).unwrap();
    assert_eq!(verdict.disputed.challenger_time_left, 0);
    assert!(
        verdict
            .unfair
            .iter()
            .any(|p| p.contains("the challenger had 0 blocks")),
        "{:?}",
        verdict.unfair
    );
    // With it, so does the truth: the asserter's claim was false.
    let verdict = judge(&contracts, &t, &machine, &messages).unwrap();
    assert_eq!(verdict.truth.unwrap().truthful, Role::Challenger);
    assert!(verdict
        .unfair
        .iter()
        .any(|p| p.contains("the asserter won, but the challenger's claim was true")));
    let _ = std::fs::remove_file(path);
}
