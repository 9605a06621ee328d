//! 0x30-0x3d and 0x40-0x44: stack, register, control flow, duplication and exchange.

use avm_value::{CodePointRef, Int, Value};

use super::{bool_int, int_at, Fault, Flow, OpResult};
use crate::Machine;

/// A jump target: a CodePoint value that names code of this machine.
fn target(m: &Machine, value: &Value) -> Result<CodePointRef, Fault> {
    match value {
        Value::CodePoint(cp) if m.code.contains(*cp) => Ok(*cp),
        Value::CodePoint(_) => Err(Fault::BadCode),
        _ => Err(Fault::WrongType),
    }
}

pub(crate) fn pop(m: &mut Machine) -> OpResult {
    m.stack.items_mut().pop();
    Ok(Flow::Next)
}

pub(crate) fn spush(m: &mut Machine) -> OpResult {
    let value = m.static_value.clone();
    m.stack.push(value);
    Ok(Flow::Next)
}

pub(crate) fn rpush(m: &mut Machine) -> OpResult {
    let value = m.register.clone();
    m.stack.push(value);
    Ok(Flow::Next)
}

pub(crate) fn rset(m: &mut Machine) -> OpResult {
    m.register = m.stack.items_mut().pop().ok_or(Fault::StackUnderflow)?;
    Ok(Flow::Next)
}

/// `jump`: continues at code point A.
pub(crate) fn jump(m: &mut Machine) -> OpResult {
    let dest = target(m, m.stack.peek(0).ok_or(Fault::StackUnderflow)?)?;
    m.stack.items_mut().pop();
    Ok(Flow::Jump(dest))
}

/// `cjump`: continues at code point A if the integer B is non-zero.
pub(crate) fn cjump(m: &mut Machine) -> OpResult {
    let dest = target(m, m.stack.peek(0).ok_or(Fault::StackUnderflow)?)?;
    let taken = !int_at(m.stack.values(), 1)?.is_zero();
    let items = m.stack.items_mut();
    items.truncate(items.len() - 2);
    Ok(if taken { Flow::Jump(dest) } else { Flow::Next })
}

pub(crate) fn stackempty(m: &mut Machine) -> OpResult {
    let empty = m.stack.is_empty();
    m.stack.push(Value::Int(bool_int(empty)));
    Ok(Flow::Next)
}

/// `pcpush`: pushes the code point of this instruction.
pub(crate) fn pcpush(m: &mut Machine) -> OpResult {
    let pc = m.pc;
    m.stack.push(Value::CodePoint(pc));
    Ok(Flow::Next)
}

pub(crate) fn auxpush(m: &mut Machine) -> OpResult {
    let value = m.stack.items_mut().pop().ok_or(Fault::StackUnderflow)?;
    m.aux.push(value);
    Ok(Flow::Next)
}

pub(crate) fn auxpop(m: &mut Machine) -> OpResult {
    let value = m.aux.items_mut().pop().ok_or(Fault::StackUnderflow)?;
    m.stack.push(value);
    Ok(Flow::Next)
}

pub(crate) fn auxstackempty(m: &mut Machine) -> OpResult {
    let empty = m.aux.is_empty();
    m.stack.push(Value::Int(bool_int(empty)));
    Ok(Flow::Next)
}

pub(crate) fn errpush(m: &mut Machine) -> OpResult {
    let err_pc = m.err_pc;
    m.stack.push(Value::CodePoint(err_pc));
    Ok(Flow::Next)
}

/// `errset`: sets the Error CodePoint register to A. A value that is not a CodePoint
/// raises an Error (the deployed AVM does; the spec prose just sets the register).
pub(crate) fn errset(m: &mut Machine) -> OpResult {
    match m.stack.peek(0) {
        Some(Value::CodePoint(cp)) => {
            m.err_pc = *cp;
            m.stack.items_mut().pop();
            Ok(Flow::Next)
        }
        _ => Err(Fault::WrongType),
    }
}

/// `dup0`, `dup1`, `dup2`: pushes a copy of the item `depth` below the top.
pub(crate) fn dup(m: &mut Machine, depth: usize) -> OpResult {
    let value = m.stack.peek(depth).ok_or(Fault::StackUnderflow)?.clone();
    m.stack.push(value);
    Ok(Flow::Next)
}

/// `swap1`, `swap2`: exchanges the top with the item `depth` below it.
pub(crate) fn swap(m: &mut Machine, depth: usize) -> OpResult {
    let items = m.stack.items_mut();
    let n = items.len();
    if depth >= n {
        return Err(Fault::StackUnderflow);
    }
    items.swap(n - 1, n - 1 - depth);
    Ok(Flow::Next)
}

/// `setgas`: sets AVMGas remaining to A.
pub(crate) fn setgas(m: &mut Machine) -> OpResult {
    let gas = *int_at(m.stack.values(), 0)?;
    m.gas_remaining = gas;
    m.stack.items_mut().pop();
    Ok(Flow::Next)
}

/// `pushgas`: pushes AVMGas remaining (after this instruction's own cost).
pub(crate) fn pushgas(m: &mut Machine) -> OpResult {
    let gas: Int = m.gas_remaining;
    m.stack.push(Value::Int(gas));
    Ok(Flow::Next)
}
