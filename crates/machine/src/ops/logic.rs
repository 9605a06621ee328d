//! 0x10-0x1d: comparison and bitwise logic, with EVM semantics.

use avm_value::{values_equal, CodeView, Int, Value};

use super::{binary, bool_int, unary, OpResult};

/// Flipping the sign bit maps signed order onto unsigned order.
#[inline]
fn signed_key(n: &Int) -> Int {
    *n ^ (Int::from(1u8) << 255)
}

/// The shift amount as a bit count, or None when it is 256 or more.
#[inline]
fn shift_amount(a: &Int) -> Option<usize> {
    (*a < Int::from(256u16)).then(|| a.as_limbs()[0] as usize)
}

/// Byte A of B, counting from the most significant; 0 for A >= 32.
pub(crate) fn byte_of(a: &Int, b: &Int) -> Int {
    if *a >= Int::from(32u8) {
        return Int::ZERO;
    }
    let index = a.as_limbs()[0] as usize;
    Int::from(b.to_be_bytes::<32>()[index])
}

/// B shifted right by A with sign extension.
pub(crate) fn sar(a: &Int, b: &Int) -> Int {
    let negative = b.bit(255);
    match shift_amount(a) {
        None => {
            if negative {
                Int::MAX
            } else {
                Int::ZERO
            }
        }
        Some(s) if negative && s > 0 => (*b >> s) | (Int::MAX << (256 - s)),
        Some(s) => *b >> s,
    }
}

pub(crate) fn lt(stack: &mut Vec<Value>) -> OpResult {
    binary(stack, |a, b| Ok(bool_int(a < b)))
}

pub(crate) fn gt(stack: &mut Vec<Value>) -> OpResult {
    binary(stack, |a, b| Ok(bool_int(a > b)))
}

pub(crate) fn slt(stack: &mut Vec<Value>) -> OpResult {
    binary(stack, |a, b| Ok(bool_int(signed_key(a) < signed_key(b))))
}

pub(crate) fn sgt(stack: &mut Vec<Value>) -> OpResult {
    binary(stack, |a, b| Ok(bool_int(signed_key(a) > signed_key(b))))
}

/// A == B. Values of different types are unequal (push 0): the spec prose says this
/// raises an Error, the deployed AVM compares by hash and pushes 0.
pub(crate) fn eq(stack: &mut Vec<Value>, code: &impl CodeView) -> OpResult {
    let result = match stack.as_slice() {
        [.., b, a] => values_equal(a, b, code),
        _ => return Err(super::Fault::StackUnderflow),
    };
    super::replace_top(stack, 2, Value::Int(bool_int(result)))
}

pub(crate) fn iszero(stack: &mut [Value]) -> OpResult {
    unary(stack, |a| bool_int(a.is_zero()))
}

pub(crate) fn and(stack: &mut Vec<Value>) -> OpResult {
    binary(stack, |a, b| Ok(*a & *b))
}

pub(crate) fn or(stack: &mut Vec<Value>) -> OpResult {
    binary(stack, |a, b| Ok(*a | *b))
}

pub(crate) fn xor(stack: &mut Vec<Value>) -> OpResult {
    binary(stack, |a, b| Ok(*a ^ *b))
}

pub(crate) fn not(stack: &mut [Value]) -> OpResult {
    unary(stack, |a| !*a)
}

pub(crate) fn byte(stack: &mut Vec<Value>) -> OpResult {
    binary(stack, |a, b| Ok(byte_of(a, b)))
}

pub(crate) fn shl(stack: &mut Vec<Value>) -> OpResult {
    binary(stack, |a, b| {
        Ok(shift_amount(a).map_or(Int::ZERO, |s| *b << s))
    })
}

pub(crate) fn shr(stack: &mut Vec<Value>) -> OpResult {
    binary(stack, |a, b| {
        Ok(shift_amount(a).map_or(Int::ZERO, |s| *b >> s))
    })
}

pub(crate) fn sar_op(stack: &mut Vec<Value>) -> OpResult {
    binary(stack, |a, b| Ok(sar(a, b)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_counts_from_the_most_significant_end() {
        let b = Int::from_be_bytes({
            let mut x = [0u8; 32];
            x[0] = 0xaa;
            x[31] = 0xbb;
            x
        });
        assert_eq!(byte_of(&Int::ZERO, &b), Int::from(0xaau8));
        assert_eq!(byte_of(&Int::from(31u8), &b), Int::from(0xbbu8));
        assert_eq!(byte_of(&Int::from(32u8), &b), Int::ZERO);
        assert_eq!(byte_of(&Int::MAX, &b), Int::ZERO);
    }

    #[test]
    fn shifts_of_256_or_more() {
        let one = Int::from(1u8);
        assert_eq!(shift_amount(&Int::from(255u8)), Some(255));
        assert_eq!(shift_amount(&Int::from(256u16)), None);
        assert_eq!(sar(&Int::from(300u16), &Int::MAX), Int::MAX);
        assert_eq!(sar(&Int::from(300u16), &one), Int::ZERO);
        assert_eq!(
            sar(&Int::from(4u8), &(Int::MAX - Int::from(15u8))),
            Int::MAX
        );
        assert_eq!(sar(&Int::ZERO, &(one << 255)), one << 255);
        assert!(signed_key(&Int::MAX) < signed_key(&Int::ZERO));
    }
}
