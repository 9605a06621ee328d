//! Runs that halt, error or block, and games over them, shared by the adversarial
//! tests and the property tests.

#![allow(dead_code)]

use avm_challenge::{
    play_with, start_claim, Dispute, GameReport, HonestParty, Liar, Lie, Party, Role,
};
use avm_code::{load_mexe, Instruction, LoadOptions, Opcode, Program};
use avm_machine::{Machine, RunLimits, RuntimeEnv, StopReason};
use avm_testkit::{fixtures, push};
use avm_value::{value_hash, Tuple, Value};
use avm_verifier::InboxAccumulators;

/// A program, its inbox, and how its run ends.
pub struct Run {
    pub name: &'static str,
    pub machine: Machine,
    pub inbox: Vec<Value>,
    /// Steps until the machine halts, errors to a stop or blocks.
    pub stop: u64,
    /// How it stops.
    pub how: StopReason,
}

fn op(o: Opcode) -> Instruction {
    Instruction::basic(o as u8)
}

fn message(i: u64) -> Value {
    Value::Tuple(Tuple::pair(Value::int(0), Value::int(i)))
}

fn built(insns: Vec<Instruction>) -> Machine {
    Machine::new(Program::from_instructions(insns, Value::int(0)).unwrap())
}

fn fixture(rel: &str) -> Machine {
    Machine::new(load_mexe(&fixtures().join(rel), &LoadOptions::default()).unwrap())
}

/// Runs until the machine stops (it must, within 100 000 steps).
fn stop_of(machine: &Machine, inbox: &[Value]) -> (u64, StopReason) {
    let mut m = machine.clone();
    let mut env = RuntimeEnv::with_inbox(inbox.to_vec());
    let limits = RunLimits {
        max_steps: Some(100_000),
        max_gas: None,
    };
    loop {
        match m.run(&mut env, &limits).reason {
            StopReason::Breakpoint => continue,
            reason @ (StopReason::Halted | StopReason::ErrorStop | StopReason::Blocked) => {
                return (m.steps(), reason)
            }
            other => panic!("the run does not stop: {other:?}"),
        }
    }
}

fn run(name: &'static str, machine: Machine, inbox: Vec<Value>) -> Run {
    let (stop, how) = stop_of(&machine, &inbox);
    Run {
        name,
        machine,
        inbox,
        stop,
        how,
    }
}

/// Runs that halt, error to a stop, and block on `inbox` or `inboxpeek`, from built
/// programs and fixtures.
pub fn runs() -> Vec<Run> {
    let echo = Machine::new(
        load_mexe(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/echo.mexe"),
            &LoadOptions::default(),
        )
        .unwrap(),
    );
    vec![
        run(
            "halts",
            built(vec![
                push(Value::int(1)),
                push(Value::int(2)),
                op(Opcode::Add),
                op(Opcode::Pop),
                op(Opcode::Nop),
                op(Opcode::Halt),
            ]),
            vec![],
        ),
        run(
            "errors to a stop",
            built(vec![
                push(Value::int(1)),
                op(Opcode::Nop),
                op(Opcode::Pop),
                op(Opcode::Pop),
                op(Opcode::Nop),
            ]),
            vec![],
        ),
        run(
            "blocks on inbox",
            built(vec![
                op(Opcode::Nop),
                op(Opcode::Inbox),
                op(Opcode::Log),
                op(Opcode::Inbox),
                op(Opcode::Log),
                op(Opcode::Halt),
            ]),
            vec![message(5)],
        ),
        run(
            "blocks on inboxpeek",
            built(vec![
                push(Value::int(3)),
                op(Opcode::Pop),
                push(Value::int(4)),
                op(Opcode::InboxPeek),
                op(Opcode::Halt),
            ]),
            vec![],
        ),
        run(
            "echo blocks after three messages",
            echo,
            (1..=3).map(message).collect(),
        ),
        run(
            "opcodehalt.mexe",
            fixture("machine-cases/opcodehalt.mexe"),
            vec![],
        ),
        run("inbox.mexe", fixture("machine-cases/inbox.mexe"), vec![]),
        run(
            "buffer_test.mexe",
            fixture("machine-cases/buffer_test.mexe"),
            vec![],
        ),
        run(
            "dupsegments.mexe",
            fixture("machine-cases/dupsegments.mexe"),
            vec![],
        ),
        run(
            "opcodeteststack.mexe",
            fixture("machine-cases/opcodeteststack.mexe"),
            vec![],
        ),
    ]
}

/// The referee's accumulators of `run`'s inbox.
pub fn accumulators(run: &Run) -> InboxAccumulators {
    InboxAccumulators::from_message_hashes(
        run.inbox.iter().map(|m| value_hash(m, run.machine.code())),
    )
}

/// An honest party over `run`.
pub fn honest(run: &Run, degree: u64) -> HonestParty {
    HonestParty::new(run.machine.clone(), run.inbox.clone(), degree)
}

/// A game of `steps` steps in which `role` lies as `lie` and the other side is honest.
/// An honest challenger audits even an end claim it agrees with.
pub fn game(run: &Run, steps: u64, degree: u64, role: Role, lie: Lie) -> GameReport {
    let liar = || Liar::new(honest(run, degree), lie, steps);
    let (mut asserter, mut challenger): (Box<dyn Party>, Box<dyn Party>) = match role {
        Role::Asserter => (Box::new(liar()), Box::new(honest(run, degree))),
        Role::Challenger => (Box::new(honest(run, degree)), Box::new(liar())),
    };
    let dispute = match role {
        Role::Asserter => Dispute::Always,
        Role::Challenger => Dispute::IfItDisagrees,
    };
    play_with(
        start_claim(&run.machine),
        steps,
        degree,
        accumulators(run),
        asserter.as_mut(),
        challenger.as_mut(),
        dispute,
    )
}

/// Every way of lying, at points around `stop` (where the run stops) and `steps`.
pub fn lies(stop: u64, steps: u64) -> Vec<Lie> {
    let mut points = vec![0, 1, stop.saturating_sub(1), stop, stop + 1, steps];
    points.sort_unstable();
    points.dedup();
    let mut lies = vec![
        Lie::WrongFinal,
        Lie::WrongIntermediate,
        Lie::PicksAgreed,
        Lie::ForgedProof,
    ];
    for &p in &points {
        lies.extend([Lie::At(p), Lie::StopsAt(p), Lie::NeverStops(p)]);
    }
    lies
}

/// Whether an asserter lying as `lie` over `steps` steps of a run that stops after
/// `stop` steps claims anything false (a lie that changes no claim is the truth).
pub fn asserter_lies(lie: Lie, stop: u64, steps: u64) -> bool {
    match lie {
        Lie::WrongFinal => true,
        Lie::WrongIntermediate => steps >= 2,
        Lie::At(p) => p <= steps,
        // The claims from p on repeat p's state: false once the machine would step.
        Lie::StopsAt(p) => p < steps.min(stop),
        // The claims from p on count one more step each: false once it has stopped.
        Lie::NeverStops(p) => steps > stop && p < steps,
        Lie::PicksAgreed | Lie::ForgedProof => false,
    }
}
