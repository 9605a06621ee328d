//! Messages of every size a real chain's Inbox takes: a game whose `inbox` step reads
//! one is proven and accepted by the contract, or refused up front because the
//! deployed OneStepProof cannot prove that step within the block gas limit; and the
//! largest message the L1 takes at all.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod challenge_common;

use challenge_common::echo;

use avm_challenge::classic::{ClassicLie, ClassicMove};
use avm_challenge::Role;
use avm_l1::{play_program, ChallengeError, DelayedMessage, ProgramGame, MAX_PROVABLE_MESSAGE};

/// An L2 message (kind 3) of `size` bytes from 0xa11ce: what `Inbox.sendL2Message`
/// delivers.
fn message(size: usize) -> DelayedMessage {
    let mut sender = [0u8; 20];
    sender[17..].copy_from_slice(&[0x0a, 0x11, 0xce]);
    DelayedMessage {
        kind: 3,
        sender,
        block_number: 100,
        timestamp: 1_000,
        gas_price: 0,
        data: (0..size).map(|i| (i % 251) as u8).collect(),
    }
}

/// Plays echo.mexe reading one message of `size` bytes, its challenger lying from the
/// first step on, so the honest asserter must prove the step the challenger picks
/// (bisecting to the inbox step). The inbox step's proof move, if one was made.
fn game(size: usize) -> Result<(bool, Option<(bool, u64)>), ChallengeError> {
    game_up_to(size, MAX_PROVABLE_MESSAGE)
}

fn game_up_to(
    size: usize,
    max_message: usize,
) -> Result<(bool, Option<(bool, u64)>), ChallengeError> {
    let contracts = challenge_common::contracts();
    // echo.mexe: pcpush, auxpush, inbox; lying from inside the inbox step on makes
    // it the step in dispute.
    let inbox_starts = avm_code::Opcode::PcPush.info().gas + avm_code::Opcode::AuxPush.info().gas;
    let game = ProgramGame {
        liar: Some((Role::Challenger, ClassicLie::LieAt(inbox_starts + 1))),
        max_message,
        ..ProgramGame::default()
    };
    let report = play_program(&contracts, &echo(), &[message(size)], &game)?;
    let inbox_step = report.play.moves.iter().find_map(|m| match &m.mv {
        ClassicMove::OneStepProve(p) if p.execution_proof.first() == Some(&0x72) => {
            Some((m.evm.verdict.is_accepted(), m.evm.gas_used))
        }
        _ => None,
    });
    Ok((report.play.winner == Role::Asserter, inbox_step))
}

#[test]
#[ignore = "a measurement: cargo test -p avm-l1 --test challenge_message_size -- --ignored --nocapture"]
fn the_largest_provable_message() {
    let (mut low, mut high) = (50_000usize, 200_000usize);
    while high - low > 64 {
        let mid = (low + high) / 2;
        let (won, step) = game_up_to(mid, usize::MAX).unwrap();
        println!("{mid} bytes: honest won {won}, inbox step {step:?}");
        if won && step.is_some_and(|(ok, _)| ok) {
            low = mid;
        } else {
            high = mid;
        }
    }
    println!("largest provable: {low} bytes (first refused: about {high})");
}

/// Whether `Inbox.sendL2Message` takes a message of `size` bytes on a fresh
/// challenge set (30 M gas blocks).
fn l1_takes(size: usize) -> bool {
    let mut referee =
        avm_l1::EvmReferee::new(&challenge_common::contracts(), avm_l1::Hardfork::London).unwrap();
    referee.deliver_message(&message(size)).is_ok()
}

#[test]
#[ignore = "a measurement: cargo test -p avm-l1 --test challenge_message_size -- --ignored --nocapture"]
fn the_largest_message_the_l1_takes() {
    let (mut low, mut high) = (100_000usize, 4_000_000usize);
    while high - low > 64 {
        let mid = (low + high) / 2;
        if l1_takes(mid) {
            low = mid;
        } else {
            high = mid;
        }
    }
    println!("largest message sendL2Message takes in a 30 M gas block: {low} bytes");
}

/// The largest message `Inbox.sendL2Message` takes in a 30 M gas block (measured by
/// `the_largest_message_the_l1_takes`: 1,125,997 bytes).
const L1_TAKES: usize = 1_125_900;

fn check_size(size: usize) {
    match game(size) {
        Ok((honest_won, step)) => {
            assert!(size <= MAX_PROVABLE_MESSAGE, "{size} bytes were played");
            assert!(honest_won, "{size} bytes");
            let (accepted, gas) = step.unwrap_or_else(|| panic!("{size} bytes: no inbox step"));
            assert!(accepted, "{size} bytes: the inbox step's proof");
            assert!(gas <= 30_000_000);
        }
        Err(ChallengeError::Unprovable { size: s, max, .. }) => {
            assert_eq!((s, max), (size, MAX_PROVABLE_MESSAGE));
            assert!(size > MAX_PROVABLE_MESSAGE, "{size} bytes were refused");
        }
        Err(e) => panic!("{size} bytes: {e}"),
    }
}

#[test]
fn every_inbox_step_a_game_reaches_is_proven_or_the_game_is_refused_up_front() {
    for size in [
        0,
        1,
        31,
        32,
        33,
        1_000,
        100_000,
        MAX_PROVABLE_MESSAGE,
        MAX_PROVABLE_MESSAGE + 1,
        117_964,
        L1_TAKES,
    ] {
        check_size(size);
    }
    // And sizes drawn over the whole range the L1 takes.
    let mut rng = avm_testkit::Rng(0x5eed_1a7e);
    for _ in 0..10 {
        check_size(rng.below(L1_TAKES + 1));
    }
    // Past it the L1 itself refuses the delivery.
    assert!(l1_takes(L1_TAKES));
    assert!(!l1_takes(1_200_000));
}
