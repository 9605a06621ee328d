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
