//! Fast forms of the instructions ArbOS runs most, for the block engine.
//!
//! Inside a block the stacks are known to be deep enough and the AVMGas is paid, so
//! what is left of an instruction is its effect. A fast form does that effect directly
//! on the stacks, reading an immediate where it lies instead of pushing it and popping
//! it again. It handles only the ordinary case (operands of the right type, an index in
//! range): anything else returns [`Fast::General`] *before changing anything*, and the
//! engine runs the instruction's general handler, which raises the Error exactly as
//! the reference engine does.
//!
//! The forms were chosen from an opcode count of ArbOS v58 replaying its null
//! transaction benchmark (3.5 M steps): auxpop, tget, xget, swap1, dup0, auxpush,
//! cjump, nop, jump, xset, iszero, tset and pop make up 85% of its steps; the
//! rest here (dup1, eq, rpush, add, type, ...) are the next most frequent.

use avm_code::{Code, Fused, Opcode};
use avm_primitives::int;
use avm_value::{CodePointRef, Int, Value};

use crate::Stack;

/// What a fast form did.
pub(super) enum Fast {
    /// The instruction completed; execution continues at the next code point.
    Next,
    /// The instruction completed with a jump.
    Jump(CodePointRef),
    /// Nothing was done: the general handler must run the instruction.
    General,
}

/// Runs the fast form of `op` (with its immediate, if any), if it has one and the
/// operands allow it.
#[inline(always)]
pub(super) fn run(
    op: Opcode,
    immediate: Option<&Value>,
    code: &Code,
    register: &Value,
    stack: &mut Stack,
    aux: &mut Stack,
) -> Fast {
    let items = stack.items_mut();
    match (op, immediate) {
        (Opcode::Nop, None) => Fast::Next,
        (Opcode::Nop, Some(value)) => {
            items.push(value.clone());
            Fast::Next
        }
        (Opcode::Pop, Some(_)) => Fast::Next,
        (Opcode::Pop, None) => {
            match items.last() {
                Some(Value::Int(_) | Value::CodePoint(_)) => discard_plain(items),
                _ => drop(items.pop()),
            }
            Fast::Next
        }
        (Opcode::Dup0, None) => dup(items, 0),
        (Opcode::Dup1, None) => dup(items, 1),
        (Opcode::Dup2, None) => dup(items, 2),
        (Opcode::Rpush, None) => {
            items.push(register.clone());
            Fast::Next
        }
        (Opcode::Swap1, None) => swap(items, 1),
        (Opcode::Swap2, None) => swap(items, 2),
        (Opcode::Swap1, Some(value)) => {
            // [.., x] with the immediate pushed and swapped: [.., imm, x].
            let Some(at) = items.len().checked_sub(1) else {
                return Fast::General;
            };
            items.insert(at, value.clone());
            Fast::Next
        }
        (Opcode::AuxPush, None) => match items.pop() {
            Some(value) => {
                aux.push(value);
                Fast::Next
            }
            None => Fast::General,
        },
        (Opcode::AuxPush, Some(value)) => {
            aux.push(value.clone());
            Fast::Next
        }
        (Opcode::AuxPop, None) => match aux.items_mut().pop() {
            Some(value) => {
                items.push(value);
                Fast::Next
            }
            None => Fast::General,
        },
        (Opcode::Tget, Some(Value::Int(index))) => {
            let item = match items.last() {
                Some(Value::Tuple(t)) => slot(index).and_then(|i| t.get(i)).cloned(),
                _ => None,
            };
            match (item, items.last_mut()) {
                (Some(item), Some(top)) => {
                    *top = item;
                    Fast::Next
                }
                _ => Fast::General,
            }
        }
        (Opcode::Tget, None) => {
            let item = match items.as_slice() {
                [.., Value::Tuple(t), Value::Int(index)] => slot(index).and_then(|i| t.get(i)),
                _ => None,
            };
            match item {
                Some(item) => {
                    let item = item.clone();
                    discard_plain(items);
                    if let Some(top) = items.last_mut() {
                        *top = item;
                    }
                    Fast::Next
                }
                None => Fast::General,
            }
        }
        (Opcode::Xget, Some(Value::Int(index))) => match aux.values().last() {
            Some(Value::Tuple(t)) => match slot(index).and_then(|i| t.get(i)) {
                Some(item) => {
                    items.push(item.clone());
                    Fast::Next
                }
                None => Fast::General,
            },
            _ => Fast::General,
        },
        (Opcode::Xset, Some(Value::Int(index))) => {
            let Some(i) = slot(index) else {
                return Fast::General;
            };
            match aux.items_mut().last_mut() {
                Some(Value::Tuple(t)) if i < t.len() && !items.is_empty() => {
                    let value = items.pop().unwrap_or_default();
                    // In range: i < t.len() was checked, so `set` cannot refuse it.
                    let _ = t.set(i, value);
                    Fast::Next
                }
                _ => Fast::General,
            }
        }
        (Opcode::Tset, Some(Value::Int(index))) => {
            // [.., C, B] with A the immediate: B's slot A becomes C.
            let Some(i) = slot(index) else {
                return Fast::General;
            };
            match items.as_mut_slice() {
                [.., c, Value::Tuple(b)] if i < b.len() => {
                    let value = std::mem::take(c);
                    let _ = b.set(i, value);
                    let n = items.len();
                    items.swap(n - 1, n - 2);
                    discard_plain(items);
                    Fast::Next
                }
                _ => Fast::General,
            }
        }
        (Opcode::Jump, None) => match items.last() {
            Some(Value::CodePoint(dest)) if code.contains(*dest) => {
                let dest = *dest;
                discard_plain(items);
                Fast::Jump(dest)
            }
            _ => Fast::General,
        },
        (Opcode::Jump, Some(Value::CodePoint(dest))) if code.contains(*dest) => Fast::Jump(*dest),
        (Opcode::Cjump, Some(Value::CodePoint(dest))) if code.contains(*dest) => {
            let taken = match items.last() {
                Some(Value::Int(cond)) => !cond.is_zero(),
                _ => return Fast::General,
            };
            discard_plain(items);
            if taken {
                Fast::Jump(*dest)
            } else {
                Fast::Next
            }
        }
        (Opcode::IsZero, None) => match items.last_mut() {
            Some(Value::Int(a)) => {
                *a = int::iszero(a);
                Fast::Next
            }
            _ => Fast::General,
        },
        (Opcode::Eq, Some(Value::Int(a))) => with_int(items, |b| Int::from(u8::from(a == b))),
        (Opcode::Gt, Some(Value::Int(a))) => with_int(items, |b| int::gt(a, b)),
        (Opcode::Lt, Some(Value::Int(a))) => with_int(items, |b| int::lt(a, b)),
        (Opcode::And, Some(Value::Int(a))) => with_int(items, |b| int::and(a, b)),
        (Opcode::Add, Some(Value::Int(a))) => with_int(items, |b| int::add(a, b)),
        (Opcode::Sub, Some(Value::Int(a))) => with_int(items, |b| int::sub(a, b)),
        (Opcode::Eq, None) => ints(items, |a, b| Int::from(u8::from(a == b))),
        (Opcode::Gt, None) => ints(items, int::gt),
        (Opcode::Lt, None) => ints(items, int::lt),
        (Opcode::And, None) => ints(items, int::and),
        (Opcode::Or, None) => ints(items, int::or),
        (Opcode::Add, None) => ints(items, int::add),
        (Opcode::Sub, None) => ints(items, int::sub),
        (Opcode::Type, None) => match items.last_mut() {
            Some(top) => {
                *top = Value::int(top.value_type() as u64);
                Fast::Next
            }
            None => Fast::General,
        },
        _ => Fast::General,
    }
}

/// Pushes a copy of the item `depth` below the top.
#[inline(always)]
fn dup(items: &mut Vec<Value>, depth: usize) -> Fast {
    let Some(at) = items.len().checked_sub(depth + 1) else {
        return Fast::General;
    };
    // In bounds: at < items.len().
    let copy = items[at].clone();
    items.push(copy);
    Fast::Next
}

/// Pops integers A (top) and B and pushes `f(A, B)`.
#[inline(always)]
fn ints(items: &mut Vec<Value>, f: impl FnOnce(&Int, &Int) -> Int) -> Fast {
    match items.as_mut_slice() {
        [.., Value::Int(b), Value::Int(a)] => {
            *b = f(a, b);
            discard_plain(items);
            Fast::Next
        }
        _ => Fast::General,
    }
}

/// Runs a super-instruction (see [`Fused`]) whose instructions all lie in the current
/// block: `second` is the immediate of its second instruction. Returns false, having
/// changed nothing, if the operands need the general handlers (which then raise the
/// Error at the right instruction).
#[inline(always)]
pub(super) fn run_fused(fused: Fused, second: Option<&Value>, stack: &mut Stack) -> bool {
    let items = stack.items_mut();
    let item = match (fused, items.as_slice(), second) {
        (Fused::Dup0TgetImm, [.., Value::Tuple(t)], Some(Value::Int(index))) => {
            slot(index).and_then(|i| t.get(i))
        }
        (Fused::Dup1Dup1Tget, [.., Value::Tuple(t), Value::Int(index)], _) => {
            slot(index).and_then(|i| t.get(i))
        }
        _ => None,
    };
    match item {
        Some(item) => {
            let item = item.clone();
            items.push(item);
            true
        }
        None => false,
    }
}

/// Removes the top item, which the caller has seen to be plain data (an integer, a
/// code point, or the empty tuple `std::mem::take` leaves): it holds no shared node,
/// so forgetting it frees nothing, and the general drop is skipped.
#[inline(always)]
fn discard_plain(items: &mut Vec<Value>) {
    if let Some(value) = items.pop() {
        debug_assert!(match &value {
            Value::Int(_) | Value::CodePoint(_) => true,
            Value::Tuple(t) => t.is_empty(),
            Value::Buffer(_) => false,
        });
        std::mem::forget(value);
    }
}

/// A tuple index as a slot number, if it is one.
#[inline(always)]
fn slot(index: &Int) -> Option<usize> {
    match index.as_limbs() {
        [i, 0, 0, 0] if *i < 8 => Some(*i as usize),
        _ => None,
    }
}

/// Exchanges the top with the item `depth` below it.
#[inline(always)]
fn swap(items: &mut [Value], depth: usize) -> Fast {
    let n = items.len();
    if n <= depth {
        return Fast::General;
    }
    items.swap(n - 1, n - 1 - depth);
    Fast::Next
}

/// Replaces the integer on top (B, with the immediate as A) with `f(B)`.
#[inline(always)]
fn with_int(items: &mut [Value], f: impl FnOnce(&Int) -> Int) -> Fast {
    match items.last_mut() {
        Some(Value::Int(b)) => {
            *b = f(b);
            Fast::Next
        }
        _ => Fast::General,
    }
}
