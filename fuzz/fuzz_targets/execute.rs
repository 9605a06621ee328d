//! The executor on arbitrary programs, machine states and inboxes, for a bounded number
//! of steps: every outcome is a state transition, never a panic, and the machine hash
//! can always be computed.
#![no_main]

use avm_fuzz::Bytes;
use avm_machine::{RunLimits, RuntimeEnv};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut bytes = Bytes(data);
    let Some((mut machine, inbox)) = bytes.case() else {
        return;
    };
    let mut env = RuntimeEnv::with_inbox(inbox);
    let limits = RunLimits {
        max_steps: Some(2_000),
        max_gas: Some(u64::from(bytes.byte()) * 100_000 + 1),
    };
    for _ in 0..4 {
        let report = machine.run(&mut env, &limits);
        let _ = machine.hash();
        if report.steps == 0 {
            break;
        }
    }
});
