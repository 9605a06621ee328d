//! Validators of an Arbitrum Classic rollup, in avm's own room between the node and
//! the L1 (shared/architecture.md): how the L1 "ensures correct execution".
//!
//! - [`assertion`]: what a Rollup node commits to (state, execution, challenge and
//!   confirm hashes, the node hash) and the calldata that makes and confirms one.
//! - [`rollup`]: the Rollup's views and events, folded into the node tree.
//! - [`watcher`]: the validator's own view, from the L1 alone: the machine's inbox read
//!   back from the L1's events, ArbOS run on avm over it, every node judged.
//! - [`staker`]: a validator and its strategy (the Go validator's watchtower,
//!   defensive, stake-latest and make-nodes, and a faulty one): staking, making nodes,
//!   moving stakes, confirming and rejecting.

pub mod assertion;
pub mod contest;
pub mod rollup;
pub mod staker;
pub mod watcher;

pub use assertion::{Assertion, NodeState};
pub use rollup::{NodeTree, Resolution, RollupNode, RollupStatus, StakerStatus};
pub use staker::{Action, Fault, Strategy, Thresholds, Validator};
pub use watcher::{Judgement, Proposal, RunEnd, Watcher};

/// Why a validator could not act.
#[derive(Debug, thiserror::Error)]
pub enum ValidatorError {
    /// The L1 failed or refused.
    #[error("the L1: {0}")]
    L1(#[from] avm_l1::L1Error),
    /// A state the validator's own logic should never reach.
    #[error("validator: {0}")]
    Internal(&'static str),
}
