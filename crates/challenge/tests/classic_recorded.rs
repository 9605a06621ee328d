//! The four games upstream's Go validator recorded (fixtures/classic/challenges), checked
//! without an EVM: the cut hashes our layouts give for the recorded states are the cuts
//! Go wrote; every recorded bisection splits its segment as ours does and commits to a
//! Merkle tree whose proofs we build; each move answers the bisection before it; and
//! the whole recorded game, replayed on the native referee with upstream's timing
//! (10 blocks each, one block per entry), gives upstream's verdicts and reverts.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use avm_challenge::classic::{
    assertion_rest_hash, calculate_root, cut_hash, executor_for_opcode, Accepted, BisectExecution,
    Bisection, ChunkRef, ClassicAssertion, ClassicMove, ClassicReferee, ClassicRevert,
    ClassicSegment, OneStepProveExecution, ProveContinuedExecution, CLASSIC_DEGREE, UNREACHABLE,
};
use avm_challenge::Role;
use avm_testkit::fixtures;
use avm_value::Hash;
use avm_verifier::classic::{verify_step, ExecutionState};
use serde_json::Value as Json;

const FILES: [&str; 4] = [
    "TestChallengeToOSP.json",
    "TestChallengeToOSPWithMessage.json",
    "TestChallengeToUnreachable.json",
    "TestChallengeToUnreachableSmall.json",
];

fn load(name: &str) -> Json {
    let path = fixtures().join("challenges").join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn hash(j: &Json) -> Hash {
    let bytes: Vec<u8> = j
        .as_array()
        .unwrap()
        .iter()
        .map(|b| u8::try_from(b.as_u64().unwrap()).unwrap())
        .collect();
    Hash(bytes.try_into().unwrap())
}

fn state(j: &Json) -> ExecutionState {
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

fn assertion(file: &Json) -> ClassicAssertion {
    ClassicAssertion {
        before: state(&file["ChallengedAssertion"]["beforeState"]),
        after: state(&file["ChallengedAssertion"]["afterState"]),
    }
}

/// The chunk reference a recorded move names, with its Merkle proof built by us.
fn chunk_ref(prev: &Bisection, index: u64, chunk: ClassicSegment) -> ChunkRef {
    let tree = prev.tree().unwrap();
    ChunkRef {
        proof: tree.proof(index as usize).unwrap(),
        segment: chunk,
        old_end: prev.cuts[index as usize + 1],
    }
}

/// A recorded move as our move type (None for an empty entry: a block passes).
fn to_move(m: &Json) -> Option<ClassicMove> {
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

#[test]
fn recorded_cuts_are_our_cut_hashes_and_moves_chain() {
    for name in FILES {
        let file = load(name);
        let a = assertion(&file);
        let moves: Vec<&Json> = file["Moves"].as_array().unwrap().iter().collect();
        // The first move answers the assertion's single chunk, whose cuts are the cut
        // hashes of the recorded states: our layouts of assertionHash and
        // assertionRestHash give the hashes Go wrote.
        let initial = Bisection {
            segment: a.segment().unwrap(),
            cuts: vec![cut_hash(&a.before), cut_hash(&a.after)],
        };
        assert_eq!(bisection(&moves[0]["PrevBisection"]), initial, "{name}");

        let mut expected_prev = initial;
        for (i, m) in moves.iter().enumerate() {
            if m.is_null() || m["Kind"] == "Timeout" {
                continue;
            }
            let prev = bisection(&m["PrevBisection"]);
            assert_eq!(
                prev, expected_prev,
                "{name} move {i} answers the last bisection"
            );
            let index = m["SegmentToChallenge"].as_u64().unwrap();
            // Every recorded bisection (after the assertion's single chunk) cuts as
            // ours does.
            if i > 0 {
                let count = prev.chunk_count();
                assert_eq!(
                    count,
                    prev.segment.chunk_count(CLASSIC_DEGREE),
                    "{name} move {i}"
                );
            }
            // Cuts never come back from unreachable.
            let first_unreachable = prev.cuts.iter().position(|c| *c == UNREACHABLE);
            if let Some(u) = first_unreachable {
                assert!(prev.cuts[u..].iter().all(|c| *c == UNREACHABLE), "{name}");
            }
            // Our Merkle proofs of the chosen chunk lead to the tree's root.
            let tree = prev.tree().unwrap();
            let leaf = prev.chunk_hash(index).unwrap();
            assert_eq!(tree.leaves()[index as usize], leaf);
            let proof = tree.proof(index as usize).unwrap();
            assert_eq!(
                calculate_root(&proof.nodes, proof.route, &leaf),
                tree.root()
            );
            let chunk = prev.chunk(index).unwrap();
            match m["Kind"].as_str().unwrap() {
                "Bisect" => {
                    assert_eq!(segment(&m["InconsistentSegment"]), chunk, "{name} move {i}");
                    let sub: Vec<Hash> =
                        m["SubCuts"].as_array().unwrap().iter().map(hash).collect();
                    assert_eq!(
                        sub.len() as u64,
                        chunk.chunk_count(CLASSIC_DEGREE) + 1,
                        "{name} move {i}: CUT_COUNT"
                    );
                    assert_eq!(
                        cut_hash(&state(&m["StartState"])),
                        sub[0],
                        "{name} move {i}"
                    );
                    assert_eq!(sub[0], prev.cuts[index as usize], "{name} move {i}");
                    assert_ne!(
                        *sub.last().unwrap(),
                        prev.cuts[index as usize + 1],
                        "SAME_END"
                    );
                    expected_prev = Bisection {
                        segment: chunk,
                        cuts: sub,
                    };
                }
                _ => {
                    assert_eq!(segment(&m["ChallengedSegment"]), chunk, "{name} move {i}");
                    let before = state(&m["PreviousCut"]);
                    assert_eq!(
                        cut_hash(&before),
                        prev.cuts[index as usize],
                        "{name} move {i}"
                    );
                    let recorded = ClassicAssertion {
                        before: state(&m["Assertion"]["beforeState"]),
                        after: state(&m["Assertion"]["afterState"]),
                    };
                    assert_eq!(recorded, a, "{name} move {i}");
                }
            }
        }
    }
}

#[test]
fn chunk_split_and_offsets_match_the_recorded_segments() {
    // TestChallengeToOSP: 802 AVMGas in 400 chunks: the first 2 + 2, the others 2.
    let s = ClassicSegment {
        start: 0,
        length: 802,
    };
    assert_eq!(
        s.chunk(400, 0),
        Some(ClassicSegment {
            start: 0,
            length: 4
        })
    );
    assert_eq!(
        s.chunk(400, 1),
        Some(ClassicSegment {
            start: 4,
            length: 2
        })
    );
    assert_eq!(
        s.chunk(400, 399),
        Some(ClassicSegment {
            start: 800,
            length: 2
        })
    );
    let offsets = s.cut_offsets(400);
    assert_eq!(offsets.len(), 401);
    assert_eq!(offsets.last(), Some(&802));
    // TestChallengeToOSPWithMessage: 70,351 AVMGas; chunk 283 starts at 816,749 and is
    // 175 long; in it, 175 chunks of one, the 143rd at 816,892 (the first inbox).
    let s = ClassicSegment {
        start: 766_873,
        length: 70_351,
    };
    assert_eq!(
        s.chunk(400, 283),
        Some(ClassicSegment {
            start: 816_749,
            length: 175
        })
    );
    let c = ClassicSegment {
        start: 816_749,
        length: 175,
    };
    assert_eq!(c.chunk_count(400), 175);
    assert_eq!(
        c.chunk(175, 143),
        Some(ClassicSegment {
            start: 816_892,
            length: 1
        })
    );
    assert_eq!(s.chunk(400, 400), None);
}

#[test]
fn recorded_one_step_proofs_check_natively() {
    // The OSP of TestChallengeToOSP (not an inbox step): our verifier takes the
    // recorded start to an end that differs from the disputed cut.
    let file = load("TestChallengeToOSP.json");
    let m = &file["Moves"][2];
    let before = state(&m["PreviousCut"]);
    let after = verify_step(
        &before,
        &bytes(&m["ProofData"]),
        &bytes(&m["BufferProofData"]),
    )
    .expect("the recorded proof is a valid step");
    let prev = bisection(&m["PrevBisection"]);
    assert_ne!(cut_hash(&after), prev.cuts[1], "WRONG_END would not hold");
    assert!(after.gas_used > before.gas_used);
    // The inbox steps (opcode 0x72) carry the Classic suffix; the native verifier
    // does not read it yet.
    for name in [
        "TestChallengeToOSPWithMessage.json",
        "TestChallengeToUnreachable.json",
    ] {
        let file = load(name);
        let m = file["Moves"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["Kind"] == "OneStepProof")
            .unwrap();
        assert_eq!(bytes(&m["ProofData"])[0], 0x72, "{name}");
    }
}

/// What the native referee should make of each recorded game.
struct Expected {
    /// The reason the last accepted-or-not entry reverts with (upstream's AsserterError).
    last_revert: Option<ClassicRevert>,
    winner: Option<Role>,
}

fn replay(name: &str, expected: Expected) {
    let file = load(name);
    let a = assertion(&file);
    let start_block = 100;
    let mut referee = ClassicReferee::new(
        a.execution_hash().unwrap(),
        a.max_message_count(),
        10,
        10,
        start_block,
        CLASSIC_DEGREE,
    );
    let moves = file["Moves"].as_array().unwrap();
    let mut block = start_block;
    let mut player = Role::Challenger;
    let mut last_result = None;
    for (i, m) in moves.iter().enumerate() {
        block += 1;
        if let Some(mv) = to_move(m) {
            let result = referee.apply(player, block, &mv);
            if i + 1 < moves.len() || expected.last_revert.is_none() {
                if let Err(ClassicRevert::InboxStepNative) = result {
                    // The native verifier stops here (see the test below).
                    last_result = Some(result);
                    break;
                }
                assert!(
                    result.is_ok(),
                    "{name} move {i} ({}): {result:?}",
                    mv.function()
                );
            }
            last_result = Some(result);
        }
        player = match player {
            Role::Challenger => Role::Asserter,
            Role::Asserter => Role::Challenger,
        };
    }
    match (&expected.last_revert, last_result.unwrap()) {
        (Some(reason), Err(got)) => {
            assert_eq!(&got, reason, "{name}");
            assert_eq!(got.reason(), reason.reason());
            // The asserter, on turn with no legal move, loses once its time is up.
            assert_eq!(referee.turn(), Role::Asserter);
            let at = referee.timeout_block();
            assert_eq!(
                referee.apply(Role::Challenger, at - 1, &ClassicMove::Timeout),
                Err(ClassicRevert::TimeoutDeadline)
            );
            let decided = referee.apply(Role::Challenger, at, &ClassicMove::Timeout);
            assert_eq!(
                decided,
                Ok(Accepted::Decided {
                    winner: Role::Challenger
                })
            );
        }
        (None, Ok(Accepted::Decided { winner })) => {
            assert_eq!(Some(winner), expected.winner, "{name}");
        }
        (None, Err(ClassicRevert::InboxStepNative)) => {
            assert_eq!(
                expected.winner, None,
                "{name}: a native verdict was expected"
            );
        }
        (e, got) => panic!("{name}: expected {e:?}, got {got:?}"),
    }
}

#[test]
fn recorded_game_to_osp_replays_natively_and_the_challenger_wins() {
    replay(
        "TestChallengeToOSP.json",
        Expected {
            last_revert: None,
            winner: Some(Role::Challenger),
        },
    );
}

#[test]
fn recorded_game_with_an_inbox_step_replays_to_the_inbox_proof() {
    // Both bisections are accepted; the inbox step's proof needs the EVM referee.
    replay(
        "TestChallengeToOSPWithMessage.json",
        Expected {
            last_revert: None,
            winner: None,
        },
    );
}

#[test]
fn recorded_unreachable_game_reverts_too_many_messages() {
    replay(
        "TestChallengeToUnreachable.json",
        Expected {
            last_revert: Some(ClassicRevert::TooManyMessages { read: 1, max: 0 }),
            winner: Some(Role::Challenger),
        },
    );
}

#[test]
fn recorded_small_unreachable_game_reverts_not_cont() {
    replay(
        "TestChallengeToUnreachableSmall.json",
        Expected {
            last_revert: Some(ClassicRevert::NotCont),
            winner: Some(Role::Challenger),
        },
    );
}
