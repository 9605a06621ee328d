//! The precompiles' curve arithmetic: ecrecover on secp256k1, and point addition,
//! scalar multiplication and pairing on alt_bn128 (BN254), with the deployed AVM's
//! encodings.
//!
//! Curve points are validated as the C++ AVM validates them with libff: coordinates
//! must be below the field modulus and the point on the curve; (0, 0) (and all-zero
//! for G2) is the point at infinity. A G2 point is given as (x.c0, x.c1, y.c0, y.c1),
//! the C++ AVM's order (the EVM precompile takes the imaginary parts first).

use std::sync::LazyLock;

use ark_bn254::{Bn254, Fq, Fq2, G1Affine, G1Projective, G2Affine};
use ark_ec::pairing::Pairing;
use ark_ec::{CurveGroup, PrimeGroup};
use ark_ff::{BigInt, Field, PrimeField};
use avm_value::{keccak256, Int};
use secp256k1::ecdsa::{RecoverableSignature, RecoveryId};
use secp256k1::{Message, Secp256k1, VerifyOnly};

static SECP256K1: LazyLock<Secp256k1<VerifyOnly>> = LazyLock::new(Secp256k1::verification_only);

/// The Ethereum address that signed `message` with (r, s) and recovery id 0 or 1, or 0
/// if the signature does not recover (any other recovery id gives 0 too).
pub fn ecrecover(r: &Int, s: &Int, recovery_id: &Int, message: &Int) -> Int {
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

/// A G1 point as the AVM writes it: (x, y), with (0, 0) for infinity.
pub type G1 = (Int, Int);

/// A G2 point as the AVM writes it: (x.c0, x.c1, y.c0, y.c1).
pub type G2 = [Int; 4];

fn field(n: &Int) -> Option<Fq> {
    Fq::from_bigint(BigInt::new(*n.as_limbs()))
}

fn to_int(f: &Fq) -> Int {
    Int::from_limbs(f.into_bigint().0)
}

fn g1((x, y): &G1) -> Option<G1Affine> {
    if x.is_zero() && y.is_zero() {
        return Some(G1Affine::identity());
    }
    let point = G1Affine::new_unchecked(field(x)?, field(y)?);
    point.is_on_curve().then_some(point)
}

fn g2(coords: &G2) -> Option<G2Affine> {
    if coords.iter().all(Int::is_zero) {
        return Some(G2Affine::identity());
    }
    let [x0, x1, y0, y1] = coords;
    let x = Fq2::new(field(x0)?, field(x1)?);
    let y = Fq2::new(field(y0)?, field(y1)?);
    let point = G2Affine::new_unchecked(x, y);
    point.is_on_curve().then_some(point)
}

fn from_g1(point: G1Affine) -> G1 {
    if point.infinity {
        (Int::ZERO, Int::ZERO)
    } else {
        (to_int(&point.x), to_int(&point.y))
    }
}

/// P + Q on alt_bn128 G1; None if either is not a valid point.
pub fn bn_add(p: &G1, q: &G1) -> Option<G1> {
    let sum = G1Projective::from(g1(p)?) + g1(q)?;
    Some(from_g1(sum.into_affine()))
}

/// s * P on alt_bn128 G1 (the full 256-bit scalar); None if P is not a valid point.
pub fn bn_mul(p: &G1, scalar: &Int) -> Option<G1> {
    let product = G1Projective::from(g1(p)?).mul_bigint(scalar.as_limbs());
    Some(from_g1(product.into_affine()))
}

/// Whether the product of the pairings e(P_i, Q_i) is one; None if any point is not
/// valid. Pairs with a point at infinity contribute one.
pub fn bn_pairing(pairs: &[(G1, G2)]) -> Option<bool> {
    let mut g1s = Vec::with_capacity(pairs.len());
    let mut g2s = Vec::with_capacity(pairs.len());
    for (p, q) in pairs {
        let (p, q) = (g1(p)?, g2(q)?);
        if !p.infinity && !q.infinity {
            g1s.push(p);
            g2s.push(q);
        }
    }
    let product = Bn254::multi_pairing(g1s, g2s);
    Some(product.0 == <Bn254 as Pairing>::TargetField::ONE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generator_arithmetic_is_consistent() {
        let g: G1 = (Int::ONE, Int::from(2u8));
        let two_g = bn_add(&g, &g).unwrap();
        assert_eq!(bn_mul(&g, &Int::from(2u8)), Some(two_g));
        assert_eq!(bn_mul(&g, &Int::ZERO), Some((Int::ZERO, Int::ZERO)));
        assert_eq!(bn_add(&g, &(Int::ZERO, Int::ZERO)), Some(g));
        assert_eq!(
            bn_add(&g, &(Int::ONE, Int::ONE)),
            None,
            "(1, 1) is not on the curve"
        );
        assert_eq!(bn_pairing(&[]), Some(true));
    }

    #[test]
    fn ecrecover_rejects_bad_recovery_ids_and_zero_signatures() {
        assert_eq!(
            ecrecover(&Int::ONE, &Int::ONE, &Int::from(27u8), &Int::ONE),
            Int::ZERO
        );
        assert_eq!(
            ecrecover(&Int::ZERO, &Int::ZERO, &Int::ZERO, &Int::ONE),
            Int::ZERO
        );
    }
}
