//! Checkpoints round-trip every fixture program at several points, continue exactly as
//! the original would, share what checkpoints have in common, reclaim what deleted
//! checkpoints alone used, and refuse corrupt stores with a clear error.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use avm_code::{load_mexe, LoadOptions};
use avm_machine::{Machine, RunLimits, RuntimeEnv, StopReason};
use avm_store::{Store, StoreError};
use avm_value::{Buffer, Tuple, Value};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/classic")
}

fn load(rel: &str) -> Machine {
    Machine::new(load_mexe(&fixtures().join(rel), &LoadOptions::default()).unwrap())
}

fn inbox() -> Vec<Value> {
    (0..3u64)
        .map(|i| {
            Value::Tuple(
                Tuple::new(vec![
                    Value::int(0),
                    Value::int(i),
                    Value::int(0),
                    Value::int(0),
                    Value::int(i),
                    Value::int(0),
                    Value::int(0),
                    Value::Buffer(Buffer::from_bytes(b"msg")),
                ])
                .unwrap(),
            )
        })
        .collect()
}

fn run_to(machine: &mut Machine, env: &mut RuntimeEnv, steps: u64) {
    let limits = RunLimits {
        max_steps: Some(steps),
        max_gas: None,
    };
    while machine.run(env, &limits).reason == StopReason::Breakpoint {}
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("avm-store-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn every_fixture_program_round_trips_at_several_steps_and_continues_identically() {
    let mut programs = Vec::new();
    for dir in ["machine-cases", "speedtest"] {
        for e in std::fs::read_dir(fixtures().join(dir)).unwrap() {
            programs.push(format!(
                "{dir}/{}",
                e.unwrap().file_name().to_string_lossy()
            ));
        }
    }
    // An empty fixture folder must fail, not pass on nothing.
    assert!(
        programs.len() >= 72,
        "only {} fixture programs",
        programs.len()
    );
    programs.push("arbos-2020.mexe".into());
    programs.sort();
    let mut store = Store::in_memory();
    for rel in programs {
        let mut machine = load(&rel);
        let mut env = RuntimeEnv::with_inbox(inbox());
        for target in [0, 3, 40, 700] {
            run_to(&mut machine, &mut env, target);
            let info = store.save(&mut machine).unwrap();
            assert_eq!(info.machine_hash, machine.hash(), "{rel}");
            let mut restored = store.restore(info.seq).unwrap();
            assert_eq!(restored.hash(), machine.hash(), "{rel} at {target}");
            assert_eq!(restored.steps(), machine.steps());
            // Both continue the same way.
            let mut a = machine.clone();
            let mut env_a = RuntimeEnv::with_inbox(env.inbox.iter().cloned());
            let mut env_b = RuntimeEnv::with_inbox(env.inbox.iter().cloned());
            run_to(&mut a, &mut env_a, target + 150);
            run_to(&mut restored, &mut env_b, target + 150);
            assert_eq!(restored.hash(), a.hash(), "{rel}: continuing from {target}");
            assert_eq!(env_a.logs().len(), env_b.logs().len());
        }
    }
}

#[test]
fn a_later_checkpoint_writes_only_what_changed() {
    let mut store = Store::in_memory();
    let mut machine = load("arbos-2020.mexe");
    let first = store.save(&mut machine).unwrap();
    assert!(
        first.bytes > 1_000_000,
        "the program and static value: {} bytes",
        first.bytes
    );
    let mut env = RuntimeEnv::default();
    run_to(&mut machine, &mut env, 10);
    let second = store.save(&mut machine).unwrap();
    assert!(
        second.bytes < 20_000,
        "a few steps later: {} bytes",
        second.bytes
    );
    assert_eq!(store.restore(1).unwrap().hash(), machine.hash());
}

#[test]
fn deleting_checkpoints_reclaims_only_what_they_alone_used() {
    let dir = temp_dir("gc");
    let mut store = Store::open(&dir).unwrap();
    let mut machine = load("speedtest/dup2_dup2_dup2_tset_0_1.mexe");
    let mut env = RuntimeEnv::default();
    for k in 1..=4 {
        run_to(&mut machine, &mut env, 2_000 * k);
        store.save(&mut machine).unwrap();
    }
    let last_hash = machine.hash();
    let report = store.delete(&[0, 1, 2]).unwrap();
    assert_eq!(report.checkpoints, 3);
    assert!(
        report.records > 0,
        "old stack pairs and tuples are reclaimed"
    );
    assert_eq!(store.list().unwrap().len(), 1);
    assert_eq!(store.restore(3).unwrap().hash(), last_hash);
    let again = store.delete(&[]).unwrap();
    assert_eq!(again.records, 0, "nothing else is garbage");
    drop(store);
    let reopened = Store::open(&dir).unwrap();
    assert_eq!(reopened.restore(3).unwrap().hash(), last_hash);
    assert!(matches!(
        reopened.restore(0),
        Err(StoreError::NoSuchCheckpoint(0))
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn run_time_code_pending_messages_and_deep_stacks_survive() {
    let mut store = Store::in_memory();
    let mut machine = load("machine-cases/opcodetestcode.mexe");
    let mut env = RuntimeEnv::default();
    run_to(&mut machine, &mut env, 5);
    let mut parts = machine.to_parts();
    parts.stack = (0..200_000u64).map(Value::int).collect();
    parts.pending = Some(inbox().remove(1));
    parts.register = Value::Buffer(Buffer::new().set(1 << 40, 7));
    let mut machine = Machine::from_parts(parts);
    let info = store.save(&mut machine).unwrap();
    let mut restored = store.restore(info.seq).unwrap();
    assert_eq!(restored.hash(), machine.hash());
    assert_eq!(
        restored.code().segment_count(),
        machine.code().segment_count()
    );
    assert!(restored.pending_message().is_some());
}

#[test]
fn a_corrupt_or_truncated_store_gives_a_clear_error() {
    let dir = temp_dir("corrupt");
    {
        let mut store = Store::open(&dir).unwrap();
        store
            .save(&mut load("machine-cases/opcodetestmath.mexe"))
            .unwrap();
    }
    let file = dir.join(avm_store::DATABASE_FILE);
    let bytes = std::fs::read(&file).unwrap();
    std::fs::write(&file, &bytes[..bytes.len() / 3]).unwrap();
    let err = Store::open(&dir).and_then(|s| s.restore(0).map(|_| ()));
    let message = err
        .expect_err("a truncated file must not restore")
        .to_string();
    assert!(
        message.contains("checkpoints.redb") || message.contains("corrupt"),
        "{message}"
    );
    std::fs::write(&file, b"this is not a database").unwrap();
    let err = Store::open(&dir).err().expect("garbage must not open");
    assert!(err.to_string().contains("checkpoints.redb"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}
