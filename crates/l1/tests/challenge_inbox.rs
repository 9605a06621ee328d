//! Classic games on a program that reads the L1 inbox, played with the deployed
//! Challenge as the authority: messages delivered through the Bridge and posted by the
//! SequencerInbox, one-step proofs of `inbox` steps carrying the inbox suffix from our
//! model of the same inbox; every lie in both roles; the honest party wins on the
//! contract and the native referee agrees wherever it can judge.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod challenge_common;

use challenge_common::{delayed, echo};

use avm_challenge::classic::{
    ClassicLiar, ClassicLie, ClassicMove, ClassicRevert, GameConfig, HonestClassic,
};
use avm_challenge::Role;
use avm_l1::{DelayedMessage, EvmPlay, EvmReferee, Hardfork, MoveVerdict, WithInboxSuffix};
use avm_prover::classic::{prove_step_l1, ClassicInbox};

/// A referee with three delayed messages delivered and posted in one batch, and our
/// model of that inbox.
fn setup() -> (EvmReferee, ClassicInbox) {
    let mut referee = EvmReferee::new(&challenge_common::contracts(), Hardfork::London).unwrap();
    let messages: Vec<DelayedMessage> = (1..=3).map(delayed).collect();
    let model = referee.feed_delayed(&messages).unwrap();
    assert_eq!(
        model.len(),
        4,
        "3 delayed messages and an end-of-block message"
    );
    (referee, model)
}

/// The gas used before each `inbox` step of the whole run.
fn inbox_step_gas(model: &ClassicInbox) -> Vec<u64> {
    let mut machine = echo();
    let mut out = Vec::new();
    while let Ok(step) = prove_step_l1(&mut machine, model) {
        if step.proof[0] == 0x72 {
            out.push(step.before.gas_used);
        }
    }
    out
}

fn check(play: &EvmPlay, honest: Role, what: &str) -> (usize, usize) {
    assert!(play.disputed, "{what}");
    let log: Vec<String> = play
        .moves
        .iter()
        .map(|m| {
            format!(
                "{} {} {:?} {}",
                m.evm.by.name(),
                m.evm.function,
                m.evm.verdict,
                m.evm.gas_used
            )
        })
        .collect();
    assert_eq!(play.winner, honest, "{what}:\n  {}", log.join("\n  "));
    let (mut compared, mut inbox_proofs) = (0, 0);
    for m in &play.moves {
        if m.evm.by == honest {
            assert!(
                m.evm.verdict.is_accepted(),
                "{what}: honest {} refused: {:?}",
                m.evm.function,
                m.evm.verdict
            );
        }
        if let ClassicMove::OneStepProve(p) = &m.mv {
            if p.execution_proof[0] == 0x72 && m.evm.verdict.is_accepted() {
                inbox_proofs += 1;
            }
        }
        match &m.native {
            Err(ClassicRevert::InboxStepNative) => continue,
            Ok(_) => assert!(m.evm.verdict.is_accepted(), "{what}: {m:?}"),
            Err(r) => match r.reason() {
                Some(reason) => assert_eq!(
                    m.evm.verdict,
                    MoveVerdict::Reverted {
                        reason: Some(reason.into())
                    },
                    "{what}"
                ),
                None => assert!(!m.evm.verdict.is_accepted(), "{what}: {m:?}"),
            },
        }
        compared += 1;
    }
    (compared, inbox_proofs)
}

#[test]
fn games_over_the_l1_inbox_are_won_by_the_honest_party_on_the_contract() {
    let (_, model) = setup();
    let inbox_gas = inbox_step_gas(&model);
    assert_eq!(inbox_gas.len(), 4, "every message read");
    let values = model.values().to_vec();
    let config = GameConfig {
        start_block: 100,
        ..GameConfig::default()
    };
    let honest_assertion = HonestClassic::new(echo(), &values, model.len())
        .assertion(None)
        .unwrap();
    assert_eq!(honest_assertion.after.inbox_count, 4);
    let end = honest_assertion.after.gas_used;
    let mut lies: Vec<ClassicLie> = inbox_gas.iter().map(|g| ClassicLie::LieAt(g + 1)).collect();
    lies.extend([
        ClassicLie::LieAt(end / 2),
        ClassicLie::WrongFinal,
        ClassicLie::WrongIntermediate,
        ClassicLie::PicksAgreed,
        ClassicLie::ForgedProof,
        ClassicLie::Silent,
    ]);
    let (mut games, mut compared, mut inbox_proofs, mut gas) = (0, 0, 0, Vec::new());
    for lie in lies {
        let honest = || HonestClassic::new(echo(), &values, model.len());
        // A lying challenger.
        let (mut referee, _) = setup();
        let mut asserter = WithInboxSuffix {
            party: honest(),
            inbox: &model,
        };
        let mut challenger = WithInboxSuffix {
            party: ClassicLiar::new(honest(), lie, end),
            inbox: &model,
        };
        let play = referee
            .play(&honest_assertion, &config, &mut asserter, &mut challenger)
            .unwrap();
        let (c, p) = check(&play, Role::Asserter, &format!("challenger {}", lie.name()));
        gas.push((
            format!("challenger {}", lie.name()),
            play.moves
                .iter()
                .map(|m| m.evm.gas_used)
                .collect::<Vec<_>>(),
        ));
        (games, compared, inbox_proofs) = (games + 1, compared + c, inbox_proofs + p);

        // A lying asserter.
        let (mut referee, _) = setup();
        let mut liar = ClassicLiar::new(honest(), lie, end);
        let assertion = liar.assertion(None).unwrap();
        let mut asserter = WithInboxSuffix {
            party: liar,
            inbox: &model,
        };
        let mut challenger = WithInboxSuffix {
            party: honest(),
            inbox: &model,
        };
        let play = referee
            .play(&assertion, &config, &mut asserter, &mut challenger)
            .unwrap();
        let (c, p) = check(&play, Role::Challenger, &format!("asserter {}", lie.name()));
        gas.push((
            format!("asserter {}", lie.name()),
            play.moves
                .iter()
                .map(|m| m.evm.gas_used)
                .collect::<Vec<_>>(),
        ));
        (games, compared, inbox_proofs) = (games + 1, compared + c, inbox_proofs + p);
    }
    println!("{games} games, {compared} moves judged alike natively, {inbox_proofs} inbox steps proven on L1");
    for (what, g) in &gas {
        println!("  {what}: {g:?}");
    }
    assert!(inbox_proofs >= 4, "the disputes reached inbox steps");
}
