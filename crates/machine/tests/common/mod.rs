//! Helpers shared by the machine's integration tests: build small programs from
//! instructions and run them.

#![allow(clippy::unwrap_used, clippy::expect_used)]
#![allow(dead_code)]

use avm_code::{Instruction, Opcode, Program};
use avm_machine::{Machine, RunLimits, RunReport, RuntimeEnv, StopReason};
use avm_value::{CodePointRef, Int, Value};

/// An instruction without immediate.
pub fn op(opcode: Opcode) -> Instruction {
    Instruction::basic(opcode as u8)
}

/// An instruction with an immediate.
pub fn imm(opcode: Opcode, value: impl Into<Value>) -> Instruction {
    Instruction::with_immediate(opcode as u8, value.into())
}

/// `nop` with an immediate: pushes a value.
pub fn push(value: impl Into<Value>) -> Instruction {
    imm(Opcode::Nop, value)
}

/// An integer value.
pub fn int(n: u64) -> Value {
    Value::Int(Int::from(n))
}

/// A machine running these instructions (with an empty static value).
pub fn machine(insns: Vec<Instruction>) -> Machine {
    Machine::new(Program::from_instructions(insns, Value::none()).expect("program builds"))
}

/// The code point of instruction `index` in a program of `len` instructions.
pub fn cp(len: usize, index: usize) -> CodePointRef {
    Program::code_point_of(len, index)
}

/// Runs to completion (through breakpoints) with the given inbox.
pub fn run_with(machine: &mut Machine, inbox: Vec<Value>) -> (RunReport, RuntimeEnv) {
    let mut env = RuntimeEnv::with_inbox(inbox);
    let mut report = machine.run(&mut env, &RunLimits::default());
    while report.reason == StopReason::Breakpoint {
        report = machine.run(&mut env, &RunLimits::default());
    }
    (report, env)
}

/// Runs `insns` followed by `halt` and returns the machine.
pub fn run_halting(mut insns: Vec<Instruction>) -> Machine {
    insns.push(op(Opcode::Halt));
    let mut m = machine(insns);
    run_with(&mut m, Vec::new());
    m
}

/// Pushes `args` (last one on top), runs `opcode` and reports the resulting top of
/// stack, or None if the machine did not reach `halt` (an Error was raised).
pub fn eval(opcode: Opcode, args: &[Value]) -> Option<Value> {
    let mut insns: Vec<Instruction> = args.iter().cloned().map(push).collect();
    insns.push(op(opcode));
    let m = run_halting(insns);
    if m.status() != avm_machine::Status::Halted {
        return None;
    }
    m.stack().peek(0).cloned()
}

/// Like [`eval`], for an integer result.
pub fn eval_int(opcode: Opcode, args: &[Int]) -> Option<Int> {
    let values: Vec<Value> = args.iter().map(|n| Value::Int(*n)).collect();
    match eval(opcode, &values)? {
        Value::Int(n) => Some(n),
        _ => None,
    }
}
