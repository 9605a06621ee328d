//! The deployed Arbitrum Classic L1 contracts as a referee, in an embedded EVM.
//!
//! Our one-step proofs must convince the contracts Classic deployed on L1
//! (OneStepProof, OneStepProof2, OneStepProofHash), not only our own verifier. This crate
//! runs those contracts' creation bytecode in revm and asks them: it is the one room of
//! the workspace that touches an EVM, so the machine, prover and challenge crates stay
//! free of it and only tests and explicit CLI flags stand on it.
//!
//! - [`Contracts::load`] reads the contracts' JSON (ABI and creation bytecode) from a
//!   directory the caller names; the bytecode is test data, not part of this repository.
//! - [`L1World::new`] deploys them on an in-memory chain (chain id 1, London rules by
//!   default, 30 M block gas limit, nonce, balance and base-fee checks off, gas price 0)
//!   and wires Bridge, SequencerInbox and RollupMock as upstream's tests do.
//! - [`L1World::execute_step`] calls `executeStep` on the contract the opcode selects;
//!   [`L1World::check_step`] turns a Classic step (`avm_verifier::classic::ClassicStep`,
//!   the fixture files' shape) into a [`Verdict`].
//! - [`L1World::deliver_message`] and [`L1World::add_sequencer_batch`] feed the inbox
//!   through the contracts' own entry points, so the accumulators are the chain's.
//! - [`gas_table_markdown`] summarizes the L1 cost of proving steps.
//! - [`EvmReferee`] plays the Classic challenge on the deployed Challenge contract
//!   (through `ChallengeTester`), and every game yields a [`Transcript`] that
//!   [`check_transcript`] re-executes against fresh contracts.

mod abi;
mod challenge;
mod contracts;
mod gas_table;
mod inbox;
mod step;
mod transcript;
mod world;

pub use challenge::{
    delayed_message_from_value, encode_move, play_program, replay_transcript, run_on_evm,
    ChallengeError, ClassicContracts, EvmGame, EvmMove, EvmPlay, EvmReferee, MoveVerdict,
    PlayedMove, ProgramGame, ProgramGameReport, TranscriptVerdict, WithInboxSuffix, ASSERTER,
    CHALLENGER,
};
pub use contracts::{Contract, Contracts, ContractsError};
pub use gas_table::{gas_rows, gas_table_markdown, GasRow};
pub use inbox::{BatchSection, DelayedMessage, DeliveredMessage, PostedBatch, SequencerBatch};
pub use step::{Executor, Rejection, RevertReason, StepOutcome, StepOutput, StepResult, Verdict};
pub use transcript::{
    address_hex, check_transcript, FirstDifference, Transcript, TxRecord, TxStatus,
    TRANSCRIPT_CHAIN_ID, TRANSCRIPT_FORMAT, TRANSCRIPT_GAS_LIMIT,
};
pub use world::{
    CallOutcome, Deployed, Hardfork, L1Config, L1Error, L1World, DELAYED_INBOX, OWNER, SEQUENCER,
};
