//! The L2's blocks, transactions, receipts and logs in Ethereum's JSON shapes, with
//! what the Go node added (a block's and a receipt's L1 block number, a receipt's
//! ArbOS result code and return data) and without `baseFeePerGas`, so that wallets
//! send legacy transactions on their own.

use serde_json::Value as Json;

use avm_rpc::{
    bytes_json, hash_json, logs_bloom, quantity, quantity_be, BlockFields, LogView, ReceiptFields,
    TxFields,
};
use avm_value::Int;

use crate::archive::FoundLog;
use crate::chain::{L2Block, L2Tx};

pub fn int_quantity(n: &Int) -> Json {
    quantity_be(&n.to_be_bytes::<32>())
}

fn saturate(n: &Int) -> u64 {
    u64::try_from(*n).unwrap_or(u64::MAX)
}

/// The bloom of `txs`' logs.
fn bloom<'a>(txs: impl IntoIterator<Item = &'a L2Tx>) -> Json {
    let logs: Vec<([u8; 20], Vec<[u8; 32]>)> = txs
        .into_iter()
        .flat_map(|tx| tx.receipt.logs.iter())
        .map(|l| (l.address.0, l.topics.iter().map(|t| t.0).collect()))
        .collect();
    logs_bloom(logs.iter().map(|(a, t)| (a, &t[..])))
}

/// A block; its transactions as hashes or, with `full`, objects.
pub fn block(block: &L2Block, full: bool) -> Json {
    let transactions = block
        .txs
        .iter()
        .map(|tx| {
            if full {
                transaction(tx, Some(block))
            } else {
                hash_json(&tx.hash.0)
            }
        })
        .collect();
    let mut roots = b"avm l2 transactions".to_vec();
    for tx in &block.txs {
        roots.extend_from_slice(&tx.hash.0);
    }
    let mut out = BlockFields {
        number: block.number,
        hash: block.hash.0,
        parent_hash: block.parent_hash.0,
        logs_bloom: bloom(&block.txs),
        transactions_root: avm_value::keccak256(&roots).0,
        gas_limit: saturate(&block.summary.gas_limit()),
        gas_used: saturate(&block.summary.this_block.gas_used),
        timestamp: block.timestamp(),
        transactions,
    }
    .to_json();
    out["l1BlockNumber"] = quantity(block.summary.l1_block);
    out
}

/// The chain id an EIP-155 `v` carries.
fn chain_id_of(v: &Int) -> Option<u64> {
    let v = u64::try_from(*v).ok()?;
    (v >= 35).then(|| (v - 35) / 2)
}

/// A transaction in `block`.
pub fn transaction(tx: &L2Tx, block: Option<&L2Block>) -> Json {
    let view = &tx.view;
    let (v, r, s) = &view.signature;
    TxFields {
        hash: tx.hash.0,
        tx_type: 0,
        nonce: view.nonce,
        block_hash: block.map(|b| b.hash.0),
        block: tx.block,
        index: tx.index,
        from: view.from.0,
        to: view.to.map(|a| a.0),
        value: int_quantity(&view.value),
        gas: int_quantity(&view.gas),
        gas_price: int_quantity(&view.gas_price),
        input: &view.input,
        chain_id: chain_id_of(v),
        signature: [int_quantity(v), int_quantity(r), int_quantity(s)],
    }
    .to_json()
}

fn log_json(
    tx: &L2Tx,
    block: Option<&L2Block>,
    index: usize,
    log: &avm_arbos::receipt::EvmLog,
) -> Json {
    LogView {
        address: &log.address.0,
        topics: log.topics.iter().map(|t| t.0).collect(),
        data: &log.data,
        block: tx.block,
        block_hash: block.map(|b| b.hash.0),
        tx_hash: &tx.hash.0,
        tx_index: tx.index,
        log_index: tx.first_log_index.saturating_add(index as u64),
    }
    .to_json()
}

/// A found log.
pub fn found_log(log: &FoundLog) -> Json {
    LogView {
        address: &log.address.0,
        topics: log.topics.iter().map(|t| t.0).collect(),
        data: &log.data,
        block: log.block,
        block_hash: Some(log.block_hash.0),
        tx_hash: &log.tx_hash.0,
        tx_index: log.tx_index,
        log_index: log.log_index,
    }
    .to_json()
}

/// A transaction's receipt.
pub fn receipt(tx: &L2Tx, block: Option<&L2Block>) -> Json {
    let receipt = &tx.receipt;
    let mut out = ReceiptFields {
        tx_hash: tx.hash.0,
        tx_type: 0,
        index: tx.index,
        block_hash: block.map(|b| b.hash.0),
        block: tx.block,
        from: tx.view.from.0,
        to: tx.view.to.map(|a| a.0),
        cumulative_gas_used: tx.cumulative_gas_used,
        gas_used: tx.gas_used,
        effective_gas_price: int_quantity(&receipt.gas_price),
        contract_address: tx.contract_address().map(|a| a.0),
        logs: receipt
            .logs
            .iter()
            .enumerate()
            .map(|(i, log)| log_json(tx, block, i, log))
            .collect(),
        logs_bloom: bloom([tx]),
        succeeded: tx.succeeded(),
    }
    .to_json();
    out["l1BlockNumber"] = quantity(receipt.request.l1_block);
    out["returnCode"] = int_quantity(&receipt.code.to_int());
    out["returnData"] = bytes_json(&receipt.return_data);
    out
}
