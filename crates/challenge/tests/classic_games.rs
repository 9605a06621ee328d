//! Classic games on small fixture programs, played before the native referee: the
//! honest party wins against every lie in both roles, never has a move refused, and
//! re-runs little of the execution thanks to its snapshots.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use avm_challenge::classic::{
    assertion_rest_hash, play_classic, Accepted, BisectExecution, Bisection, ChunkRef,
    ClassicAssertion, ClassicGameReport, ClassicLiar, ClassicLie, ClassicMove, ClassicParty,
    ClassicRevert, GameConfig, HonestClassic, UNREACHABLE,
};
use avm_challenge::Role;
use avm_code::{load_mexe, LoadOptions};
use avm_machine::Machine;
use avm_testkit::fixtures;
use avm_value::{keccak256, Tuple, Value};
use avm_verifier::classic::ExecutionState;

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
            let result = match &m.verdict {
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
        .map(|m| (m.mv.function(), m.verdict.is_ok()))
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
                m.verdict.is_ok(),
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

/// An asserter that exploits a gap in the deployed rules: `bisectExecution` does not
/// require that a cut after an unreachable one be unreachable too. It claims its run
/// goes on past the machine's halt; answering the honest challenger's bisection, it
/// copies the challenger's own cuts into its sub-cuts (reachable, then unreachable)
/// but ends them with a made-up reachable cut.
struct PastTheHalt {
    truth: HonestClassic,
}

impl ClassicParty for PastTheHalt {
    fn disputes(&mut self, _: &ClassicAssertion) -> bool {
        true
    }

    fn respond(&mut self, prev: &Bisection, degree: u64) -> Option<ClassicMove> {
        // The first chunk whose (honest) end is unreachable.
        let index = prev.cuts.iter().position(|c| *c == UNREACHABLE)? - 1;
        let chunk = prev.chunk(index as u64)?;
        let offsets = chunk.cut_offsets(chunk.chunk_count(degree));
        let cuts = self.truth.execution().cuts_at(&offsets);
        let start = cuts[0].state?;
        let mut chain: Vec<_> = cuts.iter().map(|c| c.hash()).collect();
        *chain.last_mut()? = keccak256(b"made up");
        Some(ClassicMove::Bisect(BisectExecution {
            chunk: ChunkRef {
                proof: prev.tree()?.proof(index)?,
                segment: chunk,
                old_end: prev.cuts[index + 1],
            },
            gas_used_before: start.gas_used,
            assertion_rest: assertion_rest_hash(&start),
            chain_hashes: chain,
        }))
    }

    fn steps_executed(&self) -> u64 {
        0
    }
}

/// A flaw of the deployed Challenge contract (and of the Go validator's strategy, which
/// this party follows): facing a bisection whose only disputed chunk starts at an
/// unreachable cut, the honest party has no legal move (bisecting it reverts on its
/// start, and no proof can start there), so it loses by timeout. This test pins the
/// native referee to the contract's rules; the EVM referee should show the same.
#[test]
fn a_reachable_cut_after_an_unreachable_one_strands_the_honest_challenger() {
    let m = machine("machine-cases/opcodetestmath.mexe");
    let mut truth = HonestClassic::new(m.clone(), &[], 0);
    let honest = truth.assertion(None).unwrap();
    let halt = honest.after.gas_used;
    let assertion = ClassicAssertion {
        before: honest.before,
        after: ExecutionState {
            gas_used: halt * 3,
            machine_hash: keccak256(b"still running"),
            ..honest.after
        },
    };
    let mut asserter = PastTheHalt { truth };
    let mut challenger = HonestClassic::new(m, &[], 0);
    let report = play_classic(
        &assertion,
        &GameConfig::default(),
        &mut asserter,
        &mut challenger,
    );
    let log = describe(&report);
    assert_eq!(report.winner, Role::Asserter, "{log}");
    // The challenger's first bisection is accepted, the asserter answers it, and the
    // challenger then has no legal move: it makes none and times out.
    assert!(report.moves.iter().all(|m| m.verdict.is_ok()), "{log}");
    let functions: Vec<_> = report
        .moves
        .iter()
        .map(|m| (m.by, m.mv.function()))
        .collect();
    assert_eq!(
        functions,
        [
            (Role::Challenger, "bisectExecution"),
            (Role::Asserter, "bisectExecution"),
            (Role::Asserter, "timeout"),
        ],
        "{log}"
    );
    let ClassicMove::Bisect(b) = &report.moves[1].mv else {
        unreachable!()
    };
    let unreachable_then_reachable = b
        .chain_hashes
        .windows(2)
        .any(|w| w[0] == UNREACHABLE && w[1] != UNREACHABLE);
    assert!(unreachable_then_reachable, "{log}");
}

/// Plays an asserter (a liar seeing its run over `liar_messages` of `inbox` truly, but
/// for its claimed end) that claims `after` against the honest challenger.
fn claim_against_honest(
    program: &str,
    inbox: &[Value],
    liar_messages: u64,
    after: ExecutionState,
) -> ClassicGameReport {
    let m = machine(program);
    let before = HonestClassic::new(m.clone(), inbox, 0)
        .assertion(None)
        .unwrap()
        .before;
    let assertion = ClassicAssertion { before, after };
    let max = assertion.max_message_count();
    let mut asserter = ClassicLiar::new(
        HonestClassic::new(m.clone(), inbox, liar_messages),
        ClassicLie::WrongFinal,
        after.gas_used,
    );
    let mut challenger = HonestClassic::new(m, inbox, max);
    play_classic(
        &assertion,
        &GameConfig::default(),
        &mut asserter,
        &mut challenger,
    )
}

#[test]
fn an_assertion_past_the_halt_loses_to_bisection_toward_unreachable() {
    let program = "machine-cases/opcodetestmath.mexe";
    let honest = HonestClassic::new(machine(program), &[], 0)
        .assertion(None)
        .unwrap();
    let after = ExecutionState {
        gas_used: honest.after.gas_used * 3,
        machine_hash: keccak256(b"still running"),
        ..honest.after
    };
    let report = claim_against_honest(program, &[], 0, after);
    check(&report, Role::Challenger, "past the halt");
    // The challenger's bisections end unreachable.
    let first = &report.moves[0];
    let ClassicMove::Bisect(b) = &first.mv else {
        panic!("{}", describe(&report))
    };
    assert_eq!(b.chain_hashes.last(), Some(&UNREACHABLE));
}

#[test]
fn an_assertion_reading_fewer_messages_than_its_run_reverts_too_many_messages() {
    // As upstream's TestChallengeToUnreachable: the end state of a run that read two
    // messages, claimed with an inbox count of 0. The honest challenger, limited to 0
    // messages, bisects toward unreachable down to the first `inbox` step, which the
    // asserter must prove and cannot.
    let program = "speedtest/inbox_0_1.mexe";
    let messages: Vec<Value> = (0..2)
        .map(|i| Value::Tuple(Tuple::pair(Value::int(0), Value::int(i))))
        .collect();
    let honest = HonestClassic::new(machine(program), &messages, 2)
        .assertion(None)
        .unwrap();
    assert_eq!(honest.after.inbox_count, 2);
    let after = ExecutionState {
        inbox_count: 0,
        ..honest.after
    };
    let report = claim_against_honest(program, &messages, 2, after);
    check(&report, Role::Challenger, "fewer messages");
    let last_asserter_move = report
        .moves
        .iter()
        .rev()
        .find(|m| m.by == Role::Asserter && m.mv.function() != "timeout")
        .unwrap();
    assert_eq!(
        last_asserter_move.mv.function(),
        "oneStepProveExecution",
        "{}",
        describe(&report)
    );
    assert!(
        matches!(
            last_asserter_move.verdict,
            Err(ClassicRevert::TooManyMessages { read: 1, max: 0 })
        ),
        "{}",
        describe(&report)
    );
}
