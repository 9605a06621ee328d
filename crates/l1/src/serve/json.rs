//! The embedded chain's blocks, transactions, receipts and logs in Ethereum's JSON
//! shapes, as geth and anvil answer them.

use serde_json::{json, Value as Json};

use avm_rpc::{
    address_json, hash_json, logs_bloom, quantity, quantity_be, quantity_u128, BlockFields,
    LogView, ReceiptFields, TxFields,
};

use crate::chain::{BlockInfo, Embedded, Log, ReceiptRecord, StoredTx, TxStatus};

/// A block; its transactions as hashes or, with `full`, objects.
pub fn block(chain: &Embedded, info: &BlockInfo, full: bool) -> Json {
    let transactions: Vec<Json> = info
        .transactions
        .iter()
        .map(|hash| match (full, chain.transaction(hash)) {
            (true, Some(tx)) => transaction(chain, tx),
            _ => hash_json(&hash.0),
        })
        .collect();
    let mut out = BlockFields {
        number: info.number,
        hash: info.hash.0,
        parent_hash: info.parent_hash.0,
        logs_bloom: avm_rpc::bytes_json(&info.logs_bloom),
        transactions_root: info.transactions_root.0,
        gas_limit: info.gas_limit,
        gas_used: info.gas_used,
        timestamp: info.timestamp,
        transactions,
    }
    .to_json();
    out["baseFeePerGas"] = json!("0x0");
    out
}

fn block_hash_of(chain: &Embedded, number: u64) -> Option<[u8; 32]> {
    chain.block_info(number).map(|b| b.hash.0)
}

/// A transaction with where it was mined.
pub fn transaction(chain: &Embedded, tx: &StoredTx) -> Json {
    let (v, r, s, parity) = tx.signature.map_or((0, [0; 32], [0; 32], false), |sig| {
        (sig.v, sig.r, sig.s, sig.y_parity)
    });
    let mut out = TxFields {
        hash: tx.hash.0,
        tx_type: tx.tx_type,
        nonce: tx.nonce,
        block_hash: block_hash_of(chain, tx.block),
        block: tx.block,
        index: tx.index,
        from: tx.from,
        to: tx.to,
        value: quantity_u128(tx.value),
        gas: quantity(tx.gas_limit),
        gas_price: quantity_u128(tx.gas_price),
        input: &tx.input,
        chain_id: tx.chain_id,
        signature: [quantity(v), quantity_be(&r), quantity_be(&s)],
    }
    .to_json();
    if let Some(tip) = tx.priority_fee {
        out["maxFeePerGas"] = quantity_u128(tx.gas_price);
        out["maxPriorityFeePerGas"] = quantity_u128(tip);
        out["gasPrice"] = quantity_u128(tx.effective_gas_price());
    }
    if tx.tx_type > 0 {
        out["accessList"] = json!(tx
            .access_list
            .0
            .iter()
            .map(|item| json!({
                "address": address_json(&item.address.into_array()),
                "storageKeys": item.storage_keys.iter().map(|k| hash_json(&k.0)).collect::<Vec<_>>(),
            }))
            .collect::<Vec<_>>());
        out["yParity"] = quantity(u64::from(parity));
    }
    out
}

/// A log with where it was emitted.
pub fn log(chain: &Embedded, log: &Log) -> Json {
    let index = chain.receipt_record(&log.tx_hash).map_or(0, |r| r.index);
    LogView {
        address: &log.address,
        topics: log.topics.iter().map(|t| t.0).collect(),
        data: &log.data,
        block: log.block,
        block_hash: block_hash_of(chain, log.block),
        tx_hash: &log.tx_hash.0,
        tx_index: index,
        log_index: log.log_index,
    }
    .to_json()
}

/// A receipt.
pub fn receipt(chain: &Embedded, record: &ReceiptRecord, tx_type: u8) -> Json {
    let topics: Vec<Vec<[u8; 32]>> = record
        .logs
        .iter()
        .map(|l| l.topics.iter().map(|t| t.0).collect())
        .collect();
    ReceiptFields {
        tx_hash: record.tx_hash.0,
        tx_type,
        index: record.index,
        block_hash: block_hash_of(chain, record.block),
        block: record.block,
        from: record.from,
        to: record.to,
        cumulative_gas_used: record.cumulative_gas_used,
        gas_used: record.gas_used,
        effective_gas_price: quantity_u128(record.gas_price),
        contract_address: record.created,
        logs: record.logs.iter().map(|l| log(chain, l)).collect(),
        logs_bloom: logs_bloom(
            record
                .logs
                .iter()
                .zip(&topics)
                .map(|(l, t)| (&l.address, &t[..])),
        ),
        succeeded: record.status == TxStatus::Ok,
    }
    .to_json()
}
