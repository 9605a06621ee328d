//! Signed legacy Ethereum transactions, as `eth_sendRawTransaction` receives them.
//!
//! ArbOS v58 knows only legacy transactions (EIP-155 or pre-EIP-155). It takes them in
//! the compressed subtype-7 form ([`SignedTx::to_compressed`]), and writes them back
//! into receipts as `04 ‖ RLP`, with the request id equal to the keccak of that RLP,
//! which is the Ethereum transaction hash.

use avm_primitives::ec::ecrecover;
use avm_value::{keccak256, Hash, Int};

use crate::address::Address;
use crate::rlp::{self, Item, RlpError};

/// A signed legacy transaction: the nine fields of its RLP list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedTx {
    /// The sender's nonce.
    pub nonce: Int,
    /// Wei per gas the sender bids.
    pub gas_price: Int,
    /// The most gas the transaction may use.
    pub gas_limit: Int,
    /// The callee, or `None` for a contract creation.
    pub to: Option<Address>,
    /// Wei sent with the call.
    pub value: Int,
    /// Calldata, or the init code of a creation.
    pub data: Vec<u8>,
    /// 27 or 28 (pre-EIP-155), or `35 + 2·chainId + recoveryId` (EIP-155).
    pub v: Int,
    /// The signature's r.
    pub r: Int,
    /// The signature's s.
    pub s: Int,
}

/// How a transaction's `v` says it was signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureForm {
    /// Pre-EIP-155 (v = 27 or 28): signed without a chain id, valid on every chain.
    PreEip155 {
        /// 0 or 1.
        recovery_id: u8,
    },
    /// EIP-155: signed for one chain.
    Eip155 {
        /// The chain the signature is for.
        chain_id: Int,
        /// 0 or 1.
        recovery_id: u8,
    },
}

impl SignatureForm {
    /// The recovery id (0 or 1) ecrecover needs.
    pub fn recovery_id(&self) -> u8 {
        match self {
            SignatureForm::PreEip155 { recovery_id }
            | SignatureForm::Eip155 { recovery_id, .. } => *recovery_id,
        }
    }
}

/// Why bytes are not a signed legacy transaction ArbOS can take.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignedTxError {
    /// An EIP-2718 typed transaction (EIP-2930, EIP-1559, ...).
    #[error("typed transaction (type {0:#04x}): ArbOS v58 supports only legacy transactions")]
    TypedTransaction(u8),
    /// No bytes at all.
    #[error("empty transaction")]
    Empty,
    /// Not canonical RLP, or not one list.
    #[error("malformed RLP in field {field}: {source}")]
    Rlp {
        /// The field being read (`list` for the envelope).
        field: &'static str,
        /// What was wrong.
        source: RlpError,
    },
    /// A list that does not have nine items.
    #[error("a legacy transaction has 9 fields, this one has {0}")]
    FieldCount(usize),
    /// A `to` that is neither empty nor 20 bytes.
    #[error("`to` is {0} bytes long, neither empty (creation) nor 20")]
    BadTo(usize),
    /// A `v` that is neither 27/28 nor at least 35.
    #[error("v = {0} is neither 27/28 nor an EIP-155 value (>= 35)")]
    BadV(Int),
    /// A signature from which no address can be recovered.
    #[error("no signer can be recovered from the signature")]
    Unrecoverable,
    /// A call to address 0, which ArbOS would read as a contract creation.
    #[error(
        "a call to address 0 cannot be sent to ArbOS: it reads `to` = 0 as a contract creation"
    )]
    CallToZeroAddress,
}

/// The fields of a legacy transaction, in order.
const FIELD_NAMES: [&str; 9] = [
    "nonce", "gasPrice", "gasLimit", "to", "value", "data", "v", "r", "s",
];

fn rlp_error(field: &'static str) -> impl Fn(RlpError) -> SignedTxError {
    move |source| SignedTxError::Rlp { field, source }
}

fn string_field<'a>(item: Item<'a>, name: &'static str) -> Result<&'a [u8], SignedTxError> {
    match item {
        Item::String(bytes) => Ok(bytes),
        Item::List(_) => Err(rlp_error(name)(RlpError::ExpectedString)),
    }
}

fn uint_field(item: Item<'_>, name: &'static str) -> Result<Int, SignedTxError> {
    rlp::uint_from_payload(string_field(item, name)?).map_err(rlp_error(name))
}

impl SignedTx {
    /// Decodes a raw signed legacy transaction. Only the canonical RLP encoding is
    /// accepted, so that [`SignedTx::encode`] gives back `raw` exactly.
    pub fn decode(raw: &[u8]) -> Result<SignedTx, SignedTxError> {
        let first = *raw.first().ok_or(SignedTxError::Empty)?;
        if first < 0x80 {
            return Err(SignedTxError::TypedTransaction(first));
        }
        let contents = rlp::decode_single_list(raw).map_err(rlp_error("list"))?;
        let mut items = Vec::with_capacity(9);
        let mut rest = contents;
        while !rest.is_empty() {
            let name = FIELD_NAMES.get(items.len()).copied().unwrap_or("list");
            let (item, after) = rlp::decode_item(rest).map_err(rlp_error(name))?;
            items.push(item);
            rest = after;
        }
        let [nonce, gas_price, gas_limit, to, value, data, v, r, s] =
            <[Item; 9]>::try_from(items).map_err(|items| SignedTxError::FieldCount(items.len()))?;
        let to_bytes = string_field(to, "to")?;
        let to = match to_bytes.len() {
            0 => None,
            20 => Address::from_slice(to_bytes),
            n => return Err(SignedTxError::BadTo(n)),
        };
        let tx = SignedTx {
            nonce: uint_field(nonce, "nonce")?,
            gas_price: uint_field(gas_price, "gasPrice")?,
            gas_limit: uint_field(gas_limit, "gasLimit")?,
            to,
            value: uint_field(value, "value")?,
            data: string_field(data, "data")?.to_vec(),
            v: uint_field(v, "v")?,
            r: uint_field(r, "r")?,
            s: uint_field(s, "s")?,
        };
        tx.signature_form()?;
        Ok(tx)
    }

    /// The canonical RLP encoding: the raw transaction.
    pub fn encode(&self) -> Vec<u8> {
        let mut items = Vec::with_capacity(self.data.len() + 180);
        self.encode_unsigned_fields(&mut items);
        for n in [&self.v, &self.r, &self.s] {
            rlp::encode_uint(n, &mut items);
        }
        let mut out = Vec::with_capacity(items.len() + 9);
        rlp::encode_list(&items, &mut out);
        out
    }

    fn encode_unsigned_fields(&self, out: &mut Vec<u8>) {
        for n in [&self.nonce, &self.gas_price, &self.gas_limit] {
            rlp::encode_uint(n, out);
        }
        match &self.to {
            Some(to) => rlp::encode_bytes(&to.0, out),
            None => rlp::encode_bytes(&[], out),
        }
        rlp::encode_uint(&self.value, out);
        rlp::encode_bytes(&self.data, out);
    }

    /// The transaction hash: keccak of the raw transaction. ArbOS uses the same value
    /// as the request id of the transaction's receipt.
    pub fn hash(&self) -> Hash {
        keccak256(&self.encode())
    }

    /// What `v` says about the signature, or [`SignedTxError::BadV`].
    pub fn signature_form(&self) -> Result<SignatureForm, SignedTxError> {
        let v = self.v;
        if v == Int::from(27u8) || v == Int::from(28u8) {
            return Ok(SignatureForm::PreEip155 {
                recovery_id: if v == Int::from(27u8) { 0 } else { 1 },
            });
        }
        if v < Int::from(35u8) {
            return Err(SignedTxError::BadV(v));
        }
        let offset = v - Int::from(35u8);
        Ok(SignatureForm::Eip155 {
            chain_id: offset >> 1,
            recovery_id: u8::from(offset.bit(0)),
        })
    }

    /// The chain the signature is for, or `None` for a pre-EIP-155 signature (and for
    /// an invalid `v`).
    pub fn chain_id(&self) -> Option<Int> {
        match self.signature_form() {
            Ok(SignatureForm::Eip155 { chain_id, .. }) => Some(chain_id),
            _ => None,
        }
    }

    /// The hash the sender signed: keccak of the RLP of the six transaction fields,
    /// followed for EIP-155 by `chainId, 0, 0`.
    pub fn signing_hash(&self) -> Result<Hash, SignedTxError> {
        let form = self.signature_form()?;
        let mut items = Vec::with_capacity(self.data.len() + 120);
        self.encode_unsigned_fields(&mut items);
        if let SignatureForm::Eip155 { chain_id, .. } = form {
            rlp::encode_uint(&chain_id, &mut items);
            rlp::encode_uint(&Int::ZERO, &mut items);
            rlp::encode_uint(&Int::ZERO, &mut items);
        }
        let mut out = Vec::with_capacity(items.len() + 9);
        rlp::encode_list(&items, &mut out);
        Ok(keccak256(&out))
    }

    /// The address that signed the transaction, recovered as the AVM's `ecrecover`
    /// recovers it (which is how ArbOS finds the sender).
    pub fn signer(&self) -> Result<Address, SignedTxError> {
        let recovery_id = self.signature_form()?.recovery_id();
        let digest = self.signing_hash()?;
        let signer = ecrecover(&self.r, &self.s, &Int::from(recovery_id), &digest.to_int());
        match Address::from_int(&signer) {
            Some(address) if !address.is_zero() => Ok(address),
            _ => Err(SignedTxError::Unrecoverable),
        }
    }

    /// Whether s is at most n/2 (secp256k1's order halved), as Ethereum requires of
    /// transactions since Homestead (EIP-2). ArbOS does not check it: it recovers the
    /// signer of a high-s signature too (signedTx.mini), so refusing those is the node's
    /// choice.
    pub fn has_low_s(&self) -> bool {
        self.s <= half_curve_order()
    }

    /// The subtype-7 L2 message ArbOS v58 takes for this transaction (the payload of a
    /// kind-3 message, or an item of a batch). See [`crate::compressed`].
    pub fn to_compressed(&self) -> Result<Vec<u8>, SignedTxError> {
        crate::compressed::compress(self)
    }
}

/// secp256k1's group order n, halved (rounded down).
fn half_curve_order() -> Int {
    let n = Int::from_be_bytes([
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xfe, 0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36,
        0x41, 0x41,
    ]);
    n >> 1
}
