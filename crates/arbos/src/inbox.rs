//! The inbox message: what the node hands ArbOS for each L1 message, as the 8-tuple
//! `(kind, l1Block, l1Timestamp, sender, seqNum, l1GasPrice, size, Buffer(payload))`.

use avm_value::{Buffer, Int, Tuple, Value};

use crate::address::Address;
use crate::read::{self, Budget, DecodeError};

/// The L1 message kinds ArbOS v58 knows (`L1MessageType_*` in arb-os's constants.json).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum MessageKind {
    /// An L2 message ([`crate::L2Message`]).
    L2 = 3,
    /// Chain parameters, the code used by ArbOS v36 and below; still accepted.
    SetChainParametersLegacy = 4,
    /// End of the current Arbitrum block (empty payload).
    EndOfBlock = 6,
    /// A deposit plus an unsigned transaction of subtype 0 or 1.
    L2FundedByL1 = 7,
    /// A rollup protocol event; ignored by ArbOS.
    RollupProtocolEvent = 8,
    /// A retryable ticket submission (`Inbox.depositEth` and `createRetryableTicket`).
    SubmitRetryable = 9,
    /// An L2 message run for gas estimation (node-local).
    L2ForGasEstimation = 10,
    /// Chain parameters (`keccak(name) ‖ uint value` pairs), sender 0 only.
    SetChainParameters = 11,
    /// Shut down for the Nitro migration.
    ShutdownForNitro = 128,
    /// State correction: from sender 0, the payload runs as AVM code.
    StateCorrection = 255,
}

impl MessageKind {
    /// The kind's number.
    pub const fn code(self) -> u8 {
        self as u8
    }

    /// The kind with this number, if ArbOS v58 knows it (it ignores all others).
    pub fn from_code(code: u8) -> Option<MessageKind> {
        use MessageKind::*;
        [
            L2,
            SetChainParametersLegacy,
            EndOfBlock,
            L2FundedByL1,
            RollupProtocolEvent,
            SubmitRetryable,
            L2ForGasEstimation,
            SetChainParameters,
            ShutdownForNitro,
            StateCorrection,
        ]
        .into_iter()
        .find(|kind| kind.code() == code)
    }
}

/// Bit 255: set in the sequence number of a message that came through the delayed
/// inbox (the Bridge), so that its request id differs from a sequencer item's.
pub fn delayed_seq_num(delayed_index: &Int) -> Int {
    *delayed_index | (Int::from(1u8) << 255)
}

/// One message of ArbOS's inbox.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InboxMessage {
    /// The kind ([`MessageKind`]); unknown kinds are ignored by ArbOS.
    pub kind: u8,
    /// The L1 block number. ArbOS raises it to the highest seen so far.
    pub l1_block: Int,
    /// The L1 timestamp. ArbOS raises it to the highest seen so far.
    pub l1_timestamp: Int,
    /// The L1 sender (before aliasing).
    pub sender: Address,
    /// The inbox sequence number: only used for request ids (`keccak(chainId ‖ seq)`).
    pub seq_num: Int,
    /// The L1 gas price, which feeds ArbOS's L1 price estimate.
    pub l1_gas_price: Int,
    /// The payload.
    pub payload: Vec<u8>,
}

impl InboxMessage {
    /// A message of `kind` from `sender` with `payload`, at L1 block and timestamp 0,
    /// sequence number 0 and gas price 0 (set the fields to change them).
    pub fn new(kind: MessageKind, sender: Address, payload: Vec<u8>) -> InboxMessage {
        InboxMessage {
            kind: kind.code(),
            sender,
            payload,
            ..InboxMessage::default()
        }
    }

    /// The same message at L1 block `block` and timestamp `timestamp`.
    pub fn at(mut self, block: u64, timestamp: u64) -> InboxMessage {
        self.l1_block = Int::from(block);
        self.l1_timestamp = Int::from(timestamp);
        self
    }

    /// The same message with sequence number `seq_num`.
    pub fn with_seq_num(mut self, seq_num: u64) -> InboxMessage {
        self.seq_num = Int::from(seq_num);
        self
    }

    /// The value ArbOS's `inbox` instruction receives.
    pub fn to_value(&self) -> Value {
        let ints = [
            Int::from(self.kind),
            self.l1_block,
            self.l1_timestamp,
            self.sender.to_int(),
            self.seq_num,
            self.l1_gas_price,
            Int::from(self.payload.len()),
        ]
        .map(Value::Int);
        let [kind, block, timestamp, sender, seq_num, gas_price, size] = ints;
        Value::Tuple(Tuple::from_array([
            kind,
            block,
            timestamp,
            sender,
            seq_num,
            gas_price,
            size,
            Value::Buffer(Buffer::from_bytes(&self.payload)),
        ]))
    }

    /// Reads an inbox message value back (the kind must be below 256, the sender
    /// below 2^160, the payload within `budget`).
    pub fn from_value(value: &Value, budget: &mut Budget) -> Result<InboxMessage, DecodeError> {
        let [kind, block, timestamp, sender, seq_num, gas_price, size, buffer] =
            read::tuple::<8>(value, budget)?;
        let kind = read::u64_of(kind).map_err(|e| e.within("kind"))?;
        let kind = u8::try_from(kind).map_err(|_| DecodeError::problem("kind", "not below 256"))?;
        Ok(InboxMessage {
            kind,
            l1_block: *read::int(block).map_err(|e| e.within("l1_block"))?,
            l1_timestamp: *read::int(timestamp).map_err(|e| e.within("l1_timestamp"))?,
            sender: read::address(sender).map_err(|e| e.within("sender"))?,
            seq_num: *read::int(seq_num).map_err(|e| e.within("seq_num"))?,
            l1_gas_price: *read::int(gas_price).map_err(|e| e.within("l1_gas_price"))?,
            payload: read::sized_bytes(size, buffer, budget).map_err(|e| e.within("payload"))?,
        })
    }
}
