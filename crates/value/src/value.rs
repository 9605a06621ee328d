//! The AVM value: an Integer, a Tuple, a CodePoint or a Buffer.

use crate::{Buffer, CodePointRef, Int, Tuple};

/// A value of the AVM. Cloning is cheap: tuples and buffers are shared, integers and
/// code point handles are copied.
pub enum Value {
    /// A 256-bit integer with EVM semantics (signedness depends on the opcode).
    Int(Int),
    /// A tuple of 0..=8 values.
    Tuple(Tuple),
    /// A handle to a code point in the machine's code.
    CodePoint(CodePointRef),
    /// A byte array of up to 2^64 bytes.
    Buffer(Buffer),
}

/// The type of a value, numbered as the `type` opcode reports it and as marshaled
/// values start.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum ValueType {
    /// Integer (0).
    Int = 0,
    /// CodePoint (1).
    CodePoint = 1,
    /// Tuple (3).
    Tuple = 3,
    /// Buffer (12).
    Buffer = 12,
}

/// Cloning is always inlined: the execution engine copies values on most steps (an
/// immediate pushed, a slot read, a `dup`), and a call per copy costs more than the
/// copy of an integer or a reference count.
impl Clone for Value {
    #[inline(always)]
    fn clone(&self) -> Value {
        match self {
            Value::Int(n) => Value::Int(*n),
            Value::Tuple(t) => Value::Tuple(t.clone()),
            Value::CodePoint(cp) => Value::CodePoint(*cp),
            Value::Buffer(b) => Value::Buffer(b.clone()),
        }
    }
}

impl Default for Value {
    /// None, the empty tuple.
    fn default() -> Self {
        Value::Tuple(Tuple::empty())
    }
}

impl Value {
    /// The empty tuple, which the spec calls None.
    pub const fn none() -> Value {
        Value::Tuple(Tuple::empty())
    }

    /// A small integer value.
    pub fn int(n: u64) -> Value {
        Value::Int(Int::from(n))
    }

    /// The type of this value.
    pub fn value_type(&self) -> ValueType {
        match self {
            Value::Int(_) => ValueType::Int,
            Value::Tuple(_) => ValueType::Tuple,
            Value::CodePoint(_) => ValueType::CodePoint,
            Value::Buffer(_) => ValueType::Buffer,
        }
    }

    /// The integer, if this is one.
    #[inline]
    pub fn as_int(&self) -> Option<&Int> {
        match self {
            Value::Int(n) => Some(n),
            _ => None,
        }
    }

    /// The tuple, if this is one.
    #[inline]
    pub fn as_tuple(&self) -> Option<&Tuple> {
        match self {
            Value::Tuple(t) => Some(t),
            _ => None,
        }
    }

    /// The code point handle, if this is one.
    #[inline]
    pub fn as_code_point(&self) -> Option<CodePointRef> {
        match self {
            Value::CodePoint(cp) => Some(*cp),
            _ => None,
        }
    }

    /// The buffer, if this is one.
    #[inline]
    pub fn as_buffer(&self) -> Option<&Buffer> {
        match self {
            Value::Buffer(b) => Some(b),
            _ => None,
        }
    }

    /// Whether this is the empty tuple.
    pub fn is_none(&self) -> bool {
        matches!(self, Value::Tuple(t) if t.is_empty())
    }
}

impl From<Int> for Value {
    fn from(n: Int) -> Self {
        Value::Int(n)
    }
}

impl From<Tuple> for Value {
    fn from(t: Tuple) -> Self {
        Value::Tuple(t)
    }
}

impl From<Buffer> for Value {
    fn from(b: Buffer) -> Self {
        Value::Buffer(b)
    }
}

impl From<CodePointRef> for Value {
    fn from(cp: CodePointRef) -> Self {
        Value::CodePoint(cp)
    }
}

impl std::fmt::Debug for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Int(n) => write!(f, "{n:#x}"),
            Value::CodePoint(cp) => write!(f, "CodePoint({}, {})", cp.segment, cp.pc),
            Value::Buffer(b) => write!(f, "{b:?}"),
            Value::Tuple(t) => {
                // Shallow on purpose: deep tuples must not recurse here.
                write!(f, "Tuple[{}](", t.len())?;
                for (i, item) in t.items().iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    match item {
                        Value::Tuple(inner) => write!(f, "Tuple[{}]", inner.len())?,
                        other => write!(f, "{other:?}")?,
                    }
                }
                write!(f, ")")
            }
        }
    }
}
