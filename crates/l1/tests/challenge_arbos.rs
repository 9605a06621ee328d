//! Classic games on ArbOS v58 fed a benchmark log's messages through the Bridge and the
//! SequencerInbox (delivered as delayed messages, posted in one batch), played with the
//! deployed Challenge as the authority: every lie in both roles, the honest party wins
//! on the contract, and the transcript of each game checks.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod challenge_common;

use std::path::{Path, PathBuf};
use std::time::Instant;

use avm_challenge::classic::{
    ClassicLiar, ClassicLie, ClassicParty, ClassicRevert, GameConfig, HonestClassic,
};
use avm_challenge::Role;
use avm_code::{load_mexe, LoadOptions};
use avm_l1::{check_transcript, DelayedMessage, EvmPlay, EvmReferee, Hardfork, WithInboxSuffix};
use avm_machine::{Machine, RuntimeEnv, Status};
use avm_prover::classic::ClassicInbox;
use serde_json::Value as Json;

fn arbos_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/arbos")
}

fn arbos() -> Machine {
    let path = arbos_dir().join("arbos-v58.mexe");
    Machine::new(load_mexe(&path, &LoadOptions::default()).unwrap())
}

fn int_bytes(j: &Json) -> Vec<u8> {
    let hex = j["Int"].as_str().unwrap();
    let padded = if hex.len() % 2 == 1 {
        format!("0{hex}")
    } else {
        hex.to_owned()
    };
    hex::decode(padded).unwrap()
}

fn int_u64(j: &Json) -> u64 {
    int_bytes(j)
        .iter()
        .fold(0u64, |n, b| (n << 8) | u64::from(*b))
}

/// A benchmark log's messages as L1 messages (kind, block, timestamp, sender, -, gas
/// price, length, data); their sequence numbers become the Bridge's.
fn log_messages(name: &str) -> Vec<DelayedMessage> {
    let text = std::fs::read(arbos_dir().join("benchmarks").join(name)).unwrap();
    let json: Json = serde_json::from_slice(&text).unwrap();
    json["inbox"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let f = m["Tuple"].as_array().unwrap();
            let sender_bytes = int_bytes(&f[3]);
            let mut sender = [0u8; 20];
            sender[20 - sender_bytes.len()..].copy_from_slice(&sender_bytes);
            let len = usize::try_from(int_u64(&f[6])).unwrap();
            let mut data = hex::decode(f[7]["Buffer"].as_str().unwrap()).unwrap();
            data.resize(len, 0);
            DelayedMessage {
                kind: u8::try_from(int_u64(&f[0])).unwrap(),
                sender,
                block_number: int_u64(&f[1]),
                timestamp: int_u64(&f[2]),
                gas_price: u128::from(int_u64(&f[5])),
                data,
            }
        })
        .collect()
}

/// The referee with the messages delivered and posted, and our model of that inbox.
fn setup(messages: &[DelayedMessage]) -> (EvmReferee, ClassicInbox) {
    let mut referee = EvmReferee::new(&challenge_common::contracts(), Hardfork::London).unwrap();
    let model = referee.feed_delayed(messages).unwrap();
    (referee, model)
}

fn check(play: &EvmPlay, honest: Role, what: &str) {
    assert!(play.disputed, "{what}");
    assert_eq!(
        play.winner,
        honest,
        "{what}: {:#?}",
        play.moves.iter().map(|m| &m.evm).collect::<Vec<_>>()
    );
    for m in &play.moves {
        if m.evm.by == honest {
            assert!(m.evm.verdict.is_accepted(), "{what}: {:?}", m.evm);
        }
        match &m.native {
            Err(ClassicRevert::InboxStepNative) => {}
            Ok(_) => assert!(m.evm.verdict.is_accepted(), "{what}: {:?}", m.evm),
            Err(r) => match r.reason() {
                Some(reason) => assert_eq!(m.evm.verdict.reason(), Some(reason), "{what}"),
                None => assert!(!m.evm.verdict.is_accepted(), "{what}: {:?}", m.evm),
            },
        }
    }
}

/// The gas used before each `inbox` step of `machine`'s run over `inbox`.
fn inbox_gas(mut machine: Machine, inbox: &[avm_value::Value]) -> Vec<u64> {
    let mut env = RuntimeEnv::with_inbox(inbox.iter().cloned());
    let mut out = Vec::new();
    while machine.status() == Status::Running {
        if machine.code().instruction(machine.pc()).map(|i| i.opcode) == Some(0x72) {
            if env.inbox.is_empty() {
                break;
            }
            out.push(machine.gas_used());
        }
        machine.step(&mut env);
    }
    out
}

fn games_on(log: &str) {
    let messages = log_messages(log);
    let (_, model) = setup(&messages);
    let values = model.values().to_vec();
    let n = messages.len() as u64;
    let (block, _) = setup(&messages).0.block();
    let config = GameConfig {
        start_block: block + 1,
        ..GameConfig::default()
    };
    let clock = Instant::now();
    let mut probe = HonestClassic::new(arbos(), &values, n);
    let assertion = probe.assertion(None).unwrap();
    let end = assertion.after.gas_used;
    println!(
        "{log}: {} messages, the run reads {} and stops at {} AVMGas after {} steps ({:.1?})",
        n,
        assertion.after.inbox_count,
        end,
        probe.steps_executed(),
        clock.elapsed()
    );
    assert_eq!(assertion.after.inbox_count, n, "every message read");
    // The messages as the L1 contracts deliver them (delayed: sequence numbers with bit
    // 255 set) give the run the benchmark recorded, to the AVMGas.
    let text = std::fs::read(arbos_dir().join("benchmarks").join(log)).unwrap();
    let recorded: Json = serde_json::from_slice(&text).unwrap();
    assert_eq!(Some(end), recorded["total_gas"].as_u64(), "{log}");
    let inboxes = inbox_gas(arbos(), &values[..messages.len()]);
    assert_eq!(inboxes.len(), messages.len());
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("challenge_arbos");
    std::fs::create_dir_all(&dir).unwrap();
    let mut lies = vec![
        ClassicLie::LieAt(end / 2),
        ClassicLie::LieAt(1),
        // The first and the last inbox step in dispute.
        ClassicLie::LieAt(inboxes[0] + 1),
        ClassicLie::LieAt(inboxes[inboxes.len() - 1] + 1),
        ClassicLie::WrongFinal,
        ClassicLie::WrongIntermediate,
        ClassicLie::PicksAgreed,
        ClassicLie::ForgedProof,
        ClassicLie::Silent,
    ];
    lies.dedup();
    for lie in lies {
        for liar_role in [Role::Challenger, Role::Asserter] {
            let clock = Instant::now();
            let honest = || HonestClassic::new(arbos(), &values, n);
            let (mut referee, _) = setup(&messages);
            let mut liar = ClassicLiar::new(HonestClassic::new(arbos(), &values, n), lie, end);
            let claimed = match liar_role {
                Role::Asserter => liar.assertion(None).unwrap(),
                Role::Challenger => assertion,
            };
            let mut liar = WithInboxSuffix {
                party: liar,
                inbox: &model,
            };
            let mut truth = WithInboxSuffix {
                party: honest(),
                inbox: &model,
            };
            let (asserter, challenger): (&mut dyn ClassicParty, &mut dyn ClassicParty) =
                match liar_role {
                    Role::Asserter => (&mut liar, &mut truth),
                    Role::Challenger => (&mut truth, &mut liar),
                };
            let play = referee
                .play(&claimed, &config, asserter, challenger)
                .unwrap();
            let what = format!("{log}, {} {}", liar_role.name(), lie.name());
            check(&play, liar_role.other(), &what);
            let transcript = referee.transcript().unwrap().unwrap();
            let path = dir.join(format!("{}-{}-{}.json", log, liar_role.name(), lie.name()));
            transcript.write(&path).unwrap();
            let verdict = check_transcript(&path, challenge_common::fixtures_contracts()).unwrap();
            assert_eq!(verdict.winner, liar_role.other());
            let moves: Vec<String> = play
                .moves
                .iter()
                .map(|m| format!("{} {}", m.evm.function, m.evm.gas_used))
                .collect();
            println!(
                "  liar {what}: {} bisections, {} moves, {} L1 gas in moves [{}], {} transactions, {:.1?}",
                play.bisections,
                play.moves.len(),
                play.total_gas(),
                moves.join(", "),
                verdict.transactions,
                clock.elapsed()
            );
        }
    }
}

#[test]
fn arbos_booting_from_the_l1_inbox() {
    games_on("boot.aoslog");
}

#[test]
fn arbos_running_a_hundred_transactions_from_the_l1_inbox() {
    games_on("nulltx_100.aoslog");
}
