//! The block engine against the reference engine: two copies of one machine run side by
//! side, one with [`Machine::run`] (blocks) and one with [`Machine::run_reference`]
//! (one instruction at a time with every per-step check), stopped at the same random
//! points by step limits and gas caps. At every stop both must report the same run and
//! be in the same state: status, code point, counters, AVMGas, inbox and output
//! accumulators, outputs, and the full machine hash (computed at random stops, which
//! also fills the stacks' digest caches that later steps must invalidate correctly).

use avm_code::Program;
use avm_machine::{Machine, RunLimits, RuntimeEnv, Status, StopReason};
use avm_value::Value;

use crate::Rng;

/// How far a lockstep run goes and how it is cut into pieces.
#[derive(Clone, Copy, Debug)]
pub struct Lockstep {
    /// Stop comparing after this many steps in total.
    pub max_steps: u64,
    /// Or once this much AVMGas was used (some instructions cost milliseconds).
    pub max_gas: u64,
    /// The longest piece run between two comparisons.
    pub max_piece: u64,
    /// Percentage of stops at which the machine hashes are compared.
    pub hash_percent: u64,
}

/// Runs `program` on `inbox` with both engines, comparing them at random stops chosen
/// by `seed`; panics with the first difference. Returns the steps compared.
pub fn lockstep(program: &Program, inbox: &[Value], seed: u64, plan: Lockstep) -> u64 {
    lockstep_from(Machine::new(program.clone()), inbox, seed, plan)
}

/// [`lockstep`] from any machine state (both engines start from copies of `machine`).
pub fn lockstep_from(machine: Machine, inbox: &[Value], seed: u64, plan: Lockstep) -> u64 {
    let mut rng = Rng(seed | 1);
    let mut blocks = machine.clone();
    let mut reference = machine;
    let mut blocks_env = RuntimeEnv::with_inbox(inbox.iter().cloned());
    let mut reference_env = RuntimeEnv::with_inbox(inbox.iter().cloned());
    let mut pieces = 0u64;
    while reference.steps() < plan.max_steps && reference.gas_used() <= plan.max_gas {
        let piece = 1 + rng.word() % plan.max_piece;
        let max_steps = Some(reference.steps().saturating_add(piece));
        let max_gas = rng.chance(30).then(|| {
            reference
                .gas_used()
                .saturating_add(rng.word() % (piece * 8 + 1))
        });
        let limits = RunLimits { max_steps, max_gas };
        let expected = reference.run_reference(&mut reference_env, &limits);
        let got = blocks.run(&mut blocks_env, &limits);
        pieces += 1;
        let at = format!("piece {pieces} (seed {seed}, limits {limits:?})");
        assert_eq!(got, expected, "run reports differ at {at}");
        assert_same_state(
            &mut blocks,
            &mut reference,
            rng.chance(plan.hash_percent),
            &at,
        );
        assert_eq!(
            (blocks_env.sends().len(), blocks_env.logs().len()),
            (reference_env.sends().len(), reference_env.logs().len()),
            "outputs differ at {at}"
        );
        let stuck = expected.steps == 0
            && matches!(expected.reason, StopReason::Blocked | StopReason::Halted);
        if reference.status() != Status::Running || stuck {
            break;
        }
    }
    assert_same_state(&mut blocks, &mut reference, true, "the end");
    reference.steps()
}

fn assert_same_state(blocks: &mut Machine, reference: &mut Machine, hash: bool, at: &str) {
    let facts = |m: &Machine| {
        (
            m.status(),
            m.pc(),
            m.steps(),
            m.gas_used(),
            *m.gas_remaining(),
            m.error_code_point(),
            m.stack().len(),
            m.aux_stack().len(),
            m.inbox_position(),
            m.outputs(),
        )
    };
    assert_eq!(facts(blocks), facts(reference), "states differ at {at}");
    if hash {
        assert_eq!(
            blocks.hash(),
            reference.hash(),
            "machine hashes differ at {at}"
        );
    }
}

/// A random program in the style of ArbOS's hot loops: tuples on both stacks, and the
/// instructions and pairs the block engine has fast forms and super-instructions for
/// (`dup0` + `tget` with an immediate, `dup1 dup1 tget`, `xget`/`xset`/`tset` with
/// immediates, aux moves, swaps, compares, conditional jumps forward), with operands
/// that are sometimes of the wrong type or out of range, so that the general handlers
/// must take over in the middle of blocks.
pub fn hot_program(rng: &mut Rng) -> Program {
    use avm_code::{Instruction, Opcode};
    let len = 40 + rng.below(120);
    let op = |o: Opcode| o as u8;
    let small = |rng: &mut Rng| Value::int(if rng.chance(90) { rng.below(8) } else { 9 } as u64);
    // 0: the error handler is the restart at the end; 1-2: the register remembers
    // where to restart (a code point can only name later code, but `pcpush` can).
    let mut insns = vec![
        Instruction::with_immediate(
            op(Opcode::ErrSet),
            Value::CodePoint(Program::code_point_of(len, len - 2)),
        ),
        Instruction::basic(op(Opcode::PcPush)),
        Instruction::basic(op(Opcode::Rset)),
    ];
    let tuple = |rng: &mut Rng| {
        let items = (0..8).map(|_| Value::int(rng.below(12) as u64)).collect();
        Value::Tuple(avm_value::Tuple::new(items).unwrap_or_default())
    };
    for _ in 0..3 {
        insns.push(crate::push(tuple(rng)));
        insns.push(Instruction::basic(op(Opcode::Dup0)));
        insns.push(Instruction::basic(op(Opcode::AuxPush)));
    }
    while insns.len() < len - 2 {
        let index = insns.len();
        let basic = |o: Opcode| vec![Instruction::basic(o as u8)];
        let with = |o: Opcode, v: Value| vec![Instruction::with_immediate(o as u8, v)];
        let piece = match rng.below(22) {
            0 => vec![Instruction::basic(op(Opcode::Dup0)), {
                let v = small(rng);
                Instruction::with_immediate(op(Opcode::Tget), v)
            }],
            1 => vec![
                Instruction::basic(op(Opcode::Dup1)),
                Instruction::basic(op(Opcode::Dup1)),
                Instruction::basic(op(Opcode::Tget)),
            ],
            2 => with(Opcode::Tget, small(rng)),
            3 => with(Opcode::Xget, small(rng)),
            4 => with(Opcode::Xset, small(rng)),
            5 => with(Opcode::Tset, small(rng)),
            6 => basic(Opcode::AuxPop),
            7 => basic(Opcode::AuxPush),
            8 => basic(Opcode::Swap1),
            9 => basic(Opcode::Swap2),
            10 => basic(Opcode::Dup0),
            11 => basic(Opcode::Dup1),
            12 => basic(Opcode::Pop),
            13 if rng.chance(50) => vec![crate::push(tuple(rng))],
            13 => vec![crate::push(crate::random_value(rng, 1, len, index))],
            14 => with(Opcode::Eq, small(rng)),
            15 => basic(Opcode::IsZero),
            16 if index + 3 < len => with(
                Opcode::Cjump,
                Value::CodePoint(Program::code_point_of(
                    len,
                    index + 1 + rng.below(len - index - 3),
                )),
            ),
            17 => basic(Opcode::Tget),
            18 => with(Opcode::Add, small(rng)),
            19 => basic(Opcode::Rpush),
            20 => with(Opcode::Swap1, small(rng)),
            _ => basic(Opcode::Type),
        };
        if insns.len() + piece.len() < len - 1 {
            insns.extend(piece);
        }
    }
    insns.push(Instruction::basic(op(Opcode::Rpush)));
    insns.push(Instruction::basic(op(Opcode::Jump)));
    let static_value = crate::random_value(rng, 0, len, 0);
    Program::from_instructions(insns, static_value).unwrap_or_else(|e| panic!("{e}"))
}
