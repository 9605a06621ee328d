//! 0x60-0x7b and 0x90: outputs, the inbox, code created at run time, and other
//! instructions that talk to the Runtime Environment.

use avm_code::opcode::SEND_SIZE_LIMIT;
use avm_code::Instruction;
use avm_value::{keccak256, keccak_pair, value_hash, values_equal, CodePointRef, Value};

use super::{bool_int, int_at, replace_top, u64_at, Fault, Flow, OpResult};
use crate::{Emitted, Environment, Machine};

fn emitted(m: &Machine) -> Emitted {
    Emitted {
        step: m.steps,
        inbox_consumed: m.inbox.consumed,
    }
}

/// `log`: hands A to the environment and folds its hash into the log accumulator.
pub(crate) fn log(m: &mut Machine, env: &mut impl Environment) -> OpResult {
    let value = m.stack.items_mut().pop().ok_or(Fault::StackUnderflow)?;
    m.outputs.log_acc = keccak_pair(&m.outputs.log_acc, &value_hash(&value, &m.code));
    m.outputs.log_count += 1;
    env.log(&value, emitted(m));
    Ok(Flow::Next)
}

/// `debugprint`: hands A to the environment; no effect on the machine's hash.
pub(crate) fn debugprint(m: &mut Machine, env: &mut impl Environment) -> OpResult {
    let value = m.stack.items_mut().pop().ok_or(Fault::StackUnderflow)?;
    env.debug_print(&value, emitted(m));
    Ok(Flow::Next)
}

/// `send`: publishes the first A bytes of buffer B. A must be 1..=SEND_SIZE_LIMIT and
/// cover every non-zero byte of B.
pub(crate) fn send(m: &mut Machine, env: &mut impl Environment) -> OpResult {
    let stack = m.stack.values();
    let size = u64_at(stack, 0)?;
    let Some(Value::Buffer(buffer)) = m.stack.peek(1) else {
        return Err(Fault::WrongType);
    };
    if size == 0 || size > SEND_SIZE_LIMIT || buffer.packed_len() > u128::from(size) {
        return Err(Fault::OutOfRange);
    }
    let mut data = vec![0u8; size as usize];
    buffer.read(0, &mut data);
    m.outputs.send_acc = keccak_pair(&m.outputs.send_acc, &keccak256(&data));
    m.outputs.send_count += 1;
    env.send(&data, emitted(m));
    let items = m.stack.items_mut();
    items.truncate(items.len() - 2);
    Ok(Flow::Next)
}

/// Records that `message` was taken from the inbox.
fn consume(m: &mut Machine, message: &Value) {
    m.inbox.consumed += 1;
    m.inbox.acc = keccak_pair(&m.inbox.acc, &value_hash(message, &m.code));
}

/// `inbox`: pushes the pending message if there is one, else the next inbox message;
/// blocks (changing nothing) while the inbox is empty.
pub(crate) fn inbox(m: &mut Machine, env: &mut impl Environment) -> OpResult {
    let message = match m.pending.take() {
        Some(pending) => pending,
        None => match env.next_message() {
            Some(message) => {
                consume(m, &message);
                message
            }
            None => return Ok(Flow::Block),
        },
    };
    m.stack.push(message);
    Ok(Flow::Next)
}

/// `inboxpeek`: makes sure a message is pending (taking one from the inbox, or
/// blocking while it is empty), then replaces A with 1 if A equals the pending
/// message's second item (its block number), else 0. The deployed AVM dropped this
/// instruction; it is implemented as the spec describes it.
pub(crate) fn inboxpeek(m: &mut Machine, env: &mut impl Environment) -> OpResult {
    int_at(m.stack.values(), 0)?;
    if m.pending.is_none() {
        let Some(message) = env.next_message() else {
            return Ok(Flow::Block);
        };
        consume(m, &message);
        m.pending = Some(message);
    }
    let matches = match (m.pending.as_ref(), m.stack.peek(0)) {
        (Some(Value::Tuple(t)), Some(a)) => t.get(1).is_some_and(|b| values_equal(a, b, &m.code)),
        _ => false,
    };
    replace_top(m.stack.items_mut(), 1, Value::Int(bool_int(matches)))
}

/// `errcodepoint`: pushes a new error code point (in a segment of its own).
pub(crate) fn errcodepoint(m: &mut Machine) -> OpResult {
    let cp = m.code.new_segment().map_err(|_| Fault::BadCode)?;
    m.stack.push(Value::CodePoint(cp));
    Ok(Flow::Next)
}

fn code_point_at(m: &Machine, depth: usize) -> Result<CodePointRef, Fault> {
    match m.stack.peek(depth) {
        Some(Value::CodePoint(cp)) if m.code.contains(*cp) => Ok(*cp),
        Some(Value::CodePoint(_)) => Err(Fault::BadCode),
        _ => Err(Fault::WrongType),
    }
}

/// `pushinsn`: pushes a code point executing opcode A (its low byte) and then code
/// point B.
pub(crate) fn pushinsn(m: &mut Machine) -> OpResult {
    let opcode = int_at(m.stack.values(), 0)?.as_limbs()[0] as u8;
    let next = code_point_at(m, 1)?;
    let cp = m
        .code
        .push_instruction(next, Instruction::basic(opcode))
        .map_err(|_| Fault::BadCode)?;
    replace_top(m.stack.items_mut(), 2, Value::CodePoint(cp))
}

/// `pushinsnimm`: pushes a code point executing opcode A (its low byte) with
/// immediate B and then code point C.
pub(crate) fn pushinsnimm(m: &mut Machine) -> OpResult {
    let opcode = int_at(m.stack.values(), 0)?.as_limbs()[0] as u8;
    let next = code_point_at(m, 2)?;
    let immediate = m.stack.peek(1).cloned().ok_or(Fault::StackUnderflow)?;
    let cp = m
        .code
        .push_instruction(next, Instruction::with_immediate(opcode, immediate))
        .map_err(|_| Fault::BadCode)?;
    replace_top(m.stack.items_mut(), 3, Value::CodePoint(cp))
}

/// `sideload`: replaces the integer A (a block number) with what the environment
/// supplies, the empty tuple by default.
pub(crate) fn sideload(m: &mut Machine, env: &mut impl Environment) -> OpResult {
    let block = *int_at(m.stack.values(), 0)?;
    let value = env.sideload(&block).unwrap_or_default();
    replace_top(m.stack.items_mut(), 1, value)
}
