//! A one-step proof: everything the next instruction touches, and hashes of the rest.
//!
//! With it, a verifier holding only the pre-state claim rebuilds the pre-state machine
//! hash, applies the instruction to the values shown, and computes the post-state
//! claim. Its size is bounded by a constant per opcode, except Merkle paths into
//! buffers, which grow with the logarithm of the buffer's size.

use avm_value::{Hash, Int, LeafPath, StackDigest};

use crate::ProofValue;

/// The proof of one step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proof {
    /// The opcode byte of the current code point.
    pub opcode: u8,
    /// Its immediate, if it has one (at the expansion its first operand needs).
    pub immediate: Option<ProofValue>,
    /// The hash of the code point after the current one.
    pub next_hash: Hash,
    /// The data stack items the instruction pops (not counting the immediate), bottom
    /// first; fewer only if the stack holds fewer.
    pub stack: Vec<ProofValue>,
    /// The digest of the data stack below those items.
    pub stack_rest: StackDigest,
    /// The aux stack items the instruction pops, bottom first.
    pub aux: Vec<ProofValue>,
    /// The digest of the aux stack below them.
    pub aux_rest: StackDigest,
    /// The register.
    pub register: ProofValue,
    /// The static value.
    pub static_value: ProofValue,
    /// AVMGas remaining.
    pub gas_remaining: Int,
    /// Hash of the Error CodePoint register.
    pub err_pc_hash: Hash,
    /// The pending message, if there is one.
    pub pending: Option<ProofValue>,
    /// What the instruction reads beyond the machine state.
    pub extra: Extra,
}

/// Data some instructions need beyond the machine state.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum Extra {
    /// Nothing.
    #[default]
    None,
    /// The inbox message `inbox` or `inboxpeek` takes (its items shown).
    Message(ProofValue),
    /// Leaves of a buffer the instruction reads, each with its Merkle path: for a leaf
    /// beyond the buffer's tree, the path to leaf 0 instead, which shows the tree's
    /// depth (and so that the leaf holds zeros).
    Reads(Vec<LeafPath>),
    /// A buffer write: the old leaf (as for reads), the path of a second leaf in the
    /// tree after the first write (when the write crosses a leaf boundary), and the
    /// canonical form of the result.
    Write {
        /// The first written leaf, or leaf 0 if it lies beyond the tree.
        first: LeafPath,
        /// The second written leaf, in the intermediate (grown, untrimmed) tree.
        second: Option<LeafPath>,
        /// The canonical form of the new tree.
        normal: Normalization,
    },
    /// The bytes a `send` publishes (its size operand long).
    SendData(Vec<u8>),
    /// A leaf of the `send` buffer with a non-zero byte at or past the size operand,
    /// which makes the send an Error.
    SendOverflow {
        /// Which leaf.
        index: u64,
        /// Its path.
        path: LeafPath,
    },
}

/// The canonical (trimmed) form of a buffer tree after a write: its height and the
/// two children of its root (for height 0, `left` is the leaf's hash and `right` is
/// zero).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Normalization {
    /// Depth of the canonical tree.
    pub height: u32,
    /// Hash of the root's left child (or of the leaf itself, at height 0).
    pub left: Hash,
    /// Hash of the root's right child, which must not be an all-zero subtree.
    pub right: Hash,
}
