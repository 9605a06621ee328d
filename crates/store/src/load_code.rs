//! Restoring a checkpoint's code: segment tables, then each segment's chain of code
//! chunks from its top down to its tail, every record checked against its key.

use std::collections::HashSet;

use avm_code::{Code, Instruction, Segment};
use avm_value::{error_code_point_hash, keccak256};

use crate::backend::{Backend, Table};
use crate::error::{corrupt, RecordKind};
use crate::load::{missing, Loader};
use crate::records::{read_chunk, read_segment_table, Record, SegmentEntry};
use crate::StoreError;

/// The most instructions a restored machine's code may hold in all its segments
/// together: 8.4 M, over a hundred times ArbOS (75,754), about 700 MB of code.
pub const MAX_RESTORED_INSTRUCTIONS: u64 = 1 << 23;

/// Most items reserved up front from a count read from the store.
const MAX_CAPACITY_HINT: usize = 1 << 16;

impl<B: Backend> Loader<'_, B> {
    /// The code of a checkpoint. Code point hashes are checked afterwards, by
    /// [`check_code_points`], as an immediate may name a code point not yet restored.
    pub(crate) fn code(&mut self, record: &Record) -> Result<Code, StoreError> {
        let mut segments = Vec::with_capacity(hint(record.segments));
        let mut instructions = 0u64;
        for table in &record.tables {
            let bytes = self
                .backend
                .get(Table::Segments, &table.0)?
                .ok_or_else(|| missing("segment table", table))?;
            if keccak256(&bytes) != *table {
                return Err(StoreError::KeyMismatch {
                    kind: RecordKind::SegmentTable,
                    key: *table,
                });
            }
            for entry in read_segment_table(&bytes)? {
                if segments.len() >= record.segments as usize {
                    return Err(corrupt("segment count does not match the record"));
                }
                instructions = instructions.saturating_add(u64::from(entry.len));
                if instructions > MAX_RESTORED_INSTRUCTIONS {
                    return Err(StoreError::TooMuchCode {
                        instructions,
                        max: MAX_RESTORED_INSTRUCTIONS,
                    });
                }
                segments.push(self.segment(&entry)?);
            }
        }
        if segments.len() != record.segments as usize {
            return Err(corrupt("segment count does not match the record"));
        }
        Code::from_segments(segments, record.program_len).map_err(|e| corrupt(e.to_string()))
    }

    /// One segment, from its chunks. Each chunk holds at least one instruction and must
    /// sit under its top instruction's hash; a chunk met twice is a cycle. So the walk
    /// ends after at most `entry.len` chunks or as many as the store holds.
    fn segment(&mut self, entry: &SegmentEntry) -> Result<Segment, StoreError> {
        let len = entry.len as usize;
        let mut insns = Vec::with_capacity(hint(entry.len));
        let mut hashes = Vec::with_capacity(hint(entry.len));
        let mut seen = HashSet::new();
        let mut key = entry.top;
        while insns.len() + 1 < len {
            if !seen.insert(key) {
                return Err(StoreError::Cycle {
                    kind: RecordKind::CodeChunk,
                    key,
                });
            }
            let chunk = read_chunk(&self.record(Table::Code, &key, "code chunk")?)?;
            if chunk.insns.last().map(|(_, _, top)| *top) != Some(key) {
                return Err(StoreError::KeyMismatch {
                    kind: RecordKind::CodeChunk,
                    key,
                });
            }
            for (opcode, immediate, hash) in chunk.insns.into_iter().rev() {
                let immediate = immediate.map(|r| self.value(&r)).transpose()?;
                insns.push(Instruction { opcode, immediate });
                hashes.push(hash);
            }
            key = chunk.prev;
        }
        if insns.len() + 1 != len {
            return Err(corrupt("a segment's chunks do not add up to its length"));
        }
        let tail = entry.opaque_tail.unwrap_or_else(error_code_point_hash);
        if !insns.is_empty() && key != tail {
            return Err(corrupt("a segment's bottom chunk does not sit on its tail"));
        }
        insns.push(Instruction::basic(0));
        hashes.push(tail);
        insns.reverse();
        hashes.reverse();
        Segment::from_parts(insns, hashes).ok_or_else(|| corrupt("empty segment"))
    }
}

/// Counts from the file only hint at capacity: a damaged count must not make the
/// allocator abort before the records themselves are found missing.
fn hint(n: u32) -> usize {
    (n as usize).min(MAX_CAPACITY_HINT)
}

/// Checks that the hash recorded for every code point is the one its content gives:
/// its instruction, its immediate's hash, and the hash of the code point after it.
pub(crate) fn check_code_points(code: &Code) -> Result<(), StoreError> {
    for segment in code.segments() {
        let above_tail = segment.instructions().iter().skip(1);
        for (insn, pair) in above_tail.zip(segment.hashes().windows(2)) {
            let [next, own] = pair else { continue };
            if insn.code_point_hash(next, code) != *own {
                return Err(StoreError::KeyMismatch {
                    kind: RecordKind::CodePoint,
                    key: *own,
                });
            }
        }
    }
    Ok(())
}
