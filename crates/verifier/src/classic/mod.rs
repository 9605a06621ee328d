//! The Classic wire format: what the deployed Arbitrum Classic contracts
//! (OneStepProof, OneStepProof2, OneStepProofHash) read, and what the C++ AVM's
//! `MachineState::marshalForProof` writes.
//!
//! Our own proof format ([`crate::Proof`]) stays the native one; this module is a second
//! view of the same step. It holds the Classic ExecutionState and the JSON shape of
//! upstream's proof files ([`ExecutionState`], [`ClassicStep`]), and [`verify_step`],
//! which decodes the Classic bytes and decides the step with our verifier, without a
//! machine.

mod buffer;
mod decode;
mod state;
mod step;

pub use decode::{MAX_CLASSIC_PROOF_BYTES, MAX_CLASSIC_TUPLE_DEPTH};
pub use state::{ClassicJsonError, ClassicStep, ExecutionState};
pub use step::verify_step;

/// Why a Classic step file entry does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClassicStepError {
    /// The proof is rejected.
    #[error(transparent)]
    Rejected(#[from] crate::Rejection),
    /// The proof is valid but leads to another state than the entry's after-state.
    #[error("the proof leads to {computed:?}, not the claimed {claimed:?}")]
    AfterState {
        /// The entry's after-state.
        claimed: Box<ExecutionState>,
        /// The state the proof leads to.
        computed: Box<ExecutionState>,
    },
}

impl ClassicStep {
    /// Checks this step with [`verify_step`]: its proof must take its before-state to
    /// exactly its after-state.
    pub fn verify(&self) -> Result<(), ClassicStepError> {
        let after = verify_step(&self.before, &self.proof, &self.buffer_proof)?;
        if after == self.after {
            Ok(())
        } else {
            Err(ClassicStepError::AfterState {
                claimed: Box::new(self.after),
                computed: Box::new(after),
            })
        }
    }
}
