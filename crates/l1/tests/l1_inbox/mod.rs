//! The L1 inbox the conformance and differential tests share: the contracts deployed
//! in revm, three delayed messages through the Bridge and two SequencerInbox batches
//! (8 messages), and our model of the same inbox, checked against the chain's
//! accumulators after every delivery.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};

use avm_l1::{Contracts, DelayedMessage, L1Config, L1World, Section, SequencerBatch, SEQUENCER};
use avm_prover::classic::{self as prover, ClassicInbox};
use avm_value::Int;
use avm_verifier::classic::L1Message;

/// The Arbitrum Classic fixtures.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/classic")
}

/// The chain and our model of it, fed the same deliveries and batches.
pub struct Inboxes {
    /// The chain.
    pub world: L1World,
    /// Our model of its inbox.
    pub model: ClassicInbox,
}

impl Inboxes {
    /// The contracts freshly deployed, with an empty inbox.
    pub fn new() -> Inboxes {
        let contracts = Contracts::load(fixtures().join("contracts")).expect("contracts");
        Inboxes {
            world: L1World::new(&contracts, L1Config::default()).expect("world"),
            model: ClassicInbox::new(),
        }
    }

    /// Delivers `m` through the Bridge and to the model; their accumulators agree.
    pub fn deliver(&mut self, m: &DelayedMessage) {
        let delivered = self.world.deliver_message(m).unwrap();
        let index = self.model.deliver(L1Message {
            kind: m.kind,
            sender: m.sender,
            block_number: Int::from(m.block_number),
            timestamp: Int::from(m.timestamp),
            inbox_seq_num: Int::ZERO,
            gas_price: Int::from(m.gas_price),
            data: m.data.clone(),
        });
        assert_eq!(delivered.seq_num, index);
        assert_eq!(
            delivered.inbox_acc,
            self.model.accumulators().delayed[index as usize],
            "the Bridge's accumulator"
        );
    }

    /// Posts a SequencerInbox batch and adds it to the model; they agree.
    pub fn batch(&mut self, sections: Vec<Section>) {
        let (block_number, timestamp) = self.world.block();
        let posted = self
            .world
            .add_sequencer_batch(&SequencerBatch {
                sections: sections.clone(),
            })
            .unwrap();
        let ours: Vec<prover::BatchSection> = sections
            .into_iter()
            .map(|s| prover::BatchSection {
                block_number,
                timestamp,
                items: s.items,
                total_delayed_messages_read: s.total_delayed_messages_read,
            })
            .collect();
        let batch = self.model.add_batch(SEQUENCER, &ours).unwrap();
        assert_eq!(posted.batch_index, batch);
        assert_eq!(posted.after_count, self.model.len());
        assert_eq!(
            posted.after_acc,
            self.model.accumulators().batches[batch as usize],
            "the SequencerInbox's accumulator"
        );
        assert_eq!(posted.after_acc, self.model.inbox_acc(self.model.len()));
    }
}

/// The delayed message numbered `n`: kinds, senders, prices and data vary with it.
pub fn delayed(n: u8) -> DelayedMessage {
    DelayedMessage {
        kind: [3, 9, 12, 7][usize::from(n) % 4],
        sender: [n; 20],
        block_number: 10 + u64::from(n),
        timestamp: 1_000 + u64::from(n),
        gas_price: 1_000_000_000 * u128::from(n),
        data: (0..usize::from(n) * 29)
            .map(|i| (i * 7 + 1) as u8)
            .collect(),
    }
}

/// The contracts deployed, with three delayed messages and two batches mixing them
/// with sequencer items: 3 delayed messages, 2 end-of-block messages after them, 3
/// sequencer items (one empty, which is an end-of-block message); 8 messages.
pub fn inboxes() -> Inboxes {
    let mut inboxes = Inboxes::new();
    for n in 1..=3 {
        inboxes.deliver(&delayed(n));
    }
    inboxes.world.set_block(20, 2_000).unwrap();
    inboxes.batch(vec![
        Section {
            items: vec![],
            total_delayed_messages_read: 2,
        },
        Section {
            items: vec![b"tx one".to_vec(), vec![0xab; 70]],
            total_delayed_messages_read: 2,
        },
    ]);
    inboxes.world.set_block(21, 2_013).unwrap();
    inboxes.batch(vec![Section {
        items: vec![vec![]],
        total_delayed_messages_read: 3,
    }]);
    assert_eq!(inboxes.model.len(), 8);
    inboxes
}
