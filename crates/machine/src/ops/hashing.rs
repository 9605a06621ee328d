//! 0x20-0x26: hashing instructions.

use avm_primitives::hash_functions as crypto;
use avm_value::{value_hash, Buffer, CodeView, Int, Tuple, Value};

use super::arith::ternary;
use super::{replace_top, Fault, Flow, OpResult};

/// `hash`: replaces A with its value hash.
pub(crate) fn hash(stack: &mut [Value], code: &impl CodeView) -> OpResult {
    let [.., a] = stack else {
        return Err(Fault::StackUnderflow);
    };
    *a = Value::Int(value_hash(a, code).to_int());
    Ok(Flow::Next)
}

/// `type`: 0 Integer, 1 CodePoint, 3 Tuple, 12 Buffer.
pub(crate) fn type_of(stack: &mut [Value]) -> OpResult {
    let [.., a] = stack else {
        return Err(Fault::StackUnderflow);
    };
    *a = Value::Int(Int::from(a.value_type() as u8));
    Ok(Flow::Next)
}

/// `keccakf`: the Keccak-f[1600] permutation on a tuple of seven integers. The result
/// is written into the operand's node when nothing else shares it.
pub(crate) fn keccakf(stack: &mut [Value]) -> OpResult {
    let Some(Value::Tuple(t)) = stack.last_mut() else {
        return Err(Fault::WrongType);
    };
    let items = t.items();
    if items.len() != 7 {
        return Err(Fault::WrongType);
    }
    let mut lanes = [0u64; 25];
    for (i, item) in items.iter().enumerate() {
        crypto::set_keccakf_word(&mut lanes, i, item.as_int().ok_or(Fault::WrongType)?);
    }
    crypto::keccakf_lanes(&mut lanes);
    match t.unique_items_mut() {
        Some(slots) => {
            for (i, slot) in slots.iter_mut().enumerate() {
                *slot = Value::Int(crypto::keccakf_word(&lanes, i));
            }
        }
        None => {
            *t = Tuple::from_array::<7>(std::array::from_fn(|i| {
                Value::Int(crypto::keccakf_word(&lanes, i))
            }));
        }
    }
    Ok(Flow::Next)
}

/// `sha256f`: one SHA-256 compression; A is the digest, B and C the block.
pub(crate) fn sha256f(stack: &mut Vec<Value>) -> OpResult {
    ternary(stack, |a, b, c| Some(crypto::sha256f(a, b, c)))
}

/// `ripemd160f`: one RIPEMD-160 compression; A is the digest, B and C the block.
pub(crate) fn ripemd160f(stack: &mut Vec<Value>) -> OpResult {
    ternary(stack, |a, b, c| Some(crypto::ripemd160f(a, b, c)))
}

/// `blake2f`: the BLAKE2b compression function on the EIP-152 input held in buffer A;
/// pushes a buffer with the 64-byte result. More than 0xffff rounds raise an Error.
pub(crate) fn blake2f(stack: &mut Vec<Value>) -> OpResult {
    let Some(Value::Buffer(buffer)) = stack.last() else {
        return Err(Fault::WrongType);
    };
    let mut input = [0u8; 213];
    buffer.read(0, &mut input);
    let out = crypto::blake2f(&input).ok_or(Fault::OutOfRange)?;
    replace_top(stack, 1, Value::Buffer(Buffer::from_bytes(&out)))
}
