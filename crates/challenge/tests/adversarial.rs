//! Liars lie anywhere, in both roles, over runs that halt, error to a stop or block
//! on their inbox inside the asserted range: the honest party wins every game. And the
//! two rules behind that, checked on the referee directly: the game starts from the
//! agreed state, never the asserter's word, and a blocked machine is shown to stay as
//! it is by a proof the referee checks.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use avm_challenge::{start_claim, Assertion, Lie, MoveError, Phase, Referee, Role};
use avm_code::{Instruction, Opcode, Program};
use avm_machine::{Machine, StopReason};
use avm_prover::{claim, prove_step};
use avm_value::{value_hash, Tuple, Value};
use avm_verifier::{InboxAccumulators, Rejection};
use common::{asserter_lies, game, lies, runs};

#[test]
fn the_runs_stop_inside_the_asserted_range_in_every_way() {
    let runs = runs();
    for how in [
        StopReason::Halted,
        StopReason::ErrorStop,
        StopReason::Blocked,
    ] {
        assert!(runs.iter().any(|r| r.how == how), "no run stops by {how:?}");
    }
    let halts = runs.iter().find(|r| r.name == "halts").unwrap();
    assert_eq!((halts.stop, halts.how), (6, StopReason::Halted));
    let blocks = runs.iter().find(|r| r.name == "blocks on inbox").unwrap();
    assert_eq!((blocks.stop, blocks.how), (3, StopReason::Blocked));
    let peek = runs
        .iter()
        .find(|r| r.name == "blocks on inboxpeek")
        .unwrap();
    assert_eq!((peek.stop, peek.how), (3, StopReason::Blocked));
}

#[test]
fn an_asserter_lying_about_the_start_loses() {
    for run in runs() {
        for steps in [1, run.stop, run.stop + 5] {
            let report = game(&run, steps, 2, Role::Asserter, Lie::At(0));
            assert_eq!(
                report.winner,
                Role::Challenger,
                "{} over {steps}: {}",
                run.name,
                report.reason
            );
            assert_eq!(report.start, start_claim(&run.machine));
        }
    }
}

#[test]
fn a_lie_after_the_machine_blocks_loses_in_both_roles() {
    for run in runs().iter().filter(|r| r.how == StopReason::Blocked) {
        let steps = run.stop * 2 + 3;
        for lie in [
            Lie::At(run.stop + 1),
            Lie::NeverStops(run.stop),
            Lie::WrongFinal,
        ] {
            let report = game(run, steps, 2, Role::Asserter, lie);
            assert_eq!(
                report.winner,
                Role::Challenger,
                "{}: {}",
                run.name,
                report.reason
            );
            assert!(
                report.reason.contains("blocked on the inbox"),
                "{} {}: the honest challenger shows the block: {}",
                run.name,
                lie.name(),
                report.reason
            );
            let report = game(run, steps, 2, Role::Challenger, lie);
            assert_eq!(
                report.winner,
                Role::Asserter,
                "{}: {}",
                run.name,
                report.reason
            );
        }
    }
}

#[test]
fn the_honest_party_wins_every_game_over_runs_that_stop() {
    let mut games = 0;
    let mut disputed = 0;
    for run in runs() {
        let stop = run.stop;
        for steps in [
            1,
            stop.saturating_sub(1).max(1),
            stop,
            stop + 1,
            2 * stop + 3,
        ] {
            for degree in [2, 3, 8] {
                for role in [Role::Asserter, Role::Challenger] {
                    for lie in lies(stop, steps) {
                        let report = game(&run, steps, degree, role, lie);
                        // A "liar" whose claims are all true is honest, and wins.
                        let honest = match role {
                            Role::Asserter if !asserter_lies(lie, stop, steps) => role,
                            _ => role.other(),
                        };
                        assert_eq!(
                            report.winner,
                            honest,
                            "{} over {steps} at degree {degree}: the {} lying {}: {}",
                            run.name,
                            role.name(),
                            lie.name(),
                            report.reason
                        );
                        games += 1;
                        disputed += usize::from(report.disputed);
                    }
                }
            }
        }
    }
    assert!(games > 3000, "{games} games");
    assert!(disputed * 2 > games, "{disputed} of {games} disputed");
}

fn machine(insns: Vec<Instruction>) -> Machine {
    Machine::new(Program::from_instructions(insns, Value::int(0)).unwrap())
}

fn message(i: u64) -> Value {
    Value::Tuple(Tuple::pair(Value::int(0), Value::int(i)))
}

fn accumulators(m: &Machine, inbox: &[Value]) -> InboxAccumulators {
    InboxAccumulators::from_message_hashes(inbox.iter().map(|v| value_hash(v, m.code())))
}

#[test]
fn a_blocked_step_is_decided_by_a_proof_that_the_next_message_is_missing() {
    let mut m = machine(vec![
        Instruction::basic(Opcode::Inbox as u8),
        Instruction::basic(Opcode::Halt as u8),
    ]);
    let start = claim(&mut m);
    // The prover cannot prove a step that blocks...
    assert!(prove_step(&mut m.clone(), &[]).is_err());
    // ...but it can prove it as if the next message were there, and the referee,
    // knowing the inbox is empty, finds it is not: the machine stays as it is.
    let blocked = prove_step(&mut m.clone(), &[message(9)]).unwrap().proof;
    let empty = accumulators(&m, &[]);
    let mut stepped = start;
    stepped.steps += 1;
    for (end, winner) in [(start, Role::Asserter), (stepped, Role::Challenger)] {
        let mut referee = Referee::new(start, &Assertion { steps: 1, end }, 2, empty.clone());
        assert!(matches!(referee.phase(), Phase::Prove(_)));
        assert_eq!(referee.prove(Some(&blocked)), Ok(winner));
    }
    // A challenger with no proof of a running machine loses.
    let mut referee = Referee::new(
        start,
        &Assertion {
            steps: 1,
            end: stepped,
        },
        2,
        empty,
    );
    assert_eq!(referee.prove(None), Err(MoveError::NoProof));
    assert_eq!(referee.winner(), Some(Role::Asserter));
}

#[test]
fn a_running_machine_cannot_be_passed_off_as_blocked() {
    let mut m = machine(vec![
        Instruction::basic(Opcode::Inbox as u8),
        Instruction::basic(Opcode::Halt as u8),
    ]);
    let start = claim(&mut m);
    let inbox = [message(1)];
    let mut after = m.clone();
    let honest = prove_step(&mut after, &inbox).unwrap().proof;
    let mut env = avm_machine::RuntimeEnv::with_inbox(inbox.to_vec());
    after.step(&mut env);
    let end = claim(&mut after);
    let accs = accumulators(&m, &inbox);
    // The asserter claims the machine stays put; the honest proof shows it steps.
    let mut referee = Referee::new(
        start,
        &Assertion {
            steps: 1,
            end: start,
        },
        2,
        accs.clone(),
    );
    assert_eq!(referee.prove(Some(&honest)), Ok(Role::Challenger));
    // A liar shows another message to fake a block: the verifier rejects it.
    let fake = prove_step(&mut m.clone(), &[message(2)]).unwrap().proof;
    let mut referee = Referee::new(start, &Assertion { steps: 1, end }, 2, accs);
    assert_eq!(
        referee.prove(Some(&fake)),
        Err(MoveError::ProofRejected(Rejection::WrongMessage))
    );
    assert_eq!(referee.winner(), Some(Role::Asserter));
}

#[test]
fn a_stopped_machine_needs_no_proof_and_stays_as_it_is() {
    let mut m = machine(vec![Instruction::basic(Opcode::Halt as u8)]);
    let mut env = avm_machine::RuntimeEnv::with_inbox(vec![]);
    m.step(&mut env);
    let halted = claim(&mut m);
    let accs = accumulators(&m, &[]);
    let mut more = halted;
    more.steps += 1;
    for (end, winner) in [(halted, Role::Asserter), (more, Role::Challenger)] {
        let mut referee = Referee::new(halted, &Assertion { steps: 1, end }, 2, accs.clone());
        assert_eq!(referee.prove(None), Ok(winner));
    }
}

#[test]
fn assertions_no_execution_could_make_lose_at_once() {
    let mut m = machine(vec![Instruction::basic(Opcode::Halt as u8)]);
    let start = claim(&mut m);
    let accs = accumulators(&m, &[]);
    let decide = |steps: u64, end| Referee::new(start, &Assertion { steps, end }, 2, accs.clone());
    // Zero steps end where they start.
    assert_eq!(decide(0, start).winner(), Some(Role::Asserter));
    let mut moved = start;
    moved.gas_used += 1;
    assert_eq!(decide(0, moved).winner(), Some(Role::Challenger));
    // More steps counted than were asserted, a message the inbox does not hold, a
    // step count that would pass u64::MAX.
    let mut fast = start;
    fast.steps = 5;
    let mut greedy = start;
    greedy.inbox_consumed = 1;
    for (steps, end) in [(4, fast), (10, greedy)] {
        let referee = decide(steps, end);
        assert_eq!(referee.winner(), Some(Role::Challenger), "{steps} {end:?}");
        assert!(
            matches!(referee.phase(), Phase::Over { reason, .. } if reason.contains("impossible"))
        );
    }
    let mut late = start;
    late.steps = u64::MAX;
    let far = Referee::new(
        late,
        &Assertion {
            steps: 1,
            end: late,
        },
        2,
        accs.clone(),
    );
    assert_eq!(far.winner(), Some(Role::Challenger));
}
