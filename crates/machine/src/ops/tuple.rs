//! 0x50-0x54: tuple reads and copy-on-write tuple writes.
//!
//! A write to a tuple whose node is held only by the stack slot being replaced happens
//! in place: the AVM's semantics are "create a new tuple", but nobody can observe the
//! old one, so the copy is skipped. This is what makes ArbOS's tuple-tree updates cheap.

use avm_value::{Int, Tuple, Value};

use super::{int_at, replace_top, Fault, Flow, OpResult};
use crate::Machine;

/// The index operand A as a slot number below `len`, or an Error.
fn slot(index: &Int, len: usize) -> Result<usize, Fault> {
    usize::try_from(*index)
        .ok()
        .filter(|i| *i < len)
        .ok_or(Fault::OutOfRange)
}

fn tuple_at(stack: &[Value], depth: usize) -> Result<&Tuple, Fault> {
    match stack
        .len()
        .checked_sub(depth + 1)
        .and_then(|i| stack.get(i))
    {
        Some(Value::Tuple(t)) => Ok(t),
        _ => Err(Fault::WrongType),
    }
}

/// Takes the tuple out of a stack slot (leaving None behind).
fn take_tuple(slot: &mut Value) -> Result<Tuple, Fault> {
    match std::mem::take(slot) {
        Value::Tuple(t) => Ok(t),
        _ => Err(Fault::WrongType),
    }
}

/// `tget`: pushes slot A of tuple B.
pub(crate) fn tget(m: &mut Machine) -> OpResult {
    let stack = m.stack.values();
    let index = int_at(stack, 0)?;
    let tuple = tuple_at(stack, 1)?;
    // In bounds: `slot` returns an index below tuple.len() or an Error.
    let value = tuple.items()[slot(index, tuple.len())?].clone();
    replace_top(m.stack.items_mut(), 2, value)
}

/// `tset`: pushes tuple B with slot A set to C.
pub(crate) fn tset(m: &mut Machine) -> OpResult {
    let stack = m.stack.values();
    let index = slot(int_at(stack, 0)?, tuple_at(stack, 1)?.len())?;
    let items = m.stack.items_mut();
    let n = items.len();
    let [.., c, b, _a] = items.as_mut_slice() else {
        return Err(Fault::StackUnderflow);
    };
    let value = std::mem::take(c);
    let mut tuple = take_tuple(b)?;
    tuple.set(index, value).map_err(|_| Fault::OutOfRange)?;
    *c = Value::Tuple(tuple);
    items.truncate(n - 2);
    Ok(Flow::Next)
}

/// `tlen`: replaces tuple A with its number of slots.
pub(crate) fn tlen(m: &mut Machine) -> OpResult {
    let len = tuple_at(m.stack.values(), 0)?.len();
    replace_top(m.stack.items_mut(), 1, Value::Int(Int::from(len)))
}

/// `xget`: replaces A with slot A of the tuple on top of the aux stack.
pub(crate) fn xget(m: &mut Machine) -> OpResult {
    let index = int_at(m.stack.values(), 0)?;
    let tuple = tuple_at(m.aux.values(), 0)?;
    // In bounds: `slot` returns an index below tuple.len() or an Error.
    let value = tuple.items()[slot(index, tuple.len())?].clone();
    replace_top(m.stack.items_mut(), 1, value)
}

/// `xset`: sets slot A of the tuple on top of the aux stack to B.
pub(crate) fn xset(m: &mut Machine) -> OpResult {
    let index = slot(
        int_at(m.stack.values(), 0)?,
        tuple_at(m.aux.values(), 0)?.len(),
    )?;
    let items = m.stack.items_mut();
    let n = items.len();
    let [.., b, _a] = items.as_mut_slice() else {
        return Err(Fault::StackUnderflow);
    };
    let value = std::mem::take(b);
    items.truncate(n - 2);
    let aux_top = m.aux.items_mut().last_mut().ok_or(Fault::StackUnderflow)?;
    let mut tuple = take_tuple(aux_top)?;
    tuple.set(index, value).map_err(|_| Fault::OutOfRange)?;
    *aux_top = Value::Tuple(tuple);
    Ok(Flow::Next)
}
