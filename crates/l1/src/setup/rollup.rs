//! A whole Classic rollup as the deployed system makes one: the three verifiers, a
//! ChallengeFactory over them, then `RollupCreatorNoProxy`, whose constructor builds
//! Bridge, SequencerInbox, Inbox, RollupEventBridge, Outbox and the Rollup with its
//! facets, delivers ArbOS's init message and emits `RollupCreated(rollup, inbox)`
//! (classic-rollup.md §1). Or attaching to one deployed before, by its address.

use avm_value::Hash;

use crate::abi::{self, signatures as sig, Token};
use crate::chain::{Chain, L1Error, TxRequest};
use crate::contracts::{ContractName, Contracts};

use super::challenge_set::executors_args;
use super::{deploy, InboxContracts};

/// What `RollupCreatorNoProxy` takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RollupParams {
    /// The initial machine hash (the ArbOS image's).
    pub machine_hash: Hash,
    /// Blocks a node waits before it can be confirmed.
    pub confirm_period_blocks: u64,
    /// Blocks added to both parties' time in a challenge.
    pub extra_challenge_time_blocks: u64,
    /// AVM gas an assertion may cover per L1 block.
    pub avm_gas_speed_limit_per_block: u64,
    /// Wei a validator stakes.
    pub base_stake: u128,
    /// The token staked in (0: ETH).
    pub stake_token: [u8; 20],
    /// The rollup's owner (its calls go to the admin facet).
    pub owner: [u8; 20],
    /// The account that posts sequencer batches.
    pub sequencer: [u8; 20],
    /// Blocks a sequencer batch's sections may lag the L1.
    pub sequencer_delay_blocks: u64,
    /// Seconds a sequencer batch's sections may lag the L1.
    pub sequencer_delay_seconds: u64,
    /// Appended to ArbOS's init message (more chain parameters, e.g. the chain id).
    pub extra_config: Vec<u8>,
}

/// The chain-parameter pair `keccak(name) ‖ uint value` ArbOS reads from an init
/// message (what `extraConfig` holds).
pub fn chain_parameter(name: &str, value: u64) -> Vec<u8> {
    let mut pair = avm_value::keccak256(name.as_bytes()).0.to_vec();
    pair.extend_from_slice(&abi::uint64(value));
    pair
}

impl RollupParams {
    /// The parameters of a dev rollup for `machine_hash`, owned and sequenced by
    /// `owner`: a 20-block confirm period, 10 M AVM gas per block, 1 ETH stakes, a
    /// sequencer window of 60 blocks / 900 seconds (as classic-rollup.md §1 ran it,
    /// with a higher speed limit).
    pub fn dev(machine_hash: Hash, owner: [u8; 20]) -> RollupParams {
        RollupParams {
            machine_hash,
            confirm_period_blocks: 20,
            extra_challenge_time_blocks: 0,
            avm_gas_speed_limit_per_block: 10_000_000,
            base_stake: 1_000_000_000_000_000_000,
            stake_token: [0; 20],
            owner,
            sequencer: owner,
            sequencer_delay_blocks: 60,
            sequencer_delay_seconds: 900,
            extra_config: Vec::new(),
        }
    }
}

/// Where a rollup's contracts live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rollup {
    /// The Rollup (its facets behind it).
    pub rollup: [u8; 20],
    /// The Inbox.
    pub inbox: [u8; 20],
    /// The Bridge (delayed inbox).
    pub bridge: [u8; 20],
    /// The SequencerInbox.
    pub sequencer_inbox: [u8; 20],
    /// The Outbox.
    pub outbox: [u8; 20],
    /// The RollupEventBridge.
    pub rollup_event_bridge: [u8; 20],
    /// The ChallengeFactory.
    pub challenge_factory: [u8; 20],
    /// The rollup's owner.
    pub owner: [u8; 20],
    /// The sequencer.
    pub sequencer: [u8; 20],
    /// The block the rollup was created in (its events start there).
    pub created_block: u64,
}

impl Rollup {
    /// Deploys a rollup from `deployer`: OneStepProof, OneStepProof2,
    /// OneStepProofHash, `ChallengeFactory([those])`, then
    /// `RollupCreatorNoProxy(factory, params...)`, reading the rollup's addresses from
    /// its `RollupCreated` event and views.
    pub fn deploy(
        chain: &mut Chain,
        contracts: &Contracts,
        deployer: [u8; 20],
        params: &RollupParams,
    ) -> Result<Rollup, L1Error> {
        let mut d = |name, args: &[u8]| deploy(chain, contracts, name, deployer, args);
        let osp = d(ContractName::OneStepProof, &[])?;
        let osp2 = d(ContractName::OneStepProof2, &[])?;
        let osp_hash = d(ContractName::OneStepProofHash, &[])?;
        let factory = d(
            ContractName::ChallengeFactory,
            &executors_args([osp, osp2, osp_hash]),
        )?;
        let creator = contracts
            .get(ContractName::RollupCreatorNoProxy)
            .map_err(|e| L1Error::Invalid(e.to_string()))?;
        let args = abi::encode(&[
            Token::Word(abi::address(factory)),
            Token::Word(params.machine_hash.0),
            Token::Word(abi::uint64(params.confirm_period_blocks)),
            Token::Word(abi::uint64(params.extra_challenge_time_blocks)),
            Token::Word(abi::uint64(params.avm_gas_speed_limit_per_block)),
            Token::Word(abi::uint128(params.base_stake)),
            Token::Word(abi::address(params.stake_token)),
            Token::Word(abi::address(params.owner)),
            Token::Word(abi::address(params.sequencer)),
            Token::Word(abi::uint64(params.sequencer_delay_blocks)),
            Token::Word(abi::uint64(params.sequencer_delay_seconds)),
            Token::Bytes(params.extra_config.clone()),
        ]);
        let receipt = chain.must(TxRequest::create(
            deployer,
            creator.creation_input(&args),
            "deploy RollupCreatorNoProxy",
        ))?;
        let topic = abi::event_topic(sig::EV_ROLLUP_CREATED);
        let created = receipt
            .logs
            .iter()
            .rev()
            .find(|log| log.topics.first() == Some(&topic))
            .ok_or_else(|| {
                L1Error::Events("RollupCreatorNoProxy emitted no RollupCreated".into())
            })?;
        let (rollup, inbox) = match (
            abi::word_at(&created.data, 0).and_then(|w| abi::word_address(&w)),
            abi::word_at(&created.data, 1).and_then(|w| abi::word_address(&w)),
        ) {
            (Some(rollup), Some(inbox)) => (rollup, inbox),
            _ => {
                return Err(L1Error::Events(
                    "RollupCreated is not (address, address)".into(),
                ))
            }
        };
        let mut found = Rollup::read(chain, rollup, inbox)?;
        found.created_block = receipt.block;
        found.sequencer = params.sequencer;
        Ok(found)
    }

    /// The rollup at `rollup`, deployed before: its addresses from its views, its
    /// Inbox found among the Bridge's allowed inboxes (the one that names the Bridge),
    /// its creation block from the first delayed message (ArbOS's init message).
    pub fn attach(chain: &mut Chain, rollup: [u8; 20]) -> Result<Rollup, L1Error> {
        if !chain.has_code(rollup)? {
            return Err(L1Error::Invalid(format!(
                "no contract at 0x{}: not a rollup",
                hex::encode(rollup)
            )));
        }
        let bridge = chain.view_address(rollup, sig::ROLLUP_DELAYED_BRIDGE, &[])?;
        let mut inbox = None;
        for index in 0..8u64 {
            let Ok(candidate) = chain.view_address(
                bridge,
                "allowedInboxList(uint256)",
                &[Token::Word(abi::uint64(index))],
            ) else {
                break;
            };
            if chain.view_address(candidate, "bridge()", &[]).ok() == Some(bridge) {
                inbox = Some(candidate);
                break;
            }
        }
        let inbox = inbox.ok_or_else(|| {
            L1Error::Invalid("the rollup's Bridge allows no Inbox contract".into())
        })?;
        let mut found = Rollup::read(chain, rollup, inbox)?;
        let init = chain.logs(&crate::chain::LogFilter {
            from_block: 0,
            to_block: None,
            addresses: vec![bridge],
            topic0: vec![abi::event_topic(sig::EV_MESSAGE_DELIVERED)],
        })?;
        found.created_block = init.first().map_or(0, |log| log.block);
        Ok(found)
    }

    /// The first rollup `RollupCreatorNoProxy` created on this chain, if any (how a
    /// restarted dev chain finds the rollup it deployed).
    pub fn find(chain: &mut Chain) -> Result<Option<Rollup>, L1Error> {
        let created = chain.logs(&crate::chain::LogFilter {
            from_block: 0,
            to_block: None,
            addresses: Vec::new(),
            topic0: vec![abi::event_topic(sig::EV_ROLLUP_CREATED)],
        })?;
        let Some(log) = created.first() else {
            return Ok(None);
        };
        let (Some(rollup), Some(inbox)) = (
            abi::word_at(&log.data, 0).and_then(|w| abi::word_address(&w)),
            abi::word_at(&log.data, 1).and_then(|w| abi::word_address(&w)),
        ) else {
            return Err(L1Error::Events(
                "RollupCreated is not (address, address)".into(),
            ));
        };
        let mut found = Rollup::read(chain, rollup, inbox)?;
        found.created_block = log.block;
        Ok(Some(found))
    }

    fn read(chain: &mut Chain, rollup: [u8; 20], inbox: [u8; 20]) -> Result<Rollup, L1Error> {
        let sequencer_inbox = chain.view_address(rollup, sig::ROLLUP_SEQUENCER_BRIDGE, &[])?;
        let owner = chain.view_address(rollup, "owner()", &[])?;
        // The SequencerInbox keeps sequencers in a mapping; the owner is the usual one.
        let owner_sequences = chain.view_word(
            sequencer_inbox,
            sig::SEQ_IS_SEQUENCER,
            &[Token::Word(abi::address(owner))],
        )? == abi::boolean(true);
        let sequencer = if owner_sequences {
            owner
        } else {
            chain.view_address(sequencer_inbox, "sequencer()", &[])?
        };
        Ok(Rollup {
            rollup,
            inbox,
            bridge: chain.view_address(rollup, sig::ROLLUP_DELAYED_BRIDGE, &[])?,
            sequencer_inbox,
            outbox: chain.view_address(rollup, sig::ROLLUP_OUTBOX, &[])?,
            rollup_event_bridge: chain.view_address(rollup, sig::ROLLUP_EVENT_BRIDGE, &[])?,
            challenge_factory: chain.view_address(rollup, sig::ROLLUP_CHALLENGE_FACTORY, &[])?,
            owner,
            sequencer,
            created_block: 0,
        })
    }

    /// Where messages enter.
    pub fn inbox_contracts(&self) -> InboxContracts {
        InboxContracts {
            bridge: self.bridge,
            sequencer_inbox: self.sequencer_inbox,
            inbox: self.inbox,
            sequencer: self.sequencer,
            test_inbox: None,
        }
    }

    /// The addresses as a JSON object (what `avm l1` prints).
    pub fn to_json(&self) -> serde_json::Value {
        let hex = |a: &[u8; 20]| format!("0x{}", hex::encode(a));
        serde_json::json!({
            "rollup": hex(&self.rollup),
            "inbox": hex(&self.inbox),
            "bridge": hex(&self.bridge),
            "sequencerInbox": hex(&self.sequencer_inbox),
            "outbox": hex(&self.outbox),
            "rollupEventBridge": hex(&self.rollup_event_bridge),
            "challengeFactory": hex(&self.challenge_factory),
            "owner": hex(&self.owner),
            "sequencer": hex(&self.sequencer),
            "createdBlock": self.created_block,
        })
    }
}
