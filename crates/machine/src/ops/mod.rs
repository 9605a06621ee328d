//! Instruction handlers, one small module per category of the instruction set.
//!
//! A handler runs after the step engine has pushed the immediate, checked the stacks
//! hold enough items, and charged AVMGas. It works on the top items in place and says
//! how control continues ([`Flow`]) or that the instruction raises an Error ([`Fault`]).
//! A handler that faults may have removed some of the items it pops, but never touches
//! anything below them: the engine then removes the rest, as the spec demands.

pub(crate) mod arith;
pub(crate) mod buffer;
pub(crate) mod ec;
pub(crate) mod flow;
pub(crate) mod hashing;
pub(crate) mod system;
pub(crate) mod tuple;

use avm_value::{CodePointRef, Int, Value};

/// How execution continues after an instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Flow {
    /// To the next code point.
    Next,
    /// To a code point (jumps).
    Jump(CodePointRef),
    /// The machine halts.
    Halt,
    /// To the next code point, and control returns to the caller (`breakpoint`).
    Breakpoint,
    /// The instruction cannot complete now (an empty inbox); nothing changed.
    Block,
}

/// Why an instruction raised an Error. The machine's response is the same for every
/// reason; the reason is kept for traces and debuggers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// The stacks hold fewer items than the opcode pops.
    StackUnderflow,
    /// AVMGas remaining is less than the instruction's cost.
    OutOfGas,
    /// The opcode byte is not an instruction (or is `error` itself).
    InvalidOpcode,
    /// An operand has the wrong type.
    WrongType,
    /// Division or modulo by zero.
    DivideByZero,
    /// An index or size is out of its allowed range.
    OutOfRange,
    /// A precompile rejected its input (a point not on the curve, ...).
    BadInput,
    /// A code point names no code (or too much code was created).
    BadCode,
}

impl Fault {
    /// A short description for traces.
    pub fn describe(self) -> &'static str {
        match self {
            Fault::StackUnderflow => "stack underflow",
            Fault::OutOfGas => "out of AVMGas",
            Fault::InvalidOpcode => "invalid opcode",
            Fault::WrongType => "operand of the wrong type",
            Fault::DivideByZero => "division by zero",
            Fault::OutOfRange => "index or size out of range",
            Fault::BadInput => "precompile input rejected",
            Fault::BadCode => "code point names no code",
        }
    }
}

/// The result of a handler.
pub(crate) type OpResult = Result<Flow, Fault>;

/// The integer at `depth` below the top.
#[inline(always)]
pub(crate) fn int_at(stack: &[Value], depth: usize) -> Result<&Int, Fault> {
    match stack
        .len()
        .checked_sub(depth + 1)
        .and_then(|i| stack.get(i))
    {
        Some(Value::Int(n)) => Ok(n),
        _ => Err(Fault::WrongType),
    }
}

/// The integer at `depth` below the top, as a u64 (an Error if it does not fit).
#[inline]
pub(crate) fn u64_at(stack: &[Value], depth: usize) -> Result<u64, Fault> {
    to_u64(int_at(stack, depth)?)
}

/// An integer as a u64, or an Error.
#[inline]
pub(crate) fn to_u64(n: &Int) -> Result<u64, Fault> {
    u64::try_from(*n).map_err(|_| Fault::OutOfRange)
}

/// Pops `n` items and pushes `value`.
#[inline(always)]
pub(crate) fn replace_top(stack: &mut Vec<Value>, n: usize, value: Value) -> OpResult {
    stack.truncate(stack.len().saturating_sub(n));
    stack.push(value);
    Ok(Flow::Next)
}

/// 1 for true, 0 for false.
#[inline(always)]
pub(crate) fn bool_int(b: bool) -> Int {
    Int::from(b as u8)
}
