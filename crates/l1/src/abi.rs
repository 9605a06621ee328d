//! The little of the Solidity ABI this crate speaks: call data made of static words,
//! fixed arrays of words, dynamic `bytes` and dynamic arrays of words; return data read
//! back as words; revert data decoded as `Error(string)`.
//!
//! Hand-written rather than taken from a code-generating ABI crate: the handful of calls
//! we make need a page of code, and a derive-macro stack would double the crate's build.

use avm_value::{keccak256, Int};

/// One ABI word.
pub type Word = [u8; 32];

/// An argument of a call, in the shapes the deployed contracts' entry points take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    /// A static 32-byte word (`uint*`, `bytes32`, `address`, `bool`).
    Word(Word),
    /// A fixed-size array of static words (`address[2]`, `bytes32[2]`): encoded in place.
    FixedWords(Vec<Word>),
    /// Dynamic `bytes` (or `string`).
    Bytes(Vec<u8>),
    /// A dynamic array of static words (`uint256[]`).
    Words(Vec<Word>),
}

impl Token {
    fn head_len(&self) -> usize {
        match self {
            Token::FixedWords(words) => 32 * words.len(),
            _ => 32,
        }
    }
}

/// The 4-byte selector of a function signature such as `"initialize()"`.
pub fn selector(signature: &str) -> [u8; 4] {
    let digest = keccak256(signature.as_bytes());
    [digest.0[0], digest.0[1], digest.0[2], digest.0[3]]
}

/// A word holding an unsigned integer.
pub fn uint(value: Int) -> Word {
    value.to_be_bytes::<32>()
}

/// A word holding a `u64`.
pub fn uint64(value: u64) -> Word {
    uint(Int::from(value))
}

/// A word holding a 20-byte address, right-aligned.
pub fn address(addr: [u8; 20]) -> Word {
    let mut word = [0u8; 32];
    word[12..].copy_from_slice(&addr);
    word
}

/// A word holding a boolean.
pub fn boolean(value: bool) -> Word {
    uint64(u64::from(value))
}

fn padded_len(len: usize) -> usize {
    len.div_ceil(32) * 32
}

/// Call data: the selector of `signature` followed by the ABI encoding of `args`.
pub fn encode_call(signature: &str, args: &[Token]) -> Vec<u8> {
    let mut out = selector(signature).to_vec();
    out.extend_from_slice(&encode(args));
    out
}

/// The ABI encoding of a tuple of arguments (heads, then the tails of dynamic ones).
pub fn encode(args: &[Token]) -> Vec<u8> {
    let heads_len: usize = args.iter().map(Token::head_len).sum();
    let mut head = Vec::with_capacity(heads_len);
    let mut tail = Vec::new();
    for arg in args {
        match arg {
            Token::Word(word) => head.extend_from_slice(word),
            Token::FixedWords(words) => words.iter().for_each(|w| head.extend_from_slice(w)),
            Token::Bytes(bytes) => {
                head.extend_from_slice(&uint64((heads_len + tail.len()) as u64));
                tail.extend_from_slice(&uint64(bytes.len() as u64));
                tail.extend_from_slice(bytes);
                tail.resize(tail.len() + padded_len(bytes.len()) - bytes.len(), 0);
            }
            Token::Words(words) => {
                head.extend_from_slice(&uint64((heads_len + tail.len()) as u64));
                tail.extend_from_slice(&uint64(words.len() as u64));
                words.iter().for_each(|w| tail.extend_from_slice(w));
            }
        }
    }
    head.extend_from_slice(&tail);
    head
}

/// Return data read as `count` static words, or `None` when it is shorter.
pub fn decode_words(data: &[u8], count: usize) -> Option<Vec<Word>> {
    if data.len() < 32 * count {
        return None;
    }
    Some(
        data.chunks_exact(32)
            .take(count)
            .map(|chunk| {
                let mut word = [0u8; 32];
                word.copy_from_slice(chunk);
                word
            })
            .collect(),
    )
}

/// A word read as a `u64`, or `None` when its value does not fit.
pub fn word_to_u64(word: &Word) -> Option<u64> {
    if word[..24].iter().any(|&b| b != 0) {
        return None;
    }
    let mut low = [0u8; 8];
    low.copy_from_slice(&word[24..]);
    Some(u64::from_be_bytes(low))
}

/// The message of revert data shaped `Error(string)`, or `None` for any other shape.
pub fn decode_error_string(data: &[u8]) -> Option<String> {
    let body = data.strip_prefix(&selector("Error(string)"))?;
    let words = decode_words(body, 2)?;
    let offset = usize::try_from(word_to_u64(&words[0])?).ok()?;
    let len_word = body.get(offset..offset.checked_add(32)?)?;
    let mut len_bytes = [0u8; 32];
    len_bytes.copy_from_slice(len_word);
    let len = usize::try_from(word_to_u64(&len_bytes)?).ok()?;
    let start = offset + 32;
    let text = body.get(start..start.checked_add(len)?)?;
    Some(String::from_utf8_lossy(text).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_match_known_values() {
        assert_eq!(selector("Error(string)"), [0x08, 0xc3, 0x79, 0xa0]);
        assert_eq!(
            selector("transfer(address,uint256)"),
            [0xa9, 0x05, 0x9c, 0xbb]
        );
    }

    #[test]
    fn dynamic_arguments_point_past_the_heads() {
        let data = encode(&[
            Token::FixedWords(vec![[1; 32], [2; 32]]),
            Token::Bytes(vec![0xaa; 33]),
            Token::Words(vec![[3; 32]]),
        ]);
        // heads: 2 words + offset + offset = 4 words
        assert_eq!(
            word_to_u64(&decode_words(&data[64..], 1).unwrap_or_default()[0]),
            Some(128)
        );
        assert_eq!(
            word_to_u64(&decode_words(&data[96..], 1).unwrap_or_default()[0]),
            Some(128 + 32 + 64)
        );
        assert_eq!(data.len(), 128 + 32 + 64 + 32 + 32);
    }

    #[test]
    fn error_strings_round_trip() {
        let mut data = selector("Error(string)").to_vec();
        data.extend_from_slice(&encode(&[Token::Bytes(b"BIS_PREV".to_vec())]));
        assert_eq!(decode_error_string(&data).as_deref(), Some("BIS_PREV"));
        assert_eq!(decode_error_string(&data[..40]), None);
        assert_eq!(decode_error_string(b"\x01\x02\x03\x04"), None);
    }
}
