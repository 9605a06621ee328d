//! The byte layouts of stored records.
//!
//! Values are stored content-addressed: a tuple under its value hash, a buffer tree
//! node under its Merkle root. Inside a record, a value is a *reference*:
//!
//! ```text
//! ref     := 0x00 len:u8 bytes        an Integer, big-endian without leading zeros
//!          | 0x01 segment:u32 pc:u32  a CodePoint (segment numbers are restored as saved)
//!          | 0x03 hash                a Tuple, stored under its value hash
//!          | 0x0c root                a Buffer, its root node stored under this root
//! tuple   := n:u8 ref*n
//! buffer  := 0x00 leaf:32 bytes | 0x01 depth:u8 left:hash right:hash
//! ```

use avm_value::{Buffer, CodePointRef, Hash, Int};

use crate::error::corrupt;
use crate::StoreError;

/// Appends fields to a record.
#[derive(Default)]
pub(crate) struct Out(pub(crate) Vec<u8>);

impl Out {
    pub(crate) fn u8(&mut self, b: u8) {
        self.0.push(b);
    }
    pub(crate) fn u32(&mut self, n: u32) {
        self.0.extend_from_slice(&n.to_be_bytes());
    }
    pub(crate) fn u64(&mut self, n: u64) {
        self.0.extend_from_slice(&n.to_be_bytes());
    }
    pub(crate) fn hash(&mut self, h: &Hash) {
        self.0.extend_from_slice(&h.0);
    }
    pub(crate) fn int(&mut self, n: &Int) {
        self.0.extend_from_slice(&n.to_be_bytes::<32>());
    }
}

/// A decoded value reference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Ref {
    Int(Int),
    CodePoint(CodePointRef),
    Tuple(Hash),
    Buffer(Hash),
}

/// Reads fields of a record, reporting truncation as corruption.
pub(crate) struct In<'a> {
    bytes: &'a [u8],
    pos: usize,
    what: &'static str,
}

impl<'a> In<'a> {
    pub(crate) fn new(bytes: &'a [u8], what: &'static str) -> Self {
        In {
            bytes,
            pos: 0,
            what,
        }
    }
    fn take(&mut self, n: usize) -> Result<&'a [u8], StoreError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|e| *e <= self.bytes.len())
            .ok_or_else(|| corrupt(format!("truncated {} record", self.what)))?;
        // In bounds: pos <= end <= bytes.len() (checked just above; pos only ever
        // becomes such an end).
        let s = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    pub(crate) fn u8(&mut self) -> Result<u8, StoreError> {
        // In bounds: take(1) returns exactly one byte or an error.
        Ok(self.take(1)?[0])
    }
    pub(crate) fn u32(&mut self) -> Result<u32, StoreError> {
        let mut b = [0u8; 4];
        b.copy_from_slice(self.take(4)?);
        Ok(u32::from_be_bytes(b))
    }
    pub(crate) fn u64(&mut self) -> Result<u64, StoreError> {
        let mut b = [0u8; 8];
        b.copy_from_slice(self.take(8)?);
        Ok(u64::from_be_bytes(b))
    }
    pub(crate) fn hash(&mut self) -> Result<Hash, StoreError> {
        let mut b = [0u8; 32];
        b.copy_from_slice(self.take(32)?);
        Ok(Hash(b))
    }
    pub(crate) fn int(&mut self) -> Result<Int, StoreError> {
        Ok(self.hash()?.to_int())
    }
    pub(crate) fn bytes32(&mut self) -> Result<[u8; 32], StoreError> {
        Ok(self.hash()?.0)
    }
    pub(crate) fn value_ref(&mut self) -> Result<Ref, StoreError> {
        Ok(match self.u8()? {
            0 => {
                let len = usize::from(self.u8()?);
                if len > 32 {
                    return Err(corrupt(format!(
                        "integer of {len} bytes in a {} record",
                        self.what
                    )));
                }
                let mut b = [0u8; 32];
                // In bounds: len <= 32 was checked just above.
                b[32 - len..].copy_from_slice(self.take(len)?);
                Ref::Int(Int::from_be_bytes(b))
            }
            1 => Ref::CodePoint(CodePointRef::new(self.u32()?, self.u32()?)),
            3 => Ref::Tuple(self.hash()?),
            12 => Ref::Buffer(self.hash()?),
            t => {
                return Err(corrupt(format!(
                    "unknown value tag {t} in a {} record",
                    self.what
                )))
            }
        })
    }
    pub(crate) fn done(&self) -> Result<(), StoreError> {
        if self.pos == self.bytes.len() {
            Ok(())
        } else {
            Err(corrupt(format!("trailing bytes in a {} record", self.what)))
        }
    }
}

/// A buffer node record.
pub(crate) fn buffer_record(node: &Buffer) -> Vec<u8> {
    let mut out = Out::default();
    match (node.leaf_bytes(), node.children()) {
        (Some(leaf), _) => {
            out.u8(0);
            out.0.extend_from_slice(leaf);
        }
        (None, Some((left, right))) => {
            out.u8(1);
            out.u8(node.depth() as u8);
            out.hash(&left.root_hash());
            out.hash(&right.root_hash());
        }
        (None, None) => out.u8(2),
    }
    out.0
}

/// A decoded buffer node.
pub(crate) enum BufferNode {
    Leaf([u8; 32]),
    Branch { left: Hash, right: Hash },
}

pub(crate) fn read_buffer_record(bytes: &[u8]) -> Result<BufferNode, StoreError> {
    let mut r = In::new(bytes, "buffer");
    let node = match r.u8()? {
        0 => BufferNode::Leaf(r.bytes32()?),
        1 => {
            r.u8()?;
            BufferNode::Branch {
                left: r.hash()?,
                right: r.hash()?,
            }
        }
        t => return Err(corrupt(format!("unknown buffer node kind {t}"))),
    };
    r.done()?;
    Ok(node)
}
