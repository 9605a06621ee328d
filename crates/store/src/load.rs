//! Restoring a machine from a checkpoint record.
//!
//! Shared stored nodes become shared values again (each tuple and buffer node is
//! decoded once per restore), so a restored machine takes the memory the saved one
//! did. Nothing recurses over value depth. The restored machine's hash must equal the
//! recorded one; if it does not, the store is corrupt.

use std::collections::HashMap;

use avm_code::{Code, Instruction, Segment};
use avm_machine::{Machine, MachineParts};
use avm_value::{error_code_point_hash, Buffer, Hash, StackDigest, Tuple, Value, MAX_TUPLE_LEN};

use crate::backend::{Backend, Table};
use crate::codec::{read_buffer_record, BufferNode, In, Ref};
use crate::error::corrupt;
use crate::records::{read_chunk, read_segment_table, Record};
use crate::StoreError;

/// Most items reserved up front from a count read from the store.
const MAX_CAPACITY_HINT: usize = 1 << 16;

/// Decodes stored values, sharing what is shared.
pub(crate) struct Loader<'a, B: Backend> {
    pub(crate) backend: &'a B,
    tuples: HashMap<Hash, Tuple>,
    buffers: HashMap<Hash, Buffer>,
}

fn missing(what: &str, key: &Hash) -> StoreError {
    corrupt(format!("{what} {key} is referenced but not stored"))
}

/// The references in a tuple record.
pub(crate) fn tuple_refs(bytes: &[u8]) -> Result<Vec<Ref>, StoreError> {
    let mut r = In::new(bytes, "tuple");
    let n = usize::from(r.u8()?);
    if n > MAX_TUPLE_LEN {
        return Err(corrupt(format!("tuple of {n} items")));
    }
    let refs = (0..n)
        .map(|_| r.value_ref())
        .collect::<Result<Vec<_>, _>>()?;
    r.done()?;
    Ok(refs)
}

impl<'a, B: Backend> Loader<'a, B> {
    pub(crate) fn new(backend: &'a B) -> Self {
        Loader {
            backend,
            tuples: HashMap::new(),
            buffers: HashMap::new(),
        }
    }

    fn record(&self, table: Table, key: &Hash, what: &str) -> Result<Vec<u8>, StoreError> {
        self.backend
            .get(table, &key.0)?
            .ok_or_else(|| missing(what, key))
    }

    /// The value a reference names.
    pub(crate) fn value(&mut self, r: &Ref) -> Result<Value, StoreError> {
        Ok(match r {
            Ref::Int(n) => Value::Int(*n),
            Ref::CodePoint(cp) => Value::CodePoint(*cp),
            Ref::Tuple(h) => Value::Tuple(self.tuple(h)?),
            Ref::Buffer(h) => Value::Buffer(self.buffer(h)?),
        })
    }

    fn tuple(&mut self, hash: &Hash) -> Result<Tuple, StoreError> {
        let mut work: Vec<(Hash, Option<Vec<Ref>>)> = vec![(*hash, None)];
        while let Some((key, refs)) = work.pop() {
            if self.tuples.contains_key(&key) {
                continue;
            }
            let refs = match refs {
                Some(refs) => refs,
                None => tuple_refs(&self.record(Table::Values, &key, "tuple")?)?,
            };
            let pending: Vec<Hash> = refs
                .iter()
                .filter_map(|r| match r {
                    Ref::Tuple(h) if !self.tuples.contains_key(h) => Some(*h),
                    _ => None,
                })
                .collect();
            if !pending.is_empty() {
                if work.len() > 100_000_000 {
                    return Err(corrupt("tuple nesting too deep to restore"));
                }
                work.push((key, Some(refs)));
                work.extend(pending.into_iter().map(|h| (h, None)));
                continue;
            }
            let items = refs
                .iter()
                .map(|r| self.value(r))
                .collect::<Result<Vec<_>, _>>()?;
            let tuple = Tuple::new(items).map_err(|e| corrupt(e.to_string()))?;
            self.tuples.insert(key, tuple);
        }
        self.tuples
            .get(hash)
            .cloned()
            .ok_or_else(|| missing("tuple", hash))
    }

    fn buffer(&mut self, root: &Hash) -> Result<Buffer, StoreError> {
        let mut work: Vec<(Hash, bool)> = vec![(*root, false)];
        while let Some((key, expanded)) = work.pop() {
            if self.buffers.contains_key(&key) {
                continue;
            }
            let node = read_buffer_record(&self.record(Table::Buffers, &key, "buffer node")?)?;
            let built = match node {
                BufferNode::Leaf(bytes) => Buffer::from_leaf(bytes),
                BufferNode::Branch { left, right, .. } => {
                    match (self.buffers.get(&left), self.buffers.get(&right)) {
                        (Some(l), Some(r)) => Buffer::from_children(l.clone(), r.clone())
                            .ok_or_else(|| {
                                corrupt("buffer branch over subtrees of unequal depth")
                            })?,
                        _ if expanded => return Err(corrupt("buffer subtree missing")),
                        _ => {
                            work.push((key, true));
                            work.push((left, false));
                            work.push((right, false));
                            continue;
                        }
                    }
                }
            };
            if built.root_hash() != key {
                return Err(corrupt(format!(
                    "buffer node stored under {key} hashes differently"
                )));
            }
            self.buffers.insert(key, built);
        }
        self.buffers
            .get(root)
            .cloned()
            .ok_or_else(|| missing("buffer node", root))
    }

    /// The items of a stack stored as a chain of pairs, bottom first.
    pub(crate) fn stack(&mut self, top: &Hash) -> Result<Vec<Value>, StoreError> {
        let empty = StackDigest::empty().hash;
        let mut items = Vec::new();
        let mut node = *top;
        while node != empty {
            let refs = tuple_refs(&self.record(Table::Values, &node, "stack node")?)?;
            let [item, Ref::Tuple(rest)] = refs.as_slice() else {
                return Err(corrupt("a stack node is not a pair"));
            };
            items.push(self.value(item)?);
            node = *rest;
        }
        items.reverse();
        Ok(items)
    }

    /// The code of a checkpoint.
    pub(crate) fn code(&mut self, record: &Record) -> Result<Code, StoreError> {
        // Counts from the file only hint at capacity: a damaged count must not make
        // the allocator abort before the records themselves are found missing.
        let hint = |n: u32| (n as usize).min(MAX_CAPACITY_HINT);
        let mut segments = Vec::with_capacity(hint(record.segments));
        for table in &record.tables {
            let bytes = self
                .backend
                .get(Table::Segments, &table.0)?
                .ok_or_else(|| missing("segment table", table))?;
            for entry in read_segment_table(&bytes)? {
                let mut insns = Vec::with_capacity(hint(entry.len));
                let mut hashes = Vec::with_capacity(hint(entry.len));
                let mut key = entry.top;
                while insns.len() + 1 < entry.len as usize {
                    let chunk = read_chunk(&self.record(Table::Code, &key, "code chunk")?)?;
                    for (opcode, immediate, hash) in chunk.insns.into_iter().rev() {
                        let immediate = immediate.map(|r| self.value(&r)).transpose()?;
                        insns.push(Instruction { opcode, immediate });
                        hashes.push(hash);
                    }
                    key = chunk.prev;
                }
                if insns.len() + 1 != entry.len as usize {
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
                segments.push(
                    Segment::from_parts(insns, hashes).ok_or_else(|| corrupt("empty segment"))?,
                );
            }
        }
        if segments.len() != record.segments as usize {
            return Err(corrupt("segment count does not match the record"));
        }
        Code::from_segments(segments, record.program_len).map_err(|e| corrupt(e.to_string()))
    }

    /// The machine a record describes, checked against its recorded hash.
    pub(crate) fn machine(&mut self, record: &Record) -> Result<Machine, StoreError> {
        let code = self.code(record)?;
        let parts = MachineParts {
            code,
            status: record.status,
            pc: record.pc,
            stack: self.stack(&record.stack)?,
            aux_stack: self.stack(&record.aux)?,
            register: self.value(&record.register)?,
            static_value: self.value(&record.static_value)?,
            gas_remaining: record.gas_remaining,
            err_pc: record.err_pc,
            pending: record.pending.as_ref().map(|p| self.value(p)).transpose()?,
            inbox: record.inbox,
            outputs: record.outputs,
            steps: record.steps,
            gas_used: record.gas_used,
        };
        let mut machine = Machine::from_parts(parts);
        let hash = machine.hash();
        if hash != record.machine_hash {
            return Err(corrupt(format!(
                "checkpoint {} restores to machine hash {hash}, not the recorded {}",
                record.seq, record.machine_hash
            )));
        }
        Ok(machine)
    }
}
