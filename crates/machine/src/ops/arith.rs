//! 0x01-0x1d: integer arithmetic, comparison and bitwise logic, applied in place to the
//! top of the stack. The semantics are in `avm_primitives::int`, shared with the
//! verifier; this module only moves operands.

use avm_primitives::int;
use avm_value::{values_equal, CodeView, Int, Value};

use super::{replace_top, Fault, Flow, OpResult};

/// Pops A (top) and B and pushes `f(A, B)` in B's slot; Error if either is not an
/// integer or `f` reports division by zero.
#[inline(always)]
pub(crate) fn binary(
    stack: &mut Vec<Value>,
    f: impl FnOnce(&Int, &Int) -> Option<Int>,
) -> OpResult {
    let [.., Value::Int(b), Value::Int(a)] = stack.as_mut_slice() else {
        return Err(Fault::WrongType);
    };
    *b = f(a, b).ok_or(Fault::DivideByZero)?;
    stack.pop();
    Ok(Flow::Next)
}

/// Like [`binary`] for operations that cannot fail on integers.
#[inline(always)]
pub(crate) fn total(stack: &mut Vec<Value>, f: impl FnOnce(&Int, &Int) -> Int) -> OpResult {
    binary(stack, |a, b| Some(f(a, b)))
}

/// Replaces the integer A on top with `f(A)`.
#[inline(always)]
pub(crate) fn unary(stack: &mut [Value], f: impl FnOnce(&Int) -> Int) -> OpResult {
    let [.., Value::Int(a)] = stack else {
        return Err(Fault::WrongType);
    };
    *a = f(a);
    Ok(Flow::Next)
}

/// Pops A (top), B, C and pushes `f(A, B, C)` in C's slot.
#[inline(always)]
pub(crate) fn ternary(
    stack: &mut Vec<Value>,
    f: impl FnOnce(&Int, &Int, &Int) -> Option<Int>,
) -> OpResult {
    let [.., Value::Int(c), Value::Int(b), Value::Int(a)] = stack.as_mut_slice() else {
        return Err(Fault::WrongType);
    };
    *c = f(a, b, c).ok_or(Fault::DivideByZero)?;
    stack.truncate(stack.len() - 2);
    Ok(Flow::Next)
}

/// `eq`: A == B. Values of different types are unequal (push 0): the spec prose says
/// this raises an Error, the deployed AVM compares by hash and pushes 0.
pub(crate) fn eq(stack: &mut Vec<Value>, code: &impl CodeView) -> OpResult {
    let result = match stack.as_slice() {
        [.., b, a] => values_equal(a, b, code),
        _ => return Err(Fault::StackUnderflow),
    };
    replace_top(stack, 2, Value::Int(int::from_bool(result)))
}
