//! Code segments: instruction arrays executed by index, with their CodePoint hashes.
//!
//! A segment is stored in execution-reverse order. Index 0 is the segment's tail, the
//! code point that follows its last instruction; index `len - 1` is its first
//! instruction, and executing index `pc` continues at `pc - 1`. This is the order in
//! which code points are built (each one's hash depends on the hash of the one after
//! it), so the hash table grows with the instructions: `hashes[pc]` is computed from
//! `hashes[pc - 1]` once, when instruction `pc` is added, and read in O(1) forever after.
//!
//! The tail of a segment of loaded or run-time-created code is the error code point
//! (opcode 0, next hash 0): the deployed C++ loader places it behind the last
//! instruction, so its hash is the last instruction's next hash. A code point read from
//! marshaled bytes has a next hash but no known code behind it; it gets a segment whose
//! tail is *opaque*: it carries that hash and executes as an error.

use avm_value::{code_point_hash, error_code_point_hash, value_hash, CodeView, Hash, Value};

use crate::Ready;

/// One instruction: an opcode byte and an optional immediate value.
#[derive(Clone, Debug)]
pub struct Instruction {
    /// The opcode byte (bytes that are no opcode execute as `error`).
    pub opcode: u8,
    /// Pushed onto the data stack before the opcode executes.
    pub immediate: Option<Value>,
}

impl Instruction {
    /// An instruction without immediate.
    pub fn basic(opcode: u8) -> Self {
        Instruction {
            opcode,
            immediate: None,
        }
    }

    /// An instruction with an immediate value.
    pub fn with_immediate(opcode: u8, immediate: Value) -> Self {
        Instruction {
            opcode,
            immediate: Some(immediate),
        }
    }

    /// The hash of this instruction as a code point followed by `next_hash`.
    pub fn code_point_hash(&self, next_hash: &Hash, code: &impl CodeView) -> Hash {
        let imm = self.immediate.as_ref().map(|v| value_hash(v, code));
        code_point_hash(self.opcode, imm.as_ref(), next_hash)
    }
}

/// A segment of code, its CodePoint hash table and its ready-to-run records.
#[derive(Clone, Debug)]
pub struct Segment {
    insns: Vec<Instruction>,
    hashes: Vec<Hash>,
    ready: Vec<Ready>,
}

impl Segment {
    /// A segment holding only the error code point (what `errcodepoint` creates).
    pub fn new() -> Self {
        Segment::with_opaque_tail(error_code_point_hash())
    }

    /// A segment whose tail has the given hash and executes as an error.
    pub fn with_opaque_tail(tail_hash: Hash) -> Self {
        Segment {
            insns: vec![Instruction::basic(0)],
            hashes: vec![tail_hash],
            ready: vec![Ready::TAIL],
        }
    }

    /// A segment from stored parts: instructions (tail first) and the hash of every
    /// index. Returns None if the lengths differ or there is no tail. The caller vouches
    /// for the hashes (a checkpoint store checks the restored machine's hash).
    pub fn from_parts(insns: Vec<Instruction>, hashes: Vec<Hash>) -> Option<Segment> {
        if insns.len() != hashes.len() || insns.is_empty() {
            return None;
        }
        let mut ready = Vec::with_capacity(insns.len());
        ready.push(Ready::TAIL);
        for insn in insns.iter().skip(1) {
            let next = ready.last().copied().unwrap_or(Ready::TAIL);
            ready.push(Ready::new(insn, &next));
        }
        Some(Segment {
            insns,
            hashes,
            ready,
        })
    }

    /// The CodePoint hash of every index, tail first.
    pub fn hashes(&self) -> &[Hash] {
        &self.hashes
    }

    /// Number of code points including the tail.
    #[inline]
    pub fn len(&self) -> usize {
        self.insns.len()
    }

    /// Always false: a segment has at least its tail.
    pub fn is_empty(&self) -> bool {
        self.insns.is_empty()
    }

    /// The index of the segment's first instruction (its last-added code point).
    #[inline]
    pub fn tip(&self) -> usize {
        self.insns.len() - 1
    }

    /// The instruction at `pc`.
    #[inline]
    pub fn instruction(&self, pc: usize) -> Option<&Instruction> {
        self.insns.get(pc)
    }

    /// All instructions, tail first.
    #[inline]
    pub fn instructions(&self) -> &[Instruction] {
        &self.insns
    }

    /// The ready-to-run record of every index, tail first (parallel to
    /// [`Segment::instructions`]).
    #[inline]
    pub fn ready(&self) -> &[Ready] {
        &self.ready
    }

    /// The CodePoint hash of index `pc`.
    #[inline]
    pub fn hash(&self, pc: usize) -> Option<Hash> {
        self.hashes.get(pc).copied()
    }

    /// Adds `insn` in front of the current tip, given its already computed hash.
    pub(crate) fn push_hashed(&mut self, insn: Instruction, hash: Hash) {
        let next = self.ready.last().copied().unwrap_or(Ready::TAIL);
        self.ready.push(Ready::new(&insn, &next));
        self.insns.push(insn);
        self.hashes.push(hash);
    }

    /// A copy holding indices `0..=pc` only (for adding code in front of `pc`), or None
    /// if there is no index `pc`.
    pub(crate) fn prefix(&self, pc: usize) -> Option<Segment> {
        Some(Segment {
            insns: self.insns.get(..=pc)?.to_vec(),
            hashes: self.hashes.get(..=pc)?.to_vec(),
            ready: self.ready.get(..=pc)?.to_vec(),
        })
    }

    /// Reserves room for `additional` more instructions.
    pub(crate) fn reserve(&mut self, additional: usize) {
        self.insns.reserve(additional);
        self.hashes.reserve(additional);
        self.ready.reserve(additional);
    }
}

impl Default for Segment {
    fn default() -> Self {
        Segment::new()
    }
}
