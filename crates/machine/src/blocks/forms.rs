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

use avm_code::{Code, Form, Fused, Ready};
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

/// Runs the fast form of the instruction `record` describes (`immediate` is its
/// immediate, read only by the forms that need its value), if it has one and the
/// operands allow it.
#[inline(always)]
pub(super) fn run(
    record: &Ready,
    immediate: &Option<Value>,
    code: &Code,
    register: &Value,
    stack: &mut Stack,
    aux: &mut Stack,
) -> Fast {
    let items = stack.items_mut();
    let i = usize::from(record.slot);
    match record.form {
        Form::General => Fast::General,
        Form::Nop => Fast::Next,
        Form::NopImm => match immediate {
            Some(value) => {
                items.push(value.clone());
                Fast::Next
            }
            None => Fast::General,
        },
        Form::Pop => {
            match items.last() {
                Some(Value::Int(_) | Value::CodePoint(_)) => discard_plain(items),
                _ => drop(items.pop()),
            }
            Fast::Next
        }
        // The immediate pushed and popped again.
        Form::PopImm => Fast::Next,
        // A super-instruction that could not run as one runs its first instruction.
        Form::Dup0 | Form::Dup0TgetSlot => dup(items, 0),
        Form::Dup1 | Form::Dup1Dup1Tget => dup(items, 1),
        Form::Dup2 => dup(items, 2),
        Form::Rpush => {
            items.push(register.clone());
            Fast::Next
        }
        Form::Swap1 => swap(items, 1),
        Form::Swap2 => swap(items, 2),
        Form::Swap1Imm => {
            // [.., x] with the immediate pushed and swapped: [.., imm, x].
            let (Some(at), Some(value)) = (items.len().checked_sub(1), immediate) else {
                return Fast::General;
            };
            items.insert(at, value.clone());
            Fast::Next
        }
        Form::AuxPush => match items.pop() {
            Some(value) => {
                aux.push(value);
                Fast::Next
            }
            None => Fast::General,
        },
        Form::AuxPushImm => match immediate {
            Some(value) => {
                aux.push(value.clone());
                Fast::Next
            }
            None => Fast::General,
        },
        Form::AuxPop => match aux.items_mut().pop() {
            Some(value) => {
                items.push(value);
                Fast::Next
            }
            None => Fast::General,
        },
        Form::TgetSlot => {
            let item = match items.last() {
                Some(Value::Tuple(t)) => t.get(i).cloned(),
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
        Form::Tget => {
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
        Form::XgetSlot => match aux.values().last() {
            Some(Value::Tuple(t)) => match t.get(i) {
                Some(item) => {
                    items.push(item.clone());
                    Fast::Next
                }
                None => Fast::General,
            },
            _ => Fast::General,
        },
        Form::XsetSlot => match aux.items_mut().last_mut() {
            Some(Value::Tuple(t)) if i < t.len() => match items.pop() {
                Some(value) => {
                    // In range: i < t.len() was checked, so `set` cannot refuse it.
                    let _ = t.set(i, value);
                    Fast::Next
                }
                None => Fast::General,
            },
            _ => Fast::General,
        },
        Form::TsetSlot => match items.as_mut_slice() {
            // [.., C, B] with A the immediate: B's slot A becomes C.
            [.., c, Value::Tuple(b)] if i < b.len() => {
                let value = std::mem::take(c);
                let _ = b.set(i, value);
                let n = items.len();
                items.swap(n - 1, n - 2);
                discard_plain(items);
                Fast::Next
            }
            _ => Fast::General,
        },
        Form::Jump => match items.last() {
            Some(Value::CodePoint(dest)) if code.contains(*dest) => {
                let dest = *dest;
                discard_plain(items);
                Fast::Jump(dest)
            }
            _ => Fast::General,
        },
        Form::JumpImm => match immediate {
            Some(Value::CodePoint(dest)) if code.contains(*dest) => Fast::Jump(*dest),
            _ => Fast::General,
        },
        Form::CjumpImm => {
            let Some(Value::CodePoint(dest)) = immediate else {
                return Fast::General;
            };
            if !code.contains(*dest) {
                return Fast::General;
            }
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
        Form::IsZero => match items.last_mut() {
            Some(Value::Int(a)) => {
                *a = int::iszero(a);
                Fast::Next
            }
            _ => Fast::General,
        },
        Form::EqImm => with_imm(items, immediate, |a, b| Int::from(u8::from(a == b))),
        Form::GtImm => with_imm(items, immediate, int::gt),
        Form::LtImm => with_imm(items, immediate, int::lt),
        Form::AndImm => with_imm(items, immediate, int::and),
        Form::AddImm => with_imm(items, immediate, int::add),
        Form::SubImm => with_imm(items, immediate, int::sub),
        Form::Eq => ints(items, |a, b| Int::from(u8::from(a == b))),
        Form::Gt => ints(items, int::gt),
        Form::Lt => ints(items, int::lt),
        Form::And => ints(items, int::and),
        Form::Or => ints(items, int::or),
        Form::Add => ints(items, int::add),
        Form::Sub => ints(items, int::sub),
        Form::Type => match items.last_mut() {
            Some(top) => {
                *top = Value::int(top.value_type() as u64);
                Fast::Next
            }
            None => Fast::General,
        },
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
/// block: `second` is the record of its second instruction. Returns false, having
/// changed nothing, if the operands need the general handlers (which then raise the
/// Error at the right instruction).
#[inline(always)]
pub(super) fn run_fused(fused: Fused, second: &Ready, stack: &mut Stack) -> bool {
    let items = stack.items_mut();
    let item = match (fused, items.as_slice()) {
        // The loader fuses `dup0` only with a `tget` whose immediate is a slot number.
        (Fused::Dup0TgetImm, [.., Value::Tuple(t)]) => t.get(usize::from(second.slot)),
        (Fused::Dup1Dup1Tget, [.., Value::Tuple(t), Value::Int(index)]) => {
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

/// Replaces the integer on top (B) with `f(A, B)`, A being the integer immediate.
#[inline(always)]
fn with_imm(
    items: &mut [Value],
    immediate: &Option<Value>,
    f: impl FnOnce(&Int, &Int) -> Int,
) -> Fast {
    match (immediate, items.last_mut()) {
        (Some(Value::Int(a)), Some(Value::Int(b))) => {
            *b = f(a, b);
            Fast::Next
        }
        _ => Fast::General,
    }
}
