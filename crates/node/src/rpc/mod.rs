//! The L2's Ethereum JSON-RPC: what `cast`, ethers and wallets call, answered from the
//! archive (blocks, transactions, receipts, logs) without waiting for the machine, or
//! by the node's thread (raw transactions, and state read by calls on a copy of the
//! machine at the block asked for). Errors carry geth's codes and messages.

mod filters;
mod json;

use std::sync::{Mutex, RwLockReadGuard};
use std::time::{Duration, Instant};

use serde_json::{json, Value as Json};

use avm_arbos::{Address, ResultCode};
use avm_rpc::{
    bytes_json, hash_json, param, parse_address, parse_block_tag, parse_bytes, parse_call,
    parse_hash, parse_log_filter, parse_overrides, parse_quantity, parse_slot, quantity, required,
    BlockTag, Handler, Later, LogFilter, LogRange, RpcError,
};
use avm_value::{Hash, Int};

use crate::archive::{Archive, LogScan};
use crate::chain::L2Block;
use crate::core::{oversized, CallResult, CallSpec, Refused, MAX_RAW_TX};
use crate::node_interface::{self, NODE_INTERFACE};
use crate::service::NodeHandle;
use crate::NodeError;

pub use filters::{FilterError, Filters, Watch, FILTER_TIMEOUT, MAX_FILTERS};

/// Longest call data taken by `eth_call` and `eth_estimateGas` (bytes).
const MAX_CALL_INPUT: usize = 1 << 20;

/// Most logs one `eth_getLogs` (or filter poll) answers.
pub const MAX_LOGS: usize = 10_000;

/// Most bytes of log data and topics one `eth_getLogs` (or filter poll) answers (its
/// JSON is about twice as long).
pub const MAX_LOG_BYTES: usize = 32 << 20;

/// Longest one log scan may hold the archive (the writer waits for it); well within
/// the server's time for a request, so the client hears why.
pub const LOG_SCAN_TIME: Duration = Duration::from_secs(10);

/// What one `eth_getLogs` (or filter poll) may find and take: [`MAX_LOGS`],
/// [`MAX_LOG_BYTES`] and [`LOG_SCAN_TIME`] unless set otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogBounds {
    /// Most logs answered.
    pub max_logs: usize,
    /// Most bytes of log data and topics answered.
    pub max_bytes: usize,
    /// Longest a scan may hold the archive (`Duration::MAX`: no limit).
    pub scan_time: Duration,
}

impl Default for LogBounds {
    fn default() -> LogBounds {
        LogBounds {
            max_logs: MAX_LOGS,
            max_bytes: MAX_LOG_BYTES,
            scan_time: LOG_SCAN_TIME,
        }
    }
}

/// Gas `eth_estimateGas` adds to what a call used when fees are off (the Go node's
/// cushion).
const ESTIMATE_CUSHION: u64 = 10_000;

/// Answers the L2's JSON-RPC.
#[derive(Debug)]
pub struct L2Rpc {
    node: NodeHandle,
    chain_id: u64,
    filters: Mutex<Filters>,
    log_bounds: LogBounds,
}

impl L2Rpc {
    /// A handler over the node `node` reaches, whose L2 chain id is `chain_id`.
    pub fn new(node: NodeHandle, chain_id: u64) -> L2Rpc {
        L2Rpc {
            node,
            chain_id,
            filters: Mutex::new(Filters::default()),
            log_bounds: LogBounds::default(),
        }
    }

    /// The same handler with other bounds on log queries.
    pub fn with_log_bounds(self, log_bounds: LogBounds) -> L2Rpc {
        L2Rpc { log_bounds, ..self }
    }

    fn archive(&self) -> Result<RwLockReadGuard<'_, Archive>, RpcError> {
        self.node.archive().read().map_err(|_| archive_poisoned())
    }

    fn filters(&self) -> Result<std::sync::MutexGuard<'_, Filters>, RpcError> {
        self.filters
            .lock()
            .map_err(|_| RpcError::internal("the filters' lock is poisoned"))
    }

    fn head(&self) -> Result<u64, RpcError> {
        Ok(self.archive()?.head())
    }

    /// The block whose state `tag` names (None: the newest).
    fn state_at(&self, tag: BlockTag) -> Result<Option<u64>, RpcError> {
        let head = self.head()?;
        match tag {
            BlockTag::Latest | BlockTag::Pending => Ok(None),
            BlockTag::Earliest => Ok(Some(0)),
            BlockTag::Number(n) if n > head => Err(RpcError::server("header not found")),
            BlockTag::Number(n) => Ok(Some(n)),
        }
    }

    /// Runs `work` on the node's thread.
    fn on_node<R: Send + 'static>(
        &self,
        work: impl FnOnce(&mut crate::core::NodeCore) -> Result<R, NodeError> + Send + 'static,
    ) -> Result<R, RpcError> {
        self.node
            .with(work)
            .map_err(node_error)?
            .map_err(node_error)
    }

    /// The call of `params` (a call object, a block, and for `eth_call` state
    /// overrides).
    fn call_spec(&self, params: &Json) -> Result<CallSpec, RpcError> {
        let call = parse_call(required(params, 0, "call")?, MAX_CALL_INPUT)?;
        Ok(CallSpec {
            from: Address(call.from.unwrap_or([0; 20])),
            to: call.to.map(Address),
            value: Int::from(call.value),
            data: call.input,
            gas: call.gas,
            gas_price: Int::from(call.gas_price.unwrap_or(0)),
            overrides: match param(params, 2) {
                Some(overrides) => parse_overrides(overrides)?,
                None => Vec::new(),
            },
        })
    }

    fn logs(&self, filter: &LogFilter, from: u64, to: u64) -> Result<Json, RpcError> {
        if from > to {
            return Ok(json!([]));
        }
        let scan = LogScan {
            from,
            to,
            max_logs: self.log_bounds.max_logs,
            max_bytes: self.log_bounds.max_bytes,
            deadline: Instant::now().checked_add(self.log_bounds.scan_time),
        };
        let found = self
            .archive()?
            .logs(&scan, |log| {
                filter.matches(&log.address.0, log.topics.iter().map(|t| &t.0))
            })
            .map_err(|e| RpcError::server(e.to_string()))?;
        Ok(Json::Array(found.iter().map(json::found_log).collect()))
    }

    /// The blocks a log filter's range covers, up to the head.
    fn log_range(&self, range: LogRange) -> Result<(u64, u64), RpcError> {
        let archive = self.archive()?;
        range.blocks(archive.head(), |hash| {
            archive.block_by_hash(&Hash(*hash)).map(|b| b.number)
        })
    }

    fn filter_id(params: &Json) -> Result<u64, RpcError> {
        parse_quantity(required(params, 0, "filter id")?, "filter id")
    }

    fn filter_changes(&self, params: &Json) -> Result<Json, RpcError> {
        let id = Self::filter_id(params)?;
        let head = self.head()?;
        let (watch, from, to) = self
            .filters()?
            .poll(id, head)
            .map_err(|e| RpcError::server(e.to_string()))?;
        match watch {
            Watch::Blocks => {
                let archive = self.archive()?;
                Ok(Json::Array(
                    (from..=to)
                        .filter_map(|n| archive.block(n))
                        .map(|b| hash_json(&b.hash.0))
                        .collect(),
                ))
            }
            Watch::PendingTransactions => Ok(json!([])),
            Watch::Logs(filter) => {
                let found = self
                    .log_range(filter.range)
                    .and_then(|(first, last)| self.logs(&filter, from.max(first), to.min(last)));
                // Refused (too many logs, say): the same blocks come again next poll.
                if found.is_err() {
                    self.filters()?.unpoll(id, from, to);
                }
                found
            }
        }
    }

    fn block_json(&self, block: Option<&L2Block>, params: &Json) -> Json {
        let full = param(params, 1).and_then(Json::as_bool).unwrap_or(false);
        block.map_or(Json::Null, |b| json::block(b, full))
    }
}

fn node_error(e: NodeError) -> RpcError {
    match e {
        NodeError::Input(message) => RpcError::server(message),
        other => RpcError::internal(other.to_string()),
    }
}

fn refused(e: Refused) -> RpcError {
    match e {
        Refused::Node(message) => RpcError::internal(message),
        other => RpcError::server(other.to_string()),
    }
}

/// A failed call as geth reports it: a revert carries its data (and its reason when
/// it is an `Error(string)`); other ArbOS results say what they were.
fn call_failed(result: &CallResult) -> RpcError {
    if !result.output.is_empty() || result.code == ResultCode::Revert {
        let reason = avm_l1::abi::decode_error_string(&result.output);
        return RpcError::reverted(reason.as_deref(), &result.output);
    }
    RpcError::server(
        result
            .code
            .json_rpc_message()
            .unwrap_or_else(|| result.code.name()),
    )
}

/// What `eth_estimateGas` answers for a successful call: with fees off, the gas used
/// plus a cushion; with fees on, a tenth more plus 100 (the Go node's rules).
fn estimate(result: &CallResult) -> u64 {
    if result.computation_price.is_zero() {
        result.gas_used.saturating_add(ESTIMATE_CUSHION)
    } else {
        (result.gas_used.saturating_mul(11) / 10).saturating_add(100)
    }
}

/// The signed transaction `eth_sendRawTransaction` carries; one larger than a
/// transaction may be is refused before it is decoded, with geth's message (the
/// server's I/O thread decodes it).
fn raw_transaction(params: &Json) -> Result<Vec<u8>, RpcError> {
    let raw = required(params, 0, "transaction")?;
    let digits = raw.as_str().map_or(0, str::len).saturating_sub(2);
    if digits > 2 * MAX_RAW_TX {
        return Err(refused(oversized(digits / 2)));
    }
    parse_bytes(raw, "transaction", MAX_RAW_TX)
}

/// What a read answers when a thread panicked holding the archive's lock.
fn archive_poisoned() -> RpcError {
    RpcError::internal("the archive's lock is poisoned")
}

/// The methods answered from the archive alone (in memory, at most a block's worth
/// of work), by [`L2Rpc::read_archive`].
const ARCHIVE_READS: &[&str] = &[
    "eth_blockNumber",
    "eth_getBlockByNumber",
    "eth_getBlockByHash",
    "eth_getBlockTransactionCountByNumber",
    "eth_getBlockTransactionCountByHash",
    "eth_getTransactionByBlockNumberAndIndex",
    "eth_getTransactionByHash",
    "eth_getTransactionReceipt",
];

impl L2Rpc {
    /// The answer to a method whose answer never changes.
    fn constant(&self, method: &str) -> Option<Json> {
        Some(match method {
            "web3_clientVersion" => json!(format!("avm/v{}/node", env!("CARGO_PKG_VERSION"))),
            "net_version" => json!(self.chain_id.to_string()),
            "net_listening" => json!(true),
            "eth_chainId" => quantity(self.chain_id),
            "eth_syncing" | "eth_mining" => json!(false),
            "eth_accounts" => json!([]),
            "eth_maxPriorityFeePerGas" => quantity(0),
            _ => return None,
        })
    }

    /// The answer to one of the [`ARCHIVE_READS`], read from `archive`.
    fn read_archive(
        &self,
        method: &str,
        params: &Json,
        archive: &Archive,
    ) -> Result<Json, RpcError> {
        let head = archive.head();
        match method {
            "eth_blockNumber" => Ok(quantity(head)),
            "eth_getBlockByNumber" => {
                let number = parse_block_tag(param(params, 0))?.number(head);
                Ok(self.block_json(archive.block(number), params))
            }
            "eth_getBlockByHash" => {
                let hash = Hash(parse_hash(
                    required(params, 0, "block hash")?,
                    "block hash",
                )?);
                Ok(self.block_json(archive.block_by_hash(&hash), params))
            }
            "eth_getBlockTransactionCountByNumber" => {
                let number = parse_block_tag(param(params, 0))?.number(head);
                Ok(archive
                    .block(number)
                    .map_or(Json::Null, |b| quantity(b.txs.len() as u64)))
            }
            "eth_getBlockTransactionCountByHash" => {
                let hash = Hash(parse_hash(
                    required(params, 0, "block hash")?,
                    "block hash",
                )?);
                Ok(archive
                    .block_by_hash(&hash)
                    .map_or(Json::Null, |b| quantity(b.txs.len() as u64)))
            }
            "eth_getTransactionByBlockNumberAndIndex" => {
                let number = parse_block_tag(param(params, 0))?.number(head);
                let index = parse_quantity(required(params, 1, "index")?, "index")?;
                Ok(archive
                    .block(number)
                    .and_then(|b| Some((b, b.txs.get(usize::try_from(index).ok()?)?)))
                    .map_or(Json::Null, |(b, tx)| json::transaction(tx, Some(b))))
            }
            "eth_getTransactionByHash" | "eth_getTransactionReceipt" => {
                let hash = Hash(parse_hash(required(params, 0, "hash")?, "hash")?);
                let Some(tx) = archive.tx(&hash) else {
                    return Ok(Json::Null);
                };
                let block = archive.block(tx.block);
                Ok(if method == "eth_getTransactionByHash" {
                    json::transaction(tx, block)
                } else {
                    json::receipt(tx, block)
                })
            }
            _ => Err(RpcError::method_not_found(method)),
        }
    }
}

impl Handler for L2Rpc {
    /// Constants, and reads of the in-memory archive when its lock is free at once;
    /// never a block with its transactions in full (up to a block of the largest
    /// transactions).
    fn call_now(&self, method: &str, params: &Json) -> Option<Result<Json, RpcError>> {
        if let Some(answer) = self.constant(method) {
            return Some(Ok(answer));
        }
        let full_block = method.starts_with("eth_getBlockBy")
            && param(params, 1).and_then(Json::as_bool) == Some(true);
        if !ARCHIVE_READS.contains(&method) || full_block {
            return None;
        }
        let archive = match self.node.archive().try_read() {
            Ok(archive) => archive,
            Err(std::sync::TryLockError::WouldBlock) => return None,
            Err(std::sync::TryLockError::Poisoned(_)) => return Some(Err(archive_poisoned())),
        };
        Some(self.read_archive(method, params, &archive))
    }

    /// A raw transaction: checked on the calling thread (the server's I/O thread; a
    /// signature's recovery), then answered by the writer once its block is written,
    /// with no thread waiting meanwhile.
    fn call_later(&self, method: &str, params: &Json, later: Later) -> Result<(), Later> {
        if method != "eth_sendRawTransaction" {
            return Err(later);
        }
        match raw_transaction(params) {
            Ok(raw) => self.node.submit_then(&raw, move |answer| {
                later.answer(answer.map(|hash| hash_json(&hash.0)).map_err(refused));
            }),
            Err(e) => later.answer(Err(e)),
        }
        Ok(())
    }

    fn call(&self, method: &str, params: &Json) -> Result<Json, RpcError> {
        if let Some(answer) = self.constant(method) {
            return Ok(answer);
        }
        if ARCHIVE_READS.contains(&method) {
            return self.read_archive(method, params, &*self.archive()?);
        }
        match method {
            "eth_gasPrice" => {
                let price = self.on_node(|core| core.gas_price())?;
                Ok(json::int_quantity(&price))
            }
            // Clients ask for fee history to price an EIP-1559 transaction, which ArbOS
            // cannot take: say so before they sign one.
            "eth_feeHistory" => Err(RpcError::server(
                "this chain has no base fee: ArbOS v58 takes only legacy transactions \
                 (with cast, send --legacy)",
            )),
            "eth_sendRawTransaction" => {
                let hash = self
                    .node
                    .submit(raw_transaction(params)?)
                    .map_err(refused)?;
                Ok(hash_json(&hash.0))
            }
            "eth_call" => {
                let spec = self.call_spec(params)?;
                if spec.to == Some(NODE_INTERFACE) {
                    let answer = node_interface::answer(&*self.archive()?, &spec.data);
                    return answer
                        .map(|output| bytes_json(&output))
                        .map_err(|e| RpcError::reverted(Some(&e.to_string()), &[]));
                }
                let block = self.state_at(parse_block_tag(param(params, 1))?)?;
                let result = self.on_node(move |core| core.call(&spec, block))?;
                match result.code {
                    ResultCode::Success => Ok(bytes_json(&result.output)),
                    _ => Err(call_failed(&result)),
                }
            }
            "eth_estimateGas" => {
                let mut spec = self.call_spec(params)?;
                let block = self.state_at(parse_block_tag(param(params, 1))?)?;
                let result = self.on_node(move |core| {
                    if spec.gas_price.is_zero() && !spec.from.is_zero() {
                        spec.gas_price = core.gas_price()?;
                    }
                    core.call(&spec, block)
                })?;
                match result.code {
                    ResultCode::Success => Ok(quantity(estimate(&result))),
                    _ => Err(call_failed(&result)),
                }
            }
            "eth_getBalance" | "eth_getTransactionCount" | "eth_getCode" => {
                let address = Address(parse_address(required(params, 0, "address")?, "address")?);
                let block = self.state_at(parse_block_tag(param(params, 1))?)?;
                match method {
                    "eth_getBalance" => {
                        let balance = self.on_node(move |core| core.balance(address, block))?;
                        Ok(json::int_quantity(&balance))
                    }
                    "eth_getTransactionCount" => {
                        Ok(quantity(self.on_node(move |core| {
                            core.transaction_count(address, block)
                        })?))
                    }
                    _ => Ok(bytes_json(
                        &self.on_node(move |core| core.code(address, block))?,
                    )),
                }
            }
            "eth_getStorageAt" => {
                let address = Address(parse_address(required(params, 0, "address")?, "address")?);
                let slot = parse_slot(required(params, 1, "slot")?, "slot")?;
                let block = self.state_at(parse_block_tag(param(params, 2))?)?;
                let word = self.on_node(move |core| core.storage(address, slot, block))?;
                Ok(hash_json(&word))
            }
            "eth_getLogs" => {
                let filter = parse_log_filter(required(params, 0, "filter")?)?;
                let (from, to) = self.log_range(filter.range)?;
                self.logs(&filter, from, to)
            }
            "eth_newFilter" | "eth_newBlockFilter" | "eth_newPendingTransactionFilter" => {
                let watch = match method {
                    "eth_newFilter" => {
                        let filter = parse_log_filter(required(params, 0, "filter")?)?;
                        if matches!(filter.range, LogRange::Hash(_)) {
                            return Err(RpcError::invalid_params(
                                "a filter to poll cannot name a block hash",
                            ));
                        }
                        Watch::Logs(filter)
                    }
                    "eth_newBlockFilter" => Watch::Blocks,
                    _ => Watch::PendingTransactions,
                };
                let head = self.head()?;
                let id = self
                    .filters()?
                    .install(watch, head)
                    .map_err(|e| RpcError::server(e.to_string()))?;
                Ok(quantity(id))
            }
            "eth_getFilterChanges" => self.filter_changes(params),
            "eth_getFilterLogs" => {
                let id = Self::filter_id(params)?;
                let watch = self
                    .filters()?
                    .watch(id)
                    .map_err(|e| RpcError::server(e.to_string()))?;
                match watch {
                    Watch::Logs(filter) => {
                        let (from, to) = self.log_range(filter.range)?;
                        self.logs(&filter, from, to)
                    }
                    _ => Err(RpcError::server("filter not found")),
                }
            }
            "eth_uninstallFilter" => {
                let id = Self::filter_id(params)?;
                Ok(json!(self.filters()?.uninstall(id)))
            }
            other => Err(RpcError::method_not_found(other)),
        }
    }
}
