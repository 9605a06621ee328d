//! Reading the machine's inbox back from the L1's events: the Bridge's
//! `MessageDelivered` (with the data from the delivering contract's
//! `InboxMessageDelivered`, or the transaction's input for the `FromOrigin` forms),
//! the SequencerInbox's `SequencerBatchDelivered` (and `FromOrigin`) and
//! `DelayedInboxForced`, folded into a [`ClassicInbox`] whose accumulators are
//! checked against every event's.

use std::collections::HashMap;

use avm_prover::classic::{BatchPreview, BatchSection, ClassicInbox, ClassicInboxError};
use avm_value::{keccak256, Hash, Int};
use avm_verifier::classic::L1Message;

use crate::abi::{self, signatures as sig, Word};
use crate::chain::{Chain, L1Error, Log, LogFilter};
use crate::setup::InboxContracts;

/// A delayed message as read from the L1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadMessage {
    /// Its Bridge index.
    pub index: u64,
    /// Its fields.
    pub message: L1Message,
}

/// Follows the L1's inbox events and keeps the inbox they make.
#[derive(Debug, Clone)]
pub struct InboxReader {
    contracts: InboxContracts,
    /// The next block to read.
    next_block: u64,
    /// Logs of `next_block - 1` and earlier already read, by (block, index), so a
    /// block read while still open (manual mining) is not read twice.
    read_through: Option<(u64, u64)>,
    inbox: ClassicInbox,
    /// Data of messages put straight into the Bridge (no event carries it).
    preimages: HashMap<Hash, Vec<u8>>,
    timestamps: HashMap<u64, u64>,
    /// Most blocks one read of logs covers.
    window: u64,
}

/// Blocks read with one `eth_getLogs` by default: a reader started long after the
/// rollup was created reads its history a window at a time, so no one answer has to
/// hold it all (providers refuse long ranges or large answers).
pub const SYNC_WINDOW: u64 = 5_000;

impl InboxReader {
    /// A reader of the inbox behind `contracts`, from block `from_block` on.
    pub fn new(contracts: InboxContracts, from_block: u64) -> InboxReader {
        InboxReader {
            contracts,
            next_block: from_block,
            read_through: None,
            inbox: ClassicInbox::new(),
            preimages: HashMap::new(),
            timestamps: HashMap::new(),
            window: SYNC_WINDOW,
        }
    }

    /// Reads at most `blocks` blocks (at least 1) with each `eth_getLogs`, for an L1
    /// endpoint that allows only short ranges.
    pub fn set_sync_window(&mut self, blocks: u64) {
        self.window = blocks.max(1);
    }

    /// The contracts it reads.
    pub fn contracts(&self) -> &InboxContracts {
        &self.contracts
    }

    /// The inbox as read so far: the machine's messages and the accumulators.
    pub fn inbox(&self) -> &ClassicInbox {
        &self.inbox
    }

    /// What posting `sections` from `sequencer` would make of the inbox read so far,
    /// without changing it ([`ClassicInbox::preview_batch`]).
    pub fn preview_batch(
        &mut self,
        sequencer: [u8; 20],
        sections: &[BatchSection],
    ) -> Result<BatchPreview, ClassicInboxError> {
        self.inbox.preview_batch(sequencer, sections)
    }

    /// Makes the data of a message put straight into the Bridge known (its hash is
    /// all the L1 holds of it).
    pub fn remember_data(&mut self, data: &[u8]) {
        self.preimages.insert(keccak256(data), data.to_vec());
    }

    /// Reads every inbox event up to the chain's newest (or open) block.
    pub fn sync(&mut self, chain: &mut Chain) -> Result<(), L1Error> {
        let to = chain.readable_block()?;
        self.sync_to(chain, to)
    }

    /// Reads every inbox event up to block `to` (so that a reader of other events can
    /// read them up to the same block: a remote chain's head moves between calls), a
    /// window of blocks at a time.
    pub fn sync_to(&mut self, chain: &mut Chain, to: u64) -> Result<(), L1Error> {
        if to < self.next_block {
            return Ok(());
        }
        loop {
            let end = to.min(self.next_block.saturating_add(self.window - 1));
            self.sync_window(chain, end)?;
            if end == to {
                return Ok(());
            }
            // Block `end` is whole (it is below `to`): the next window starts after it.
            self.next_block = end + 1;
        }
    }

    /// Reads the inbox events of blocks `next_block..=to`.
    fn sync_window(&mut self, chain: &mut Chain, to: u64) -> Result<(), L1Error> {
        let ic = self.contracts;
        let mut logs = chain.logs(&LogFilter {
            from_block: self.next_block,
            to_block: Some(to),
            addresses: vec![ic.bridge, ic.sequencer_inbox],
            topic0: vec![
                abi::event_topic(sig::EV_MESSAGE_DELIVERED),
                abi::event_topic(sig::EV_BATCH_DELIVERED),
                abi::event_topic(sig::EV_BATCH_FROM_ORIGIN),
                abi::event_topic(sig::EV_DELAYED_FORCED),
            ],
        })?;
        // The data of delayed messages is in events of the inbox contracts the Bridge's
        // events name, and only theirs are read: anyone can emit events with the same
        // signature from a contract of their own, as many as they can pay for.
        let mut inboxes: Vec<[u8; 20]> = logs
            .iter()
            .filter(|l| self.is_delivered(l))
            .filter_map(|l| abi::word_at(&l.data, 0).and_then(|w| abi::word_address(&w)))
            .collect();
        inboxes.sort_unstable();
        inboxes.dedup();
        let data_logs = match inboxes.is_empty() {
            true => Vec::new(),
            false => chain.logs(&LogFilter {
                from_block: self.next_block,
                to_block: Some(to),
                addresses: inboxes,
                topic0: vec![
                    abi::event_topic(sig::EV_INBOX_MESSAGE_DELIVERED),
                    abi::event_topic(sig::EV_INBOX_MESSAGE_FROM_ORIGIN),
                ],
            })?,
        };
        logs.sort_by_key(|l| (l.block, l.log_index));
        for log in logs {
            if self
                .read_through
                .is_some_and(|seen| (log.block, log.log_index) <= seen)
            {
                continue;
            }
            self.read_log(chain, &log, &data_logs)?;
            self.read_through = Some((log.block, log.log_index));
        }
        // The newest block may still take transactions (manual mining): read it again
        // next time, skipping what was read.
        self.next_block = to;
        Ok(())
    }

    fn timestamp(&mut self, chain: &mut Chain, block: u64) -> Result<u64, L1Error> {
        if let Some(ts) = self.timestamps.get(&block) {
            return Ok(*ts);
        }
        let ts = match chain.block_timestamp(block)? {
            Some(ts) => ts,
            None => {
                let (pending, ts) = chain.block()?;
                if pending != block {
                    return Err(L1Error::Events(format!("no block {block} for a log in it")));
                }
                return Ok(ts);
            }
        };
        self.timestamps.insert(block, ts);
        Ok(ts)
    }

    /// Whether `log` is the Bridge's `MessageDelivered`.
    fn is_delivered(&self, log: &Log) -> bool {
        log.address == self.contracts.bridge
            && log.topics.first() == Some(&abi::event_topic(sig::EV_MESSAGE_DELIVERED))
    }

    fn read_log(&mut self, chain: &mut Chain, log: &Log, data_logs: &[Log]) -> Result<(), L1Error> {
        let topic = log.topics.first().copied().unwrap_or(Hash::ZERO);
        if self.is_delivered(log) {
            self.read_delivered(chain, log, data_logs)
        } else if log.address == self.contracts.sequencer_inbox {
            if topic == abi::event_topic(sig::EV_BATCH_DELIVERED) {
                self.read_batch(chain, log, false)
            } else if topic == abi::event_topic(sig::EV_BATCH_FROM_ORIGIN) {
                self.read_batch(chain, log, true)
            } else if topic == abi::event_topic(sig::EV_DELAYED_FORCED) {
                self.read_forced(chain, log)
            } else {
                Ok(())
            }
        } else {
            Ok(())
        }
    }

    fn read_delivered(
        &mut self,
        chain: &mut Chain,
        log: &Log,
        data_logs: &[Log],
    ) -> Result<(), L1Error> {
        let bad = |why: &str| L1Error::Events(format!("MessageDelivered: {why}"));
        let index = log
            .topics
            .get(1)
            .and_then(|t| abi::word_to_u64(&t.0))
            .ok_or_else(|| bad("no message index"))?;
        let before_acc = log
            .topics
            .get(2)
            .copied()
            .ok_or_else(|| bad("no before acc"))?;
        let words = abi::decode_words(&log.data, 4).ok_or_else(|| bad("short data"))?;
        let inbox = abi::word_address(&words[0]).ok_or_else(|| bad("inbox is no address"))?;
        let kind = abi::word_to_u64(&words[1])
            .and_then(|k| u8::try_from(k).ok())
            .ok_or_else(|| bad("kind is no uint8"))?;
        let sender = abi::word_address(&words[2]).ok_or_else(|| bad("sender is no address"))?;
        let data_hash = Hash(words[3]);
        if index != self.inbox.delayed_len() {
            return Err(bad(&format!(
                "message {index} after {} messages",
                self.inbox.delayed_len()
            )));
        }
        let expected_before = self
            .inbox
            .delayed_accumulators()
            .last()
            .copied()
            .unwrap_or(Hash::ZERO);
        if before_acc != expected_before {
            return Err(bad(&format!(
                "message {index}: the before accumulator differs"
            )));
        }
        let data = self.message_data(chain, log, data_logs, inbox, index, &data_hash)?;
        let gas_price = chain
            .receipt(&log.tx_hash)?
            .map(|r| r.gas_price)
            .ok_or_else(|| bad("no receipt for its transaction"))?;
        let timestamp = self.timestamp(chain, log.block)?;
        self.inbox.deliver(L1Message {
            kind,
            sender,
            block_number: Int::from(log.block),
            timestamp: Int::from(timestamp),
            inbox_seq_num: Int::from(index),
            gas_price: Int::from(gas_price),
            data,
        });
        Ok(())
    }

    /// The data of delayed message `index`: from the delivering contract's event in
    /// the same transaction, the transaction's input, or a known preimage; checked
    /// against the hash the Bridge recorded.
    fn message_data(
        &mut self,
        chain: &mut Chain,
        log: &Log,
        data_logs: &[Log],
        inbox: [u8; 20],
        index: u64,
        data_hash: &Hash,
    ) -> Result<Vec<u8>, L1Error> {
        let numbered = |l: &&Log| {
            l.tx_hash == log.tx_hash
                && l.address == inbox
                && l.topics.get(1).and_then(|t| abi::word_to_u64(&t.0)) == Some(index)
        };
        let with_data = abi::event_topic(sig::EV_INBOX_MESSAGE_DELIVERED);
        let from_origin = abi::event_topic(sig::EV_INBOX_MESSAGE_FROM_ORIGIN);
        let data = if let Some(event) = data_logs
            .iter()
            .filter(numbered)
            .find(|l| l.topics.first() == Some(&with_data))
        {
            abi::decode_bytes_at(&event.data, 0).ok_or_else(|| {
                L1Error::Events(format!("InboxMessageDelivered {index}: not (bytes)"))
            })?
        } else if data_logs
            .iter()
            .filter(numbered)
            .any(|l| l.topics.first() == Some(&from_origin))
        {
            let input = chain.transaction_input(&log.tx_hash)?.ok_or_else(|| {
                L1Error::Events(format!("message {index}: its transaction is unknown"))
            })?;
            input
                .get(4..)
                .and_then(|args| abi::decode_bytes_at(args, 0))
                .ok_or_else(|| {
                    L1Error::Events(format!("message {index}: its input is not (bytes)"))
                })?
        } else if let Some(data) = self.preimages.get(data_hash) {
            data.clone()
        } else {
            return Err(L1Error::Events(format!(
                "delayed message {index}: no event or input carries its data"
            )));
        };
        if keccak256(&data) != *data_hash {
            return Err(L1Error::Events(format!(
                "delayed message {index}: its data does not hash to what the Bridge recorded"
            )));
        }
        Ok(data)
    }

    fn read_batch(
        &mut self,
        chain: &mut Chain,
        log: &Log,
        from_origin: bool,
    ) -> Result<(), L1Error> {
        let bad = |why: String| L1Error::Events(format!("a sequencer batch: {why}"));
        let first = log
            .topics
            .get(1)
            .and_then(|t| abi::word_to_u64(&t.0))
            .ok_or_else(|| bad("no first message number".into()))?;
        let new_count = abi::word_at(&log.data, 0)
            .and_then(|w| abi::word_to_u64(&w))
            .ok_or_else(|| bad("no message count".into()))?;
        let after_acc = abi::word_at(&log.data, 1).ok_or_else(|| bad("no after acc".into()))?;
        let (transactions, lengths, metadata, sequencer) = if from_origin {
            let input = chain
                .transaction_input(&log.tx_hash)?
                .ok_or_else(|| bad("its transaction is unknown".into()))?;
            let args = input.get(4..).unwrap_or_default();
            let decoded = (
                abi::decode_bytes_at(args, 0),
                abi::decode_words_at(args, 1),
                abi::decode_words_at(args, 2),
            );
            let sender = chain
                .transaction_sender(&log.tx_hash)?
                .ok_or_else(|| bad("its transaction is unknown".into()))?;
            match decoded {
                (Some(t), Some(l), Some(m)) => (t, l, m, sender),
                _ => return Err(bad("its input is not a batch".into())),
            }
        } else {
            let decoded = (
                abi::decode_bytes_at(&log.data, 2),
                abi::decode_words_at(&log.data, 3),
                abi::decode_words_at(&log.data, 4),
                abi::word_at(&log.data, 6).and_then(|w| abi::word_address(&w)),
            );
            match decoded {
                (Some(t), Some(l), Some(m), Some(s)) => (t, l, m, s),
                _ => return Err(bad("its event data is not a batch".into())),
            }
        };
        if first != self.inbox.len() {
            return Err(bad(format!(
                "it starts at message {first}, the inbox holds {}",
                self.inbox.len()
            )));
        }
        let sections = sections_of(&transactions, &lengths, &metadata).map_err(bad)?;
        self.inbox
            .add_batch(sequencer, &sections)
            .map_err(|e| bad(e.to_string()))?;
        self.check_batch(new_count, after_acc)
    }

    fn read_forced(&mut self, chain: &mut Chain, log: &Log) -> Result<(), L1Error> {
        let bad = |why: String| L1Error::Events(format!("DelayedInboxForced: {why}"));
        let words = abi::decode_words(&log.data, 4).ok_or_else(|| bad("short data".into()))?;
        let new_count = abi::word_to_u64(&words[0]).ok_or_else(|| bad("count".into()))?;
        let total = abi::word_to_u64(&words[1]).ok_or_else(|| bad("total".into()))?;
        let timestamp = self.timestamp(chain, log.block)?;
        self.inbox
            .add_batch(
                self.contracts.sequencer,
                &[BatchSection {
                    block_number: log.block,
                    timestamp,
                    items: Vec::new(),
                    total_delayed_messages_read: total,
                }],
            )
            .map_err(|e| bad(e.to_string()))?;
        self.check_batch(new_count, words[2])
    }

    fn check_batch(&self, new_count: u64, after_acc: Word) -> Result<(), L1Error> {
        let ours = self.inbox.batch_accumulators().last().copied();
        if self.inbox.len() != new_count || ours != Some(Hash(after_acc)) {
            return Err(L1Error::Events(format!(
                "batch {}: the SequencerInbox counts {new_count} messages, the inbox read {}, \
                 or the accumulators differ",
                self.inbox.batches().saturating_sub(1),
                self.inbox.len()
            )));
        }
        Ok(())
    }
}

/// A batch's sections from its transactions, lengths and metadata (5 words per
/// section: items, L1 block, L1 timestamp, delayed messages read, delayed acc). As the
/// SequencerInbox does, metadata words that make no whole section, lengths past the
/// last item and transaction bytes past the last length are ignored: the contract
/// accepted the batch with them, so every reader must read it.
fn sections_of(
    transactions: &[u8],
    lengths: &[Word],
    metadata: &[Word],
) -> Result<Vec<BatchSection>, String> {
    let mut items = transactions;
    let mut next_length = lengths.iter();
    let mut sections = Vec::with_capacity(metadata.len() / 5);
    for chunk in metadata.chunks_exact(5) {
        let number = |i: usize, what: &str| {
            abi::word_to_u64(&chunk[i]).ok_or_else(|| format!("the section's {what} is too large"))
        };
        let count = number(0, "item count")?;
        let mut section = BatchSection {
            block_number: number(1, "block")?,
            timestamp: number(2, "timestamp")?,
            items: Vec::new(),
            total_delayed_messages_read: number(3, "delayed total")?,
        };
        for _ in 0..count {
            let len = next_length
                .next()
                .and_then(abi::word_to_u64)
                .and_then(|n| usize::try_from(n).ok())
                .ok_or("fewer lengths than items")?;
            if len > items.len() {
                return Err("the items are longer than the transactions".into());
            }
            let (item, rest) = items.split_at(len);
            section.items.push(item.to_vec());
            items = rest;
        }
        sections.push(section);
    }
    Ok(sections)
}
