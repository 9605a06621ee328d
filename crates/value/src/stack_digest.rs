//! The digest of a stack: the spec defines a stack as None or the 2-tuple
//! (top, rest), so a stack's hash is the hash of that chain of pairs. The machine
//! keeps stacks as vectors and the verifier sees only their top items and the digest of
//! the rest; both build stack hashes with [`StackDigest::push`].

use crate::{empty_tuple_digest, hash_preimage, keccak256, Hash, Int};

/// The hash of a stack's pair-chain representation, with the preimage it is made of.
///
/// Proofs carry the preimage (`inner`, `size`) rather than the hash, so that the size,
/// which the hash of a stack with more items on top depends on, is bound by the hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StackDigest {
    /// Hash of the stack's tuple representation: keccak(3, inner, size).
    pub hash: Hash,
    /// keccak(2, hash of the top item, hash of the rest); keccak(0) for the empty stack.
    pub inner: Hash,
    /// Size of that tuple (1 for the empty stack).
    pub size: Int,
}

impl StackDigest {
    /// The digest of the empty stack (the empty tuple).
    pub fn empty() -> StackDigest {
        let d = empty_tuple_digest();
        StackDigest {
            hash: d.hash,
            inner: d.inner,
            size: d.size,
        }
    }

    /// The digest with this preimage.
    pub fn from_preimage(inner: Hash, size: Int) -> StackDigest {
        StackDigest {
            hash: hash_preimage(&inner, &size),
            inner,
            size,
        }
    }

    /// The digest of the stack `(top, self)`, given the top item's hash and size.
    pub fn push(&self, top_hash: &Hash, top_size: &Int) -> StackDigest {
        let mut data = [0u8; 65];
        data[0] = 2;
        data[1..33].copy_from_slice(&top_hash.0);
        data[33..].copy_from_slice(&self.hash.0);
        let inner = keccak256(&data);
        let size = Int::ONE.wrapping_add(*top_size).wrapping_add(self.size);
        StackDigest::from_preimage(inner, size)
    }
}
