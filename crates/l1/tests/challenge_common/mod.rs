//! Helpers shared by the challenge_*.rs tests: the fixture contracts and upstream's
//! recorded games read as our move types.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use avm_challenge::classic::{
    assertion_rest_hash, executor_for_opcode, BisectExecution, Bisection, ChunkRef,
    ClassicAssertion, ClassicMove, ClassicSegment, OneStepProveExecution, ProveContinuedExecution,
};
use avm_l1::{ClassicContracts, DelayedMessage};
use avm_testkit::fixtures;
use avm_value::Hash;
use avm_verifier::classic::ExecutionState;
use serde_json::Value as Json;

pub const FILES: [&str; 4] = [
    "TestChallengeToOSP.json",
    "TestChallengeToOSPWithMessage.json",
    "TestChallengeToUnreachable.json",
    "TestChallengeToUnreachableSmall.json",
];

pub fn contracts() -> ClassicContracts {
    ClassicContracts::load(fixtures().join("contracts")).expect("the fixture contracts")
}

pub fn load(name: &str) -> Json {
    let path = fixtures().join("challenges").join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

pub fn hash(j: &Json) -> Hash {
    let bytes: Vec<u8> = j
        .as_array()
        .unwrap()
        .iter()
        .map(|b| u8::try_from(b.as_u64().unwrap()).unwrap())
        .collect();
    Hash(bytes.try_into().unwrap())
}

pub fn state(j: &Json) -> ExecutionState {
    ExecutionState::from_json(j, "state").unwrap()
}

fn segment(j: &Json) -> ClassicSegment {
    ClassicSegment {
        start: j["Start"].as_u64().unwrap(),
        length: j["Length"].as_u64().unwrap(),
    }
}

fn bisection(j: &Json) -> Bisection {
    Bisection {
        segment: segment(&j["ChallengedSegment"]),
        cuts: j["Cuts"].as_array().unwrap().iter().map(hash).collect(),
    }
}

fn bytes(j: &Json) -> Vec<u8> {
    hex::decode(j.as_str().unwrap().trim_start_matches("0x")).unwrap()
}

pub fn assertion(file: &Json) -> ClassicAssertion {
    ClassicAssertion {
        before: state(&file["ChallengedAssertion"]["beforeState"]),
        after: state(&file["ChallengedAssertion"]["afterState"]),
    }
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

fn chunk_ref(prev: &Bisection, index: u64, chunk: ClassicSegment) -> ChunkRef {
    let tree = prev.tree().unwrap();
    ChunkRef {
        proof: tree.proof(index as usize).unwrap(),
        segment: chunk,
        old_end: prev.cuts[index as usize + 1],
    }
}

/// A recorded move as our move type (None for an empty entry: a block passes).
pub fn to_move(m: &Json) -> Option<ClassicMove> {
    if m.is_null() {
        return None;
    }
    let kind = m["Kind"].as_str().unwrap();
    if kind == "Timeout" {
        return Some(ClassicMove::Timeout);
    }
    let prev = bisection(&m["PrevBisection"]);
    let index = m["SegmentToChallenge"].as_u64().unwrap();
    Some(match kind {
        "Bisect" => {
            let start = state(&m["StartState"]);
            ClassicMove::Bisect(BisectExecution {
                chunk: chunk_ref(&prev, index, segment(&m["InconsistentSegment"])),
                gas_used_before: start.gas_used,
                assertion_rest: assertion_rest_hash(&start),
                chain_hashes: m["SubCuts"].as_array().unwrap().iter().map(hash).collect(),
            })
        }
        "ProveContinuedExecution" => {
            let before = state(&m["PreviousCut"]);
            ClassicMove::ProveContinued(ProveContinuedExecution {
                chunk: chunk_ref(&prev, index, segment(&m["ChallengedSegment"])),
                gas_used_before: before.gas_used,
                assertion_rest: assertion_rest_hash(&before),
            })
        }
        "OneStepProof" => {
            let before = state(&m["PreviousCut"]);
            let proof = bytes(&m["ProofData"]);
            ClassicMove::OneStepProve(OneStepProveExecution {
                chunk: chunk_ref(&prev, index, segment(&m["ChallengedSegment"])),
                initial_messages_read: before.inbox_count,
                initial_accs: [before.send_acc, before.log_acc],
                initial_state: [before.gas_used, before.send_count, before.log_count],
                prover: executor_for_opcode(proof[0]),
                execution_proof: proof,
                buffer_proof: bytes(&m["BufferProofData"]),
            })
        }
        other => panic!("unknown move kind {other}"),
    })
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
