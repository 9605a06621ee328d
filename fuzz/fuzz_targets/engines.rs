//! The block engine against the reference engine (`avm_testkit::engines`): arbitrary
//! programs from arbitrary machine states, or ArbOS-style programs from a seed, run in
//! lockstep with both engines; any difference in a run report, a counter, a register
//! or a machine hash is a crash.
#![no_main]

use avm_fuzz::Bytes;
use avm_testkit::engines::{hot_program, lockstep, lockstep_from, Lockstep};
use avm_testkit::Rng;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut bytes = Bytes(data);
    let mode = bytes.byte();
    let seed = u64::from_le_bytes(bytes.take(8).try_into().unwrap_or([7; 8]));
    let plan = Lockstep {
        max_steps: 3_000,
        max_gas: 50_000_000,
        max_piece: 1 + u64::from(bytes.byte()),
        hash_percent: 50,
    };
    if mode % 2 == 0 {
        let program = hot_program(&mut Rng(seed | 1));
        lockstep(&program, &[], seed, plan);
    } else if let Some((machine, inbox)) = bytes.case() {
        lockstep_from(machine, &inbox, seed, plan);
    }
});
