//! Transactions as the embedded chain keeps them: signed ones (from a key it holds, or
//! raw from a wallet) and impersonated ones (any sender, as the referee's parties and
//! anvil's impersonated accounts send).

use alloy_consensus::{SignableTransaction, Signed, Transaction, TxEnvelope, TxLegacy};
use alloy_eips::eip2718::Decodable2718;
use alloy_eips::eip2930::AccessList;
use alloy_primitives::{Bytes, TxKind, U256};
use alloy_signer::SignerSync;
use revm::context::result::InvalidTransaction;

use avm_value::{keccak256, Hash};

use crate::chain::dev::DevAccount;
use crate::chain::types::{L1Error, TxRequest};

/// An ECDSA signature as a transaction carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TxSignature {
    /// `v` as the transaction's JSON shows it (EIP-155 `v` for a legacy transaction,
    /// the y parity for a typed one).
    pub v: u64,
    /// `r`.
    pub r: [u8; 32],
    /// `s`.
    pub s: [u8; 32],
    /// The y parity.
    pub y_parity: bool,
}

/// A transaction the embedded chain ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredTx {
    /// Its hash (the Ethereum hash of a signed one).
    pub hash: Hash,
    /// The EIP-2718 type: 0 legacy, 1 access list, 2 EIP-1559.
    pub tx_type: u8,
    /// The sender.
    pub from: [u8; 20],
    /// The callee (None for a creation).
    pub to: Option<[u8; 20]>,
    /// The sender's nonce.
    pub nonce: u64,
    /// Wei sent along.
    pub value: u128,
    /// Call data.
    pub input: Vec<u8>,
    /// The gas limit.
    pub gas_limit: u64,
    /// The gas price, or an EIP-1559 transaction's max fee per gas.
    pub gas_price: u128,
    /// An EIP-1559 transaction's max priority fee per gas.
    pub priority_fee: Option<u128>,
    /// The chain id it was signed for (None: a pre-EIP-155 legacy transaction).
    pub chain_id: Option<u64>,
    /// Its access list (typed transactions).
    pub access_list: AccessList,
    /// The signature; None for an impersonated transaction.
    pub signature: Option<TxSignature>,
    /// The block it was mined in.
    pub block: u64,
    /// Its index there.
    pub index: u64,
}

impl StoredTx {
    /// The price a unit of gas is paid at (the base fee is 0).
    pub fn effective_gas_price(&self) -> u128 {
        match self.priority_fee {
            Some(tip) => tip.min(self.gas_price),
            None => self.gas_price,
        }
    }

    /// The transaction `req` becomes when sent with `nonce` and `gas_limit`: a legacy
    /// EIP-155 transaction signed with `key`, or an impersonated one without a key.
    pub(crate) fn build(
        req: &TxRequest,
        nonce: u64,
        gas_limit: u64,
        chain_id: u64,
        key: Option<&DevAccount>,
    ) -> Result<StoredTx, L1Error> {
        let mut tx = StoredTx {
            hash: Hash::ZERO,
            tx_type: 0,
            from: req.from,
            to: req.to,
            nonce,
            value: req.value,
            input: req.input.clone(),
            gas_limit,
            gas_price: req.gas_price.unwrap_or(0),
            priority_fee: None,
            chain_id: Some(chain_id),
            access_list: AccessList::default(),
            signature: None,
            block: 0,
            index: 0,
        };
        match key {
            Some(key) => {
                let legacy = TxLegacy {
                    chain_id: Some(chain_id),
                    nonce,
                    gas_price: req.gas_price.unwrap_or(0),
                    gas_limit,
                    to: match req.to {
                        Some(to) => TxKind::Call(to.into()),
                        None => TxKind::Create,
                    },
                    value: U256::from(req.value),
                    input: Bytes::copy_from_slice(&req.input),
                };
                let signature = key
                    .signer()?
                    .sign_hash_sync(&legacy.signature_hash())
                    .map_err(|e| L1Error::Invalid(format!("signing: {e}")))?;
                let signed: Signed<TxLegacy> = legacy.into_signed(signature);
                tx.hash = Hash(signed.hash().0);
                let parity = signature.v();
                tx.signature = Some(TxSignature {
                    v: u64::from(parity) + 35 + 2 * chain_id,
                    r: signature.r().to_be_bytes(),
                    s: signature.s().to_be_bytes(),
                    y_parity: parity,
                });
            }
            None => {
                // No signature: a hash over everything that identifies it, the sender
                // included (two senders with the same nonce are two transactions).
                let mut bytes = b"avm impersonated transaction".to_vec();
                bytes.extend_from_slice(&chain_id.to_be_bytes());
                bytes.extend_from_slice(&req.from);
                bytes.extend_from_slice(&nonce.to_be_bytes());
                bytes.push(u8::from(req.to.is_some()));
                bytes.extend_from_slice(&req.to.unwrap_or_default());
                bytes.extend_from_slice(&req.value.to_be_bytes());
                bytes.extend_from_slice(&req.gas_price.unwrap_or(0).to_be_bytes());
                bytes.extend_from_slice(&gas_limit.to_be_bytes());
                bytes.extend_from_slice(&keccak256(&req.input).0);
                tx.hash = keccak256(&bytes);
            }
        }
        Ok(tx)
    }

    /// Decodes a signed raw transaction (legacy, EIP-2930 or EIP-1559), recovers its
    /// sender and checks it was signed for `chain_id` (a pre-EIP-155 legacy
    /// transaction names no chain and is accepted, as anvil does).
    pub(crate) fn decode_raw(raw: &[u8], chain_id: u64) -> Result<StoredTx, L1Error> {
        let envelope = TxEnvelope::decode_2718(&mut &raw[..])
            .map_err(|e| L1Error::Refused(format!("rlp: {e}")))?;
        use alloy_consensus::transaction::SignerRecoverable;
        let from = envelope
            .recover_signer()
            .map_err(|_| L1Error::Refused("invalid sender".into()))?;
        let tx_chain = envelope.chain_id();
        if tx_chain.is_some_and(|c| c != chain_id) {
            return Err(L1Error::Refused(format!(
                "invalid chain id for signer: have {}, want {chain_id}",
                tx_chain.unwrap_or_default()
            )));
        }
        let (tx_type, priority_fee, signature) = match &envelope {
            TxEnvelope::Legacy(signed) => {
                let sig = signed.signature();
                let parity = u64::from(sig.v());
                let v = match signed.tx().chain_id {
                    Some(c) => parity + 35 + 2 * c,
                    None => parity + 27,
                };
                (0u8, None, signature_of(sig, v))
            }
            TxEnvelope::Eip2930(signed) => {
                let sig = signed.signature();
                (1, None, signature_of(sig, u64::from(sig.v())))
            }
            TxEnvelope::Eip1559(signed) => {
                let sig = signed.signature();
                (
                    2,
                    Some(signed.tx().max_priority_fee_per_gas),
                    signature_of(sig, u64::from(sig.v())),
                )
            }
            _ => {
                return Err(L1Error::Refused(
                    "transaction type not supported (legacy, EIP-2930 and EIP-1559 are)".into(),
                ))
            }
        };
        let value = u128::try_from(envelope.value())
            .map_err(|_| L1Error::Refused("insufficient funds for gas * price + value".into()))?;
        Ok(StoredTx {
            hash: Hash(envelope.tx_hash().0),
            tx_type,
            from: from.into_array(),
            to: envelope.to().map(|a| a.into_array()),
            nonce: envelope.nonce(),
            value,
            input: envelope.input().to_vec(),
            gas_limit: envelope.gas_limit(),
            gas_price: envelope.max_fee_per_gas(),
            priority_fee,
            chain_id: tx_chain,
            access_list: envelope.access_list().cloned().unwrap_or_default(),
            signature: Some(signature),
            block: 0,
            index: 0,
        })
    }
}

fn signature_of(sig: &alloy_primitives::Signature, v: u64) -> TxSignature {
    TxSignature {
        v,
        r: sig.r().to_be_bytes(),
        s: sig.s().to_be_bytes(),
        y_parity: sig.v(),
    }
}

/// The message geth gives for a transaction it refuses, so clients that match on it
/// (ethers, cast) recognise it.
pub(crate) fn geth_message(invalid: &InvalidTransaction) -> String {
    match invalid {
        InvalidTransaction::NonceTooLow { tx, state } => {
            format!("nonce too low: next nonce {state}, tx nonce {tx}")
        }
        InvalidTransaction::NonceTooHigh { tx, state } => {
            format!("nonce too high: next nonce {state}, tx nonce {tx}")
        }
        InvalidTransaction::LackOfFundForMaxFee { fee, balance } => {
            format!("insufficient funds for gas * price + value: balance {balance}, tx cost {fee}")
        }
        InvalidTransaction::CallGasCostMoreThanGasLimit {
            initial_gas,
            gas_limit,
        } => format!("intrinsic gas too low: gas {gas_limit}, minimum needed {initial_gas}"),
        InvalidTransaction::CallerGasLimitMoreThanBlock => "exceeds block gas limit".into(),
        InvalidTransaction::PriorityFeeGreaterThanMaxFee => {
            "max priority fee per gas higher than max fee per gas".into()
        }
        InvalidTransaction::InvalidChainId => "invalid chain id for signer".into(),
        InvalidTransaction::RejectCallerWithCode => "sender not an eoa".into(),
        InvalidTransaction::OverflowPaymentInTransaction => {
            "insufficient funds for gas * price + value".into()
        }
        other => format!("{other:?}"),
    }
}
