//! Feeding the Classic inbox through the deployed contracts' own entry points, so the
//! accumulators an `inbox` step is proven against are the ones the chain computed.

use avm_value::{keccak256, Hash};

use crate::abi::{self, Token, Word};
use crate::contracts;
use crate::world::{L1Error, L1World, DELAYED_INBOX, SEQUENCER};

/// A message for the delayed inbox (the Bridge). Its block number, timestamp and gas
/// price become the EVM's at delivery: the Bridge records `block.number`,
/// `block.timestamp` and `tx.gasprice`, not arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DelayedMessage {
    /// The message kind.
    pub kind: u8,
    /// The L1 sender recorded in the message.
    pub sender: [u8; 20],
    /// L1 block number of the delivery.
    pub block_number: u64,
    /// L1 timestamp of the delivery.
    pub timestamp: u64,
    /// L1 gas price of the delivery.
    pub gas_price: u128,
    /// The message's data (the Bridge stores only its hash).
    pub data: Vec<u8>,
}

/// A delayed message as the Bridge recorded it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliveredMessage {
    /// Its sequence number in the delayed inbox.
    pub seq_num: u64,
    /// The Bridge's accumulator after it (`inboxAccs[seq_num]`).
    pub inbox_acc: Hash,
}

/// One section of a sequencer batch: sequencer items, then the delayed messages up to a
/// new total, stamped with the current L1 block and timestamp.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BatchSection {
    /// The sequencer's items (each an L2 message's data).
    pub items: Vec<Vec<u8>>,
    /// Delayed messages read once this section is in (never less than before; the first
    /// section of the first batch must reach at least 1 and carry no items).
    pub total_delayed_messages_read: u64,
}

/// A batch for `SequencerInbox.addSequencerL2Batch`, posted by [`SEQUENCER`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SequencerBatch {
    /// The sections, in order.
    pub sections: Vec<BatchSection>,
}

/// A posted batch as the SequencerInbox recorded it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PostedBatch {
    /// The batch's index in `inboxAccs`.
    pub batch_index: u64,
    /// Messages in the sequencer inbox before the batch.
    pub before_count: u64,
    /// Messages after it (items, delayed messages and one end-of-block message per
    /// section that reads delayed messages).
    pub after_count: u64,
    /// The accumulator before the batch.
    pub before_acc: Hash,
    /// The accumulator after it.
    pub after_acc: Hash,
}

fn word_u64(value: u64) -> Word {
    abi::uint64(value)
}

pub(crate) fn concat_hash(parts: &[&[u8]]) -> Hash {
    keccak256(&parts.concat())
}

impl L1World {
    /// Delivers `message` through `Bridge.deliverMessageToInbox` from the allowed inbox
    /// [`DELAYED_INBOX`], with the block number, timestamp and gas price set to the
    /// message's (they stay so afterwards; the gas price goes back to what it was).
    pub fn deliver_message(
        &mut self,
        message: &DelayedMessage,
    ) -> Result<DeliveredMessage, L1Error> {
        let bridge = self.deployed().bridge;
        let data_hash = keccak256(&message.data);
        let call = abi::encode_call(
            contracts::BRIDGE_DELIVER,
            &[
                Token::Word(word_u64(u64::from(message.kind))),
                Token::Word(abi::address(message.sender)),
                Token::Word(data_hash.0),
            ],
        );
        self.set_block(message.block_number, message.timestamp);
        let saved_price = self.gas_price();
        self.set_gas_price(message.gas_price);
        let returned = self.expect_success(DELAYED_INBOX, bridge, contracts::BRIDGE_DELIVER, &call);
        self.set_gas_price(saved_price);
        let returned = returned?;
        let seq_num = abi::decode_words(&returned, 1)
            .and_then(|words| abi::word_to_u64(&words[0]))
            .ok_or(L1Error::BadReturn {
                call: contracts::BRIDGE_DELIVER,
                len: returned.len(),
            })?;
        Ok(DeliveredMessage {
            seq_num,
            inbox_acc: self.delayed_acc(seq_num)?,
        })
    }

    /// The Bridge's accumulator after delayed message `index`.
    pub fn delayed_acc(&mut self, index: u64) -> Result<Hash, L1Error> {
        let bridge = self.deployed().bridge;
        let words = self.view_words(
            bridge,
            contracts::INBOX_ACCS,
            &[Token::Word(word_u64(index))],
            1,
        )?;
        Ok(Hash(words[0]))
    }

    /// Messages in the Bridge (the delayed inbox).
    pub fn delayed_count(&mut self) -> Result<u64, L1Error> {
        let bridge = self.deployed().bridge;
        self.view_u64(bridge, contracts::MESSAGE_COUNT)
    }

    /// Messages in the SequencerInbox (what a machine's inbox count runs up to).
    pub fn sequencer_count(&mut self) -> Result<u64, L1Error> {
        let seq = self.deployed().sequencer_inbox;
        self.view_u64(seq, contracts::MESSAGE_COUNT)
    }

    /// The SequencerInbox's accumulator after batch `index`.
    pub fn sequencer_acc(&mut self, index: u64) -> Result<Hash, L1Error> {
        let seq = self.deployed().sequencer_inbox;
        let words = self.view_words(
            seq,
            contracts::INBOX_ACCS,
            &[Token::Word(word_u64(index))],
            1,
        )?;
        Ok(Hash(words[0]))
    }

    fn view_u64(&mut self, to: [u8; 20], call: &'static str) -> Result<u64, L1Error> {
        let words = self.view_words(to, call, &[], 1)?;
        abi::word_to_u64(&words[0]).ok_or(L1Error::BadReturn { call, len: 32 })
    }

    /// Posts `batch` through `SequencerInbox.addSequencerL2Batch` from [`SEQUENCER`],
    /// every section stamped with the current block number and timestamp (the inbox's
    /// maximum delays are 0). The after accumulator the call must name is computed here
    /// the way the contract does; the contract rejects the batch (`AFTER_ACC`) if the
    /// two disagree.
    pub fn add_sequencer_batch(&mut self, batch: &SequencerBatch) -> Result<PostedBatch, L1Error> {
        let seq = self.deployed().sequencer_inbox;
        let (block, timestamp) = self.block();
        let batches = self.view_u64(seq, "getInboxAccsLength()")?;
        let before_acc = match batches.checked_sub(1) {
            Some(last) => self.sequencer_acc(last)?,
            None => Hash::ZERO,
        };
        let before_count = self.sequencer_count()?;
        let mut delayed_read = self.view_u64(seq, "totalDelayedMessagesRead()")?;

        let mut acc = before_acc;
        let mut count = before_count;
        let mut transactions = Vec::new();
        let mut lengths = Vec::new();
        let mut metadata = Vec::new();
        let prefix = concat_hash(&[&SEQUENCER, &word_u64(block), &word_u64(timestamp)]);
        for section in &batch.sections {
            for item in &section.items {
                acc = concat_hash(&[&acc.0, &word_u64(count), &prefix.0, &keccak256(item).0]);
                count += 1;
                transactions.extend_from_slice(item);
                lengths.push(word_u64(item.len() as u64));
            }
            let new_total = section.total_delayed_messages_read;
            let delayed_acc = match new_total.checked_sub(1) {
                Some(last) if new_total > delayed_read => self.delayed_acc(last)?,
                _ => Hash::ZERO,
            };
            if new_total > delayed_read {
                acc = concat_hash(&[
                    b"Delayed messages:",
                    &acc.0,
                    &word_u64(count),
                    &word_u64(delayed_read),
                    &word_u64(new_total),
                    &delayed_acc.0,
                ]);
                count += new_total - delayed_read;
                let end_of_block =
                    concat_hash(&[&[0u8; 20], &word_u64(block), &word_u64(timestamp)]);
                acc = concat_hash(&[&acc.0, &word_u64(count), &end_of_block.0, &keccak256(&[]).0]);
                count += 1;
                delayed_read = new_total;
            }
            metadata.extend([
                word_u64(section.items.len() as u64),
                word_u64(block),
                word_u64(timestamp),
                word_u64(new_total),
                delayed_acc.0,
            ]);
        }
        let call = abi::encode_call(
            contracts::SEQ_ADD_BATCH,
            &[
                Token::Bytes(transactions),
                Token::Words(lengths),
                Token::Words(metadata),
                Token::Word(acc.0),
            ],
        );
        self.expect_success(SEQUENCER, seq, contracts::SEQ_ADD_BATCH, &call)?;
        let after_count = self.sequencer_count()?;
        if after_count != count {
            return Err(L1Error::Invalid(format!(
                "the SequencerInbox counts {after_count} messages after the batch, we count {count}"
            )));
        }
        Ok(PostedBatch {
            batch_index: batches,
            before_count,
            after_count,
            before_acc,
            after_acc: self.sequencer_acc(batches)?,
        })
    }
}
