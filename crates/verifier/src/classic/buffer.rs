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
//!
//! The deployed OneStepProof2 is the authority on what a buffer proof proves, so reads,
//! writes and size checks here follow its `get`, `set` and `checkSize` step for step,
//! including what it does not check (a write of a non-zero leaf never reads its
//! normalization; a normalization's height is only bounded by the contract's table of
//! 64 zero subtrees) and where it reverts (a table index past 63, growing the empty
//! buffer past its first leaf). See [`write_leaf`].
use avm_value::{keccak256, keccak_pair, Hash, Int};

use super::decode::{malformed, MAX_CLASSIC_PROOF_BYTES};
use std::sync::LazyLock;

use crate::merkle::zero_root;
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
            // As the contract's `decode`: the length is `end - start` in 8 bits, so a
            // part whose end byte is below its start wraps around to a long part.
            let len = usize::from(end.wrapping_sub(*start));
            let start = usize::from(*start);
            *part = words
                .get(start..start.saturating_add(len))
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

/// `zeros[height]` of OneStepProof2: the root of an all-zero tree of `height`, for the
/// 64 heights the contract tabulates (it reverts on any other index).
fn zeros(height: usize) -> Result<Hash, Rejection> {
    static ZEROS: LazyLock<Vec<Hash>> = LazyLock::new(|| {
        let mut last = keccak256(&[0u8; 32]);
        let mut roots = vec![last];
        for _ in 1..ZERO_HEIGHTS {
            last = keccak_pair(&last, &last);
            roots.push(last);
        }
        roots
    });
    ZEROS
        .get(height)
        .copied()
        .ok_or_else(|| bad("past the contract's table of zero subtrees"))
}

/// How many heights `zeros` covers, as OneStepProof2's `makeZeros`.
const ZERO_HEIGHTS: usize = 64;

/// What a leaf proof shows about leaf `index` of the tree with `root`.
struct Shown {
    /// The leaf's bytes (zeros beyond the tree).
    leaf: [u8; 32],
    /// Its siblings, nearest first (meaningful only within the tree).
    siblings: Vec<Hash>,
    /// Whether the leaf lies within the tree.
    within: bool,
}

/// OneStepProof2's `get`: an empty proof stands for the empty buffer; otherwise the
/// path from the leaf must lead to the root, and an index with bits above the path's
/// length lies beyond the tree (its leaf reads as zero).
fn show(root: &Hash, index: u64, proof: &[[u8; 32]]) -> Result<Shown, Rejection> {
    let Some((leaf, siblings)) = proof.split_first() else {
        // The empty buffer: one zero leaf.
        if *root != zero_root(0) {
            return Err(bad("an empty leaf proof for a non-empty buffer"));
        }
        return Ok(Shown {
            leaf: [0; 32],
            siblings: Vec::new(),
            within: index == 0,
        });
    };
    let depth = siblings.len();
    let siblings: Vec<Hash> = siblings.iter().map(|w| Hash(*w)).collect();
    if fold(keccak256(leaf), index, &siblings) != *root {
        return Err(bad("leaf path does not lead to the buffer's root"));
    }
    let within = shifted(index, depth) == 0;
    Ok(Shown {
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
/// by the proof of the leaf holding byte `size`: OneStepProof2's `checkBufferSize`,
/// negated.
pub(crate) fn longer_than(root: &Hash, size: u64, proof: &[[u8; 32]]) -> Result<bool, Rejection> {
    let index = size / 32;
    let shown = show(root, index, proof)?;
    let start = (size % 32) as usize;
    if shown
        .leaf
        .get(start..)
        .is_some_and(|tail| tail.iter().any(|b| *b != 0))
    {
        return Ok(true);
    }
    if proof.is_empty() {
        return Ok(false);
    }
    // `checkSize`: every right sibling all zeros (the contract stops comparing at the
    // first that is not, and reverts reading its table past 64 heights), unless the
    // leaf lies beyond the tree.
    let mut zero_right = true;
    for (level, sibling) in shown.siblings.iter().enumerate() {
        if zero_right && bit(index, level) == 0 {
            zero_right = *sibling == zeros(level)?;
        }
    }
    Ok(shown.within && !zero_right)
}

/// `calcHeight` of OneStepProof2: one more than the bit length of `index`.
fn calc_height(index: u64) -> usize {
    (u64::BITS.saturating_sub(index.leading_zeros()) as usize).saturating_add(1)
}

/// Writes `data` at byte `start` of leaf `index` of the buffer with `root`, using the
/// leaf proof and the normalization, and returns the new root, exactly as
/// OneStepProof2's `get` then `set` compute it:
///
/// - the normalization must be three words, whether or not it is read;
/// - beyond the tree (or with an empty leaf proof) a zero leaf leaves the root as it
///   is, and any other leaf grows the tree to the smallest depth holding the index
///   (the contract cannot grow the empty buffer past leaf 0: it reverts; at leaf 0 it
///   makes the two-leaf tree [0, leaf], as deployed);
/// - within the tree a non-zero leaf gives the root along the path, and the
///   normalization is not read;
/// - a zero leaf within the tree gives the normalization's root, `(height, left,
///   right)`: `left` itself at height 0, else `keccak(left, right)` with `right` not
///   the all-zero tree of `height` levels (the contract's table at `height`, one
///   level above the right child's), which padded with zero subtrees from `height`
///   up to the path's length must be the written root.
pub(crate) fn write_leaf(
    root: &Hash,
    index: u64,
    start: usize,
    data: &[u8],
    proof: &[[u8; 32]],
    normal: &[[u8; 32]],
) -> Result<Hash, Rejection> {
    let [height, left, right] = normal else {
        return Err(bad("a normalization is three words"));
    };
    let shown = show(root, index, proof)?;
    let mut leaf = shown.leaf;
    let end = start
        .checked_add(data.len())
        .ok_or_else(|| bad("a buffer write past its leaf"))?;
    leaf.get_mut(start..end)
        .ok_or_else(|| bad("a buffer write past its leaf"))?
        .copy_from_slice(data);
    let zero_leaf = leaf == [0u8; 32];
    let mut acc = keccak256(&leaf);
    // `loc >= 1 << (proof.length - 1)`; for an empty proof the shift is past 255 bits
    // and gives 0.
    let extended = match proof.len().checked_sub(1) {
        None => true,
        Some(depth) => shifted(index, depth) != 0,
    };
    if extended {
        if zero_leaf {
            return Ok(*root);
        }
        let height = calc_height(index);
        let mut grown = *root;
        for i in proof.len()..height.saturating_sub(1) {
            let below = i
                .checked_sub(1)
                .ok_or_else(|| bad("the empty buffer grown past its first leaf"))?;
            grown = keccak_pair(&grown, &zeros(below)?);
        }
        for level in 0..height.saturating_sub(2) {
            let zero = zeros(level)?;
            acc = if bit(index, level) == 1 {
                keccak_pair(&zero, &acc)
            } else {
                keccak_pair(&acc, &zero)
            };
        }
        return Ok(keccak_pair(&grown, &acc));
    }
    acc = fold(acc, index, &shown.siblings);
    if !zero_leaf {
        return Ok(acc);
    }
    let height = Int::from_be_bytes(*height);
    let (height, canonical) = if height == Int::ZERO {
        (0, Hash(*left))
    } else {
        let height = usize::try_from(height)
            .ok()
            .filter(|h| *h < ZERO_HEIGHTS)
            .ok_or_else(|| bad("past the contract's table of zero subtrees"))?;
        if Hash(*right) == zeros(height)? {
            return Err(bad("canonical form with an all-zero right half"));
        }
        (height, keccak_pair(&Hash(*left), &Hash(*right)))
    };
    let mut padded = canonical;
    for level in height..shown.siblings.len() {
        padded = keccak_pair(&padded, &zeros(level)?);
    }
    if padded != acc {
        return Err(bad("canonical form does not match the written tree"));
    }
    Ok(canonical)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    //! Each test pins one behaviour of OneStepProof2 that our verifier once judged
    //! differently (the differential test in `avm-l1` checks them against the deployed
    //! bytecode).
    use super::*;

    fn leaf(byte: u8) -> [u8; 32] {
        [byte; 32]
    }

    fn k(word: &[u8; 32]) -> Hash {
        keccak256(word)
    }

    /// The two-leaf buffer [a, b] and the leaf proofs of its leaves.
    fn two_leaves(a: [u8; 32], b: [u8; 32]) -> (Hash, Vec<[u8; 32]>, Vec<[u8; 32]>) {
        let root = keccak_pair(&k(&a), &k(&b));
        (root, vec![a, k(&b).0], vec![b, k(&a).0])
    }

    #[test]
    fn a_non_zero_write_never_reads_its_normalization() {
        // Found by the differential test: the contract accepted writes whose
        // normalization was tampered with; `set` returns the path's root for a
        // non-zero leaf without looking at it. It must still be three words.
        let (root, proof0, _) = two_leaves(leaf(1), leaf(2));
        let expected = keccak_pair(&k(&[9u8; 32]), &k(&leaf(2)));
        for normal in [[[0u8; 32]; 3], [[0x5a; 32], [7; 32], [8; 32]]] {
            assert_eq!(
                write_leaf(&root, 0, 0, &[9u8; 32], &proof0, &normal),
                Ok(expected)
            );
        }
        assert!(write_leaf(&root, 0, 0, &[9u8; 32], &proof0, &[[0u8; 32]; 2]).is_err());
        assert!(write_leaf(&root, 0, 0, &[9u8; 32], &proof0, &[[0u8; 32]; 4]).is_err());
    }

    #[test]
    fn a_zero_write_is_normalized_as_the_contract_checks_it() {
        // Clearing leaf 1 of [a, b]: the canonical form is the one-leaf tree a.
        let (root, _, proof1) = two_leaves(leaf(1), leaf(2));
        let height = |h: u8| {
            let mut w = [0u8; 32];
            w[31] = h;
            w
        };
        let clear = |normal: &[[u8; 32]]| write_leaf(&root, 1, 0, &[0u8; 32], &proof1, normal);
        assert_eq!(
            clear(&[height(0), k(&leaf(1)).0, [0x77; 32]]),
            Ok(k(&leaf(1)))
        );
        assert!(clear(&[height(0), k(&leaf(3)).0, [0; 32]]).is_err());
        // A taller "canonical form" whose hash is the written tree passes: the contract
        // bounds the height only by its table and compares the right half with the
        // all-zero tree of the form's own height, not of the half's.
        let written = keccak_pair(&k(&leaf(1)), &zero_root(0));
        for h in [1u8, 5, 63] {
            assert_eq!(
                clear(&[height(h), k(&leaf(1)).0, zero_root(0).0]),
                Ok(written)
            );
        }
        assert!(clear(&[height(64), k(&leaf(1)).0, zero_root(0).0]).is_err());
        // The right half equal to the table's tree of that height is refused.
        assert!(clear(&[height(1), k(&leaf(1)).0, zeros(1).unwrap().0]).is_err());
    }

    #[test]
    fn an_empty_leaf_proof_writes_as_the_contract_does() {
        let empty = zero_root(0);
        // A zero leaf anywhere leaves the empty buffer as it is.
        assert_eq!(
            write_leaf(&empty, 3, 0, &[0], &[], &[[0; 32]; 3]),
            Ok(empty)
        );
        // A non-zero leaf 0 makes the two-leaf tree [0, leaf] (as deployed) ...
        let mut written = [0u8; 32];
        written[4] = 7;
        assert_eq!(
            write_leaf(&empty, 0, 4, &[7], &[], &[[0; 32]; 3]),
            Ok(keccak_pair(&empty, &k(&written)))
        );
        // ... and past leaf 0 the contract reverts.
        assert!(write_leaf(&empty, 1, 0, &[7], &[], &[[0; 32]; 3]).is_err());
        // The one-word proof of the zero leaf is the honest way to write leaf 0.
        assert_eq!(
            write_leaf(&empty, 0, 4, &[7], &[[0; 32]], &[[0; 32]; 3]),
            Ok(k(&written))
        );
    }

    #[test]
    fn part_lengths_are_8_bit_differences() {
        // The contract's `decode` takes `end - start` in 8 bits: a part may wrap.
        let mut bytes = vec![0u8; 32 * 258];
        bytes[..5].copy_from_slice(&[250, 254, 1, 1, 1]);
        for (i, word) in bytes.chunks_exact_mut(32).enumerate() {
            if i > 0 {
                word[0] = i as u8;
                word[1] = (i >> 8) as u8;
            }
        }
        let parts = Parts::parse(&bytes).unwrap();
        assert_eq!(parts.leaf(0).len(), 4);
        assert_eq!(parts.leaf(0)[0][0], 250);
        let normal = parts.normal(0);
        assert_eq!(normal.len(), 3);
        assert_eq!((normal[0][0], normal[0][1]), (254, 0));
        assert_eq!((normal[2][0], normal[2][1]), (0, 1));
        assert!(parts.leaf(1).is_empty() && parts.normal(1).is_empty());
        // Too short for the wrapped part: refused, as the contract's reads revert.
        bytes.truncate(32 * 256);
        assert!(Parts::parse(&bytes).is_err());
    }

    #[test]
    fn leaf_proofs_deeper_than_any_buffer_are_read_as_the_contract_does() {
        // The contract puts no bound on a path's length (the header bounds it at 255
        // words): a root that is a 70-level tree is read like any other.
        let siblings: Vec<[u8; 32]> = (0..70u8).map(|i| [i; 32]).collect();
        let hashes: Vec<Hash> = siblings.iter().map(|w| Hash(*w)).collect();
        let root = fold(k(&leaf(5)), 0, &hashes);
        let mut proof = vec![leaf(5)];
        proof.extend(&siblings);
        assert_eq!(read_leaf(&root, 0, &proof), Ok(leaf(5)));
        // A size check walking right siblings that are all zero past the contract's
        // table of 64 heights reverts there.
        let zero_siblings: Vec<Hash> = (0..70).map(|h| zeros(h.min(63)).unwrap()).collect();
        let root = fold(k(&[0; 32]), 0, &zero_siblings);
        let mut proof = vec![[0u8; 32]];
        proof.extend(zero_siblings.iter().map(|h| h.0));
        assert!(longer_than(&root, 0, &proof).is_err());
    }
}
