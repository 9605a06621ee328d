//! Values as the C++ AVM marshals them for a proof (`marshalForProof` in
//! avm_values/value.cpp), which is what Marshaling.sol reads:
//!
//! - Integer: type 0, then 32 bytes big-endian.
//! - CodePoint: type 1, then a flag (1 if it has an immediate), the opcode byte, the
//!   immediate (one level shallower, never below 0) if any, and the next code point's
//!   hash. Code points are always shown by their preimage.
//! - Tuple at level 0: type 2 (hash preimage), the inner hash and the size (32 bytes).
//! - Tuple at a deeper level: type 3 + its length, then its items one level shallower.
//! - Buffer: type 12, then its Merkle root.
//!
//! Marshaling walks an explicit work list (a chain of code points with code point
//! immediates may be long), and stops with an error past a byte limit (a tuple DAG
//! opened 32 levels deep by `ecpairing` can be exponentially large).

use avm_value::{tuple_digest, CodeView, Hash, Value};

use super::ClassicProveError;

/// Type byte of an integer.
pub(crate) const INT: u8 = 0;
/// Type byte of a code point.
pub(crate) const CODE_POINT: u8 = 1;
/// Type byte of a tuple shown by its hash preimage.
pub(crate) const PRE_IMAGE: u8 = 2;
/// Type byte of a tuple of length 0 (a tuple of length n is this + n).
pub(crate) const TUPLE: u8 = 3;
/// Type byte of a buffer.
pub(crate) const BUFFER: u8 = 12;

enum Item<'a> {
    Value(&'a Value, usize),
    Word(Hash),
}

/// Appends `value` at nesting `level` to `out` if it marshals without opening anything
/// (an integer, a buffer, a tuple at level 0, a code point without immediate): what most
/// proofs show, written without a work list. Returns whether it did.
fn marshal_flat(value: &Value, level: usize, code: &impl CodeView, out: &mut Vec<u8>) -> bool {
    match (value, level) {
        (Value::Int(n), _) => {
            out.push(INT);
            out.extend_from_slice(&n.to_be_bytes::<32>());
        }
        (Value::Buffer(b), _) => {
            out.push(BUFFER);
            out.extend_from_slice(&b.root_hash().0);
        }
        (Value::Tuple(t), 0) => {
            let d = tuple_digest(t, code);
            out.push(PRE_IMAGE);
            out.extend_from_slice(&d.inner.0);
            out.extend_from_slice(&d.size.to_be_bytes::<32>());
        }
        (Value::CodePoint(cp), _) => {
            let parts = code.code_point_parts(*cp);
            if parts.immediate.is_some() {
                return false;
            }
            out.push(CODE_POINT);
            out.push(0);
            out.push(parts.opcode);
            out.extend_from_slice(&parts.next_hash.0);
        }
        (Value::Tuple(_), _) => return false,
    }
    true
}

/// Appends `value` at nesting `level` to `out`, failing if `out` would pass `limit`
/// bytes.
pub(crate) fn marshal_for_proof<'a, C: CodeView>(
    value: &'a Value,
    level: usize,
    code: &'a C,
    out: &mut Vec<u8>,
    limit: usize,
) -> Result<(), ClassicProveError> {
    let mut work = Vec::new();
    if !marshal_flat(value, level, code, out) {
        work.push(Item::Value(value, level));
    }
    while let Some(item) = work.pop() {
        match item {
            Item::Word(h) => out.extend_from_slice(&h.0),
            Item::Value(value, level) if marshal_flat(value, level, code, out) => {}
            Item::Value(Value::Tuple(t), level) => {
                // A tuple has at most 8 items, so the type byte stays below 12; a tuple
                // at level 0 was marshaled flat.
                out.push(TUPLE + t.len() as u8);
                let inner = level.saturating_sub(1);
                work.extend(t.items().iter().rev().map(|v| Item::Value(v, inner)));
            }
            Item::Value(Value::CodePoint(cp), level) => {
                // Flat unless it has an immediate.
                let parts = code.code_point_parts(*cp);
                out.push(CODE_POINT);
                out.push(1);
                out.push(parts.opcode);
                work.push(Item::Word(parts.next_hash));
                if let Some(imm) = parts.immediate {
                    work.push(Item::Value(imm, level.saturating_sub(1)));
                }
            }
            Item::Value(_, _) => {}
        }
        if out.len() > limit {
            return Err(ClassicProveError::TooLarge(limit));
        }
    }
    if out.len() > limit {
        return Err(ClassicProveError::TooLarge(limit));
    }
    Ok(())
}
