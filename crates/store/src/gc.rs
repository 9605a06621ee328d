//! Reclaiming space: mark and sweep.
//!
//! Deleting checkpoints removes their records; the records of values, buffer nodes,
//! code chunks and segment tables that no remaining checkpoint reaches are then
//! removed in the same transaction. Mark-and-sweep was chosen over reference counts:
//! every save stays a pure "insert what is new" (no count updates along shared paths),
//! a crash can never leave a count wrong (a collection is one transaction), and the
//! cost, a walk over what remains live, is paid only when a user deletes checkpoints.

use std::collections::HashSet;

use avm_value::Hash;

use crate::backend::{Backend, Batch, Table};
use crate::codec::{read_buffer_record, BufferNode, Ref};
use crate::error::corrupt;
use crate::load::tuple_refs;
use crate::records::{read_chunk, read_record, read_segment_table};
use crate::StoreError;

/// What a collection removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GcReport {
    /// Checkpoint records deleted.
    pub checkpoints: u64,
    /// Other records reclaimed.
    pub records: u64,
}

#[derive(Default)]
struct Marks {
    values: HashSet<Hash>,
    buffers: HashSet<Hash>,
    code: HashSet<Hash>,
    segments: HashSet<Hash>,
}

fn hash_key(key: &[u8]) -> Option<Hash> {
    let mut h = [0u8; 32];
    (key.len() == 32).then(|| {
        h.copy_from_slice(key);
        Hash(h)
    })
}

fn get<B: Backend>(backend: &B, table: Table, key: &Hash) -> Result<Vec<u8>, StoreError> {
    backend
        .get(table, &key.0)?
        .ok_or_else(|| corrupt(format!("{key} is referenced but not stored")))
}

impl Marks {
    fn value<B: Backend>(&mut self, backend: &B, root: &Ref) -> Result<(), StoreError> {
        let mut work = vec![root.clone()];
        while let Some(r) = work.pop() {
            match r {
                Ref::Tuple(h) if self.values.insert(h) => {
                    work.extend(tuple_refs(&get(backend, Table::Values, &h)?)?);
                }
                Ref::Buffer(h) if self.buffers.insert(h) => {
                    if let BufferNode::Branch { left, right, .. } =
                        read_buffer_record(&get(backend, Table::Buffers, &h)?)?
                    {
                        work.push(Ref::Buffer(left));
                        work.push(Ref::Buffer(right));
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn code<B: Backend>(&mut self, backend: &B, tables: &[Hash]) -> Result<(), StoreError> {
        for table in tables {
            if !self.segments.insert(*table) {
                continue;
            }
            for entry in read_segment_table(&get(backend, Table::Segments, table)?)? {
                let mut remaining = entry.len.saturating_sub(1) as usize;
                let mut key = entry.top;
                while remaining > 0 && self.code.insert(key) {
                    let chunk = read_chunk(&get(backend, Table::Code, &key)?)?;
                    remaining = remaining.saturating_sub(chunk.insns.len());
                    for (_, imm, _) in &chunk.insns {
                        if let Some(r) = imm {
                            self.value(backend, r)?;
                        }
                    }
                    key = chunk.prev;
                }
            }
        }
        Ok(())
    }

    fn live(&self, table: Table) -> &HashSet<Hash> {
        match table {
            Table::Values => &self.values,
            Table::Buffers => &self.buffers,
            Table::Code => &self.code,
            _ => &self.segments,
        }
    }
}

/// Deletes the checkpoints `seqs` and everything only they reached, atomically.
pub(crate) fn delete_and_collect<B: Backend>(
    backend: &B,
    seqs: &[u64],
) -> Result<GcReport, StoreError> {
    let doomed: HashSet<u64> = seqs.iter().copied().collect();
    let mut batch = Batch::default();
    let mut marks = Marks::default();
    let mut report = GcReport::default();
    for key in backend.keys(Table::Checkpoints)? {
        let record = read_record(&backend.get(Table::Checkpoints, &key)?.unwrap_or_default())?;
        if doomed.contains(&record.seq) {
            batch.deletes.push((Table::Checkpoints, key));
            report.checkpoints += 1;
            continue;
        }
        marks.value(backend, &Ref::Tuple(record.stack))?;
        marks.value(backend, &Ref::Tuple(record.aux))?;
        marks.value(backend, &record.register)?;
        marks.value(backend, &record.static_value)?;
        if let Some(p) = &record.pending {
            marks.value(backend, p)?;
        }
        marks.code(backend, &record.tables)?;
    }
    for table in [Table::Values, Table::Buffers, Table::Code, Table::Segments] {
        let live = marks.live(table);
        for key in backend.keys(table)? {
            if !hash_key(&key).is_some_and(|h| live.contains(&h)) {
                batch.deletes.push((table, key));
                report.records += 1;
            }
        }
    }
    backend.apply(batch)?;
    Ok(report)
}
