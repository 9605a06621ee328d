//! Restoring a machine from a checkpoint record.
//!
//! Shared stored nodes become shared values again (each tuple and buffer node is
//! decoded once per restore), so a restored machine takes the memory the saved one
//! did. Nothing recurses over value depth. The restored machine's hash must equal the
//! recorded one; if it does not, the store is corrupt.
//!
//! A store file is untrusted, so every content-addressed record a restore reads is
//! checked against its key: tuples, stack nodes, buffer nodes, code points (and the
//! chunks holding them) and segment tables must hash to the key they are stored
//! under. Hashes are computed bottom-up, so a record that reaches itself is caught on
//! the way down, as a cycle, before anything can be hashed. Each record is decoded
//! at most once per value walk and the walks keep only what they decode, so the work
//! and memory of a restore grow with the records the file holds, not with anything a
//! record claims.

use std::collections::{HashMap, HashSet};

use avm_code::Code;
use avm_machine::{Machine, MachineParts};
use avm_value::{
    tuple_digest, value_hash, value_size, Buffer, Hash, StackDigest, Tuple, Value, MAX_TUPLE_LEN,
};

use crate::backend::{Backend, Table};
use crate::codec::{read_buffer_record, BufferNode, In, Ref};
use crate::error::{bad_count, corrupt, RecordKind};
use crate::load_code::check_code_points;
use crate::records::Record;
use crate::StoreError;

/// Decodes stored values, sharing what is shared.
pub(crate) struct Loader<'a, B: Backend> {
    pub(crate) backend: &'a B,
    tuples: HashMap<Hash, Tuple>,
    /// Keys of the tuples built and not yet checked against their content, children
    /// before parents.
    built: Vec<Hash>,
    buffers: HashMap<Hash, Buffer>,
}

pub(crate) fn missing(what: &str, key: &Hash) -> StoreError {
    corrupt(format!("{what} {key} is referenced but not stored"))
}

/// The references in a tuple record.
pub(crate) fn tuple_refs(bytes: &[u8]) -> Result<Vec<Ref>, StoreError> {
    let mut r = In::new(bytes, "tuple");
    let n = usize::from(r.u8()?);
    if n > MAX_TUPLE_LEN {
        return Err(bad_count(
            RecordKind::Tuple,
            n as u64,
            0,
            MAX_TUPLE_LEN as u64,
        ));
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
            built: Vec::new(),
            buffers: HashMap::new(),
        }
    }

    pub(crate) fn record(
        &self,
        table: Table,
        key: &Hash,
        what: &str,
    ) -> Result<Vec<u8>, StoreError> {
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
        // Entries are keys to expand, or expanded keys with their references, built
        // once every tuple they refer to is. Everything above an expanded entry on the
        // work list was pushed while expanding it, so meeting a key that is expanded
        // but not built means the record reaches itself.
        let mut work: Vec<(Hash, Option<Vec<Ref>>)> = vec![(*hash, None)];
        let mut open = HashSet::new();
        while let Some((key, refs)) = work.pop() {
            let Some(refs) = refs else {
                if self.tuples.contains_key(&key) {
                    continue;
                }
                if !open.insert(key) {
                    return Err(StoreError::Cycle {
                        kind: RecordKind::Tuple,
                        key,
                    });
                }
                let refs = tuple_refs(&self.record(Table::Values, &key, "tuple")?)?;
                let pending: Vec<(Hash, Option<Vec<Ref>>)> = refs
                    .iter()
                    .filter_map(|r| match r {
                        Ref::Tuple(h) if !self.tuples.contains_key(h) => Some((*h, None)),
                        _ => None,
                    })
                    .collect();
                work.push((key, Some(refs)));
                work.extend(pending);
                continue;
            };
            open.remove(&key);
            let items = refs
                .iter()
                .map(|r| self.value(r))
                .collect::<Result<Vec<_>, _>>()?;
            let tuple = Tuple::new(items).map_err(|e| corrupt(e.to_string()))?;
            self.tuples.insert(key, tuple);
            self.built.push(key);
        }
        self.tuples
            .get(hash)
            .cloned()
            .ok_or_else(|| missing("tuple", hash))
    }

    fn buffer(&mut self, root: &Hash) -> Result<Buffer, StoreError> {
        // As for tuples: a branch is built once both its children are.
        let mut work: Vec<(Hash, Option<(Hash, Hash)>)> = vec![(*root, None)];
        let mut open = HashSet::new();
        while let Some((key, children)) = work.pop() {
            let built = match children {
                None => {
                    if self.buffers.contains_key(&key) {
                        continue;
                    }
                    if !open.insert(key) {
                        return Err(StoreError::Cycle {
                            kind: RecordKind::BufferNode,
                            key,
                        });
                    }
                    match read_buffer_record(&self.record(Table::Buffers, &key, "buffer node")?)? {
                        BufferNode::Leaf(bytes) => Buffer::from_leaf(bytes),
                        BufferNode::Branch { left, right } => {
                            work.push((key, Some((left, right))));
                            work.push((left, None));
                            work.push((right, None));
                            continue;
                        }
                    }
                }
                Some((left, right)) => match (self.buffers.get(&left), self.buffers.get(&right)) {
                    (Some(l), Some(r)) => Buffer::from_children(l.clone(), r.clone())
                        .ok_or_else(|| corrupt("buffer branch over subtrees of unequal depth"))?,
                    _ => return Err(corrupt("buffer subtree missing")),
                },
            };
            open.remove(&key);
            if built.root_hash() != key {
                return Err(StoreError::KeyMismatch {
                    kind: RecordKind::BufferNode,
                    key,
                });
            }
            self.buffers.insert(key, built);
        }
        self.buffers
            .get(root)
            .cloned()
            .ok_or_else(|| missing("buffer node", root))
    }

    /// The items of a stack stored as a chain of pairs, bottom first, each pair checked
    /// against its key. A chain is as long as the distinct records it passes through:
    /// one met twice is a cycle.
    pub(crate) fn stack(&mut self, top: &Hash, code: &Code) -> Result<Vec<Value>, StoreError> {
        let empty = StackDigest::empty();
        let mut nodes = Vec::new();
        let mut seen = HashSet::new();
        let mut node = *top;
        while node != empty.hash {
            if !seen.insert(node) {
                return Err(StoreError::Cycle {
                    kind: RecordKind::StackNode,
                    key: node,
                });
            }
            let refs = tuple_refs(&self.record(Table::Values, &node, "stack node")?)?;
            let [item, Ref::Tuple(rest)] = refs.as_slice() else {
                return Err(corrupt("a stack node is not a pair"));
            };
            nodes.push((node, self.value(item)?));
            node = *rest;
        }
        let mut digest = empty;
        let mut items = Vec::with_capacity(nodes.len());
        for (key, item) in nodes.into_iter().rev() {
            digest = digest.push(&value_hash(&item, code), &value_size(&item, code));
            if digest.hash != key {
                return Err(StoreError::KeyMismatch {
                    kind: RecordKind::StackNode,
                    key,
                });
            }
            items.push(item);
        }
        Ok(items)
    }

    /// Checks every tuple built since the last call against the key it was stored
    /// under (children before parents, so the deepest mismatch is the one reported).
    /// Tuples may hold CodePoints, whose hashes come from `code`.
    fn check_tuples(&mut self, code: &Code) -> Result<(), StoreError> {
        for key in self.built.drain(..) {
            let matches = self
                .tuples
                .get(&key)
                .is_some_and(|t| tuple_digest(t, code).hash == key);
            if !matches {
                return Err(StoreError::KeyMismatch {
                    kind: RecordKind::Tuple,
                    key,
                });
            }
        }
        Ok(())
    }

    /// The machine a record describes, every record it is made of checked against its
    /// key, and the whole against its recorded hash.
    pub(crate) fn machine(&mut self, record: &Record) -> Result<Machine, StoreError> {
        let code = self.code(record)?;
        self.check_tuples(&code)?;
        check_code_points(&code)?;
        let stack = self.stack(&record.stack, &code)?;
        let aux_stack = self.stack(&record.aux, &code)?;
        let register = self.value(&record.register)?;
        let static_value = self.value(&record.static_value)?;
        let pending = record.pending.as_ref().map(|p| self.value(p)).transpose()?;
        self.check_tuples(&code)?;
        let parts = MachineParts {
            code,
            status: record.status,
            pc: record.pc,
            stack,
            aux_stack,
            register,
            static_value,
            gas_remaining: record.gas_remaining,
            err_pc: record.err_pc,
            pending,
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
