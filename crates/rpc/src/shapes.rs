//! The JSON shapes of blocks, transactions and receipts as geth answers them, filled
//! from fields every chain avm serves has; a chain adds what only it has (the L1 its
//! base fee and EIP-1559 fields, the L2 its L1 block number and ArbOS result).

use serde_json::{json, Value as Json};

use crate::eth::{address_json, bytes_json, hash_json, quantity};

/// keccak256(RLP([])): the ommers hash of a block without ommers.
pub const EMPTY_OMMERS_HASH: [u8; 32] = [
    0x1d, 0xcc, 0x4d, 0xe8, 0xde, 0xc7, 0x5d, 0x7a, 0xab, 0x85, 0xb5, 0x67, 0xb6, 0xcc, 0xd4, 0x1a,
    0xd3, 0x12, 0x45, 0x1b, 0x94, 0x8a, 0x7a, 0x41, 0x3f, 0x0a, 0x14, 0x2f, 0xd4, 0x0d, 0x49, 0x47,
];

/// A block header's fields.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockFields {
    /// Its number.
    pub number: u64,
    /// Its hash.
    pub hash: [u8; 32],
    /// Its parent's hash.
    pub parent_hash: [u8; 32],
    /// The bloom of its logs (see [`crate::logs_bloom`]).
    pub logs_bloom: Json,
    /// The root of its transactions (and, here, of its receipts).
    pub transactions_root: [u8; 32],
    /// Its gas limit.
    pub gas_limit: u64,
    /// Gas its transactions used.
    pub gas_used: u64,
    /// Its timestamp.
    pub timestamp: u64,
    /// Its transactions, as hashes or objects.
    pub transactions: Vec<Json>,
}

impl BlockFields {
    /// Its JSON (without `baseFeePerGas`: a chain with a base fee adds it).
    pub fn to_json(&self) -> Json {
        json!({
            "number": quantity(self.number),
            "hash": hash_json(&self.hash),
            "parentHash": hash_json(&self.parent_hash),
            "nonce": "0x0000000000000000",
            "mixHash": hash_json(&[0; 32]),
            "sha3Uncles": hash_json(&EMPTY_OMMERS_HASH),
            "logsBloom": self.logs_bloom,
            "transactionsRoot": hash_json(&self.transactions_root),
            "stateRoot": hash_json(&[0; 32]),
            "receiptsRoot": hash_json(&self.transactions_root),
            "miner": address_json(&[0; 20]),
            "difficulty": "0x0",
            "totalDifficulty": "0x0",
            "extraData": "0x",
            "size": quantity(540 + 32 * self.transactions.len() as u64),
            "gasLimit": quantity(self.gas_limit),
            "gasUsed": quantity(self.gas_used),
            "timestamp": quantity(self.timestamp),
            "transactions": self.transactions,
            "uncles": [],
        })
    }
}

/// A transaction's fields (those of a legacy transaction).
#[derive(Debug, Clone, PartialEq)]
pub struct TxFields<'a> {
    /// Its hash.
    pub hash: [u8; 32],
    /// Its EIP-2718 type (0: legacy).
    pub tx_type: u8,
    /// The sender's nonce.
    pub nonce: u64,
    /// Its block's hash (None: not known).
    pub block_hash: Option<[u8; 32]>,
    /// Its block's number.
    pub block: u64,
    /// Its index in the block.
    pub index: u64,
    /// The sender.
    pub from: [u8; 20],
    /// The callee (None: a creation).
    pub to: Option<[u8; 20]>,
    /// Wei sent, as a quantity.
    pub value: Json,
    /// Its gas limit, as a quantity.
    pub gas: Json,
    /// The gas price, as a quantity.
    pub gas_price: Json,
    /// Call data.
    pub input: &'a [u8],
    /// The chain id it was signed for (None: not EIP-155).
    pub chain_id: Option<u64>,
    /// The signature's `v`, `r` and `s`, as quantities.
    pub signature: [Json; 3],
}

impl TxFields<'_> {
    /// Its JSON.
    pub fn to_json(&self) -> Json {
        let [v, r, s] = &self.signature;
        let mut out = json!({
            "hash": hash_json(&self.hash),
            "type": quantity(u64::from(self.tx_type)),
            "nonce": quantity(self.nonce),
            "blockHash": self.block_hash.as_ref().map_or(Json::Null, hash_json),
            "blockNumber": quantity(self.block),
            "transactionIndex": quantity(self.index),
            "from": address_json(&self.from),
            "to": self.to.as_ref().map_or(Json::Null, address_json),
            "value": self.value,
            "gas": self.gas,
            "gasPrice": self.gas_price,
            "input": bytes_json(self.input),
            "v": v,
            "r": r,
            "s": s,
        });
        if let Some(chain_id) = self.chain_id {
            out["chainId"] = quantity(chain_id);
        }
        out
    }
}

/// A receipt's fields.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceiptFields {
    /// The transaction's hash.
    pub tx_hash: [u8; 32],
    /// Its EIP-2718 type.
    pub tx_type: u8,
    /// Its index in the block.
    pub index: u64,
    /// The block's hash (None: not known).
    pub block_hash: Option<[u8; 32]>,
    /// The block's number.
    pub block: u64,
    /// The sender.
    pub from: [u8; 20],
    /// The callee (None: a creation).
    pub to: Option<[u8; 20]>,
    /// Gas used in the block up to and including it.
    pub cumulative_gas_used: u64,
    /// Gas it used.
    pub gas_used: u64,
    /// The price paid per gas, as a quantity.
    pub effective_gas_price: Json,
    /// The contract a creation made.
    pub contract_address: Option<[u8; 20]>,
    /// Its logs (see [`crate::LogView`]).
    pub logs: Vec<Json>,
    /// Their bloom.
    pub logs_bloom: Json,
    /// Whether it succeeded.
    pub succeeded: bool,
}

impl ReceiptFields {
    /// Its JSON.
    pub fn to_json(&self) -> Json {
        json!({
            "transactionHash": hash_json(&self.tx_hash),
            "transactionIndex": quantity(self.index),
            "blockHash": self.block_hash.as_ref().map_or(Json::Null, hash_json),
            "blockNumber": quantity(self.block),
            "from": address_json(&self.from),
            "to": self.to.as_ref().map_or(Json::Null, address_json),
            "cumulativeGasUsed": quantity(self.cumulative_gas_used),
            "gasUsed": quantity(self.gas_used),
            "effectiveGasPrice": self.effective_gas_price,
            "contractAddress": self.contract_address.as_ref().map_or(Json::Null, address_json),
            "logs": self.logs,
            "logsBloom": self.logs_bloom,
            "status": if self.succeeded { "0x1" } else { "0x0" },
            "type": quantity(u64::from(self.tx_type)),
        })
    }
}

/// A 32-byte big-endian number as a quantity (no leading zeros).
pub fn quantity_be(word: &[u8]) -> Json {
    let digits = hex::encode(word);
    let trimmed = digits.trim_start_matches('0');
    json!(format!(
        "0x{}",
        if trimmed.is_empty() { "0" } else { trimmed }
    ))
}
