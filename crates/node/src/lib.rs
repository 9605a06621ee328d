//! `avm node`: an Arbitrum Classic chain in one process.
//!
//! ArbOS v58 runs on our AVM as the L2 ([`l2`]); a sequencer ([`sequencer`]) turns
//! signed Ethereum transactions into sequencer items, executes them at once (soft
//! confirmation) and posts them to the SequencerInbox of a rollup on the L1 (the
//! embedded one, or a remote node) through the L1 crate's one delivery path; delayed
//! messages (deposits) are read from the L1's events. What ArbOS logs is read back as
//! Ethereum blocks, transactions and receipts, kept in an archive, and served over the
//! JSON-RPC every Ethereum tool speaks. The node is thin glue: the formats are
//! avm-arbos's, the L1 is avm-l1's, the machine avm-machine's.

pub mod archive;
pub mod calls;
pub mod chain;
pub mod core;
pub mod l2;
pub mod launch;
pub mod node_interface;
pub mod persist;
mod restore;
pub mod rpc;
pub mod sequencer;
pub mod service;
pub mod validators;
pub mod writer;

/// Why the node could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// ArbOS stopped instead of waiting for the inbox (halted, errored, or ran past the
    /// gas a message may take).
    #[error("ArbOS stopped ({0}) instead of waiting for its inbox")]
    ArbosStopped(String),
    /// ArbOS logged something its formats do not allow.
    #[error("ArbOS logged a value that is no ArbOS log: {0}")]
    Log(String),
    /// The L1 failed.
    #[error("the L1: {0}")]
    L1(#[from] avm_l1::L1Error),
    /// The data dir could not be read or written.
    #[error("the data dir: {0}")]
    Store(String),
    /// An input (file, flag) is unusable.
    #[error("{0}")]
    Input(String),
    /// An earlier error left the data dir unable to take more (writing it failed, or
    /// what ran could not be staged whole): the node writes and sequences nothing more
    /// until it is restarted, which resumes from what the data dir holds.
    #[error(
        "the node stopped writing after an error and takes no more transactions (restart it): {0}"
    )]
    Halted(String),
}

impl NodeError {
    /// A lock whose holder panicked (`what`: whose lock).
    pub fn poisoned(what: &str) -> NodeError {
        NodeError::Store(format!("the {what}'s lock is poisoned"))
    }
}
