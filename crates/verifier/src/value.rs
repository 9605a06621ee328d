//! Values as a proof shows them: integers, buffers and code points by what determines
//! their hash, tuples either opened (their items shown) or closed (just their digest).
//!
//! A closed value still says its type, so the verifier can decide type errors without
//! seeing inside; it must see inside only where an instruction reads a tuple's items,
//! and a proof that does not show them there is rejected.

use avm_value::{
    code_point_hash, empty_tuple_digest, hash_int, hash_preimage, keccak256, keccak_pair, Hash,
    Int, BUFFER_HASH_TAG, MAX_TUPLE_LEN,
};

/// A value in a proof.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProofValue {
    /// An integer, in full.
    Int(Int),
    /// A code point, by its hash.
    CodePoint(Hash),
    /// A buffer, by its Merkle root.
    Buffer(Hash),
    /// A tuple shown only by its digest: the inner hash keccak(n, item hashes), and its
    /// size.
    ClosedTuple {
        /// keccak of the item count and the item hashes.
        inner: Hash,
        /// 1 + the sizes of the items.
        size: Int,
    },
    /// A tuple with its items shown.
    Tuple(Vec<ProofValue>),
}

/// The type of a proof value, as the `type` instruction numbers it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Integer (0).
    Int = 0,
    /// CodePoint (1).
    CodePoint = 1,
    /// Tuple (3).
    Tuple = 3,
    /// Buffer (12).
    Buffer = 12,
}

impl Default for ProofValue {
    /// The empty tuple.
    fn default() -> Self {
        ProofValue::none()
    }
}

impl ProofValue {
    /// The empty tuple.
    pub fn none() -> ProofValue {
        ProofValue::Tuple(Vec::new())
    }

    /// The value's type.
    pub fn kind(&self) -> Kind {
        match self {
            ProofValue::Int(_) => Kind::Int,
            ProofValue::CodePoint(_) => Kind::CodePoint,
            ProofValue::Buffer(_) => Kind::Buffer,
            ProofValue::ClosedTuple { .. } | ProofValue::Tuple(_) => Kind::Tuple,
        }
    }

    /// The value hash, computed as the machine computes it.
    pub fn hash(&self) -> Hash {
        self.digest().0
    }

    /// The size: 1 for non-tuples, 1 + the items' sizes for tuples (wrapping).
    pub fn size(&self) -> Int {
        match self {
            ProofValue::ClosedTuple { size, .. } => *size,
            ProofValue::Tuple(_) => self.digest().1,
            _ => Int::ONE,
        }
    }

    /// Hash and size together, each item visited once.
    pub fn digest(&self) -> (Hash, Int) {
        match self {
            ProofValue::Int(n) => (hash_int(n), Int::ONE),
            ProofValue::CodePoint(h) => (*h, Int::ONE),
            ProofValue::Buffer(root) => (
                keccak_pair(&Hash::from_int(&Int::from(BUFFER_HASH_TAG)), root),
                Int::ONE,
            ),
            ProofValue::ClosedTuple { inner, size } => (hash_preimage(inner, size), *size),
            ProofValue::Tuple(items) => {
                let (inner, size) = tuple_digest(items);
                (hash_preimage(&inner, &size), size)
            }
        }
    }

    /// The integer, if this is one.
    pub fn as_int(&self) -> Option<&Int> {
        match self {
            ProofValue::Int(n) => Some(n),
            _ => None,
        }
    }
}

/// The inner hash and size of a tuple with these items.
pub fn tuple_digest(items: &[ProofValue]) -> (Hash, Int) {
    if items.is_empty() {
        let d = empty_tuple_digest();
        return (d.inner, d.size);
    }
    let mut data = Vec::with_capacity(1 + 32 * MAX_TUPLE_LEN);
    data.push(items.len() as u8);
    let mut size = Int::ONE;
    for item in items {
        let (hash, item_size) = item.digest();
        data.extend_from_slice(&hash.0);
        size = size.wrapping_add(item_size);
    }
    (keccak256(&data), size)
}

/// The hash of the code point (opcode, immediate, next), as in the machine.
pub fn code_point(opcode: u8, immediate: Option<&ProofValue>, next: &Hash) -> Hash {
    let imm = immediate.map(ProofValue::hash);
    code_point_hash(opcode, imm.as_ref(), next)
}
