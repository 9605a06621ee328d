//! Values of the Arbitrum Virtual Machine, and everything about them that does not need
//! a running machine: hashing, marshaling and the JSON form.
//!
//! The AVM has four kinds of value: 256-bit Integers, Tuples of up to 8 values, CodePoints
//! and Buffers. They are immutable and shared: a tuple is a reference-counted node whose
//! hash is computed once, a buffer a persistent Merkle tree, a code point a small handle
//! into a code store (the `avm-code` crate) reached through the [`CodeView`] trait.
//!
//! Nothing here recurses on the native stack over value depth: hashing, marshaling,
//! unmarshaling, JSON reading and writing, and dropping all use explicit work lists.

mod buffer;
mod codepoint;
mod compare;
mod hash;
mod hashing;
pub mod json;
mod marshal;
mod stack_digest;
mod tuple;
mod value;
mod value_json;

pub use buffer::{
    Buffer, LeafPath, NonZeroLeaves, BUFFER_HASH_TAG, BUFFER_TYPE, LEAF_SIZE,
    MAX_DEPTH as MAX_BUFFER_DEPTH,
};
pub use codepoint::{
    code_point_hash, error_code_point_hash, CodeBuilder, CodePointParts, CodePointRef, CodeView,
    NoCode, CODE_POINT_TYPE,
};
pub use compare::{first_difference, kind_of, same_value, ValueDifference};
pub use hash::{hash_int, keccak256, keccak_pair, Hash, ParseHashError};
pub use hashing::{hash_preimage, tuple_digest, value_hash, value_size, values_equal, TUPLE_TYPE};
pub use marshal::{
    marshal, marshal_into, unmarshal, unmarshal_prefix, MarshalError, UnmarshalError,
    UnmarshalErrorKind, INT_TYPE,
};
pub use stack_digest::StackDigest;
pub use tuple::{empty_tuple_digest, Tuple, TupleDigest, TupleTooLong, MAX_TUPLE_LEN};
pub use value::{Value, ValueType};
pub use value_json::{
    parse_hex_int, parse_value, read_value, value_to_json, write_value, CodePointNames,
    ResolveCodePoint,
};

/// A 256-bit unsigned integer, the AVM's (and the EVM's) word.
pub type Int = ruint::aliases::U256;

/// Bounds on values read from untrusted input (files, marshaled bytes, messages).
///
/// Reading never recurses, so these bounds are about memory and sanity, not stack
/// safety; hitting one gives an error that names the bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValueLimits {
    /// Deepest nesting of tuples (and code point immediates) accepted.
    pub max_depth: usize,
    /// Most buffer bytes materialised from, or written to, external form.
    pub max_buffer_len: u128,
}

impl ValueLimits {
    /// Depth allowed by default: far beyond any real program, small enough that a
    /// hostile file is refused quickly.
    pub const DEFAULT_MAX_DEPTH: usize = 10_000;
    /// Buffer bytes allowed by default (64 MiB).
    pub const DEFAULT_MAX_BUFFER_LEN: u128 = 64 << 20;

    /// No practical limit (for trusted, in-process data such as test fixtures).
    pub const UNLIMITED: ValueLimits = ValueLimits {
        max_depth: usize::MAX,
        max_buffer_len: u64::MAX as u128 + 1,
    };
}

impl Default for ValueLimits {
    fn default() -> Self {
        ValueLimits {
            max_depth: Self::DEFAULT_MAX_DEPTH,
            max_buffer_len: Self::DEFAULT_MAX_BUFFER_LEN,
        }
    }
}
