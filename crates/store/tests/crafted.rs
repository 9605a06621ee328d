//! Store files written by an adversary rather than damaged at random: records with
//! intact database checksums that refer to themselves, form cycles, do not hash to the
//! key they are stored under, or declare huge counts, and a checkpoint numbered
//! u64::MAX. Each restore (or save) must end quickly with the typed error named here.
//!
//! The records are written straight into the redb file through [`RedbBackend`], in the
//! layouts documented in the crate's `codec` and `records` modules.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use avm_code::{Instruction, Opcode, Program};
use avm_machine::Machine;
use avm_store::{
    Backend, Batch, RecordKind, RedbBackend, Store, StoreError, Table, DATABASE_FILE,
    MAX_RESTORED_INSTRUCTIONS,
};
use avm_value::{
    empty_tuple_digest, hash_int, keccak256, tuple_digest, Hash, Int, NoCode, StackDigest, Tuple,
    Value,
};

/// The longest a crafted case may take (they take milliseconds; the unfixed store
/// looped forever on several of them).
const TIME_LIMIT: Duration = Duration::from_secs(20);

/// Where the stack's hash lies in a checkpoint record: after version (1), sequence
/// number (8), machine hash (32), status (1) and pc (8).
const STACK_AT: usize = 50;
/// Where the register's reference starts: after the stack and aux stack hashes.
const REGISTER_AT: usize = 114;

/// A store directory holding checkpoint 0 of a small machine, and that record.
struct Crafted {
    dir: PathBuf,
    record: Vec<u8>,
}

impl Crafted {
    fn new(name: &str) -> Crafted {
        let dir =
            std::env::temp_dir().join(format!("avm-store-crafted-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut machine = Machine::new(program());
        Store::open(&dir).unwrap().save(&mut machine).unwrap();
        let record = Crafted::backend_at(&dir)
            .get(Table::Checkpoints, &0u64.to_be_bytes())
            .unwrap()
            .unwrap();
        Crafted { dir, record }
    }

    fn backend_at(dir: &std::path::Path) -> RedbBackend {
        RedbBackend::open(&dir.join(DATABASE_FILE)).unwrap()
    }

    fn get(&self, table: Table, key: &[u8]) -> Vec<u8> {
        Crafted::backend_at(&self.dir)
            .get(table, key)
            .unwrap()
            .unwrap()
    }

    /// Writes records into the file, committed before the store reopens it.
    fn put(&self, puts: Vec<(Table, Vec<u8>, Vec<u8>)>) {
        let batch = Batch {
            puts,
            deletes: Vec::new(),
        };
        Crafted::backend_at(&self.dir).apply(batch).unwrap();
    }

    /// Stores `record` as checkpoint `seq`.
    fn put_record(&self, seq: u64, record: Vec<u8>) {
        self.put(vec![(
            Table::Checkpoints,
            seq.to_be_bytes().to_vec(),
            record,
        )]);
    }

    /// Checkpoint 0 with its stack hash replaced.
    fn with_stack(&self, stack: &Hash) {
        let mut record = self.record.clone();
        record[STACK_AT..STACK_AT + 32].copy_from_slice(&stack.0);
        self.put_record(0, record);
    }

    /// Checkpoint 0 with its register replaced by the reference `new`.
    fn with_register(&self, new: &[u8]) {
        let r = &self.record[REGISTER_AT..];
        let len = match r[0] {
            0 => 2 + usize::from(r[1]),
            1 => 9,
            _ => 33,
        };
        let mut record = self.record[..REGISTER_AT].to_vec();
        record.extend_from_slice(new);
        record.extend_from_slice(&r[len..]);
        self.put_record(0, record);
    }

    /// The key of checkpoint 0's only segment table (the machine has one segment).
    fn table_key(&self) -> Hash {
        let n = self.record.len();
        assert_eq!(self.record[n - 36..n - 32], 1u32.to_be_bytes());
        Hash(self.record[n - 32..].try_into().unwrap())
    }

    /// Checkpoint 0 with its segment table key replaced.
    fn with_table(&self, table: &Hash) {
        let mut record = self.record.clone();
        let n = record.len();
        record[n - 32..].copy_from_slice(&table.0);
        self.put_record(0, record);
    }

    /// Restores checkpoint 0 on another thread and returns its error, failing the test
    /// if that takes longer than [`TIME_LIMIT`].
    fn restore_error(&self) -> StoreError {
        let dir = self.dir.clone();
        let (send, receive) = mpsc::channel();
        let start = Instant::now();
        std::thread::spawn(move || {
            let result = Store::open_existing(&dir).and_then(|s| s.restore(0).map(|_| ()));
            let _ = send.send(result);
        });
        let result = receive
            .recv_timeout(TIME_LIMIT)
            .unwrap_or_else(|_| panic!("restore still running after {TIME_LIMIT:?}"));
        eprintln!("restore took {:?}", start.elapsed());
        result.expect_err("a crafted store must not restore")
    }
}

impl Drop for Crafted {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn program() -> Program {
    let insns = vec![
        Instruction::with_immediate(
            Opcode::Nop as u8,
            Value::Tuple(Tuple::from_array([Value::int(1), Value::int(2)])),
        ),
        Instruction::with_immediate(Opcode::Tset as u8, Value::int(1)),
        Instruction::basic(Opcode::Halt as u8),
    ];
    Program::from_instructions(insns, Value::int(7)).unwrap()
}

/// A key no honest record has.
fn key(label: &str) -> Hash {
    keccak256(label.as_bytes())
}

fn int_ref(n: u8) -> Vec<u8> {
    vec![0, 1, n]
}

fn tuple_ref(h: &Hash) -> Vec<u8> {
    let mut r = vec![3];
    r.extend_from_slice(&h.0);
    r
}

/// A tuple record of these references.
fn tuple_record(refs: &[Vec<u8>]) -> Vec<u8> {
    let mut out = vec![refs.len() as u8];
    refs.iter().for_each(|r| out.extend_from_slice(r));
    out
}

fn value(key: &Hash, record: Vec<u8>) -> (Table, Vec<u8>, Vec<u8>) {
    (Table::Values, key.0.to_vec(), record)
}

fn assert_cycle(error: StoreError, kind: RecordKind, at: &Hash) {
    match error {
        StoreError::Cycle { kind: k, key } => {
            assert_eq!((k, key), (kind, *at));
        }
        other => panic!("expected a {kind} cycle at {at}, got {other:?}"),
    }
}

fn assert_mismatch(error: StoreError, kind: RecordKind, at: &Hash) {
    match error {
        StoreError::KeyMismatch { kind: k, key } => assert_eq!((k, key), (kind, *at)),
        other => panic!("expected a {kind} key mismatch at {at}, got {other:?}"),
    }
}

fn assert_bad_count(error: StoreError, kind: RecordKind, count: u64, max: u64) {
    match error {
        StoreError::BadCount {
            kind: k,
            count: c,
            max: m,
            ..
        } => assert_eq!((k, c, m), (kind, count, max)),
        other => panic!("expected a {kind} count of {count}, got {other:?}"),
    }
}

#[test]
fn a_stack_node_whose_rest_is_itself_is_a_cycle() {
    let store = Crafted::new("stack-self");
    let k = key("stack-self");
    store.put(vec![value(&k, tuple_record(&[int_ref(1), tuple_ref(&k)]))]);
    store.with_stack(&k);
    assert_cycle(store.restore_error(), RecordKind::StackNode, &k);
}

#[test]
fn two_stack_nodes_resting_on_each_other_are_a_cycle() {
    let store = Crafted::new("stack-two");
    let (a, b) = (key("stack-a"), key("stack-b"));
    store.put(vec![
        value(&a, tuple_record(&[int_ref(1), tuple_ref(&b)])),
        value(&b, tuple_record(&[int_ref(2), tuple_ref(&a)])),
    ]);
    store.with_stack(&a);
    assert_cycle(store.restore_error(), RecordKind::StackNode, &a);
}

/// 100,000 distinct stack nodes whose last rests on the first: the walk ends at the
/// first node met twice, having held one item per record.
#[test]
fn a_long_stack_chain_closing_on_itself_is_a_cycle() {
    let store = Crafted::new("stack-long");
    let keys: Vec<Hash> = (0..100_000u32)
        .map(|i| keccak256(&i.to_be_bytes()))
        .collect();
    let puts = keys
        .iter()
        .zip(keys.iter().cycle().skip(1))
        .map(|(k, rest)| value(k, tuple_record(&[int_ref(1), tuple_ref(rest)])))
        .collect();
    store.put(puts);
    store.with_stack(&keys[0]);
    assert_cycle(store.restore_error(), RecordKind::StackNode, &keys[0]);
}

#[test]
fn a_stack_node_whose_content_is_not_its_key_is_a_key_mismatch() {
    let store = Crafted::new("stack-mismatch");
    // The honest node of the stack [5] holds 5; this one holds 6 under that key.
    let k = StackDigest::empty()
        .push(&hash_int(&Int::from(5u8)), &Int::ONE)
        .hash;
    let empty = empty_tuple_digest().hash;
    store.put(vec![value(
        &k,
        tuple_record(&[int_ref(6), tuple_ref(&empty)]),
    )]);
    store.with_stack(&k);
    assert_mismatch(store.restore_error(), RecordKind::StackNode, &k);
}

#[test]
fn a_tuple_containing_itself_is_a_cycle() {
    let store = Crafted::new("tuple-self");
    let k = key("tuple-self");
    store.put(vec![value(&k, tuple_record(&[int_ref(1), tuple_ref(&k)]))]);
    store.with_register(&tuple_ref(&k));
    assert_cycle(store.restore_error(), RecordKind::Tuple, &k);
}

#[test]
fn two_tuples_containing_each_other_are_a_cycle() {
    let store = Crafted::new("tuple-two");
    let (a, b) = (key("tuple-a"), key("tuple-b"));
    store.put(vec![
        value(&a, tuple_record(&[tuple_ref(&b)])),
        value(&b, tuple_record(&[int_ref(1), tuple_ref(&a)])),
    ]);
    store.with_register(&tuple_ref(&a));
    assert_cycle(store.restore_error(), RecordKind::Tuple, &a);
}

#[test]
fn a_tuple_whose_content_is_not_its_key_is_a_key_mismatch() {
    let store = Crafted::new("tuple-mismatch");
    let honest = Tuple::from_array([Value::int(1), Value::int(2)]);
    let k = tuple_digest(&honest, &NoCode).hash;
    store.put(vec![value(&k, tuple_record(&[int_ref(1), int_ref(3)]))]);
    store.with_register(&tuple_ref(&k));
    assert_mismatch(store.restore_error(), RecordKind::Tuple, &k);
}

#[test]
fn a_tuple_declaring_255_items_is_a_bad_count() {
    let store = Crafted::new("tuple-count");
    let k = key("tuple-count");
    store.put(vec![value(&k, vec![255, 0, 1, 1])]);
    store.with_register(&tuple_ref(&k));
    assert_bad_count(store.restore_error(), RecordKind::Tuple, 255, 8);
}

/// 8^64 paths through 65 honest records: restored once per record, so the case ends
/// at once (with the machine hash check, as the register is not the recorded one).
#[test]
fn a_deeply_shared_tuple_is_restored_once_per_record() {
    let store = Crafted::new("tuple-dag");
    let mut tuple = Tuple::from_array([Value::int(1)]);
    let mut puts = vec![value(
        &tuple_digest(&tuple, &NoCode).hash,
        tuple_record(&[int_ref(1)]),
    )];
    for _ in 0..64 {
        let child = tuple_digest(&tuple, &NoCode).hash;
        tuple = Tuple::new(vec![Value::Tuple(tuple); 8]).unwrap();
        let refs = vec![tuple_ref(&child); 8];
        puts.push(value(
            &tuple_digest(&tuple, &NoCode).hash,
            tuple_record(&refs),
        ));
    }
    store.put(puts);
    store.with_register(&tuple_ref(&tuple_digest(&tuple, &NoCode).hash));
    match store.restore_error() {
        StoreError::Corrupt(m) => assert!(m.contains("restores to machine hash"), "{m}"),
        other => panic!("expected a machine hash mismatch, got {other:?}"),
    }
}

#[test]
fn a_buffer_node_that_is_its_own_child_is_a_cycle() {
    let store = Crafted::new("buffer-self");
    let k = key("buffer-self");
    let mut node = vec![1, 1];
    node.extend_from_slice(&k.0);
    node.extend_from_slice(&k.0);
    store.put(vec![(Table::Buffers, k.0.to_vec(), node)]);
    let mut register = vec![12];
    register.extend_from_slice(&k.0);
    store.with_register(&register);
    assert_cycle(store.restore_error(), RecordKind::BufferNode, &k);
}

/// A segment table of one segment of `len` code points whose top chunk is `top`,
/// stored under its own hash; returns that hash.
fn put_segment_table(store: &Crafted, len: u32, top: &Hash) -> Hash {
    let mut table = 1u32.to_be_bytes().to_vec();
    table.extend_from_slice(&len.to_be_bytes());
    table.extend_from_slice(&top.0);
    table.push(0);
    let key = keccak256(&table);
    store.put(vec![(Table::Segments, key.0.to_vec(), table)]);
    key
}

#[test]
fn a_code_chunk_that_sits_on_itself_is_a_cycle() {
    let store = Crafted::new("chunk-self");
    let k = key("chunk-self");
    let mut chunk = k.0.to_vec();
    chunk.extend_from_slice(&1u32.to_be_bytes());
    chunk.extend_from_slice(&[Opcode::Halt as u8, 0]);
    chunk.extend_from_slice(&k.0);
    store.put(vec![(Table::Code, k.0.to_vec(), chunk)]);
    let table = put_segment_table(&store, 1000, &k);
    store.with_table(&table);
    assert_cycle(store.restore_error(), RecordKind::CodeChunk, &k);
}

#[test]
fn a_segment_longer_than_any_restore_builds_is_too_much_code() {
    // Chunks are stored once however many segments list them, so the declared lengths
    // are bounded as they are read, before any instruction is built.
    let store = Crafted::new("too-much-code");
    let k = key("too-much-code");
    let len = u32::try_from(MAX_RESTORED_INSTRUCTIONS + 1).unwrap();
    let table = put_segment_table(&store, len, &k);
    store.with_table(&table);
    match store.restore_error() {
        StoreError::TooMuchCode { instructions, max } => {
            assert_eq!(
                (instructions, max),
                (u64::from(len), MAX_RESTORED_INSTRUCTIONS)
            );
        }
        other => panic!("expected too much code, got {other:?}"),
    }
}

#[test]
fn an_empty_code_chunk_is_a_bad_count() {
    let store = Crafted::new("chunk-empty");
    let k = key("chunk-empty");
    let mut chunk = k.0.to_vec();
    chunk.extend_from_slice(&0u32.to_be_bytes());
    store.put(vec![(Table::Code, k.0.to_vec(), chunk)]);
    let table = put_segment_table(&store, 5, &k);
    store.with_table(&table);
    assert_bad_count(store.restore_error(), RecordKind::CodeChunk, 0, 512);
}

#[test]
fn an_instruction_whose_hash_is_not_its_own_is_a_key_mismatch() {
    let store = Crafted::new("code-point");
    let table = store.get(Table::Segments, &store.table_key().0);
    let top = &table[8..40];
    let mut chunk = store.get(Table::Code, top);
    // The bottom instruction of the program is its halt, without an immediate.
    assert_eq!(chunk[36..38], [Opcode::Halt as u8, 0]);
    chunk[36] = Opcode::Add as u8;
    let stored_hash = Hash(chunk[38..70].try_into().unwrap());
    store.put(vec![(Table::Code, top.to_vec(), chunk)]);
    assert_mismatch(store.restore_error(), RecordKind::CodePoint, &stored_hash);
}

#[test]
fn a_segment_table_whose_content_is_not_its_key_is_a_key_mismatch() {
    let store = Crafted::new("table-mismatch");
    let key = store.table_key();
    let mut table = store.get(Table::Segments, &key.0);
    table[7] ^= 1;
    store.put(vec![(Table::Segments, key.0.to_vec(), table)]);
    assert_mismatch(store.restore_error(), RecordKind::SegmentTable, &key);
}

#[test]
fn a_segment_table_declaring_4_billion_segments_is_a_bad_count() {
    let store = Crafted::new("table-count");
    let table = vec![0xff; 4];
    let key = keccak256(&table);
    store.put(vec![(Table::Segments, key.0.to_vec(), table)]);
    store.with_table(&key);
    assert_bad_count(
        store.restore_error(),
        RecordKind::SegmentTable,
        u32::MAX.into(),
        512,
    );
}

#[test]
fn a_checkpoint_numbered_u64_max_refuses_the_next_save_and_keeps_checkpoint_0() {
    let store = Crafted::new("seq-max");
    let mut last = store.record.clone();
    last[1..9].copy_from_slice(&u64::MAX.to_be_bytes());
    store.put_record(u64::MAX, last);
    let mut reopened = Store::open_existing(&store.dir).unwrap();
    let mut machine = Machine::new(program());
    match reopened.save(&mut machine) {
        Err(StoreError::SequenceExhausted(seq)) => assert_eq!(seq, u64::MAX),
        other => panic!("expected the sequence numbers to be used up, got {other:?}"),
    }
    let list = reopened.list().unwrap();
    assert_eq!(
        list.iter().map(|c| c.seq).collect::<Vec<_>>(),
        [0, u64::MAX]
    );
    let mut restored = reopened.restore(0).unwrap();
    assert_eq!(restored.hash(), list[0].machine_hash);
}
