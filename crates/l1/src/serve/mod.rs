//! The embedded L1 over Ethereum JSON-RPC: the subset `cast` and ethers use to read
//! and send (chain id, blocks, balances, nonces, code, storage, calls, gas estimates
//! and prices, fee history, raw transactions, receipts, logs), plus anvil's
//! `anvil_mine` / `evm_mine` to make blocks on demand.
//!
//! Only the newest state is kept: a read at an older block is refused with a message
//! that says so (blocks, transactions, receipts and logs of every block are kept).

mod json;

use serde_json::{json, Value as Json};

use avm_rpc::{
    address_json, bytes_json, hash_json, param, parse_address, parse_block_tag, parse_bytes,
    parse_call, parse_count, parse_hash, parse_log_filter, parse_slot, quantity, quantity_u128,
    required, BlockTag, Handler, RpcError,
};
use avm_value::Hash;

use crate::chain::{CallOutcome, ChainHandle, Embedded, L1Error, RevertReason, Simulation};

/// The priority fee the embedded L1 suggests (its base fee is 0): 1 gwei.
pub const SUGGESTED_TIP: u128 = 1_000_000_000;

/// Longest call data or raw transaction taken (bytes).
const MAX_INPUT: usize = 1 << 20;

/// Most logs one `eth_getLogs` answers.
const MAX_LOGS: usize = 10_000;

/// Answers JSON-RPC for an embedded chain.
pub struct L1Rpc {
    chain: ChainHandle,
}

impl L1Rpc {
    /// A handler over the chain `chain` reaches, which must be embedded.
    pub fn new(chain: ChainHandle) -> L1Rpc {
        L1Rpc { chain }
    }
}

fn refused(e: L1Error) -> RpcError {
    match e {
        L1Error::Refused(message) => RpcError::server(message),
        L1Error::Unpayable { .. } => RpcError::server("insufficient funds for gas * price + value"),
        other => RpcError::internal(other.to_string()),
    }
}

fn reverted(reason: &RevertReason) -> RpcError {
    match reason {
        RevertReason::Message(message) => {
            let mut data = crate::abi::selector("Error(string)").to_vec();
            data.extend(crate::abi::encode(&[crate::abi::Token::Bytes(
                message.as_bytes().to_vec(),
            )]));
            RpcError::reverted(Some(message), &data)
        }
        RevertReason::Data(data) => RpcError::reverted(None, data),
        RevertReason::Halt(halt) => RpcError::server(format!("execution halted: {halt}")),
    }
}

impl Handler for L1Rpc {
    fn call(&self, method: &str, params: &Json) -> Result<Json, RpcError> {
        let (method, params) = (method.to_owned(), params.clone());
        self.chain
            .with(move |chain| match chain.as_embedded_mut() {
                Some(embedded) => answer(embedded, &method, &params),
                None => Err(RpcError::internal("only an embedded chain is served")),
            })
            .map_err(|e| RpcError::internal(e.to_string()))?
    }
}

/// The state at `tag` must be the newest.
fn newest_only(chain: &Embedded, tag: BlockTag) -> Result<(), RpcError> {
    let head = chain.head().number;
    match tag {
        BlockTag::Latest | BlockTag::Pending => Ok(()),
        BlockTag::Number(n) if n >= head => Ok(()),
        BlockTag::Earliest if head == 0 => Ok(()),
        _ => Err(RpcError::server(
            "historical state is not available: the embedded L1 keeps only the newest state",
        )),
    }
}

fn block_number_of(chain: &Embedded, tag: BlockTag) -> u64 {
    tag.number(chain.head().number)
}

fn simulation(chain: &Embedded, call: &Json) -> Result<Simulation, RpcError> {
    let call = parse_call(call, MAX_INPUT)?;
    Ok(Simulation {
        from: call.from.unwrap_or([0; 20]),
        to: call.to,
        input: call.input,
        value: call.value,
        gas_limit: call.gas.map(|g| g.min(chain.config().block_gas_limit)),
        gas_price: call.gas_price.unwrap_or(0),
    })
}

fn get_logs(chain: &mut Embedded, filter: &Json) -> Result<Json, RpcError> {
    let filter = parse_log_filter(filter)?;
    let head = chain.head().number;
    let (from, to) = filter.range.blocks(head, |hash| {
        chain.block_by_hash(&Hash(*hash)).map(|b| b.number)
    })?;
    if from > to {
        return Ok(json!([]));
    }
    let matching = chain
        .logs_where(from, to.min(head), MAX_LOGS, |l| {
            filter.matches(&l.address, l.topics.iter().map(|t| &t.0))
        })
        .ok_or_else(|| RpcError::server(format!("query returned more than {MAX_LOGS} results")))?;
    Ok(Json::Array(
        matching.iter().map(|l| json::log(chain, l)).collect(),
    ))
}

fn fee_history(chain: &Embedded, params: &Json) -> Result<Json, RpcError> {
    let count = parse_count(required(params, 0, "blockCount")?, "blockCount")?.clamp(1, 1024);
    let newest =
        block_number_of(chain, parse_block_tag(param(params, 1))?).min(chain.head().number);
    let oldest = newest.saturating_sub(count - 1);
    let blocks: Vec<u64> = (oldest..=newest).collect();
    let percentiles = reward_percentiles(param(params, 2))?;
    let ratios: Vec<Json> = blocks
        .iter()
        .map(|n| {
            let ratio = chain
                .block_info(*n)
                .map_or(0.0, |b| b.gas_used as f64 / b.gas_limit.max(1) as f64);
            json!(ratio)
        })
        .collect();
    Ok(json!({
        "oldestBlock": quantity(oldest),
        "baseFeePerGas": vec![json!("0x0"); blocks.len() + 1],
        "gasUsedRatio": ratios,
        "reward": blocks
            .iter()
            .map(|_| vec![quantity_u128(SUGGESTED_TIP); percentiles])
            .collect::<Vec<_>>(),
    }))
}

/// Most reward percentiles one `eth_feeHistory` may ask for (each block answers one
/// reward per percentile).
const MAX_REWARD_PERCENTILES: usize = 100;

/// How many reward percentiles `eth_feeHistory` asks for: numbers from 0 to 100, rising,
/// as geth requires, and at most [`MAX_REWARD_PERCENTILES`].
fn reward_percentiles(percentiles: Option<&Json>) -> Result<usize, RpcError> {
    let list = match percentiles {
        None | Some(Json::Null) => return Ok(0),
        Some(Json::Array(list)) => list,
        Some(_) => return Err(RpcError::invalid_params("rewardPercentiles is not a list")),
    };
    if list.len() > MAX_REWARD_PERCENTILES {
        return Err(RpcError::invalid_params(format!(
            "{} reward percentiles; at most {MAX_REWARD_PERCENTILES}",
            list.len()
        )));
    }
    let mut last = 0.0;
    for p in list {
        let p = p
            .as_f64()
            .filter(|p| (0.0..=100.0).contains(p))
            .ok_or_else(|| RpcError::invalid_params(format!("invalid reward percentile: {p}")))?;
        if p < last {
            return Err(RpcError::invalid_params(format!(
                "invalid reward percentile: #{p} < #{last}"
            )));
        }
        last = p;
    }
    Ok(list.len())
}

fn answer(chain: &mut Embedded, method: &str, params: &Json) -> Result<Json, RpcError> {
    match method {
        "web3_clientVersion" => Ok(json!(format!("avm/v{}/l1", env!("CARGO_PKG_VERSION")))),
        "net_version" => Ok(json!(chain.chain_id().to_string())),
        "net_listening" => Ok(json!(true)),
        "eth_chainId" => Ok(quantity(chain.chain_id())),
        "eth_syncing" => Ok(json!(false)),
        "eth_accounts" => Ok(json!(chain
            .config()
            .keys
            .iter()
            .map(|k| address_json(&k.address))
            .collect::<Vec<_>>())),
        "eth_blockNumber" => Ok(quantity(chain.head().number)),
        "eth_gasPrice" | "eth_maxPriorityFeePerGas" => Ok(quantity_u128(SUGGESTED_TIP)),
        "eth_feeHistory" => fee_history(chain, params),
        "eth_getBlockByNumber" => {
            let number = block_number_of(chain, parse_block_tag(param(params, 0))?);
            let full = param(params, 1).and_then(Json::as_bool).unwrap_or(false);
            Ok(chain
                .block_info(number)
                .map_or(Json::Null, |b| json::block(chain, b, full)))
        }
        "eth_getBlockByHash" => {
            let hash = Hash(parse_hash(
                required(params, 0, "block hash")?,
                "block hash",
            )?);
            let full = param(params, 1).and_then(Json::as_bool).unwrap_or(false);
            Ok(chain
                .block_by_hash(&hash)
                .map_or(Json::Null, |b| json::block(chain, b, full)))
        }
        "eth_getBlockTransactionCountByNumber" => {
            let number = block_number_of(chain, parse_block_tag(param(params, 0))?);
            Ok(chain
                .block_info(number)
                .map_or(Json::Null, |b| quantity(b.transactions.len() as u64)))
        }
        "eth_getBalance" | "eth_getTransactionCount" | "eth_getCode" => {
            let address = parse_address(required(params, 0, "address")?, "address")?;
            newest_only(chain, parse_block_tag(param(params, 1))?)?;
            Ok(match method {
                "eth_getBalance" => quantity_u128(chain.balance(address)),
                "eth_getTransactionCount" => quantity(chain.nonce(address)),
                _ => bytes_json(&chain.code(address)),
            })
        }
        "eth_getStorageAt" => {
            let address = parse_address(required(params, 0, "address")?, "address")?;
            let word = parse_slot(required(params, 1, "slot")?, "slot")?;
            newest_only(chain, parse_block_tag(param(params, 2))?)?;
            Ok(hash_json(&chain.storage(address, word)))
        }
        "eth_call" => {
            if param(params, 2).is_some() {
                return Err(RpcError::invalid_params(
                    "state overrides are not supported by the embedded L1",
                ));
            }
            let sim = simulation(chain, required(params, 0, "call")?)?;
            newest_only(chain, parse_block_tag(param(params, 1))?)?;
            match chain.simulate(&sim).map_err(refused)? {
                CallOutcome::Success { output, .. } => Ok(bytes_json(&output)),
                CallOutcome::Failed { reason, .. } => Err(reverted(&reason)),
            }
        }
        "eth_estimateGas" => {
            let sim = simulation(chain, required(params, 0, "call")?)?;
            match chain.estimate_gas(&sim).map_err(refused)? {
                Ok(gas) => Ok(quantity(gas)),
                Err(reason) => Err(reverted(&reason)),
            }
        }
        "eth_sendRawTransaction" => {
            let raw = parse_bytes(
                required(params, 0, "transaction")?,
                "transaction",
                MAX_INPUT,
            )?;
            let hash = chain.submit_raw(&raw).map_err(refused)?;
            Ok(hash_json(&hash.0))
        }
        "eth_getTransactionByHash" => {
            let hash = Hash(parse_hash(required(params, 0, "hash")?, "hash")?);
            Ok(chain
                .transaction(&hash)
                .map_or(Json::Null, |tx| json::transaction(chain, tx)))
        }
        "eth_getTransactionReceipt" => {
            let hash = Hash(parse_hash(required(params, 0, "hash")?, "hash")?);
            let tx_type = chain.transaction(&hash).map_or(0, |tx| tx.tx_type);
            Ok(chain
                .receipt_record(&hash)
                .filter(|r| chain.block_info(r.block).is_some())
                .map_or(Json::Null, |r| json::receipt(chain, r, tx_type)))
        }
        "eth_getLogs" => get_logs(chain, required(params, 0, "filter")?),
        "evm_mine" => {
            chain.mine(1).map_err(refused)?;
            Ok(json!("0x0"))
        }
        "anvil_mine" | "hardhat_mine" => {
            let count = match param(params, 0) {
                None => 1,
                Some(n) => parse_count(n, "count")?,
            };
            if count > 100_000 {
                return Err(RpcError::invalid_params("at most 100000 blocks at a time"));
            }
            chain.mine(count).map_err(refused)?;
            Ok(Json::Null)
        }
        other => Err(RpcError::method_not_found(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reward percentiles as geth takes them: absent or null is none, a list of rising
    /// numbers from 0 to 100 is taken, anything else, or more than 100, is refused
    /// (each block answers one reward per percentile, so the list sizes the answer).
    #[test]
    fn reward_percentiles_are_checked_and_bounded() {
        assert_eq!(reward_percentiles(None).ok(), Some(0));
        assert_eq!(reward_percentiles(Some(&Json::Null)).ok(), Some(0));
        assert_eq!(
            reward_percentiles(Some(&json!([10, 50.5, 50.5, 100]))).ok(),
            Some(4)
        );
        let many = Json::Array(vec![json!(1); MAX_REWARD_PERCENTILES + 1]);
        for bad in [
            json!([50, 10]),
            json!([-1]),
            json!([101]),
            json!(["0x1"]),
            json!(7),
            many,
        ] {
            assert!(reward_percentiles(Some(&bad)).is_err(), "{bad}");
        }
    }
}
