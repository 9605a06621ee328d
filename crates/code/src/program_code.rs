//! Segment 0 of a program built from its instructions, with its CodePoint hash table.
//!
//! The hashes are computed once, from the last instruction back, each from the hash of
//! the code point after it; that chain of one Keccak per instruction is most of the
//! cost of loading a large program. Integer immediates recur (the same constants all
//! over ArbOS), so their hashes are kept in a table while building.

use std::collections::HashMap;

use avm_value::{
    code_point_hash, error_code_point_hash, hash_int, value_hash, CodePointParts, CodePointRef,
    CodeView, Hash, Int, Value,
};

use crate::{Code, CodeError, Instruction, Segment};

/// Integers below this are hashed from a precomputed table already.
const TABLED_INTS: u64 = 1024;

/// Builds segment 0 from the instructions in program order. A code point in an
/// immediate must name a later instruction (one already hashed), or the hash would
/// depend on itself.
pub(crate) fn build_code(insns: Vec<Instruction>) -> Result<Code, CodeError> {
    let len = insns.len();
    let mut segment = Segment::new();
    segment.reserve(len);
    let mut int_hashes: HashMap<Int, Hash> = HashMap::new();
    let mut program_len = 0;
    for (i, insn) in insns.into_iter().enumerate().rev() {
        let tip = segment.tip();
        if let Some(imm) = &insn.immediate {
            if let Some(bad) = first_code_point(imm, |c| c.segment != 0 || c.pc as usize > tip) {
                return Err(CodeError::NotForward {
                    instruction: i,
                    target: (len as u64).saturating_sub(u64::from(bad.pc)),
                });
            }
        }
        program_len = u32::try_from(segment.len()).map_err(|_| CodeError::SegmentTooLong)?;
        let next_hash = segment.hash(tip).unwrap_or_else(error_code_point_hash);
        let imm_hash = insn.immediate.as_ref().map(|imm| match imm {
            Value::Int(n) if *n >= Int::from(TABLED_INTS) => {
                *int_hashes.entry(*n).or_insert_with(|| hash_int(n))
            }
            other => value_hash(other, &Building(&segment)),
        });
        let hash = code_point_hash(insn.opcode, imm_hash.as_ref(), &next_hash);
        segment.push_hashed(insn, hash);
    }
    Code::from_segments(vec![segment], program_len)
}

/// The first code point inside `value` (searched without recursion) that `bad` accepts.
fn first_code_point(value: &Value, bad: impl Fn(CodePointRef) -> bool) -> Option<CodePointRef> {
    let mut work = match value {
        Value::CodePoint(cp) => return bad(*cp).then_some(*cp),
        Value::Tuple(t) if !t.is_empty() => vec![value],
        _ => return None,
    };
    while let Some(v) = work.pop() {
        match v {
            Value::CodePoint(cp) if bad(*cp) => return Some(*cp),
            Value::Tuple(t) => work.extend(t.items()),
            _ => {}
        }
    }
    None
}

/// The code store as it is while segment 0 is being built: that segment alone.
struct Building<'s>(&'s Segment);

impl CodeView for Building<'_> {
    fn code_point_hash(&self, cp: CodePointRef) -> Hash {
        match cp.segment {
            0 => self.0.hash(cp.pc as usize),
            _ => None,
        }
        .unwrap_or_else(error_code_point_hash)
    }

    fn code_point_parts(&self, cp: CodePointRef) -> CodePointParts<'_> {
        let insn = match cp.segment {
            0 => self.0.instruction(cp.pc as usize),
            _ => None,
        };
        crate::code::parts_of(self, cp, insn)
    }
}
