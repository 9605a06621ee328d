//! The sequencer's side of the machine's inbox: what the SequencerInbox will hold once
//! the pending sections are posted, message by message, in the order the machine reads
//! it (classic-rollup.md §3): sequencer items at their position (kind 3, or 6 for an
//! empty item that ends a block, from the sequencer, gas price 0), delayed messages as
//! the Bridge holds them (seen with sequence number 2^255|d) followed by an
//! end-of-block message. The machine reads exactly what L1 will hold, so a follower
//! rebuilding the chain from L1 alone reads the same.

use avm_prover::classic::BatchSection;
use avm_value::{Int, Value};
use avm_verifier::classic::{L1Message, KIND_END_OF_BLOCK, KIND_L2_MESSAGE};

/// A section not yet on L1, and where its messages start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingSection {
    /// The position of its first message in the SequencerInbox.
    pub first: u64,
    /// Its messages (items, then delayed ones and an end-of-block message).
    pub count: u64,
    /// The section as it will be posted.
    pub section: BatchSection,
}

/// The SequencerInbox as the sequencer is filling it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sequencer {
    /// The account that posts batches (the items' sender).
    pub address: [u8; 20],
    /// Messages in the SequencerInbox, pending ones included: the next item's position.
    pub position: u64,
    /// Delayed messages read so far.
    pub delayed_read: u64,
    /// Sections executed but not yet posted, oldest first.
    pub pending: Vec<PendingSection>,
}

impl Sequencer {
    /// A sequencer posting as `address` from an empty SequencerInbox.
    pub fn new(address: [u8; 20]) -> Sequencer {
        Sequencer {
            address,
            position: 0,
            delayed_read: 0,
            pending: Vec::new(),
        }
    }

    /// The section the next messages stamped `stamp` go into: the newest, if it has
    /// that stamp and reads no delayed messages yet (a section's items come first,
    /// then its delayed messages), else a new one.
    fn open_section(&mut self, stamp: (u64, u64)) -> &mut PendingSection {
        let reusable = self.pending.last().is_some_and(|last| {
            (last.section.block_number, last.section.timestamp) == stamp
                && last.section.total_delayed_messages_read == self.delayed_read
                && !last.reads_delayed()
        });
        if !reusable {
            self.pending.push(PendingSection {
                first: self.position,
                count: 0,
                section: BatchSection {
                    block_number: stamp.0,
                    timestamp: stamp.1,
                    items: Vec::new(),
                    total_delayed_messages_read: self.delayed_read,
                },
            });
        }
        // Just pushed, or reused: there is a last one.
        let last = self.pending.len().saturating_sub(1);
        &mut self.pending[last]
    }

    /// Sequences `items` (L2 messages' data; an empty one ends a block) stamped with an
    /// L1 block and timestamp; the messages the machine reads for them.
    pub fn items(&mut self, stamp: (u64, u64), items: Vec<Vec<u8>>) -> Vec<Value> {
        let address = self.address;
        let mut values = Vec::with_capacity(items.len());
        for data in items {
            let position = self.position;
            let kind = if data.is_empty() {
                KIND_END_OF_BLOCK
            } else {
                KIND_L2_MESSAGE
            };
            values.push(
                L1Message {
                    kind,
                    sender: address,
                    block_number: Int::from(stamp.0),
                    timestamp: Int::from(stamp.1),
                    inbox_seq_num: Int::from(position),
                    gas_price: Int::ZERO,
                    data: data.clone(),
                }
                .avm_value(false),
            );
            let section = self.open_section(stamp);
            section.section.items.push(data);
            section.count += 1;
            self.position += 1;
        }
        values
    }

    /// Reads the delayed messages `messages` (the Bridge's, from index
    /// `delayed_read` on) in a section stamped with an L1 block and timestamp; the
    /// messages the machine reads for them: the delayed ones, then the end of block.
    pub fn delayed(&mut self, stamp: (u64, u64), messages: &[L1Message]) -> Vec<Value> {
        if messages.is_empty() {
            return Vec::new();
        }
        let mut values: Vec<Value> = messages.iter().map(|m| m.avm_value(true)).collect();
        let total = self.delayed_read + messages.len() as u64;
        let end_position = self.position + messages.len() as u64;
        values.push(
            L1Message {
                kind: KIND_END_OF_BLOCK,
                sender: [0; 20],
                block_number: Int::from(stamp.0),
                timestamp: Int::from(stamp.1),
                inbox_seq_num: Int::from(end_position),
                gas_price: Int::ZERO,
                data: Vec::new(),
            }
            .avm_value(false),
        );
        let section = self.open_section(stamp);
        section.section.total_delayed_messages_read = total;
        section.count += messages.len() as u64 + 1;
        self.position = end_position + 1;
        self.delayed_read = total;
        values
    }

    /// The sections to post next (those not yet on L1).
    pub fn to_post(&self) -> Vec<BatchSection> {
        self.pending.iter().map(|p| p.section.clone()).collect()
    }

    /// Drops the pending sections that end at or before `on_l1` messages (what the
    /// SequencerInbox now counts).
    pub fn posted(&mut self, on_l1: u64) {
        self.pending.retain(|p| p.first + p.count > on_l1);
    }
}

impl PendingSection {
    fn reads_delayed(&self) -> bool {
        // A section reads delayed messages when it holds more messages than items.
        self.count > self.section.items.len() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use avm_prover::classic::ClassicInbox;

    fn delayed(n: u8) -> L1Message {
        L1Message {
            kind: 9,
            sender: [n; 20],
            block_number: Int::from(u64::from(n)),
            timestamp: Int::from(100 * u64::from(n)),
            inbox_seq_num: Int::ZERO,
            gas_price: Int::from(7u64),
            data: vec![n; 40],
        }
    }

    #[test]
    fn the_machine_reads_what_the_posted_batches_make_the_sequencer_inbox_hold() {
        // The same deliveries to the model of the L1's inbox, and to the sequencer.
        let poster = [0x5e; 20];
        let mut l1 = ClassicInbox::new();
        let mut bridge = Vec::new();
        for n in 0..3u8 {
            let mut m = delayed(n);
            m.inbox_seq_num = Int::from(l1.deliver(m.clone()));
            bridge.push(m);
        }
        let mut seq = Sequencer::new(poster);
        let mut machine = Vec::new();
        machine.extend(seq.delayed((10, 1000), &bridge[..1]));
        machine.extend(seq.items((10, 1000), vec![b"tx a".to_vec(), vec![]]));
        machine.extend(seq.items((11, 1012), vec![b"tx b".to_vec(), b"tx c".to_vec(), vec![]]));
        machine.extend(seq.delayed((11, 1012), &bridge[1..3]));
        machine.extend(seq.items((11, 1012), vec![b"tx d".to_vec(), vec![]]));
        assert_eq!(seq.position, machine.len() as u64);
        l1.add_batch(poster, &seq.to_post())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(l1.len(), seq.position);
        for (k, (a, b)) in machine.iter().zip(l1.values()).enumerate() {
            assert_eq!(
                avm_value::value_hash(a, &avm_value::NoCode),
                avm_value::value_hash(b, &avm_value::NoCode),
                "message {k}"
            );
        }
        seq.posted(l1.len());
        assert!(seq.pending.is_empty());
    }
}
