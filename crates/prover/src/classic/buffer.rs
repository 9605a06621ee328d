//! The `BufferProof` bytes (and the send data in the machine proof) as the C++ AVM
//! writes them (`MachineState::marshalBufferProof` and `Buffer::makeProof` /
//! `makeNormalizationProof`), which OneStepProof2.sol reads.
//!
//! Layout facts:
//! - A buffer proof starts with a 32-byte header: byte 0 is 1, bytes 1..=4 are
//!   running word offsets (1 + the lengths in 32-byte words of up to four parts), the
//!   rest zero. The parts follow: for reads, the proof of the first byte's leaf and of
//!   the last byte's leaf (parts 1 and 3); for writes, the old leaf's proof, the
//!   normalization of the tree after writing the first leaf, and (when the write
//!   crosses into a second leaf) that leaf's proof in the intermediate tree and the
//!   final normalization.
//! - A leaf proof is the 32 leaf bytes, then the sibling hashes from the leaf up. A byte
//!   beyond the tree is proven by the leaf holding (byte mod tree span) instead, which
//!   shows the tree's depth.
//! - A normalization is the tree's depth as a 32-byte integer, then its root's two
//!   children (for a single leaf: the leaf's hash and zero).
//! - Offsets are taken modulo 2^64 where the C++ casts them, as it does.

use avm_value::{Buffer, Hash, Int, Value};

/// Appends the proof of the leaf holding byte `loc` of `buffer`.
fn leaf_proof(buffer: &Buffer, loc: u64, out: &mut Vec<u8>) {
    let loc = u128::from(loc) % buffer.span();
    // `loc` is below the span, which is 32 << depth, so the leaf index fits in u64.
    let index = (loc / 32) as u64;
    match buffer.leaf_path(index) {
        Some(path) => {
            out.extend_from_slice(&path.leaf);
            for sibling in &path.siblings {
                out.extend_from_slice(&sibling.0);
            }
        }
        // Unreachable: the index lies inside the tree.
        None => out.extend_from_slice(&[0; 32]),
    }
}

/// Appends the normalization proof of `buffer`.
fn normalization(buffer: &Buffer, out: &mut Vec<u8>) {
    out.extend_from_slice(&Int::from(buffer.depth()).to_be_bytes::<32>());
    match buffer.children() {
        Some((left, right)) => {
            out.extend_from_slice(&left.root_hash().0);
            out.extend_from_slice(&right.root_hash().0);
        }
        None => {
            out.extend_from_slice(&buffer.root_hash().0);
            out.extend_from_slice(&Hash::ZERO.0);
        }
    }
}

/// The header and parts of a buffer proof.
fn with_header(parts: [&[u8]; 4]) -> Vec<u8> {
    let mut out = vec![0u8; 32];
    let mut acc: usize = 1;
    out[0] = 1;
    for (slot, part) in out[1..5].iter_mut().zip(parts) {
        acc += part.len() / 32;
        // The C++ stores the running offset as a byte.
        *slot = acc as u8;
    }
    for part in parts {
        out.extend_from_slice(part);
    }
    out
}

fn proof_of(buffer: &Buffer, loc: u64) -> Vec<u8> {
    let mut out = Vec::new();
    leaf_proof(buffer, loc, &mut out);
    out
}

fn normal_of(buffer: &Buffer) -> Vec<u8> {
    let mut out = Vec::new();
    normalization(buffer, &mut out);
    out
}

/// An integer operand as a u64 offset, if it is an integer below 2^64.
fn offset_of(value: Option<&Value>) -> Option<Option<u64>> {
    match value {
        Some(Value::Int(n)) => Some(u64::try_from(*n).ok()),
        _ => None,
    }
}

/// What a buffer instruction adds to the proofs.
#[derive(Default)]
pub(crate) struct BufferParts {
    /// The `BufferProof` bytes.
    pub(crate) buffer_proof: Vec<u8>,
    /// Bytes appended to the machine proof (a `send`'s data).
    pub(crate) send_data: Vec<u8>,
}

/// The buffer parts of a step of `opcode`, whose operands (the immediate first, then
/// the stack from the top) `arg` returns. Called only when neither stack underflows.
pub(crate) fn buffer_parts<'a>(
    opcode: u8,
    arg: impl Fn(usize) -> Option<&'a Value>,
    send_size_limit: u64,
) -> BufferParts {
    let mut parts = BufferParts::default();
    let empty = || with_header([&[], &[], &[], &[]]);
    match opcode {
        // send: size A, buffer B
        0x70 => {
            let Some(Value::Buffer(buffer)) = arg(1) else {
                return parts;
            };
            let Some(Value::Int(size)) = arg(0) else {
                return parts;
            };
            // The C++ casts the size to 64 bits.
            let loc = size.as_limbs()[0];
            if loc > send_size_limit {
                return parts;
            }
            if u128::from(loc) < buffer.packed_len() {
                parts.buffer_proof = with_header([&proof_of(buffer, loc), &[], &[], &[]]);
            } else {
                // At most send_size_limit bytes: packed_len <= loc.
                let mut data = vec![0u8; loc as usize];
                buffer.read(0, &mut data);
                parts.send_data = data;
            }
        }
        // getbuffer8/64/256: offset A, buffer B
        0xa1..=0xa3 => {
            let (Some(Value::Buffer(buffer)), Some(Some(loc))) = (arg(1), offset_of(arg(0))) else {
                parts.buffer_proof = empty();
                return parts;
            };
            parts.buffer_proof = match opcode {
                0xa1 => with_header([&proof_of(buffer, loc), &[], &[], &[]]),
                0xa2 => with_header([
                    &proof_of(buffer, loc),
                    &[],
                    &proof_of(buffer, loc.wrapping_add(7)),
                    &[],
                ]),
                _ => with_header([
                    &proof_of(buffer, loc),
                    &[],
                    &proof_of(buffer, loc.wrapping_add(31)),
                    &[],
                ]),
            };
        }
        // setbuffer8/64/256: offset A, value B, buffer C
        0xa4..=0xa6 => {
            let (Some(Value::Buffer(buffer)), Some(Some(loc)), Some(Value::Int(value))) =
                (arg(2), offset_of(arg(0)), arg(1))
            else {
                parts.buffer_proof = empty();
                return parts;
            };
            let width = match opcode {
                0xa4 => 1,
                0xa5 => 8,
                _ => 32,
            };
            let bytes = value.to_be_bytes::<32>();
            // The low `width` bytes of the value, big-endian (the C++ truncates).
            let data = &bytes[32 - width..];
            let old = proof_of(buffer, loc);
            let in_first = 32 - (loc % 32) as usize;
            if in_first >= width {
                let new = buffer.set_bytes(loc, data);
                parts.buffer_proof = with_header([&old, &normal_of(&new), &[], &[]]);
            } else {
                let mid = buffer.set_bytes(loc, &data[..in_first]);
                let second_at = loc.wrapping_add(in_first as u64);
                let new = mid.set_bytes(second_at, &data[in_first..]);
                let second = proof_of(&mid, loc.wrapping_add(width as u64 - 1));
                parts.buffer_proof =
                    with_header([&old, &normal_of(&mid), &second, &normal_of(&new)]);
            }
        }
        _ => {}
    }
    parts
}
