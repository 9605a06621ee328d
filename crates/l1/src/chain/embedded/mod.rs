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
mod config;
mod execute;
mod mining;
mod persist;
mod records;
mod txs;

pub use blocks::{BlockInfo, ReceiptRecord};
pub use config::{Clock, EmbeddedConfig, Mining, Rules};
pub use execute::Simulation;
pub use persist::L1_FILE;
pub use txs::{StoredTx, TxSignature};

use std::collections::HashMap;

use revm::context::{BlockEnv, Context, ContextTr};
use revm::database::{CacheDB, EmptyDB};
use revm::handler::{MainBuilder, MainnetContext, MainnetEvm};
use revm::primitives::{Address, Bytes, U256};
use revm::state::{AccountInfo, Bytecode};

use avm_value::Hash;

use super::dev::DevAccount;
use super::types::{L1Error, Log, LogFilter, Receipt};
use blocks::Block;
use persist::{Persisted, Touched};

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

    /// The logs `filter` selects from sealed blocks (and the pending one, in manual
    /// mining), in chain order.
    pub fn logs(&mut self, filter: &LogFilter) -> Result<Vec<Log>, L1Error> {
        let to = filter.to_block.unwrap_or(u64::MAX);
        let all = self.logs_where(filter.from_block, to, usize::MAX, |l| filter.matches(l));
        Ok(all.unwrap_or_default())
    }

    /// The logs of blocks `from..=to` that `wanted` accepts, in chain order, as
    /// [`Embedded::logs`] reads them; None if more than `limit` match (nothing is
    /// copied past that, so a server can bound what one query costs).
    pub fn logs_where(
        &self,
        from: u64,
        to: u64,
        limit: usize,
        wanted: impl Fn(&Log) -> bool,
    ) -> Option<Vec<Log>> {
        let sealed = self
            .blocks
            .range(from..=to)
            .flat_map(|(_, b)| b.info.transactions.iter());
        let pending = (self.pending.number >= from && self.pending.number <= to)
            .then_some(self.pending.txs.iter())
            .into_iter()
            .flatten();
        let mut out = Vec::new();
        for hash in sealed.chain(pending) {
            let Some(receipt) = self.receipts.get(hash) else {
                continue;
            };
            for log in receipt.logs.iter().filter(|l| wanted(l)) {
                if out.len() >= limit {
                    return None;
                }
                out.push(log.clone());
            }
        }
        Some(out)
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

/// The bytecode of code held by a persisted chain, for revm.
pub(crate) fn bytecode(code: &[u8]) -> Bytecode {
    Bytecode::new_raw(Bytes::copy_from_slice(code))
}
