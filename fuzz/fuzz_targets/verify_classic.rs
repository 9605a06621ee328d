//! The native verifier of the Classic encoding (what the deployed L1 contracts read)
//! on untrusted bytes. Arbitrary bytes never make it panic. Honest Classic proofs of
//! fuzzed steps verify to the state the machine reached; with the before-state's
//! machine hash kept, a proof or buffer proof changed anywhere is either rejected or,
//! where the change hit bytes the contracts do not read, accepted with that same
//! after-state: never with another one.
#![no_main]

use avm_fuzz::Bytes;
use avm_machine::RuntimeEnv;
use avm_prover::classic::{execution_state, prove_step};
use avm_value::Hash;
use avm_verifier::classic::{verify_step, ExecutionState};
use libfuzzer_sys::fuzz_target;

/// A before-state read from raw bytes.
fn state(bytes: &mut Bytes<'_>) -> ExecutionState {
    let mut hash = || {
        let mut h = [0u8; 32];
        for (slot, b) in h.iter_mut().zip(bytes.take(32)) {
            *slot = *b;
        }
        Hash(h)
    };
    let machine_hash = hash();
    let inbox_acc = hash();
    let send_acc = hash();
    let log_acc = hash();
    ExecutionState {
        machine_hash,
        inbox_acc,
        inbox_count: u64::from(bytes.byte()),
        gas_used: u64::from(bytes.byte()) << (bytes.byte() % 64),
        send_count: u64::from(bytes.byte()),
        log_count: u64::from(bytes.byte()),
        send_acc,
        log_acc,
    }
}

fuzz_target!(|data: &[u8]| {
    let mut bytes = Bytes(data);
    if bytes.byte() % 2 == 0 {
        let before = state(&mut bytes);
        let split = usize::from(bytes.byte()) * 4;
        let rest = bytes.take(usize::MAX);
        let (proof, bproof) = rest.split_at(split.min(rest.len()));
        let _ = verify_step(&before, proof, bproof);
        return;
    }
    let Some((mut machine, inbox)) = bytes.case() else {
        return;
    };
    let mut env = RuntimeEnv::with_inbox(inbox.clone());
    for _ in 0..usize::from(bytes.byte() % 16) {
        machine.step(&mut env);
    }
    let consumed = machine.inbox_position().consumed;
    let Ok(step) = prove_step(&mut machine, &inbox) else {
        return;
    };
    if machine.inbox_position().consumed != consumed {
        // A step that read a message needs the L1 inbox's accumulators.
        return;
    }
    assert_eq!(step.after, execution_state(&mut machine), "the prover's after-state");
    assert_eq!(
        step.verify(),
        Ok(()),
        "an honest Classic proof of opcode {:#04x}: {}",
        step.proof.first().copied().unwrap_or_default(),
        step.to_json()
    );
    let mut proof = step.proof.clone();
    let mut bproof = step.buffer_proof.clone();
    for _ in 0..1 + bytes.byte() % 4 {
        let target = if bproof.is_empty() || bytes.byte() % 3 != 0 {
            &mut proof
        } else {
            &mut bproof
        };
        if target.is_empty() {
            break;
        }
        let at = usize::from(bytes.byte()) * 5 % target.len();
        if let Some(b) = target.get_mut(at) {
            *b ^= bytes.byte() | 1;
        }
    }
    if bytes.byte() % 5 == 0 && !proof.is_empty() {
        proof.truncate(usize::from(bytes.byte()) % proof.len());
    }
    if let Ok(after) = verify_step(&step.before, &proof, &bproof) {
        assert_eq!(after, step.after, "a changed proof led to another after-state");
    }
});
