//! Honest proofs of arbitrary steps, mutated: the verifier never panics, the unmutated
//! proof verifies to the executed post-state, and a changed proof that still verifies
//! never yields that honest post-state.
#![no_main]

use avm_fuzz::{accumulators, Bytes};
use avm_machine::RuntimeEnv;
use avm_prover::{claim, prove_step};
use avm_verifier::{verify, Proof};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut bytes = Bytes(data);
    let Some((mut machine, inbox)) = bytes.case() else {
        return;
    };
    let accs = accumulators(&machine, &inbox);
    let mut env = RuntimeEnv::with_inbox(inbox.clone());
    for _ in 0..usize::from(bytes.byte() % 16) {
        machine.step(&mut env);
    }
    let Ok(step) = prove_step(&mut machine, &inbox) else {
        return;
    };
    machine.step(&mut env);
    let honest = claim(&mut machine);
    assert_eq!(
        verify(&step.pre(), &step.proof, &accs).ok(),
        Some(honest),
        "honest proof"
    );
    let mut encoded = step.proof.to_bytes();
    if encoded.is_empty() {
        return;
    }
    for _ in 0..1 + bytes.byte() % 4 {
        let at = usize::from(bytes.byte()) * 7 % encoded.len();
        encoded[at] ^= bytes.byte() | 1;
    }
    if bytes.byte() % 5 == 0 {
        encoded.truncate(usize::from(bytes.byte()) % encoded.len());
    }
    if let Ok(proof) = Proof::from_bytes(&encoded) {
        if let Ok(post) = verify(&step.pre(), &proof, &accs) {
            if proof != step.proof {
                assert_ne!(post, honest, "a changed proof gave the honest claim");
            }
        }
    }
});
