//! The checkpoint store on corrupted data: a store with a few checkpoints is damaged
//! at fuzzer-chosen places, either in its redb file (flipped bytes, truncation), in
//! its records themselves behind intact database checksums, or by records an
//! adversary writes (tuples, stack nodes, buffer nodes, code chunks and segment
//! tables referring to chosen keys, their own included, and checkpoints pointing at
//! them or numbered u64::MAX); opening, listing and restoring give errors or machines
//! whose hash matches their record, never a panic, an abort, a hang or runaway memory
//! (libFuzzer's -timeout and -rss_limit_mb catch the last two), and a save after
//! checkpoint u64::MAX is refused.
#![no_main]

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use avm_code::{Instruction, Opcode, Program};
use avm_machine::{Machine, RunLimits, RuntimeEnv};
use avm_store::{Backend, Batch, MemoryBackend, Store, StoreError, Table, DATABASE_FILE};
use avm_value::{keccak256, Hash, Tuple, Value};
use libfuzzer_sys::fuzz_target;

/// The bytes of an intact store holding three checkpoints of a small machine.
fn pristine() -> &'static [u8] {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| {
        let dir = work_dir("pristine");
        let _ = std::fs::remove_dir_all(&dir);
        let mut store = Store::open(&dir).expect("store opens");
        save_three_checkpoints(&mut store);
        drop(store);
        std::fs::read(dir.join(DATABASE_FILE)).expect("store file")
    })
}

/// Saves checkpoints of the program at steps 0, 1 and 2.
fn save_three_checkpoints<B: Backend>(store: &mut Store<B>) {
    let mut machine = Machine::new(program());
    store.save(&mut machine).expect("save");
    for steps in [1, 2] {
        machine.run(
            &mut RuntimeEnv::default(),
            &RunLimits {
                max_steps: Some(steps),
                max_gas: None,
            },
        );
        store.save(&mut machine).expect("save");
    }
}

/// The program whose checkpoints are damaged.
fn program() -> Program {
    let insns = vec![
        Instruction::with_immediate(
            Opcode::Nop as u8,
            Value::Tuple(Tuple::from_array([Value::int(1), Value::int(2)])),
        ),
        Instruction::with_immediate(Opcode::Tset as u8, Value::int(1)),
        Instruction::basic(Opcode::Halt as u8),
    ];
    Program::from_instructions(insns, Value::int(7)).expect("program")
}

/// Damages the records of an in-memory store (every table) and restores.
fn damage_records(data: &[u8]) {
    let shared = Arc::new(MemoryBackend::default());
    let mut store = Store::with_backend(shared.clone());
    save_three_checkpoints(&mut store);
    let tables = [
        Table::Values,
        Table::Buffers,
        Table::Code,
        Table::Segments,
        Table::Checkpoints,
    ];
    for edit in data.chunks(5) {
        let [t, k, at, len, x] = edit else { break };
        let table = tables[usize::from(*t) % tables.len()];
        let keys = shared.keys(table).expect("keys");
        let Some(key) = keys.get(usize::from(*k) % keys.len().max(1)) else {
            continue;
        };
        let Some(mut bytes) = shared.get(table, key).expect("get") else {
            continue;
        };
        if bytes.is_empty() {
            continue;
        }
        let start = usize::from(*at) % bytes.len();
        let end = (start + 1 + usize::from(*len % 8)).min(bytes.len());
        for b in &mut bytes[start..end] {
            *b = if *x == 0 { 0xff } else { *b ^ x };
        }
        if *len >= 0xf0 {
            bytes.truncate(start);
        }
        shared
            .apply(Batch {
                puts: vec![(table, key.clone(), bytes)],
                deletes: Vec::new(),
            })
            .expect("apply");
    }
    if let Ok(list) = store.list() {
        for info in list {
            if let Ok(mut machine) = store.restore(info.seq) {
                assert_eq!(
                    machine.hash(),
                    info.machine_hash,
                    "restored machine differs from its record"
                );
            }
        }
    }
}

/// Where the stack's hash starts in a checkpoint record (then aux's, then register's).
const STACK_AT: usize = 50;
/// Where the register's reference starts in a checkpoint record.
const REGISTER_AT: usize = 114;

/// Writes fuzzer-described records into an in-memory store with three checkpoints.
/// Each 6-byte edit writes one record whose references name keys from a pool (a few
/// keys of no record, then every key the store holds), so cycles, self-references
/// and records under keys that are not their hash are easy to reach. Then restores
/// every checkpoint and saves once more.
fn craft_records(data: &[u8]) {
    let shared = Arc::new(MemoryBackend::default());
    let mut store = Store::with_backend(shared.clone());
    save_three_checkpoints(&mut store);
    let mut pool: Vec<Hash> = (0u8..4).map(|i| keccak256(&[i])).collect();
    for table in [Table::Values, Table::Buffers, Table::Code, Table::Segments] {
        for key in shared.keys(table).expect("keys") {
            pool.push(Hash(key.try_into().expect("hash keys")));
        }
    }
    for edit in data.chunks_exact(6) {
        let [op, a, b, c, d, e] = [0, 1, 2, 3, 4, 5].map(|i| edit[i]);
        let pick = |i: u8| pool[usize::from(i) % pool.len()];
        let put = match op % 6 {
            0 => {
                let n = b % 10;
                let mut record = vec![n];
                for i in 0..n {
                    if c >> (i % 8) & 1 == 1 {
                        record.push(3);
                        record.extend_from_slice(&pick(d.wrapping_add(i)).0);
                    } else {
                        record.extend_from_slice(&[0, 1, e.wrapping_add(i)]);
                    }
                }
                (Table::Values, pick(a), record)
            }
            1 => {
                let mut record = vec![2, 0, 1, b, 3];
                record.extend_from_slice(&pick(c).0);
                (Table::Values, pick(a), record)
            }
            2 => {
                let record = if d % 2 == 0 {
                    let mut r = vec![1, e];
                    r.extend_from_slice(&pick(b).0);
                    r.extend_from_slice(&pick(c).0);
                    r
                } else {
                    let mut r = vec![0];
                    r.extend_from_slice(&[b; 32]);
                    r
                };
                (Table::Buffers, pick(a), record)
            }
            3 => {
                let n = c % 4;
                let mut record = pick(b).0.to_vec();
                record.extend_from_slice(&u32::from(n).to_be_bytes());
                for i in 0..n {
                    record.extend_from_slice(&[d, 0]);
                    let own = if i + 1 == n && e % 2 == 1 {
                        pick(a)
                    } else {
                        pick(e.wrapping_add(i))
                    };
                    record.extend_from_slice(&own.0);
                }
                (Table::Code, pick(a), record)
            }
            4 => {
                let n = a % 3;
                let mut record = u32::from(n).to_be_bytes().to_vec();
                for i in 0..n {
                    let len = if c == 255 { u32::MAX } else { u32::from(b) };
                    record.extend_from_slice(&len.to_be_bytes());
                    record.extend_from_slice(&pick(d.wrapping_add(i)).0);
                    record.push(0);
                }
                let key = keccak256(&record);
                pool.push(key);
                (Table::Segments, key, record)
            }
            _ => {
                let seq = u64::from(a % 3);
                let Some(record) = shared
                    .get(Table::Checkpoints, &seq.to_be_bytes())
                    .expect("get")
                else {
                    continue;
                };
                let (seq, record) = edit_checkpoint(seq, record, b, pick(c), d);
                shared
                    .apply(Batch {
                        puts: vec![(Table::Checkpoints, seq.to_be_bytes().to_vec(), record)],
                        deletes: Vec::new(),
                    })
                    .expect("apply");
                continue;
            }
        };
        let (table, key, record) = put;
        shared
            .apply(Batch {
                puts: vec![(table, key.0.to_vec(), record)],
                deletes: Vec::new(),
            })
            .expect("apply");
    }
    let Ok(list) = store.list() else { return };
    for info in &list {
        if let Ok(mut machine) = store.restore(info.seq) {
            assert_eq!(
                machine.hash(),
                info.machine_hash,
                "restored machine differs from its record"
            );
        }
    }
    let newest = list.last().map(|c| c.seq);
    let saved = store.save(&mut Machine::new(program()));
    if newest == Some(u64::MAX) {
        assert!(
            matches!(saved, Err(StoreError::SequenceExhausted(u64::MAX))),
            "a save after checkpoint u64::MAX: {saved:?}"
        );
    }
}

/// Checkpoint `seq`'s record with one field pointed at `key` (selected by `field`),
/// or the record renumbered u64::MAX; returns the number to store it under.
fn edit_checkpoint(
    seq: u64,
    mut record: Vec<u8>,
    field: u8,
    key: Hash,
    kind: u8,
) -> (u64, Vec<u8>) {
    match field % 5 {
        0 | 1 => {
            let at = STACK_AT + 32 * usize::from(field % 5);
            if let Some(slot) = record.get_mut(at..at + 32) {
                slot.copy_from_slice(&key.0);
            }
        }
        2 => {
            let old_len = match record.get(REGISTER_AT..REGISTER_AT + 2) {
                Some([0, n]) => 2 + usize::from(*n),
                Some([1, _]) => 9,
                Some(_) => 33,
                None => return (seq, record),
            };
            let mut new = vec![if kind % 2 == 0 { 3 } else { 12 }];
            new.extend_from_slice(&key.0);
            if REGISTER_AT + old_len <= record.len() {
                record.splice(REGISTER_AT..REGISTER_AT + old_len, new);
            }
        }
        3 => {
            // The record ends with tables:u32 and that many 32-byte table keys.
            let n = record.len();
            let tables = (1..=n / 32).find(|t| {
                let at = n - 32 * t;
                at >= 4 && record[at - 4..at] == (*t as u32).to_be_bytes()
            });
            if let Some(t) = tables {
                let at = n - 32 * t;
                record[at..at + 32].copy_from_slice(&key.0);
            }
        }
        _ => {
            if let Some(slot) = record.get_mut(1..9) {
                slot.copy_from_slice(&u64::MAX.to_be_bytes());
            }
            return (u64::MAX, record);
        }
    }
    (seq, record)
}

fn work_dir(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("avm-fuzz-store-{}-{name}", std::process::id()))
}

fuzz_target!(|data: &[u8]| {
    if let Some((&mode, rest)) = data.split_first() {
        match mode % 3 {
            0 => return damage_records(rest),
            2 => return craft_records(rest),
            _ => {}
        }
    }
    let mut bytes = pristine().to_vec();
    for pair in data.chunks(4) {
        if let [a, b, c, x] = pair {
            let at = (usize::from(*a) << 16 | usize::from(*b) << 8 | usize::from(*c)) % bytes.len();
            bytes[at] ^= x | 1;
        }
    }
    if data.len() % 7 == 3 {
        let keep = data
            .first()
            .map_or(0, |b| usize::from(*b) * bytes.len() / 256);
        bytes.truncate(keep);
    }
    let dir = work_dir("damaged");
    let _ = std::fs::create_dir_all(&dir);
    if std::fs::write(dir.join(DATABASE_FILE), &bytes).is_err() {
        return;
    }
    let Ok(store) = Store::open_existing(&dir) else {
        return;
    };
    if let Ok(list) = store.list() {
        for info in list {
            if let Ok(mut machine) = store.restore(info.seq) {
                assert_eq!(
                    machine.hash(),
                    info.machine_hash,
                    "restored machine differs from its record"
                );
            }
        }
    }
});
