//! Classic games played by `play_classic` on small fixture programs, every lie in both
//! roles, each move applied to the native referee (in the game) and to the deployed
//! Challenge contract: the same acceptance and the same revert reason every time, and
//! the honest party wins on the contract.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod challenge_common;

use std::collections::BTreeMap;

use avm_challenge::classic::{
    play_classic, Accepted, ClassicAssertion, ClassicGameReport, ClassicLiar, ClassicLie,
    ClassicMove, ClassicRevert, GameConfig, HonestClassic,
};
use avm_challenge::Role;
use avm_code::{load_mexe, LoadOptions};
use avm_l1::{run_on_evm, Contracts, EvmGame, Hardfork, MoveVerdict};
use avm_machine::Machine;
use avm_testkit::fixtures;

fn machine(rel: &str) -> Machine {
    Machine::new(load_mexe(&fixtures().join(rel), &LoadOptions::default()).unwrap())
}

/// Programs that do not read the inbox (they halt, error, block on an empty inbox, or
/// are asserted up to a gas budget); between them every executor proves a step.
const PROGRAMS: [(&str, Option<u64>); 8] = [
    ("machine-cases/opcodetestmath.mexe", None),
    ("machine-cases/opcodetestlogic.mexe", None),
    ("machine-cases/opcodetesttuple.mexe", None),
    ("machine-cases/opcodetesthash.mexe", None),
    ("machine-cases/opcodeteststack.mexe", None),
    ("machine-cases/bufferopcodetest.mexe", None),
    ("machine-cases/inbox.mexe", None),
    ("speedtest/add_2_1.mexe", Some(30_000)),
];

fn lies(base: u64, end: u64) -> Vec<ClassicLie> {
    let middle = base + (end - base) / 2;
    vec![
        ClassicLie::LieAt(middle),
        ClassicLie::LieAt(base + 1),
        ClassicLie::WrongFinal,
        ClassicLie::WrongIntermediate,
        ClassicLie::PicksAgreed,
        ClassicLie::ForgedProof,
        ClassicLie::Silent,
    ]
}

/// L1 gas per (function, accepted) over all games, and the revert reasons seen.
#[derive(Default)]
struct Gas(
    BTreeMap<(String, bool), Vec<u64>>,
    BTreeMap<String, usize>,
    Vec<(u64, usize, u64)>,
);

impl Gas {
    fn add(&mut self, game: &EvmGame) {
        let bisections = game
            .moves
            .iter()
            .filter(|m| m.function == "bisectExecution" && m.verdict.is_accepted())
            .count() as u64;
        self.2
            .push((bisections, game.moves.len(), game.move_gas().iter().sum()));
        for m in &game.moves {
            self.0
                .entry((m.function.to_owned(), m.verdict.is_accepted()))
                .or_default()
                .push(m.gas_used);
            if let MoveVerdict::Reverted { reason } = &m.verdict {
                *self
                    .1
                    .entry(format!("{} {reason:?}", m.function))
                    .or_default() += 1;
            }
        }
    }

    fn print(&self, title: &str) {
        println!("{title}: L1 gas per move");
        for ((function, ok), gas) in &self.0 {
            let sum: u64 = gas.iter().sum();
            println!(
                "  {function} ({}): {} moves, min {}, mean {}, max {}",
                if *ok { "accepted" } else { "reverted" },
                gas.len(),
                gas.iter().min().unwrap(),
                sum / gas.len() as u64,
                gas.iter().max().unwrap()
            );
        }
        for (reason, n) in &self.1 {
            println!("  reverted {n}x: {reason}");
        }
        let range = |f: &dyn Fn(&(u64, usize, u64)) -> u64| {
            let values: Vec<u64> = self.2.iter().map(f).collect();
            (values.iter().min().copied(), values.iter().max().copied())
        };
        println!(
            "  per game: bisections {:?}, moves {:?}, L1 gas {:?}",
            range(&|g| g.0),
            range(&|g| g.1 as u64),
            range(&|g| g.2)
        );
    }
}

/// Replays the native game on the EVM and checks both referees agree on every move.
/// Returns the EVM game and how many moves were compared.
fn compare(
    contracts: &Contracts,
    assertion: &ClassicAssertion,
    config: &GameConfig,
    report: &ClassicGameReport,
    what: &str,
) -> (EvmGame, usize) {
    let game = run_on_evm(
        contracts,
        Hardfork::London,
        assertion,
        config,
        &[],
        &report.moves,
    )
    .unwrap();
    assert_eq!(game.moves.len(), report.moves.len());
    let mut compared = 0;
    for (native, evm) in report.moves.iter().zip(&game.moves) {
        let at = format!(
            "{what}: {} {} in block {}",
            native.by.name(),
            evm.function,
            native.block
        );
        match &native.verdict {
            Ok(_) => assert_eq!(evm.verdict, MoveVerdict::Accepted, "{at}: native accepts"),
            // Native-only variants: the EVM reverts too, for the executor's own reason
            // (or none).
            Err(
                ClassicRevert::Executor(_)
                | ClassicRevert::WrongExecutor { .. }
                | ClassicRevert::Panic(_),
            ) => assert!(
                !evm.verdict.is_accepted(),
                "{at}: native {:?}, EVM accepts",
                native.verdict
            ),
            // The native verifier cannot judge an inbox step: the EVM is the authority.
            Err(ClassicRevert::InboxStepNative) => continue,
            // Under London the self-destructed Challenge's address has no code: the
            // call succeeds and does nothing.
            Err(ClassicRevert::Over) => assert!(evm.verdict.is_accepted(), "{at}"),
            Err(r) => assert_eq!(
                evm.verdict,
                MoveVerdict::Reverted {
                    reason: r.reason().map(str::to_owned)
                },
                "{at}: native {r}"
            ),
        }
        compared += 1;
    }
    assert_eq!(
        game.winner,
        Some(report.winner),
        "{what}: the contract's verdict"
    );
    (game, compared)
}

fn check_honest(report: &ClassicGameReport, game: &EvmGame, honest: Role, what: &str) {
    assert!(report.disputed, "{what}");
    assert_eq!(
        game.winner,
        Some(honest),
        "{what}: the honest party lost on the contract"
    );
    for (native, evm) in report.moves.iter().zip(&game.moves) {
        if native.by == honest {
            assert!(
                evm.verdict.is_accepted(),
                "{what}: the contract refused an honest {}",
                evm.function
            );
        }
    }
    assert!(matches!(
        report.moves.last().map(|m| &m.verdict),
        Some(Ok(Accepted::Decided { .. }))
    ));
}

#[test]
fn native_and_evm_referees_agree_on_every_move_and_the_honest_party_wins() {
    let contracts = challenge_common::contracts();
    let config = GameConfig::default();
    let (mut games, mut compared, mut reverts) = (0, 0, 0);
    let mut gas = Gas::default();
    for (program, budget) in PROGRAMS {
        let m = machine(program);
        let honest_assertion = HonestClassic::new(m.clone(), &[], 0)
            .assertion(budget)
            .unwrap();
        let (base, end) = (
            honest_assertion.before.gas_used,
            honest_assertion.after.gas_used,
        );
        for lie in lies(base, end) {
            // A lying challenger against the honest asserter.
            let mut asserter =
                HonestClassic::new(m.clone(), &[], honest_assertion.max_message_count());
            let mut challenger = ClassicLiar::new(
                HonestClassic::new(m.clone(), &[], honest_assertion.max_message_count()),
                lie,
                end,
            );
            let report = play_classic(&honest_assertion, &config, &mut asserter, &mut challenger);
            let what = format!("{program}, challenger {}", lie.name());
            let (game, n) = compare(&contracts, &honest_assertion, &config, &report, &what);
            check_honest(&report, &game, Role::Asserter, &what);
            gas.add(&game);
            (games, compared) = (games + 1, compared + n);
            reverts += game
                .moves
                .iter()
                .filter(|m| !m.verdict.is_accepted())
                .count();

            // A lying asserter against the honest challenger.
            let mut asserter = ClassicLiar::new(HonestClassic::new(m.clone(), &[], 0), lie, end);
            let assertion = asserter.assertion(budget).unwrap();
            let mut challenger = HonestClassic::new(m.clone(), &[], assertion.max_message_count());
            let report = play_classic(&assertion, &config, &mut asserter, &mut challenger);
            let what = format!("{program}, asserter {}", lie.name());
            let (game, n) = compare(&contracts, &assertion, &config, &report, &what);
            check_honest(&report, &game, Role::Challenger, &what);
            gas.add(&game);
            (games, compared) = (games + 1, compared + n);
            reverts += game
                .moves
                .iter()
                .filter(|m| !m.verdict.is_accepted())
                .count();
        }
    }
    gas.print(&format!(
        "{games} games, {compared} moves compared, {reverts} reverted"
    ));
    assert_eq!(games, PROGRAMS.len() * 7 * 2);
}

#[test]
fn after_the_game_the_challenge_is_gone_under_london_and_inert_under_cancun() {
    let contracts = challenge_common::contracts();
    let config = GameConfig::default();
    let m = machine("machine-cases/opcodetestmath.mexe");
    let assertion = HonestClassic::new(m.clone(), &[], 0)
        .assertion(None)
        .unwrap();
    let end = assertion.after.gas_used;
    for hardfork in [Hardfork::London, Hardfork::Cancun] {
        let mut asserter = HonestClassic::new(m.clone(), &[], 0);
        let mut challenger = ClassicLiar::new(
            HonestClassic::new(m.clone(), &[], 0),
            ClassicLie::WrongFinal,
            end,
        );
        let report = play_classic(&assertion, &config, &mut asserter, &mut challenger);
        let mut game = run_on_evm(
            &contracts,
            hardfork,
            &assertion,
            &config,
            &[],
            &report.moves,
        )
        .unwrap();
        assert_eq!(game.winner, Some(Role::Asserter));
        let last = report.moves.last().unwrap().block;
        let first = &report.moves[0];
        let again = [
            game.referee
                .apply(Role::Challenger, last + 1, &ClassicMove::Timeout)
                .unwrap(),
            game.referee
                .apply(Role::Challenger, last + 2, &first.mv)
                .unwrap(),
        ];
        println!("{hardfork:?}: {again:?}");
        match hardfork {
            // No code at the address: every call succeeds and does nothing.
            Hardfork::London => {
                assert!(again.iter().all(|m| m.verdict.is_accepted()));
                // Only the intrinsic gas: 21,000 and the call data.
                for (m, mv) in again.iter().zip([&ClassicMove::Timeout, &first.mv]) {
                    let data: u64 = avm_l1::encode_move(mv)
                        .iter()
                        .map(|b| if *b == 0 { 4 } else { 16 })
                        .sum();
                    assert_eq!(m.gas_used, 21_000 + data, "{m:?}");
                }
            }
            // EIP-6780: the code and state survive; timeout() runs again and reports
            // the same verdict, and a move is past its deadline.
            _ => {
                assert!(again[0].verdict.is_accepted(), "{again:?}");
                assert!(again[0].gas_used > 21_064, "{again:?}");
                assert_eq!(again[1].verdict.reason(), Some("BIS_DEADLINE"));
            }
        }
        // The tester's verdict stands.
        assert_eq!(game.referee.winner().unwrap(), Some(Role::Asserter));
    }
}
