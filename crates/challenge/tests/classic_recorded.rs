//! The four games upstream's Go validator recorded (fixtures/classic/challenges), checked
//! without an EVM: the cut hashes our layouts give for the recorded states are the cuts
//! Go wrote; every recorded bisection splits its segment as ours does and commits to a
//! Merkle tree whose proofs we build; each move answers the bisection before it; and
//! the whole recorded game, replayed on the native referee with upstream's timing
//! (10 blocks each, one block per entry), gives upstream's verdicts and reverts.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use avm_challenge::classic::{
    assertion_hash, calculate_root, cut_hash, Accepted, BisectExecution, Bisection,
    ClassicAssertion, ClassicMove, ClassicReferee, ClassicRevert, ClassicSegment,
    OneStepProveExecution, CLASSIC_DEGREE, UNREACHABLE,
};
use avm_challenge::Role;
use avm_testkit::fixtures;
use avm_testkit::recorded_games::*;
use avm_value::Hash;
use avm_verifier::classic::verify_step;
use serde_json::Value as Json;

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

/// Applies `mv` to a copy of `referee` and returns the refusal.
fn refused(referee: &ClassicReferee, by: Role, block: u64, mv: ClassicMove) -> ClassicRevert {
    referee.clone().apply(by, block, &mv).unwrap_err()
}

#[test]
fn the_native_referee_reverts_as_the_contract_does() {
    let file = load("TestChallengeToOSP.json");
    let a = assertion(&file);
    let mut referee = ClassicReferee::new(a.execution_hash().unwrap(), 0, 10, 10, 100, 400);
    let moves: Vec<ClassicMove> = (0..3)
        .map(|i| to_move(&file["Moves"][i]).unwrap())
        .collect();
    referee.apply(Role::Challenger, 101, &moves[0]).unwrap();

    // The asserter's bisection, altered one way at a time.
    let ClassicMove::Bisect(good) = moves[1].clone() else {
        panic!("move 1 bisects")
    };
    let bisect = |f: &dyn Fn(&mut BisectExecution)| {
        let mut m = good.clone();
        f(&mut m);
        ClassicMove::Bisect(m)
    };
    let r = &referee;
    assert_eq!(
        refused(r, Role::Challenger, 102, moves[1].clone()),
        ClassicRevert::NotOnTurn
    );
    assert_eq!(
        refused(r, Role::Asserter, 112, moves[1].clone()),
        ClassicRevert::Deadline
    );
    assert_eq!(
        refused(
            r,
            Role::Asserter,
            102,
            bisect(&|m| {
                m.chain_hashes.pop();
            })
        ),
        ClassicRevert::CutCount {
            expected: 5,
            got: 4
        }
    );
    assert_eq!(
        refused(
            r,
            Role::Asserter,
            102,
            bisect(&|m| {
                *m.chain_hashes.last_mut().unwrap() = m.chunk.old_end;
            })
        ),
        ClassicRevert::SameEnd
    );
    assert_eq!(
        refused(r, Role::Asserter, 102, bisect(&|m| m.gas_used_before += 1)),
        ClassicRevert::PreFields
    );
    assert_eq!(
        refused(
            r,
            Role::Asserter,
            102,
            bisect(&|m| m.chunk.segment.length = 1)
        ),
        ClassicRevert::TooShort
    );
    assert_eq!(
        refused(
            r,
            Role::Asserter,
            102,
            bisect(&|m| m.chunk.proof.route ^= 1)
        ),
        ClassicRevert::BisPrev
    );
    assert_eq!(
        refused(
            r,
            Role::Asserter,
            102,
            bisect(&|m| {
                m.gas_used_before = 4;
                m.chain_hashes[0] = assertion_hash(4, &m.assertion_rest);
            })
        ),
        ClassicRevert::InvalidSegmentLength
    );
    assert!(matches!(
        refused(r, Role::Asserter, 102, bisect(&|m| m.chain_hashes.clear())),
        ClassicRevert::Panic(_)
    ));
    assert!(matches!(
        refused(
            r,
            Role::Asserter,
            102,
            bisect(&|m| m.chunk.proof.nodes = vec![Hash::default(); 257])
        ),
        ClassicRevert::Panic(_)
    ));
    referee.apply(Role::Asserter, 102, &moves[1]).unwrap();

    // The challenger's one-step proof, altered one way at a time.
    let ClassicMove::OneStepProve(good) = moves[2].clone() else {
        panic!("move 2 proves a step")
    };
    let osp = |f: &dyn Fn(&mut OneStepProveExecution)| {
        let mut m = good.clone();
        f(&mut m);
        ClassicMove::OneStepProve(m)
    };
    let r = &referee;
    let before = state(&file["Moves"][2]["PreviousCut"]);
    let after = verify_step(&before, &good.execution_proof, &good.buffer_proof).unwrap();
    assert!(matches!(
        refused(r, Role::Challenger, 103, osp(&|m| m.prover = 1)),
        ClassicRevert::WrongExecutor { .. }
    ));
    assert!(matches!(
        refused(r, Role::Challenger, 103, osp(&|m| m.prover = 3)),
        ClassicRevert::Panic(_)
    ));
    assert!(matches!(
        refused(
            r,
            Role::Challenger,
            103,
            osp(&|m| m.execution_proof.truncate(10))
        ),
        ClassicRevert::Executor(_)
    ));
    assert_eq!(
        refused(r, Role::Challenger, 103, osp(&|m| m.initial_state[0] = 4)),
        ClassicRevert::OspCont
    );
    assert_eq!(
        refused(
            r,
            Role::Challenger,
            103,
            osp(&|m| m.chunk.segment.length = 1000)
        ),
        ClassicRevert::OspShort
    );
    assert_eq!(
        refused(
            r,
            Role::Challenger,
            103,
            osp(&|m| m.chunk.old_end = cut_hash(&after))
        ),
        ClassicRevert::WrongEnd
    );
    assert_eq!(
        refused(
            r,
            Role::Challenger,
            103,
            osp(&|m| {
                let at = m.execution_proof.len() - 34;
                m.execution_proof[at] ^= 1;
            })
        ),
        ClassicRevert::BisPrev
    );
    assert_eq!(
        referee.apply(Role::Challenger, 103, &moves[2]),
        Ok(Accepted::Proven)
    );
    assert_eq!(referee.challenge_state(), Hash::default());

    // The asserter has no legal move left; it loses once its blocks are used up.
    assert_eq!(
        refused(&referee, Role::Asserter, 104, moves[1].clone()),
        ClassicRevert::BisPrev
    );
    let at = referee.timeout_block();
    assert_eq!(at, 103 + 9 + 1, "the asserter used one of its ten blocks");
    assert_eq!(
        refused(&referee, Role::Challenger, at - 1, ClassicMove::Timeout),
        ClassicRevert::TimeoutDeadline
    );
    assert_eq!(
        referee.apply(Role::Asserter, at, &ClassicMove::Timeout),
        Ok(Accepted::Decided {
            winner: Role::Challenger
        })
    );
    assert_eq!(referee.winner(), Some(Role::Challenger));
    assert_eq!(
        refused(&referee, Role::Challenger, at + 1, ClassicMove::Timeout),
        ClassicRevert::Over
    );
    // Reasons are the contract's strings.
    assert_eq!(ClassicRevert::NotOnTurn.reason(), Some("BIS_SENDER"));
    assert_eq!(ClassicRevert::OspShort.reason(), Some("OSP_SHORT"));
    assert_eq!(ClassicRevert::InboxStepNative.reason(), None);
}

#[test]
fn merkle_trees_promote_odd_nodes_and_prove_every_leaf() {
    use avm_challenge::classic::MerkleTree;
    use avm_value::{keccak256, keccak_pair};
    for n in 1..=20usize {
        let leaves: Vec<Hash> = (0..n).map(|i| keccak256(&[i as u8])).collect();
        let tree = MerkleTree::new(leaves.clone()).unwrap();
        for (i, leaf) in leaves.iter().enumerate() {
            let p = tree.proof(i).unwrap();
            assert_eq!(
                calculate_root(&p.nodes, p.route, leaf),
                tree.root(),
                "{n} {i}"
            );
            // Another leaf's hash does not pass with this proof.
            let other = leaves[(i + 1) % n];
            if n > 1 {
                assert_ne!(calculate_root(&p.nodes, p.route, &other), tree.root());
            }
        }
        assert!(tree.proof(n).is_none());
    }
    // Three leaves: the third is promoted, not paired with itself.
    let l: Vec<Hash> = (0..3u8).map(|i| keccak256(&[i])).collect();
    let tree = MerkleTree::new(l.clone()).unwrap();
    assert_eq!(tree.root(), keccak_pair(&keccak_pair(&l[0], &l[1]), &l[2]));
    let p = tree.proof(2).unwrap();
    assert_eq!(p.nodes, vec![keccak_pair(&l[0], &l[1])]);
    assert_eq!(p.route, 0, "the promoted node is a right child at the top");
    assert!(MerkleTree::new(Vec::new()).is_none());
}

#[test]
fn move_signatures_are_the_deployed_abis() {
    let path = fixtures().join("contracts/Challenge.json");
    let json: Json = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let abi = &json["abi"];
    let abi: Json = match abi {
        Json::String(s) => serde_json::from_str(s).unwrap(),
        other => other.clone(),
    };
    let declared: Vec<String> = abi
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["type"] == "function")
        .map(|f| {
            let inputs: Vec<&str> = f["inputs"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["type"].as_str().unwrap())
                .collect();
            format!("{}({})", f["name"].as_str().unwrap(), inputs.join(","))
        })
        .collect();
    let file = load("TestChallengeToOSP.json");
    let mut moves: Vec<ClassicMove> = (0..3)
        .map(|i| to_move(&file["Moves"][i]).unwrap())
        .collect();
    moves.push(to_move(&load("TestChallengeToUnreachableSmall.json")["Moves"][1]).unwrap());
    moves.push(ClassicMove::Timeout);
    for mv in &moves {
        assert!(
            declared.iter().any(|d| d == mv.signature()),
            "{}",
            mv.signature()
        );
        assert!(mv.signature().starts_with(mv.function()));
    }
    // The dispatcher of the deployed bytecode compares with each selector (PUSH4).
    let code = json["creation_bytecode"].as_str().unwrap().to_lowercase();
    for mv in &moves {
        let push = format!("63{}", hex::encode(mv.selector()));
        assert!(code.contains(&push), "{} not dispatched", mv.function());
    }
}
