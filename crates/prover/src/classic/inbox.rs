//! A model of the Classic L1 inbox, and Classic proofs of `inbox` steps that read it.
//!
//! [`ClassicInbox`] holds what the Bridge (the delayed inbox) and the SequencerInbox
//! hold after the same deliveries and batches, computed natively as the contracts
//! compute it (see `avm_verifier::classic`'s inbox module for the formulas): the
//! delayed messages with the Bridge's accumulators, the sequencer batches as items
//! (sequencer messages, ranges of delayed messages, end-of-block messages) with their
//! running accumulators, and the messages in the order the machine reads them, as AVM
//! values.
//!
//! [`prove_step_l1`] proves a step of a machine fed that inbox: for an `inbox` step the
//! machine proof is followed by the inbox suffix the contract reads (as the C++
//! validator's `ArbCore::genInboxProof` writes it: the running accumulator before the
//! message's item, the batch's later items, the byte 2), and the ExecutionStates carry
//! the L1 inbox accumulator rather than our machine's.

use avm_machine::Machine;
use avm_value::{keccak256, Hash, Int, Value};
use avm_verifier::classic::{
    bridge_acc, delayed_range_acc, sequencer_item_acc, ClassicStep, ExecutionState, InboxSuffix,
    L1InboxAccumulators, L1Message, LaterItem, MessagePlace, KIND_END_OF_BLOCK, KIND_L2_MESSAGE,
};

use super::{execution_state, prove_step, ClassicProveError};
use crate::ProveError;

/// A section of a sequencer batch: the sequencer's items, then the delayed messages up
/// to a new total (followed by an end-of-block message when that total grows), all
/// stamped with the section's L1 block number and timestamp.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BatchSection {
    /// The L1 block number of the section.
    pub block_number: u64,
    /// The L1 timestamp of the section.
    pub timestamp: u64,
    /// The sequencer's items (L2 messages' data; an empty one is an end-of-block message).
    pub items: Vec<Vec<u8>>,
    /// The delayed messages read once the section is in.
    pub total_delayed_messages_read: u64,
}

/// Why the inbox model refuses a batch, or has no suffix for a message. The batch
/// checks are the SequencerInbox's (its reasons in the messages); its block and time
/// bounds are not modelled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClassicInboxError {
    /// A section reads fewer delayed messages than were read before (DELAYED_BACKWARDS).
    #[error("a section reads {new} delayed messages, fewer than the {read} read before (DELAYED_BACKWARDS)")]
    DelayedBackwards {
        /// The section's total.
        new: u64,
        /// Read before.
        read: u64,
    },
    /// A section reads no delayed message at all (MUST_DELAYED_INIT).
    #[error("every section must have read at least one delayed message (MUST_DELAYED_INIT)")]
    MustDelayedInit,
    /// Sequencer items come before the first delayed message (MUST_DELAYED_INIT_START).
    #[error("sequencer items before the first delayed message (MUST_DELAYED_INIT_START)")]
    MustDelayedInitStart,
    /// A section reads more delayed messages than the Bridge holds (DELAYED_TOO_FAR).
    #[error("a section reads {new} delayed messages, the Bridge holds {held} (DELAYED_TOO_FAR)")]
    DelayedTooFar {
        /// The section's total.
        new: u64,
        /// Messages in the Bridge.
        held: u64,
    },
    /// The batch adds no message (EMPTY_BATCH).
    #[error("the batch adds no message (EMPTY_BATCH)")]
    EmptyBatch,
    /// A block number or timestamp to stamp a batch with passes 64 bits.
    #[error("a block number or timestamp past 64 bits cannot stamp a batch")]
    StampTooLarge,
    /// The SequencerInbox holds no message at this index.
    #[error("the sequencer inbox holds no message {0}")]
    NoMessage(u64),
}

/// An item of the SequencerInbox.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Item {
    /// A sequencer message (an L2 message or an end-of-block message).
    Sequencer(L1Message),
    /// Delayed messages `start..end`.
    Delayed { start: u64, end: u64 },
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct PlacedItem {
    item: Item,
    /// Its first sequence number.
    first: u64,
    /// The running accumulator after it.
    acc: Hash,
    /// The batch it is in.
    batch: u64,
}

/// What a batch would make of the inbox ([`ClassicInbox::preview_batch`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchPreview {
    /// The batch's number.
    pub batch: u64,
    /// The SequencerInbox's accumulator after it.
    pub after_acc: Hash,
    /// Messages in the SequencerInbox after it.
    pub messages_after: u64,
}

/// The Classic L1 inbox: the Bridge's delayed messages and the SequencerInbox's
/// batches, with their accumulators, and the messages the machine reads.
#[derive(Clone, Debug, Default)]
pub struct ClassicInbox {
    delayed: Vec<L1Message>,
    delayed_accs: Vec<Hash>,
    delayed_read: u64,
    items: Vec<PlacedItem>,
    batch_accs: Vec<Hash>,
    /// Per message: the index of its item.
    message_items: Vec<usize>,
    /// Per message: the value the machine receives.
    values: Vec<Value>,
}

fn int(n: u64) -> Int {
    Int::from(n)
}

fn len64(n: usize) -> u64 {
    n as u64
}

impl ClassicInbox {
    /// An empty inbox.
    pub fn new() -> ClassicInbox {
        ClassicInbox::default()
    }

    /// Delivers a delayed message through the Bridge; its sequence number becomes its
    /// index there (whatever `message` held), which this returns.
    pub fn deliver(&mut self, mut message: L1Message) -> u64 {
        let index = len64(self.delayed.len());
        message.inbox_seq_num = int(index);
        let before = self.delayed_accs.last().copied().unwrap_or(Hash::ZERO);
        self.delayed_accs
            .push(bridge_acc(&before, &message.message_hash()));
        self.delayed.push(message);
        index
    }

    /// Messages in the SequencerInbox (the most a machine can read).
    pub fn len(&self) -> u64 {
        len64(self.values.len())
    }

    /// Whether the SequencerInbox holds no message.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Delayed messages in the Bridge.
    pub fn delayed_len(&self) -> u64 {
        len64(self.delayed.len())
    }

    /// Delayed message `index` as the Bridge holds it (its sequence number the index).
    pub fn delayed_message(&self, index: u64) -> Option<&L1Message> {
        self.delayed.get(usize::try_from(index).ok()?)
    }

    /// Batches in the SequencerInbox.
    pub fn batches(&self) -> u64 {
        len64(self.batch_accs.len())
    }

    fn last_acc(&self) -> Hash {
        self.items.last().map_or(Hash::ZERO, |item| item.acc)
    }

    fn push_item(&mut self, item: Item, batch: u64) {
        let first = self.len();
        let acc = self.last_acc();
        let (acc, count) = match &item {
            Item::Sequencer(message) => (
                sequencer_item_acc(
                    &acc,
                    &int(first),
                    &message.prefix_hash(),
                    &message.data_hash(),
                ),
                1,
            ),
            Item::Delayed { start, end } => {
                let end_acc = end
                    .checked_sub(1)
                    .and_then(|i| self.delayed_accs.get(usize::try_from(i).ok()?))
                    .copied()
                    .unwrap_or(Hash::ZERO);
                (
                    delayed_range_acc(&acc, &int(first), &int(*start), &int(*end), &end_acc),
                    end.saturating_sub(*start),
                )
            }
        };
        let index = self.items.len();
        match &item {
            Item::Sequencer(message) => self.values.push(message.avm_value(false)),
            Item::Delayed { start, end } => {
                for message in self
                    .delayed
                    .iter()
                    .skip(usize::try_from(*start).unwrap_or(usize::MAX))
                    .take(usize::try_from(end.saturating_sub(*start)).unwrap_or(0))
                {
                    self.values.push(message.avm_value(true));
                }
            }
        }
        self.message_items
            .extend(std::iter::repeat_n(index, count as usize));
        self.items.push(PlacedItem {
            item,
            first,
            acc,
            batch,
        });
    }

    /// Posts a batch as `SequencerInbox.addSequencerL2Batch` from `sequencer`; returns
    /// its number. On an error nothing changes.
    pub fn add_batch(
        &mut self,
        sequencer: [u8; 20],
        sections: &[BatchSection],
    ) -> Result<u64, ClassicInboxError> {
        // Check first, so that a refused batch leaves no trace.
        let mut read = self.delayed_read;
        let mut adds = false;
        for section in sections {
            let new = section.total_delayed_messages_read;
            if new < read {
                return Err(ClassicInboxError::DelayedBackwards { new, read });
            }
            if new == 0 {
                return Err(ClassicInboxError::MustDelayedInit);
            }
            if read == 0 && !section.items.is_empty() {
                return Err(ClassicInboxError::MustDelayedInitStart);
            }
            if new > self.delayed_len() {
                return Err(ClassicInboxError::DelayedTooFar {
                    new,
                    held: self.delayed_len(),
                });
            }
            adds |= !section.items.is_empty() || new > read;
            read = new;
        }
        if !adds {
            return Err(ClassicInboxError::EmptyBatch);
        }
        let batch = self.batches();
        for section in sections {
            let block_number = int(section.block_number);
            let timestamp = int(section.timestamp);
            for data in &section.items {
                let kind = if data.is_empty() {
                    KIND_END_OF_BLOCK
                } else {
                    KIND_L2_MESSAGE
                };
                let message = L1Message {
                    kind,
                    sender: sequencer,
                    block_number,
                    timestamp,
                    inbox_seq_num: int(self.len()),
                    gas_price: Int::ZERO,
                    data: data.clone(),
                };
                self.push_item(Item::Sequencer(message), batch);
            }
            let new = section.total_delayed_messages_read;
            if new > self.delayed_read {
                let start = self.delayed_read;
                self.push_item(Item::Delayed { start, end: new }, batch);
                self.delayed_read = new;
                let end_of_block = L1Message {
                    kind: KIND_END_OF_BLOCK,
                    sender: [0; 20],
                    block_number,
                    timestamp,
                    inbox_seq_num: int(self.len()),
                    gas_price: Int::ZERO,
                    data: Vec::new(),
                };
                self.push_item(Item::Sequencer(end_of_block), batch);
            }
        }
        self.batch_accs.push(self.last_acc());
        Ok(batch)
    }

    /// What [`ClassicInbox::add_batch`] would make of `sections` from `sequencer`,
    /// without keeping the batch: its number, the SequencerInbox's accumulator after
    /// it, and the messages it would then hold. A batch poster needs the accumulator
    /// before posting (the contract checks it); copying the whole inbox to learn it
    /// would cost the inbox's size at every batch.
    pub fn preview_batch(
        &mut self,
        sequencer: [u8; 20],
        sections: &[BatchSection],
    ) -> Result<BatchPreview, ClassicInboxError> {
        // add_batch only appends to these and moves `delayed_read`; put them back.
        let (read, items, accs, placed, values) = (
            self.delayed_read,
            self.items.len(),
            self.batch_accs.len(),
            self.message_items.len(),
            self.values.len(),
        );
        let batch = self.add_batch(sequencer, sections)?;
        let preview = BatchPreview {
            batch,
            after_acc: self.last_acc(),
            messages_after: self.len(),
        };
        self.delayed_read = read;
        self.items.truncate(items);
        self.batch_accs.truncate(accs);
        self.message_items.truncate(placed);
        self.values.truncate(values);
        Ok(preview)
    }

    /// The inbox an L1 holds after `messages` are delivered, in order, as delayed
    /// messages and then read in one sequencer batch (which ends with an end-of-block
    /// message) stamped with the last message's block and timestamp: what a Classic
    /// challenge over a program's messages feeds its machine (`avm challenge
    /// --protocol classic`, whose L1 delivery gives the same accumulators).
    pub fn delayed_in_one_batch(
        messages: &[L1Message],
        sequencer: [u8; 20],
    ) -> Result<ClassicInbox, ClassicInboxError> {
        let mut inbox = ClassicInbox::new();
        let Some(last) = messages.last() else {
            return Ok(inbox);
        };
        let stamp = |n: &Int| u64::try_from(*n).map_err(|_| ClassicInboxError::StampTooLarge);
        let (block_number, timestamp) = (stamp(&last.block_number)?, stamp(&last.timestamp)?);
        for message in messages {
            inbox.deliver(message.clone());
        }
        inbox.add_batch(
            sequencer,
            &[BatchSection {
                block_number,
                timestamp,
                items: Vec::new(),
                total_delayed_messages_read: inbox.delayed_len(),
            }],
        )?;
        Ok(inbox)
    }

    /// The messages as the machine receives them, in order.
    pub fn values(&self) -> &[Value] {
        &self.values
    }

    /// Message `index` of the SequencerInbox with its L1 fields, and whether it came
    /// from the Bridge.
    pub fn message(&self, index: u64) -> Option<(&L1Message, bool)> {
        let placed = self.placed(index)?;
        match &placed.item {
            Item::Sequencer(message) => Some((message, false)),
            Item::Delayed { start, .. } => {
                let at = index.checked_sub(placed.first)?.checked_add(*start)?;
                let message = self.delayed.get(usize::try_from(at).ok()?)?;
                Some((message, true))
            }
        }
    }

    fn placed(&self, index: u64) -> Option<&PlacedItem> {
        let item = *self.message_items.get(usize::try_from(index).ok()?)?;
        self.items.get(item)
    }

    /// The SequencerInbox's accumulators, one per batch, borrowed (readers that check
    /// one accumulator per event must not copy them all each time).
    pub fn batch_accumulators(&self) -> &[Hash] {
        &self.batch_accs
    }

    /// The Bridge's accumulators, one per delayed message, borrowed.
    pub fn delayed_accumulators(&self) -> &[Hash] {
        &self.delayed_accs
    }

    /// The inbox contracts' accumulators (what a native verifier checks against).
    pub fn accumulators(&self) -> L1InboxAccumulators {
        L1InboxAccumulators {
            batches: self.batch_accs.clone(),
            delayed: self.delayed_accs.clone(),
        }
    }

    /// The Classic ExecutionState's `inboxAcc` after `messages_read` messages: the
    /// running accumulator after the item holding the last message read (0 before
    /// any), as the Classic node reports it.
    pub fn inbox_acc(&self, messages_read: u64) -> Hash {
        messages_read
            .checked_sub(1)
            .and_then(|last| self.placed(last))
            .map_or(Hash::ZERO, |placed| placed.acc)
    }

    /// The inbox suffix proving that message `index` is the SequencerInbox's.
    ///
    /// As the C++ validator writes it: the running accumulator before the message's
    /// item (that of the previous item, perhaps in an earlier batch; 0 for the first),
    /// for a delayed message the whole range holding it (its first sequence number, the
    /// Bridge start and end), then every later item of the same batch.
    pub fn suffix(&self, index: u64) -> Result<InboxSuffix, ClassicInboxError> {
        let item_index = *usize::try_from(index)
            .ok()
            .and_then(|i| self.message_items.get(i))
            .ok_or(ClassicInboxError::NoMessage(index))?;
        let (message, _) = self
            .message(index)
            .ok_or(ClassicInboxError::NoMessage(index))?;
        let placed = self
            .items
            .get(item_index)
            .ok_or(ClassicInboxError::NoMessage(index))?;
        let prev_acc = item_index
            .checked_sub(1)
            .and_then(|i| self.items.get(i))
            .map_or(Hash::ZERO, |prev| prev.acc);
        let place = match &placed.item {
            Item::Sequencer(_) => MessagePlace::Sequencer,
            Item::Delayed { start, end } => MessagePlace::Delayed {
                first_seq_num: int(placed.first),
                start: int(*start),
                end: int(*end),
            },
        };
        let later = self
            .items
            .iter()
            .skip(item_index.saturating_add(1))
            .take_while(|later| later.batch == placed.batch)
            .map(|later| match &later.item {
                Item::Sequencer(message) => LaterItem::Sequencer {
                    prefix_hash: message.prefix_hash(),
                    data_hash: keccak256(&message.data),
                },
                Item::Delayed { start, end } => LaterItem::Delayed {
                    start: int(*start),
                    end: int(*end),
                },
            })
            .collect();
        Ok(InboxSuffix {
            message: message.clone(),
            batch: int(placed.batch),
            prev_acc,
            place,
            later,
        })
    }
}

/// Where an assertion's last message sits in the SequencerInbox, and the
/// `sequencerBatchProof` of `RollupUser.stakeOnNewNode` that shows it: the batch
/// holding that message, the batch's end count and accumulator (what the node hash
/// commits to), and the proof bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchProof {
    /// The batch holding the last message read.
    pub batch: u64,
    /// Messages in the SequencerInbox once that batch is in.
    pub batch_end_count: u64,
    /// The SequencerInbox's `inboxAccs[batch]`.
    pub batch_acc: Hash,
    /// `uint batch ‖ (batch > 0: end(batch − 1)) ‖ end(batch)`, each end the
    /// accumulator before the batch's last item, that item's sequence number, prefix
    /// hash and data hash (classic-rollup.md §5).
    pub proof: Vec<u8>,
}

impl ClassicInbox {
    /// The proof that the first `messages_read` messages (at least one) end inside a
    /// batch the SequencerInbox holds (None: no such message).
    pub fn batch_proof(&self, messages_read: u64) -> Option<BatchProof> {
        let last = self.placed(messages_read.checked_sub(1)?)?;
        let batch = last.batch;
        let mut proof = Vec::with_capacity(288);
        proof.extend_from_slice(&uint_word(batch));
        if let Some(previous) = batch.checked_sub(1) {
            proof.extend_from_slice(&self.batch_end(previous)?);
        }
        proof.extend_from_slice(&self.batch_end(batch)?);
        let end = self.last_item_of(batch)?;
        Some(BatchProof {
            batch,
            batch_end_count: self.items.get(end)?.first.checked_add(1)?,
            batch_acc: *self.batch_accs.get(usize::try_from(batch).ok()?)?,
            proof,
        })
    }

    /// The index of batch `batch`'s last item.
    fn last_item_of(&self, batch: u64) -> Option<usize> {
        self.items
            .partition_point(|item| item.batch <= batch)
            .checked_sub(1)
            .filter(|&i| self.items.get(i).is_some_and(|item| item.batch == batch))
    }

    /// `end(batch)`: the accumulator before the batch's last item (always a sequencer
    /// message: an L2 message or the end of block after a delayed run), its sequence
    /// number, prefix hash and data hash.
    fn batch_end(&self, batch: u64) -> Option<[u8; 128]> {
        let index = self.last_item_of(batch)?;
        let placed = self.items.get(index)?;
        let Item::Sequencer(message) = &placed.item else {
            return None;
        };
        let before = index
            .checked_sub(1)
            .and_then(|i| self.items.get(i))
            .map_or(Hash::ZERO, |item| item.acc);
        let mut end = [0u8; 128];
        end[..32].copy_from_slice(&before.0);
        end[32..64].copy_from_slice(&uint_word(placed.first));
        end[64..96].copy_from_slice(&message.prefix_hash().0);
        end[96..].copy_from_slice(&keccak256(&message.data).0);
        Some(end)
    }
}

fn uint_word(n: u64) -> [u8; 32] {
    let mut word = [0u8; 32];
    word[24..].copy_from_slice(&n.to_be_bytes());
    word
}

/// The Classic ExecutionState of `machine`, fed `inbox`, with the L1 inbox accumulator.
pub fn execution_state_l1(machine: &mut Machine, inbox: &ClassicInbox) -> ExecutionState {
    let mut state = execution_state(machine);
    state.inbox_acc = inbox.inbox_acc(state.inbox_count);
    state
}

/// Proves `machine`'s next step in the Classic format as the L1 contracts check it
/// against `inbox`, and executes it: for an `inbox` step the machine proof is followed
/// by the inbox suffix of the message read, and both states carry the L1 inbox
/// accumulator. The machine reads `inbox`'s messages in order (message k as the k-th it
/// consumes). On an error nothing is executed.
pub fn prove_step_l1(
    machine: &mut Machine,
    inbox: &ClassicInbox,
) -> Result<ClassicStep, ClassicProveError> {
    let opcode = machine
        .code()
        .instruction(machine.pc())
        .map(|insn| insn.opcode);
    let suffix = if opcode == Some(avm_code::Opcode::Inbox as u8) {
        let read = machine.inbox_position().consumed;
        if read >= inbox.len() {
            return Err(ProveError::Blocked(read).into());
        }
        Some(inbox.suffix(read)?)
    } else {
        None
    };
    let mut step = prove_step(machine, inbox.values())?;
    if let Some(suffix) = suffix {
        suffix.write(&mut step.proof);
    }
    step.before.inbox_acc = inbox.inbox_acc(step.before.inbox_count);
    step.after.inbox_acc = inbox.inbox_acc(step.after.inbox_count);
    Ok(step)
}

/// [`prove_step_l1`] for up to `count` consecutive steps, stopping early, without an
/// error, where the run halts, enters ErrorStop or blocks on the inbox.
pub fn prove_steps_l1(
    machine: &mut Machine,
    inbox: &ClassicInbox,
    count: u64,
) -> Result<Vec<ClassicStep>, ClassicProveError> {
    let mut steps = Vec::new();
    for _ in 0..count {
        match prove_step_l1(machine, inbox) {
            Ok(step) => steps.push(step),
            Err(ClassicProveError::Step(ProveError::NotRunning(_) | ProveError::Blocked(_))) => {
                break
            }
            Err(e) => return Err(e),
        }
    }
    Ok(steps)
}

#[cfg(test)]
mod tests {
    use super::*;
    use avm_verifier::classic::{L1InboxOracle, NoL1Inbox};

    fn delayed(n: u8) -> L1Message {
        L1Message {
            kind: 7,
            sender: [n; 20],
            block_number: int(u64::from(n)),
            timestamp: int(10 * u64::from(n)),
            gas_price: int(u64::from(n) * 3),
            data: vec![n; usize::from(n) * 9],
            ..L1Message::default()
        }
    }

    #[test]
    fn every_message_has_a_suffix_the_accumulators_accept() {
        let mut inbox = ClassicInbox::new();
        for n in 1..=4 {
            inbox.deliver(delayed(n));
        }
        let seq = [9u8; 20];
        assert_eq!(
            inbox.add_batch(
                seq,
                &[BatchSection {
                    items: vec![b"x".to_vec()],
                    total_delayed_messages_read: 1,
                    ..BatchSection::default()
                }]
            ),
            Err(ClassicInboxError::MustDelayedInitStart)
        );
        inbox
            .add_batch(
                seq,
                &[
                    BatchSection {
                        block_number: 5,
                        timestamp: 50,
                        items: vec![],
                        total_delayed_messages_read: 2,
                    },
                    BatchSection {
                        block_number: 6,
                        timestamp: 60,
                        items: vec![b"tx".to_vec(), vec![]],
                        total_delayed_messages_read: 3,
                    },
                ],
            )
            .unwrap_or_else(|e| panic!("{e}"));
        inbox
            .add_batch(
                seq,
                &[BatchSection {
                    block_number: 7,
                    timestamp: 70,
                    items: vec![vec![1; 70]],
                    total_delayed_messages_read: 4,
                }],
            )
            .unwrap_or_else(|e| panic!("{e}"));
        // 2 delayed, end of block, 2 items, 1 delayed, end of block; 1 item, 1 delayed,
        // end of block.
        assert_eq!(inbox.len(), 10);
        let accs = inbox.accumulators();
        for k in 0..inbox.len() {
            let suffix = inbox.suffix(k).unwrap_or_else(|e| panic!("{e}"));
            let checked = suffix
                .check(&int(k), &accs)
                .unwrap_or_else(|e| panic!("message {k}: {e}"));
            let (_, delayed) = inbox.message(k).unwrap_or_else(|| panic!("message {k}"));
            assert_eq!(checked.delayed, delayed);
            assert_eq!(checked.item_acc, inbox.inbox_acc(k + 1));
            assert_eq!(
                Some(checked.value.hash()),
                inbox
                    .values()
                    .get(k as usize)
                    .map(|v| avm_value::value_hash(v, &avm_value::NoCode))
            );
            // Read at another position, or without the contracts, it is refused.
            assert!(suffix.check(&int(k + 1), &accs).is_err());
            assert!(suffix.check(&int(k), &NoL1Inbox).is_err());
        }
        assert_eq!(accs.batch_acc(&int(1)), Some(inbox.inbox_acc(10)));
    }

    /// A preview is what adding the batch gives, and leaves the inbox as it was, so
    /// the batch can then be added (or another previewed) as if never previewed.
    #[test]
    fn a_preview_is_the_batch_without_keeping_it() {
        let mut inbox = ClassicInbox::new();
        for n in 1..=3 {
            inbox.deliver(delayed(n));
        }
        let seq = [9u8; 20];
        let first = [BatchSection {
            block_number: 5,
            timestamp: 50,
            items: vec![],
            total_delayed_messages_read: 2,
        }];
        inbox
            .add_batch(seq, &first)
            .unwrap_or_else(|e| panic!("{e}"));
        let second = [BatchSection {
            block_number: 6,
            timestamp: 60,
            items: vec![b"tx".to_vec(), vec![]],
            total_delayed_messages_read: 3,
        }];
        let fingerprint = |inbox: &ClassicInbox| {
            let values: Vec<_> = inbox
                .values()
                .iter()
                .map(|v| avm_value::value_hash(v, &avm_value::NoCode))
                .collect();
            (
                inbox.accumulators(),
                inbox.len(),
                inbox.delayed_read,
                values,
            )
        };
        let before = fingerprint(&inbox);
        let preview = inbox
            .preview_batch(seq, &second)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(fingerprint(&inbox), before);
        assert_eq!(
            inbox.preview_batch(seq, &[]),
            Err(ClassicInboxError::EmptyBatch)
        );
        assert_eq!(fingerprint(&inbox), before);
        let batch = inbox
            .add_batch(seq, &second)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            preview,
            BatchPreview {
                batch,
                after_acc: *inbox.batch_accumulators().last().unwrap_or(&Hash::ZERO),
                messages_after: inbox.len(),
            }
        );
        assert_eq!(preview.messages_after, before.1 + 4);
    }
}
