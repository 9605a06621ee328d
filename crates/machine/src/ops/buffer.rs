//! 0xa0-0xa6: buffers.
//!
//! Operand order follows the deployed AVM (machineoperation.cpp and the fixture
//! bufferopcodetest.mexe), not the spec's operand names: the offset is on top (A),
//! then the value to write (for sets), then the buffer. Multi-byte reads and writes are
//! big-endian; a range that would pass byte 2^64 - 1 raises an Error.

use avm_value::{Buffer, Int, Value};

use super::{int_at, replace_top, to_u64, u64_at, Fault, Flow, OpResult};
use crate::Machine;

fn buffer_at(stack: &[Value], depth: usize) -> Result<&Buffer, Fault> {
    match stack
        .len()
        .checked_sub(depth + 1)
        .and_then(|i| stack.get(i))
    {
        Some(Value::Buffer(b)) => Ok(b),
        _ => Err(Fault::WrongType),
    }
}

/// The offset operand, checked so that `width` bytes from it stay below 2^64.
fn offset(stack: &[Value], width: u64) -> Result<u64, Fault> {
    let offset = u64_at(stack, 0)?;
    offset.checked_add(width - 1).ok_or(Fault::OutOfRange)?;
    Ok(offset)
}

pub(crate) fn newbuffer(m: &mut Machine) -> OpResult {
    m.stack.push(Value::Buffer(Buffer::new()));
    Ok(Flow::Next)
}

/// `getbuffer8`, `getbuffer64`, `getbuffer256`: reads `width` bytes of buffer B at
/// offset A as a big-endian integer.
pub(crate) fn get(m: &mut Machine, width: u64) -> OpResult {
    let stack = m.stack.values();
    let at = offset(stack, width)?;
    let buffer = buffer_at(stack, 1)?;
    let mut bytes = [0u8; 32];
    // In bounds: width is 1, 8 or 32 (the only values `step` passes).
    buffer.read(at, &mut bytes[32 - width as usize..]);
    replace_top(
        m.stack.items_mut(),
        2,
        Value::Int(Int::from_be_bytes(bytes)),
    )
}

/// `setbuffer8`, `setbuffer64`, `setbuffer256`: pushes buffer C with `width` bytes at
/// offset A set to the big-endian bytes of B (which must fit in `width` bytes for the
/// 8- and 64-bit forms).
pub(crate) fn set(m: &mut Machine, width: u64) -> OpResult {
    let stack = m.stack.values();
    let at = offset(stack, width)?;
    let value = int_at(stack, 1)?;
    match width {
        1 if *value > Int::from(u8::MAX) => return Err(Fault::OutOfRange),
        8 => {
            to_u64(value)?;
        }
        _ => {}
    }
    let bytes = value.to_be_bytes::<32>();
    // In bounds: width is 1, 8 or 32 (the only values `step` passes).
    let updated = buffer_at(stack, 2)?.set_bytes(at, &bytes[32 - width as usize..]);
    replace_top(m.stack.items_mut(), 3, Value::Buffer(updated))
}
