//! The code store of one machine: every segment it can execute.
//!
//! Segment 0 is the loaded program; later segments are created at run time by
//! `errcodepoint` (a fresh segment holding only the error code point) and by
//! `pushinsn` / `pushinsnimm` (which add an instruction in front of a code point). Adding
//! in front of a segment's tip extends that segment; adding in front of any other code
//! point copies the segment up to that point into a new one, as the deployed AVM does.
//! Which segment a code point lands in is invisible to programs and proofs: only hashes
//! are observable.
//!
//! Segments are shared (`Arc`) so that cloning a machine, e.g. to checkpoint it or to let
//! two challenge parties run from one state, copies pointers, not code; a shared segment
//! is copied only when one of its holders extends it.

use std::sync::Arc;

use avm_value::{
    error_code_point_hash, CodeBuilder, CodePointNames, CodePointParts, CodePointRef, CodeView,
    Hash, ResolveCodePoint, Value,
};

use crate::{Instruction, Segment};

/// Why code could not be added.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    /// A code point handle names no code point of this store.
    #[error("code point ({}, {}) does not exist in this code", .0.segment, .0.pc)]
    Dangling(CodePointRef),
    /// More segments than handles can name.
    #[error("too many code segments (the limit is 2^32)")]
    TooManySegments,
    /// A segment longer than handles can index.
    #[error("code segment too long (the limit is 2^32 code points)")]
    SegmentTooLong,
    /// An instruction's immediate names code that is not after it.
    #[error("instruction {instruction} names instruction {target}, which does not come after it (a code point's hash covers the code after it, so references only point forward)")]
    NotForward {
        /// The instruction holding the immediate.
        instruction: usize,
        /// The instruction it names.
        target: u64,
    },
}

/// All code of a machine, addressed by [`CodePointRef`].
#[derive(Clone, Default, Debug)]
pub struct Code {
    segments: Vec<Arc<Segment>>,
    /// Instructions of the loaded program (segment 0), which value JSON names by index.
    program_len: u32,
}

impl Code {
    /// An empty store.
    pub fn new() -> Self {
        Code::default()
    }

    /// A code store from restored segments (numbered in order) and the length of the
    /// loaded program in segment 0.
    pub fn from_segments(segments: Vec<Segment>, program_len: u32) -> Result<Code, CodeError> {
        if segments.len() > u32::MAX as usize {
            return Err(CodeError::TooManySegments);
        }
        Ok(Code {
            segments: segments.into_iter().map(Arc::new).collect(),
            program_len,
        })
    }

    /// All segments, in number order.
    pub fn segments(&self) -> impl ExactSizeIterator<Item = &Segment> {
        self.segments.iter().map(|s| &**s)
    }

    /// Number of instructions of the loaded program (segment 0, without its tail).
    pub fn program_len(&self) -> u32 {
        self.program_len
    }

    /// The code point of program instruction `index` (`len` and 2^64 - 1 name the
    /// error code point behind the last instruction).
    pub fn program_code_point(&self, index: u64) -> Option<CodePointRef> {
        let len = u64::from(self.program_len);
        if index == u64::MAX {
            return Some(CodePointRef::new(0, 0));
        }
        let pc = len.checked_sub(index)?;
        Some(CodePointRef::new(0, u32::try_from(pc).ok()?))
    }

    /// The program instruction index of a code point of segment 0.
    pub fn program_index(&self, cp: CodePointRef) -> Option<u64> {
        if cp.segment != 0 || cp.pc > self.program_len || self.segments.is_empty() {
            return None;
        }
        Some(u64::from(self.program_len - cp.pc))
    }

    /// Number of segments.
    pub fn segment_count(&self) -> usize {
        self.segments.len()
    }

    /// A segment by number.
    #[inline]
    pub fn segment(&self, id: u32) -> Option<&Segment> {
        self.segments.get(id as usize).map(|s| &**s)
    }

    /// A segment by number, as the shared handle (the executor keeps one while running).
    #[inline]
    pub fn segment_handle(&self, id: u32) -> Option<&Arc<Segment>> {
        self.segments.get(id as usize)
    }

    /// The instruction at a code point.
    #[inline]
    pub fn instruction(&self, cp: CodePointRef) -> Option<&Instruction> {
        self.segment(cp.segment)?.instruction(cp.pc as usize)
    }

    /// Whether a handle names a code point of this store.
    pub fn contains(&self, cp: CodePointRef) -> bool {
        self.instruction(cp).is_some()
    }

    /// Adds a whole segment and returns its number.
    pub fn add_segment(&mut self, segment: Segment) -> Result<u32, CodeError> {
        if segment.len() > u32::MAX as usize {
            return Err(CodeError::SegmentTooLong);
        }
        let id = u32::try_from(self.segments.len()).map_err(|_| CodeError::TooManySegments)?;
        self.segments.push(Arc::new(segment));
        Ok(id)
    }

    /// `errcodepoint`: a new segment holding only the error code point; returns it.
    pub fn new_segment(&mut self) -> Result<CodePointRef, CodeError> {
        let id = self.add_segment(Segment::new())?;
        Ok(CodePointRef::new(id, 0))
    }

    /// `pushinsn` / `pushinsnimm`: a code point executing `insn` and then `next`.
    pub fn push_instruction(
        &mut self,
        next: CodePointRef,
        insn: Instruction,
    ) -> Result<CodePointRef, CodeError> {
        let segment = self
            .segment(next.segment)
            .ok_or(CodeError::Dangling(next))?;
        let next_hash = segment
            .hash(next.pc as usize)
            .ok_or(CodeError::Dangling(next))?;
        let at_tip = next.pc as usize == segment.tip();
        let hash = insn.code_point_hash(&next_hash, self);
        if at_tip {
            let pc = u32::try_from(segment.len()).map_err(|_| CodeError::SegmentTooLong)?;
            // In bounds: `self.segment(next.segment)` found this segment above.
            let slot = &mut self.segments[next.segment as usize];
            Arc::make_mut(slot).push_hashed(insn, hash);
            Ok(CodePointRef::new(next.segment, pc))
        } else {
            let mut copy = segment
                .prefix(next.pc as usize)
                .ok_or(CodeError::Dangling(next))?;
            copy.push_hashed(insn, hash);
            let pc = next.pc + 1;
            let id = self.add_segment(copy)?;
            Ok(CodePointRef::new(id, pc))
        }
    }

    /// The code point executed after `cp`, or None at a segment's tail.
    #[inline]
    pub fn next(cp: CodePointRef) -> Option<CodePointRef> {
        cp.pc
            .checked_sub(1)
            .map(|pc| CodePointRef::new(cp.segment, pc))
    }
}

impl CodeView for Code {
    #[inline]
    fn code_point_hash(&self, cp: CodePointRef) -> Hash {
        self.segment(cp.segment)
            .and_then(|s| s.hash(cp.pc as usize))
            .unwrap_or_else(error_code_point_hash)
    }

    fn code_point_parts(&self, cp: CodePointRef) -> CodePointParts<'_> {
        parts_of(self, cp, self.instruction(cp))
    }
}

/// The parts of code point `cp` of `view`, which holds `insn` there: the opcode and
/// immediate (an error code point if there is no instruction) and the hash of the code
/// point after it (zero at a segment's tail).
pub(crate) fn parts_of<'a>(
    view: &impl CodeView,
    cp: CodePointRef,
    insn: Option<&'a Instruction>,
) -> CodePointParts<'a> {
    let next_hash = match Code::next(cp) {
        Some(next) => view.code_point_hash(next),
        None => Hash::ZERO,
    };
    CodePointParts {
        opcode: insn.map_or(0, |i| i.opcode),
        immediate: insn.and_then(|i| i.immediate.as_ref()),
        next_hash,
    }
}

impl ResolveCodePoint for Code {
    fn resolve_internal(&self, index: u64) -> Result<CodePointRef, String> {
        self.program_code_point(index).ok_or_else(|| {
            format!(
                "code point Internal {index} is past the end of the program ({} instructions)",
                self.program_len
            )
        })
    }
}

impl CodePointNames for Code {
    fn internal_index(&self, cp: CodePointRef) -> Option<u64> {
        self.program_index(cp)
    }
}

impl CodeBuilder for Code {
    /// Stores a code point given by its parts (as read from marshaled bytes) in a segment
    /// of its own, whose tail carries `next_hash`.
    fn intern_code_point(
        &mut self,
        opcode: u8,
        immediate: Option<Value>,
        next_hash: Hash,
    ) -> CodePointRef {
        let mut segment = if next_hash == error_code_point_hash() {
            Segment::new()
        } else {
            Segment::with_opaque_tail(next_hash)
        };
        let insn = Instruction { opcode, immediate };
        let hash = insn.code_point_hash(&next_hash, self);
        segment.push_hashed(insn, hash);
        match self.add_segment(segment) {
            Ok(id) => CodePointRef::new(id, 1),
            // Only after 2^32 segments; the handle then resolves to the error code point.
            Err(_) => CodePointRef::new(u32::MAX, 1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use avm_value::{code_point_hash, Int};

    #[test]
    fn pushing_at_the_tip_extends_and_elsewhere_copies() {
        let mut code = Code::new();
        let tail = code.new_segment().unwrap();
        assert_eq!(code.code_point_hash(tail), error_code_point_hash());
        let a = code
            .push_instruction(tail, Instruction::basic(0x74))
            .unwrap();
        assert_eq!(a, CodePointRef::new(0, 1));
        assert_eq!(
            code.code_point_hash(a),
            code_point_hash(0x74, None, &error_code_point_hash())
        );
        let b = code
            .push_instruction(
                a,
                Instruction::with_immediate(0x3b, Value::Int(Int::from(5u8))),
            )
            .unwrap();
        assert_eq!(b, CodePointRef::new(0, 2));
        // A second instruction in front of `a` cannot share the tip: it gets a copy.
        let c = code.push_instruction(a, Instruction::basic(0x3b)).unwrap();
        assert_eq!(c.segment, 1);
        assert_eq!(c.pc, 2);
        assert_eq!(
            Code::next(c).map(|n| code.code_point_hash(n)),
            Some(code.code_point_hash(a))
        );
        assert_eq!(
            code.push_instruction(CodePointRef::new(9, 0), Instruction::basic(1)),
            Err(CodeError::Dangling(CodePointRef::new(9, 0)))
        );
    }

    #[test]
    fn cloned_code_shares_segments_until_one_side_extends() {
        let mut code = Code::new();
        let tail = code.new_segment().unwrap();
        let a = code.push_instruction(tail, Instruction::basic(1)).unwrap();
        let mut other = code.clone();
        let b = other.push_instruction(a, Instruction::basic(2)).unwrap();
        assert_eq!(b, CodePointRef::new(0, 2));
        assert!(
            code.instruction(b).is_none(),
            "the original does not see the clone's code"
        );
        assert!(other.instruction(b).is_some());
    }
}
