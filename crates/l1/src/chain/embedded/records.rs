//! The byte forms of the records a data dir holds: accounts, blocks, transactions,
//! receipts and the chain's configuration.

use alloy_eips::eip2930::{AccessList, AccessListItem};
use revm::primitives::{Address, B256, U256};
use revm::state::AccountInfo;

use avm_value::Hash;

use super::blocks::{BlockInfo, ReceiptRecord};
use super::codec::{Damaged, Reader, Writer};
use super::txs::{StoredTx, TxSignature};
use super::{EmbeddedConfig, Rules};

pub(super) fn encode_account(info: &AccountInfo) -> Vec<u8> {
    let mut w = Writer::default();
    w.u64(info.nonce)
        .word(&info.balance.to_be_bytes())
        .word(&info.code_hash.0);
    w.buf
}

/// An account's nonce, balance and code hash (its code is looked up by the hash).
pub(super) fn decode_account(bytes: &[u8]) -> Result<AccountInfo, Damaged> {
    let mut r = Reader::new(bytes, "an account");
    let nonce = r.u64()?;
    let balance = U256::from_be_bytes(r.word()?);
    let code_hash = B256::from(r.word()?);
    r.end()?;
    let mut info = AccountInfo::from_balance(balance);
    info.nonce = nonce;
    info.code_hash = code_hash;
    Ok(info)
}

pub(super) fn encode_config(config: &EmbeddedConfig) -> Vec<u8> {
    let mut w = Writer::default();
    w.u64(config.chain_id)
        .bytes(config.hardfork.name().as_bytes())
        .u64(config.block_gas_limit)
        .u8(rules_byte(config.rules));
    w.buf
}

pub(super) fn decode_config(bytes: &[u8]) -> Result<(u64, String, u64, u8), Damaged> {
    let mut r = Reader::new(bytes, "the chain configuration");
    let out = (r.u64()?, r.string()?, r.u64()?, r.u8()?);
    r.end()?;
    Ok(out)
}

pub(super) fn encode_block(info: &BlockInfo) -> Vec<u8> {
    let mut w = Writer::default();
    w.u64(info.number)
        .word(&info.hash.0)
        .word(&info.parent_hash.0)
        .u64(info.timestamp)
        .u64(info.gas_limit)
        .u64(info.gas_used)
        .u64(info.transactions.len() as u64);
    for tx in &info.transactions {
        w.word(&tx.0);
    }
    w.bytes(&info.logs_bloom).word(&info.transactions_root.0);
    w.buf
}

pub(super) fn decode_block(bytes: &[u8]) -> Result<BlockInfo, Damaged> {
    let mut r = Reader::new(bytes, "a block");
    let number = r.u64()?;
    let hash = r.hash()?;
    let parent_hash = r.hash()?;
    let timestamp = r.u64()?;
    let gas_limit = r.u64()?;
    let gas_used = r.u64()?;
    let count = r.count(32)?;
    let transactions = (0..count)
        .map(|_| r.hash())
        .collect::<Result<Vec<Hash>, _>>()?;
    let logs_bloom = r.bytes()?;
    let transactions_root = r.hash()?;
    r.end()?;
    Ok(BlockInfo {
        number,
        hash,
        parent_hash,
        timestamp,
        gas_limit,
        gas_used,
        transactions,
        logs_bloom,
        transactions_root,
    })
}

pub(super) fn encode_tx(tx: &StoredTx) -> Vec<u8> {
    let mut w = Writer::default();
    w.word(&tx.hash.0)
        .u8(tx.tx_type)
        .address(&tx.from)
        .opt_address(&tx.to)
        .u64(tx.nonce)
        .u128(tx.value)
        .bytes(&tx.input)
        .u64(tx.gas_limit)
        .u128(tx.gas_price)
        .opt_u128(tx.priority_fee)
        .opt_u64(tx.chain_id)
        .u64(tx.access_list.0.len() as u64);
    for item in &tx.access_list.0 {
        w.address(&item.address.into_array())
            .u64(item.storage_keys.len() as u64);
        for key in &item.storage_keys {
            w.word(&key.0);
        }
    }
    match &tx.signature {
        Some(sig) => {
            w.u8(1)
                .u64(sig.v)
                .word(&sig.r)
                .word(&sig.s)
                .u8(u8::from(sig.y_parity));
        }
        None => {
            w.u8(0);
        }
    }
    w.u64(tx.block).u64(tx.index);
    w.buf
}

pub(super) fn decode_tx(bytes: &[u8]) -> Result<StoredTx, Damaged> {
    let mut r = Reader::new(bytes, "a transaction");
    let hash = r.hash()?;
    let tx_type = r.u8()?;
    let from = r.address()?;
    let to = r.opt_address()?;
    let nonce = r.u64()?;
    let value = r.u128()?;
    let input = r.bytes()?;
    let gas_limit = r.u64()?;
    let gas_price = r.u128()?;
    let priority_fee = r.opt_u128()?;
    let chain_id = r.opt_u64()?;
    let items = r.count(28)?;
    let mut access_list = Vec::with_capacity(items);
    for _ in 0..items {
        let address = r.address()?;
        let keys = r.count(32)?;
        let storage_keys = (0..keys)
            .map(|_| r.word().map(B256::from))
            .collect::<Result<Vec<_>, _>>()?;
        access_list.push(AccessListItem {
            address: Address::from(address),
            storage_keys,
        });
    }
    let signature = if r.flag()? {
        Some(TxSignature {
            v: r.u64()?,
            r: r.word()?,
            s: r.word()?,
            y_parity: r.flag()?,
        })
    } else {
        None
    };
    let block = r.u64()?;
    let index = r.u64()?;
    r.end()?;
    Ok(StoredTx {
        hash,
        tx_type,
        from,
        to,
        nonce,
        value,
        input,
        gas_limit,
        gas_price,
        priority_fee,
        chain_id,
        access_list: AccessList(access_list),
        signature,
        block,
        index,
    })
}

pub(super) fn encode_receipt(receipt: &ReceiptRecord) -> Vec<u8> {
    let mut w = Writer::default();
    w.word(&receipt.tx_hash.0)
        .u64(receipt.block)
        .u64(receipt.index)
        .address(&receipt.from)
        .opt_address(&receipt.to)
        .status(receipt.status)
        .u64(receipt.gas_used)
        .u64(receipt.cumulative_gas_used)
        .u128(receipt.gas_price)
        .opt_address(&receipt.created)
        .u64(receipt.logs.len() as u64);
    for log in &receipt.logs {
        w.log(log);
    }
    w.bytes(&receipt.output).revert(&receipt.revert);
    w.buf
}

pub(super) fn decode_receipt(bytes: &[u8]) -> Result<ReceiptRecord, Damaged> {
    let mut r = Reader::new(bytes, "a receipt");
    let tx_hash = r.hash()?;
    let block = r.u64()?;
    let index = r.u64()?;
    let from = r.address()?;
    let to = r.opt_address()?;
    let status = r.status()?;
    let gas_used = r.u64()?;
    let cumulative_gas_used = r.u64()?;
    let gas_price = r.u128()?;
    let created = r.opt_address()?;
    let count = r.count(20)?;
    let logs = (0..count).map(|_| r.log()).collect::<Result<Vec<_>, _>>()?;
    let output = r.bytes()?;
    let revert = r.revert()?;
    r.end()?;
    Ok(ReceiptRecord {
        tx_hash,
        block,
        index,
        from,
        to,
        status,
        gas_used,
        cumulative_gas_used,
        gas_price,
        created,
        logs,
        output,
        revert,
    })
}

/// The rule set as its record byte.
pub(super) fn rules_byte(rules: Rules) -> u8 {
    match rules {
        Rules::Real => 0,
        Rules::Referee => 1,
    }
}
