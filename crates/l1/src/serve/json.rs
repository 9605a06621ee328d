//! The embedded chain's blocks, transactions, receipts and logs in Ethereum's JSON
//! shapes, as geth and anvil answer them.

use serde_json::{json, Value as Json};

use avm_rpc::{address_json, bytes_json, hash_json, quantity, quantity_u128};

use crate::chain::{BlockInfo, Embedded, Log, ReceiptRecord, StoredTx, TxStatus};

/// keccak256(RLP([])): the ommers hash of a block without ommers.
const EMPTY_OMMERS: [u8; 32] = [
    0x1d, 0xcc, 0x4d, 0xe8, 0xde, 0xc7, 0x5d, 0x7a, 0xab, 0x85, 0xb5, 0x67, 0xb6, 0xcc, 0xd4, 0x1a,
    0xd3, 0x12, 0x45, 0x1b, 0x94, 0x8a, 0x7a, 0x41, 0x3f, 0x0a, 0x14, 0x2f, 0xd4, 0x0d, 0x49, 0x47,
];

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
    json!({
        "number": quantity(info.number),
        "hash": hash_json(&info.hash.0),
        "parentHash": hash_json(&info.parent_hash.0),
        "nonce": "0x0000000000000000",
        "mixHash": hash_json(&[0; 32]),
        "sha3Uncles": hash_json(&EMPTY_OMMERS),
        "logsBloom": bytes_json(&info.logs_bloom),
        "transactionsRoot": hash_json(&info.transactions_root.0),
        "stateRoot": hash_json(&[0; 32]),
        "receiptsRoot": hash_json(&info.transactions_root.0),
        "miner": address_json(&[0; 20]),
        "difficulty": "0x0",
        "totalDifficulty": "0x0",
        "extraData": "0x",
        "size": quantity(540 + 32 * info.transactions.len() as u64),
        "gasLimit": quantity(info.gas_limit),
        "gasUsed": quantity(info.gas_used),
        "timestamp": quantity(info.timestamp),
        "baseFeePerGas": "0x0",
        "transactions": transactions,
        "uncles": [],
    })
}

fn block_hash_of(chain: &Embedded, number: u64) -> Json {
    chain
        .block_info(number)
        .map_or(Json::Null, |b| hash_json(&b.hash.0))
}

/// A transaction with where it was mined.
pub fn transaction(chain: &Embedded, tx: &StoredTx) -> Json {
    let mut out = json!({
        "hash": hash_json(&tx.hash.0),
        "type": quantity(u64::from(tx.tx_type)),
        "nonce": quantity(tx.nonce),
        "blockHash": block_hash_of(chain, tx.block),
        "blockNumber": quantity(tx.block),
        "transactionIndex": quantity(tx.index),
        "from": address_json(&tx.from),
        "to": tx.to.as_ref().map_or(Json::Null, address_json),
        "value": quantity_u128(tx.value),
        "gas": quantity(tx.gas_limit),
        "input": bytes_json(&tx.input),
    });
    if let Some(chain_id) = tx.chain_id {
        out["chainId"] = quantity(chain_id);
    }
    match tx.priority_fee {
        Some(tip) => {
            out["maxFeePerGas"] = quantity_u128(tx.gas_price);
            out["maxPriorityFeePerGas"] = quantity_u128(tip);
            out["gasPrice"] = quantity_u128(tx.effective_gas_price());
        }
        None => out["gasPrice"] = quantity_u128(tx.gas_price),
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
    }
    let (v, r, s, parity) = tx.signature.map_or((0, [0; 32], [0; 32], false), |sig| {
        (sig.v, sig.r, sig.s, sig.y_parity)
    });
    out["v"] = quantity(v);
    out["r"] = quantity_hex(&r);
    out["s"] = quantity_hex(&s);
    if tx.tx_type > 0 {
        out["yParity"] = quantity(u64::from(parity));
    }
    out
}

/// A 32-byte big-endian number as a quantity.
fn quantity_hex(word: &[u8; 32]) -> Json {
    let digits = hex::encode(word);
    let trimmed = digits.trim_start_matches('0');
    json!(format!(
        "0x{}",
        if trimmed.is_empty() { "0" } else { trimmed }
    ))
}

/// A log with where it was emitted.
pub fn log(chain: &Embedded, log: &Log) -> Json {
    let index = chain.receipt_record(&log.tx_hash).map_or(0, |r| r.index);
    json!({
        "address": address_json(&log.address),
        "topics": log.topics.iter().map(|t| hash_json(&t.0)).collect::<Vec<_>>(),
        "data": bytes_json(&log.data),
        "blockNumber": quantity(log.block),
        "blockHash": block_hash_of(chain, log.block),
        "transactionHash": hash_json(&log.tx_hash.0),
        "transactionIndex": quantity(index),
        "logIndex": quantity(log.log_index),
        "removed": false,
    })
}

/// A receipt.
pub fn receipt(chain: &Embedded, record: &ReceiptRecord, tx_type: u8) -> Json {
    let mut bloom = alloy_primitives::Bloom::default();
    for l in &record.logs {
        bloom.accrue(alloy_primitives::BloomInput::Raw(&l.address));
        for topic in &l.topics {
            bloom.accrue(alloy_primitives::BloomInput::Raw(&topic.0));
        }
    }
    json!({
        "transactionHash": hash_json(&record.tx_hash.0),
        "transactionIndex": quantity(record.index),
        "blockHash": block_hash_of(chain, record.block),
        "blockNumber": quantity(record.block),
        "from": address_json(&record.from),
        "to": record.to.as_ref().map_or(Json::Null, address_json),
        "cumulativeGasUsed": quantity(record.cumulative_gas_used),
        "gasUsed": quantity(record.gas_used),
        "effectiveGasPrice": quantity_u128(record.gas_price),
        "contractAddress": record.created.as_ref().map_or(Json::Null, address_json),
        "logs": record.logs.iter().map(|l| log(chain, l)).collect::<Vec<_>>(),
        "logsBloom": bytes_json(&bloom.0[..]),
        "status": if record.status == TxStatus::Ok { "0x1" } else { "0x0" },
        "type": quantity(u64::from(tx_type)),
    })
}
