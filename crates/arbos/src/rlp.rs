//! The parts of RLP that legacy Ethereum transactions and ArbOS's payloads use:
//! encoding integers, byte strings and lists, and a strict decoder that accepts only
//! the canonical encoding (so that re-encoding a decoded transaction gives back the
//! same bytes, and hence the same transaction hash).

use avm_value::Int;

/// Why bytes are not the canonical RLP the caller expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RlpError {
    /// The input ends inside an item.
    #[error("input ends inside an item (need {needed} more bytes)")]
    Truncated {
        /// How many bytes are missing.
        needed: usize,
    },
    /// A single byte below 0x80 written as a one-byte string (`81 xx`).
    #[error("a single byte below 0x80 must be encoded as itself")]
    NonCanonicalSingleByte,
    /// A long-form length that fits the short form, or that has leading zeros.
    #[error("the length is not in its shortest form")]
    NonCanonicalLength,
    /// A length too large to address in memory.
    #[error("the length does not fit in memory")]
    LengthOverflow,
    /// An integer with leading zero bytes.
    #[error("an integer has leading zero bytes")]
    LeadingZero,
    /// An integer longer than 32 bytes.
    #[error("an integer is {0} bytes long, more than 32")]
    IntegerTooLong(usize),
    /// A list where a byte string was expected.
    #[error("expected a byte string, found a list")]
    ExpectedString,
    /// A byte string where a list was expected.
    #[error("expected a list, found a byte string")]
    ExpectedList,
    /// Bytes left after the item.
    #[error("{0} bytes follow the item")]
    TrailingBytes(usize),
}

/// One decoded RLP item: the payload of a byte string, or the encoded items of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Item<'a> {
    /// A byte string's contents.
    String(&'a [u8]),
    /// A list's contents (its items, still encoded).
    List(&'a [u8]),
}

/// The minimal big-endian bytes of `n` (empty for 0).
pub fn minimal_be_bytes(n: &Int) -> Vec<u8> {
    let word = n.to_be_bytes::<32>();
    let first = word.iter().position(|b| *b != 0).unwrap_or(32);
    word[first..].to_vec()
}

fn encode_header(short_base: u8, len: usize, out: &mut Vec<u8>) {
    if len <= 55 {
        // In range: len <= 55 and short_base is 0x80 or 0xc0.
        out.push(short_base + len as u8);
    } else {
        let len_bytes = minimal_be_bytes(&Int::from(len));
        // In range: a usize has at most 8 bytes.
        out.push(short_base + 55 + len_bytes.len() as u8);
        out.extend_from_slice(&len_bytes);
    }
}

/// Appends the RLP encoding of a byte string.
pub fn encode_bytes(bytes: &[u8], out: &mut Vec<u8>) {
    match bytes {
        [single] if *single < 0x80 => out.push(*single),
        _ => {
            encode_header(0x80, bytes.len(), out);
            out.extend_from_slice(bytes);
        }
    }
}

/// Appends the RLP encoding of an integer (its minimal big-endian bytes; 0 is `80`).
pub fn encode_uint(n: &Int, out: &mut Vec<u8>) {
    encode_bytes(&minimal_be_bytes(n), out);
}

/// The RLP encoding of an integer.
pub fn uint(n: &Int) -> Vec<u8> {
    let mut out = Vec::with_capacity(33);
    encode_uint(n, &mut out);
    out
}

/// Appends a list whose items, already encoded and concatenated, are `items`.
pub fn encode_list(items: &[u8], out: &mut Vec<u8>) {
    encode_header(0xc0, items.len(), out);
    out.extend_from_slice(items);
}

fn take(input: &[u8], len: usize) -> Result<(&[u8], &[u8]), RlpError> {
    if input.len() < len {
        return Err(RlpError::Truncated {
            needed: len - input.len(),
        });
    }
    Ok(input.split_at(len))
}

/// Reads a long-form length of `len_of_len` bytes.
fn long_length(input: &[u8], len_of_len: usize) -> Result<(usize, &[u8]), RlpError> {
    let (len_bytes, rest) = take(input, len_of_len)?;
    if len_bytes.first() == Some(&0) {
        return Err(RlpError::NonCanonicalLength);
    }
    let mut len: usize = 0;
    for b in len_bytes {
        len = len
            .checked_mul(256)
            .and_then(|l| l.checked_add(usize::from(*b)))
            .ok_or(RlpError::LengthOverflow)?;
    }
    if len <= 55 {
        return Err(RlpError::NonCanonicalLength);
    }
    Ok((len, rest))
}

/// Decodes the first item of `input`; returns it and the bytes after it.
pub fn decode_item(input: &[u8]) -> Result<(Item<'_>, &[u8]), RlpError> {
    let (&first, rest) = input
        .split_first()
        .ok_or(RlpError::Truncated { needed: 1 })?;
    match first {
        // In bounds: split_first found a first byte.
        0x00..=0x7f => Ok((Item::String(&input[..1]), rest)),
        0x80..=0xb7 => {
            let len = usize::from(first - 0x80);
            let (payload, rest) = take(rest, len)?;
            if let [single] = payload {
                if *single < 0x80 {
                    return Err(RlpError::NonCanonicalSingleByte);
                }
            }
            Ok((Item::String(payload), rest))
        }
        0xb8..=0xbf => {
            let (len, rest) = long_length(rest, usize::from(first - 0xb7))?;
            let (payload, rest) = take(rest, len)?;
            Ok((Item::String(payload), rest))
        }
        0xc0..=0xf7 => {
            let (payload, rest) = take(rest, usize::from(first - 0xc0))?;
            Ok((Item::List(payload), rest))
        }
        0xf8..=0xff => {
            let (len, rest) = long_length(rest, usize::from(first - 0xf7))?;
            let (payload, rest) = take(rest, len)?;
            Ok((Item::List(payload), rest))
        }
    }
}

/// Decodes a byte string at the start of `input`.
pub fn decode_bytes(input: &[u8]) -> Result<(&[u8], &[u8]), RlpError> {
    match decode_item(input)? {
        (Item::String(bytes), rest) => Ok((bytes, rest)),
        (Item::List(_), _) => Err(RlpError::ExpectedString),
    }
}

/// The integer whose canonical RLP payload (minimal big-endian bytes) is `bytes`.
pub fn uint_from_payload(bytes: &[u8]) -> Result<Int, RlpError> {
    if bytes.len() > 32 {
        return Err(RlpError::IntegerTooLong(bytes.len()));
    }
    if bytes.first() == Some(&0) {
        return Err(RlpError::LeadingZero);
    }
    let mut word = [0u8; 32];
    word[32 - bytes.len()..].copy_from_slice(bytes);
    Ok(Int::from_be_bytes(word))
}

/// Decodes a canonical integer of at most 32 bytes at the start of `input`.
pub fn decode_uint(input: &[u8]) -> Result<(Int, &[u8]), RlpError> {
    let (bytes, rest) = decode_bytes(input)?;
    Ok((uint_from_payload(bytes)?, rest))
}

/// Decodes `input` as exactly one list and returns its contents.
pub fn decode_single_list(input: &[u8]) -> Result<&[u8], RlpError> {
    match decode_item(input)? {
        (Item::List(contents), []) => Ok(contents),
        (Item::List(_), rest) => Err(RlpError::TrailingBytes(rest.len())),
        (Item::String(_), _) => Err(RlpError::ExpectedList),
    }
}
