//! Integer semantics of the 0x01-0x1d instructions: the EVM's, except that division
//! or modulo by zero is an Error (None here) where the EVM yields 0.
//!
//! Operands are named as the instruction table names them: A is the top of the stack,
//! B the item below it, C below that. Signed operations read 256-bit two's complement.

use avm_value::Int;

/// The sign bit of a two's complement integer.
#[inline]
pub fn is_negative(n: &Int) -> bool {
    n.bit(255)
}

/// Absolute value (MIN stays MIN, as in the EVM).
#[inline]
fn abs(n: &Int) -> Int {
    if is_negative(n) {
        n.wrapping_neg()
    } else {
        *n
    }
}

/// 1 for true, 0 for false.
#[inline]
pub fn from_bool(b: bool) -> Int {
    Int::from(b as u8)
}

/// A + B, wrapping.
#[inline]
pub fn add(a: &Int, b: &Int) -> Int {
    a.wrapping_add(*b)
}

/// A * B, wrapping.
#[inline]
pub fn mul(a: &Int, b: &Int) -> Int {
    a.wrapping_mul(*b)
}

/// A - B, wrapping.
#[inline]
pub fn sub(a: &Int, b: &Int) -> Int {
    a.wrapping_sub(*b)
}

/// A / B unsigned; None for B = 0.
#[inline]
pub fn div(a: &Int, b: &Int) -> Option<Int> {
    a.checked_div(*b)
}

/// A mod B unsigned; None for B = 0.
#[inline]
pub fn modulo(a: &Int, b: &Int) -> Option<Int> {
    a.checked_rem(*b)
}

/// A / B signed, truncating toward zero; MIN / -1 = MIN; None for B = 0.
pub fn sdiv(a: &Int, b: &Int) -> Option<Int> {
    let q = abs(a).checked_div(abs(b))?;
    Some(if is_negative(a) != is_negative(b) {
        q.wrapping_neg()
    } else {
        q
    })
}

/// sgn(A) * (|A| mod |B|); None for B = 0.
pub fn smod(a: &Int, b: &Int) -> Option<Int> {
    let r = abs(a).checked_rem(abs(b))?;
    Some(if is_negative(a) { r.wrapping_neg() } else { r })
}

/// (A + B) mod C without truncation; None for C = 0.
pub fn addmod(a: &Int, b: &Int, c: &Int) -> Option<Int> {
    (!c.is_zero()).then(|| a.add_mod(*b, *c))
}

/// (A * B) mod C without truncation; None for C = 0.
pub fn mulmod(a: &Int, b: &Int, c: &Int) -> Option<Int> {
    (!c.is_zero()).then(|| a.mul_mod(*b, *c))
}

/// A ** B, wrapping.
#[inline]
pub fn exp(a: &Int, b: &Int) -> Int {
    a.wrapping_pow(*b)
}

/// Sign-extends B from byte A (counting from the least significant). For A >= 31, B is
/// unchanged: the spec prose says "push A", the deployed AVM and the EVM keep B.
pub fn signextend(a: &Int, b: &Int) -> Int {
    if *a >= Int::from(31u8) {
        return *b;
    }
    let sign_bit = 8 * a.as_limbs()[0] as usize + 7;
    let mask = (Int::ONE << sign_bit) - Int::ONE;
    if b.bit(sign_bit) {
        *b | !mask
    } else {
        *b & mask
    }
}

/// Flipping the sign bit maps signed order onto unsigned order.
#[inline]
fn signed_key(n: &Int) -> Int {
    *n ^ (Int::ONE << 255)
}

/// A < B unsigned.
#[inline]
pub fn lt(a: &Int, b: &Int) -> Int {
    from_bool(a < b)
}

/// A > B unsigned.
#[inline]
pub fn gt(a: &Int, b: &Int) -> Int {
    from_bool(a > b)
}

/// A < B signed.
#[inline]
pub fn slt(a: &Int, b: &Int) -> Int {
    from_bool(signed_key(a) < signed_key(b))
}

/// A > B signed.
#[inline]
pub fn sgt(a: &Int, b: &Int) -> Int {
    from_bool(signed_key(a) > signed_key(b))
}

/// A & B.
#[inline]
pub fn and(a: &Int, b: &Int) -> Int {
    *a & *b
}

/// A | B.
#[inline]
pub fn or(a: &Int, b: &Int) -> Int {
    *a | *b
}

/// A ^ B.
#[inline]
pub fn xor(a: &Int, b: &Int) -> Int {
    *a ^ *b
}

/// 1 if A is zero, else 0.
#[inline]
pub fn iszero(a: &Int) -> Int {
    from_bool(a.is_zero())
}

/// Bitwise not.
#[inline]
pub fn not(a: &Int) -> Int {
    !*a
}

/// Byte A of B, counting from the most significant; 0 for A >= 32.
pub fn byte(a: &Int, b: &Int) -> Int {
    if *a >= Int::from(32u8) {
        return Int::ZERO;
    }
    Int::from(b.to_be_bytes::<32>()[a.as_limbs()[0] as usize])
}

/// The shift amount as a bit count, or None when it is 256 or more.
#[inline]
fn shift_amount(a: &Int) -> Option<usize> {
    (*a < Int::from(256u16)).then(|| a.as_limbs()[0] as usize)
}

/// B shifted left by A bits (0 for A >= 256).
#[inline]
pub fn shl(a: &Int, b: &Int) -> Int {
    shift_amount(a).map_or(Int::ZERO, |s| *b << s)
}

/// B shifted right by A bits (0 for A >= 256).
#[inline]
pub fn shr(a: &Int, b: &Int) -> Int {
    shift_amount(a).map_or(Int::ZERO, |s| *b >> s)
}

/// B shifted right by A bits with sign extension.
pub fn sar(a: &Int, b: &Int) -> Int {
    let negative = is_negative(b);
    match shift_amount(a) {
        None if negative => Int::MAX,
        None => Int::ZERO,
        Some(s) if negative && s > 0 => (*b >> s) | (Int::MAX << (256 - s)),
        Some(s) => *b >> s,
    }
}

/// keccak of A and B as two 32-byte big-endian words (`ethhash2`).
pub fn ethhash2(a: &Int, b: &Int) -> Int {
    let mut data = [0u8; 64];
    data[..32].copy_from_slice(&a.to_be_bytes::<32>());
    data[32..].copy_from_slice(&b.to_be_bytes::<32>());
    avm_value::keccak256(&data).to_int()
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
        let min = Int::ONE << 255;
        assert_eq!(sdiv(&min, &Int::MAX), Some(min), "MIN / -1 wraps to MIN");
        assert_eq!(sdiv(&Int::ONE, &Int::ZERO), None);
    }

    #[test]
    fn signed_modulo_takes_the_sign_of_the_dividend() {
        assert_eq!(smod(&neg(7), &Int::from(3u8)), Some(neg(1)));
        assert_eq!(smod(&Int::from(7u8), &neg(3)), Some(Int::ONE));
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
        assert_eq!(signextend(&Int::ONE, &Int::from(0x8000u16)), neg(0x8000));
        let b = Int::from(0x1234u16);
        assert_eq!(signextend(&Int::from(31u8), &b), b);
        assert_eq!(signextend(&Int::MAX, &b), b, "A >= 31 keeps B, as deployed");
    }

    #[test]
    fn byte_and_shift_edges() {
        let b = Int::from(0xbbu8) | (Int::from(0xaau8) << 248);
        assert_eq!(byte(&Int::ZERO, &b), Int::from(0xaau8));
        assert_eq!(byte(&Int::from(31u8), &b), Int::from(0xbbu8));
        assert_eq!(byte(&Int::from(32u8), &b), Int::ZERO);
        assert_eq!(sar(&Int::from(300u16), &Int::MAX), Int::MAX);
        assert_eq!(sar(&Int::from(300u16), &Int::ONE), Int::ZERO);
        assert_eq!(sar(&Int::ZERO, &(Int::ONE << 255)), Int::ONE << 255);
        assert_eq!(shl(&Int::from(256u16), &Int::ONE), Int::ZERO);
        assert_eq!(slt(&Int::MAX, &Int::ZERO), Int::ONE);
    }
}
