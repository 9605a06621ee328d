//! Hashing and crypto against their library limit: each AVM operation beside the bare
//! library call it rests on, measured in the same run.

#![allow(missing_docs, clippy::unwrap_used)]

use std::hint::black_box;

use ark_bn254::{Bn254, G1Affine, G2Affine};
use ark_ec::pairing::Pairing;
use ark_ec::AffineRepr;
use ark_ff::{BigInteger, PrimeField};
use avm_primitives::{ec, hash_functions};
use avm_value::{keccak256, value_hash, Int, NoCode, Tuple, Value};
use criterion::{criterion_group, criterion_main, Criterion};
use secp256k1::{Message, Secp256k1, SecretKey};

fn int_of(f: &impl PrimeField) -> Int {
    Int::from_be_slice(&f.into_bigint().to_bytes_be())
}

fn crypto(c: &mut Criterion) {
    let mut g = c.benchmark_group("crypto");
    g.sample_size(20);

    let big = Int::MAX - Int::from(12345u32);
    g.bench_function("library/keccak256_32_bytes", |b| {
        b.iter(|| keccak256(black_box(&big.to_be_bytes::<32>())))
    });
    g.bench_function("avm/hash_of_a_large_integer", |b| {
        let v = Value::Int(big);
        b.iter(|| value_hash(black_box(&v), &NoCode))
    });

    g.bench_function("library/keccak_f1600", |b| {
        let mut lanes = [7u64; 25];
        b.iter(|| keccak::f1600(black_box(&mut lanes)))
    });
    g.bench_function("avm/keccakf_words", |b| {
        let words = [Int::from(3u8); 7];
        b.iter(|| hash_functions::keccakf(std::array::from_fn(|i| black_box(&words[i]))))
    });

    let secp = Secp256k1::new();
    let key = SecretKey::from_slice(&[0x42; 32]).unwrap();
    let digest = [0x17u8; 32];
    let signature = secp.sign_ecdsa_recoverable(&Message::from_digest(digest), &key);
    let (id, compact) = signature.serialize_compact();
    g.bench_function("library/secp256k1_recover", |b| {
        let message = Message::from_digest(digest);
        b.iter(|| {
            secp.recover_ecdsa(black_box(&message), black_box(&signature))
                .unwrap()
        })
    });
    let r = Int::from_be_slice(&compact[..32]);
    let s = Int::from_be_slice(&compact[32..]);
    let v = Int::from(i32::from(id) as u8);
    let m = Int::from_be_bytes(digest);
    g.bench_function("avm/ecrecover", |b| {
        b.iter(|| ec::ecrecover(black_box(&r), &s, &v, &m))
    });

    let p = G1Affine::generator();
    let q = G2Affine::generator();
    g.bench_function("library/ark_bn254_pairing_1_pair", |b| {
        b.iter(|| Bn254::multi_pairing([black_box(p)], [black_box(q)]))
    });
    let p_avm = (int_of(&p.x), int_of(&p.y));
    let q_avm = [
        int_of(&q.x.c0),
        int_of(&q.x.c1),
        int_of(&q.y.c0),
        int_of(&q.y.c1),
    ];
    g.bench_function("avm/ecpairing_1_pair", |b| {
        b.iter(|| ec::bn_pairing(black_box(&[(p_avm, q_avm)])))
    });

    g.bench_function("avm/tset_then_hash_of_a_4_tuple", |b| {
        let t = Tuple::from_array([Value::int(1), Value::int(2), Value::int(3), Value::int(4)]);
        b.iter(|| {
            let mut copy = t.clone();
            copy.set(2, Value::int(5)).unwrap();
            value_hash(&Value::Tuple(copy), &NoCode)
        })
    });
    g.finish();
}

criterion_group!(benches, crypto);
criterion_main!(benches);
