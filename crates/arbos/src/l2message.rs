//! L2 messages: the payload of a kind-3 inbox message (and, for subtypes 0 and 1, of a
//! kind-7 one), identified by its first byte.
//!
//! | subtype | layout |
//! |---|---|
//! | 0 unsigned EOA tx | `00 ‖ uint maxGas ‖ uint gasPrice ‖ uint nonce ‖ uint dest ‖ uint value ‖ calldata` |
//! | 1 unsigned contract tx | `01 ‖ uint maxGas ‖ uint gasPrice ‖ uint dest ‖ uint value ‖ calldata` |
//! | 2 non-mutating call | `02 ‖ uint maxGas ‖ uint gasPrice ‖ uint dest ‖ uint value ‖ calldata` |
//! | 3 batch | `03 ‖ (RLP(len) ‖ L2 message)*` |
//! | 4 signed tx | `04 ‖ RLP(signed legacy tx)`: only as ArbOS writes it into receipts |
//! | 6 heartbeat | `06` |
//! | 7 signed compressed tx | see [`crate::compressed`] |
//!
//! Subtype 2 carries a `value` word after `dest` in v58 (arb-os's DataFormats.md omits
//! it). ArbOS v58 never decodes subtype 4 as a signed transaction: it only writes it.
//! A dest of 0 in subtypes 0 and 1 is a contract creation. Unsigned senders are the
//! alias of the L1 sender ([`crate::address::alias`]), except for sender 0.

use avm_value::Int;

use crate::address::Address;
use crate::compressed::{self, CompressedTx};
use crate::rlp::{self, RlpError};
use crate::signed_tx::{SignedTx, SignedTxError};

/// Subtype 0: an unsigned transaction with a nonce.
pub const SUBTYPE_UNSIGNED_EOA_TX: u8 = 0;
/// Subtype 1: an unsigned transaction without a nonce.
pub const SUBTYPE_UNSIGNED_CONTRACT_TX: u8 = 1;
/// Subtype 2: a call whose state changes ArbOS discards.
pub const SUBTYPE_NON_MUTATING_CALL: u8 = 2;
/// Subtype 3: a batch of L2 messages.
pub const SUBTYPE_BATCH: u8 = 3;
/// Subtype 4: an RLP signed transaction (receipts only, in v58).
pub const SUBTYPE_SIGNED_TX: u8 = 4;
/// Subtype 6: a heartbeat, which does nothing.
pub const SUBTYPE_HEARTBEAT: u8 = 6;
/// Subtype 7: a compressed signed transaction.
pub const SUBTYPE_SIGNED_COMPRESSED_TX: u8 = 7;

/// The fields every unsigned subtype (0, 1, 2) shares.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UnsignedCall {
    /// The gas limit.
    pub max_gas: Int,
    /// Wei per gas bid (with fees off ArbOS accepts any price and charges 0).
    pub gas_price: Int,
    /// The callee; 0 for a contract creation (subtypes 0 and 1).
    pub dest: Address,
    /// Wei sent with the call.
    pub value: Int,
    /// Calldata, or init code for a creation.
    pub calldata: Vec<u8>,
}

/// One L2 message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum L2Message {
    /// Subtype 0: checked against, and consuming, the nonce of the (aliased) sender.
    UnsignedEoaTx {
        /// The sender's nonce.
        nonce: Int,
        /// The call.
        call: UnsignedCall,
    },
    /// Subtype 1: no nonce.
    UnsignedContractTx(UnsignedCall),
    /// Subtype 2: runs and reports like a transaction, but changes no state.
    NonMutatingCall(UnsignedCall),
    /// Subtype 3: the items, each an L2 message's bytes (an empty item at the end of a
    /// batch from the default aggregator ends the block).
    Batch(Vec<Vec<u8>>),
    /// Subtype 4: a signed transaction as ArbOS writes it into a receipt's request.
    SignedTx(SignedTx),
    /// Subtype 6.
    Heartbeat,
    /// Subtype 7.
    SignedCompressedTx(CompressedTx),
}

/// Why bytes are not the L2 message they should be.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum L2MessageError {
    /// No bytes at all.
    #[error("empty L2 message")]
    Empty,
    /// A first byte that is no v58 subtype.
    #[error("unknown L2 message subtype {0}")]
    UnknownSubtype(u8),
    /// A message of another subtype than the caller asked for.
    #[error("expected L2 subtype {expected}, found {found:?}")]
    WrongSubtype {
        /// The subtype wanted.
        expected: u8,
        /// The first byte found, if any.
        found: Option<u8>,
    },
    /// The message ends inside a field.
    #[error("message ends inside {0}")]
    Truncated(&'static str),
    /// A field with a value ArbOS would not accept.
    #[error("bad {0}")]
    BadField(&'static str),
    /// Bytes after a message that has a fixed length.
    #[error("{0} bytes after the end of the message")]
    TrailingBytes(usize),
    /// A batch item whose length prefix is not canonical RLP.
    #[error("batch item {index}: bad length prefix: {source}")]
    BatchLength {
        /// The item's position.
        index: usize,
        /// What was wrong.
        source: RlpError,
    },
    /// A subtype-4 body that is not a signed legacy transaction.
    #[error("signed transaction: {0}")]
    SignedTx(#[from] SignedTxError),
    /// A message that cannot ride on a kind-7 (L2-funded-by-L1) inbox message.
    #[error("only subtypes 0 and 1 may ride on a kind-7 deposit")]
    NotFundable,
}

fn push_word(n: &Int, out: &mut Vec<u8>) {
    out.extend_from_slice(&n.to_be_bytes::<32>());
}

impl UnsignedCall {
    fn encode_into(&self, nonce: Option<&Int>, out: &mut Vec<u8>) {
        push_word(&self.max_gas, out);
        push_word(&self.gas_price, out);
        if let Some(nonce) = nonce {
            push_word(nonce, out);
        }
        out.extend_from_slice(&self.dest.word());
        push_word(&self.value, out);
        out.extend_from_slice(&self.calldata);
    }
}

/// Reads 32-byte words off the front of a message.
struct Words<'a>(&'a [u8]);

impl<'a> Words<'a> {
    fn word(&mut self, what: &'static str) -> Result<Int, L2MessageError> {
        if self.0.len() < 32 {
            return Err(L2MessageError::Truncated(what));
        }
        let (head, rest) = self.0.split_at(32);
        self.0 = rest;
        let mut word = [0u8; 32];
        word.copy_from_slice(head);
        Ok(Int::from_be_bytes(word))
    }

    fn address(&mut self, what: &'static str) -> Result<Address, L2MessageError> {
        Address::from_int(&self.word(what)?).ok_or(L2MessageError::BadField(what))
    }
}

fn decode_unsigned(
    body: &[u8],
    with_nonce: bool,
) -> Result<(Option<Int>, UnsignedCall), L2MessageError> {
    let mut words = Words(body);
    let max_gas = words.word("maxGas")?;
    let gas_price = words.word("gasPrice")?;
    let nonce = if with_nonce {
        Some(words.word("nonce")?)
    } else {
        None
    };
    let dest = words.address("dest (not an address)")?;
    let value = words.word("value")?;
    Ok((
        nonce,
        UnsignedCall {
            max_gas,
            gas_price,
            dest,
            value,
            calldata: words.0.to_vec(),
        },
    ))
}

fn decode_batch(mut body: &[u8]) -> Result<Vec<Vec<u8>>, L2MessageError> {
    let mut items = Vec::new();
    while !body.is_empty() {
        let index = items.len();
        let (len, rest) = rlp::decode_uint(body)
            .map_err(|source| L2MessageError::BatchLength { index, source })?;
        let len = usize::try_from(len)
            .ok()
            .filter(|len| *len <= rest.len())
            .ok_or(L2MessageError::Truncated("a batch item"))?;
        let (item, rest) = rest.split_at(len);
        items.push(item.to_vec());
        body = rest;
    }
    Ok(items)
}

impl L2Message {
    /// The subtype byte.
    pub fn subtype(&self) -> u8 {
        match self {
            L2Message::UnsignedEoaTx { .. } => SUBTYPE_UNSIGNED_EOA_TX,
            L2Message::UnsignedContractTx(_) => SUBTYPE_UNSIGNED_CONTRACT_TX,
            L2Message::NonMutatingCall(_) => SUBTYPE_NON_MUTATING_CALL,
            L2Message::Batch(_) => SUBTYPE_BATCH,
            L2Message::SignedTx(_) => SUBTYPE_SIGNED_TX,
            L2Message::Heartbeat => SUBTYPE_HEARTBEAT,
            L2Message::SignedCompressedTx(_) => SUBTYPE_SIGNED_COMPRESSED_TX,
        }
    }

    /// The subtype-7 message for a signed legacy transaction.
    pub fn signed(tx: &SignedTx) -> Result<L2Message, SignedTxError> {
        CompressedTx::from_signed(tx).map(L2Message::SignedCompressedTx)
    }

    /// A batch of the given messages, each encoded.
    pub fn batch<'a>(messages: impl IntoIterator<Item = &'a L2Message>) -> L2Message {
        L2Message::Batch(messages.into_iter().map(L2Message::encode).collect())
    }

    /// The message's bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = vec![self.subtype()];
        match self {
            L2Message::UnsignedEoaTx { nonce, call } => call.encode_into(Some(nonce), &mut out),
            L2Message::UnsignedContractTx(call) | L2Message::NonMutatingCall(call) => {
                call.encode_into(None, &mut out)
            }
            L2Message::Batch(items) => {
                for item in items {
                    rlp::encode_uint(&Int::from(item.len()), &mut out);
                    out.extend_from_slice(item);
                }
            }
            L2Message::SignedTx(tx) => out.extend_from_slice(&tx.encode()),
            L2Message::Heartbeat => {}
            L2Message::SignedCompressedTx(tx) => out = tx.encode(),
        }
        out
    }

    /// Decodes an L2 message. Unsigned subtypes need every fixed word and a `dest`
    /// below 2^160; batch items need canonical RLP lengths and must fill the message;
    /// a heartbeat is the single byte 06.
    pub fn decode(bytes: &[u8]) -> Result<L2Message, L2MessageError> {
        let (&subtype, body) = bytes.split_first().ok_or(L2MessageError::Empty)?;
        match subtype {
            SUBTYPE_UNSIGNED_EOA_TX => {
                let (nonce, call) = decode_unsigned(body, true)?;
                Ok(L2Message::UnsignedEoaTx {
                    nonce: nonce.unwrap_or_default(),
                    call,
                })
            }
            SUBTYPE_UNSIGNED_CONTRACT_TX => Ok(L2Message::UnsignedContractTx(
                decode_unsigned(body, false)?.1,
            )),
            SUBTYPE_NON_MUTATING_CALL => {
                Ok(L2Message::NonMutatingCall(decode_unsigned(body, false)?.1))
            }
            SUBTYPE_BATCH => Ok(L2Message::Batch(decode_batch(body)?)),
            SUBTYPE_SIGNED_TX => Ok(L2Message::SignedTx(SignedTx::decode(body)?)),
            SUBTYPE_HEARTBEAT if body.is_empty() => Ok(L2Message::Heartbeat),
            SUBTYPE_HEARTBEAT => Err(L2MessageError::TrailingBytes(body.len())),
            SUBTYPE_SIGNED_COMPRESSED_TX => {
                Ok(L2Message::SignedCompressedTx(compressed::decode(bytes)?))
            }
            other => Err(L2MessageError::UnknownSubtype(other)),
        }
    }

    /// The payload of a kind-7 (L2-funded-by-L1) inbox message carrying this message:
    /// only subtypes 0 and 1 may. ArbOS first credits `value` to the aliased sender,
    /// then runs the transaction.
    pub fn funded_by_l1_payload(&self) -> Result<Vec<u8>, L2MessageError> {
        match self {
            L2Message::UnsignedEoaTx { .. } | L2Message::UnsignedContractTx(_) => Ok(self.encode()),
            _ => Err(L2MessageError::NotFundable),
        }
    }

    /// The callee of a transaction-like message: `Some(None)` for a creation,
    /// `Some(Some(a))` for a call, `None` for a batch or heartbeat (and for a
    /// compressed transaction whose callee is a table index).
    pub fn destination(&self) -> Option<Option<Address>> {
        let dest = |call: &UnsignedCall| (!call.dest.is_zero()).then_some(call.dest);
        match self {
            L2Message::UnsignedEoaTx { call, .. }
            | L2Message::UnsignedContractTx(call)
            | L2Message::NonMutatingCall(call) => Some(dest(call)),
            L2Message::SignedTx(tx) => Some(tx.to),
            L2Message::SignedCompressedTx(tx) => match tx.to {
                compressed::CompressedTo::Create => Some(None),
                compressed::CompressedTo::Address(a) => Some(Some(a)),
                compressed::CompressedTo::TableIndex(_) => None,
            },
            L2Message::Batch(_) | L2Message::Heartbeat => None,
        }
    }
}
