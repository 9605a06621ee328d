//! Writing a checkpoint: only what the store does not hold yet.
//!
//! Every value, buffer node, code chunk and segment table is stored under a hash of its
//! content, so anything shared with an earlier checkpoint (the static value, unchanged
//! tuples, the bottom of the stacks, the loaded program) is found by its key and not
//! written again; the walk over a value stops at the first node already stored.

use std::collections::HashSet;

use avm_code::{Code, Segment};
use avm_machine::{Machine, Stack};
use avm_value::{
    error_code_point_hash, keccak256, tuple_digest, Buffer, CodeView, Hash, StackDigest, Value,
};

use crate::backend::{Backend, Batch, Table};
use crate::codec::{buffer_record, Out, Ref};
use crate::records::{write_record, write_ref, Record, CHUNK, TABLE_CHUNK};
use crate::StoreError;

/// Keys known to be stored (or pending in the batch being built).
#[derive(Default)]
pub(crate) struct Known {
    sets: [HashSet<Hash>; Table::ALL.len()],
}

impl Known {
    fn index(table: Table) -> usize {
        Table::ALL.iter().position(|t| *t == table).unwrap_or(0)
    }
    // In bounds (here and in `insert`): `index` is a position in Table::ALL, and there
    // is one set per entry of Table::ALL.
    pub(crate) fn contains(&self, table: Table, key: &Hash) -> bool {
        self.sets[Self::index(table)].contains(key)
    }
    pub(crate) fn insert(&mut self, table: Table, key: Hash) {
        self.sets[Self::index(table)].insert(key);
    }
    pub(crate) fn clear(&mut self) {
        self.sets.iter_mut().for_each(HashSet::clear);
    }
}

/// Builds the batch of new records for one checkpoint.
pub(crate) struct Saver<'a, B: Backend> {
    pub(crate) backend: &'a B,
    pub(crate) known: &'a mut Known,
    pub(crate) batch: Batch,
}

impl<B: Backend> Saver<'_, B> {
    /// Whether `key` is stored; remembers positive answers.
    fn stored(&mut self, table: Table, key: &Hash) -> Result<bool, StoreError> {
        if self.known.contains(table, key) {
            return Ok(true);
        }
        let there = self.backend.contains(table, &key.0)?;
        if there {
            self.known.insert(table, *key);
        }
        Ok(there)
    }

    fn put(&mut self, table: Table, key: Hash, record: Vec<u8>) {
        self.known.insert(table, key);
        self.batch.puts.push((table, key.0.to_vec(), record));
    }

    /// The reference to `value`, storing every tuple and buffer node it needs.
    pub(crate) fn value(&mut self, value: &Value, code: &impl CodeView) -> Result<Ref, StoreError> {
        let r = to_ref(value, code);
        let mut work: Vec<&Value> = vec![value];
        while let Some(v) = work.pop() {
            match v {
                Value::Tuple(t) => {
                    let hash = tuple_digest(t, code).hash;
                    if self.stored(Table::Values, &hash)? {
                        continue;
                    }
                    let mut out = Out::default();
                    out.u8(t.len() as u8);
                    for item in t.items() {
                        write_ref(&mut out, &to_ref(item, code));
                        if matches!(item, Value::Tuple(_) | Value::Buffer(_)) {
                            work.push(item);
                        }
                    }
                    self.put(Table::Values, hash, out.0);
                }
                Value::Buffer(b) => self.buffer(b)?,
                _ => {}
            }
        }
        Ok(r)
    }

    fn buffer(&mut self, root: &Buffer) -> Result<(), StoreError> {
        let mut work = vec![root.clone()];
        while let Some(node) = work.pop() {
            let key = node.root_hash();
            if self.stored(Table::Buffers, &key)? {
                continue;
            }
            self.put(Table::Buffers, key, buffer_record(&node));
            if let Some((left, right)) = node.children() {
                work.push(left.clone());
                work.push(right.clone());
            }
        }
        Ok(())
    }

    /// Stores a stack as a chain of 2-tuples (top, rest) and returns its hash. Only the
    /// pairs above the highest one already stored are written; their digests are taken
    /// (or recomputed) from the stack's cache a run at a time, top down.
    pub(crate) fn stack(
        &mut self,
        stack: &Stack,
        code: &impl CodeView,
    ) -> Result<Hash, StoreError> {
        let items = stack.values();
        let unready = || StoreError::Unstorable("stack digests not computed".to_string());
        let empty = StackDigest::empty();
        if !self.stored(Table::Values, &empty.hash)? {
            self.put(Table::Values, empty.hash, vec![0]);
        }
        let mut top = empty.hash;
        let mut end = items.len();
        while end > 0 {
            let (start, run) = stack.digests_below(end, code).ok_or_else(unready)?;
            if end == items.len() {
                top = run.last().map_or(empty.hash, |d| d.hash);
            }
            // In bounds: run holds the digests of the bottom start..=end items, and
            // start <= k < end <= items.len().
            for k in (start..end).rev() {
                let digest = run[k + 1 - start];
                if self.stored(Table::Values, &digest.hash)? {
                    return Ok(top);
                }
                let item = self.value(&items[k], code)?;
                let mut out = Out::default();
                out.u8(2);
                write_ref(&mut out, &item);
                write_ref(&mut out, &Ref::Tuple(run[k - start].hash));
                self.put(Table::Values, digest.hash, out.0);
            }
            end = start;
        }
        Ok(top)
    }

    /// Stores the code chunks of a segment and returns its table entry.
    fn segment(
        &mut self,
        segment: &Segment,
        code: &impl CodeView,
    ) -> Result<(u32, Hash, Option<Hash>), StoreError> {
        let insns = segment.instructions();
        let hashes = segment.hashes();
        let len = insns.len();
        // In bounds: a Segment always has its tail (len >= 1) and one hash per index
        // (Segment::new and Segment::from_parts enforce both, and pushes add one of
        // each), so hashes.len() == insns.len() == len >= 1.
        let tail = hashes[0];
        let opaque_tail = (tail != error_code_point_hash()).then_some(tail);
        let mut start = 1;
        while start < len {
            let end = (start + CHUNK).min(len);
            // In bounds (to the end of the loop): 1 <= start < end <= len, so
            // start - 1, end - 1 and every pc in start..end are below len.
            let key = hashes[end - 1];
            if !self.stored(Table::Code, &key)? {
                let mut out = Out::default();
                out.hash(&hashes[start - 1]);
                out.u32((end - start) as u32);
                for pc in start..end {
                    out.u8(insns[pc].opcode);
                    match &insns[pc].immediate {
                        None => out.u8(0),
                        Some(imm) => {
                            out.u8(1);
                            let r = self.value(imm, code)?;
                            write_ref(&mut out, &r);
                        }
                    }
                    out.hash(&hashes[pc]);
                }
                self.put(Table::Code, key, out.0);
            }
            start = end;
        }
        // In bounds: len >= 1 (see above).
        Ok((len as u32, hashes[len - 1], opaque_tail))
    }

    /// Stores every segment and returns the keys of the segment table chunks.
    pub(crate) fn code(&mut self, code: &Code) -> Result<Vec<Hash>, StoreError> {
        let mut entries = Vec::with_capacity(code.segment_count());
        for segment in code.segments() {
            entries.push(self.segment(segment, code)?);
        }
        let mut tables = Vec::new();
        for chunk in entries.chunks(TABLE_CHUNK) {
            let mut out = Out::default();
            out.u32(chunk.len() as u32);
            for (len, top, tail) in chunk {
                out.u32(*len);
                out.hash(top);
                match tail {
                    None => out.u8(0),
                    Some(h) => {
                        out.u8(1);
                        out.hash(h);
                    }
                }
            }
            let key = keccak256(&out.0);
            if !self.stored(Table::Segments, &key)? {
                self.put(Table::Segments, key, out.0);
            }
            tables.push(key);
        }
        Ok(tables)
    }
}

/// The reference to a value (its children are stored separately).
pub(crate) fn to_ref(value: &Value, code: &impl CodeView) -> Ref {
    match value {
        Value::Int(n) => Ref::Int(*n),
        Value::CodePoint(cp) => Ref::CodePoint(*cp),
        Value::Tuple(t) => Ref::Tuple(tuple_digest(t, code).hash),
        Value::Buffer(b) => Ref::Buffer(b.root_hash()),
    }
}

/// Builds the batch for checkpoint `seq` of `machine`.
pub(crate) fn checkpoint_batch<B: Backend>(
    backend: &B,
    known: &mut Known,
    machine: &mut Machine,
    seq: u64,
) -> Result<(Batch, Record), StoreError> {
    let machine_hash = machine.hash();
    let mut saver = Saver {
        backend,
        known,
        batch: Batch::default(),
    };
    let view = machine.storage_view();
    let stack = saver.stack(view.stack, view.code)?;
    let aux = saver.stack(view.aux, view.code)?;
    let code = machine.code();
    let register = saver.value(machine.register(), code)?;
    let static_value = saver.value(machine.static_value(), code)?;
    let pending = machine
        .pending_message()
        .map(|p| saver.value(p, code))
        .transpose()?;
    let tables = saver.code(code)?;
    let mut record = Record {
        seq,
        machine_hash,
        status: machine.status(),
        pc: machine.pc(),
        stack,
        aux,
        register,
        static_value,
        gas_remaining: *machine.gas_remaining(),
        err_pc: machine.error_code_point(),
        pending,
        inbox: machine.inbox_position(),
        outputs: machine.outputs(),
        steps: machine.steps(),
        gas_used: machine.gas_used(),
        bytes: 0,
        program_len: code.program_len(),
        segments: code.segment_count() as u32,
        tables,
    };
    let body = saver.batch.bytes();
    record.bytes = body + write_record(&record).len() as u64 + 8;
    let key = seq.to_be_bytes().to_vec();
    saver
        .batch
        .puts
        .push((Table::Checkpoints, key, write_record(&record)));
    Ok((saver.batch, record))
}
