//! A store file damaged at random places (the same property the `store` fuzz target
//! runs for longer): opening, listing and restoring give errors or machines whose hash
//! is the one recorded, never a panic.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::sync::OnceLock;

use avm_code::{load_mexe, LoadOptions};
use avm_machine::{Machine, RunLimits, RuntimeEnv};
use avm_store::{Store, DATABASE_FILE};
use proptest::prelude::*;

fn dir(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("avm-store-corrupt-{name}-{}", std::process::id()))
}

/// An intact store file holding three checkpoints of a fixture program.
fn pristine() -> &'static [u8] {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| {
        let dir = dir("pristine");
        let _ = std::fs::remove_dir_all(&dir);
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/fixtures/classic/machine-cases/opcodetestmath.mexe");
        let mut machine = Machine::new(load_mexe(&path, &LoadOptions::default()).unwrap());
        let mut store = Store::open(&dir).unwrap();
        for _ in 0..3 {
            store.save(&mut machine).unwrap();
            let limits = RunLimits {
                max_steps: Some(machine.steps() + 40),
                max_gas: None,
            };
            machine.run(&mut RuntimeEnv::default(), &limits);
        }
        drop(store);
        let bytes = std::fs::read(dir.join(DATABASE_FILE)).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        bytes
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn a_damaged_store_gives_errors_or_true_machines(
        flips in proptest::collection::vec((any::<prop::sample::Index>(), 1u8..=255), 1..8),
        cut in proptest::option::weighted(0.2, any::<prop::sample::Index>()),
        case in any::<u64>(),
    ) {
        let mut bytes = pristine().to_vec();
        for (at, mask) in flips {
            let i = at.index(bytes.len());
            bytes[i] ^= mask;
        }
        if let Some(cut) = cut {
            bytes.truncate(cut.index(bytes.len()));
        }
        let dir = dir(&format!("case-{case:x}"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(DATABASE_FILE), &bytes).unwrap();
        if let Ok(store) = Store::open_existing(&dir) {
            if let Ok(list) = store.list() {
                for info in list {
                    if let Ok(mut machine) = store.restore(info.seq) {
                        prop_assert_eq!(machine.hash(), info.machine_hash);
                    }
                }
            }
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

/// Records whose checksums are intact but whose counts are huge (every 4-byte window
/// of each checkpoint record and segment table set to 0xff..): restoring gives an
/// error or the true machine, never an allocation of gigabytes or an abort.
#[test]
fn huge_counts_in_records_are_refused_without_allocating() {
    use avm_store::{Backend, Batch, Table};
    let shared = std::sync::Arc::new(avm_store::MemoryBackend::default());
    let mut store = Store::with_backend(shared.clone());
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/classic/machine-cases/opcodetesttuple.mexe");
    let mut machine = Machine::new(load_mexe(&path, &LoadOptions::default()).unwrap());
    let info = store.save(&mut machine).unwrap();
    let mut tried = 0;
    for table in [Table::Checkpoints, Table::Segments] {
        for key in shared.keys(table).unwrap() {
            let original = shared.get(table, &key).unwrap().unwrap();
            for at in 0..original.len().saturating_sub(3) {
                let mut bytes = original.clone();
                bytes[at..at + 4].copy_from_slice(&[0xff; 4]);
                let batch = Batch {
                    puts: vec![(table, key.clone(), bytes)],
                    deletes: Vec::new(),
                };
                shared.apply(batch).unwrap();
                if let Ok(mut restored) = store.restore(info.seq) {
                    assert_eq!(restored.hash(), info.machine_hash, "{table:?} byte {at}");
                }
                tried += 1;
            }
            let batch = Batch {
                puts: vec![(table, key.clone(), original)],
                deletes: Vec::new(),
            };
            shared.apply(batch).unwrap();
        }
    }
    assert!(tried > 100, "{tried}");
}

/// Damages a three-checkpoint store file the way the `store` fuzz target's file mode
/// does with input `data` (flip byte `a<<16|b<<8|c` by `x|1` for each 4 bytes, truncate
/// when the length is 3 mod 7), then opens, lists and restores. Returns the error
/// opening gave, if any.
fn replay_store_fuzz_input(name: &str, data: &[u8]) -> Option<String> {
    use avm_code::{Instruction, Opcode, Program};
    use avm_value::{Tuple, Value};
    let dir = dir(name);
    let _ = std::fs::remove_dir_all(&dir);
    {
        let insns = vec![
            Instruction::with_immediate(
                Opcode::Nop as u8,
                Value::Tuple(Tuple::from_array([Value::int(1), Value::int(2)])),
            ),
            Instruction::with_immediate(Opcode::Tset as u8, Value::int(1)),
            Instruction::basic(Opcode::Halt as u8),
        ];
        let program = Program::from_instructions(insns, Value::int(7)).unwrap();
        let mut machine = Machine::new(program);
        let mut store = Store::open(&dir).unwrap();
        store.save(&mut machine).unwrap();
        for steps in [1, 2] {
            let limits = RunLimits {
                max_steps: Some(steps),
                max_gas: None,
            };
            machine.run(&mut RuntimeEnv::default(), &limits);
            store.save(&mut machine).unwrap();
        }
    }
    let file = dir.join(DATABASE_FILE);
    let mut bytes = std::fs::read(&file).unwrap();
    for chunk in data.chunks_exact(4) {
        let at = (usize::from(chunk[0]) << 16 | usize::from(chunk[1]) << 8 | usize::from(chunk[2]))
            % bytes.len();
        bytes[at] ^= chunk[3] | 1;
    }
    if data.len() % 7 == 3 {
        let keep = usize::from(data[0]) * bytes.len() / 256;
        bytes.truncate(keep);
    }
    std::fs::write(&file, &bytes).unwrap();
    let error = match Store::open_existing(&dir) {
        Err(e) => {
            assert!(e.to_string().contains(DATABASE_FILE), "{e}");
            Some(e.to_string())
        }
        Ok(store) => {
            for info in store.list().unwrap_or_default() {
                if let Ok(mut machine) = store.restore(info.seq) {
                    assert_eq!(machine.hash(), info.machine_hash);
                }
            }
            None
        }
    };
    std::fs::remove_dir_all(&dir).unwrap();
    error
}

/// Found by the `store` fuzz target: two flipped bytes corrupted a table name; redb
/// panicked inside the write that opening a store does, and again while unwinding,
/// which aborts the process. Opening must give an error instead.
#[test]
fn fuzz_crash_two_flipped_bytes_in_the_file_give_an_error() {
    replay_store_fuzz_input(
        "fuzz-crash-1",
        &[0x41, 0x20, 0x3d, 0xe5, 0xc2, 0x22, 0x22, 0xd4, 0xdd],
    );
}

/// Found by the `store` fuzz target after the integrity check was added: redb writes
/// while closing a database, and panicked doing so on a file that failed the check.
#[test]
fn fuzz_crash_closing_a_damaged_file_gives_an_error() {
    replay_store_fuzz_input(
        "fuzz-crash-2",
        &[0x01, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x20],
    );
}

/// Found by the `store` fuzz target (record mode): a flipped bit in a checkpoint
/// record's sequence number made `list` describe checkpoint 0 while `restore(1)`
/// returned checkpoint 1, whose hash is not the one listed. A record must live under
/// its own number.
#[test]
fn fuzz_crash_a_record_claiming_another_number_is_corrupt() {
    use avm_store::{Backend, Batch, Table};
    let shared = std::sync::Arc::new(avm_store::MemoryBackend::default());
    let mut store = Store::with_backend(shared.clone());
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/classic/machine-cases/opcodetestmath.mexe");
    let mut machine = Machine::new(load_mexe(&path, &LoadOptions::default()).unwrap());
    store.save(&mut machine).unwrap();
    machine.run(
        &mut RuntimeEnv::default(),
        &RunLimits {
            max_steps: Some(5),
            max_gas: None,
        },
    );
    store.save(&mut machine).unwrap();
    let key = 0u64.to_be_bytes().to_vec();
    let mut bytes = shared.get(Table::Checkpoints, &key).unwrap().unwrap();
    // Byte 0 is the record version, bytes 1..9 the sequence number: make it say 1.
    bytes[8] ^= 1;
    shared
        .apply(Batch {
            puts: vec![(Table::Checkpoints, key, bytes)],
            deletes: Vec::new(),
        })
        .unwrap();
    let err = store.list().unwrap_err().to_string();
    assert!(err.contains("stored as number 0 claims number 1"), "{err}");
    let err = store.restore(0).err().unwrap().to_string();
    assert!(err.contains("claims number 1"), "{err}");
    assert!(store.restore(1).is_ok());
}

/// Found by the `store` fuzz target: one damaged header byte declared regions of 3.8
/// billion pages, and redb's integrity check allocated gigabytes of bitmaps for them.
/// The layout is now checked against the file's length before redb opens it.
#[test]
fn fuzz_crash_a_damaged_region_size_is_refused_before_allocating() {
    let error = replay_store_fuzz_input(
        "fuzz-crash-3",
        &[
            0x41, 0x17, 0x17, 0x00, 0x00, 0x00, 0x17, 0xe6, 0xdf, 0x17, 0x08, 0x07, 0x0a, 0x0a,
            0x0a, 0x0a, 0x05, 0x73, 0x01,
        ],
    );
    let error = error.expect("the damaged store must not open");
    assert!(error.contains("impossible region size"), "{error}");
}

/// Found by the `store` fuzz target: a damaged byte of the region tracker's page number
/// raised its order, and redb asked for a 4 TiB buffer to read that one page.
#[test]
fn fuzz_crash_a_damaged_region_tracker_is_refused_before_allocating() {
    let error = replay_store_fuzz_input(
        "fuzz-crash-4",
        &[0x27, 0xf7, 0x09, 0x00, 0x00, 0x00, 0x27, 0xf7],
    );
    let error = error.expect("the damaged store must not open");
    assert!(error.contains("region tracker"), "{error}");
}

/// Found by the `store` fuzz target: damaged bytes in a transaction slot gave a tree
/// root a huge order, and redb's integrity check asked for 128 GiB to read it.
#[test]
fn fuzz_crash_a_damaged_tree_root_is_refused_before_allocating() {
    let error = replay_store_fuzz_input(
        "fuzz-crash-5",
        &[
            0xdf, 0xdf, 0xdf, 0xdf, 0xdf, 0x5d, 0xdf, 0xec, 0x9a, 0xff, 0x81, 0x00, 0x00, 0x00,
            0xcf, 0xcf, 0xcf, 0xcf, 0x25, 0xff,
        ],
    );
    let error = error.expect("the damaged store must not open");
    assert!(error.contains("lies outside the file"), "{error}");
}
