//! Reading ArbOS's output values: typed errors that name where a value went wrong,
//! and a budget that bounds the work and memory any value (however shaped or shared)
//! can cost.

use avm_value::{Hash, Int, Value};

use crate::address::Address;

/// What was wrong with a value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    /// Not an integer.
    #[error("not an integer")]
    NotInt,
    /// Not a tuple of the expected length.
    #[error("not a {expected}-tuple")]
    NotTuple {
        /// The length wanted.
        expected: usize,
    },
    /// Not a `(size, Buffer)` pair.
    #[error("not a (size, buffer) pair")]
    NotSizedBuffer,
    /// A byte array larger than what is left of the budget.
    #[error("{size:#x} bytes, more than the {left} left in the budget")]
    TooManyBytes {
        /// The size claimed.
        size: Int,
        /// What the budget had left.
        left: usize,
    },
    /// More tuples than the budget allows.
    #[error("more tuples than the budget allows")]
    TooManyTuples,
    /// An integer of 2^160 or more where an address belongs.
    #[error("not an address (2^160 or more)")]
    NotAddress,
    /// An integer of 2^64 or more where a count or block number belongs.
    #[error("{0:#x} does not fit in 64 bits")]
    NotU64(Int),
    /// Neither 0 nor 1.
    #[error("not a boolean (0 or 1)")]
    NotBool,
    /// Neither `(0)` nor `(1, x)`.
    #[error("not an option: None is (0), Some(x) is (1, x)")]
    NotOption,
    /// A log whose first element is no known log type.
    #[error("unknown log type {0:#x}")]
    UnknownLogType(Int),
    /// A log of another type than expected.
    #[error("log type {found:#x}, expected {expected}")]
    WrongLogType {
        /// The type wanted.
        expected: u8,
        /// The type found.
        found: Int,
    },
    /// Anything else, described.
    #[error("{0}")]
    Other(&'static str),
}

/// A value that does not have the shape ArbOS v58 gives it, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{at}: {problem}")]
pub struct DecodeError {
    /// Where: field names from the outside in, e.g. `receipt.request.payload`.
    pub at: String,
    /// What.
    pub problem: Problem,
}

impl DecodeError {
    /// An error at the value being read (the caller adds where it is).
    pub fn here(problem: Problem) -> DecodeError {
        DecodeError {
            at: String::new(),
            problem,
        }
    }

    /// An [`Problem::Other`] error at `at`.
    pub fn problem(at: &str, what: &'static str) -> DecodeError {
        DecodeError {
            at: at.to_owned(),
            problem: Problem::Other(what),
        }
    }

    /// The same error, seen from the value that holds this one as its field `field`.
    pub fn within(mut self, field: &str) -> DecodeError {
        self.at = match (field.is_empty(), self.at.is_empty()) {
            (true, _) => self.at,
            (false, true) => field.to_owned(),
            (false, false) if self.at.starts_with('[') => format!("{field}{}", self.at),
            (false, false) => format!("{field}.{}", self.at),
        };
        self
    }
}

/// Limits on what reading one value may cost: tuples visited and bytes copied out of
/// buffers. Values can share subtrees, so a small value can stand for a huge tree;
/// the budget stops the reading, with an error, before it costs more than this.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Tuples that may still be visited.
    pub tuples: usize,
    /// Bytes that may still be copied out of buffers.
    pub bytes: usize,
}

impl Budget {
    /// Tuples allowed by default: far more than any receipt or batch ArbOS emits.
    pub const DEFAULT_TUPLES: usize = 1 << 20;
    /// Bytes allowed by default (64 MiB).
    pub const DEFAULT_BYTES: usize = 64 << 20;

    fn spend_tuple(&mut self) -> Result<(), DecodeError> {
        self.tuples = self
            .tuples
            .checked_sub(1)
            .ok_or(DecodeError::here(Problem::TooManyTuples))?;
        Ok(())
    }
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            tuples: Self::DEFAULT_TUPLES,
            bytes: Self::DEFAULT_BYTES,
        }
    }
}

/// The items of a tuple of exactly `N` values.
pub fn tuple<'v, const N: usize>(
    value: &'v Value,
    budget: &mut Budget,
) -> Result<[&'v Value; N], DecodeError> {
    let not_tuple = || DecodeError::here(Problem::NotTuple { expected: N });
    let tuple = value.as_tuple().ok_or_else(not_tuple)?;
    budget.spend_tuple()?;
    let items: &[Value; N] = tuple.items().try_into().map_err(|_| not_tuple())?;
    Ok(items.each_ref())
}

/// The integer.
pub fn int(value: &Value) -> Result<&Int, DecodeError> {
    value.as_int().ok_or(DecodeError::here(Problem::NotInt))
}

/// The integer as 64 bits.
pub fn u64_of(value: &Value) -> Result<u64, DecodeError> {
    let n = int(value)?;
    u64::try_from(*n).map_err(|_| DecodeError::here(Problem::NotU64(*n)))
}

/// The integer as a 32-byte hash.
pub fn hash(value: &Value) -> Result<Hash, DecodeError> {
    Ok(Hash::from_int(int(value)?))
}

/// The integer as an address.
pub fn address(value: &Value) -> Result<Address, DecodeError> {
    Address::from_int(int(value)?).ok_or(DecodeError::here(Problem::NotAddress))
}

/// 0 or 1 as a boolean.
pub fn boolean(value: &Value) -> Result<bool, DecodeError> {
    let n = int(value)?;
    if *n == Int::ZERO {
        Ok(false)
    } else if *n == Int::from(1u8) {
        Ok(true)
    } else {
        Err(DecodeError::here(Problem::NotBool))
    }
}

/// An ArbOS option: `(0)` is None, `(1, x)` is Some(x).
pub fn option<'v>(value: &'v Value, budget: &mut Budget) -> Result<Option<&'v Value>, DecodeError> {
    let not_option = || DecodeError::here(Problem::NotOption);
    let tuple = value.as_tuple().ok_or_else(not_option)?;
    budget.spend_tuple()?;
    match tuple.items() {
        [tag] if tag.as_int() == Some(&Int::ZERO) => Ok(None),
        [tag, inner] if tag.as_int() == Some(&Int::from(1u8)) => Ok(Some(inner)),
        _ => Err(not_option()),
    }
}

/// The first `size` bytes of `buffer` (a byte array as ArbOS keeps it: a length and a
/// buffer that may hold zeros, or anything, beyond it).
pub fn sized_bytes(
    size: &Value,
    buffer: &Value,
    budget: &mut Budget,
) -> Result<Vec<u8>, DecodeError> {
    let not_pair = || DecodeError::here(Problem::NotSizedBuffer);
    let (Some(size), Some(buffer)) = (size.as_int(), buffer.as_buffer()) else {
        return Err(not_pair());
    };
    let len = usize::try_from(*size)
        .ok()
        .filter(|len| *len <= budget.bytes)
        .ok_or(DecodeError::here(Problem::TooManyBytes {
            size: *size,
            left: budget.bytes,
        }))?;
    budget.bytes -= len;
    let mut out = vec![0u8; len];
    buffer.read(0, &mut out);
    Ok(out)
}

/// A `(size, Buffer)` pair's bytes.
pub fn size_and_buffer(value: &Value, budget: &mut Budget) -> Result<Vec<u8>, DecodeError> {
    let pair = value
        .as_tuple()
        .ok_or(DecodeError::here(Problem::NotSizedBuffer))?;
    budget.spend_tuple()?;
    match pair.items() {
        [size, buffer] => sized_bytes(size, buffer, budget),
        _ => Err(DecodeError::here(Problem::NotSizedBuffer)),
    }
}
