//! Sealed blocks and receipts of the embedded chain, with the header hash a wallet
//! sees.

use alloy_consensus::Header;
use alloy_primitives::{Bloom, BloomInput, B256};

use avm_value::{keccak256, Hash};

use crate::chain::types::{Log, Receipt, RevertReason, TxStatus};

/// keccak256(RLP("")): the root of an empty trie.
const EMPTY_ROOT: [u8; 32] = [
    0x56, 0xe8, 0x1f, 0x17, 0x1b, 0xcc, 0x55, 0xa6, 0xff, 0x83, 0x45, 0xe6, 0x92, 0xc0, 0xf8, 0x6e,
    0x5b, 0x48, 0xe0, 0x1b, 0x99, 0x6c, 0xad, 0xc0, 0x01, 0x62, 0x2f, 0xb5, 0xe3, 0x63, 0xb4, 0x21,
];

/// A sealed block as RPC clients see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockInfo {
    /// Its number.
    pub number: u64,
    /// The hash of its header.
    pub hash: Hash,
    /// The previous block's hash (0 for block 0).
    pub parent_hash: Hash,
    /// `block.timestamp`.
    pub timestamp: u64,
    /// The gas limit.
    pub gas_limit: u64,
    /// Gas its transactions used.
    pub gas_used: u64,
    /// Its transactions' hashes, in order.
    pub transactions: Vec<Hash>,
    /// The bloom filter of its logs (256 bytes).
    pub logs_bloom: Vec<u8>,
    /// `transactionsRoot` as the header holds it (see [`Block::new`]).
    pub transactions_root: Hash,
}

/// A sealed block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Block {
    pub info: BlockInfo,
}

impl Block {
    /// Seals a block. The header is Ethereum's (London: base fee 0), hashed as
    /// Ethereum hashes headers; its state root is 0 and its transactions and receipts
    /// roots are keccak of the transaction hashes, not tries: the embedded chain
    /// serves no Merkle-Patricia proofs, and nothing here claims it does.
    pub fn new(
        number: u64,
        parent_hash: Hash,
        timestamp: u64,
        gas_limit: u64,
        transactions: Vec<Hash>,
        gas_used: u64,
        logs: &[&Log],
    ) -> Block {
        let mut bloom = Bloom::default();
        for log in logs {
            bloom.accrue(BloomInput::Raw(&log.address));
            for topic in &log.topics {
                bloom.accrue(BloomInput::Raw(&topic.0));
            }
        }
        let transactions_root = if transactions.is_empty() {
            Hash(EMPTY_ROOT)
        } else {
            let joined: Vec<u8> = transactions.iter().flat_map(|h| h.0).collect();
            keccak256(&joined)
        };
        let header = Header {
            parent_hash: B256::from(parent_hash.0),
            number,
            gas_limit,
            gas_used,
            timestamp,
            transactions_root: B256::from(transactions_root.0),
            receipts_root: B256::from(transactions_root.0),
            logs_bloom: bloom,
            base_fee_per_gas: Some(0),
            ..Header::default()
        };
        let hash = Hash(header.hash_slow().0);
        Block {
            info: BlockInfo {
                number,
                hash,
                parent_hash,
                timestamp,
                gas_limit,
                gas_used,
                transactions,
                logs_bloom: bloom.0.to_vec(),
                transactions_root,
            },
        }
    }
}

/// A mined transaction's receipt as the embedded chain keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptRecord {
    /// The transaction.
    pub tx_hash: Hash,
    /// Its block.
    pub block: u64,
    /// Its index in the block.
    pub index: u64,
    /// The sender.
    pub from: [u8; 20],
    /// The callee (None for a creation).
    pub to: Option<[u8; 20]>,
    /// Success or failure.
    pub status: TxStatus,
    /// Gas it used.
    pub gas_used: u64,
    /// Gas used in its block up to and including it.
    pub cumulative_gas_used: u64,
    /// The price each unit of gas was paid at.
    pub gas_price: u128,
    /// For a successful creation: the new contract.
    pub created: Option<[u8; 20]>,
    /// Its logs.
    pub logs: Vec<Log>,
    /// Return data (revert data for a revert).
    pub output: Vec<u8>,
    /// Why it failed.
    pub revert: Option<RevertReason>,
}

impl ReceiptRecord {
    /// The chain-independent receipt, in a block at `timestamp`.
    pub fn receipt(&self, timestamp: u64) -> Receipt {
        Receipt {
            tx_hash: self.tx_hash,
            block: self.block,
            timestamp,
            status: self.status,
            gas_used: self.gas_used,
            gas_price: self.gas_price,
            created: self.created,
            logs: self.logs.clone(),
            output: self.output.clone(),
            revert: self.revert.clone(),
        }
    }
}
