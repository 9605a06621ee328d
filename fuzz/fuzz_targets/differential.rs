//! Differential: for every step of an arbitrary program from an arbitrary state, the
//! verifier's post-state from the one-step proof equals the state the executor reaches.
#![no_main]

use avm_fuzz::{accumulators, Bytes};
use avm_machine::{RuntimeEnv, StepOutcome};
use avm_prover::{claim, prove_step, ProveError};
use avm_verifier::verify;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut bytes = Bytes(data);
    let Some((mut machine, inbox)) = bytes.case() else {
        return;
    };
    let accs = accumulators(&machine, &inbox);
    let mut env = RuntimeEnv::with_inbox(inbox.clone());
    for _ in 0..200 {
        let step = match prove_step(&mut machine, &inbox) {
            Ok(step) => step,
            Err(ProveError::Blocked(_)) => {
                assert_eq!(machine.step(&mut env), StepOutcome::Blocked);
                return;
            }
            Err(ProveError::NotRunning(_)) => return,
            Err(e) => panic!("prover: {e}"),
        };
        machine.step(&mut env);
        let executed = claim(&mut machine);
        let verified = verify(&step.pre(), &step.proof, &accs)
            .unwrap_or_else(|e| panic!("step {} rejected: {e}", step.pre().steps));
        assert_eq!(verified, executed, "step {}", step.pre().steps);
    }
});
