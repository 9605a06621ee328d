//! L2 subtype 7, the compressed signed transaction: the only form in which ArbOS v58
//! accepts a signed transaction.
//!
//! `07 ‖ FF ‖ RLP(nonce) ‖ RLP(gasPrice) ‖ RLP(gasLimit) ‖ to ‖ amount ‖ calldata ‖
//! r(32) ‖ s(32) ‖ vbyte`, where
//! - `to` is `80` for a creation, `94 ‖ address`, or (any other first byte below 0x94)
//!   an RLP integer indexing ArbOS's global address table, which only the chain's
//!   state resolves; this crate writes the full form, which ArbOS accepts from anyone
//!   (it then adds the address to its table, charging the transaction for two storage
//!   cells);
//! - `amount` is `RLP(base)` and one exponent byte e, the value being base·10^e, or
//!   just `80` for 0;
//! - `vbyte` is 0 or 1 for an EIP-155 signature (`v mod 2`, that is 1 − recovery id;
//!   ArbOS puts back `v = 35 + 2·chainId + 1 − vbyte` with its own chain id), or 27/28
//!   for a pre-EIP-155 one (ArbOS takes any byte from 2 up as v itself).
//!
//! ArbOS finds r, s and the v byte at the end of the message, so the calldata is
//! whatever lies between the amount and the signature. A second byte other than FF
//! (the aggregator function-table form) is ignored by v58, and so is a message of 66
//! bytes or fewer. ArbOS checks the signature against the legacy signing hash built with
//! the full `to` address, rebuilds the signed legacy RLP with its chain id, and uses the
//! keccak of that RLP as the request id: the Ethereum hash of the original transaction
//! when it was signed for this chain.

use avm_value::Int;

use crate::address::Address;
use crate::l2message::{L2MessageError, SUBTYPE_SIGNED_COMPRESSED_TX};
use crate::rlp;
use crate::signed_tx::{SignatureForm, SignedTx, SignedTxError};

/// The second byte of every compressed transaction v58 accepts: "the sender and its
/// nonce follow in full" (ArbOS rejects every other form).
pub const FULL_FORM_MARKER: u8 = 0xff;

/// The most bytes a subtype-7 message can have and still be ignored as too short.
pub const MAX_IGNORED_LEN: usize = 66;

/// The destination of a compressed transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompressedTo {
    /// `80`: a contract creation.
    Create,
    /// `94 ‖ address`: a full address.
    Address(Address),
    /// An index into ArbOS's global address table (known only to the chain's state).
    TableIndex(Int),
}

/// A subtype-7 message taken apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompressedTx {
    /// The sender's nonce.
    pub nonce: Int,
    /// Wei per gas the sender bids.
    pub gas_price: Int,
    /// The gas limit.
    pub gas_limit: Int,
    /// The destination.
    pub to: CompressedTo,
    /// The value in wei (base·10^e, reduced modulo 2^256 as ArbOS computes it).
    pub value: Int,
    /// The calldata.
    pub data: Vec<u8>,
    /// The signature's r.
    pub r: Int,
    /// The signature's s.
    pub s: Int,
    /// 0/1 for an EIP-155 signature, 27/28 for a pre-EIP-155 one.
    pub v_byte: u8,
}

/// The amount encoding: `RLP(base) ‖ e` with value = base·10^e and e as large as
/// possible, or `80` for 0.
pub fn encode_amount(value: &Int, out: &mut Vec<u8>) {
    if value.is_zero() {
        out.push(0x80);
        return;
    }
    let ten = Int::from(10u8);
    let mut base = *value;
    let mut exponent = 0u8;
    while (base % ten).is_zero() {
        base /= ten;
        exponent += 1;
    }
    rlp::encode_uint(&base, out);
    out.push(exponent);
}

/// Compresses a signed legacy transaction into the subtype-7 message ArbOS v58 takes.
///
/// Fails for a call to address 0 (which ArbOS would run as a creation) and for a
/// transaction whose `v` is not 27/28 or EIP-155. It does not check the chain id: an
/// EIP-155 signature for another chain recovers, on ArbOS, to some other address.
pub fn compress(tx: &SignedTx) -> Result<Vec<u8>, SignedTxError> {
    Ok(CompressedTx::from_signed(tx)?.encode())
}

/// A reader of the body as ArbOS's byte stream reads it.
struct Stream<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Stream<'a> {
    fn byte(&mut self, what: &'static str) -> Result<u8, L2MessageError> {
        let b = *self
            .bytes
            .get(self.at)
            .ok_or(L2MessageError::Truncated(what))?;
        self.at += 1;
        Ok(b)
    }

    /// ArbOS's `rlp_decodeUint`: a byte below 0x80 is itself; `80+n` is followed by n
    /// big-endian bytes, n at most 32 (leading zeros allowed).
    fn arbos_uint(&mut self, what: &'static str) -> Result<Int, L2MessageError> {
        let first = self.byte(what)?;
        if first < 0x80 {
            return Ok(Int::from(first));
        }
        let len = usize::from(first - 0x80);
        if len > 32 {
            return Err(L2MessageError::BadField(what));
        }
        let end = self.at + len;
        let bytes = self
            .bytes
            .get(self.at..end)
            .ok_or(L2MessageError::Truncated(what))?;
        self.at = end;
        let mut word = [0u8; 32];
        word[32 - len..].copy_from_slice(bytes);
        Ok(Int::from_be_bytes(word))
    }

    fn rest(&self) -> &'a [u8] {
        self.bytes.get(self.at..).unwrap_or_default()
    }
}

/// Decodes a subtype-7 message the way ArbOS v58 reads it.
pub fn decode(payload: &[u8]) -> Result<CompressedTx, L2MessageError> {
    if payload.first() != Some(&SUBTYPE_SIGNED_COMPRESSED_TX) {
        return Err(L2MessageError::WrongSubtype {
            expected: SUBTYPE_SIGNED_COMPRESSED_TX,
            found: payload.first().copied(),
        });
    }
    if payload.len() <= MAX_IGNORED_LEN {
        return Err(L2MessageError::Truncated("signed compressed transaction"));
    }
    let (body, signature) = payload.split_at(payload.len() - 65);
    // In bounds: the payload is longer than 66 bytes, so the signature has 65 and the
    // body at least 2.
    let r = Int::from_be_bytes::<32>(word(&signature[..32]));
    let s = Int::from_be_bytes::<32>(word(&signature[32..64]));
    let v_byte = signature[64];
    let mut stream = Stream {
        bytes: &body[1..],
        at: 0,
    };
    if stream.byte("form marker")? != FULL_FORM_MARKER {
        return Err(L2MessageError::BadField(
            "form marker (only FF is accepted)",
        ));
    }
    let nonce = stream.arbos_uint("nonce")?;
    let gas_price = stream.arbos_uint("gasPrice")?;
    let gas_limit = stream.arbos_uint("gasLimit")?;
    let to = decode_to(&mut stream)?;
    let base = stream.arbos_uint("amount")?;
    let value = if base.is_zero() {
        Int::ZERO
    } else {
        let exponent = stream.byte("amount exponent")?;
        base.wrapping_mul(Int::from(10u8).wrapping_pow(Int::from(exponent)))
    };
    Ok(CompressedTx {
        nonce,
        gas_price,
        gas_limit,
        to,
        value,
        data: stream.rest().to_vec(),
        r,
        s,
        v_byte,
    })
}

fn word(bytes: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(bytes);
    out
}

fn decode_to(stream: &mut Stream<'_>) -> Result<CompressedTo, L2MessageError> {
    let first = *stream
        .bytes
        .get(stream.at)
        .ok_or(L2MessageError::Truncated("to"))?;
    if first == 0x80 {
        stream.at += 1;
        return Ok(CompressedTo::Create);
    }
    let n = stream.arbos_uint("to")?;
    if first < 0x80 + 20 {
        return Ok(CompressedTo::TableIndex(n));
    }
    Address::from_int(&n)
        .map(CompressedTo::Address)
        .ok_or(L2MessageError::BadField("to (more than 20 bytes)"))
}

impl CompressedTx {
    /// The compressed form of a signed legacy transaction, with `to` in full.
    pub fn from_signed(tx: &SignedTx) -> Result<CompressedTx, SignedTxError> {
        let v_byte = match tx.signature_form()? {
            SignatureForm::PreEip155 { recovery_id } => 27 + recovery_id,
            SignatureForm::Eip155 { recovery_id, .. } => 1 - recovery_id,
        };
        let to = match tx.to {
            None => CompressedTo::Create,
            Some(to) if to.is_zero() => return Err(SignedTxError::CallToZeroAddress),
            Some(to) => CompressedTo::Address(to),
        };
        Ok(CompressedTx {
            nonce: tx.nonce,
            gas_price: tx.gas_price,
            gas_limit: tx.gas_limit,
            to,
            value: tx.value,
            data: tx.data.clone(),
            r: tx.r,
            s: tx.s,
            v_byte,
        })
    }

    /// The subtype-7 bytes, starting with 07 FF. A table index is written as its
    /// canonical RLP (index 0 would read back as a creation).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.data.len() + 180);
        out.push(SUBTYPE_SIGNED_COMPRESSED_TX);
        out.push(FULL_FORM_MARKER);
        for n in [&self.nonce, &self.gas_price, &self.gas_limit] {
            rlp::encode_uint(n, &mut out);
        }
        match &self.to {
            CompressedTo::Create => out.push(0x80),
            CompressedTo::Address(a) => rlp::encode_bytes(&a.0, &mut out),
            CompressedTo::TableIndex(i) => rlp::encode_uint(i, &mut out),
        }
        encode_amount(&self.value, &mut out);
        out.extend_from_slice(&self.data);
        out.extend_from_slice(&self.r.to_be_bytes::<32>());
        out.extend_from_slice(&self.s.to_be_bytes::<32>());
        out.push(self.v_byte);
        out
    }

    /// The legacy transaction ArbOS rebuilds from this message on a chain with
    /// `chain_id`, or `None` when `to` is a table index (only the chain knows it) or the
    /// v byte is not 0, 1, 27 or 28.
    pub fn to_signed_tx(&self, chain_id: &Int) -> Option<SignedTx> {
        let to = match self.to {
            CompressedTo::Create => None,
            CompressedTo::Address(a) => Some(a),
            CompressedTo::TableIndex(_) => return None,
        };
        let v = match self.v_byte {
            b @ (0 | 1) => Int::from(35u8) + (*chain_id << 1) + Int::from(1 - b),
            b @ (27 | 28) => Int::from(b),
            _ => return None,
        };
        Some(SignedTx {
            nonce: self.nonce,
            gas_price: self.gas_price,
            gas_limit: self.gas_limit,
            to,
            value: self.value,
            data: self.data.clone(),
            v,
            r: self.r,
            s: self.s,
        })
    }
}
