//! Segments of AVMGas, how a bisection cuts them into chunks, and the Merkle tree of
//! chunk hashes a bisection commits to (ChallengeLib.sol and MerkleLib.sol's rules).
//!
//! A segment of length L is cut into n = min(L, degree) chunks: the first is
//! L/n + L%n long, the others L/n. The tree pairs neighbours with keccak(left, right)
//! and promotes an odd last node unchanged; a proof lists only the siblings that
//! exist, lowest first, and its route has bit k set when the node at that level is a
//! left child (MerkleLib.calculateRoot hashes `keccak(h, node)` for a set bit).

use avm_value::{keccak_pair, Hash};

use super::hash::bisection_chunk_hash;

/// The bisection degree the Classic rollup (and the ChallengeTester) serves.
pub const CLASSIC_DEGREE: u64 = 400;

/// A range of AVMGas in dispute: `[start, start + length)` counted from the run's
/// beginning, as the contract's `_challengedSegmentStart` and `_challengedSegmentLength`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ClassicSegment {
    /// AVMGas at which the segment starts.
    pub start: u64,
    /// Its length in AVMGas.
    pub length: u64,
}

impl ClassicSegment {
    /// The gas at which it ends (start + length, without overflow).
    pub fn end(&self) -> u128 {
        u128::from(self.start).saturating_add(u128::from(self.length))
    }

    /// The number of chunks a bisection of it has at `degree`: min(length, degree).
    pub fn chunk_count(&self, degree: u64) -> u64 {
        self.length.min(degree)
    }

    /// Chunk `index` of `count` (None if there is no such chunk). The first chunk takes
    /// the remainder.
    pub fn chunk(&self, count: u64, index: u64) -> Option<ClassicSegment> {
        if index >= count {
            return None;
        }
        let other = self.length.checked_div(count)?;
        let first = other.checked_add(self.length.checked_rem(count)?)?;
        if index == 0 {
            return Some(ClassicSegment {
                start: self.start,
                length: first,
            });
        }
        let before = first.checked_add(other.checked_mul(index.checked_sub(1)?)?)?;
        Some(ClassicSegment {
            start: self.start.checked_add(before)?,
            length: other,
        })
    }

    /// The `count + 1` cut offsets of a bisection into `count` chunks: each chunk's
    /// start, then the segment's end (empty if `count` is 0 or the end passes u64).
    pub fn cut_offsets(&self, count: u64) -> Vec<u64> {
        let mut out = Vec::new();
        for i in 0..count {
            match self.chunk(count, i) {
                Some(c) => out.push(c.start),
                None => return Vec::new(),
            }
        }
        match self.start.checked_add(self.length) {
            Some(end) if count > 0 => out.push(end),
            _ => return Vec::new(),
        }
        out
    }
}

/// A bisection as the contract's `Bisected` event reports it (and as upstream's files
/// record it): the segment cut and its `count + 1` cut hashes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bisection {
    /// The segment that was cut.
    pub segment: ClassicSegment,
    /// The cut hashes: the segment's start, each chunk's end.
    pub cuts: Vec<Hash>,
}

impl Bisection {
    /// The number of chunks (cuts minus one).
    pub fn chunk_count(&self) -> u64 {
        u64::try_from(self.cuts.len().saturating_sub(1)).unwrap_or(u64::MAX)
    }

    /// Chunk `index`'s segment.
    pub fn chunk(&self, index: u64) -> Option<ClassicSegment> {
        self.segment.chunk(self.chunk_count(), index)
    }

    /// The chunk hashes, as `ChallengeLib.updatedBisectionRoot` computes them (chunk
    /// starts in u128, so no segment overflows).
    pub fn chunk_hashes(&self) -> Vec<Hash> {
        let count = self.chunk_count();
        if count == 0 {
            return Vec::new();
        }
        let length = u128::from(self.segment.length);
        let n = u128::from(count);
        let other = length.checked_div(n).unwrap_or(0);
        let first = other.saturating_add(length.checked_rem(n).unwrap_or(0));
        let mut start = u128::from(self.segment.start);
        let mut out = Vec::with_capacity(self.cuts.len());
        for (i, pair) in self.cuts.windows(2).enumerate() {
            let (Some(a), Some(b)) = (pair.first(), pair.get(1)) else {
                continue;
            };
            let len = if i == 0 { first } else { other };
            out.push(bisection_chunk_hash(start, len, a, b));
            start = start.saturating_add(len);
        }
        out
    }

    /// The Merkle tree over [`Bisection::chunk_hashes`] (None without chunks).
    pub fn tree(&self) -> Option<MerkleTree> {
        MerkleTree::new(self.chunk_hashes())
    }

    /// The chunk hash of chunk `index`, from its own start and end cut.
    pub fn chunk_hash(&self, index: u64) -> Option<Hash> {
        let chunk = self.chunk(index)?;
        let i = usize::try_from(index).ok()?;
        Some(bisection_chunk_hash(
            u128::from(chunk.start),
            u128::from(chunk.length),
            self.cuts.get(i)?,
            self.cuts.get(i.checked_add(1)?)?,
        ))
    }
}

/// A Merkle tree as MerkleLib.generateRoot builds it, with every layer kept so proofs
/// can be read off.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MerkleTree {
    layers: Vec<Vec<Hash>>,
}

/// A path from a leaf to the root: `_merkleNodes` and `_merkleRoute` of a move.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MerkleProof {
    /// The siblings that exist on the way up, lowest first.
    pub nodes: Vec<Hash>,
    /// Bit k set: at the k-th node's level the path is the left child.
    pub route: u64,
}

impl MerkleTree {
    /// The tree over `leaves` (None if there are none: the contract cannot build it).
    pub fn new(leaves: Vec<Hash>) -> Option<MerkleTree> {
        if leaves.is_empty() {
            return None;
        }
        let mut layers = vec![leaves];
        while let Some(top) = layers.last().filter(|l| l.len() > 1) {
            let next: Vec<Hash> = top
                .chunks(2)
                .map(|pair| match pair {
                    [a, b] => keccak_pair(a, b),
                    [a] => *a,
                    _ => Hash::default(),
                })
                .collect();
            layers.push(next);
        }
        Some(MerkleTree { layers })
    }

    /// The root (the challenge state after a bisection).
    pub fn root(&self) -> Hash {
        self.layers
            .last()
            .and_then(|l| l.first())
            .copied()
            .unwrap_or_default()
    }

    /// The leaves.
    pub fn leaves(&self) -> &[Hash] {
        self.layers.first().map_or(&[], Vec::as_slice)
    }

    /// The proof of leaf `index` (None if there is no such leaf). A one-leaf tree has
    /// the empty proof with route 0.
    pub fn proof(&self, index: usize) -> Option<MerkleProof> {
        if index >= self.leaves().len() {
            return None;
        }
        let mut nodes = Vec::new();
        let mut route: u64 = 0;
        let mut bit: u32 = 0;
        let mut at = index;
        for layer in &self.layers {
            let left = at % 2 == 0;
            let sibling = if left {
                at.checked_add(1)
            } else {
                at.checked_sub(1)
            };
            if let Some(node) = sibling.and_then(|s| layer.get(s)) {
                nodes.push(*node);
                if left {
                    route |= 1u64.checked_shl(bit).unwrap_or(0);
                }
                bit = bit.saturating_add(1);
            }
            at /= 2;
        }
        Some(MerkleProof { nodes, route })
    }
}

/// MerkleLib.calculateRoot: the root a proof leads to from `item`.
pub fn calculate_root(nodes: &[Hash], route: u64, item: &Hash) -> Hash {
    let mut h = *item;
    let mut route = route;
    for node in nodes {
        h = if route % 2 == 0 {
            keccak_pair(node, &h)
        } else {
            keccak_pair(&h, node)
        };
        route /= 2;
    }
    h
}
