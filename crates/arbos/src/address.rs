//! The 20-byte account address, and the L1-to-L2 alias ArbOS applies to L1 senders.

use std::fmt;
use std::str::FromStr;

use avm_value::Int;

/// A 20-byte account address, on L1 or L2.
///
/// ArbOS keeps addresses as 256-bit integers below 2^160; everything this crate reads
/// from or writes to ArbOS goes through [`Address::from_int`] and [`Address::to_int`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Address(pub [u8; 20]);

/// Why a string is not an address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected 0x followed by 40 hex digits, got {0:?}")]
pub struct ParseAddressError(pub String);

impl Address {
    /// Address 0: the sender of ArbOS's own messages, and "no destination" (a contract
    /// creation) in transactions.
    pub const ZERO: Address = Address([0; 20]);

    /// The address held in the low 20 bytes of `n`, or `None` if `n` is 2^160 or more.
    pub fn from_int(n: &Int) -> Option<Address> {
        let word = n.to_be_bytes::<32>();
        let (high, low) = word.split_at(12);
        if high.iter().any(|b| *b != 0) {
            return None;
        }
        let mut out = [0u8; 20];
        out.copy_from_slice(low);
        Some(Address(out))
    }

    /// The low 160 bits of `n`: what ArbOS's `address(n)` cast keeps.
    pub fn truncating(n: &Int) -> Address {
        let word = n.to_be_bytes::<32>();
        let mut out = [0u8; 20];
        out.copy_from_slice(&word[12..]);
        Address(out)
    }

    /// The address as an integer below 2^160.
    pub fn to_int(&self) -> Int {
        Int::from_be_bytes(self.word())
    }

    /// The address as a 32-byte big-endian word (12 zero bytes, then the address), the
    /// form of `uint(address)` in ArbOS's payloads and in `abi.encodePacked(uint256(..))`.
    pub fn word(&self) -> [u8; 32] {
        let mut word = [0u8; 32];
        word[12..].copy_from_slice(&self.0);
        word
    }

    /// The address in `bytes`, which must be exactly 20 long.
    pub fn from_slice(bytes: &[u8]) -> Option<Address> {
        <[u8; 20]>::try_from(bytes).ok().map(Address)
    }

    /// Whether this is address 0.
    pub fn is_zero(&self) -> bool {
        *self == Address::ZERO
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{}", hex::encode(self.0))
    }
}

impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for Address {
    type Err = ParseAddressError;

    /// `0x` (optional) and 40 hex digits in any case; no checksum check.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let digits = s.strip_prefix("0x").unwrap_or(s);
        let mut out = [0u8; 20];
        if digits.len() != 40 || hex::decode_to_slice(digits, &mut out).is_err() {
            return Err(ParseAddressError(s.to_owned()));
        }
        Ok(Address(out))
    }
}

impl From<[u8; 20]> for Address {
    fn from(bytes: [u8; 20]) -> Self {
        Address(bytes)
    }
}

/// The constant ArbOS adds to an L1 sender (`L1ToL2MapConstant` in constants.json).
pub const ALIAS_OFFSET: Address = Address([
    0x11, 0x11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x11, 0x11,
]);

/// 2^160 - 1, the mask that reduces a sum of addresses modulo 2^160.
fn address_mask() -> Int {
    (Int::from(1u8) << 160) - Int::from(1u8)
}

/// The L2 address ArbOS gives an L1 sender: `(a + 0x1111…1111) mod 2^160`, and 0 for 0.
///
/// ArbOS applies it (while `EnableL1ContractAddressAliasing` is 1) to the sender of
/// kind-7 and kind-9 messages and of unsigned kind-3 transactions and calls; signed
/// transactions are not aliased. The Go node's `L2RemapAccount` wraps only when the sum
/// exceeds 2^160, which differs from ArbOS for a sum of exactly 2^160; this follows
/// ArbOS. Note that the one nonzero address `2^160 - 0x1111…1111` also maps to 0.
pub fn alias(l1: Address) -> Address {
    if l1.is_zero() {
        return Address::ZERO;
    }
    let sum = l1.to_int().wrapping_add(ALIAS_OFFSET.to_int()) & address_mask();
    Address::truncating(&sum)
}

/// The L1 address whose alias is `l2`: `(a - 0x1111…1111) mod 2^160`, and 0 for 0.
///
/// This is how to fund an L2 address X with an unsigned deposit: send it from
/// `unalias(X)`, as the L1 bridge does for its own contracts.
pub fn unalias(l2: Address) -> Address {
    if l2.is_zero() {
        return Address::ZERO;
    }
    let difference = l2.to_int().wrapping_sub(ALIAS_OFFSET.to_int()) & address_mask();
    Address::truncating(&difference)
}
