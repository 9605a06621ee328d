//! Altered moves judged by both referees: before each move of a game, variants of it
//! (wrong sender, cut counts, ends, start fields, Merkle routes, executors, proofs,
//! chunk lengths, an early timeout) are sent to the native referee and the deployed
//! Challenge in the same block: both refuse every one, for the same reason where the
//! native referee knows the contract's string; then the real move goes to both.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod challenge_common;

use std::collections::BTreeMap;

use avm_challenge::classic::{
    play_classic, ClassicAssertion, ClassicGameReport, ClassicLiar, ClassicLie, ClassicMove,
    ClassicReferee, ClassicRevert, GameConfig, HonestClassic, ProveContinuedExecution, UNREACHABLE,
};
use avm_challenge::Role;
use avm_code::{load_mexe, LoadOptions};
use avm_l1::{EvmReferee, Hardfork, MoveVerdict};
use avm_machine::Machine;
use avm_testkit::fixtures;
use avm_value::Hash;

fn machine(rel: &str) -> Machine {
    Machine::new(load_mexe(&fixtures().join(rel), &LoadOptions::default()).unwrap())
}

/// Variants of `mv` sent by `by` in `block`: (what, sender, block, move).
fn mutants(by: Role, block: u64, mv: &ClassicMove) -> Vec<(&'static str, Role, u64, ClassicMove)> {
    let mut out = Vec::new();
    let mut push = |what, m: ClassicMove| out.push((what, by, block, m));
    match mv {
        ClassicMove::Bisect(b) => {
            let mut m = b.clone();
            m.chain_hashes.pop();
            push("a cut fewer", ClassicMove::Bisect(m));
            let mut m = b.clone();
            m.chain_hashes.push(Hash([1; 32]));
            push("a cut more", ClassicMove::Bisect(m));
            let mut m = b.clone();
            *m.chain_hashes.last_mut().unwrap() = m.chunk.old_end;
            push("the disputed end", ClassicMove::Bisect(m));
            let mut m = b.clone();
            m.gas_used_before += 1;
            push("another start gas", ClassicMove::Bisect(m));
            let mut m = b.clone();
            m.assertion_rest.0[0] ^= 1;
            push("another start rest", ClassicMove::Bisect(m));
            let mut m = b.clone();
            m.chunk.segment.length = 1;
            push("a segment of one", ClassicMove::Bisect(m));
            let mut m = b.clone();
            m.chunk.proof.route ^= 1;
            push("another route", ClassicMove::Bisect(m));
            let mut m = b.clone();
            m.chunk.proof.nodes.push(Hash([2; 32]));
            push("a node more", ClassicMove::Bisect(m));
            let mut m = b.clone();
            m.chunk.old_end.0[31] ^= 1;
            push("another old end", ClassicMove::Bisect(m));
            let mut m = b.clone();
            m.chunk.segment.start += 1;
            push("another segment start", ClassicMove::Bisect(m));
            let mut m = b.clone();
            *m.chain_hashes.last_mut().unwrap() = UNREACHABLE;
            m.chunk.segment.length = 1;
            push(
                "unreachable end of a segment of one",
                ClassicMove::Bisect(m),
            );
            let mut m = b.clone();
            m.chain_hashes.clear();
            push("no cuts", ClassicMove::Bisect(m));
            push(
                "continued execution of a chunk holding steps",
                ClassicMove::ProveContinued(ProveContinuedExecution {
                    chunk: b.chunk.clone(),
                    gas_used_before: b.gas_used_before,
                    assertion_rest: b.assertion_rest,
                }),
            );
        }
        ClassicMove::ProveContinued(p) => {
            let mut m = p.clone();
            m.gas_used_before = m.chunk.segment.start;
            push("a start inside the chunk", ClassicMove::ProveContinued(m));
            let mut m = p.clone();
            m.chunk.proof.route ^= 1;
            push("another route", ClassicMove::ProveContinued(m));
            let mut m = p.clone();
            m.chunk.old_end.0[31] ^= 1;
            push("another old end", ClassicMove::ProveContinued(m));
        }
        ClassicMove::OneStepProve(p) => {
            for prover in 0..=3u8 {
                if prover != p.prover {
                    let mut m = p.clone();
                    m.prover = prover;
                    push("another executor", ClassicMove::OneStepProve(m));
                }
            }
            let mut m = p.clone();
            m.execution_proof.truncate(10);
            push("a truncated proof", ClassicMove::OneStepProve(m));
            let mut m = p.clone();
            m.initial_state[0] = m.chunk.segment.start + m.chunk.segment.length;
            push("a start past the chunk", ClassicMove::OneStepProve(m));
            let mut m = p.clone();
            m.chunk.segment.length += 1_000_000;
            push("a longer chunk", ClassicMove::OneStepProve(m));
            let mut m = p.clone();
            m.chunk.proof.route ^= 1;
            push("another route", ClassicMove::OneStepProve(m));
            let mut m = p.clone();
            m.initial_accs[1].0[0] ^= 1;
            push("another log acc", ClassicMove::OneStepProve(m));
            let mut m = p.clone();
            m.initial_messages_read += 1;
            push("more messages read", ClassicMove::OneStepProve(m));
        }
        ClassicMove::Timeout => {
            out.push(("an early timeout", by, block - 1, ClassicMove::Timeout));
        }
    }
    if !matches!(mv, ClassicMove::Timeout) {
        out.push(("the other party", by.other(), block, mv.clone()));
    }
    out
}

/// Plays `report`'s moves on both referees, each preceded by its mutants; counts
/// the refusals by reason.
fn judge(
    assertion: &ClassicAssertion,
    config: &GameConfig,
    report: &ClassicGameReport,
    what: &str,
    seen: &mut BTreeMap<String, usize>,
) {
    let hash = assertion.execution_hash().unwrap();
    let mut native = ClassicReferee::new(
        hash,
        assertion.max_message_count(),
        config.asserter_time_left,
        config.challenger_time_left,
        config.start_block,
        config.degree,
    );
    let mut evm = EvmReferee::new(&challenge_common::contracts(), Hardfork::London).unwrap();
    evm.start(
        config.start_block,
        hash,
        assertion.max_message_count(),
        config.asserter_time_left,
        config.challenger_time_left,
    )
    .unwrap();
    let mut last_move: Option<ClassicMove> = None;
    for record in &report.moves {
        let mut variants = mutants(record.by, record.block, &record.mv);
        if let (ClassicMove::Timeout, Some(late)) = (&record.mv, &last_move) {
            // The party on turn moving once its blocks are used up.
            variants.push(("a late move", record.by.other(), record.block, late.clone()));
        } else {
            last_move = Some(record.mv.clone());
        }
        for (how, by, block, mv) in variants {
            let ours = native.clone().apply(by, block, &mv);
            let Err(refusal) = ours else {
                continue; // a variant that is still a legal move: not sent
            };
            let theirs = evm.apply(by, block, &mv).unwrap();
            let at = format!("{what}: {} {how}", mv.function());
            assert!(
                !theirs.verdict.is_accepted(),
                "{at}: the contract accepts, native {refusal}"
            );
            match refusal.reason() {
                Some(reason) => assert_eq!(theirs.verdict.reason(), Some(reason), "{at}"),
                None => assert!(
                    !matches!(
                        refusal,
                        ClassicRevert::InboxStepNative | ClassicRevert::Over
                    ),
                    "{at}"
                ),
            }
            let key = match (&refusal, &theirs.verdict) {
                (r, _) if r.reason().is_some() => r.reason().unwrap_or_default().to_owned(),
                (r, MoveVerdict::Reverted { reason }) => {
                    let native = format!("{r:?}");
                    let native = native
                        .split(['(', ' '])
                        .next()
                        .unwrap_or_default()
                        .to_owned();
                    format!(
                        "{native} (EVM: {})",
                        reason.as_deref().unwrap_or("no reason")
                    )
                }
                _ => unreachable!(),
            };
            *seen.entry(key).or_default() += 1;
        }
        let ours = native.apply(record.by, record.block, &record.mv);
        let theirs = evm.apply(record.by, record.block, &record.mv).unwrap();
        assert_eq!(
            ours.is_ok(),
            theirs.verdict.is_accepted(),
            "{what}: {:?}",
            record.mv.function()
        );
    }
    assert_eq!(evm.winner().unwrap(), Some(report.winner), "{what}");
}

#[test]
fn both_referees_refuse_every_altered_move_for_the_same_reason() {
    let config = GameConfig::default();
    let mut seen = BTreeMap::new();
    let mut games = 0;
    for (program, budget) in [
        ("machine-cases/opcodetestmath.mexe", None),
        ("machine-cases/opcodetesthash.mexe", None),
        ("machine-cases/bufferopcodetest.mexe", None),
        ("machine-cases/inbox.mexe", None),
        ("speedtest/add_2_1.mexe", Some(30_000u64)),
    ] {
        let m = machine(program);
        let honest = HonestClassic::new(m.clone(), &[], 0)
            .assertion(budget)
            .unwrap();
        let end = honest.after.gas_used;
        for lie in [
            ClassicLie::LieAt(end / 2),
            ClassicLie::WrongFinal,
            ClassicLie::ForgedProof,
            ClassicLie::PicksAgreed,
        ] {
            let mut asserter = HonestClassic::new(m.clone(), &[], 0);
            let mut challenger = ClassicLiar::new(HonestClassic::new(m.clone(), &[], 0), lie, end);
            let report = play_classic(&honest, &config, &mut asserter, &mut challenger);
            judge(
                &honest,
                &config,
                &report,
                &format!("{program} challenger {}", lie.name()),
                &mut seen,
            );

            let mut asserter = ClassicLiar::new(HonestClassic::new(m.clone(), &[], 0), lie, end);
            let assertion = asserter.assertion(budget).unwrap();
            let mut challenger = HonestClassic::new(m.clone(), &[], assertion.max_message_count());
            let report = play_classic(&assertion, &config, &mut asserter, &mut challenger);
            judge(
                &assertion,
                &config,
                &report,
                &format!("{program} asserter {}", lie.name()),
                &mut seen,
            );
            games += 2;
        }
    }
    let total: usize = seen.values().sum();
    println!("{games} games, {total} altered moves refused by both referees:");
    for (reason, n) in &seen {
        println!("  {n:5}  {reason}");
    }
    for reason in [
        "BIS_SENDER",
        "BIS_DEADLINE",
        "TOO_SHORT",
        "CUT_COUNT",
        "SAME_END",
        "segment pre-fields",
        "BIS_PREV",
        "OSP_CONT",
        "OSP_SHORT",
        "NOT_CONT",
        "TIMEOUT_DEADLINE",
    ] {
        assert!(seen.contains_key(reason), "no alteration reverted {reason}");
    }
}
