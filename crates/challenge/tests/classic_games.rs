//! Classic games on small fixture programs, played before the native referee: the
//! honest party wins against every lie in both roles, never has a move refused, and
//! re-runs little of the execution thanks to its snapshots.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use avm_challenge::classic::{
    play_classic, Accepted, ClassicGameReport, ClassicLiar, ClassicLie, ClassicMove, ClassicParty,
    GameConfig, HonestClassic,
};
use avm_challenge::Role;
use avm_code::{load_mexe, LoadOptions};
use avm_machine::Machine;
use avm_testkit::fixtures;

fn machine(rel: &str) -> Machine {
    Machine::new(load_mexe(&fixtures().join(rel), &LoadOptions::default()).unwrap())
}

/// Programs that do not read the inbox: they halt, stop on an error or block on an
/// empty inbox, or run on and are asserted up to a gas budget.
const PROGRAMS: [(&str, Option<u64>); 9] = [
    ("machine-cases/opcodetestmath.mexe", None),
    ("machine-cases/opcodetestlogic.mexe", None),
    ("machine-cases/opcodetesttuple.mexe", None),
    ("machine-cases/opcodetesthash.mexe", None),
    ("machine-cases/opcodeteststack.mexe", None),
    ("machine-cases/bufferopcodetest.mexe", None),
    ("machine-cases/inbox.mexe", None),
    ("machine-cases/opcodetestecops.mexe", None),
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

fn describe(report: &ClassicGameReport) -> String {
    report
        .moves
        .iter()
        .map(|m| {
            let chunk =
                m.mv.chunk()
                    .map(|c| format!(" [{}+{}]", c.segment.start, c.segment.length))
                    .unwrap_or_default();
            let result = match &m.result {
                Ok(Accepted::Bisected(b)) => format!("ok, {} chunks", b.chunk_count()),
                Ok(other) => format!("{other:?}"),
                Err(e) => format!("reverts {e}"),
            };
            format!("{} {}{chunk}: {result}", m.by.name(), m.mv.function())
        })
        .collect::<Vec<_>>()
        .join("\n  ")
}

/// The kinds of move a report holds: (function, accepted).
fn kinds(report: &ClassicGameReport) -> Vec<(&'static str, bool)> {
    report
        .moves
        .iter()
        .map(|m| (m.mv.function(), m.result.is_ok()))
        .collect()
}

/// Checks that `honest` won and none of its moves was refused.
fn check(report: &ClassicGameReport, honest: Role, what: &str) {
    let log = describe(report);
    assert!(report.disputed, "{what}: no dispute");
    assert_eq!(
        report.winner,
        honest,
        "{what}: the honest {} lost:\n  {log}",
        honest.name()
    );
    for m in &report.moves {
        if m.by == honest {
            assert!(
                m.result.is_ok(),
                "{what}: an honest move was refused:\n  {log}"
            );
        }
    }
    // Every game ends with a timeout(), the only way a winner is recorded.
    assert!(matches!(
        report.moves.last().map(|m| &m.mv),
        Some(ClassicMove::Timeout)
    ));
}

#[test]
fn honest_parties_agree_and_there_is_no_game() {
    for (program, budget) in PROGRAMS {
        let m = machine(program);
        let mut asserter = HonestClassic::new(m.clone(), &[], 0);
        let assertion = asserter.assertion(budget).unwrap();
        let mut challenger = HonestClassic::new(m, &[], assertion.max_message_count());
        let report = play_classic(
            &assertion,
            &GameConfig::default(),
            &mut asserter,
            &mut challenger,
        );
        assert!(!report.disputed, "{program}");
        assert_eq!(report.winner, Role::Asserter);
        assert!(report.moves.is_empty());
    }
}

#[test]
fn the_honest_asserter_beats_every_lying_challenger() {
    let mut seen: Vec<(&str, bool)> = Vec::new();
    for (program, budget) in PROGRAMS {
        let m = machine(program);
        let mut asserter = HonestClassic::new(m.clone(), &[], 0);
        let assertion = asserter.assertion(budget).unwrap();
        let (base, end) = (assertion.before.gas_used, assertion.after.gas_used);
        for lie in lies(base, end) {
            let mut asserter = HonestClassic::new(m.clone(), &[], assertion.max_message_count());
            let honest = HonestClassic::new(m.clone(), &[], assertion.max_message_count());
            let mut challenger = ClassicLiar::new(honest, lie, end);
            let report = play_classic(
                &assertion,
                &GameConfig::default(),
                &mut asserter,
                &mut challenger,
            );
            check(
                &report,
                Role::Asserter,
                &format!("{program}, challenger {}", lie.name()),
            );
            seen.extend(kinds(&report));
        }
    }
    covers_every_move(&seen);
}

#[test]
fn the_honest_challenger_beats_every_lying_asserter() {
    let mut seen: Vec<(&str, bool)> = Vec::new();
    for (program, budget) in PROGRAMS {
        let m = machine(program);
        let end = HonestClassic::new(m.clone(), &[], 0)
            .assertion(budget)
            .unwrap()
            .after
            .gas_used;
        for lie in lies(0, end) {
            let mut asserter = ClassicLiar::new(HonestClassic::new(m.clone(), &[], 0), lie, end);
            let assertion = asserter.assertion(budget).unwrap();
            let mut challenger = HonestClassic::new(m.clone(), &[], assertion.max_message_count());
            let report = play_classic(
                &assertion,
                &GameConfig::default(),
                &mut asserter,
                &mut challenger,
            );
            check(
                &report,
                Role::Challenger,
                &format!("{program}, asserter {}", lie.name()),
            );
            seen.extend(kinds(&report));
        }
    }
    covers_every_move(&seen);
}

#[test]
fn the_honest_party_reruns_little_of_a_long_run() {
    let m = machine("speedtest/add_2_1.mexe");
    let budget = 600_000;
    let mut probe = HonestClassic::new(m.clone(), &[], 0);
    let assertion = probe.assertion(Some(budget)).unwrap();
    let end = assertion.after.gas_used;
    let run_steps = probe.steps_executed();
    assert!(run_steps > 300_000, "{run_steps}");
    let mut asserter = HonestClassic::new(m.clone(), &[], 0);
    let mut challenger = ClassicLiar::new(
        HonestClassic::new(m.clone(), &[], 0),
        ClassicLie::LieAt(end / 3),
        end,
    );
    let report = play_classic(
        &assertion,
        &GameConfig::default(),
        &mut asserter,
        &mut challenger,
    );
    check(&report, Role::Asserter, "add_2_1, long");
    assert!(report.bisections >= 2, "{}", describe(&report));
    // The whole run once to the end claim, once more to cut it, then only chunks.
    assert!(
        report.asserter_steps <= 3 * run_steps,
        "{} steps for a run of {run_steps}",
        report.asserter_steps
    );
}

/// The matrix exercised every move, accepted and refused.
fn covers_every_move(seen: &[(&'static str, bool)]) {
    for kind in [
        ("bisectExecution", true),
        ("oneStepProveExecution", true),
        ("oneStepProveExecution", false),
        ("proveContinuedExecution", true),
        ("proveContinuedExecution", false),
        ("timeout", true),
    ] {
        assert!(seen.contains(&kind), "no {kind:?} in any game");
    }
}
