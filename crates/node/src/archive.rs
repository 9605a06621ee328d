//! Every block and transaction of the L2 chain, in memory, shared between the node's
//! writer thread (which appends each block once it is on disk) and the node's and
//! JSON-RPC threads (which read).

use std::collections::HashMap;
use std::time::Instant;

use avm_arbos::{Address, EvmLog};
use avm_value::Hash;

use crate::chain::{L2Block, L2Tx};

/// An EVM log as `eth_getLogs` finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundLog {
    /// The emitting contract.
    pub address: Address,
    /// Its topics.
    pub topics: Vec<Hash>,
    /// Its data.
    pub data: Vec<u8>,
    /// The block.
    pub block: u64,
    /// The block's hash.
    pub block_hash: Hash,
    /// The transaction.
    pub tx_hash: Hash,
    /// The transaction's index in the block.
    pub tx_index: u64,
    /// The log's index in the block.
    pub log_index: u64,
}

/// How far one log scan may go: it holds the archive's read lock (which the writer
/// waits for), so it is bounded in results, in bytes and in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogScan {
    /// First block.
    pub from: u64,
    /// Last block (inclusive).
    pub to: u64,
    /// Most logs found.
    pub max_logs: usize,
    /// Most bytes of data and topics found.
    pub max_bytes: usize,
    /// When to give up (None: never).
    pub deadline: Option<Instant>,
}

/// Why a log scan stopped before its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ScanStop {
    /// More logs matched than [`LogScan::max_logs`].
    #[error("query returned more than {0} results")]
    TooMany(usize),
    /// The logs matched hold more than [`LogScan::max_bytes`].
    #[error("query returned more than {0} bytes of logs")]
    TooLarge(usize),
    /// The scan reached its deadline.
    #[error("query took too long; ask for fewer blocks at a time")]
    TooLong,
}

/// The chain's blocks and an index of its transactions.
#[derive(Debug, Default)]
pub struct Archive {
    blocks: Vec<L2Block>,
    txs: HashMap<Hash, (u64, usize)>,
    hashes: HashMap<Hash, u64>,
    /// The L2-to-L1 batches by batch number: their items, leftmost first.
    outbox: Vec<Vec<Vec<u8>>>,
}

impl Archive {
    /// Appends the next block.
    pub fn push(&mut self, block: L2Block) {
        let number = block.number;
        for (i, tx) in block.txs.iter().enumerate() {
            self.txs.insert(tx.hash, (number, i));
        }
        self.hashes.insert(block.hash, number);
        for (batch, _) in &block.outbox {
            // ArbOS numbers its batches 0, 1, 2, ... in the order it closes them.
            if batch.batch_number == avm_value::Int::from(self.outbox.len() as u64) {
                self.outbox.push(batch.items.clone());
            }
        }
        self.blocks.push(block);
    }

    /// The items of L2-to-L1 batch `number` (None: not closed yet).
    pub fn outbox_batch(&self, number: u64) -> Option<&[Vec<u8>]> {
        self.outbox
            .get(usize::try_from(number).ok()?)
            .map(Vec::as_slice)
    }

    /// How many L2-to-L1 batches have been closed.
    pub fn outbox_batches(&self) -> u64 {
        self.outbox.len() as u64
    }

    /// The newest block.
    pub fn latest(&self) -> Option<&L2Block> {
        self.blocks.last()
    }

    /// The newest block's number (0 before any).
    pub fn head(&self) -> u64 {
        self.latest().map_or(0, |b| b.number)
    }

    /// Block `number`.
    pub fn block(&self, number: u64) -> Option<&L2Block> {
        let first = self.blocks.first()?.number;
        let index = usize::try_from(number.checked_sub(first)?).ok()?;
        self.blocks.get(index)
    }

    /// The block with hash `hash`.
    pub fn block_by_hash(&self, hash: &Hash) -> Option<&L2Block> {
        self.block(*self.hashes.get(hash)?)
    }

    /// Transaction `hash`.
    pub fn tx(&self, hash: &Hash) -> Option<&L2Tx> {
        let (block, index) = *self.txs.get(hash)?;
        self.block(block)?.txs.get(index)
    }

    /// The logs of `scan`'s blocks that `wanted` accepts, in chain order, within
    /// `scan`'s bounds.
    pub fn logs(
        &self,
        scan: &LogScan,
        wanted: impl Fn(&EvmLog) -> bool,
    ) -> Result<Vec<FoundLog>, ScanStop> {
        let mut out = Vec::new();
        let mut bytes = 0usize;
        let to = scan.to.min(self.head());
        for number in scan.from..=to {
            // The clock is read once every 1,024 blocks, and on every block with logs.
            let Some(block) = self.block(number) else {
                continue;
            };
            let quiet = block.txs.iter().all(|tx| tx.receipt.logs.is_empty());
            let late = || scan.deadline.is_some_and(|d| Instant::now() >= d);
            if (!quiet || number % 1024 == 0) && late() {
                return Err(ScanStop::TooLong);
            }
            for tx in &block.txs {
                for (i, log) in tx.receipt.logs.iter().enumerate() {
                    if !wanted(log) {
                        continue;
                    }
                    if out.len() >= scan.max_logs {
                        return Err(ScanStop::TooMany(scan.max_logs));
                    }
                    bytes = bytes.saturating_add(log.data.len() + 32 * log.topics.len());
                    if bytes > scan.max_bytes {
                        return Err(ScanStop::TooLarge(scan.max_bytes));
                    }
                    out.push(FoundLog {
                        address: log.address,
                        topics: log.topics.clone(),
                        data: log.data.clone(),
                        block: number,
                        block_hash: block.hash,
                        tx_hash: tx.hash,
                        tx_index: tx.index,
                        log_index: tx.first_log_index.saturating_add(i as u64),
                    });
                }
            }
        }
        Ok(out)
    }
}
