//! Ethereum's JSON encodings: quantities (`0x`-hex without leading zeros), data
//! (`0x`-hex bytes), addresses, hashes and block tags, read strictly (a malformed
//! parameter is an invalid-params error naming it).

use serde_json::{json, Value as Json};

use crate::jsonrpc::RpcError;

/// A block as a request names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockTag {
    /// `latest` (also `safe` and `finalized`: one node, no reorgs).
    Latest,
    /// `pending`: the block being built.
    Pending,
    /// `earliest`: block 0.
    Earliest,
    /// A number.
    Number(u64),
}

impl BlockTag {
    /// The block number it names on a chain whose newest block is `head` (a number
    /// is taken as given: whether that block exists is the caller's to say).
    pub fn number(self, head: u64) -> u64 {
        match self {
            BlockTag::Latest | BlockTag::Pending => head,
            BlockTag::Earliest => 0,
            BlockTag::Number(n) => n,
        }
    }
}

/// A quantity.
pub fn quantity(n: u64) -> Json {
    json!(format!("{n:#x}"))
}

/// A quantity too large for `u64`.
pub fn quantity_u128(n: u128) -> Json {
    json!(format!("{n:#x}"))
}

/// Bytes as `0x`-hex.
pub fn bytes_json(bytes: &[u8]) -> Json {
    json!(format!("0x{}", hex::encode(bytes)))
}

/// An address as `0x`-hex (lower case).
pub fn address_json(address: &[u8; 20]) -> Json {
    bytes_json(address)
}

/// A 32-byte hash as `0x`-hex.
pub fn hash_json(hash: &[u8; 32]) -> Json {
    bytes_json(hash)
}

fn text<'a>(value: &'a Json, what: &str) -> Result<&'a str, RpcError> {
    value
        .as_str()
        .ok_or_else(|| RpcError::invalid_params(format!("{what}: not a string")))
}

fn hex_digits<'a>(value: &'a Json, what: &str) -> Result<&'a str, RpcError> {
    let text = text(value, what)?;
    text.strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .ok_or_else(|| RpcError::invalid_params(format!("{what}: {text:?} is not 0x-hex")))
}

/// A quantity as a `u128`.
pub fn parse_u128(value: &Json, what: &str) -> Result<u128, RpcError> {
    let digits = hex_digits(value, what)?;
    if digits.is_empty() || digits.len() > 32 {
        return Err(RpcError::invalid_params(format!(
            "{what}: not a quantity of at most 128 bits"
        )));
    }
    u128::from_str_radix(digits, 16)
        .map_err(|_| RpcError::invalid_params(format!("{what}: not a hex quantity")))
}

/// A quantity as a `u64`.
pub fn parse_quantity(value: &Json, what: &str) -> Result<u64, RpcError> {
    u64::try_from(parse_u128(value, what)?)
        .map_err(|_| RpcError::invalid_params(format!("{what}: larger than 64 bits")))
}

/// `0x`-hex data, at most `max` bytes.
pub fn parse_bytes(value: &Json, what: &str, max: usize) -> Result<Vec<u8>, RpcError> {
    let digits = hex_digits(value, what)?;
    if digits.len() > max.saturating_mul(2) {
        return Err(RpcError::invalid_params(format!(
            "{what}: longer than {max} bytes"
        )));
    }
    hex::decode(digits).map_err(|e| RpcError::invalid_params(format!("{what}: {e}")))
}

/// A storage slot: a 32-byte word, given as a quantity or as data of up to 32 bytes
/// (geth takes both: `0x1` and `0x00…01`).
pub fn parse_slot(value: &Json, what: &str) -> Result<[u8; 32], RpcError> {
    let digits = hex_digits(value, what)?;
    if digits.is_empty() || digits.len() > 64 {
        return Err(RpcError::invalid_params(format!(
            "{what}: not a word of at most 32 bytes"
        )));
    }
    let padded = format!("{digits:0>64}");
    let mut word = [0u8; 32];
    hex::decode_to_slice(&padded, &mut word)
        .map_err(|e| RpcError::invalid_params(format!("{what}: {e}")))?;
    Ok(word)
}

/// A 20-byte address.
pub fn parse_address(value: &Json, what: &str) -> Result<[u8; 20], RpcError> {
    parse_bytes(value, what, 20)?
        .try_into()
        .map_err(|_| RpcError::invalid_params(format!("{what}: not 20 bytes")))
}

/// A 32-byte hash.
pub fn parse_hash(value: &Json, what: &str) -> Result<[u8; 32], RpcError> {
    parse_bytes(value, what, 32)?
        .try_into()
        .map_err(|_| RpcError::invalid_params(format!("{what}: not 32 bytes")))
}

/// A block tag or number (absent: `latest`); also the object form
/// `{"blockNumber": ...}` of EIP-1898 (a `blockHash` is refused: look it up first).
pub fn parse_block_tag(value: Option<&Json>) -> Result<BlockTag, RpcError> {
    let Some(value) = value.filter(|v| !v.is_null()) else {
        return Ok(BlockTag::Latest);
    };
    if let Some(object) = value.as_object() {
        return match object.get("blockNumber") {
            Some(number) => parse_block_tag(Some(number)),
            None => Err(RpcError::invalid_params(
                "block: only {\"blockNumber\": ...} is taken as an object",
            )),
        };
    }
    Ok(match text(value, "block")? {
        "latest" | "safe" | "finalized" => BlockTag::Latest,
        "pending" => BlockTag::Pending,
        "earliest" => BlockTag::Earliest,
        _ => BlockTag::Number(parse_quantity(value, "block")?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_and_data_read_strictly() {
        assert_eq!(quantity(0), json!("0x0"));
        assert_eq!(quantity(255), json!("0xff"));
        assert_eq!(parse_quantity(&json!("0x1a"), "x"), Ok(26));
        assert!(parse_quantity(&json!("1a"), "x").is_err());
        assert!(parse_quantity(&json!("0x"), "x").is_err());
        assert!(parse_quantity(&json!("0x1ffffffffffffffff"), "x").is_err());
        assert_eq!(parse_bytes(&json!("0x0102"), "d", 4), Ok(vec![1, 2]));
        assert!(parse_bytes(&json!("0x010203"), "d", 2).is_err());
        assert!(parse_address(&json!("0x12"), "a").is_err());
        let mut one = [0u8; 32];
        one[31] = 1;
        assert_eq!(parse_slot(&json!("0x1"), "s"), Ok(one));
        assert_eq!(
            parse_slot(&json!(format!("0x{}", "0".repeat(63) + "1")), "s"),
            Ok(one)
        );
        assert!(parse_slot(&json!(format!("0x1{}", "0".repeat(64))), "s").is_err());
        assert_eq!(parse_block_tag(None), Ok(BlockTag::Latest));
        assert_eq!(
            parse_block_tag(Some(&json!("0x10"))),
            Ok(BlockTag::Number(16))
        );
        assert_eq!(
            parse_block_tag(Some(&json!({"blockNumber": "earliest"}))),
            Ok(BlockTag::Earliest)
        );
        assert!(parse_block_tag(Some(&json!({"blockHash": "0x00"}))).is_err());
    }
}
