//! The one delivery path: messages enter the L1 through the entry points a real chain
//! uses (the Inbox for delayed messages, the SequencerInbox for batches), and the
//! machine's inbox is read back from the L1's own events ([`InboxReader`]) exactly
//! as the Classic node builds it (classic-rollup.md §2-3: delayed seqNum 2^255|d,
//! end-of-block items, sequencer items), its accumulators from the verifier's
//! functions and checked against the contracts' at every step.
//!
//! A challenge set (upstream's test wiring) also lets an account put a message
//! straight into the Bridge: only for messages no entry point produces (the recorded
//! games' and benchmark logs' kinds and senders). A deployed rollup has no such door.

mod reader;

pub use reader::{InboxReader, ReadMessage, SYNC_WINDOW};

use avm_prover::classic::BatchSection;
use avm_value::{keccak256, Hash};

use crate::abi::{self, signatures as sig, Token};
use crate::chain::{Chain, L1Error, Receipt, TxRequest};
use crate::setup::InboxContracts;

/// A message for the delayed inbox. Its block number, timestamp and gas price are the
/// L1's at delivery (the Bridge records `block.number`, `block.timestamp` and
/// `tx.gasprice`, not arguments): [`deliver_at`] puts the delivery in that block.
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

/// The entry point a delayed message went through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    /// `Inbox.sendL2Message(data)` from the sender (kind 3).
    SendL2Message,
    /// `Inbox.depositEth(maxSubmissionCost)` with the deposit attached (kind 9).
    DepositEth,
    /// Straight into the Bridge from the challenge set's test account.
    TestInbox,
}

impl Entry {
    /// How the output names it.
    pub fn name(self) -> &'static str {
        match self {
            Entry::SendL2Message => "Inbox.sendL2Message",
            Entry::DepositEth => "Inbox.depositEth",
            Entry::TestInbox => "the test inbox",
        }
    }
}

/// A delayed message as the Bridge recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    /// Its index in the Bridge.
    pub index: u64,
    /// How it entered.
    pub entry: Entry,
    /// The delivering transaction's receipt.
    pub receipt: Receipt,
}

/// The entry point a real chain uses for `message`, if one produces it exactly: an
/// L2 message (kind 3) from a non-zero sender is `Inbox.sendL2Message` sent by that
/// account.
pub fn entry_for(message: &DelayedMessage) -> Option<Entry> {
    (message.kind == 3 && message.sender != [0; 20]).then_some(Entry::SendL2Message)
}

/// Delivers `message` in the chain's current block: through its entry point
/// ([`entry_for`]), or, where none produces it, through the test inbox when `ic` has
/// one (a rollup has none: then it is refused, naming the message's kind and sender).
pub fn deliver(
    chain: &mut Chain,
    ic: &InboxContracts,
    message: &DelayedMessage,
) -> Result<Delivered, L1Error> {
    let (entry, from, to, input) = match (entry_for(message), ic.test_inbox) {
        (Some(entry), _) => (
            entry,
            message.sender,
            ic.inbox,
            abi::encode_call(sig::INBOX_SEND_L2, &[Token::Bytes(message.data.clone())]),
        ),
        (None, Some(test_inbox)) => (
            Entry::TestInbox,
            test_inbox,
            ic.bridge,
            abi::encode_call(
                sig::BRIDGE_DELIVER,
                &[
                    Token::Word(abi::uint64(u64::from(message.kind))),
                    Token::Word(abi::address(message.sender)),
                    Token::Word(keccak256(&message.data).0),
                ],
            ),
        ),
        (None, None) => {
            return Err(L1Error::Invalid(format!(
                "a kind-{} message from 0x{} enters through no entry point of the rollup \
                 (its Inbox delivers L2 messages, kind 3, from their non-zero sender)",
                message.kind,
                hex::encode(message.sender)
            )))
        }
    };
    let label = format!("deliver a delayed message through {}", entry.name());
    let receipt =
        chain.must(TxRequest::call(from, to, input, label).with_gas_price(message.gas_price))?;
    let index = delivered_index(&receipt, ic.bridge)?;
    Ok(Delivered {
        index,
        entry,
        receipt,
    })
}

/// Delivers `message` in its own block (number and timestamp), as [`deliver`] does.
pub fn deliver_at(
    chain: &mut Chain,
    ic: &InboxContracts,
    message: &DelayedMessage,
) -> Result<Delivered, L1Error> {
    chain.set_block(message.block_number, message.timestamp)?;
    deliver(chain, ic, message)
}

/// `Inbox.sendL2Message(data)` from `from`: an L2 message (kind 3) into the delayed
/// inbox.
pub fn send_l2_message(
    chain: &mut Chain,
    ic: &InboxContracts,
    from: [u8; 20],
    data: &[u8],
) -> Result<Delivered, L1Error> {
    let receipt = chain.must(TxRequest::call(
        from,
        ic.inbox,
        abi::encode_call(sig::INBOX_SEND_L2, &[Token::Bytes(data.to_vec())]),
        "Inbox.sendL2Message",
    ))?;
    Ok(Delivered {
        index: delivered_index(&receipt, ic.bridge)?,
        entry: Entry::SendL2Message,
        receipt,
    })
}

/// `Inbox.depositEth(maxSubmissionCost)` from `from` with `value` wei: a deposit (a
/// kind-9 retryable) into the delayed inbox; the Bridge holds the ETH.
pub fn deposit_eth(
    chain: &mut Chain,
    ic: &InboxContracts,
    from: [u8; 20],
    value: u128,
    max_submission_cost: u128,
) -> Result<Delivered, L1Error> {
    let receipt = chain.must(
        TxRequest::call(
            from,
            ic.inbox,
            abi::encode_call(
                sig::INBOX_DEPOSIT_ETH,
                &[Token::Word(abi::uint128(max_submission_cost))],
            ),
            "Inbox.depositEth",
        )
        .with_value(value),
    )?;
    Ok(Delivered {
        index: delivered_index(&receipt, ic.bridge)?,
        entry: Entry::DepositEth,
        receipt,
    })
}

/// The Bridge index of the message a delivery's receipt shows (its `MessageDelivered`).
fn delivered_index(receipt: &Receipt, bridge: [u8; 20]) -> Result<u64, L1Error> {
    let topic = abi::event_topic(sig::EV_MESSAGE_DELIVERED);
    receipt
        .logs
        .iter()
        .find(|log| log.address == bridge && log.topics.first() == Some(&topic))
        .and_then(|log| log.topics.get(1))
        .and_then(|index| abi::word_to_u64(&index.0))
        .ok_or_else(|| L1Error::Events("a delivery without the Bridge's MessageDelivered".into()))
}

/// A section of a batch to post: the sequencer's items, then the delayed messages up
/// to a new total.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Section {
    /// The sequencer's items (each an L2 message's data; an empty one ends a block).
    pub items: Vec<Vec<u8>>,
    /// Delayed messages read once this section is in.
    pub total_delayed_messages_read: u64,
}

/// A posted batch as the SequencerInbox recorded it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PostedBatch {
    /// The batch's index in `inboxAccs`.
    pub batch_index: u64,
    /// Messages in the sequencer inbox before the batch.
    pub before_count: u64,
    /// Messages after it.
    pub after_count: u64,
    /// The accumulator before the batch.
    pub before_acc: Hash,
    /// The accumulator after it.
    pub after_acc: Hash,
    /// L1 gas the posting used.
    pub gas_used: u64,
}

/// `sections` all stamped with one L1 block number and timestamp.
pub fn stamped(stamp: (u64, u64), sections: &[Section]) -> Vec<BatchSection> {
    sections
        .iter()
        .map(|s| BatchSection {
            block_number: stamp.0,
            timestamp: stamp.1,
            items: s.items.clone(),
            total_delayed_messages_read: s.total_delayed_messages_read,
        })
        .collect()
}

/// Posts `sections` through `SequencerInbox.addSequencerL2Batch` from the sequencer,
/// each stamped with its own L1 block number and timestamp (which the SequencerInbox's
/// delay window must admit), the after accumulator computed natively from `reader`'s
/// model of the inbox (which the contract checks: AFTER_ACC), then read back through
/// `reader`.
pub fn post_batch(
    chain: &mut Chain,
    reader: &mut InboxReader,
    sections: &[BatchSection],
) -> Result<PostedBatch, L1Error> {
    reader.sync(chain)?;
    let ic = *reader.contracts();
    let before_count = reader.inbox().len();
    let before_acc = reader
        .inbox()
        .batch_accumulators()
        .last()
        .copied()
        .unwrap_or(Hash::ZERO);
    let preview = reader
        .preview_batch(ic.sequencer, sections)
        .map_err(|e| L1Error::Invalid(format!("the batch: {e}")))?;
    let (batch_index, after_acc) = (preview.batch, preview.after_acc);
    let delayed_accs = reader.inbox().delayed_accumulators();
    let mut transactions = Vec::new();
    let mut lengths = Vec::new();
    let mut metadata = Vec::new();
    for section in sections {
        for item in &section.items {
            transactions.extend_from_slice(item);
            lengths.push(abi::uint64(item.len() as u64));
        }
        let delayed_acc = section
            .total_delayed_messages_read
            .checked_sub(1)
            .and_then(|last| delayed_accs.get(usize::try_from(last).ok()?).copied())
            .unwrap_or(Hash::ZERO);
        metadata.extend([
            abi::uint64(section.items.len() as u64),
            abi::uint64(section.block_number),
            abi::uint64(section.timestamp),
            abi::uint64(section.total_delayed_messages_read),
            delayed_acc.0,
        ]);
    }
    let input = abi::encode_call(
        sig::SEQ_ADD_BATCH,
        &[
            Token::Bytes(transactions),
            Token::Words(lengths),
            Token::Words(metadata),
            Token::Word(after_acc.0),
        ],
    );
    let receipt = chain.must(TxRequest::call(
        ic.sequencer,
        ic.sequencer_inbox,
        input,
        "post a sequencer batch",
    ))?;
    reader.sync(chain)?;
    if reader.inbox().batches() <= batch_index || reader.inbox().len() != preview.messages_after {
        return Err(L1Error::Events(format!(
            "batch {batch_index} was posted but the SequencerInbox's events do not show it"
        )));
    }
    Ok(PostedBatch {
        batch_index,
        before_count,
        after_count: preview.messages_after,
        before_acc,
        after_acc,
        gas_used: receipt.gas_used,
    })
}
