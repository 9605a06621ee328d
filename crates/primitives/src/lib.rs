//! The pure functions behind AVM instructions, shared by the executor (avm-machine) and
//! the one-step proof verifier (avm-verifier), neither of which depends on the other:
//!
//! - [`int`]: EVM integer semantics of the arithmetic, comparison and bitwise opcodes;
//! - [`hash_functions`]: keccakf, sha256f, ripemd160f and blake2f with the AVM's word
//!   layouts;
//! - [`ec`]: ecrecover, and alt_bn128 addition, multiplication and pairing.
//!
//! Like the EVM precompiles the L1 verifier calls, these take and return integers and
//! know nothing about stacks, gas or machines.

pub mod ec;
pub mod hash_functions;
pub mod int;
