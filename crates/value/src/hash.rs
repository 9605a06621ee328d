//! Keccak-256 and the 32-byte digest type in which every AVM hash is expressed.
//!
//! The AVM hashes everything with Keccak-256 (the Ethereum variant, not FIPS SHA3-256),
//! and many hashes are then used as 256-bit integers (the `hash` opcode pushes one), so
//! [`Hash`] converts to and from [`Int`] big-endian.

use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use keccak_asm::Keccak256;

use crate::Int;

/// A 32-byte digest. Printed everywhere as `0x` followed by 64 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Hash(pub [u8; 32]);

impl Hash {
    /// The all-zero digest (the "no next code point" and empty-accumulator value).
    pub const ZERO: Hash = Hash([0; 32]);

    /// The digest read as a big-endian 256-bit integer.
    pub fn to_int(self) -> Int {
        Int::from_be_bytes(self.0)
    }

    /// The big-endian 32-byte form of an integer, as a digest.
    pub fn from_int(value: &Int) -> Hash {
        Hash(value.to_be_bytes())
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{}", hex::encode(self.0))
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Why a string is not a hash.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected 0x followed by 64 hex digits, got {0:?}")]
pub struct ParseHashError(pub String);

impl FromStr for Hash {
    type Err = ParseHashError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let digits = s.strip_prefix("0x").unwrap_or(s);
        let mut out = [0u8; 32];
        if digits.len() != 64 || hex::decode_to_slice(digits, &mut out).is_err() {
            return Err(ParseHashError(s.to_owned()));
        }
        Ok(Hash(out))
    }
}

/// Keccak-256 of a byte string.
#[inline]
pub fn keccak256(data: &[u8]) -> Hash {
    Hash(Keccak256::digest(data).into())
}

/// Keccak-256 of two 32-byte words side by side: the step of every accumulator and of
/// the buffer Merkle tree.
#[inline]
pub fn keccak_pair(left: &Hash, right: &Hash) -> Hash {
    let mut data = [0u8; 64];
    data[..32].copy_from_slice(&left.0);
    data[32..].copy_from_slice(&right.0);
    keccak256(&data)
}

/// Integers below this have their hashes precomputed: most integers in real programs
/// (opcode arguments, tuple indexes, flags, small constants) are small.
const SMALL_INTS: usize = 1024;

/// The hashes of 0 .. SMALL_INTS, each computed the first time it is needed (a program
/// uses a few hundred of them; computing all 1024 up front cost a quarter of a
/// millisecond of every process that hashes an integer).
static SMALL_INT_HASHES: [OnceLock<Hash>; SMALL_INTS] = [const { OnceLock::new() }; SMALL_INTS];

/// Keccak-256 of an integer's 32-byte big-endian form: the hash of an Integer value.
#[inline]
pub fn hash_int(value: &Int) -> Hash {
    let word = || keccak256(&value.to_be_bytes::<32>());
    let [low, a, b, c] = *value.as_limbs();
    match SMALL_INT_HASHES.get(low as usize) {
        Some(slot) if a | b | c == 0 => *slot.get_or_init(word),
        _ => word(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precomputed_small_integer_hashes_are_the_keccak_of_the_word() {
        for n in [0u64, 1, 255, 1023, 1024, 1025, u64::MAX] {
            let int = Int::from(n);
            assert_eq!(hash_int(&int), keccak256(&int.to_be_bytes::<32>()), "{n}");
        }
        let big = Int::from(5u8) << 200;
        assert_eq!(hash_int(&big), keccak256(&big.to_be_bytes::<32>()));
    }

    #[test]
    fn keccak_of_empty_string_is_the_well_known_constant() {
        assert_eq!(
            keccak256(b"").to_string(),
            "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
        );
    }

    #[test]
    fn hash_round_trips_through_text_and_int() {
        let h = keccak256(b"avm");
        assert_eq!(h.to_string().parse::<Hash>().unwrap(), h);
        assert_eq!(Hash::from_int(&h.to_int()), h);
        assert!("0x1234".parse::<Hash>().is_err());
    }
}
