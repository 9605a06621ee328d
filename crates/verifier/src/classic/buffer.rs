//! Classic buffer proofs (the `bproof` of `executeStep`), checked against buffer roots.
//!
//! Layout: a 32-byte header whose bytes 0..=4 are word offsets s0..s4; part k is the
//! words s_k..s_(k+1) (word i being bytes 32i..32i+32). Parts 1 and 3 are leaf proofs
//! (the leaf's 32 bytes, then siblings from the leaf up), parts 2 and 4 normalizations
//! (height, left child hash, right child hash).
//!
//! A leaf proof of n + 1 words fixes the tree's depth at n (leaves and branches hash
//! preimages of different lengths), so a leaf index with bits above n lies beyond the
//! tree and reads as zero; the C++ AVM proves such reads with the leaf at the index
//! modulo the tree's width, and an empty part stands for the all-zero one-leaf tree.
//! Writes grow the tree as needed, write the leaf along its path, and are checked
//! against the claimed canonical form (a right half that is not all zeros, padding
//! to the written tree); a write crossing into a second leaf is checked in the
//! canonical tree after the first, as the C++ AVM proves it.

use avm_value::{keccak256, keccak_pair, Hash, Int};

use super::decode::{malformed, MAX_CLASSIC_PROOF_BYTES};
use crate::merkle::{zero_root, MAX_DEPTH};
use crate::Rejection;

fn bad(reason: &'static str) -> Rejection {
    Rejection::BufferProof(reason)
}

/// The four parts of a buffer proof, as words.
pub(crate) struct Parts {
    parts: [Vec<[u8; 32]>; 4],
}

impl Parts {
    /// Splits a buffer proof into its parts.
    pub(crate) fn parse(bytes: &[u8]) -> Result<Parts, Rejection> {
        if bytes.len() > MAX_CLASSIC_PROOF_BYTES {
            return Err(malformed("buffer proof longer than any step needs"));
        }
        let header = bytes
            .first_chunk::<5>()
            .ok_or_else(|| malformed("buffer proof without its header"))?;
        let words: Vec<[u8; 32]> = bytes
            .chunks_exact(32)
            .filter_map(|w| w.first_chunk::<32>().copied())
            .collect();
        let mut parts: [Vec<[u8; 32]>; 4] = Default::default();
        for (k, part) in parts.iter_mut().enumerate() {
            let (Some(start), Some(end)) = (header.get(k), header.get(k.saturating_add(1))) else {
                return Err(malformed("buffer proof header"));
            };
            let (start, end) = (usize::from(*start), usize::from(*end));
            *part = words
                .get(start..end)
                .ok_or_else(|| malformed("buffer proof part out of range"))?
                .to_vec();
        }
        Ok(Parts { parts })
    }

    fn part(&self, k: usize) -> &[[u8; 32]] {
        self.parts.get(k).map_or(&[], Vec::as_slice)
    }

    /// Leaf proof 1 (k = 0) or 2 (k = 1).
    pub(crate) fn leaf(&self, k: usize) -> &[[u8; 32]] {
        self.part(k.saturating_mul(2))
    }

    /// Normalization 1 (k = 0) or 2 (k = 1).
    pub(crate) fn normal(&self, k: usize) -> &[[u8; 32]] {
        self.part(k.saturating_mul(2).saturating_add(1))
    }
}

/// Bit `level` of `index` (0 past bit 63).
fn bit(index: u64, level: usize) -> u64 {
    u32::try_from(level)
        .ok()
        .and_then(|l| index.checked_shr(l))
        .unwrap_or(0)
        & 1
}

/// `index >> level` (0 past bit 63).
fn shifted(index: u64, level: usize) -> u64 {
    u32::try_from(level)
        .ok()
        .and_then(|l| index.checked_shr(l))
        .unwrap_or(0)
}

fn fold(mut acc: Hash, index: u64, siblings: &[Hash]) -> Hash {
    for (level, sibling) in siblings.iter().enumerate() {
        acc = if bit(index, level) == 1 {
            keccak_pair(sibling, &acc)
        } else {
            keccak_pair(&acc, sibling)
        };
    }
    acc
}

/// A tree's root padded with zero subtrees from `from` levels to `to`.
fn pad(mut root: Hash, from: usize, to: usize) -> Hash {
    for height in from..to {
        root = keccak_pair(&root, &zero_root(height));
    }
    root
}

/// What a leaf proof shows about leaf `index` of the tree with `root`.
struct Shown {
    /// The tree's depth.
    depth: usize,
    /// The leaf's bytes (zeros beyond the tree).
    leaf: [u8; 32],
    /// Its siblings, nearest first (meaningful only within the tree).
    siblings: Vec<Hash>,
    /// Whether the leaf lies within the tree.
    within: bool,
}

fn show(root: &Hash, index: u64, proof: &[[u8; 32]]) -> Result<Shown, Rejection> {
    let Some((leaf, siblings)) = proof.split_first() else {
        // The empty buffer: one zero leaf.
        if *root != zero_root(0) {
            return Err(bad("an empty leaf proof for a non-empty buffer"));
        }
        return Ok(Shown {
            depth: 0,
            leaf: [0; 32],
            siblings: Vec::new(),
            within: index == 0,
        });
    };
    let depth = siblings.len();
    if depth > MAX_DEPTH {
        return Err(bad("path longer than any buffer tree"));
    }
    let siblings: Vec<Hash> = siblings.iter().map(|w| Hash(*w)).collect();
    if fold(keccak256(leaf), index, &siblings) != *root {
        return Err(bad("leaf path does not lead to the buffer's root"));
    }
    let within = shifted(index, depth) == 0;
    Ok(Shown {
        depth,
        leaf: if within { *leaf } else { [0; 32] },
        siblings,
        within,
    })
}

/// The 32 bytes of leaf `index` of the buffer with `root`, as `proof` shows them.
pub(crate) fn read_leaf(
    root: &Hash,
    index: u64,
    proof: &[[u8; 32]],
) -> Result<[u8; 32], Rejection> {
    show(root, index, proof).map(|s| s.leaf)
}

/// Whether the buffer with `root` holds a non-zero byte at or after byte `size`, shown
/// by the proof of the leaf holding byte `size`.
pub(crate) fn longer_than(root: &Hash, size: u64, proof: &[[u8; 32]]) -> Result<bool, Rejection> {
    let shown = show(root, size / 32, proof)?;
    if !shown.within {
        return Ok(false);
    }
    let start = (size % 32) as usize;
    let in_leaf = shown
        .leaf
        .get(start..)
        .is_some_and(|tail| tail.iter().any(|b| *b != 0));
    // A right sibling that is not all zeros holds bytes after this leaf.
    let after = shown
        .siblings
        .iter()
        .enumerate()
        .any(|(level, s)| bit(size / 32, level) == 0 && *s != zero_root(level));
    Ok(in_leaf || after)
}

/// The smallest depth whose tree holds leaf `index`.
fn depth_for_leaf(index: u64) -> usize {
    (u64::BITS.saturating_sub(index.leading_zeros())) as usize
}

/// Checks a normalization proof against the tree `acc` of `depth` levels and returns
/// the canonical root.
fn normalize(acc: &Hash, depth: usize, normal: &[[u8; 32]]) -> Result<Hash, Rejection> {
    let [height, left, right] = normal else {
        return Err(bad("a normalization is three words"));
    };
    let height = Int::from_be_bytes(*height);
    let height = usize::try_from(height)
        .ok()
        .filter(|h| *h <= depth)
        .ok_or_else(|| bad("canonical form taller than the tree"))?;
    let (left, right) = (Hash(*left), Hash(*right));
    let root = match height.checked_sub(1) {
        None => left,
        Some(half) => {
            if right == zero_root(half) {
                return Err(bad("canonical form with an all-zero right half"));
            }
            keccak_pair(&left, &right)
        }
    };
    if pad(root, height, depth) != *acc {
        return Err(bad("canonical form does not match the written tree"));
    }
    Ok(root)
}

/// Writes `data` at byte `start` of leaf `index` of the buffer with `root`, using the
/// leaf proof and the normalization of the result, and returns the new canonical root.
pub(crate) fn write_leaf(
    root: &Hash,
    index: u64,
    start: usize,
    data: &[u8],
    proof: &[[u8; 32]],
    normal: &[[u8; 32]],
) -> Result<Hash, Rejection> {
    let shown = show(root, index, proof)?;
    let to = shown.depth.max(depth_for_leaf(index));
    let path: Vec<Hash> = if shown.within {
        let mut path = shown.siblings;
        path.extend((shown.depth..to).map(zero_root));
        path
    } else {
        (0..to)
            .map(|level| {
                if level >= shown.depth && shifted(index, level) == 1 {
                    pad(*root, shown.depth, level)
                } else {
                    zero_root(level)
                }
            })
            .collect()
    };
    let mut leaf = shown.leaf;
    let end = start
        .checked_add(data.len())
        .ok_or_else(|| bad("a buffer write past its leaf"))?;
    leaf.get_mut(start..end)
        .ok_or_else(|| bad("a buffer write past its leaf"))?
        .copy_from_slice(data);
    let acc = fold(keccak256(&leaf), index, &path);
    normalize(&acc, to, normal)
}
