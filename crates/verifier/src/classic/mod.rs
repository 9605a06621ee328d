//! The Classic wire format: what the deployed Arbitrum Classic contracts
//! (OneStepProof, OneStepProof2, OneStepProofHash) read, and what the C++ AVM's
//! `MachineState::marshalForProof` writes.
//!
//! Our own proof format ([`crate::Proof`]) stays the native one; this module is a second
//! view of the same step. It holds the Classic ExecutionState and the JSON shape of
//! upstream's proof files ([`ExecutionState`], [`ClassicStep`]).

mod state;

pub use state::{ClassicJsonError, ClassicStep, ExecutionState};
