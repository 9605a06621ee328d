//! Buffers: byte arrays of up to 2^64 bytes, persistent and sparse.
//!
//! A buffer is a binary Merkle tree over 32-byte leaves. Setting bytes copies only the
//! path from the root to one leaf, so an old buffer stays valid and shares everything
//! else with the new one; untouched regions are shared all-zero subtrees, so setting
//! byte 2^40 allocates about forty nodes, not 2^40 bytes.
//!
//! The tree is kept canonical the way the deployed AVM keeps it (buffer.cpp): its depth
//! is the smallest that holds the last non-zero byte (an all-zero buffer is one zero
//! leaf). Its Merkle root is then a function of the contents alone: a leaf hashes to
//! keccak(32 bytes), a branch to keccak(left, right). The spec prose calls the root the
//! buffer's hash; the deployed value hash, which the vectors and machine hashes use, is
//! keccak(123 as a 32-byte word, root).

use std::sync::{Arc, LazyLock, OnceLock};

use crate::{keccak256, keccak_pair, Hash, Int};

/// Bytes per leaf.
pub const LEAF_SIZE: u64 = 32;

/// The deepest tree needed: 32 << 59 = 2^64 bytes.
pub const MAX_DEPTH: u32 = 59;

/// The type byte of a buffer in marshaled form and in the `type` opcode.
pub const BUFFER_TYPE: u8 = 12;

/// The word mixed into a buffer's value hash with its Merkle root.
pub const BUFFER_HASH_TAG: u8 = 123;

enum Kind {
    Leaf([u8; 32]),
    Branch(Buffer, Buffer),
}

struct Node {
    depth: u32,
    kind: Kind,
    root: OnceLock<Hash>,
    packed_len: OnceLock<u128>,
}

/// A Merkle path from one leaf to a buffer's root: the leaf's bytes and the hashes of
/// the siblings met on the way up, nearest first. Its length is the tree's depth.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeafPath {
    /// The 32 bytes of the leaf.
    pub leaf: [u8; 32],
    /// Sibling hashes from the leaf's level up to just below the root.
    pub siblings: Vec<Hash>,
}

/// A buffer value. Cloning shares the tree.
#[derive(Clone)]
pub struct Buffer(Arc<Node>);

/// All-zero subtrees of every depth, shared by all buffers.
static ZERO_TREES: LazyLock<Vec<Buffer>> = LazyLock::new(|| {
    let mut trees = Vec::with_capacity(MAX_DEPTH as usize + 1);
    let mut current = Buffer::leaf([0; 32]);
    for _ in 0..=MAX_DEPTH {
        trees.push(current.clone());
        current = Buffer::branch(current.clone(), current);
    }
    trees
});

fn zero_tree(depth: u32) -> Buffer {
    // In bounds: ZERO_TREES holds depths 0..=MAX_DEPTH, and no tree is deeper than
    // MAX_DEPTH (`from_children` refuses it, writes stop at 2^64 bytes), so every caller
    // asks for at most MAX_DEPTH (`zero_root` clamps).
    ZERO_TREES[depth as usize].clone()
}

/// The number of bytes a tree of `depth` spans.
fn span(depth: u32) -> u128 {
    (LEAF_SIZE as u128) << depth
}

/// The smallest depth whose span holds `len` bytes.
fn depth_for_len(len: u128) -> u32 {
    let mut depth = 0;
    while span(depth) < len {
        depth += 1;
    }
    depth
}

impl Default for Buffer {
    fn default() -> Self {
        Buffer::new()
    }
}

impl Buffer {
    /// The empty buffer (all zeros).
    pub fn new() -> Buffer {
        zero_tree(0)
    }

    fn leaf(bytes: [u8; 32]) -> Buffer {
        Buffer(Arc::new(Node {
            depth: 0,
            kind: Kind::Leaf(bytes),
            root: OnceLock::new(),
            packed_len: OnceLock::new(),
        }))
    }

    fn branch(left: Buffer, right: Buffer) -> Buffer {
        Buffer(Arc::new(Node {
            depth: left.0.depth + 1,
            kind: Kind::Branch(left, right),
            root: OnceLock::new(),
            packed_len: OnceLock::new(),
        }))
    }

    /// A buffer holding `data` (trailing zeros are implied, not stored).
    pub fn from_bytes(data: &[u8]) -> Buffer {
        let mut leaves: Vec<Buffer> = data
            .chunks(LEAF_SIZE as usize)
            .map(|chunk| {
                let mut bytes = [0u8; 32];
                // In bounds: `chunks(LEAF_SIZE)` yields at most 32 bytes.
                bytes[..chunk.len()].copy_from_slice(chunk);
                Buffer::leaf(bytes)
            })
            .collect();
        if leaves.is_empty() {
            return Buffer::new();
        }
        let mut depth = 0;
        while leaves.len() > 1 {
            let mut next = Vec::with_capacity(leaves.len().div_ceil(2));
            let mut it = leaves.into_iter();
            while let Some(left) = it.next() {
                let right = it.next().unwrap_or_else(|| zero_tree(depth));
                next.push(Buffer::branch(left, right));
            }
            leaves = next;
            depth += 1;
        }
        leaves.pop().unwrap_or_default().trimmed()
    }

    /// Depth of the tree (0 for a single leaf).
    pub fn depth(&self) -> u32 {
        self.0.depth
    }

    /// Bytes spanned by the tree, including trailing zeros: 32 << depth.
    pub fn span(&self) -> u128 {
        span(self.0.depth)
    }

    /// Length without trailing zeros (the spec's LENGTH).
    pub fn packed_len(&self) -> u128 {
        *self.0.packed_len.get_or_init(|| match &self.0.kind {
            Kind::Leaf(bytes) => bytes.iter().rposition(|b| *b != 0).map_or(0, |i| i + 1) as u128,
            Kind::Branch(left, right) => match right.packed_len() {
                0 => left.packed_len(),
                r => left.span() + r,
            },
        })
    }

    /// Merkle root of the canonical tree.
    pub fn root_hash(&self) -> Hash {
        *self.0.root.get_or_init(|| match &self.0.kind {
            Kind::Leaf(bytes) => keccak256(bytes),
            Kind::Branch(left, right) => keccak_pair(&left.root_hash(), &right.root_hash()),
        })
    }

    /// The value hash of the buffer: keccak(123 as a 32-byte word, root).
    pub fn value_hash(&self) -> Hash {
        keccak_pair(
            &Hash::from_int(&Int::from(BUFFER_HASH_TAG)),
            &self.root_hash(),
        )
    }

    /// The 32-byte leaf holding byte `offset`, or zeros beyond the tree.
    pub fn leaf_at(&self, offset: u64) -> [u8; 32] {
        let mut node = self;
        let mut offset = offset as u128;
        if offset >= node.span() {
            return [0; 32];
        }
        loop {
            match &node.0.kind {
                Kind::Leaf(bytes) => return *bytes,
                Kind::Branch(left, right) => {
                    let half = left.span();
                    if offset >= half {
                        offset -= half;
                        node = right;
                    } else {
                        node = left;
                    }
                }
            }
        }
    }

    /// The byte at `offset` (zero beyond the data).
    pub fn get(&self, offset: u64) -> u8 {
        // In bounds: offset % 32 < 32, the length of a leaf.
        self.leaf_at(offset)[(offset % LEAF_SIZE) as usize]
    }

    /// Reads `out.len()` bytes starting at `offset`; bytes past 2^64 read as zero.
    pub fn read(&self, offset: u64, out: &mut [u8]) {
        let mut pos = offset as u128;
        let mut done = 0;
        while done < out.len() {
            if pos > u64::MAX as u128 {
                // In bounds: done < out.len() (loop condition).
                out[done..].fill(0);
                return;
            }
            let leaf = self.leaf_at(pos as u64);
            let start = (pos % LEAF_SIZE as u128) as usize;
            let n = (32 - start).min(out.len() - done);
            // In bounds: start < 32 and n <= 32 - start, n <= out.len() - done.
            out[done..done + n].copy_from_slice(&leaf[start..start + n]);
            done += n;
            pos += n as u128;
        }
    }

    /// A new buffer equal to this one but with byte `offset` set to `value`.
    pub fn set(&self, offset: u64, value: u8) -> Buffer {
        self.set_bytes(offset, &[value])
    }

    /// A new buffer equal to this one but with `data` written at `offset`. Bytes that
    /// would land past 2^64 - 1 are dropped (callers check ranges first).
    pub fn set_bytes(&self, offset: u64, data: &[u8]) -> Buffer {
        let mut result = self.clone();
        let mut pos = offset as u128;
        let mut rest = data;
        while !rest.is_empty() && pos <= u64::MAX as u128 {
            let start = (pos % LEAF_SIZE as u128) as usize;
            let n = (32 - start).min(rest.len());
            // In bounds: n <= rest.len().
            result = result.write_within_leaf(pos as u64, &rest[..n]);
            rest = &rest[n..];
            pos += n as u128;
        }
        result
    }

    /// Writes bytes that all fall inside one leaf, growing and trimming the tree.
    fn write_within_leaf(&self, offset: u64, data: &[u8]) -> Buffer {
        let end = offset as u128 + data.len() as u128;
        if end > self.span() && data.iter().all(|b| *b == 0) {
            return self.clone();
        }
        let mut root = self.clone();
        let needed = depth_for_len(end);
        while root.0.depth < needed {
            let depth = root.0.depth;
            root = Buffer::branch(root, zero_tree(depth));
        }
        root.replace_in_leaf(offset as u128, data).trimmed()
    }

    fn replace_in_leaf(&self, offset: u128, data: &[u8]) -> Buffer {
        match &self.0.kind {
            Kind::Leaf(bytes) => {
                let mut bytes = *bytes;
                let start = offset as usize;
                // In bounds: the only caller (`set_bytes` via `write_within_leaf`) passes
                // data within one leaf, and the descent keeps offset % 32 while the
                // tree holds offset + len, so at the leaf start + data.len() <= 32.
                bytes[start..start + data.len()].copy_from_slice(data);
                Buffer::leaf(bytes)
            }
            Kind::Branch(left, right) => {
                let half = left.span();
                if offset >= half {
                    Buffer::branch(left.clone(), right.replace_in_leaf(offset - half, data))
                } else {
                    Buffer::branch(left.replace_in_leaf(offset, data), right.clone())
                }
            }
        }
    }

    /// Drops right halves that hold only zeros, giving the canonical (smallest) tree.
    fn trimmed(self) -> Buffer {
        let mut root = self;
        loop {
            let left = match &root.0.kind {
                Kind::Branch(left, right) if right.packed_len() == 0 => left.clone(),
                _ => return root,
            };
            root = left;
        }
    }

    /// The bytes up to the last non-zero one, if there are at most `limit` of them.
    pub fn to_vec(&self, limit: u128) -> Option<Vec<u8>> {
        let len = self.packed_len();
        if len > limit {
            return None;
        }
        let mut out = vec![0u8; len as usize];
        self.read(0, &mut out);
        Some(out)
    }

    /// The Merkle path to leaf `index` (bytes 32*index..32*index+32), or None if the
    /// leaf lies beyond the tree.
    pub fn leaf_path(&self, index: u64) -> Option<LeafPath> {
        if u128::from(index) >= (1u128 << self.depth()) {
            return None;
        }
        let mut siblings = Vec::with_capacity(self.depth() as usize);
        let mut node = self;
        loop {
            match &node.0.kind {
                Kind::Leaf(bytes) => {
                    siblings.reverse();
                    return Some(LeafPath {
                        leaf: *bytes,
                        siblings,
                    });
                }
                Kind::Branch(left, right) => {
                    let bit = (index >> (node.depth() - 1)) & 1;
                    if bit == 1 {
                        siblings.push(left.root_hash());
                        node = right;
                    } else {
                        siblings.push(right.root_hash());
                        node = left;
                    }
                }
            }
        }
    }

    /// A one-leaf buffer tree holding these bytes (for restoring stored trees).
    pub fn from_leaf(bytes: [u8; 32]) -> Buffer {
        Buffer::leaf(bytes)
    }

    /// A branch over two trees of equal depth (for restoring stored trees), or None if
    /// the depths differ or the result would be deeper than any buffer.
    pub fn from_children(left: Buffer, right: Buffer) -> Option<Buffer> {
        (left.depth() == right.depth() && left.depth() < MAX_DEPTH)
            .then(|| Buffer::branch(left, right))
    }

    /// The two children of a branch, or None for a leaf (used by Merkle proofs).
    pub fn children(&self) -> Option<(&Buffer, &Buffer)> {
        match &self.0.kind {
            Kind::Branch(left, right) => Some((left, right)),
            Kind::Leaf(_) => None,
        }
    }

    /// The bytes of a leaf, or None for a branch.
    pub fn leaf_bytes(&self) -> Option<&[u8; 32]> {
        match &self.0.kind {
            Kind::Leaf(bytes) => Some(bytes),
            Kind::Branch(..) => None,
        }
    }

    /// The leaves that hold a non-zero byte, in order, each with its leaf index (bytes
    /// `32 * index ..`): how sparse buffers are listed without touching their zeros.
    pub fn nonzero_leaves(&self) -> NonZeroLeaves<'_> {
        NonZeroLeaves {
            stack: vec![(self, 0)],
        }
    }

    /// The non-zero stretches of the buffer as (offset, bytes), in order, with no zero
    /// byte at either end of a stretch: the compact listing of a sparse buffer used by
    /// value JSON and the disassembler.
    pub fn runs(&self) -> impl Iterator<Item = (u64, Vec<u8>)> + '_ {
        let mut leaves = self.nonzero_leaves().peekable();
        std::iter::from_fn(move || {
            let (first, bytes) = leaves.next()?;
            let mut data = bytes.to_vec();
            let mut next_index = first + 1;
            while let Some((index, bytes)) = leaves.next_if(|(index, _)| *index == next_index) {
                data.extend_from_slice(bytes);
                next_index = index + 1;
            }
            let lead = data.iter().position(|b| *b != 0).unwrap_or(0);
            let end = data.iter().rposition(|b| *b != 0).map_or(0, |i| i + 1);
            data.truncate(end);
            data.drain(..lead.min(end));
            Some((first * 32 + lead as u64, data))
        })
    }

    /// The root hash of an all-zero tree of `depth`.
    pub fn zero_root(depth: u32) -> Hash {
        zero_tree(depth.min(MAX_DEPTH)).root_hash()
    }
}

/// Iterator over the non-zero leaves of a buffer (see [`Buffer::nonzero_leaves`]).
pub struct NonZeroLeaves<'a> {
    /// Subtrees still to visit, next on top, with the index of their first leaf.
    stack: Vec<(&'a Buffer, u64)>,
}

impl<'a> Iterator for NonZeroLeaves<'a> {
    type Item = (u64, &'a [u8; 32]);

    fn next(&mut self) -> Option<Self::Item> {
        while let Some((node, first)) = self.stack.pop() {
            if node.packed_len() == 0 {
                continue;
            }
            match &node.0.kind {
                Kind::Leaf(bytes) => return Some((first, bytes)),
                Kind::Branch(left, right) => {
                    let half = 1u64 << (node.depth() - 1);
                    self.stack.push((right, first + half));
                    self.stack.push((left, first));
                }
            }
        }
        None
    }
}

impl std::fmt::Debug for Buffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.to_vec(64) {
            Some(bytes) => write!(f, "Buffer(0x{})", hex::encode(bytes)),
            None => write!(
                f,
                "Buffer(len {}, root {})",
                self.packed_len(),
                self.root_hash()
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonzero_leaves_lists_exactly_the_leaves_with_data_in_order() {
        let offsets = [5u64, 40, 41, 1 << 20, (1 << 40) + 3, u64::MAX];
        let mut buffer = Buffer::new();
        for (i, offset) in offsets.iter().enumerate() {
            buffer = buffer.set(*offset, i as u8 + 1);
        }
        let listed: Vec<(u64, Vec<(usize, u8)>)> = buffer
            .nonzero_leaves()
            .map(|(index, bytes)| {
                let set = bytes
                    .iter()
                    .enumerate()
                    .filter(|(_, b)| **b != 0)
                    .map(|(i, b)| (i, *b))
                    .collect();
                (index, set)
            })
            .collect();
        let mut expected: Vec<(u64, Vec<(usize, u8)>)> = Vec::new();
        for (i, offset) in offsets.iter().enumerate() {
            let entry = (offset / 32, ((offset % 32) as usize, i as u8 + 1));
            match expected.last_mut() {
                Some((leaf, bytes)) if *leaf == entry.0 => bytes.push(entry.1),
                _ => expected.push((entry.0, vec![entry.1])),
            }
        }
        assert_eq!(listed, expected);
        assert_eq!(Buffer::new().nonzero_leaves().count(), 0);
    }

    #[test]
    fn empty_buffer_root_is_keccak_of_32_zero_bytes() {
        assert_eq!(Buffer::new().root_hash(), keccak256(&[0u8; 32]));
        assert_eq!(Buffer::from_bytes(&[]).root_hash(), keccak256(&[0u8; 32]));
        assert_eq!(
            Buffer::from_bytes(&[0, 0, 0]).root_hash(),
            keccak256(&[0u8; 32])
        );
    }

    #[test]
    fn setting_a_far_byte_is_sparse_and_reads_back() {
        let b = Buffer::new().set(1 << 40, 7);
        assert_eq!(b.get(1 << 40), 7);
        assert_eq!(b.get((1 << 40) - 1), 0);
        assert_eq!(b.packed_len(), (1u128 << 40) + 1);
        assert_eq!(b.depth(), depth_for_len((1u128 << 40) + 1));
        let cleared = b.set(1 << 40, 0);
        assert_eq!(
            cleared.depth(),
            0,
            "clearing the last byte trims the tree back"
        );
        assert_eq!(cleared.root_hash(), Buffer::new().root_hash());
    }

    #[test]
    fn root_matches_a_flat_merkle_computation() {
        let data: Vec<u8> = (0..200u32).map(|i| (i * 7 + 1) as u8).collect();
        let buffer = Buffer::from_bytes(&data);
        // Independent model: pad to 256 bytes (8 leaves), hash pairwise.
        let mut level: Vec<Hash> = (0..8)
            .map(|i| {
                let mut leaf = [0u8; 32];
                for (j, b) in leaf.iter_mut().enumerate() {
                    *b = *data.get(i * 32 + j).unwrap_or(&0);
                }
                keccak256(&leaf)
            })
            .collect();
        while level.len() > 1 {
            level = level.chunks(2).map(|p| keccak_pair(&p[0], &p[1])).collect();
        }
        assert_eq!(buffer.root_hash(), level[0]);
        let mut built = Buffer::new();
        for (i, b) in data.iter().enumerate().rev() {
            built = built.set(i as u64, *b);
        }
        assert_eq!(built.root_hash(), level[0]);
        assert_eq!(built.to_vec(1000).unwrap(), data);
    }

    #[test]
    fn leaf_paths_fold_up_to_the_root() {
        let data: Vec<u8> = (0..300u32).map(|i| (i % 251) as u8 + 1).collect();
        let buffer = Buffer::from_bytes(&data);
        assert_eq!(buffer.depth(), 4);
        for index in 0..16u64 {
            let path = buffer.leaf_path(index).unwrap();
            let mut acc = keccak256(&path.leaf);
            for (level, sibling) in path.siblings.iter().enumerate() {
                acc = if (index >> level) & 1 == 1 {
                    keccak_pair(sibling, &acc)
                } else {
                    keccak_pair(&acc, sibling)
                };
            }
            assert_eq!(acc, buffer.root_hash(), "leaf {index}");
        }
        assert!(buffer.leaf_path(16).is_none());
    }

    #[test]
    fn reads_and_writes_straddle_leaves() {
        let b = Buffer::new().set_bytes(30, &[1, 2, 3, 4]);
        let mut out = [0u8; 6];
        b.read(29, &mut out);
        assert_eq!(out, [0, 1, 2, 3, 4, 0]);
        let top = Buffer::new().set_bytes(u64::MAX - 1, &[9, 9, 9]);
        assert_eq!(top.get(u64::MAX), 9);
        assert_eq!(top.depth(), MAX_DEPTH);
    }
}
