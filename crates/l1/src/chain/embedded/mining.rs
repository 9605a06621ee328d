//! Blocks: the one transactions go into, sealing it (and persisting it), and moving
//! to the next, on the clock or where the caller says.

use revm::context::ContextTr;
use revm::primitives::{B256, U256};

use super::blocks::{Block, BlockInfo};
use super::config::now_seconds;
use super::{Clock, Embedded, Mining, ReceiptRecord, StoredTx};
use crate::chain::types::{L1Error, Log};

impl Embedded {
    pub(super) fn next_timestamp(&self, after: &BlockInfo) -> u64 {
        let earliest = after.timestamp.saturating_add(1);
        match (self.config.mining, self.config.clock) {
            (Mining::Instant, Clock::System) => now_seconds().max(earliest),
            (_, Clock::Step(step)) => after.timestamp.saturating_add(step.max(1)),
            (Mining::Manual, Clock::System) => earliest,
        }
    }

    pub(super) fn set_env_block(&mut self) {
        let (number, timestamp) = (self.pending.number, self.pending.timestamp);
        self.evm.ctx.modify_block(|block| {
            block.number = U256::from(number);
            block.timestamp = U256::from(timestamp);
        });
    }

    pub(super) fn insert_block(&mut self, block: Block) {
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
    pub(super) fn seal(&mut self, always: bool) -> Result<(), L1Error> {
        self.seal_then(always, Write::Now)
    }

    /// [`Embedded::seal`], leaving an empty block (no transaction, no state changed)
    /// for the caller to write with others if `write` says so.
    fn seal_then(&mut self, always: bool, write: Write) -> Result<(), L1Error> {
        if self.pending.txs.is_empty() && !always {
            return Ok(());
        }
        let empty = self.pending.txs.is_empty() && self.pending.touched.is_empty();
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
        let later = empty && write == Write::WithOthers;
        if let Some(p) = self.persisted.as_mut().filter(|_| !later) {
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
    pub(super) fn open_next(&mut self) -> Result<(), L1Error> {
        self.open_next_then(Write::Now)
    }

    fn open_next_then(&mut self, write: Write) -> Result<(), L1Error> {
        self.seal_then(true, write)?;
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
        // The empty blocks go to the file together, in one transaction: a hundred
        // thousand of them (anvil_mine) cost one write, not one each.
        let first = self.pending.number;
        for _ in 0..count {
            self.open_next_then(Write::WithOthers)?;
        }
        let Some(p) = &mut self.persisted else {
            return Ok(());
        };
        let mined: Vec<&BlockInfo> = self.blocks.range(first..).map(|(_, b)| &b.info).collect();
        p.write_empty_blocks(&mined)
    }

    /// Puts the next transactions into block `number` at `timestamp`, sealing the
    /// pending block first if it holds transactions. Numbers never decrease, one
    /// number has one timestamp, a later number a later timestamp.
    pub fn set_block(&mut self, number: u64, timestamp: u64) -> Result<(), L1Error> {
        if number == u64::MAX {
            return Err(L1Error::Block(format!(
                "block {number}: no block could follow it"
            )));
        }
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
}

/// When a sealed block is written to the chain's file.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Write {
    /// At once.
    Now,
    /// If it is empty, with others by the caller ([`Persisted::write_empty_blocks`]).
    WithOthers,
}
