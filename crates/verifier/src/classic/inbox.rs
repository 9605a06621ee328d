//! The Classic L1 inbox as an `inbox` step's proof shows it: the message with its L1
//! fields, and the way to the SequencerInbox batch that sequenced it.
//!
//! On Arbitrum Classic the machine reads the messages of the SequencerInbox in order.
//! The SequencerInbox keeps one accumulator per batch; inside a batch each item folds
//! into a running accumulator that carries over from the previous batch:
//!
//! - a sequencer item (an L2 message the sequencer posted, or an end-of-block message):
//!   `acc = keccak(acc, seqNum, prefixHash, dataHash)` with
//!   `prefixHash = keccak(sender (20 bytes), block, timestamp)`; its message is of kind 3
//!   (L2 message) when the data is not empty and 6 (end of block) when it is, with L1 gas
//!   price 0 and sequence number `seqNum`, the message's place in the SequencerInbox;
//! - a range of delayed messages `start..end` taken from the Bridge:
//!   `acc = keccak("Delayed messages:", acc, firstSeqNum, start, end, bridgeAcc[end - 1])`,
//!   the range taking sequence numbers `firstSeqNum..firstSeqNum + (end - start)`.
//!
//! The Bridge (the delayed inbox) keeps `bridgeAcc[n] = keccak(bridgeAcc[n - 1],
//! messageHash)`, with `messageHash = keccak(kind (1 byte), sender (20 bytes), block,
//! timestamp, n, gasPrice, keccak(data))` and `bridgeAcc[-1] = 0`.
//!
//! The machine receives the 8-tuple (kind, block, timestamp, sender, sequence number,
//! gas price, data length, data as a buffer); for a delayed message the sequence number
//! is its Bridge index with bit 255 set.
//!
//! The suffix an `inbox` step's proof carries after the machine proof (what
//! `OneStepProof.incrementInbox` reads, and what [`InboxSuffix`] reads and writes):
//! the message's kind (1 byte), sender (20 bytes), block, timestamp, sequence number,
//! gas price and data length (32 bytes each), the data; the batch number (32 bytes); a
//! byte 0 (the message is a sequencer item) or 1 (it lies in a delayed range); the
//! running accumulator before its item (32 bytes); for a delayed message the range's
//! first sequence number, start and end (32 bytes each); then the later items of the
//! batch, each a byte 0 with a prefix hash and a data hash, or a byte 1 with a range's
//! start and end (its first sequence number follows from the items before); and the
//! byte 2. Bytes after the 2 are not read. The contract's arithmetic is modulo 2^256,
//! and so is ours.

use avm_value::{keccak256, keccak_pair, Buffer, Hash, Int, Tuple, Value};

use crate::merkle::root_of_bytes;
use crate::ProofValue;

/// The message kind of an L2 message posted by the sequencer.
pub const KIND_L2_MESSAGE: u8 = 3;
/// The message kind of an end-of-block message.
pub const KIND_END_OF_BLOCK: u8 = 6;

/// Bit 255, set in the sequence number the machine sees for a delayed message.
pub fn delayed_seq_num_bit() -> Int {
    let mut bytes = [0u8; 32];
    bytes[0] = 0x80;
    Int::from_be_bytes(bytes)
}

/// A Classic L1 inbox message with its L1 fields.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct L1Message {
    /// The message kind.
    pub kind: u8,
    /// The L1 sender.
    pub sender: [u8; 20],
    /// The L1 block number it was delivered (or sequenced) in.
    pub block_number: Int,
    /// The L1 timestamp.
    pub timestamp: Int,
    /// Its sequence number: the Bridge index of a delayed message, the SequencerInbox
    /// index of a sequencer message.
    pub inbox_seq_num: Int,
    /// The L1 gas price at delivery (0 for sequencer messages).
    pub gas_price: Int,
    /// The data.
    pub data: Vec<u8>,
}

fn word(value: &Int) -> [u8; 32] {
    value.to_be_bytes::<32>()
}

fn address_int(address: &[u8; 20]) -> Int {
    let mut bytes = [0u8; 32];
    for (to, from) in bytes.iter_mut().skip(12).zip(address) {
        *to = *from;
    }
    Int::from_be_bytes(bytes)
}

/// The longest message data [`L1Message::from_avm_value`] takes (16 MiB: over ten
/// times what an L1 block can carry).
pub const MAX_MESSAGE_DATA: u64 = 16 << 20;

/// Why an AVM value is not a Classic L1 message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NotAnL1Message {
    /// Not an 8-tuple.
    #[error("not a tuple of 8 (kind, block, timestamp, sender, seqNum, gasPrice, length, data)")]
    Shape,
    /// A field that must be an Integer is not one.
    #[error("its {0} is not an Integer")]
    NotAnInteger(&'static str),
    /// A field is larger than its type.
    #[error("its {field} does not fit {bits} bits")]
    TooLarge {
        /// The field.
        field: &'static str,
        /// Its width.
        bits: u32,
    },
    /// The data is not a Buffer.
    #[error("its data is not a Buffer")]
    NotABuffer,
    /// The data holds bytes past the length the message states.
    #[error("its data is longer than its length says")]
    DataPastLength,
}

impl L1Message {
    /// Reads the 8-tuple `(kind, block, timestamp, sender, seqNum, gasPrice, length,
    /// data)` a machine receives back into an L1 message. The sequence number is not
    /// kept: the inbox that delivers the message assigns it (the Bridge its index).
    pub fn from_avm_value(value: &Value) -> Result<L1Message, NotAnL1Message> {
        let Value::Tuple(tuple) = value else {
            return Err(NotAnL1Message::Shape);
        };
        let fields = tuple.items();
        if fields.len() != 8 {
            return Err(NotAnL1Message::Shape);
        }
        let int = |i: usize, name: &'static str| match fields.get(i) {
            Some(Value::Int(n)) => Ok(*n),
            _ => Err(NotAnL1Message::NotAnInteger(name)),
        };
        let fits = |n: Int, field: &'static str, bits: u32| {
            if n.bit_len() > bits as usize {
                Err(NotAnL1Message::TooLarge { field, bits })
            } else {
                Ok(n)
            }
        };
        let kind = fits(int(0, "kind")?, "kind", 8)?;
        let sender = fits(int(3, "sender")?, "sender", 160)?.to_be_bytes::<32>();
        let length = fits(int(6, "length")?, "length", 64)?;
        let length = u64::try_from(length).map_err(|_| NotAnL1Message::TooLarge {
            field: "length",
            bits: 64,
        })?;
        if length > MAX_MESSAGE_DATA {
            return Err(NotAnL1Message::TooLarge {
                field: "length",
                bits: MAX_MESSAGE_DATA.ilog2(),
            });
        }
        let Some(Value::Buffer(buffer)) = fields.get(7) else {
            return Err(NotAnL1Message::NotABuffer);
        };
        let mut data = buffer
            .to_vec(u128::from(length))
            .ok_or(NotAnL1Message::DataPastLength)?;
        data.resize(usize::try_from(length).unwrap_or(usize::MAX), 0);
        let mut address = [0u8; 20];
        for (to, from) in address.iter_mut().zip(sender.iter().skip(12)) {
            *to = *from;
        }
        Ok(L1Message {
            kind: kind.to_be_bytes::<32>().last().copied().unwrap_or_default(),
            sender: address,
            block_number: int(1, "block number")?,
            timestamp: int(2, "timestamp")?,
            inbox_seq_num: Int::ZERO,
            gas_price: int(5, "gas price")?,
            data,
        })
    }

    /// keccak of the data.
    pub fn data_hash(&self) -> Hash {
        keccak256(&self.data)
    }

    /// `Messages.messageHash`: what the Bridge accumulates.
    pub fn message_hash(&self) -> Hash {
        let mut bytes = Vec::with_capacity(1 + 20 + 32 * 5);
        bytes.push(self.kind);
        bytes.extend_from_slice(&self.sender);
        for value in [
            &self.block_number,
            &self.timestamp,
            &self.inbox_seq_num,
            &self.gas_price,
        ] {
            bytes.extend_from_slice(&word(value));
        }
        bytes.extend_from_slice(&self.data_hash().0);
        keccak256(&bytes)
    }

    /// keccak(sender, block, timestamp): the prefix hash of a sequencer item.
    pub fn prefix_hash(&self) -> Hash {
        prefix_hash(&self.sender, &self.block_number, &self.timestamp)
    }

    /// Whether the message has the form of a sequencer item: kind 3 with data or 6
    /// without, and gas price 0. Only such a message can be proven as a sequencer
    /// item (the contract hashes zeros in place of the others' prefix and data hashes).
    pub fn is_sequencer_form(&self) -> bool {
        let kind = if self.data.is_empty() {
            KIND_END_OF_BLOCK
        } else {
            KIND_L2_MESSAGE
        };
        self.kind == kind && self.gas_price.is_zero()
    }

    /// The sequence number the machine sees (bit 255 set for a delayed message).
    pub fn machine_seq_num(&self, delayed: bool) -> Int {
        if delayed {
            self.inbox_seq_num | delayed_seq_num_bit()
        } else {
            self.inbox_seq_num
        }
    }

    fn fields(&self, delayed: bool) -> [Int; 7] {
        [
            Int::from(self.kind),
            self.block_number,
            self.timestamp,
            address_int(&self.sender),
            self.machine_seq_num(delayed),
            self.gas_price,
            Int::from(self.data.len()),
        ]
    }

    /// The AVM value the machine receives for this message.
    pub fn avm_value(&self, delayed: bool) -> Value {
        let [a, b, c, d, e, f, g] = self.fields(delayed).map(Value::Int);
        Value::Tuple(Tuple::from_array([
            a,
            b,
            c,
            d,
            e,
            f,
            g,
            Value::Buffer(Buffer::from_bytes(&self.data)),
        ]))
    }

    /// The same value as a proof shows it (the buffer by its root).
    pub fn proof_value(&self, delayed: bool) -> ProofValue {
        let mut items: Vec<ProofValue> = self
            .fields(delayed)
            .into_iter()
            .map(ProofValue::Int)
            .collect();
        items.push(ProofValue::Buffer(root_of_bytes(&self.data)));
        ProofValue::Tuple(items)
    }

    /// Appends the message as the suffix shows it.
    pub fn write_for_proof(&self, out: &mut Vec<u8>) {
        out.push(self.kind);
        out.extend_from_slice(&self.sender);
        for value in [
            &self.block_number,
            &self.timestamp,
            &self.inbox_seq_num,
            &self.gas_price,
            &Int::from(self.data.len()),
        ] {
            out.extend_from_slice(&word(value));
        }
        out.extend_from_slice(&self.data);
    }
}

/// keccak(sender (20 bytes), block, timestamp).
pub fn prefix_hash(sender: &[u8; 20], block_number: &Int, timestamp: &Int) -> Hash {
    let mut bytes = Vec::with_capacity(84);
    bytes.extend_from_slice(sender);
    bytes.extend_from_slice(&word(block_number));
    bytes.extend_from_slice(&word(timestamp));
    keccak256(&bytes)
}

/// The running accumulator after a sequencer item.
pub fn sequencer_item_acc(acc: &Hash, seq_num: &Int, prefix_hash: &Hash, data_hash: &Hash) -> Hash {
    let mut bytes = Vec::with_capacity(128);
    bytes.extend_from_slice(&acc.0);
    bytes.extend_from_slice(&word(seq_num));
    bytes.extend_from_slice(&prefix_hash.0);
    bytes.extend_from_slice(&data_hash.0);
    keccak256(&bytes)
}

/// The running accumulator after a range of delayed messages `start..end` whose first
/// sequence number is `first_seq_num`; `end_acc` is the Bridge's accumulator after
/// message `end - 1`.
pub fn delayed_range_acc(
    acc: &Hash,
    first_seq_num: &Int,
    start: &Int,
    end: &Int,
    end_acc: &Hash,
) -> Hash {
    let mut bytes = Vec::with_capacity(17 + 32 * 5);
    bytes.extend_from_slice(b"Delayed messages:");
    bytes.extend_from_slice(&acc.0);
    for value in [first_seq_num, start, end] {
        bytes.extend_from_slice(&word(value));
    }
    bytes.extend_from_slice(&end_acc.0);
    keccak256(&bytes)
}

/// The Bridge's accumulator after a message with hash `message_hash`, from `before`.
pub fn bridge_acc(before: &Hash, message_hash: &Hash) -> Hash {
    keccak_pair(before, message_hash)
}

/// What the inbox contracts hold, as an `inbox` step reads them: the SequencerInbox's
/// accumulator after each batch and the Bridge's after each delayed message.
pub trait L1InboxOracle {
    /// `SequencerInbox.inboxAccs(batch)`, if there is such a batch.
    fn batch_acc(&self, batch: &Int) -> Option<Hash>;
    /// `Bridge.inboxAccs(index)`, if there is such a delayed message.
    fn delayed_acc(&self, index: &Int) -> Option<Hash>;
}

/// The inbox contracts' accumulators, listed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct L1InboxAccumulators {
    /// The SequencerInbox's accumulator after each batch.
    pub batches: Vec<Hash>,
    /// The Bridge's accumulator after each delayed message.
    pub delayed: Vec<Hash>,
}

fn at(list: &[Hash], index: &Int) -> Option<Hash> {
    list.get(usize::try_from(*index).ok()?).copied()
}

impl L1InboxOracle for L1InboxAccumulators {
    fn batch_acc(&self, batch: &Int) -> Option<Hash> {
        at(&self.batches, batch)
    }

    fn delayed_acc(&self, index: &Int) -> Option<Hash> {
        at(&self.delayed, index)
    }
}

/// No inbox contracts: every `inbox` step is refused.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NoL1Inbox;

impl L1InboxOracle for NoL1Inbox {
    fn batch_acc(&self, _: &Int) -> Option<Hash> {
        None
    }

    fn delayed_acc(&self, _: &Int) -> Option<Hash> {
        None
    }
}

/// Where the message lies in its batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MessagePlace {
    /// It is a sequencer item.
    Sequencer,
    /// It lies in a range of delayed messages.
    Delayed {
        /// The sequence number of the range's first message.
        first_seq_num: Int,
        /// The range's first Bridge index.
        start: Int,
        /// One past its last Bridge index.
        end: Int,
    },
}

/// An item of the batch after the message's own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LaterItem {
    /// A sequencer item, by its prefix hash and data hash.
    Sequencer {
        /// keccak(sender, block, timestamp).
        prefix_hash: Hash,
        /// keccak(data).
        data_hash: Hash,
    },
    /// A range of delayed messages.
    Delayed {
        /// Its first Bridge index.
        start: Int,
        /// One past its last.
        end: Int,
    },
}

/// The inbox suffix of an `inbox` step's Classic proof.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InboxSuffix {
    /// The message, with its L1 fields.
    pub message: L1Message,
    /// The SequencerInbox batch that holds it.
    pub batch: Int,
    /// The running accumulator before the message's item.
    pub prev_acc: Hash,
    /// Whether the message is a sequencer item or in a delayed range.
    pub place: MessagePlace,
    /// The items of the batch after the message's, up to the batch's end.
    pub later: Vec<LaterItem>,
}

/// Why an inbox suffix is refused. Each case is a revert of the contract; the
/// contract's reason is in the message where it gives one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InboxSuffixError {
    /// The bytes end before the suffix does (the contract: "too short", or an index
    /// out of bounds).
    #[error("the inbox suffix ends early")]
    EndsEarly,
    /// The message's data is longer than the bytes left.
    #[error("the inbox message's data runs past the proof")]
    DataPastEnd,
    /// The delayed flag is neither 0 nor 1 (IS_DELAYED_VAL).
    #[error("the delayed flag is {0}, neither 0 nor 1 (IS_DELAYED_VAL)")]
    DelayedFlag(u8),
    /// A later item's tag is not 0, 1 or 2 (REM_IS_DELAYED_VAL).
    #[error("a later item's tag is {0}, not 0, 1 or 2 (REM_IS_DELAYED_VAL)")]
    ItemTag(u8),
    /// A sequencer message's sequence number is not the messages read
    /// (WRONG_SEQUENCER_MSG_SEQ_NUM).
    #[error("the sequencer message's sequence number is not the messages read (WRONG_SEQUENCER_MSG_SEQ_NUM)")]
    SequencerSeqNum,
    /// The delayed message lies before its range (DELAYED_START).
    #[error("the delayed message lies before its range (DELAYED_START)")]
    DelayedStart,
    /// The delayed message lies past its range (DELAYED_END).
    #[error("the delayed message lies past its range (DELAYED_END)")]
    DelayedEnd,
    /// The Bridge has no accumulator at an index the suffix needs.
    #[error("the Bridge holds no delayed message at an index the suffix names")]
    NoDelayedAcc,
    /// The delayed message is not the Bridge's (DELAYED_ACC).
    #[error("the delayed message is not the Bridge's message at its index (DELAYED_ACC)")]
    DelayedAcc,
    /// The delayed message's place in the sequence is not the messages read
    /// (WRONG_DELAYED_MSG_SEQ_NUM).
    #[error("the delayed message's place in the sequence is not the messages read (WRONG_DELAYED_MSG_SEQ_NUM)")]
    DelayedSeqNum,
    /// The SequencerInbox has no such batch.
    #[error("the SequencerInbox holds no batch {0}")]
    NoBatch(Int),
    /// The items do not end at the batch's accumulator (WRONG_BATCH_ACC).
    #[error("the items do not end at batch {0}'s accumulator (WRONG_BATCH_ACC)")]
    BatchAcc(Int),
}

impl InboxSuffixError {
    /// A fixed description, for where only a static string fits.
    pub fn reason(&self) -> &'static str {
        match self {
            InboxSuffixError::EndsEarly => "the inbox suffix ends early",
            InboxSuffixError::DataPastEnd => "the inbox message's data runs past the proof",
            InboxSuffixError::DelayedFlag(_) => "inbox suffix: IS_DELAYED_VAL",
            InboxSuffixError::ItemTag(_) => "inbox suffix: REM_IS_DELAYED_VAL",
            InboxSuffixError::SequencerSeqNum => "inbox suffix: WRONG_SEQUENCER_MSG_SEQ_NUM",
            InboxSuffixError::DelayedStart => "inbox suffix: DELAYED_START",
            InboxSuffixError::DelayedEnd => "inbox suffix: DELAYED_END",
            InboxSuffixError::NoDelayedAcc => "inbox suffix: the Bridge holds no such message",
            InboxSuffixError::DelayedAcc => "inbox suffix: DELAYED_ACC",
            InboxSuffixError::DelayedSeqNum => "inbox suffix: WRONG_DELAYED_MSG_SEQ_NUM",
            InboxSuffixError::NoBatch(_) => "inbox suffix: the SequencerInbox holds no such batch",
            InboxSuffixError::BatchAcc(_) => "inbox suffix: WRONG_BATCH_ACC",
        }
    }
}

/// A cursor over the suffix's bytes.
struct Cursor<'a> {
    bytes: &'a [u8],
    read: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], InboxSuffixError> {
        if n > self.bytes.len() {
            return Err(InboxSuffixError::EndsEarly);
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        self.read = self.read.saturating_add(n);
        Ok(head)
    }

    fn u8(&mut self) -> Result<u8, InboxSuffixError> {
        self.take(1)?
            .first()
            .copied()
            .ok_or(InboxSuffixError::EndsEarly)
    }

    fn peek(&self) -> Result<u8, InboxSuffixError> {
        self.bytes
            .first()
            .copied()
            .ok_or(InboxSuffixError::EndsEarly)
    }

    fn word(&mut self) -> Result<[u8; 32], InboxSuffixError> {
        self.take(32)?
            .try_into()
            .map_err(|_| InboxSuffixError::EndsEarly)
    }

    fn int(&mut self) -> Result<Int, InboxSuffixError> {
        self.word().map(Int::from_be_bytes)
    }

    fn hash(&mut self) -> Result<Hash, InboxSuffixError> {
        self.word().map(Hash)
    }
}

/// A message an `inbox` step reads, checked against the inbox contracts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedMessage {
    /// The value the machine receives, as a proof shows it.
    pub value: ProofValue,
    /// Whether it came from the Bridge.
    pub delayed: bool,
    /// The running accumulator after the message's item: the Classic
    /// ExecutionState's `inboxAcc` once the message is read.
    pub item_acc: Hash,
}

impl InboxSuffix {
    /// Appends the suffix's bytes.
    pub fn write(&self, out: &mut Vec<u8>) {
        self.message.write_for_proof(out);
        out.extend_from_slice(&word(&self.batch));
        match &self.place {
            MessagePlace::Sequencer => {
                out.push(0);
                out.extend_from_slice(&self.prev_acc.0);
            }
            MessagePlace::Delayed {
                first_seq_num,
                start,
                end,
            } => {
                out.push(1);
                out.extend_from_slice(&self.prev_acc.0);
                for value in [first_seq_num, start, end] {
                    out.extend_from_slice(&word(value));
                }
            }
        }
        for item in &self.later {
            match item {
                LaterItem::Sequencer {
                    prefix_hash,
                    data_hash,
                } => {
                    out.push(0);
                    out.extend_from_slice(&prefix_hash.0);
                    out.extend_from_slice(&data_hash.0);
                }
                LaterItem::Delayed { start, end } => {
                    out.push(1);
                    out.extend_from_slice(&word(start));
                    out.extend_from_slice(&word(end));
                }
            }
        }
        out.push(2);
    }

    /// The suffix's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write(&mut out);
        out
    }

    /// Reads a suffix from the start of `bytes` (what follows an `inbox` step's machine
    /// proof); returns it with the bytes read, up to and including the final 2.
    pub fn parse(bytes: &[u8]) -> Result<(InboxSuffix, usize), InboxSuffixError> {
        let mut r = Cursor { bytes, read: 0 };
        let kind = r.u8()?;
        let sender: [u8; 20] = r
            .take(20)?
            .try_into()
            .map_err(|_| InboxSuffixError::EndsEarly)?;
        let block_number = r.int()?;
        let timestamp = r.int()?;
        let inbox_seq_num = r.int()?;
        let gas_price = r.int()?;
        let length = r.int()?;
        let length = usize::try_from(length).map_err(|_| InboxSuffixError::DataPastEnd)?;
        if length > r.bytes.len() {
            return Err(InboxSuffixError::DataPastEnd);
        }
        let data = r.take(length)?.to_vec();
        let batch = r.int()?;
        let flag = r.u8()?;
        if flag > 1 {
            return Err(InboxSuffixError::DelayedFlag(flag));
        }
        let prev_acc = r.hash()?;
        let place = if flag == 0 {
            MessagePlace::Sequencer
        } else {
            MessagePlace::Delayed {
                first_seq_num: r.int()?,
                start: r.int()?,
                end: r.int()?,
            }
        };
        let mut later = Vec::new();
        loop {
            match r.peek()? {
                2 => {
                    r.u8()?;
                    break;
                }
                0 => {
                    r.u8()?;
                    later.push(LaterItem::Sequencer {
                        prefix_hash: r.hash()?,
                        data_hash: r.hash()?,
                    });
                }
                1 => {
                    r.u8()?;
                    later.push(LaterItem::Delayed {
                        start: r.int()?,
                        end: r.int()?,
                    });
                }
                tag => return Err(InboxSuffixError::ItemTag(tag)),
            }
        }
        let suffix = InboxSuffix {
            message: L1Message {
                kind,
                sender,
                block_number,
                timestamp,
                inbox_seq_num,
                gas_price,
                data,
            },
            batch,
            prev_acc,
            place,
            later,
        };
        Ok((suffix, r.read))
    }

    /// Checks the suffix as `OneStepProof` does for an `inbox` step taken after
    /// `messages_read` messages: the message must be the SequencerInbox's next, shown
    /// in a batch whose items end at the batch's accumulator.
    pub fn check(
        &self,
        messages_read: &Int,
        inbox: &impl L1InboxOracle,
    ) -> Result<CheckedMessage, InboxSuffixError> {
        let message = &self.message;
        let (prefix, data) = if message.is_sequencer_form() {
            (message.prefix_hash(), message.data_hash())
        } else {
            // The contract hashes zeros for a message that is no sequencer item.
            (Hash::ZERO, Hash::ZERO)
        };
        let seq_num = message.inbox_seq_num;
        let delayed_acc = |index: &Int| {
            inbox
                .delayed_acc(index)
                .ok_or(InboxSuffixError::NoDelayedAcc)
        };
        let (mut acc, mut next_seq, delayed) = match &self.place {
            MessagePlace::Sequencer => {
                let acc = sequencer_item_acc(&self.prev_acc, &seq_num, &prefix, &data);
                if seq_num != *messages_read {
                    return Err(InboxSuffixError::SequencerSeqNum);
                }
                (acc, seq_num.wrapping_add(Int::ONE), false)
            }
            MessagePlace::Delayed {
                first_seq_num,
                start,
                end,
            } => {
                let end_acc = delayed_acc(&end.wrapping_sub(Int::ONE))?;
                if seq_num < *start {
                    return Err(InboxSuffixError::DelayedStart);
                }
                if seq_num >= *end {
                    return Err(InboxSuffixError::DelayedEnd);
                }
                let before = match seq_num.checked_sub(Int::ONE) {
                    Some(prev) => delayed_acc(&prev)?,
                    None => Hash::ZERO,
                };
                if bridge_acc(&before, &message.message_hash()) != delayed_acc(&seq_num)? {
                    return Err(InboxSuffixError::DelayedAcc);
                }
                let place = seq_num.wrapping_sub(*start).wrapping_add(*first_seq_num);
                if place != *messages_read {
                    return Err(InboxSuffixError::DelayedSeqNum);
                }
                let acc = delayed_range_acc(&self.prev_acc, first_seq_num, start, end, &end_acc);
                let next = first_seq_num.wrapping_add(end.wrapping_sub(*start));
                (acc, next, true)
            }
        };
        let item_acc = acc;
        for item in &self.later {
            match item {
                LaterItem::Sequencer {
                    prefix_hash,
                    data_hash,
                } => {
                    acc = sequencer_item_acc(&acc, &next_seq, prefix_hash, data_hash);
                    next_seq = next_seq.wrapping_add(Int::ONE);
                }
                LaterItem::Delayed { start, end } => {
                    let end_acc = delayed_acc(&end.wrapping_sub(Int::ONE))?;
                    acc = delayed_range_acc(&acc, &next_seq, start, end, &end_acc);
                    next_seq = next_seq.wrapping_add(end.wrapping_sub(*start));
                }
            }
        }
        let batch_acc = inbox
            .batch_acc(&self.batch)
            .ok_or(InboxSuffixError::NoBatch(self.batch))?;
        if acc != batch_acc {
            return Err(InboxSuffixError::BatchAcc(self.batch));
        }
        Ok(CheckedMessage {
            value: message.proof_value(delayed),
            delayed,
            item_acc,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn proof_value_hashes_as_the_machine_value() {
        for len in [0usize, 1, 31, 32, 33, 64, 65, 100, 300] {
            let mut data: Vec<u8> = (0..len).map(|i| (i % 251) as u8 + 1).collect();
            if len > 40 {
                // Zeros at the end are trimmed by both.
                data[len - 20..].fill(0);
            }
            let message = L1Message {
                kind: 3,
                sender: [7; 20],
                block_number: Int::from(5u8),
                timestamp: Int::from(50u8),
                inbox_seq_num: Int::from(2u8),
                gas_price: Int::ZERO,
                data,
            };
            for delayed in [false, true] {
                assert_eq!(
                    message.proof_value(delayed).hash(),
                    avm_value::value_hash(&message.avm_value(delayed), &avm_value::NoCode),
                    "length {len}"
                );
            }
        }
    }

    #[test]
    fn suffixes_round_trip_and_truncations_are_refused() {
        let suffix = InboxSuffix {
            message: L1Message {
                kind: 9,
                sender: [1; 20],
                data: vec![5; 40],
                ..L1Message::default()
            },
            batch: Int::from(3u8),
            prev_acc: Hash([4; 32]),
            place: MessagePlace::Delayed {
                first_seq_num: Int::from(1u8),
                start: Int::ZERO,
                end: Int::from(2u8),
            },
            later: vec![
                LaterItem::Sequencer {
                    prefix_hash: Hash([8; 32]),
                    data_hash: Hash([9; 32]),
                },
                LaterItem::Delayed {
                    start: Int::from(2u8),
                    end: Int::from(3u8),
                },
            ],
        };
        let mut bytes = suffix.to_bytes();
        let len = bytes.len();
        bytes.extend([0xee; 5]);
        assert_eq!(InboxSuffix::parse(&bytes).unwrap(), (suffix, len));
        for cut in 0..len {
            assert!(InboxSuffix::parse(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut bad = bytes.clone();
        bad[len - 1] = 3;
        assert_eq!(
            InboxSuffix::parse(&bad).unwrap_err(),
            InboxSuffixError::ItemTag(3)
        );
    }
}
