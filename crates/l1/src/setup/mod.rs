//! The one place the Classic contracts are deployed and wired: the whole rollup as
//! `RollupCreatorNoProxy` makes it ([`Rollup`]), attaching to one already deployed,
//! and the set a challenge game or a one-step proof check needs ([`ChallengeSet`],
//! wired as upstream's contract tests wire it).

mod challenge_set;
mod rollup;

pub(crate) use challenge_set::executors_args;
pub use challenge_set::{ChallengeSet, DELAYED_INBOX, OWNER, SEQUENCER};
pub use rollup::{chain_parameter, Rollup, RollupParams};

use crate::chain::{Chain, L1Error, TxRequest};
use crate::contracts::{ContractName, Contracts};

/// The contracts messages enter through and the roles that post them: what message
/// delivery and the inbox reader work on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InboxContracts {
    /// The Bridge (the delayed inbox's accumulators).
    pub bridge: [u8; 20],
    /// The SequencerInbox.
    pub sequencer_inbox: [u8; 20],
    /// The Inbox (users' entry point).
    pub inbox: [u8; 20],
    /// The account that posts sequencer batches.
    pub sequencer: [u8; 20],
    /// An account the Bridge takes messages from directly, as upstream's contract tests
    /// wire it (the challenge set only; a deployed rollup has none).
    pub test_inbox: Option<[u8; 20]>,
}

/// Deploys contract `name` from `from` with ABI-encoded `constructor_args`.
pub(crate) fn deploy(
    chain: &mut Chain,
    contracts: &Contracts,
    name: ContractName,
    from: [u8; 20],
    constructor_args: &[u8],
) -> Result<[u8; 20], L1Error> {
    let contract = contracts
        .get(name)
        .map_err(|e| L1Error::Invalid(e.to_string()))?;
    let label = format!("deploy {}", contract.name);
    let receipt = chain.send(TxRequest::create(
        from,
        contract.creation_input(constructor_args),
        label,
    ))?;
    receipt.created.ok_or_else(|| L1Error::Deploy {
        contract: contract.name.clone(),
        reason: receipt
            .revert
            .clone()
            .unwrap_or(crate::chain::RevertReason::Halt(
                "no contract created".into(),
            )),
    })
}
