//! Integer instructions through the whole machine: the edge cases EVM implementations
//! get wrong, and properties against an independent big-integer model (num-bigint).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use avm_code::Opcode;
use avm_value::Int;
use common::eval_int;
use num_bigint::{BigInt, BigUint, Sign};
use proptest::prelude::*;

/// Runs `opcode` with A = `a` on top and B = `b` below it.
fn ab(opcode: Opcode, a: Int, b: Int) -> Option<Int> {
    eval_int(opcode, &[b, a])
}

fn abc(opcode: Opcode, a: Int, b: Int, c: Int) -> Option<Int> {
    eval_int(opcode, &[c, b, a])
}

fn n(x: u64) -> Int {
    Int::from(x)
}

fn neg(x: u64) -> Int {
    Int::from(x).wrapping_neg()
}

fn two_256() -> BigUint {
    BigUint::from(1u8) << 256
}

fn big(x: &Int) -> BigUint {
    BigUint::from_bytes_be(&x.to_be_bytes::<32>())
}

fn signed(x: &Int) -> BigInt {
    let u = BigInt::from(big(x));
    if x.bit(255) {
        u - BigInt::from(two_256())
    } else {
        u
    }
}

fn from_big(x: &BigUint) -> Int {
    let reduced = x % two_256();
    let bytes = reduced.to_bytes_be();
    let mut out = [0u8; 32];
    out[32 - bytes.len()..].copy_from_slice(&bytes);
    Int::from_be_bytes(out)
}

fn from_signed(x: &BigInt) -> Int {
    let m = BigInt::from(two_256());
    let r = ((x % &m) + &m) % &m;
    from_big(&r.to_biguint().unwrap_or_default())
}

#[test]
fn division_by_zero_raises_an_error() {
    for op in [Opcode::Div, Opcode::Sdiv, Opcode::Mod, Opcode::Smod] {
        assert_eq!(ab(op, n(5), Int::ZERO), None, "{op:?}");
    }
    for op in [Opcode::AddMod, Opcode::MulMod] {
        assert_eq!(abc(op, n(5), n(6), Int::ZERO), None, "{op:?}");
    }
}

#[test]
fn signed_division_and_modulo() {
    assert_eq!(ab(Opcode::Sdiv, neg(7), n(2)), Some(neg(3)));
    assert_eq!(
        ab(Opcode::Sdiv, Int::ONE << 255, Int::MAX),
        Some(Int::ONE << 255)
    );
    assert_eq!(ab(Opcode::Smod, neg(7), n(3)), Some(neg(1)));
    assert_eq!(ab(Opcode::Smod, n(7), neg(3)), Some(n(1)));
    assert_eq!(
        ab(Opcode::Sub, n(3), n(5)),
        Some(neg(2)),
        "A - B with A on top"
    );
}

#[test]
fn addmod_and_mulmod_do_not_truncate() {
    // (2^256 - 1) + (2^256 - 1) = 2^257 - 2; mod 7 computed exactly.
    let expected = from_big(&(((two_256() - 1u8) * 2u8) % 7u8));
    assert_eq!(
        abc(Opcode::AddMod, Int::MAX, Int::MAX, n(7)),
        Some(expected)
    );
    let expected = from_big(&(((two_256() - 1u8) * (two_256() - 1u8)) % 12345u32));
    assert_eq!(
        abc(Opcode::MulMod, Int::MAX, Int::MAX, n(12345)),
        Some(expected)
    );
}

#[test]
fn shifts_of_256_and_more() {
    assert_eq!(ab(Opcode::Shl, n(256), n(1)), Some(Int::ZERO));
    assert_eq!(ab(Opcode::Shl, n(255), n(1)), Some(Int::ONE << 255));
    assert_eq!(ab(Opcode::Shr, n(256), Int::MAX), Some(Int::ZERO));
    assert_eq!(ab(Opcode::Shr, Int::MAX, Int::MAX), Some(Int::ZERO));
    assert_eq!(ab(Opcode::Sar, n(256), neg(1)), Some(Int::MAX));
    assert_eq!(ab(Opcode::Sar, n(1000), Int::ONE << 255), Some(Int::MAX));
    assert_eq!(ab(Opcode::Sar, n(256), n(5)), Some(Int::ZERO));
    assert_eq!(ab(Opcode::Sar, n(1), neg(4)), Some(neg(2)));
}

#[test]
fn signextend_and_byte() {
    assert_eq!(ab(Opcode::SignExtend, n(0), n(0x80)), Some(neg(0x80)));
    assert_eq!(ab(Opcode::SignExtend, n(0), n(0x7f)), Some(n(0x7f)));
    assert_eq!(ab(Opcode::SignExtend, n(30), Int::MAX >> 1), Some(Int::MAX));
    assert_eq!(ab(Opcode::SignExtend, n(31), n(0x80)), Some(n(0x80)));
    assert_eq!(ab(Opcode::SignExtend, Int::MAX, n(0x80)), Some(n(0x80)));
    assert_eq!(ab(Opcode::Byte, n(31), n(0xab)), Some(n(0xab)));
    assert_eq!(ab(Opcode::Byte, n(0), Int::ONE << 248), Some(n(1)));
    assert_eq!(ab(Opcode::Byte, n(32), Int::MAX), Some(Int::ZERO));
}

#[test]
fn comparisons_signed_and_unsigned() {
    assert_eq!(ab(Opcode::Lt, n(1), neg(1)), Some(n(1)));
    assert_eq!(ab(Opcode::Slt, n(1), neg(1)), Some(Int::ZERO));
    assert_eq!(ab(Opcode::Sgt, n(1), neg(1)), Some(n(1)));
    assert_eq!(ab(Opcode::Gt, n(1), n(1)), Some(Int::ZERO));
    assert_eq!(
        ab(Opcode::Exp, n(2), n(256)),
        Some(Int::ZERO),
        "2^256 wraps to 0"
    );
    assert_eq!(ab(Opcode::Exp, n(3), n(5)), Some(n(243)));
    assert_eq!(ab(Opcode::Exp, Int::ZERO, Int::ZERO), Some(n(1)));
}

fn any_int() -> impl Strategy<Value = Int> {
    prop_oneof![
        any::<[u8; 32]>().prop_map(Int::from_be_bytes),
        (0u64..300).prop_map(Int::from),
        (0u64..300).prop_map(|x| Int::from(x).wrapping_neg()),
        (0usize..256).prop_map(|s| Int::ONE << s),
    ]
}

fn model_binary(op: Opcode, a: &Int, b: &Int) -> Option<Int> {
    let (ua, ub) = (big(a), big(b));
    let (sa, sb) = (signed(a), signed(b));
    let shift = |x: &Int| {
        if *x >= Int::from(256u16) {
            None
        } else {
            Some(x.as_limbs()[0] as usize)
        }
    };
    Some(match op {
        Opcode::Add => from_big(&(ua + ub)),
        Opcode::Mul => from_big(&(ua * ub)),
        Opcode::Sub => from_big(&(ua + two_256() - ub)),
        Opcode::Div if ub.bits() > 0 => from_big(&(ua / ub)),
        Opcode::Mod if ub.bits() > 0 => from_big(&(ua % ub)),
        Opcode::Sdiv if sb.sign() != Sign::NoSign => from_signed(&(sa / sb)),
        Opcode::Smod if sb.sign() != Sign::NoSign => from_signed(&(sa % sb)),
        Opcode::Div | Opcode::Mod | Opcode::Sdiv | Opcode::Smod => return None,
        Opcode::Exp => from_big(&ua.modpow(&ub, &two_256())),
        Opcode::Lt => Int::from((ua < ub) as u8),
        Opcode::Gt => Int::from((ua > ub) as u8),
        Opcode::Slt => Int::from((sa < sb) as u8),
        Opcode::Sgt => Int::from((sa > sb) as u8),
        Opcode::Eq => Int::from((ua == ub) as u8),
        Opcode::And => from_big(&(ua & ub)),
        Opcode::Or => from_big(&(ua | ub)),
        Opcode::Xor => from_big(&(ua ^ ub)),
        Opcode::Shl => shift(a).map_or(Int::ZERO, |s| from_big(&(ub << s))),
        Opcode::Shr => shift(a).map_or(Int::ZERO, |s| from_big(&(ub >> s))),
        Opcode::Sar => {
            let s = shift(a).unwrap_or(256);
            let shifted = if s >= 256 {
                if sb.sign() == Sign::Minus {
                    BigInt::from(-1)
                } else {
                    BigInt::from(0)
                }
            } else {
                // Floor division by 2^s is an arithmetic shift.
                let d = BigInt::from(1u8) << s;
                let q = &sb / &d;
                if sb.sign() == Sign::Minus && &q * &d != sb {
                    q - 1
                } else {
                    q
                }
            };
            from_signed(&shifted)
        }
        Opcode::Byte => {
            if ua >= BigUint::from(32u8) {
                Int::ZERO
            } else {
                let i = a.as_limbs()[0] as usize;
                from_big(&((ub >> (8 * (31 - i))) & BigUint::from(0xffu8)))
            }
        }
        Opcode::SignExtend => {
            if ua >= BigUint::from(31u8) {
                *b
            } else {
                let bits = 8 * (a.as_limbs()[0] as usize + 1);
                let low = &ub % (BigUint::from(1u8) << bits);
                let v = BigInt::from(low.clone());
                let half = BigInt::from(1u8) << (bits - 1);
                let value = if v >= half {
                    v - (BigInt::from(1u8) << bits)
                } else {
                    v
                };
                from_signed(&value)
            }
        }
        _ => return None,
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn binary_integer_ops_match_the_big_integer_model(a in any_int(), b in any_int()) {
        for op in [
            Opcode::Add, Opcode::Mul, Opcode::Sub, Opcode::Div, Opcode::Mod, Opcode::Sdiv,
            Opcode::Smod, Opcode::Exp, Opcode::Lt, Opcode::Gt, Opcode::Slt, Opcode::Sgt,
            Opcode::Eq, Opcode::And, Opcode::Or, Opcode::Xor, Opcode::Shl, Opcode::Shr,
            Opcode::Sar, Opcode::Byte, Opcode::SignExtend,
        ] {
            prop_assert_eq!(ab(op, a, b), model_binary(op, &a, &b), "{:?} a={:#x} b={:#x}", op, a, b);
        }
    }

    #[test]
    fn modular_ops_match_the_big_integer_model(a in any_int(), b in any_int(), c in any_int()) {
        let (ua, ub, uc) = (big(&a), big(&b), big(&c));
        let expected_add = (uc.bits() > 0).then(|| from_big(&((&ua + &ub) % &uc)));
        let expected_mul = (uc.bits() > 0).then(|| from_big(&((&ua * &ub) % &uc)));
        prop_assert_eq!(abc(Opcode::AddMod, a, b, c), expected_add);
        prop_assert_eq!(abc(Opcode::MulMod, a, b, c), expected_mul);
    }

    #[test]
    fn unary_ops_match(a in any_int()) {
        prop_assert_eq!(eval_int(Opcode::Not, &[a]), Some(from_big(&(two_256() - 1u8 - big(&a)))));
        prop_assert_eq!(eval_int(Opcode::IsZero, &[a]), Some(Int::from(a.is_zero() as u8)));
    }
}
