//! Buffer Merkle trees as the verifier sees them: roots, paths and canonical forms.
//!
//! A buffer's tree is canonical: its depth is the smallest that holds its last non-zero
//! byte. Leaves hash as keccak(32 bytes) and branches as keccak(left, right); since the
//! preimages differ in length, a valid path fixes the tree's depth, so a path to any
//! leaf tells the verifier how deep the tree is. Writes are checked by recomputing the
//! root along the written leaf's path in the tree grown to hold the write, then against
//! a claimed canonical form (see [`crate::Normalization`]).

use std::sync::LazyLock;

use avm_value::{keccak256, keccak_pair, Hash, LeafPath};

use crate::{Normalization, Rejection};

/// Depth of a tree spanning 2^64 bytes.
pub const MAX_DEPTH: usize = 59;

static ZERO_ROOTS: LazyLock<Vec<Hash>> = LazyLock::new(|| {
    let mut last = keccak256(&[0u8; 32]);
    let mut roots = vec![last];
    for _ in 0..MAX_DEPTH {
        last = keccak_pair(&last, &last);
        roots.push(last);
    }
    roots
});

/// The root of an all-zero tree of `height`.
pub fn zero_root(height: usize) -> Hash {
    // In bounds: ZERO_ROOTS holds heights 0..=MAX_DEPTH (one root, then MAX_DEPTH
    // more) and the height is clamped to MAX_DEPTH.
    #[allow(clippy::indexing_slicing)]
    ZERO_ROOTS[height.min(MAX_DEPTH)]
}

fn bad(reason: &'static str) -> Rejection {
    Rejection::BufferProof(reason)
}

/// The root reached from `leaf` at `index` along `siblings` (nearest first).
pub fn fold_path(leaf: &[u8; 32], index: u64, siblings: &[Hash]) -> Hash {
    fold_hash(keccak256(leaf), index, siblings)
}

fn fold_hash(mut acc: Hash, index: u64, siblings: &[Hash]) -> Hash {
    for (level, sibling) in siblings.iter().enumerate() {
        // Levels past 63 have no index bit (a decoded path has at most 59 siblings).
        let bit = u32::try_from(level)
            .ok()
            .and_then(|l| index.checked_shr(l))
            .unwrap_or(0);
        acc = if bit & 1 == 1 {
            keccak_pair(sibling, &acc)
        } else {
            keccak_pair(&acc, sibling)
        };
    }
    acc
}

/// `root` of a tree of `from` levels, as the leftmost subtree of a zero-padded tree of
/// `to` levels.
fn pad(mut root: Hash, from: usize, to: usize) -> Hash {
    for height in from..to {
        root = keccak_pair(&root, &zero_root(height));
    }
    root
}

/// Whether `index` is a leaf of a tree of `depth`.
fn within(index: u64, depth: usize) -> bool {
    depth >= 64 || index < (1u64 << depth)
}

/// Checks `path` against `root` and returns the tree's depth and the bytes of leaf
/// `index` (zeros when the leaf lies beyond the tree, in which case `path` must be the
/// path to leaf 0).
pub fn read_leaf(root: &Hash, index: u64, path: &LeafPath) -> Result<(usize, [u8; 32]), Rejection> {
    let depth = path.siblings.len();
    if depth > MAX_DEPTH {
        return Err(bad("path longer than any buffer tree"));
    }
    let beyond = !within(index, depth);
    let at = if beyond { 0 } else { index };
    if fold_path(&path.leaf, at, &path.siblings) != *root {
        return Err(bad("leaf path does not lead to the buffer's root"));
    }
    Ok((depth, if beyond { [0; 32] } else { path.leaf }))
}

/// Reads `out.len()` bytes at `offset` (1 to 32, spanning at most two leaves, none
/// past byte 2^64 - 1) from the buffer with `root`, using one path per touched leaf.
pub fn read_bytes(
    root: &Hash,
    offset: u64,
    out: &mut [u8],
    paths: &[LeafPath],
) -> Result<(), Rejection> {
    if out.is_empty() || out.len() > 32 {
        return Err(bad("a buffer read must be of 1 to 32 bytes"));
    }
    let past_end = || bad("a buffer read past byte 2^64 - 1");
    let first = offset / 32;
    let last = (out.len() as u64)
        .checked_sub(1)
        .and_then(|span| offset.checked_add(span))
        .ok_or_else(past_end)?
        / 32;
    let leaves = last
        .checked_sub(first)
        .and_then(|d| d.checked_add(1))
        .and_then(|n| usize::try_from(n).ok());
    if leaves != Some(paths.len()) {
        return Err(bad("wrong number of leaf paths for the bytes read"));
    }
    let mut bytes = [0u8; 64];
    for ((i, path), slot) in paths.iter().enumerate().zip(bytes.chunks_exact_mut(32)) {
        let index = first.checked_add(i as u64).ok_or_else(past_end)?;
        let (_, leaf) = read_leaf(root, index, path)?;
        slot.copy_from_slice(&leaf);
    }
    let start = (offset % 32) as usize;
    let read = bytes
        .get(start..)
        .and_then(|b| b.get(..out.len()))
        .ok_or_else(|| bad("a buffer read must be of 1 to 32 bytes"))?;
    out.copy_from_slice(read);
    Ok(())
}

/// The smallest depth whose tree spans `len` bytes.
fn depth_for(len: u128) -> usize {
    // The smallest d with 32 * 2^d >= len is the smallest with 2^d >= ceil(len / 32).
    len.div_ceil(32)
        .checked_next_power_of_two()
        .map_or(u128::BITS, u128::trailing_zeros) as usize
}

/// The path of leaf `index` in the tree of `root` (of `depth` levels) grown to `to`
/// levels, when the leaf lies beyond the old tree: every sibling is an all-zero subtree
/// except the one holding the old tree.
fn path_beyond(root: &Hash, depth: usize, index: u64, to: usize) -> Vec<Hash> {
    (0..to)
        .map(|level| {
            if level >= depth && (index >> level) ^ 1 == 0 {
                pad(*root, depth, level)
            } else {
                zero_root(level)
            }
        })
        .collect()
}

/// Writes `data` (at most 32 bytes, spanning at most two leaves) at `offset` into the
/// buffer with `root` and returns the new root, checking every path and the claimed
/// canonical form of the result. Longer data is rejected.
pub fn write_bytes(
    root: &Hash,
    offset: u64,
    data: &[u8],
    first: &LeafPath,
    second: Option<&LeafPath>,
    normal: &Normalization,
) -> Result<Hash, Rejection> {
    if data.len() > 32 {
        return Err(bad("a buffer write of more than 32 bytes"));
    }
    let end = u128::from(offset)
        .checked_add(data.len() as u128)
        .ok_or_else(|| bad("a buffer write past byte 2^64 - 1"))?;
    let i1 = offset / 32;
    let (depth, old_leaf) = read_leaf(root, i1, first)?;
    let to = depth.max(depth_for(end));
    let path1: Vec<Hash> = if within(i1, depth) {
        let mut path = first.siblings.clone();
        path.extend((depth..to).map(zero_root));
        path
    } else {
        path_beyond(root, depth, i1, to)
    };
    let start = (offset % 32) as usize;
    let mut leaf = old_leaf;
    let tail = leaf
        .get_mut(start..)
        .ok_or_else(|| bad("a buffer write past its leaf"))?;
    let (in_first, rest) = data.split_at_checked(tail.len()).unwrap_or((data, &[]));
    tail.iter_mut()
        .zip(in_first)
        .for_each(|(byte, new)| *byte = *new);
    let mut acc = fold_path(&leaf, i1, &path1);
    match (rest.is_empty(), second) {
        (true, None) => {}
        (false, Some(path2)) => {
            let i2 = i1
                .checked_add(1)
                .ok_or_else(|| bad("a buffer write past byte 2^64 - 1"))?;
            if path2.siblings.len() != to || fold_path(&path2.leaf, i2, &path2.siblings) != acc {
                return Err(bad(
                    "second leaf path does not lead to the intermediate root",
                ));
            }
            let mut leaf2 = path2.leaf;
            leaf2
                .get_mut(..rest.len())
                .ok_or_else(|| bad("a buffer write of more than 32 bytes"))?
                .copy_from_slice(rest);
            acc = fold_path(&leaf2, i2, &path2.siblings);
        }
        (true, Some(_)) => return Err(bad("a second leaf path for a write within one leaf")),
        (false, None) => return Err(bad("a write across two leaves needs a second path")),
    }
    normalize(&acc, to, normal)
}

/// Checks that `normal` is the canonical form of the tree `acc` of `depth` levels and
/// returns its root.
fn normalize(acc: &Hash, depth: usize, normal: &Normalization) -> Result<Hash, Rejection> {
    let height = normal.height as usize;
    if height > depth {
        return Err(bad("canonical form taller than the tree"));
    }
    let root = match height.checked_sub(1) {
        None => {
            if normal.right != Hash::ZERO {
                return Err(bad("a one-leaf canonical form has no right half"));
            }
            normal.left
        }
        Some(half) => {
            if normal.right == zero_root(half) {
                return Err(bad("canonical form with an all-zero right half"));
            }
            keccak_pair(&normal.left, &normal.right)
        }
    };
    if pad(root, height, depth) != *acc {
        return Err(bad("canonical form does not match the written tree"));
    }
    Ok(root)
}

/// The canonical root of a buffer holding `data`.
pub fn root_of_bytes(data: &[u8]) -> Hash {
    // Up to and including the last non-zero byte.
    let used = data
        .iter()
        .rposition(|b| *b != 0)
        .and_then(|i| data.get(..=i))
        .unwrap_or_default();
    let depth = depth_for(used.len() as u128);
    let mut level: Vec<Hash> = used
        .chunks(32)
        .map(|chunk| {
            let mut leaf = [0u8; 32];
            leaf.iter_mut().zip(chunk).for_each(|(byte, b)| *byte = *b);
            keccak256(&leaf)
        })
        .collect();
    level.resize(1usize << depth, zero_root(0));
    // `level` starts with 2^depth hashes and halves, so while it holds more than one,
    // its length is even and every chunk is a pair.
    while level.len() > 1 {
        level = level
            .chunks_exact(2)
            .filter_map(|pair| match pair {
                [left, right] => Some(keccak_pair(left, right)),
                _ => None,
            })
            .collect();
    }
    level.first().copied().unwrap_or_else(|| zero_root(0))
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use avm_value::Buffer;

    #[test]
    fn zero_roots_match_buffers() {
        for h in [0, 1, 5, 20, MAX_DEPTH] {
            assert_eq!(zero_root(h), Buffer::zero_root(h as u32));
        }
        let data: Vec<u8> = (1..=200u8).collect();
        assert_eq!(root_of_bytes(&data), Buffer::from_bytes(&data).root_hash());
        assert_eq!(root_of_bytes(&[0, 0]), Buffer::new().root_hash());
        for len in [0usize, 1, 31, 32, 33, 64, 65, 96, 97, 300, 1025] {
            let mut data: Vec<u8> = (0..len).map(|i| (i % 251) as u8 | 1).collect();
            data.extend([0; 40]);
            assert_eq!(
                root_of_bytes(&data),
                Buffer::from_bytes(&data).root_hash(),
                "{len}"
            );
        }
    }

    #[test]
    fn reads_and_writes_outside_1_to_32_bytes_are_rejected() {
        let data: Vec<u8> = (1..=200u8).collect();
        let buffer = Buffer::from_bytes(&data);
        let root = buffer.root_hash();
        let paths: Vec<LeafPath> = (0..3).filter_map(|i| buffer.leaf_path(i)).collect();
        assert_eq!(paths.len(), 3);

        let mut out = [0u8; 8];
        let two = [paths[0].clone(), paths[1].clone()];
        read_bytes(&root, 28, &mut out, &two).unwrap();
        assert_eq!(out, [29, 30, 31, 32, 33, 34, 35, 36]);

        // Three valid paths for a 96-byte read: once a panic, now a rejection.
        let mut long = [0u8; 96];
        assert!(read_bytes(&root, 0, &mut long, &paths).is_err());
        assert!(read_bytes(&root, 0, &mut [], &[]).is_err());
        assert!(read_bytes(&root, u64::MAX, &mut out, &two).is_err());

        let normal = Normalization {
            height: 0,
            left: Hash::ZERO,
            right: Hash::ZERO,
        };
        let result = write_bytes(&root, 0, &[7; 64], &paths[0], Some(&paths[1]), &normal);
        assert!(result.is_err());
    }
}
