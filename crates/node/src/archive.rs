//! Every block and transaction of the L2 chain, in memory, shared between the node's
//! writer thread (which appends each block once it is on disk) and the node's and
//! JSON-RPC threads (which read).

use std::collections::HashMap;

use avm_arbos::Address;
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

/// Which logs to find.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LogQuery {
    /// First block.
    pub from: u64,
    /// Last block (inclusive).
    pub to: u64,
    /// Emitters (empty: any).
    pub addresses: Vec<Address>,
    /// Per topic position, the accepted topics (None: any).
    pub topics: Vec<Option<Vec<Hash>>>,
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

    /// The logs `query` selects, in chain order (at most `limit`: None past it).
    pub fn logs(&self, query: &LogQuery, limit: usize) -> Option<Vec<FoundLog>> {
        let mut out = Vec::new();
        let to = query.to.min(self.head());
        for number in query.from..=to {
            let Some(block) = self.block(number) else {
                continue;
            };
            for tx in &block.txs {
                for (i, log) in tx.receipt.logs.iter().enumerate() {
                    if !query.addresses.is_empty() && !query.addresses.contains(&log.address) {
                        continue;
                    }
                    let topics_match = query.topics.iter().enumerate().all(|(k, wanted)| {
                        wanted.as_ref().is_none_or(|options| {
                            log.topics.get(k).is_some_and(|t| options.contains(t))
                        })
                    });
                    if !topics_match {
                        continue;
                    }
                    if out.len() >= limit {
                        return None;
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
        Some(out)
    }
}
