//! The compression functions behind `keccakf`, `sha256f`, `ripemd160f` and `blake2f`,
//! and how each lays AVM integers onto its words.
//!
//! The byte orders are the deployed ones, which the spec's prose does not always match:
//! - keccakf: integer i (of 7) fills lanes 4i..4i+3 with its 64-bit limbs, least
//!   significant first; the 7th integer's low 64 bits fill lane 24 (machineoperation.cpp
//!   encodeKeccakState; OneStepProof lays lanes out the same way);
//! - sha256f: the digest integer's big-endian 32-bit words are the state H0..H7, and
//!   the two input integers' big-endian bytes are the 64-byte block;
//! - ripemd160f (arb-os emulator): the state h0..h4 is the low 160 bits of the digest
//!   integer as big-endian 32-bit words, the block is read as for sha256f (little-endian
//!   message words, per RIPEMD-160), and the result is the standard digest bytes
//!   (each h word little-endian) in the low 20 bytes of an integer;
//! - blake2f (arb-os emulator, EIP-152 input layout): see [`blake2f`].

use avm_value::Int;

/// keccakf on seven integers.
pub fn keccakf(input: [&Int; 7]) -> [Int; 7] {
    let mut lanes = [0u64; 25];
    for (i, n) in input.iter().enumerate() {
        set_keccakf_word(&mut lanes, i, n);
    }
    keccak::f1600(&mut lanes);
    std::array::from_fn(|i| keccakf_word(&lanes, i))
}

/// Puts word `i` (0..7) of the AVM's packing into the 25 Keccak lanes: words 0..6 hold
/// lanes 4i..4i+4 (least significant limb first), word 6 holds lane 24 in its low 64
/// bits.
#[inline]
pub fn set_keccakf_word(lanes: &mut [u64; 25], i: usize, word: &Int) {
    let limbs = word.as_limbs();
    if i < 6 {
        lanes[4 * i..4 * i + 4].copy_from_slice(limbs);
    } else {
        lanes[24] = limbs[0];
    }
}

/// Word `i` (0..7) of the AVM's packing of the 25 Keccak lanes.
#[inline]
pub fn keccakf_word(lanes: &[u64; 25], i: usize) -> Int {
    if i < 6 {
        Int::from_limbs([
            lanes[4 * i],
            lanes[4 * i + 1],
            lanes[4 * i + 2],
            lanes[4 * i + 3],
        ])
    } else {
        Int::from(lanes[24])
    }
}

/// The Keccak-f[1600] permutation on 25 lanes.
#[inline]
pub fn keccakf_lanes(lanes: &mut [u64; 25]) {
    keccak::f1600(lanes);
}

/// The 64-byte block made of two integers' big-endian bytes.
fn block_of(first: &Int, second: &Int) -> [u8; 64] {
    let mut block = [0u8; 64];
    block[..32].copy_from_slice(&first.to_be_bytes::<32>());
    block[32..].copy_from_slice(&second.to_be_bytes::<32>());
    block
}

/// One SHA-256 compression of the block (first, second) into `digest`.
pub fn sha256f(digest: &Int, first: &Int, second: &Int) -> Int {
    let bytes = digest.to_be_bytes::<32>();
    let mut state = [0u32; 8];
    for (i, word) in state.iter_mut().enumerate() {
        *word = u32::from_be_bytes([
            bytes[4 * i],
            bytes[4 * i + 1],
            bytes[4 * i + 2],
            bytes[4 * i + 3],
        ]);
    }
    let block = block_of(first, second);
    sha2::compress256(&mut state, &[block.into()]);
    let mut out = [0u8; 32];
    for (i, word) in state.iter().enumerate() {
        out[4 * i..4 * i + 4].copy_from_slice(&word.to_be_bytes());
    }
    Int::from_be_bytes(out)
}

/// One RIPEMD-160 compression of the block (first, second) into `digest`.
pub fn ripemd160f(digest: &Int, first: &Int, second: &Int) -> Int {
    let bytes = digest.to_be_bytes::<32>();
    let mut state = [0u32; 5];
    for (i, word) in state.iter_mut().enumerate() {
        let at = 12 + 4 * i;
        *word = u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    }
    ripemd160_compress(&mut state, &block_of(first, second));
    let mut out = [0u8; 32];
    for (i, word) in state.iter().enumerate() {
        out[12 + 4 * i..16 + 4 * i].copy_from_slice(&word.to_le_bytes());
    }
    Int::from_be_bytes(out)
}

const RIPEMD_LEFT_WORD: [usize; 80] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, //
    7, 4, 13, 1, 10, 6, 15, 3, 12, 0, 9, 5, 2, 14, 11, 8, //
    3, 10, 14, 4, 9, 15, 8, 1, 2, 7, 0, 6, 13, 11, 5, 12, //
    1, 9, 11, 10, 0, 8, 12, 4, 13, 3, 7, 15, 14, 5, 6, 2, //
    4, 0, 5, 9, 7, 12, 2, 10, 14, 1, 3, 8, 11, 6, 15, 13,
];
const RIPEMD_RIGHT_WORD: [usize; 80] = [
    5, 14, 7, 0, 9, 2, 11, 4, 13, 6, 15, 8, 1, 10, 3, 12, //
    6, 11, 3, 7, 0, 13, 5, 10, 14, 15, 8, 12, 4, 9, 1, 2, //
    15, 5, 1, 3, 7, 14, 6, 9, 11, 8, 12, 2, 10, 0, 4, 13, //
    8, 6, 4, 1, 3, 11, 15, 0, 5, 12, 2, 13, 9, 7, 10, 14, //
    12, 15, 10, 4, 1, 5, 8, 7, 6, 2, 13, 14, 0, 3, 9, 11,
];
const RIPEMD_LEFT_SHIFT: [u32; 80] = [
    11, 14, 15, 12, 5, 8, 7, 9, 11, 13, 14, 15, 6, 7, 9, 8, //
    7, 6, 8, 13, 11, 9, 7, 15, 7, 12, 15, 9, 11, 7, 13, 12, //
    11, 13, 6, 7, 14, 9, 13, 15, 14, 8, 13, 6, 5, 12, 7, 5, //
    11, 12, 14, 15, 14, 15, 9, 8, 9, 14, 5, 6, 8, 6, 5, 12, //
    9, 15, 5, 11, 6, 8, 13, 12, 5, 12, 13, 14, 11, 8, 5, 6,
];
const RIPEMD_RIGHT_SHIFT: [u32; 80] = [
    8, 9, 9, 11, 13, 15, 15, 5, 7, 7, 8, 11, 14, 14, 12, 6, //
    9, 13, 15, 7, 12, 8, 9, 11, 7, 7, 12, 7, 6, 15, 13, 11, //
    9, 7, 15, 11, 8, 6, 6, 14, 12, 13, 5, 14, 13, 13, 7, 5, //
    15, 5, 8, 11, 14, 14, 6, 14, 6, 9, 12, 9, 12, 5, 15, 8, //
    8, 5, 12, 9, 12, 5, 14, 6, 8, 13, 6, 5, 15, 13, 11, 11,
];
const RIPEMD_LEFT_K: [u32; 5] = [0, 0x5a82_7999, 0x6ed9_eba1, 0x8f1b_bcdc, 0xa953_fd4e];
const RIPEMD_RIGHT_K: [u32; 5] = [0x50a2_8be6, 0x5c4d_d124, 0x6d70_3ef3, 0x7a6d_76e9, 0];

fn ripemd_f(round: usize, x: u32, y: u32, z: u32) -> u32 {
    match round {
        0 => x ^ y ^ z,
        1 => (x & y) | (!x & z),
        2 => (x | !y) ^ z,
        3 => (x & z) | (y & !z),
        _ => x ^ (y | !z),
    }
}

/// The RIPEMD-160 compression function on one 64-byte block.
pub fn ripemd160_compress(h: &mut [u32; 5], block: &[u8; 64]) {
    let mut x = [0u32; 16];
    for (i, word) in x.iter_mut().enumerate() {
        *word = u32::from_le_bytes([
            block[4 * i],
            block[4 * i + 1],
            block[4 * i + 2],
            block[4 * i + 3],
        ]);
    }
    let [mut a, mut b, mut c, mut d, mut e] = *h;
    let [mut a2, mut b2, mut c2, mut d2, mut e2] = *h;
    for j in 0..80 {
        let round = j / 16;
        let t = a
            .wrapping_add(ripemd_f(round, b, c, d))
            .wrapping_add(x[RIPEMD_LEFT_WORD[j]])
            .wrapping_add(RIPEMD_LEFT_K[round])
            .rotate_left(RIPEMD_LEFT_SHIFT[j])
            .wrapping_add(e);
        (a, e, d, c, b) = (e, d, c.rotate_left(10), b, t);
        let t = a2
            .wrapping_add(ripemd_f(4 - round, b2, c2, d2))
            .wrapping_add(x[RIPEMD_RIGHT_WORD[j]])
            .wrapping_add(RIPEMD_RIGHT_K[round])
            .rotate_left(RIPEMD_RIGHT_SHIFT[j])
            .wrapping_add(e2);
        (a2, e2, d2, c2, b2) = (e2, d2, c2.rotate_left(10), b2, t);
    }
    let t = h[1].wrapping_add(c).wrapping_add(d2);
    h[1] = h[2].wrapping_add(d).wrapping_add(e2);
    h[2] = h[3].wrapping_add(e).wrapping_add(a2);
    h[3] = h[4].wrapping_add(a).wrapping_add(b2);
    h[4] = h[0].wrapping_add(b).wrapping_add(c2);
    h[0] = t;
}

const BLAKE2B_IV: [u64; 8] = [
    0x6a09_e667_f3bc_c908,
    0xbb67_ae85_84ca_a73b,
    0x3c6e_f372_fe94_f82b,
    0xa54f_f53a_5f1d_36f1,
    0x510e_527f_ade6_82d1,
    0x9b05_688c_2b3e_6c1f,
    0x1f83_d9ab_fb41_bd6b,
    0x5be0_cd19_137e_2179,
];

const BLAKE2B_SIGMA: [[usize; 16]; 10] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
    [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
    [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
    [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
    [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
    [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
    [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
    [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
    [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
];

#[inline(always)]
fn blake2b_g(v: &mut [u64; 16], [a, b, c, d]: [usize; 4], x: u64, y: u64) {
    v[a] = v[a].wrapping_add(v[b]).wrapping_add(x);
    v[d] = (v[d] ^ v[a]).rotate_right(32);
    v[c] = v[c].wrapping_add(v[d]);
    v[b] = (v[b] ^ v[c]).rotate_right(24);
    v[a] = v[a].wrapping_add(v[b]).wrapping_add(y);
    v[d] = (v[d] ^ v[a]).rotate_right(16);
    v[c] = v[c].wrapping_add(v[d]);
    v[b] = (v[b] ^ v[c]).rotate_right(63);
}

/// The BLAKE2b compression function F with a chosen number of rounds (EIP-152).
pub fn blake2b_compress(h: &mut [u64; 8], m: &[u64; 16], t: [u64; 2], last: bool, rounds: u32) {
    let mut v = [0u64; 16];
    v[..8].copy_from_slice(h);
    v[8..].copy_from_slice(&BLAKE2B_IV);
    v[12] ^= t[0];
    v[13] ^= t[1];
    if last {
        v[14] = !v[14];
    }
    for round in 0..rounds as usize {
        let s = &BLAKE2B_SIGMA[round % 10];
        blake2b_g(&mut v, [0, 4, 8, 12], m[s[0]], m[s[1]]);
        blake2b_g(&mut v, [1, 5, 9, 13], m[s[2]], m[s[3]]);
        blake2b_g(&mut v, [2, 6, 10, 14], m[s[4]], m[s[5]]);
        blake2b_g(&mut v, [3, 7, 11, 15], m[s[6]], m[s[7]]);
        blake2b_g(&mut v, [0, 5, 10, 15], m[s[8]], m[s[9]]);
        blake2b_g(&mut v, [1, 6, 11, 12], m[s[10]], m[s[11]]);
        blake2b_g(&mut v, [2, 7, 8, 13], m[s[12]], m[s[13]]);
        blake2b_g(&mut v, [3, 4, 9, 14], m[s[14]], m[s[15]]);
    }
    for i in 0..8 {
        h[i] ^= v[i] ^ v[i + 8];
    }
}

/// The `blake2f` instruction on the first 213 bytes of a buffer, laid out as the
/// EIP-152 precompile input: rounds (4 bytes big-endian), h (8 words), m (16 words),
/// t (2 words), all words little-endian, and the final-block flag (only its low bit
/// counts, as in the arb-os emulator). Returns the 64 output bytes, or None when
/// rounds exceed 0xffff (which raises an Error).
pub fn blake2f(input: &[u8; 213]) -> Option<[u8; 64]> {
    let rounds = u32::from_be_bytes([input[0], input[1], input[2], input[3]]);
    if rounds > 0xffff {
        return None;
    }
    let word = |at: usize| {
        let mut b = [0u8; 8];
        b.copy_from_slice(&input[at..at + 8]);
        u64::from_le_bytes(b)
    };
    let mut h = [0u64; 8];
    for (i, w) in h.iter_mut().enumerate() {
        *w = word(4 + 8 * i);
    }
    let mut m = [0u64; 16];
    for (i, w) in m.iter_mut().enumerate() {
        *w = word(68 + 8 * i);
    }
    let t = [word(196), word(204)];
    let last = input[212] & 1 == 1;
    blake2b_compress(&mut h, &m, t, last, rounds);
    let mut out = [0u8; 64];
    for (i, w) in h.iter().enumerate() {
        out[8 * i..8 * i + 8].copy_from_slice(&w.to_le_bytes());
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ripemd160_compression_of_a_padded_block_is_the_digest() {
        use ripemd::Digest;
        for msg in [&b""[..], b"abc", b"message digest"] {
            let mut block = [0u8; 64];
            block[..msg.len()].copy_from_slice(msg);
            block[msg.len()] = 0x80;
            block[56..].copy_from_slice(&((msg.len() as u64) * 8).to_le_bytes());
            let mut h = [
                0x6745_2301,
                0xefcd_ab89,
                0x98ba_dcfe,
                0x1032_5476,
                0xc3d2_e1f0,
            ];
            ripemd160_compress(&mut h, &block);
            let mine: Vec<u8> = h.iter().flat_map(|w| w.to_le_bytes()).collect();
            assert_eq!(mine, ripemd::Ripemd160::digest(msg).to_vec());
        }
    }

    #[test]
    fn blake2f_matches_eip152_vector_4() {
        // EIP-152 test vector 4: 12 rounds over "abc" gives BLAKE2b-512("abc").
        let mut input = [0u8; 213];
        input[..4].copy_from_slice(&12u32.to_be_bytes());
        for (i, iv) in BLAKE2B_IV.iter().enumerate() {
            let word = if i == 0 { iv ^ 0x0101_0040 } else { *iv };
            input[4 + 8 * i..12 + 8 * i].copy_from_slice(&word.to_le_bytes());
        }
        input[68..71].copy_from_slice(b"abc");
        input[196] = 3;
        input[212] = 1;
        let out = blake2f(&input).unwrap();
        assert_eq!(
            hex::encode(out),
            "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923"
        );
        let mut too_many = input;
        too_many[..4].copy_from_slice(&0x1_0000u32.to_be_bytes());
        assert!(blake2f(&too_many).is_none());
    }

    #[test]
    fn sha256f_of_the_initial_state_and_a_padded_block_is_sha256() {
        use sha2::Digest;
        let iv = Int::from_be_bytes(hex_literal(
            "6a09e667bb67ae853c6ef372a54ff53a510e527f9b05688c1f83d9ab5be0cd19",
        ));
        let mut block = [0u8; 64];
        block[..3].copy_from_slice(b"abc");
        block[3] = 0x80;
        block[63] = 24;
        let first = Int::from_be_bytes::<32>(block[..32].try_into().unwrap());
        let second = Int::from_be_bytes::<32>(block[32..].try_into().unwrap());
        let out = sha256f(&iv, &first, &second);
        assert_eq!(
            out.to_be_bytes::<32>().to_vec(),
            sha2::Sha256::digest(b"abc").to_vec()
        );
    }

    fn hex_literal(s: &str) -> [u8; 32] {
        hex::decode(s).unwrap().try_into().unwrap()
    }
}
