//! How an embedded chain is set up: its rules, how it makes blocks, its genesis.

use std::path::PathBuf;

use super::super::dev::DevAccount;
use super::super::types::Hardfork;

/// Which checks a transaction passes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rules {
    /// A real chain: nonces and balances checked, gas paid.
    Real,
    /// The referee's rules (the transcripts' replay rules): balance checks off, so any
    /// address may send at any gas price; nonces still count.
    Referee,
}

/// How blocks are made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mining {
    /// Every transaction is mined at once in a block of its own (as anvil does).
    Instant,
    /// Transactions go into the block the caller set last ([`Embedded::set_block`]);
    /// a block is sealed when the next one is set.
    Manual,
}

/// Where block timestamps come from in [`Mining::Instant`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// The system clock (never earlier than the previous block plus one second).
    System,
    /// Each block `step` seconds after the previous one (deterministic, for tests).
    Step(u64),
}

/// How an embedded chain is set up.
#[derive(Debug, Clone)]
pub struct EmbeddedConfig {
    /// `block.chainid`.
    pub chain_id: u64,
    /// The rule set.
    pub hardfork: Hardfork,
    /// The block gas limit, also the default gas limit of a transaction.
    pub block_gas_limit: u64,
    /// Which checks transactions pass.
    pub rules: Rules,
    /// How blocks are made.
    pub mining: Mining,
    /// Where timestamps come from when mining instantly.
    pub clock: Clock,
    /// Timestamp of block 0.
    pub genesis_timestamp: u64,
    /// Balances at block 0.
    pub alloc: Vec<([u8; 20], u128)>,
    /// Accounts whose transactions the chain signs (others are sent unsigned, as
    /// anvil's impersonated accounts are).
    pub keys: Vec<DevAccount>,
    /// Where the chain is kept; None: in memory, gone with the process.
    pub data_dir: Option<PathBuf>,
}

impl EmbeddedConfig {
    /// The referee's chain: chain id 1, `hardfork`, 30 M gas blocks, referee rules,
    /// manual blocks, in memory (the transcripts' replay rules).
    pub fn referee(hardfork: Hardfork) -> EmbeddedConfig {
        EmbeddedConfig {
            chain_id: 1,
            hardfork,
            block_gas_limit: 30_000_000,
            rules: Rules::Referee,
            mining: Mining::Manual,
            clock: Clock::Step(12),
            genesis_timestamp: 0,
            alloc: Vec::new(),
            keys: Vec::new(),
            data_dir: None,
        }
    }

    /// A dev chain: `chain_id`, London, 30 M gas blocks, real rules, a block per
    /// transaction on the system clock, `accounts` funded with 10,000 ETH each and
    /// signed for.
    pub fn dev(chain_id: u64, accounts: Vec<DevAccount>) -> EmbeddedConfig {
        let ten_thousand_eth = 10_000u128 * 1_000_000_000_000_000_000;
        EmbeddedConfig {
            chain_id,
            hardfork: Hardfork::London,
            block_gas_limit: 30_000_000,
            rules: Rules::Real,
            mining: Mining::Instant,
            clock: Clock::System,
            genesis_timestamp: now_seconds(),
            alloc: accounts
                .iter()
                .map(|a| (a.address, ten_thousand_eth))
                .collect(),
            keys: accounts,
            data_dir: None,
        }
    }
}

pub(super) fn now_seconds() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
