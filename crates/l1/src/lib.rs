//! The L1 side of Arbitrum Classic: one Ethereum chain type, embedded (revm) or
//! remote (any JSON-RPC node), with the deployed Classic contracts on it.
//!
//! It is the one room of the workspace that touches an EVM or an Ethereum RPC
//! client, so the machine, prover and challenge crates stay free of them.
//!
//! - [`chain`]: the one chain type ([`Chain`]): embedded ([`chain::Embedded`], in
//!   memory or persisted under a data dir, real rules or the referee's) or remote
//!   ([`chain::Remote`], through alloy); transaction recording is an option of it.
//! - [`setup`]: the one place the contracts are deployed and wired: the whole rollup
//!   ([`Rollup`], by `RollupCreatorNoProxy`, or attached by address) and the
//!   challenge set upstream's tests use ([`ChallengeSet`]).
//! - [`delivery`]: the one delivery path: messages through the Inbox and the
//!   SequencerInbox, and the machine's inbox read back from the L1's events
//!   ([`InboxReader`]).
//! - [`L1World`]: one-step proofs checked by the contracts ([`L1World::check_step`]).
//! - [`EvmReferee`]: the Classic challenge on the deployed Challenge contract through
//!   the one move loop; every game yields a [`Transcript`] that [`check_transcript`]
//!   re-executes against fresh contracts.
//! - [`serve::L1Rpc`]: an embedded chain over Ethereum JSON-RPC (`avm l1`).
//! - [`gas_table_markdown`] summarizes the L1 cost of proving steps.

pub mod abi;
pub mod chain;
mod challenge;
mod contracts;
pub mod delivery;
mod gas_table;
pub mod serve;
pub mod setup;
mod step;
mod transcript;
mod world;

pub use abi::signatures;
pub use chain::{
    dev_accounts, CallOutcome, Chain, DevAccount, EmbeddedConfig, Hardfork, L1Error, Log,
    LogFilter, Receipt, RemoteConfig, RevertReason, TxRecord, TxRequest, TxStatus, DEV_MNEMONIC,
};
pub use challenge::{
    check_against_program, check_transcript, check_transcript_text, delayed_message_from_value,
    encode_move, play_program, replay_transcript, run_on_evm, ChallengeError, Disputed, EvmGame,
    EvmMove, EvmPlay, EvmReferee, MoveVerdict, PlayedMove, ProgramGame, ProgramGameReport,
    TranscriptVerdict, Truth, WithInboxSuffix, ASSERTER, CHALLENGER, MAX_PROVABLE_MESSAGE,
};
pub use contracts::{Contract, ContractName, Contracts, ContractsError, CHALLENGE_CONTRACTS};
pub use delivery::{DelayedMessage, InboxReader, PostedBatch, Section};
pub use gas_table::{gas_rows, gas_table_markdown, GasRow};
pub use setup::{
    ChallengeSet, InboxContracts, Rollup, RollupParams, DELAYED_INBOX, OWNER, SEQUENCER,
};
pub use step::{Executor, Rejection, StepOutcome, StepOutput, StepResult, Verdict};
pub use transcript::{
    address_hex, FirstDifference, Transcript, TRANSCRIPT_CHAIN_ID, TRANSCRIPT_FORMAT,
    TRANSCRIPT_GAS_LIMIT,
};
pub use world::{DeliveredMessage, L1Config, L1World, SequencerBatch};
