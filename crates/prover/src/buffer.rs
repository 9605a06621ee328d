//! Merkle paths for the buffer instructions, in the form the verifier checks (see
//! `avm_verifier::merkle`).

use avm_code::opcode::SEND_SIZE_LIMIT;
use avm_value::{keccak_pair, Buffer, Hash, Int, LeafPath, Value};
use avm_verifier::merkle::zero_root;
use avm_verifier::{Extra, Normalization};

/// The path to leaf `index`, or to leaf 0 when `index` lies beyond the tree.
fn path_or_depth(buffer: &Buffer, index: u64) -> LeafPath {
    buffer
        .leaf_path(index)
        .or_else(|| buffer.leaf_path(0))
        .unwrap_or(LeafPath {
            leaf: [0; 32],
            siblings: Vec::new(),
        })
}

/// The offset operand, if `width` bytes from it stay below 2^64.
fn offset(value: Option<&Value>, width: u64) -> Option<u64> {
    let offset = u64::try_from(*value?.as_int()?).ok()?;
    offset.checked_add(width - 1)?;
    Some(offset)
}

/// Paths for a read of `width` bytes at offset A of buffer B.
pub(crate) fn read(a: Option<&Value>, b: Option<&Value>, width: u64) -> Extra {
    let (Some(at), Some(Value::Buffer(buffer))) = (offset(a, width), b) else {
        return Extra::None;
    };
    let first = at / 32;
    let last = (at + width - 1) / 32;
    Extra::Reads((first..=last).map(|i| path_or_depth(buffer, i)).collect())
}

/// The path of leaf `index` in `buffer`'s tree grown (with zeros) to `depth` levels.
fn padded_path(buffer: &Buffer, index: u64, depth: u32) -> LeafPath {
    match buffer.leaf_path(index) {
        Some(mut path) => {
            path.siblings
                .extend((buffer.depth()..depth).map(|h| zero_root(h as usize)));
            path
        }
        None => LeafPath {
            leaf: [0; 32],
            siblings: (0..depth)
                .map(|level| {
                    if level >= buffer.depth() && (index >> level) ^ 1 == 0 {
                        let mut root = buffer.root_hash();
                        for h in buffer.depth()..level {
                            root = keccak_pair(&root, &zero_root(h as usize));
                        }
                        root
                    } else {
                        zero_root(level as usize)
                    }
                })
                .collect(),
        },
    }
}

/// The smallest depth spanning `len` bytes.
fn depth_for(len: u128) -> u32 {
    let mut depth = 0;
    while (32u128 << depth) < len {
        depth += 1;
    }
    depth
}

/// Paths and canonical form for a write of `width` bytes of B at offset A of buffer C.
pub(crate) fn write(a: Option<&Value>, b: Option<&Value>, c: Option<&Value>, width: u64) -> Extra {
    let (Some(at), Some(Value::Int(value)), Some(Value::Buffer(buffer))) = (offset(a, width), b, c)
    else {
        return Extra::None;
    };
    let fits = match width {
        1 => *value <= Int::from(u8::MAX),
        8 => *value <= Int::from(u64::MAX),
        _ => true,
    };
    if !fits {
        return Extra::None;
    }
    let bytes = value.to_be_bytes::<32>();
    // In bounds: width is 1, 8 or 32 (the only values the prover passes).
    let data = &bytes[32 - width as usize..];
    let first = path_or_depth(buffer, at / 32);
    let in_first = data.len().min(32 - (at % 32) as usize);
    let grown = buffer
        .depth()
        .max(depth_for(u128::from(at) + u128::from(width)));
    // In bounds: in_first < data.len() when the closure runs.
    let second = (in_first < data.len()).then(|| {
        let after_first = buffer.set_bytes(at, &data[..in_first]);
        padded_path(&after_first, at / 32 + 1, grown)
    });
    let result = buffer.set_bytes(at, data);
    let normal = match result.children() {
        Some((left, right)) => Normalization {
            height: result.depth(),
            left: left.root_hash(),
            right: right.root_hash(),
        },
        None => Normalization {
            height: 0,
            left: result.root_hash(),
            right: Hash::ZERO,
        },
    };
    Extra::Write {
        first,
        second,
        normal,
    }
}

/// The data of a send of A bytes of buffer B, or a leaf showing the buffer is longer.
pub(crate) fn send(a: Option<&Value>, b: Option<&Value>) -> Extra {
    let size = a
        .and_then(Value::as_int)
        .and_then(|n| u64::try_from(*n).ok());
    let (Some(size), Some(Value::Buffer(buffer))) = (size, b) else {
        return Extra::None;
    };
    if size == 0 || size > SEND_SIZE_LIMIT {
        return Extra::None;
    }
    if buffer.packed_len() <= u128::from(size) {
        let mut data = vec![0u8; size as usize];
        buffer.read(0, &mut data);
        Extra::SendData(data)
    } else {
        let index = ((buffer.packed_len() - 1) / 32) as u64;
        Extra::SendOverflow {
            index,
            path: path_or_depth(buffer, index),
        }
    }
}

/// The 7 leaves holding the 213 input bytes of `blake2f`.
pub(crate) fn blake2f(a: Option<&Value>) -> Extra {
    match a {
        Some(Value::Buffer(buffer)) => {
            Extra::Reads((0..7).map(|i| path_or_depth(buffer, i)).collect())
        }
        _ => Extra::None,
    }
}
