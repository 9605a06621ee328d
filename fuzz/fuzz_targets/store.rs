//! The checkpoint store on corrupted data: a store with a few checkpoints is damaged
//! at fuzzer-chosen places, either in its redb file (flipped bytes, truncation) or in
//! its records themselves behind intact database checksums; opening, listing and
//! restoring give errors or machines whose hash matches their record, never a panic
//! or an abort.
#![no_main]

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use avm_code::{Instruction, Opcode, Program};
use avm_machine::{Machine, RunLimits, RuntimeEnv};
use avm_store::{Backend, Batch, MemoryBackend, Store, Table, DATABASE_FILE};
use avm_value::{Tuple, Value};
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

fn work_dir(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("avm-fuzz-store-{}-{name}", std::process::id()))
}

fuzz_target!(|data: &[u8]| {
    if let Some((&mode, rest)) = data.split_first() {
        if mode % 2 == 0 {
            damage_records(rest);
            return;
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
