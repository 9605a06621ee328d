//! CodePoint values: cheap handles into code, and the hash rule that makes them provable.
//!
//! For execution a CodePoint is a position in an instruction array (a segment and an
//! index). For proving, the same CodePoint is identified by its hash, which chains the
//! instruction with the hash of the code point that follows it. The code store owns the
//! instructions and a table of these hashes; values only carry the handle and ask a
//! [`CodeView`] when they need a hash or the instruction behind it.

use std::sync::OnceLock;

use crate::{keccak256, Hash, Value};

/// A handle to one code point: segment number and index inside that segment.
///
/// Segments are stored in execution-reverse order (index 0 is the end of the code), so a
/// handle's next code point is `pc - 1`. The handle says nothing about the code point by
/// itself; the code store that issued it resolves it.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Default)]
pub struct CodePointRef {
    /// Which segment of the code store.
    pub segment: u32,
    /// Index inside the segment (0 is the segment's last code point).
    pub pc: u32,
}

impl CodePointRef {
    /// A handle to `pc` in `segment`.
    pub const fn new(segment: u32, pc: u32) -> Self {
        CodePointRef { segment, pc }
    }
}

/// The contents of a code point: what it executes and what follows it.
#[derive(Clone, Copy, Debug)]
pub struct CodePointParts<'a> {
    /// The opcode byte (any byte; unknown opcodes execute as `error`).
    pub opcode: u8,
    /// The immediate value pushed before the opcode runs, if any.
    pub immediate: Option<&'a Value>,
    /// Hash of the code point executed next.
    pub next_hash: Hash,
}

/// Read access to a code store: what values need to hash and marshal CodePoints.
pub trait CodeView {
    /// The hash of the code point behind a handle.
    fn code_point_hash(&self, cp: CodePointRef) -> Hash;
    /// The instruction behind a handle and the hash of the code point after it.
    fn code_point_parts(&self, cp: CodePointRef) -> CodePointParts<'_>;
}

/// A code store that can take in code points it has never seen, as unmarshaling and
/// JSON parsing of values containing CodePoints need.
pub trait CodeBuilder: CodeView {
    /// Stores a code point given by its parts and returns a handle whose hash is
    /// `code_point_hash(opcode, immediate hash, next_hash)`.
    fn intern_code_point(
        &mut self,
        opcode: u8,
        immediate: Option<Value>,
        next_hash: Hash,
    ) -> CodePointRef;
}

/// The type byte that starts a marshaled CodePoint and its hash preimage.
pub const CODE_POINT_TYPE: u8 = 1;

/// The hash of a code point from its parts: keccak(1, opcode, next) without an
/// immediate, keccak(1, opcode, hash(immediate), next) with one.
pub fn code_point_hash(opcode: u8, immediate_hash: Option<&Hash>, next_hash: &Hash) -> Hash {
    match immediate_hash {
        None => {
            let mut data = [0u8; 34];
            data[0] = CODE_POINT_TYPE;
            data[1] = opcode;
            data[2..].copy_from_slice(&next_hash.0);
            keccak256(&data)
        }
        Some(imm) => {
            let mut data = [0u8; 66];
            data[0] = CODE_POINT_TYPE;
            data[1] = opcode;
            data[2..34].copy_from_slice(&imm.0);
            data[34..].copy_from_slice(&next_hash.0);
            keccak256(&data)
        }
    }
}

/// Hash of the error code point: opcode 0, no immediate, next hash zero.
///
/// The deployed AVM ends every segment of code with this code point, uses it as the
/// initial Error CodePoint register, and treats a register equal to it as "no error
/// handler". (The spec calls it the code point (0, 0, 0).)
pub fn error_code_point_hash() -> Hash {
    static HASH: OnceLock<Hash> = OnceLock::new();
    *HASH.get_or_init(|| code_point_hash(0, None, &Hash::ZERO))
}

/// A code store with no code at all, for values that contain no CodePoint.
///
/// Every handle resolves to the error code point, so hashing stays total (and never
/// panics) even if a handle from elsewhere slips in.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoCode;

impl CodeView for NoCode {
    fn code_point_hash(&self, _cp: CodePointRef) -> Hash {
        error_code_point_hash()
    }

    fn code_point_parts(&self, _cp: CodePointRef) -> CodePointParts<'_> {
        CodePointParts {
            opcode: 0,
            immediate: None,
            next_hash: Hash::ZERO,
        }
    }
}
