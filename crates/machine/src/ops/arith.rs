//! 0x01-0x0b: arithmetic with EVM semantics, except that division by zero raises an
//! Error (the EVM pushes 0).
//!
//! A is the top of the stack, B the item below it, C below that.

use avm_value::{Int, Value};

use super::{binary, ternary, Fault, OpResult};

/// The sign bit of a 256-bit two's complement integer.
#[inline]
pub(crate) fn is_negative(n: &Int) -> bool {
    n.bit(255)
}

/// Absolute value of a two's complement integer (MIN stays MIN, as in the EVM).
#[inline]
fn abs(n: &Int) -> Int {
    if is_negative(n) {
        n.wrapping_neg()
    } else {
        *n
    }
}

/// Signed division, truncating toward zero; MIN / -1 = MIN.
pub(crate) fn sdiv(a: &Int, b: &Int) -> Option<Int> {
    let q = abs(a).checked_div(abs(b))?;
    Some(if is_negative(a) != is_negative(b) {
        q.wrapping_neg()
    } else {
        q
    })
}

/// Signed remainder: sgn(A) * (|A| mod |B|).
pub(crate) fn smod(a: &Int, b: &Int) -> Option<Int> {
    let r = abs(a).checked_rem(abs(b))?;
    Some(if is_negative(a) { r.wrapping_neg() } else { r })
}

/// Sign-extends B from byte A (counting from the least significant); for A >= 31, B
/// unchanged. (The spec prose says "push A"; the deployed AVM and the EVM keep B.)
pub(crate) fn signextend(a: &Int, b: &Int) -> Int {
    if *a >= Int::from(31u8) {
        return *b;
    }
    let sign_bit = 8 * a.as_limbs()[0] as usize + 7;
    let mask = (Int::from(1u8) << sign_bit) - Int::from(1u8);
    if b.bit(sign_bit) {
        *b | !mask
    } else {
        *b & mask
    }
}

pub(crate) fn add(stack: &mut Vec<Value>) -> OpResult {
    binary(stack, |a, b| Ok(a.wrapping_add(*b)))
}

pub(crate) fn mul(stack: &mut Vec<Value>) -> OpResult {
    binary(stack, |a, b| Ok(a.wrapping_mul(*b)))
}

pub(crate) fn sub(stack: &mut Vec<Value>) -> OpResult {
    binary(stack, |a, b| Ok(a.wrapping_sub(*b)))
}

pub(crate) fn div(stack: &mut Vec<Value>) -> OpResult {
    binary(stack, |a, b| a.checked_div(*b).ok_or(Fault::DivideByZero))
}

pub(crate) fn sdiv_op(stack: &mut Vec<Value>) -> OpResult {
    binary(stack, |a, b| sdiv(a, b).ok_or(Fault::DivideByZero))
}

pub(crate) fn modulo(stack: &mut Vec<Value>) -> OpResult {
    binary(stack, |a, b| a.checked_rem(*b).ok_or(Fault::DivideByZero))
}

pub(crate) fn smod_op(stack: &mut Vec<Value>) -> OpResult {
    binary(stack, |a, b| smod(a, b).ok_or(Fault::DivideByZero))
}

/// (A + B) mod C computed without truncation; C = 0 raises an Error.
pub(crate) fn addmod(stack: &mut Vec<Value>) -> OpResult {
    ternary(stack, |a, b, c| {
        if c.is_zero() {
            return Err(Fault::DivideByZero);
        }
        Ok(a.add_mod(*b, *c))
    })
}

/// (A * B) mod C computed without truncation; C = 0 raises an Error.
pub(crate) fn mulmod(stack: &mut Vec<Value>) -> OpResult {
    ternary(stack, |a, b, c| {
        if c.is_zero() {
            return Err(Fault::DivideByZero);
        }
        Ok(a.mul_mod(*b, *c))
    })
}

pub(crate) fn exp(stack: &mut Vec<Value>) -> OpResult {
    binary(stack, |a, b| Ok(a.wrapping_pow(*b)))
}

pub(crate) fn signextend_op(stack: &mut Vec<Value>) -> OpResult {
    binary(stack, |a, b| Ok(signextend(a, b)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn neg(n: u64) -> Int {
        Int::from(n).wrapping_neg()
    }

    #[test]
    fn signed_division_truncates_toward_zero() {
        assert_eq!(sdiv(&neg(7), &Int::from(2u8)), Some(neg(3)));
        assert_eq!(sdiv(&Int::from(7u8), &neg(2)), Some(neg(3)));
        assert_eq!(sdiv(&neg(7), &neg(2)), Some(Int::from(3u8)));
        let min = Int::from(1u8) << 255;
        assert_eq!(sdiv(&min, &Int::MAX), Some(min), "MIN / -1 wraps to MIN");
        assert_eq!(sdiv(&Int::from(1u8), &Int::ZERO), None);
    }

    #[test]
    fn signed_modulo_takes_the_sign_of_the_dividend() {
        assert_eq!(smod(&neg(7), &Int::from(3u8)), Some(neg(1)));
        assert_eq!(smod(&Int::from(7u8), &neg(3)), Some(Int::from(1u8)));
        assert_eq!(smod(&neg(8), &neg(3)), Some(neg(2)));
        assert_eq!(smod(&neg(8), &Int::ZERO), None);
    }

    #[test]
    fn signextend_edges() {
        assert_eq!(signextend(&Int::ZERO, &Int::from(0xffu8)), Int::MAX);
        assert_eq!(
            signextend(&Int::ZERO, &Int::from(0x17fu16)),
            Int::from(0x7fu8)
        );
        assert_eq!(
            signextend(&Int::from(1u8), &Int::from(0x8000u16)),
            neg(0x8000)
        );
        let b = Int::from(0x1234u16);
        assert_eq!(signextend(&Int::from(31u8), &b), b);
        assert_eq!(signextend(&Int::MAX, &b), b, "A >= 31 keeps B, as deployed");
    }
}
