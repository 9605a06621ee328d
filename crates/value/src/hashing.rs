//! Value hashes, as the deployed AVM computes them.
//!
//! - Integer: keccak of its 32-byte big-endian form.
//! - CodePoint: from the code store's hash table (see [`crate::code_point_hash`]).
//! - Buffer: keccak(123 as a 32-byte word, Merkle root) (see [`crate::Buffer`]).
//! - Tuple: the spec prose says keccak(3 + n, item hashes), but the deployed AVM
//!   (avm_values/src/tuple.cpp and Hashing.sol) uses a two-level preimage, and real
//!   machine hashes depend on it: `inner = keccak(n, h_1, ..., h_n)` with n as one byte,
//!   `size = 1 + size(item_1) + ... + size(item_n)` (non-tuples have size 1; the sum
//!   wraps at 2^256), and `hash = keccak(3, inner, size as a 32-byte word)`.
//!
//! Tuple digests are computed without recursion (an explicit work list) and cached,
//! so a million-deep chain hashes in one pass and every later hash of it is free.

use crate::tuple::TupleDigest;
use crate::{hash_int, keccak256, CodeView, Hash, Int, Tuple, Value};

/// The type byte of a tuple in hash preimages (and of the empty tuple when marshaled).
pub const TUPLE_TYPE: u8 = 3;

/// Builds a tuple digest from its items' hashes and the sum of their sizes + 1.
pub(crate) fn digest_from_parts(item_hashes: &[Hash], size: Int) -> TupleDigest {
    let mut data = [0u8; 1 + 32 * crate::MAX_TUPLE_LEN];
    data[0] = item_hashes.len() as u8;
    // In bounds: callers pass at most MAX_TUPLE_LEN hashes (a tuple's items, which no
    // constructor lets exceed MAX_TUPLE_LEN), and `data` has room for that many.
    for (i, h) in item_hashes.iter().enumerate() {
        data[1 + 32 * i..33 + 32 * i].copy_from_slice(&h.0);
    }
    let inner = keccak256(&data[..1 + 32 * item_hashes.len()]);
    TupleDigest {
        hash: hash_preimage(&inner, &size),
        inner,
        size,
    }
}

/// The tuple hash from its two-level preimage: keccak(3, inner, size).
pub fn hash_preimage(inner: &Hash, size: &Int) -> Hash {
    let mut data = [0u8; 65];
    data[0] = TUPLE_TYPE;
    data[1..33].copy_from_slice(&inner.0);
    data[33..].copy_from_slice(&size.to_be_bytes::<32>());
    keccak256(&data)
}

/// Hash and size of a value that is not a tuple, or of a tuple whose digest is known.
fn known_hash_and_size(value: &Value, code: &impl CodeView) -> Option<(Hash, Int)> {
    match value {
        Value::Int(n) => Some((hash_int(n), Int::from(1u8))),
        Value::CodePoint(cp) => Some((code.code_point_hash(*cp), Int::from(1u8))),
        Value::Buffer(b) => Some((b.value_hash(), Int::from(1u8))),
        Value::Tuple(t) => t.cached_digest().map(|d| (d.hash, d.size)),
    }
}

/// Whether the digest of every tuple among `tuple`'s items is cached (so its own digest
/// is one Keccak of the items' hashes away).
fn children_known(tuple: &Tuple) -> bool {
    tuple
        .items()
        .iter()
        .all(|item| !matches!(item, Value::Tuple(child) if child.cached_digest().is_none()))
}

/// Computes and caches the digest of a tuple whose children's digests are cached.
fn digest_of_known_items(tuple: &Tuple, code: &impl CodeView) -> TupleDigest {
    let mut hashes = [Hash::ZERO; crate::MAX_TUPLE_LEN];
    let mut size = Int::from(1u8);
    for (slot, item) in hashes.iter_mut().zip(tuple.items()) {
        let (h, s) = known_hash_and_size(item, code).unwrap_or_default();
        *slot = h;
        size = size.wrapping_add(s);
    }
    // In bounds: a tuple holds at most MAX_TUPLE_LEN items (every constructor checks).
    *tuple.store_digest(digest_from_parts(&hashes[..tuple.len()], size))
}

/// The digest of a tuple, computing (and caching) every missing digest below it. A
/// tuple whose children are all hashed (a new tuple of integers, say) takes no work list.
pub fn tuple_digest(tuple: &Tuple, code: &impl CodeView) -> TupleDigest {
    if let Some(d) = tuple.cached_digest() {
        return *d;
    }
    if children_known(tuple) {
        return digest_of_known_items(tuple, code);
    }
    let mut work: Vec<&Tuple> = vec![tuple];
    while let Some(&top) = work.last() {
        if top.cached_digest().is_some() {
            work.pop();
            continue;
        }
        if children_known(top) {
            digest_of_known_items(top, code);
            work.pop();
            continue;
        }
        for item in top.items() {
            if let Value::Tuple(child) = item {
                if child.cached_digest().is_none() {
                    work.push(child);
                }
            }
        }
    }
    tuple
        .cached_digest()
        .copied()
        .unwrap_or_else(|| *crate::tuple::empty_tuple_digest())
}

/// The hash of any value.
pub fn value_hash(value: &Value, code: &impl CodeView) -> Hash {
    match value {
        Value::Tuple(t) => tuple_digest(t, code).hash,
        other => known_hash_and_size(other, code)
            .map(|(h, _)| h)
            .unwrap_or_default(),
    }
}

/// The size of a value: 1 for non-tuples, 1 + the items' sizes for tuples.
pub fn value_size(value: &Value, code: &impl CodeView) -> Int {
    match value {
        Value::Tuple(t) => tuple_digest(t, code).size,
        _ => Int::from(1u8),
    }
}

/// Equality as the `eq` opcode decides it: integers by value; values of different types
/// (or tuples of different lengths) are unequal; otherwise equal when their hashes are.
pub fn values_equal(a: &Value, b: &Value, code: &impl CodeView) -> bool {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Tuple(x), Value::Tuple(y)) => {
            x.len() == y.len()
                && (x.ptr_eq(y) || tuple_digest(x, code).hash == tuple_digest(y, code).hash)
        }
        (Value::CodePoint(x), Value::CodePoint(y)) => {
            x == y || code.code_point_hash(*x) == code.code_point_hash(*y)
        }
        (Value::Buffer(x), Value::Buffer(y)) => x.root_hash() == y.root_hash(),
        _ => false,
    }
}
