//! Starting a node: its L1 (the embedded chain under the data dir, or a remote node),
//! the rollup created there by `RollupCreatorNoProxy` with ArbOS's initial machine
//! hash and the L2's chain id in the init message (or found again after a restart),
//! with `--dev` the dev accounts funded on L2 by real `Inbox.depositEth` calls, and the
//! node's thread.

use std::path::PathBuf;
use std::time::Duration;

use avm_l1::abi;
use avm_l1::chain::{ChainHandle, Clock};
use avm_l1::setup::chain_parameter;
use avm_l1::{
    delivery, dev_accounts, Chain, Contracts, DevAccount, EmbeddedConfig, RemoteConfig, Rollup,
    RollupParams, TxRequest,
};
use avm_value::Hash;

use std::sync::Arc;

use crate::core::{CoreConfig, NodeCore};
use crate::service::{Clocks, NodeHandle};
use crate::validators::{ValidatorSpec, Validators};
use crate::NodeError;

/// Where the node's L1 is.
#[derive(Debug, Clone)]
pub enum L1Choice {
    /// The embedded chain, kept in the data dir.
    Embedded {
        /// Its chain id.
        chain_id: u64,
    },
    /// An Ethereum node over JSON-RPC.
    Remote {
        /// Its endpoint.
        url: String,
        /// The key the node sends with (the rollup's owner and sequencer); a follower
        /// sends nothing and needs none.
        key: Option<DevAccount>,
    },
}

/// How a node is set up.
#[derive(Debug, Clone)]
pub struct NodeConfig {
    /// Where the L1 (if embedded) and the L2 are kept.
    pub data_dir: PathBuf,
    /// ArbOS's image.
    pub arbos: PathBuf,
    /// The Classic contracts.
    pub contracts: PathBuf,
    /// The L2's chain id (in ArbOS's init message).
    pub chain_id: u64,
    /// The L1.
    pub l1: L1Choice,
    /// Fund the ten dev accounts on L2 (1,000 ETH each) when the chain is made.
    pub dev: bool,
    /// Turn ArbOS's fees on.
    pub fees: bool,
    /// How often to post batches.
    pub batch_interval: Duration,
    /// Record the chain's run for `avm replay` (a new chain only).
    pub record: bool,
    /// The validators to run (whitelisted by the owner at start).
    pub validators: Vec<ValidatorSpec>,
    /// The Rollup's minimum assertion period, set by the owner when the chain is made
    /// (None: the contract's 75 blocks).
    pub minimum_assertion_period: Option<u64>,
    /// How often the validators act.
    pub validator_poll: Duration,
    /// Follow the rollup at this address (a node without a sequencer that rebuilds
    /// the chain from the L1 alone) instead of creating one.
    pub follow: Option<[u8; 20]>,
    /// Mine an L1 block this often (the embedded L1's clock, or blocks asked of a
    /// remote dev node such as anvil), so that the rollup's deadlines pass; None: the
    /// L1's own blocks only.
    pub l1_block_time: Option<Duration>,
    /// Most L1 blocks one `eth_getLogs` covers when the node and its validators read
    /// the rollup's events (an L1 endpoint may allow only short ranges).
    pub l1_log_window: u64,
}

impl NodeConfig {
    /// A dev chain (the ten accounts funded) in `data_dir` on the embedded L1 (chain
    /// 1337), running `arbos` as L2 chain `chain_id` with the Classic contracts of
    /// `contracts`; fees off, batches every 5 s, not recording.
    pub fn dev(data_dir: PathBuf, arbos: PathBuf, contracts: PathBuf, chain_id: u64) -> NodeConfig {
        NodeConfig {
            data_dir,
            arbos,
            contracts,
            chain_id,
            l1: L1Choice::Embedded { chain_id: 1337 },
            dev: true,
            fees: false,
            batch_interval: Duration::from_secs(5),
            record: false,
            validators: Vec::new(),
            minimum_assertion_period: Some(DEV_MINIMUM_ASSERTION_PERIOD),
            validator_poll: Duration::from_secs(1),
            l1_block_time: None,
            follow: None,
            l1_log_window: avm_l1::delivery::SYNC_WINDOW,
        }
    }
}

/// What a node's start found or made.
#[derive(Debug, Clone)]
pub struct Started {
    /// The node.
    pub node: NodeHandle,
    /// Its L1.
    pub l1: ChainHandle,
    /// The rollup.
    pub rollup: Rollup,
    /// ArbOS's initial machine hash.
    pub machine_hash: Hash,
    /// Whether the chain was kept in the data dir (a restart) rather than made now.
    pub resumed: bool,
    /// The dev accounts (funded with `--dev`).
    pub accounts: Vec<DevAccount>,
    /// The validators' thread, when there are validators.
    pub validators: Option<Arc<Validators>>,
    /// The L1 clock's thread, when there is one.
    pub clock: Option<Arc<L1Clock>>,
}

/// A thread mining one L1 block every interval, until dropped.
#[derive(Debug)]
pub struct L1Clock {
    stop: Arc<std::sync::atomic::AtomicBool>,
}

impl L1Clock {
    /// Mines one block on `l1` every `interval`.
    pub fn start(l1: ChainHandle, interval: Duration) -> Result<L1Clock, NodeError> {
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = stop.clone();
        std::thread::Builder::new()
            .name("avm-l1-clock".into())
            .spawn(move || {
                while !flag.load(std::sync::atomic::Ordering::Relaxed) {
                    std::thread::sleep(interval);
                    if flag.load(std::sync::atomic::Ordering::Relaxed)
                        || !matches!(l1.with(|chain| chain.mine(1)), Ok(Ok(())))
                    {
                        return;
                    }
                }
            })
            .map_err(|e| NodeError::Store(format!("starting the L1 clock: {e}")))?;
        Ok(L1Clock { stop })
    }
}

impl Drop for L1Clock {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

/// The minimum assertion period of a dev chain's Rollup (the contract starts at 75
/// blocks, 15 minutes of L1; a dev chain asserts every 4 blocks).
pub const DEV_MINIMUM_ASSERTION_PERIOD: u64 = 4;

/// How often (L1 seconds) ArbOS of a dev chain closes a batch of L2-to-L1 sends:
/// ArbOS's default is 1,800 (`SecondsPerSend`, arb_os/constants.json), which would
/// hold a dev chain's withdrawals for half an hour of L1 time.
pub const DEV_SECONDS_PER_SEND: u64 = 1;

/// Blocks added to both parties' time in a challenge on the node's rollup: a party's
/// time is otherwise what is left of the confirm period (20 blocks on a dev chain)
/// when the challenge starts, and a validator loses a block or so to each of its moves.
pub const EXTRA_CHALLENGE_TIME_BLOCKS: u64 = 10;

/// Wei each dev account gets on L2.
pub const DEV_DEPOSIT: u128 = 1_000 * 1_000_000_000_000_000_000;

/// The rollup's SequencerInbox window for the node's own chain: a batch may carry items
/// sequenced this long before it is posted (a node restarted after a long stop posts
/// what it had sequenced), at the price of a long wait before a delayed message can be
/// forced in past the sequencer.
const SEQUENCER_DELAY_BLOCKS: u64 = 1_000_000;
const SEQUENCER_DELAY_SECONDS: u64 = 100_000_000;

/// Starts a node as `config` says.
pub fn launch(config: &NodeConfig) -> Result<Started, NodeError> {
    if !config.arbos.is_file() {
        return Err(NodeError::Input(format!(
            "{}: no such file (--arbos names the ArbOS image)",
            config.arbos.display()
        )));
    }
    if !config.contracts.is_dir() {
        return Err(NodeError::Input(format!(
            "{}: no such directory (--contracts names the Classic contracts)",
            config.contracts.display()
        )));
    }
    std::fs::create_dir_all(&config.data_dir)
        .map_err(|e| NodeError::Store(format!("{}: {e}", config.data_dir.display())))?;
    let program = avm_code::load_mexe(&config.arbos, &avm_code::LoadOptions::default())
        .map_err(|e| NodeError::Input(format!("--arbos: {e}")))?;
    // ArbOS before it reads anything: node 0's machine, which validators start from.
    let mut initial = avm_machine::Machine::new(program);
    let machine_hash = initial.hash();
    let accounts = dev_accounts(10)?;
    let (l1, owner) = match &config.l1 {
        L1Choice::Embedded { chain_id } => {
            let mut funded = accounts.clone();
            funded.extend(config.validators.iter().map(|v| v.account.clone()));
            let mut l1_config = EmbeddedConfig::dev(*chain_id, funded);
            l1_config.data_dir = Some(config.data_dir.join("l1"));
            if config.l1_block_time.is_some() {
                l1_config.clock = Clock::System;
            }
            let owner = accounts[0].address;
            (
                ChainHandle::spawn(move || Chain::embedded(l1_config))?,
                owner,
            )
        }
        L1Choice::Remote { url, key } => {
            let remote = RemoteConfig::new(url.clone(), {
                let mut keys: Vec<DevAccount> = key.iter().cloned().collect();
                if config.dev {
                    keys.extend(accounts.iter().cloned());
                }
                keys.extend(config.validators.iter().map(|v| v.account.clone()));
                keys
            });
            let owner = match (key, config.follow) {
                (Some(key), _) => key.address,
                (None, Some(_)) => [0; 20],
                (None, None) => {
                    return Err(NodeError::Input(
                        "--l1 needs --l1-key (the key that creates, owns and sequences the \
                         rollup), unless the node only follows one (--follow)"
                            .into(),
                    ))
                }
            };
            (ChainHandle::spawn(move || Chain::remote(remote))?, owner)
        }
    };
    let mut extra = chain_parameter("ChainID", config.chain_id);
    if config.fees {
        extra.extend(chain_parameter("FeesEnabled", 1));
    }
    if config.dev {
        extra.extend(chain_parameter("SecondsPerSend", DEV_SECONDS_PER_SEND));
    }
    let params = RollupParams {
        extra_config: extra,
        sequencer_delay_blocks: SEQUENCER_DELAY_BLOCKS,
        sequencer_delay_seconds: SEQUENCER_DELAY_SECONDS,
        extra_challenge_time_blocks: EXTRA_CHALLENGE_TIME_BLOCKS,
        ..RollupParams::dev(machine_hash, owner)
    };
    let contracts = Contracts::open(&config.contracts);
    let dev = config.dev;
    let whitelist: Vec<[u8; 20]> = config
        .validators
        .iter()
        .map(|v| v.account.address)
        .collect();
    let period = config.minimum_assertion_period;
    let funded: Vec<[u8; 20]> = accounts.iter().map(|a| a.address).collect();
    let follow = config.follow;
    let had_l2 = config.data_dir.join("l2.redb").exists();
    if follow.is_some() && matches!(config.l1, L1Choice::Embedded { .. }) {
        return Err(NodeError::Input(
            "--follow reads a rollup on another node's L1: give it with --l1 URL".into(),
        ));
    }
    let (rollup, resumed) =
        l1.with(move |chain| -> Result<(Rollup, bool), avm_l1::L1Error> {
            if let Some(address) = follow {
                return Ok((Rollup::attach(chain, address)?, had_l2));
            }
            if let Some(rollup) = Rollup::find(chain)? {
                rollup_admin(chain, &rollup, &whitelist, None)?;
                return Ok((rollup, true));
            }
            let rollup = Rollup::deploy(chain, &contracts, owner, &params)?;
            rollup_admin(chain, &rollup, &whitelist, period)?;
            if dev {
                // Deposits from an EOA land on the same address on L2 (classic-rollup.md §4).
                chain.must(TxRequest::call(
                    owner,
                    rollup.inbox,
                    abi::encode_call(avm_l1::signatures::INBOX_START_REWRITE, &[]),
                    "Inbox.startRewriteAddress",
                ))?;
                for account in funded {
                    delivery::deposit_eth(
                        chain,
                        &rollup.inbox_contracts(),
                        account,
                        DEV_DEPOSIT,
                        0,
                    )?;
                }
            }
            Ok((rollup, false))
        })??;
    let core_config = CoreConfig {
        data_dir: config.data_dir.clone(),
        arbos: config.arbos.clone(),
        chain_id: config.chain_id,
        record: config.record,
        follow: config.follow.is_some(),
        l1_log_window: config.l1_log_window,
    };
    let l1_for_core = l1.clone();
    let rollup_for_core = rollup;
    let node = NodeHandle::spawn(
        move |archive| NodeCore::start(&core_config, l1_for_core, rollup_for_core, archive),
        Clocks {
            poll: Duration::from_millis(200),
            batch_interval: config.batch_interval,
        },
    )?;
    let validators = if config.validators.is_empty() {
        None
    } else {
        Some(Arc::new(Validators::start(
            l1.clone(),
            rollup,
            initial,
            &config.validators,
            config.validator_poll,
            config.l1_log_window,
            Some(config.data_dir.join("validators")),
        )?))
    };
    let clock = match config.l1_block_time {
        Some(interval) => Some(Arc::new(L1Clock::start(l1.clone(), interval)?)),
        None => None,
    };
    Ok(Started {
        clock,
        validators,
        node,
        l1,
        rollup,
        machine_hash,
        resumed,
        accounts,
    })
}

/// The owner's settings for validators: `setValidator` for `whitelist` (the owner's
/// calls go to the admin facet, so the owner itself cannot validate), and the
/// minimum assertion period when given.
fn rollup_admin(
    chain: &mut Chain,
    rollup: &Rollup,
    whitelist: &[[u8; 20]],
    minimum_assertion_period: Option<u64>,
) -> Result<(), avm_l1::L1Error> {
    use avm_l1::abi::Token;
    if !whitelist.is_empty() {
        chain.must(TxRequest::call(
            rollup.owner,
            rollup.rollup,
            abi::encode_call(
                avm_l1::signatures::ROLLUP_SET_VALIDATOR,
                &[
                    Token::Words(whitelist.iter().map(|a| abi::address(*a)).collect()),
                    Token::Words(whitelist.iter().map(|_| abi::boolean(true)).collect()),
                ],
            ),
            "Rollup.setValidator",
        ))?;
    }
    if let Some(period) = minimum_assertion_period {
        chain.must(TxRequest::call(
            rollup.owner,
            rollup.rollup,
            abi::encode_call(
                "setMinimumAssertionPeriod(uint256)",
                &[Token::Word(abi::uint64(period))],
            ),
            "Rollup.setMinimumAssertionPeriod",
        ))?;
    }
    Ok(())
}
