//! Marshaling: the invertible byte form of a value, per the spec.
//!
//! - Integer: `0x00`, then 32 bytes big-endian.
//! - CodePoint: `0x01`, then the operation (`0x00 opcode`, or `0x01 opcode` followed by
//!   the marshaled immediate), then the 32-byte hash of the next code point.
//! - Tuple of n items: the byte `3 + n`, then the items in order.
//! - Buffer: `0x0c`, the 32-byte big-endian LENGTH (bytes up to the last non-zero one),
//!   then those LENGTH bytes. (The C++ AVM's internal storage format writes an 8-byte
//!   length; the spec's 32-byte length is the interchange form used here.)
//!
//! Both directions work without recursion, so a million-deep chain of tuples marshals
//! and unmarshals on a small native stack. Unmarshaling never panics on bad bytes: it
//! returns an [`UnmarshalError`] naming the offset and what was wrong there.

use crate::{
    Buffer, CodeBuilder, CodeView, Hash, Int, Tuple, Value, ValueLimits, BUFFER_TYPE,
    CODE_POINT_TYPE, MAX_TUPLE_LEN, TUPLE_TYPE,
};

/// The type byte of a marshaled Integer.
pub const INT_TYPE: u8 = 0;

/// Why a value could not be marshaled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MarshalError {
    /// A buffer's data is longer than the limit on materialised buffer bytes.
    #[error("buffer of {len} bytes exceeds the limit of {limit} bytes for marshaled buffers")]
    BufferTooLong {
        /// The buffer's LENGTH.
        len: u128,
        /// The limit in force.
        limit: u128,
    },
}

/// What was wrong with the bytes being unmarshaled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnmarshalErrorKind {
    /// The input ended inside a value.
    #[error("input ends in the middle of a value")]
    UnexpectedEnd,
    /// A value starts with a byte that is no value type.
    #[error("unknown value type byte 0x{0:02x}")]
    UnknownType(u8),
    /// A code point's operation is neither basic (0) nor immediate (1).
    #[error("unknown operation kind 0x{0:02x} in a code point (expected 0 or 1)")]
    UnknownOperationKind(u8),
    /// A buffer claims more bytes than allowed.
    #[error("buffer length {len} exceeds the limit of {limit} bytes (max buffer bytes)")]
    BufferTooLong {
        /// The LENGTH field.
        len: Int,
        /// The limit in force.
        limit: u128,
    },
    /// A buffer's last data byte is zero, so LENGTH is not the length of its data.
    #[error("buffer data ends in a zero byte, so its LENGTH is not canonical")]
    BufferNotCanonical,
    /// Values nest deeper than allowed.
    #[error("values nest deeper than the limit of {0} tuples (max value depth)")]
    TooDeep(usize),
    /// Bytes are left after a complete value.
    #[error("{0} bytes remain after the value")]
    TrailingBytes(usize),
}

/// An unmarshaling failure and the byte offset where it was found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed marshaled value at byte {offset}: {kind}")]
pub struct UnmarshalError {
    /// Offset into the input.
    pub offset: usize,
    /// What was wrong.
    pub kind: UnmarshalErrorKind,
}

enum Task<'a> {
    Value(&'a Value),
    Bytes([u8; 32]),
}

/// Appends the marshaled form of `value` to `out`.
pub fn marshal_into<'a>(
    value: &'a Value,
    code: &'a impl CodeView,
    limits: &ValueLimits,
    out: &mut Vec<u8>,
) -> Result<(), MarshalError> {
    let mut tasks = vec![Task::Value(value)];
    while let Some(task) = tasks.pop() {
        let value = match task {
            Task::Bytes(bytes) => {
                out.extend_from_slice(&bytes);
                continue;
            }
            Task::Value(v) => v,
        };
        match value {
            Value::Int(n) => {
                out.push(INT_TYPE);
                out.extend_from_slice(&n.to_be_bytes::<32>());
            }
            Value::Tuple(t) => {
                out.push(TUPLE_TYPE + t.len() as u8);
                tasks.extend(t.items().iter().rev().map(Task::Value));
            }
            Value::Buffer(b) => {
                let len = b.packed_len();
                let data = b
                    .to_vec(limits.max_buffer_len)
                    .ok_or(MarshalError::BufferTooLong {
                        len,
                        limit: limits.max_buffer_len,
                    })?;
                out.push(BUFFER_TYPE);
                out.extend_from_slice(&Int::from(len).to_be_bytes::<32>());
                out.extend_from_slice(&data);
            }
            Value::CodePoint(cp) => {
                let parts = code.code_point_parts(*cp);
                out.push(CODE_POINT_TYPE);
                tasks.push(Task::Bytes(parts.next_hash.0));
                match parts.immediate {
                    None => out.extend_from_slice(&[0, parts.opcode]),
                    Some(imm) => {
                        out.extend_from_slice(&[1, parts.opcode]);
                        tasks.push(Task::Value(imm));
                    }
                }
            }
        }
    }
    Ok(())
}

/// The marshaled form of `value`.
pub fn marshal(
    value: &Value,
    code: &impl CodeView,
    limits: &ValueLimits,
) -> Result<Vec<u8>, MarshalError> {
    let mut out = Vec::new();
    marshal_into(value, code, limits, &mut out)?;
    Ok(out)
}

enum Frame {
    Tuple { len: usize, items: Vec<Value> },
    CodePoint { opcode: u8 },
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn fail(&self, kind: UnmarshalErrorKind) -> UnmarshalError {
        UnmarshalError {
            offset: self.pos,
            kind,
        }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], UnmarshalError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|end| *end <= self.bytes.len())
            .ok_or_else(|| self.fail(UnmarshalErrorKind::UnexpectedEnd))?;
        // In bounds: pos <= end <= bytes.len() (checked just above; pos only ever
        // becomes such an end).
        let slice = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(slice)
    }

    fn byte(&mut self) -> Result<u8, UnmarshalError> {
        // In bounds: take(1) returns exactly one byte or an error.
        Ok(self.take(1)?[0])
    }

    fn word(&mut self) -> Result<[u8; 32], UnmarshalError> {
        let mut word = [0u8; 32];
        word.copy_from_slice(self.take(32)?);
        Ok(word)
    }
}

/// Reads one value from the start of `bytes`, returning it and the number of bytes it
/// took. CodePoints are handed to `code`, which stores them and returns handles.
pub fn unmarshal_prefix(
    bytes: &[u8],
    code: &mut impl CodeBuilder,
    limits: &ValueLimits,
) -> Result<(Value, usize), UnmarshalError> {
    let mut r = Reader { bytes, pos: 0 };
    let mut frames: Vec<Frame> = Vec::new();
    loop {
        if frames.len() > limits.max_depth {
            return Err(r.fail(UnmarshalErrorKind::TooDeep(limits.max_depth)));
        }
        let start = r.pos;
        let type_byte = r.byte()?;
        let mut done = match type_byte {
            INT_TYPE => Value::Int(Int::from_be_bytes(r.word()?)),
            CODE_POINT_TYPE => {
                let kind = r.byte()?;
                let opcode = r.byte()?;
                match kind {
                    0 => {
                        let next = Hash(r.word()?);
                        Value::CodePoint(code.intern_code_point(opcode, None, next))
                    }
                    1 => {
                        frames.push(Frame::CodePoint { opcode });
                        continue;
                    }
                    other => {
                        r.pos = start + 1;
                        return Err(r.fail(UnmarshalErrorKind::UnknownOperationKind(other)));
                    }
                }
            }
            BUFFER_TYPE => {
                let len = Int::from_be_bytes(r.word()?);
                if len > Int::from(limits.max_buffer_len) {
                    r.pos = start;
                    return Err(r.fail(UnmarshalErrorKind::BufferTooLong {
                        len,
                        limit: limits.max_buffer_len,
                    }));
                }
                let len = usize::try_from(len).unwrap_or(usize::MAX);
                let data = r.take(len)?;
                if data.last() == Some(&0) {
                    r.pos = start;
                    return Err(r.fail(UnmarshalErrorKind::BufferNotCanonical));
                }
                Value::Buffer(Buffer::from_bytes(data))
            }
            t if (TUPLE_TYPE..=TUPLE_TYPE + MAX_TUPLE_LEN as u8).contains(&t) => {
                let len = (t - TUPLE_TYPE) as usize;
                if len > 0 {
                    frames.push(Frame::Tuple {
                        len,
                        items: Vec::with_capacity(len),
                    });
                    continue;
                }
                Value::Tuple(Tuple::empty())
            }
            other => {
                r.pos = start;
                return Err(r.fail(UnmarshalErrorKind::UnknownType(other)));
            }
        };
        // Fold the finished value into the frames it completes.
        loop {
            match frames.last_mut() {
                None => return Ok((done, r.pos)),
                Some(Frame::Tuple { len, items }) => {
                    items.push(done);
                    if items.len() < *len {
                        break;
                    }
                    let items = std::mem::take(items);
                    frames.pop();
                    done = Value::Tuple(Tuple::new(items).unwrap_or_default());
                }
                Some(Frame::CodePoint { opcode }) => {
                    let opcode = *opcode;
                    frames.pop();
                    let next = Hash(r.word()?);
                    done = Value::CodePoint(code.intern_code_point(opcode, Some(done), next));
                }
            }
        }
    }
}

/// Reads a value that must fill `bytes` exactly.
pub fn unmarshal(
    bytes: &[u8],
    code: &mut impl CodeBuilder,
    limits: &ValueLimits,
) -> Result<Value, UnmarshalError> {
    let (value, used) = unmarshal_prefix(bytes, code, limits)?;
    if used != bytes.len() {
        return Err(UnmarshalError {
            offset: used,
            kind: UnmarshalErrorKind::TrailingBytes(bytes.len() - used),
        });
    }
    Ok(value)
}
