//! The L2 chain as Ethereum tools see it: blocks, transactions and receipts, read
//! from ArbOS's logs. A receipt log (type 0) is a transaction of the Arbitrum block it
//! names; a block summary (type 1) closes that block.
//!
//! The transaction hash is the receipt's request id (for a signed transaction, the
//! Ethereum hash of its RLP: wallets find their transactions), as the Go node defined
//! it. The block hash is ours: keccak over the block's number, parent hash, timestamp,
//! L1 block, the hash of ArbOS's summary value and the transaction hashes (the Go
//! node's needed go-ethereum's tries of its fork; nothing checks either against L1).

use avm_arbos::outbox::OutboxBatchLog;
use avm_arbos::{
    Address, BlockSummary, L2Message, ResultCode, RetryableTicket, SignedTx, TxReceipt,
};
use avm_value::{keccak256, value_hash, Hash, Int, NoCode, Value};

/// A transaction as the JSON-RPC shows it: what its receipt's request says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxView {
    /// The sender (the signer, or the alias of an L1 sender).
    pub from: Address,
    /// The callee (None for a creation, or a message that calls nothing).
    pub to: Option<Address>,
    /// The sender's nonce (0 where the message has none).
    pub nonce: u64,
    /// Wei sent.
    pub value: Int,
    /// Call data.
    pub input: Vec<u8>,
    /// The gas limit.
    pub gas: Int,
    /// The gas price bid.
    pub gas_price: Int,
    /// The signature `(v, r, s)` of a signed transaction, else zeros.
    pub signature: (Int, Int, Int),
}

impl TxView {
    /// What the request of `receipt` says of its transaction.
    pub fn of(receipt: &TxReceipt) -> TxView {
        let request = &receipt.request;
        let mut view = TxView {
            from: request.sender,
            to: None,
            nonce: 0,
            value: Int::ZERO,
            input: Vec::new(),
            gas: Int::ZERO,
            gas_price: receipt.gas_price,
            signature: (Int::ZERO, Int::ZERO, Int::ZERO),
        };
        if request.kind == Int::from(9u8) {
            if let Ok(ticket) = RetryableTicket::decode(&request.payload) {
                view.to = Some(ticket.dest);
                view.value = ticket.deposit;
                view.input = ticket.calldata;
            }
            return view;
        }
        match receipt.l2_message() {
            Some(L2Message::SignedTx(tx)) => view.signed(&tx),
            Some(
                L2Message::UnsignedEoaTx { call, .. }
                | L2Message::UnsignedContractTx(call)
                | L2Message::NonMutatingCall(call),
            ) => {
                view.to = (!call.dest.is_zero()).then_some(call.dest);
                view.value = call.value;
                view.input = call.calldata;
                view.gas = call.max_gas;
                view.gas_price = call.gas_price;
                if let Some(L2Message::UnsignedEoaTx { nonce, .. }) = receipt.l2_message() {
                    view.nonce = u64::try_from(nonce).unwrap_or(u64::MAX);
                }
            }
            _ => {}
        }
        view
    }

    fn signed(&mut self, tx: &SignedTx) {
        self.to = tx.to;
        self.nonce = u64::try_from(tx.nonce).unwrap_or(u64::MAX);
        self.value = tx.value;
        self.input = tx.data.clone();
        self.gas = tx.gas_limit;
        self.gas_price = tx.gas_price;
        self.signature = (tx.v, tx.r, tx.s);
    }
}

/// A transaction of the L2 chain: its receipt from ArbOS and where it stands.
#[derive(Debug, Clone)]
pub struct L2Tx {
    /// Its hash (the receipt's request id).
    pub hash: Hash,
    /// The block it is in.
    pub block: u64,
    /// Its index in the block.
    pub index: u64,
    /// ArbOS's receipt.
    pub receipt: TxReceipt,
    /// The receipt as ArbOS logged it (what the archive keeps).
    pub raw: Value,
    /// The transaction's fields.
    pub view: TxView,
    /// Gas used (Ethereum's figure: ArbGas with fees off).
    pub gas_used: u64,
    /// Gas used in its block up to and including it.
    pub cumulative_gas_used: u64,
    /// The index in its block of its first EVM log.
    pub first_log_index: u64,
}

impl L2Tx {
    /// The transaction `receipt` (logged as `raw`) describes.
    pub fn new(receipt: TxReceipt, raw: Value) -> L2Tx {
        let saturate = |n: Int| u64::try_from(n).unwrap_or(u64::MAX);
        L2Tx {
            hash: receipt.tx_hash(),
            block: receipt.request.arb_block,
            index: receipt.tx_index_in_block,
            gas_used: saturate(receipt.ethereum_gas_used()),
            cumulative_gas_used: saturate(receipt.cumulative_gas_in_block),
            first_log_index: receipt.evm_logs_before_in_block,
            view: TxView::of(&receipt),
            receipt,
            raw,
        }
    }

    /// Whether it succeeded (receipt status 1).
    pub fn succeeded(&self) -> bool {
        self.receipt.code == ResultCode::Success
    }

    /// The contract a successful creation made.
    pub fn contract_address(&self) -> Option<Address> {
        self.receipt.contract_address()
    }
}

/// A block of the L2 chain.
#[derive(Debug, Clone)]
pub struct L2Block {
    /// Its number (the Arbitrum block number).
    pub number: u64,
    /// Its hash (see the module docs).
    pub hash: Hash,
    /// The previous block's hash (0 for block 0).
    pub parent_hash: Hash,
    /// ArbOS's summary of it.
    pub summary: BlockSummary,
    /// The summary as ArbOS logged it.
    pub raw_summary: Value,
    /// Its transactions, in order.
    pub txs: Vec<L2Tx>,
    /// The L2-to-L1 batches ArbOS closed with it (each logged as the value beside it).
    pub outbox: Vec<(OutboxBatchLog, Value)>,
}

impl L2Block {
    /// The block `summary` (logged as `raw`) closes, holding `txs`, after `parent`.
    pub fn new(summary: BlockSummary, raw: Value, txs: Vec<L2Tx>, parent_hash: Hash) -> L2Block {
        let mut preimage = b"avm l2 block".to_vec();
        preimage.extend_from_slice(&summary.arb_block.to_be_bytes());
        preimage.extend_from_slice(&parent_hash.0);
        preimage.extend_from_slice(&summary.timestamp.to_be_bytes());
        preimage.extend_from_slice(&summary.l1_block.to_be_bytes());
        preimage.extend_from_slice(&value_hash(&raw, &NoCode).0);
        for tx in &txs {
            preimage.extend_from_slice(&tx.hash.0);
        }
        L2Block {
            number: summary.arb_block,
            hash: keccak256(&preimage),
            parent_hash,
            summary,
            raw_summary: raw,
            txs,
            outbox: Vec::new(),
        }
    }

    /// The same block with the outbox batches ArbOS closed with it.
    pub fn with_outbox(mut self, outbox: Vec<(OutboxBatchLog, Value)>) -> L2Block {
        self.outbox = outbox;
        self
    }

    /// Gas its transactions used.
    pub fn gas_used(&self) -> u64 {
        self.txs
            .iter()
            .fold(0u64, |sum, tx| sum.saturating_add(tx.gas_used))
    }

    /// Its L1 timestamp (what TIMESTAMP returns in it).
    pub fn timestamp(&self) -> u64 {
        self.summary.timestamp
    }
}
