//! 0x80-0x83: the precompiles: ecrecover on secp256k1, and ecadd, ecmul and ecpairing
//! on alt_bn128 (BN254), with the deployed AVM's operand orders and point encodings.
//!
//! Curve points are validated as the C++ AVM validates them with libff: coordinates
//! must be below the field modulus and the point on the curve; (0, 0) (and all-zero
//! for G2) is the point at infinity. A G2 point's coordinates are given as
//! (x.c0, x.c1, y.c0, y.c1).

use std::sync::LazyLock;

use ark_bn254::{Bn254, Fq, Fq2, G1Affine, G1Projective, G2Affine};
use ark_ec::pairing::Pairing;
use ark_ec::{CurveGroup, PrimeGroup};
use ark_ff::{BigInt, Field, PrimeField};
use avm_code::opcode::{ECPAIRING_GAS_PER_PAIR, ECPAIRING_MAX_PAIRS};
use avm_value::{keccak256, Int, Value};
use secp256k1::ecdsa::{RecoverableSignature, RecoveryId};
use secp256k1::{Message, Secp256k1, VerifyOnly};

use super::{int_at, replace_top, Fault, Flow, OpResult};

static SECP256K1: LazyLock<Secp256k1<VerifyOnly>> = LazyLock::new(Secp256k1::verification_only);

/// The Ethereum address that signed `message` with (r, s, recovery id 0 or 1), or 0 if
/// the signature does not recover.
pub(crate) fn recover(r: &Int, s: &Int, recovery_id: &Int, message: &Int) -> Int {
    let id = match u8::try_from(*recovery_id) {
        Ok(id @ (0 | 1)) => id,
        _ => return Int::ZERO,
    };
    let mut compact = [0u8; 64];
    compact[..32].copy_from_slice(&r.to_be_bytes::<32>());
    compact[32..].copy_from_slice(&s.to_be_bytes::<32>());
    let Ok(recovery_id) = RecoveryId::try_from(i32::from(id)) else {
        return Int::ZERO;
    };
    let Ok(signature) = RecoverableSignature::from_compact(&compact, recovery_id) else {
        return Int::ZERO;
    };
    let digest = Message::from_digest(message.to_be_bytes::<32>());
    let Ok(key) = SECP256K1.recover_ecdsa(&digest, &signature) else {
        return Int::ZERO;
    };
    let mut address = keccak256(&key.serialize_uncompressed()[1..]).0;
    address[..12].fill(0);
    Int::from_be_bytes(address)
}

/// `ecrecover`: A = r, B = s, C = recovery id, D = message hash; pushes the address.
pub(crate) fn ecrecover(stack: &mut Vec<Value>) -> OpResult {
    let address = recover(
        int_at(stack, 0)?,
        int_at(stack, 1)?,
        int_at(stack, 2)?,
        int_at(stack, 3)?,
    );
    replace_top(stack, 4, Value::Int(address))
}

fn field(n: &Int) -> Result<Fq, Fault> {
    Fq::from_bigint(BigInt::new(*n.as_limbs())).ok_or(Fault::BadInput)
}

fn to_int(f: &Fq) -> Int {
    Int::from_limbs(f.into_bigint().0)
}

fn g1(x: &Int, y: &Int) -> Result<G1Affine, Fault> {
    if x.is_zero() && y.is_zero() {
        return Ok(G1Affine::identity());
    }
    let point = G1Affine::new_unchecked(field(x)?, field(y)?);
    if point.is_on_curve() {
        Ok(point)
    } else {
        Err(Fault::BadInput)
    }
}

fn g2(x0: &Int, x1: &Int, y0: &Int, y1: &Int) -> Result<G2Affine, Fault> {
    if [x0, x1, y0, y1].iter().all(|n| n.is_zero()) {
        return Ok(G2Affine::identity());
    }
    let x = Fq2::new(field(x0)?, field(x1)?);
    let y = Fq2::new(field(y0)?, field(y1)?);
    let point = G2Affine::new_unchecked(x, y);
    if point.is_on_curve() {
        Ok(point)
    } else {
        Err(Fault::BadInput)
    }
}

/// Writes a G1 point as (x on top, y below) over the top `pops` items.
fn push_point(stack: &mut Vec<Value>, pops: usize, point: G1Affine) -> OpResult {
    let (x, y) = if point.infinity {
        (Int::ZERO, Int::ZERO)
    } else {
        (to_int(&point.x), to_int(&point.y))
    };
    stack.truncate(stack.len().saturating_sub(pops));
    stack.push(Value::Int(y));
    stack.push(Value::Int(x));
    Ok(Flow::Next)
}

/// `ecadd`: (A, B) + (C, D); pushes y, then x.
pub(crate) fn ecadd(stack: &mut Vec<Value>) -> OpResult {
    let p = g1(int_at(stack, 0)?, int_at(stack, 1)?)?;
    let q = g1(int_at(stack, 2)?, int_at(stack, 3)?)?;
    let sum = (G1Projective::from(p) + q).into_affine();
    push_point(stack, 4, sum)
}

/// `ecmul`: C * (A, B); pushes y, then x.
pub(crate) fn ecmul(stack: &mut Vec<Value>) -> OpResult {
    let p = g1(int_at(stack, 0)?, int_at(stack, 1)?)?;
    let scalar = int_at(stack, 2)?;
    let product = G1Projective::from(p)
        .mul_bigint(scalar.as_limbs())
        .into_affine();
    push_point(stack, 3, product)
}

/// The AVMGas `ecpairing` charges beyond its base cost: 500000 per pair, counting the
/// 2-tuples of the list on top of the stack (at most 30), as the deployed AVM counts
/// them before looking inside.
pub(crate) fn ecpairing_extra_gas(stack: &[Value]) -> u64 {
    let mut node = stack.last();
    let mut gas = 0;
    for _ in 0..ECPAIRING_MAX_PAIRS {
        match node {
            Some(Value::Tuple(t)) if t.len() == 2 => {
                gas += ECPAIRING_GAS_PER_PAIR;
                node = t.get(1);
            }
            _ => break,
        }
    }
    gas
}

/// `ecpairing`: A is a list of pairs as nested 2-tuples `(pair, rest)` ending in the
/// empty tuple, each pair a 6-tuple (G1 x, G1 y, G2 x.c0, x.c1, y.c0, y.c1); at most 30
/// pairs. Pushes 1 if the product of the pairings is one, else 0.
pub(crate) fn ecpairing(stack: &mut Vec<Value>) -> OpResult {
    let mut g1s = Vec::new();
    let mut g2s = Vec::new();
    let mut node = stack.last().ok_or(Fault::StackUnderflow)?;
    for _ in 0..ECPAIRING_MAX_PAIRS {
        let Value::Tuple(list) = node else {
            return Err(Fault::WrongType);
        };
        match list.items() {
            [] => break,
            [Value::Tuple(pair), rest] if pair.len() == 6 => {
                let ints: Vec<&Int> = pair.items().iter().filter_map(Value::as_int).collect();
                let [x, y, x0, x1, y0, y1] = ints.as_slice() else {
                    return Err(Fault::WrongType);
                };
                let p = g1(x, y)?;
                let q = g2(x0, x1, y0, y1)?;
                if !p.infinity && !q.infinity {
                    g1s.push(p);
                    g2s.push(q);
                }
                node = rest;
            }
            _ => return Err(Fault::WrongType),
        }
    }
    if !matches!(node, Value::Tuple(t) if t.is_empty()) {
        return Err(Fault::WrongType);
    }
    let product = Bn254::multi_pairing(g1s, g2s);
    let one = product.0 == <Bn254 as Pairing>::TargetField::ONE;
    replace_top(stack, 1, Value::Int(Int::from(one as u8)))
}
