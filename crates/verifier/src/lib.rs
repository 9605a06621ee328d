//! One-step proofs of AVM execution, and the verifier that checks them.
//!
//! Two parties who disagree about a long execution narrow their dispute to one step
//! (see the challenge crate); this crate decides that step. A [`Proof`] holds what the
//! next instruction touches (its code point's preimage, the popped stack items, the
//! registers, Merkle paths into buffers, the inbox message) and hashes of everything
//! else. [`verify`] rebuilds the pre-state machine hash from it, checks it against the
//! pre-state [`Claim`], applies the instruction's rules to the values shown and returns
//! the post-state claim, or a [`Rejection`].
//!
//! The verifier needs only value hashing, the opcode table and the instruction
//! primitives; it never runs or builds a machine, and its work and memory are bounded
//! by the proof's size (which is bounded by a constant per opcode, and logarithmically
//! in buffer sizes).

#![deny(clippy::arithmetic_side_effects, clippy::indexing_slicing)]

mod claim;
pub mod classic;
mod encoding;
mod error;
mod inbox;
pub mod json;
pub mod merkle;
mod ops;
mod proof;
mod proof_file;
mod value;
mod verify;

pub use avm_code::opcode::ERROR_GAS;
pub use claim::Claim;
pub use encoding::{Reader, Writer, MAX_PROOF_BYTES, MAX_VALUE_DEPTH, PROOF_VERSION};
pub use error::Rejection;
pub use inbox::{InboxAccumulators, InboxOracle, InboxWindow};
pub use proof::{Extra, Normalization, Proof};
pub use proof_file::{StepProofFile, FILE_VERSION};
pub use value::{code_point, tuple_digest, Kind, ProofValue};
pub use verify::{errorstop_hash, halted_hash, pre_state_hash, verify};
