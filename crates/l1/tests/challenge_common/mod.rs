//! Helpers shared by the challenge_*.rs tests: the fixture contracts and upstream's
//! recorded games read as our move types.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use avm_challenge::classic::ClassicMove;
use avm_l1::{Contracts, DelayedMessage};
use avm_testkit::fixtures;
pub use avm_testkit::recorded_games::*;
use serde_json::Value as Json;

pub fn contracts() -> Contracts {
    Contracts::load(fixtures().join("contracts")).expect("the fixture contracts")
}

/// The file's inbox messages, for the Bridge.
pub fn messages(file: &Json) -> Vec<DelayedMessage> {
    file["Messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| DelayedMessage {
            kind: u8::try_from(m["Kind"].as_u64().unwrap()).unwrap(),
            sender: bytes(&m["Sender"]).try_into().unwrap(),
            block_number: m["ChainTime"]["BlockNum"].as_u64().unwrap(),
            timestamp: m["ChainTime"]["Timestamp"].as_u64().unwrap(),
            gas_price: u128::from(m["GasPrice"].as_u64().unwrap()),
            data: bytes(&m["Data"]),
        })
        .collect()
}

use avm_challenge::classic::{ClassicReferee, ClassicRevert, CLASSIC_DEGREE};
use avm_challenge::Role;
use avm_l1::{EvmMove, EvmReferee, Hardfork};

/// A recorded game played on the EVM referee (and, as far as it can judge, on the
/// native one, which must agree move for move).
pub struct RecordedGame {
    pub referee: EvmReferee,
    pub moves: Vec<EvmMove>,
    /// The recorded `AsserterError` reason, without "execution reverted: ".
    pub asserter_error: Option<String>,
    /// Moves the native referee judged alike (it stops at an inbox step).
    pub native_agreed: usize,
}

/// Plays upstream's recorded game `name` with upstream's timing: the file's messages
/// delivered first, the challenge started in block 100 with 10 blocks each, one block
/// per entry of `Moves` (the parties alternating, the challenger first); where the
/// asserter's last move must revert, the challenger then times it out.
pub fn play_recorded(name: &str, hardfork: Hardfork) -> RecordedGame {
    let file = load(name);
    let a = assertion(&file);
    let mut referee = EvmReferee::new(&contracts(), hardfork).unwrap();
    let messages = messages(&file);
    for m in &messages {
        referee.deliver_message(m).unwrap();
    }
    referee.post_delayed_batch(messages.len() as u64).unwrap();
    let start = 100;
    let hash = a.execution_hash().unwrap();
    referee
        .start(start, hash, a.max_message_count(), 10, 10)
        .unwrap();
    let mut native =
        ClassicReferee::new(hash, a.max_message_count(), 10, 10, start, CLASSIC_DEGREE);
    let mut native_live = true;
    let mut native_agreed = 0;
    let mut moves = Vec::new();
    let mut player = Role::Challenger;
    let mut judge = |referee: &mut EvmReferee,
                     native: &mut ClassicReferee,
                     native_live: &mut bool,
                     by: Role,
                     block: u64,
                     mv: &ClassicMove| {
        let evm = referee.apply(by, block, mv).unwrap();
        if *native_live {
            match native.apply(by, block, mv) {
                Err(ClassicRevert::InboxStepNative) => *native_live = false,
                Ok(_) => {
                    assert!(evm.verdict.is_accepted(), "{name}: {evm:?}, native accepts");
                    native_agreed += 1;
                }
                Err(r) => {
                    assert_eq!(evm.verdict.reason(), r.reason(), "{name}: {evm:?} {r:?}");
                    native_agreed += 1;
                }
            }
        }
        evm
    };
    let entries = file["Moves"].as_array().unwrap();
    let mut block = start;
    for m in entries {
        block += 1;
        if let Some(mv) = to_move(m) {
            moves.push(judge(
                &mut referee,
                &mut native,
                &mut native_live,
                player,
                block,
                &mv,
            ));
        }
        player = player.other();
    }
    let asserter_error = file["AsserterError"]
        .as_str()
        .map(|e| e.trim_start_matches("execution reverted: ").to_owned());
    if asserter_error.is_some() {
        let at = native.timeout_block();
        for b in [at - 1, at] {
            moves.push(judge(
                &mut referee,
                &mut native,
                &mut native_live,
                Role::Challenger,
                b,
                &ClassicMove::Timeout,
            ));
        }
    }
    RecordedGame {
        referee,
        moves,
        asserter_error,
        native_agreed,
    }
}

/// The fixture contracts' directory.
pub fn fixtures_contracts() -> std::path::PathBuf {
    fixtures().join("contracts")
}

/// examples/echo.mexe, the program that logs each inbox message back, at its start.
pub fn echo() -> avm_machine::Machine {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/echo.mexe");
    avm_machine::Machine::new(
        avm_code::load_mexe(&path, &avm_code::LoadOptions::default()).unwrap(),
    )
}

/// The `n`th of a family of delayed messages of every kind and growing size.
pub fn delayed(n: u8) -> DelayedMessage {
    DelayedMessage {
        kind: [3, 9, 12, 7][usize::from(n) % 4],
        sender: [n; 20],
        block_number: 10 + u64::from(n),
        timestamp: 1_000 + u64::from(n),
        gas_price: 1_000_000_000 * u128::from(n),
        data: (0..usize::from(n) * 29)
            .map(|i| (i * 7 + 1) as u8)
            .collect(),
    }
}
