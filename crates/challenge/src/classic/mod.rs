//! The challenge as Arbitrum Classic plays it: the Challenge contract's data model and
//! rules beside our own bisection game (which cuts by steps; this one cuts by AVMGas).
//!
//! - [`hash`]: cut hashes of [`ExecutionState`]s, chunk hashes, the execution hash.
//! - [`segment`]: segments, the chunk split, bisections and their Merkle trees.
//! - [`moves`]: one type per contract function a party calls, with all its calldata.
//! - [`ClassicReferee`]: the contract's acceptance rules natively, with its revert
//!   reasons ([`ClassicRevert`]); the EVM referee (crates/l1) is the authority.
//! - [`ClassicParty`]: the honest party, choosing moves from its own execution as the
//!   Go validator does, and liars ([`ClassicLie`]).
//! - [`play`]: the one move loop, with the referee as a parameter ([`ClassicJudge`]);
//!   [`play_classic`] plays it before the native referee.
//!
//! [`ExecutionState`]: avm_verifier::classic::ExecutionState

pub mod hash;
pub mod moves;
pub mod segment;

mod execution;
mod game;
mod liar;
mod party;
mod referee;
mod revert;

pub use execution::{run_to_gas, ClassicExecution, Cut};
pub use game::{
    most_moves_per_party, play, play_classic, BudgetError, ClassicGameReport, ClassicJudge, Game,
    GameConfig, MoveRecord, NativeJudge, Played, WithNative, MAX_MOVES, MAX_TIME_LEFT,
};
pub use hash::{
    assertion_hash, assertion_rest_hash, bisection_chunk_hash, cut_hash, ClassicAssertion,
    CutWords, UNREACHABLE,
};
pub use liar::{false_state, ClassicLiar, ClassicLie};
pub use moves::{
    executor_for_opcode, BisectExecution, ChunkRef, ClassicMove, OneStepProveExecution,
    ProveContinuedExecution,
};
pub use party::{ClassicParty, HonestClassic};
pub use referee::{Accepted, ClassicReferee};
pub use revert::ClassicRevert;
pub use segment::{
    calculate_root, Bisection, ClassicSegment, MerkleProof, MerkleTree, CLASSIC_DEGREE,
};
