//! The proof decoder and verifier on arbitrary bytes: a rejection or a claim, never a
//! panic.
#![no_main]

use avm_value::Hash;
use avm_verifier::{verify, Claim, InboxAccumulators, Proof};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(proof) = Proof::from_bytes(data) {
        let pre = Claim {
            machine_hash: Hash::ZERO,
            inbox_consumed: 0,
            inbox_acc: Hash::ZERO,
            send_acc: Hash::ZERO,
            log_acc: Hash::ZERO,
            gas_used: 0,
            steps: 0,
        };
        let _ = verify(&pre, &proof, &InboxAccumulators::default());
    }
});
