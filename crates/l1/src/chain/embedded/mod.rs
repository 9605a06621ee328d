//! The embedded L1: revm over an in-memory world state, with blocks, receipts and
//! logs kept as a real chain keeps them, persisted under a data dir when asked.
//!
//! Two rule sets ([`Rules`]): a real chain (nonces and balances checked, what backs
//! `avm l1 --dev` and the node) and the referee's (balance checks off, any sender,
//! as the transcripts' replay rules say). Two ways of making blocks ([`Mining`]): one
//! block per transaction on a clock (a dev node), or blocks set by the caller (a
//! challenge game moving to the blocks its moves are mined in).

mod blocks;
mod codec;
mod persist;
mod txs;

pub use blocks::{BlockInfo, ReceiptRecord};
pub use persist::L1_FILE;
pub use txs::{StoredTx, TxSignature};

use std::collections::HashMap;
use std::path::PathBuf;

use alloy_eips::eip2930::AccessList;
use revm::context::result::{ExecutionResult, Output};
use revm::context::{BlockEnv, Context, ContextTr, TxEnv};
use revm::database::{CacheDB, EmptyDB};
use revm::handler::{MainBuilder, MainnetContext, MainnetEvm};
use revm::primitives::{Address, Bytes, TxKind, B256, U256};
use revm::state::{AccountInfo, Bytecode};
use revm::{DatabaseCommit, ExecuteEvm};

use avm_value::Hash;

use super::dev::DevAccount;
use super::types::{
    CallOutcome, Hardfork, L1Error, Log, LogFilter, Receipt, RevertReason, TxRequest, TxStatus,
    MAX_TX_GAS,
};
use blocks::Block;
use persist::{Persisted, Touched};

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

fn now_seconds() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

type Db = CacheDB<EmptyDB>;
type Evm = MainnetEvm<MainnetContext<Db>>;

/// The block transactions are going into.
#[derive(Debug, Clone)]
struct Pending {
    number: u64,
    timestamp: u64,
    /// Hashes of its transactions so far.
    txs: Vec<Hash>,
    gas_used: u64,
    /// What its transactions changed (for persisting the state with the block).
    touched: Touched,
}

/// The embedded chain.
pub struct Embedded {
    evm: Evm,
    config: EmbeddedConfig,
    /// Sealed blocks by number (a manual chain may skip numbers).
    blocks: std::collections::BTreeMap<u64, Block>,
    block_numbers: HashMap<Hash, u64>,
    txs: HashMap<Hash, StoredTx>,
    receipts: HashMap<Hash, ReceiptRecord>,
    pending: Pending,
    keys: HashMap<[u8; 20], DevAccount>,
    persisted: Option<Persisted>,
}

impl std::fmt::Debug for Embedded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Embedded")
            .field("chain_id", &self.config.chain_id)
            .field("head", &self.head().number)
            .finish_non_exhaustive()
    }
}

impl Embedded {
    /// Opens the chain `config` describes: a new one with block 0 (its balances), or
    /// the one kept in `config.data_dir`, which continues where it stopped.
    pub fn open(config: EmbeddedConfig) -> Result<Embedded, L1Error> {
        let persisted = match &config.data_dir {
            Some(dir) => Some(Persisted::open(dir, &config)?),
            None => None,
        };
        let ctx: MainnetContext<Db> =
            Context::new(CacheDB::new(EmptyDB::default()), config.hardfork.spec())
                .modify_cfg_chained(|cfg| {
                    cfg.chain_id = config.chain_id;
                    cfg.disable_balance_check = config.rules == Rules::Referee;
                    cfg.disable_base_fee = true;
                    // EIP-3860 would refuse RollupCreatorNoProxy's 84 KB creation code;
                    // the limit is off under London anyway (it came with Shanghai).
                    cfg.tx_gas_limit_cap = Some(u64::MAX);
                })
                .modify_block_chained(|block: &mut BlockEnv| {
                    block.gas_limit = config.block_gas_limit;
                    block.basefee = 0;
                });
        let mut embedded = Embedded {
            evm: ctx.build_mainnet(),
            keys: config.keys.iter().map(|k| (k.address, k.clone())).collect(),
            config,
            blocks: std::collections::BTreeMap::new(),
            block_numbers: HashMap::new(),
            txs: HashMap::new(),
            receipts: HashMap::new(),
            pending: Pending {
                number: 1,
                timestamp: 0,
                txs: Vec::new(),
                gas_used: 0,
                touched: Touched::default(),
            },
            persisted: None,
        };
        match persisted {
            Some(mut p) if !p.is_empty()? => {
                p.load_into(&mut embedded)?;
                embedded.persisted = Some(p);
            }
            other => {
                let alloc = embedded.config.alloc.clone();
                let db = embedded.evm.ctx.db_mut();
                for (address, balance) in &alloc {
                    db.insert_account_info(
                        Address::from(*address),
                        AccountInfo::from_balance(U256::from(*balance)),
                    );
                }
                let genesis = Block::new(
                    0,
                    Hash::ZERO,
                    embedded.config.genesis_timestamp,
                    embedded.config.block_gas_limit,
                    Vec::new(),
                    0,
                    &[],
                );
                embedded.insert_block(genesis.clone());
                embedded.persisted = other;
                if let Some(p) = &mut embedded.persisted {
                    let alloc: Vec<Address> = embedded
                        .config
                        .alloc
                        .iter()
                        .map(|(a, _)| Address::from(*a))
                        .collect();
                    p.write_genesis(&embedded.config, &genesis, &alloc, embedded.evm.ctx.db())?;
                }
            }
        }
        let head = embedded.head().clone();
        embedded.pending = Pending {
            number: head.number + 1,
            timestamp: embedded.next_timestamp(&head),
            txs: Vec::new(),
            gas_used: 0,
            touched: Touched::default(),
        };
        embedded.set_env_block();
        Ok(embedded)
    }

    /// The chain id.
    pub fn chain_id(&self) -> u64 {
        self.config.chain_id
    }

    /// The configuration it was opened with.
    pub fn config(&self) -> &EmbeddedConfig {
        &self.config
    }

    /// The newest sealed block.
    pub fn head(&self) -> &BlockInfo {
        // Block 0 is always there.
        self.blocks
            .last_key_value()
            .map(|(_, b)| &b.info)
            .unwrap_or_else(|| unreachable_genesis())
    }

    /// The block the next transaction goes into: `(number, timestamp)`.
    pub fn pending_block(&self) -> (u64, u64) {
        (self.pending.number, self.pending.timestamp)
    }

    /// Block `number`, if sealed.
    pub fn block_info(&self, number: u64) -> Option<&BlockInfo> {
        self.blocks.get(&number).map(|b| &b.info)
    }

    /// The block with hash `hash`, if sealed.
    pub fn block_by_hash(&self, hash: &Hash) -> Option<&BlockInfo> {
        self.block_numbers
            .get(hash)
            .and_then(|n| self.block_info(*n))
    }

    /// A mined transaction.
    pub fn transaction(&self, hash: &Hash) -> Option<&StoredTx> {
        self.txs.get(hash)
    }

    /// A mined transaction's receipt.
    pub fn receipt(&self, hash: &Hash) -> Option<Receipt> {
        let record = self.receipts.get(hash)?;
        let timestamp = match self.blocks.get(&record.block) {
            Some(block) => block.info.timestamp,
            None if record.block == self.pending.number => self.pending.timestamp,
            None => return None,
        };
        Some(record.receipt(timestamp))
    }

    /// A mined transaction's receipt with its position and gas figures.
    pub fn receipt_record(&self, hash: &Hash) -> Option<&ReceiptRecord> {
        self.receipts.get(hash)
    }

    /// The receipts of block `number`, in order.
    pub fn block_receipts(&self, number: u64) -> Vec<&ReceiptRecord> {
        self.blocks
            .get(&number)
            .map(|b| {
                b.info
                    .transactions
                    .iter()
                    .filter_map(|h| self.receipts.get(h))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn db_account(&self, address: [u8; 20]) -> Option<&revm::database::DbAccount> {
        self.evm
            .ctx
            .db()
            .cache
            .accounts
            .get(&Address::from(address))
    }

    fn account(&self, address: [u8; 20]) -> Option<AccountInfo> {
        self.db_account(address).and_then(|a| a.info())
    }

    /// An account's balance in wei (saturated at 2^128 - 1).
    pub fn balance(&self, address: [u8; 20]) -> u128 {
        self.account(address)
            .map_or(0, |a| u128::try_from(a.balance).unwrap_or(u128::MAX))
    }

    /// An account's nonce.
    pub fn nonce(&self, address: [u8; 20]) -> u64 {
        self.account(address).map_or(0, |a| a.nonce)
    }

    /// The code at `address` (empty for an account without code).
    pub fn code(&self, address: [u8; 20]) -> Vec<u8> {
        let Some(info) = self.account(address) else {
            return Vec::new();
        };
        if let Some(code) = &info.code {
            return code.original_bytes().to_vec();
        }
        self.evm
            .ctx
            .db()
            .cache
            .contracts
            .get(&info.code_hash)
            .map(|c| c.original_bytes().to_vec())
            .unwrap_or_default()
    }

    /// The storage word at `slot` of `address`.
    pub fn storage(&self, address: [u8; 20], slot: [u8; 32]) -> [u8; 32] {
        self.db_account(address)
            .and_then(|a| a.storage.get(&U256::from_be_bytes(slot)).copied())
            .unwrap_or_default()
            .to_be_bytes()
    }

    fn next_timestamp(&self, after: &BlockInfo) -> u64 {
        let earliest = after.timestamp.saturating_add(1);
        match (self.config.mining, self.config.clock) {
            (Mining::Instant, Clock::System) => now_seconds().max(earliest),
            (_, Clock::Step(step)) => after.timestamp.saturating_add(step.max(1)),
            (Mining::Manual, Clock::System) => earliest,
        }
    }

    fn set_env_block(&mut self) {
        let (number, timestamp) = (self.pending.number, self.pending.timestamp);
        self.evm.ctx.modify_block(|block| {
            block.number = U256::from(number);
            block.timestamp = U256::from(timestamp);
        });
    }

    fn insert_block(&mut self, block: Block) {
        self.evm
            .ctx
            .db_mut()
            .cache
            .block_hashes
            .insert(U256::from(block.info.number), B256::from(block.info.hash.0));
        self.block_numbers
            .insert(block.info.hash, block.info.number);
        self.blocks.insert(block.info.number, block);
    }

    /// Seals the pending block (if it holds transactions, or `always`), persisting it.
    fn seal(&mut self, always: bool) -> Result<(), L1Error> {
        if self.pending.txs.is_empty() && !always {
            return Ok(());
        }
        let parent = self.head().hash;
        let logs: Vec<&Log> = self
            .pending
            .txs
            .iter()
            .filter_map(|h| self.receipts.get(h))
            .flat_map(|r| r.logs.iter())
            .collect();
        let block = Block::new(
            self.pending.number,
            parent,
            self.pending.timestamp,
            self.config.block_gas_limit,
            std::mem::take(&mut self.pending.txs),
            self.pending.gas_used,
            &logs,
        );
        let touched = std::mem::take(&mut self.pending.touched);
        if let Some(p) = &mut self.persisted {
            let txs: Vec<&StoredTx> = block
                .info
                .transactions
                .iter()
                .filter_map(|h| self.txs.get(h))
                .collect();
            let receipts: Vec<&ReceiptRecord> = block
                .info
                .transactions
                .iter()
                .filter_map(|h| self.receipts.get(h))
                .collect();
            p.write_block(&block, &txs, &receipts, &touched, self.evm.ctx.db())?;
        }
        self.pending.gas_used = 0;
        self.insert_block(block);
        Ok(())
    }

    /// Seals the pending block and opens the next one after it.
    fn open_next(&mut self) -> Result<(), L1Error> {
        self.seal(true)?;
        let head = self.head().clone();
        self.pending.number = head.number + 1;
        self.pending.timestamp = self.next_timestamp(&head);
        self.set_env_block();
        Ok(())
    }

    /// Mines `count` empty blocks (after sealing the pending one if it holds
    /// transactions).
    pub fn mine(&mut self, count: u64) -> Result<(), L1Error> {
        if !self.pending.txs.is_empty() {
            self.open_next()?;
        }
        for _ in 0..count {
            self.open_next()?;
        }
        Ok(())
    }

    /// Puts the next transactions into block `number` at `timestamp`, sealing the
    /// pending block first if it holds transactions. Numbers never decrease, one
    /// number has one timestamp, a later number a later timestamp.
    pub fn set_block(&mut self, number: u64, timestamp: u64) -> Result<(), L1Error> {
        let (current, current_ts) = (self.pending.number, self.pending.timestamp);
        let head = self.head().clone();
        if number < current && !(self.pending.txs.is_empty() && number > head.number) {
            return Err(L1Error::Block(format!(
                "block {number} after block {current} (numbers never decrease)"
            )));
        }
        if number == current && !self.pending.txs.is_empty() {
            if timestamp != current_ts {
                return Err(L1Error::Block(format!(
                    "block {number} at timestamp {timestamp}, earlier at {current_ts}"
                )));
            }
            return Ok(());
        }
        if !self.pending.txs.is_empty() {
            self.seal(false)?;
        }
        let last_ts = self.head().timestamp;
        if timestamp <= last_ts && number > 0 {
            return Err(L1Error::Block(format!(
                "block {number} at timestamp {timestamp}, not after block {}'s {last_ts}",
                self.head().number
            )));
        }
        self.pending.number = number;
        self.pending.timestamp = timestamp;
        self.set_env_block();
        Ok(())
    }

    /// Puts the next transactions into block `number`, its timestamp 12 seconds per
    /// block after the pending one's (the same block if `number` is the pending one).
    pub fn advance_to(&mut self, number: u64) -> Result<(), L1Error> {
        let (current, current_ts) = (self.pending.number, self.pending.timestamp);
        if number <= current {
            return self.set_block(number, current_ts);
        }
        let timestamp = current_ts.saturating_add((number - current).saturating_mul(12));
        self.set_block(number, timestamp)
    }

    fn tx_env(
        &self,
        from: [u8; 20],
        to: Option<[u8; 20]>,
        input: &[u8],
        value: u128,
        gas: GasTerms<'_>,
        nonce: u64,
    ) -> Result<TxEnv, L1Error> {
        let kind = match to {
            Some(to) => TxKind::Call(Address::from(to)),
            None => TxKind::Create,
        };
        let mut builder = TxEnv::builder()
            .caller(Address::from(from))
            .nonce(nonce)
            .gas_limit(gas.limit)
            .kind(kind)
            .value(U256::from(value))
            .data(Bytes::copy_from_slice(input))
            .chain_id(gas.chain_id);
        builder = match gas.priority_fee {
            Some(tip) => builder
                .tx_type(Some(2))
                .gas_price(gas.price)
                .gas_priority_fee(Some(tip))
                .access_list(gas.access_list.clone()),
            None if gas.tx_type == 1 => builder
                .tx_type(Some(1))
                .gas_price(gas.price)
                .access_list(gas.access_list.clone()),
            None => builder.gas_price(gas.price),
        };
        builder
            .build()
            .map_err(|e| L1Error::Invalid(format!("a transaction revm cannot take: {e:?}")))
    }

    /// Runs a transaction and keeps its effects in the pending block.
    fn execute(&mut self, tx: StoredTx) -> Result<Hash, L1Error> {
        if self.config.mining == Mining::Instant && !self.pending.txs.is_empty() {
            self.open_next()?;
        }
        let env = self.tx_env(
            tx.from,
            tx.to,
            &tx.input,
            tx.value,
            GasTerms {
                limit: tx.gas_limit,
                price: tx.gas_price,
                priority_fee: tx.priority_fee,
                chain_id: tx.chain_id,
                tx_type: tx.tx_type,
                access_list: &tx.access_list,
            },
            tx.nonce,
        )?;
        let result = self.evm.transact(env).map_err(|e| match e {
            revm::context::result::EVMError::Transaction(invalid) => {
                L1Error::Refused(txs::geth_message(&invalid))
            }
            other => L1Error::Evm(other.to_string()),
        })?;
        let touched = &mut self.pending.touched;
        for (address, account) in &result.state {
            if !account.is_touched() {
                continue;
            }
            if !touched.accounts.contains(address) {
                touched.accounts.push(*address);
            }
            if account.is_created() || account.is_selfdestructed() {
                touched.cleared.push(*address);
            }
            for (slot, value) in &account.storage {
                if value.is_changed() {
                    touched.slots.push((*address, *slot));
                }
            }
        }
        self.evm.ctx.db_mut().commit(result.state);
        let exec = result.result;
        let gas_used = exec.gas().tx_gas_used();
        let first_log = self.pending_log_count();
        let (status, created, output, revert, logs) = match &exec {
            ExecutionResult::Success { output, logs, .. } => {
                let (created, output) = match output {
                    Output::Call(bytes) => (None, bytes.to_vec()),
                    Output::Create(_, address) => (address.map(Address::into_array), Vec::new()),
                };
                (TxStatus::Ok, created, output, None, logs.clone())
            }
            ExecutionResult::Revert { output, .. } => (
                TxStatus::Revert,
                None,
                output.to_vec(),
                Some(RevertReason::from_data(output)),
                Vec::new(),
            ),
            ExecutionResult::Halt { reason, .. } => (
                TxStatus::Revert,
                None,
                Vec::new(),
                Some(RevertReason::Halt(format!("{reason:?}"))),
                Vec::new(),
            ),
        };
        let logs = logs
            .into_iter()
            .enumerate()
            .map(|(i, log)| Log {
                address: log.address.into_array(),
                topics: log.data.topics().iter().map(|t| Hash(t.0)).collect(),
                data: log.data.data.to_vec(),
                block: self.pending.number,
                tx_hash: tx.hash,
                log_index: first_log + i as u64,
            })
            .collect();
        self.pending.gas_used = self.pending.gas_used.saturating_add(gas_used);
        let record = ReceiptRecord {
            tx_hash: tx.hash,
            block: self.pending.number,
            index: self.pending.txs.len() as u64,
            from: tx.from,
            to: tx.to,
            status,
            gas_used,
            cumulative_gas_used: self.pending.gas_used,
            gas_price: tx.effective_gas_price(),
            created,
            logs,
            output,
            revert,
        };
        let hash = tx.hash;
        let mut stored = tx;
        stored.block = self.pending.number;
        stored.index = record.index;
        self.receipts.insert(hash, record);
        self.txs.insert(hash, stored);
        self.pending.txs.push(hash);
        if self.config.mining == Mining::Instant {
            self.open_next()?;
        }
        Ok(hash)
    }

    fn pending_log_count(&self) -> u64 {
        self.pending
            .txs
            .iter()
            .filter_map(|h| self.receipts.get(h))
            .map(|r| r.logs.len() as u64)
            .sum()
    }

    /// Sends `req` as the account `req.from` (signed when the chain holds its key, as
    /// an impersonated transaction otherwise), its nonce the account's.
    pub fn send(&mut self, req: &TxRequest) -> Result<Receipt, L1Error> {
        let gas_limit = req
            .gas_limit
            .unwrap_or(self.config.block_gas_limit)
            .min(MAX_TX_GAS);
        let nonce = self.nonce(req.from);
        let tx = StoredTx::build(
            req,
            nonce,
            gas_limit,
            self.config.chain_id,
            self.keys.get(&req.from),
        )?;
        let hash = self.execute(tx)?;
        self.receipt(&hash)
            .ok_or_else(|| L1Error::Evm("a transaction mined without a receipt".into()))
    }

    /// Takes a signed raw transaction (what `eth_sendRawTransaction` receives): checks
    /// its signature and chain id, runs it (nonce and balance checked under real
    /// rules) and returns its hash.
    pub fn submit_raw(&mut self, raw: &[u8]) -> Result<Hash, L1Error> {
        let tx = StoredTx::decode_raw(raw, self.config.chain_id)?;
        if tx.gas_limit > self.config.block_gas_limit {
            return Err(L1Error::Refused("exceeds block gas limit".into()));
        }
        let affordable = u128::from(tx.gas_limit)
            .checked_mul(tx.gas_price)
            .and_then(|cost| cost.checked_add(tx.value))
            .is_some();
        if !affordable {
            return Err(L1Error::Refused(
                "insufficient funds for gas * price + value".into(),
            ));
        }
        self.execute(tx)
    }

    /// Runs a call on the newest state and throws its effects away.
    pub fn call(
        &mut self,
        from: [u8; 20],
        to: [u8; 20],
        input: &[u8],
    ) -> Result<CallOutcome, L1Error> {
        self.simulate(&Simulation {
            from,
            to: Some(to),
            input: input.to_vec(),
            value: 0,
            gas_limit: None,
            gas_price: 0,
        })
    }

    /// Runs `sim` on the newest state (nonce and balance checks off, as `eth_call`
    /// does) and throws its effects away.
    pub fn simulate(&mut self, sim: &Simulation) -> Result<CallOutcome, L1Error> {
        let limit = sim
            .gas_limit
            .unwrap_or(self.config.block_gas_limit)
            .min(MAX_TX_GAS);
        let env = self.tx_env(
            sim.from,
            sim.to,
            &sim.input,
            sim.value,
            GasTerms {
                limit,
                price: sim.gas_price,
                priority_fee: None,
                chain_id: Some(self.config.chain_id),
                tx_type: 0,
                access_list: &AccessList::default(),
            },
            self.nonce(sim.from),
        )?;
        let rules = self.config.rules;
        self.evm.ctx.modify_cfg(|cfg| {
            cfg.disable_nonce_check = true;
            cfg.disable_balance_check = true;
        });
        let result = self.evm.transact(env);
        self.evm.ctx.modify_cfg(|cfg| {
            cfg.disable_nonce_check = false;
            cfg.disable_balance_check = rules == Rules::Referee;
        });
        let result = result.map_err(|e| match e {
            revm::context::result::EVMError::Transaction(invalid) => {
                L1Error::Refused(txs::geth_message(&invalid))
            }
            other => L1Error::Evm(other.to_string()),
        })?;
        let exec = result.result;
        let gas_used = exec.gas().tx_gas_used();
        Ok(match exec {
            ExecutionResult::Success { output, .. } => CallOutcome::Success {
                output: match output {
                    Output::Call(bytes) => bytes.to_vec(),
                    Output::Create(bytes, _) => bytes.to_vec(),
                },
                gas_used,
            },
            ExecutionResult::Revert { output, .. } => CallOutcome::Failed {
                reason: RevertReason::from_data(&output),
                gas_used,
            },
            ExecutionResult::Halt { reason, .. } => CallOutcome::Failed {
                reason: RevertReason::Halt(format!("{reason:?}")),
                gas_used,
            },
        })
    }

    /// The least gas limit under which `sim` succeeds (as `eth_estimateGas`), or the
    /// failure at the block gas limit.
    pub fn estimate_gas(&mut self, sim: &Simulation) -> Result<Result<u64, RevertReason>, L1Error> {
        let block_limit = self.config.block_gas_limit;
        let mut sim = sim.clone();
        sim.gas_limit = Some(sim.gas_limit.unwrap_or(block_limit).min(block_limit));
        let used = match self.simulate(&sim)? {
            CallOutcome::Success { gas_used, .. } => gas_used,
            CallOutcome::Failed { reason, .. } => return Ok(Err(reason)),
        };
        let mut high = sim.gas_limit.unwrap_or(block_limit);
        let mut low = used.saturating_sub(1);
        // The used gas is enough unless the 63/64 rule or a refund says otherwise.
        sim.gas_limit = Some(used);
        if matches!(self.simulate(&sim)?, CallOutcome::Success { .. }) {
            return Ok(Ok(used));
        }
        while high - low > 1 {
            let mid = low + (high - low) / 2;
            sim.gas_limit = Some(mid);
            match self.simulate(&sim)? {
                CallOutcome::Success { .. } => high = mid,
                CallOutcome::Failed { .. } => low = mid,
            }
        }
        Ok(Ok(high))
    }

    /// The logs `filter` selects from sealed blocks (and the pending one, in manual
    /// mining), in chain order.
    pub fn logs(&mut self, filter: &LogFilter) -> Result<Vec<Log>, L1Error> {
        let to = filter.to_block.unwrap_or(u64::MAX);
        let mut out = Vec::new();
        let mut hashes: Vec<&Hash> = self
            .blocks
            .range(filter.from_block..=to)
            .flat_map(|(_, b)| b.info.transactions.iter())
            .collect();
        if self.pending.number >= filter.from_block && self.pending.number <= to {
            hashes.extend(self.pending.txs.iter());
        }
        for hash in hashes {
            if let Some(receipt) = self.receipts.get(hash) {
                out.extend(receipt.logs.iter().filter(|l| filter.matches(l)).cloned());
            }
        }
        Ok(out)
    }

    /// Every sealed block from `from` on (for a server's new-block filters).
    pub fn blocks_from(&self, from: u64) -> impl Iterator<Item = &BlockInfo> {
        self.blocks.range(from..).map(|(_, b)| &b.info)
    }

    /// Seals the pending block if it holds transactions (before a shutdown).
    pub fn flush(&mut self) -> Result<(), L1Error> {
        if !self.pending.txs.is_empty() {
            self.open_next()?;
        }
        Ok(())
    }
}

fn unreachable_genesis() -> &'static BlockInfo {
    static EMPTY: std::sync::OnceLock<BlockInfo> = std::sync::OnceLock::new();
    EMPTY.get_or_init(|| Block::new(0, Hash::ZERO, 0, 0, Vec::new(), 0, &[]).info)
}

/// What a call or an estimate runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Simulation {
    /// The sender.
    pub from: [u8; 20],
    /// The callee; None for a creation.
    pub to: Option<[u8; 20]>,
    /// Call data.
    pub input: Vec<u8>,
    /// Wei sent along.
    pub value: u128,
    /// The gas limit (None: the block's).
    pub gas_limit: Option<u64>,
    /// The gas price.
    pub gas_price: u128,
}

/// The gas terms of a transaction.
#[derive(Debug, Clone, Copy)]
struct GasTerms<'a> {
    limit: u64,
    /// The gas price, or the max fee of an EIP-1559 transaction.
    price: u128,
    /// An EIP-1559 transaction's priority fee.
    priority_fee: Option<u128>,
    chain_id: Option<u64>,
    /// The EIP-2718 type.
    tx_type: u8,
    /// A typed transaction's access list.
    access_list: &'a AccessList,
}

/// The bytecode of code held by a persisted chain, for revm.
pub(crate) fn bytecode(code: &[u8]) -> Bytecode {
    Bytecode::new_raw(Bytes::copy_from_slice(code))
}
