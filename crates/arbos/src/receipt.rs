//! The receipt ArbOS logs for every transaction (log type 0):
//!
//! ```text
//! (0, request, (code, (size, Buffer returnData), evmLogs), (gasUsed, gasPrice),
//!    (cumulativeGasInBlock, txIndexInBlock, evmLogsBeforeInBlock), feeStats, originalL1Sender)
//! request = (kind, arbBlock, l1Block, timestamp, sender, requestId, (size, Buffer payload),
//!            ((l1SeqNum, parentRequestId, indexInParent), aggregatorOpt, adminMode, gasEstimationOpt))
//! feeStats = (prices, units, paid, aggregator, noFeeGasEstimationMode), each of the first
//!            three (l1Transaction, l1Calldata, l2Storage, l2Computation)
//! evmLogs = (last, (prev, (… (first, ()))));  one log = (address, (size, Buffer data), topic…)
//! ```

use avm_value::{Hash, Int, Value};

use crate::address::Address;
use crate::l2message::L2Message;
use crate::read::{self, Budget, DecodeError, Problem};
use crate::result_code::ResultCode;

/// The log type of a receipt.
pub const LOG_TYPE_RECEIPT: u8 = 0;

/// An EVM log, in the order the EVM emitted it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvmLog {
    /// The contract that emitted it.
    pub address: Address,
    /// Its topics (0 to 4).
    pub topics: Vec<Hash>,
    /// Its data.
    pub data: Vec<u8>,
}

/// How ArbOS accounts for the aggregator (batch poster) of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AggregatorInfo {
    /// The aggregator, if any.
    pub aggregator: Option<Address>,
    /// L1 calldata units charged for the request.
    pub calldata_units: Int,
}

/// The gas-estimation settings of a kind-10 request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GasEstimation {
    /// Gas limit of the computation.
    pub compute_gas_limit: Int,
    /// Whether the gas price was ignored.
    pub ignore_gas_price: bool,
    /// Whether the gas limit was ignored.
    pub ignore_max_gas: bool,
}

/// The request a receipt answers: the inbox message as ArbOS saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The inbox message kind (3, 7, 9 or 10).
    pub kind: Int,
    /// The Arbitrum block the transaction is in.
    pub arb_block: u64,
    /// The L1 block number (what the EVM's NUMBER returns).
    pub l1_block: u64,
    /// The L1 timestamp (what the EVM's TIMESTAMP returns).
    pub timestamp: u64,
    /// The L2 sender: the signer of a signed transaction, the alias of the L1 sender of
    /// an unsigned one.
    pub sender: Address,
    /// The request id: the Ethereum transaction hash of a signed transaction.
    pub request_id: Hash,
    /// The payload: `04 ‖ RLP` for a signed transaction, else the L2 message or the
    /// kind-9 retryable data as sent.
    pub payload: Vec<u8>,
    /// The inbox sequence number of the message (of the whole batch, for a batch item).
    pub l1_seq_num: Int,
    /// The batch's request id for a batch item, else 0.
    pub parent_request_id: Hash,
    /// The position in the batch, or `None` (2^256 − 1 in the log) outside a batch.
    pub index_in_parent: Option<Int>,
    /// The aggregator accounting, if any.
    pub aggregator: Option<AggregatorInfo>,
    /// Whether the request was sideloaded for private execution by a node.
    pub admin_mode: bool,
    /// Gas estimation settings (kind 10 only).
    pub gas_estimation: Option<GasEstimation>,
}

/// One set of the four fee components.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FeeSet {
    /// The base L1 transaction component.
    pub l1_transaction: Int,
    /// The L1 calldata component.
    pub l1_calldata: Int,
    /// The L2 storage component.
    pub l2_storage: Int,
    /// The L2 computation (ArbGas) component.
    pub l2_computation: Int,
}

impl FeeSet {
    /// The sum of the four components (wrapping, as they are 256-bit).
    pub fn total(&self) -> Int {
        self.l1_transaction
            .wrapping_add(self.l1_calldata)
            .wrapping_add(self.l2_storage)
            .wrapping_add(self.l2_computation)
    }
}

/// What a transaction was charged.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FeeStats {
    /// Prices per unit.
    pub prices: FeeSet,
    /// Units used.
    pub units: FeeSet,
    /// Wei paid.
    pub paid: FeeSet,
    /// The aggregator credited (0 for none).
    pub aggregator: Address,
    /// Whether this ran in no-fee gas-estimation mode.
    pub no_fee_gas_estimation: bool,
}

/// A transaction receipt (log type 0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxReceipt {
    /// The request.
    pub request: Request,
    /// The result code.
    pub code: ResultCode,
    /// The return data (or revert data; for a creation, the new contract's address as a
    /// 32-byte word).
    pub return_data: Vec<u8>,
    /// The EVM logs, in emission order.
    pub logs: Vec<EvmLog>,
    /// ArbGas used.
    pub gas_used: Int,
    /// The gas price charged (0 with fees off).
    pub gas_price: Int,
    /// ArbGas used in the block up to and including this transaction.
    pub cumulative_gas_in_block: Int,
    /// This transaction's index in its Arbitrum block.
    pub tx_index_in_block: u64,
    /// EVM logs emitted earlier in the block: the index of this receipt's first log.
    pub evm_logs_before_in_block: u64,
    /// Fees.
    pub fee_stats: FeeStats,
    /// The L1 sender before aliasing (0 for a signed transaction).
    pub original_l1_sender: Address,
}

fn field<T>(result: Result<T, DecodeError>, name: &str) -> Result<T, DecodeError> {
    result.map_err(|e| e.within(name))
}

fn decode_provenance(
    value: &Value,
    budget: &mut Budget,
) -> Result<(Int, Hash, Option<Int>), DecodeError> {
    let [seq, parent, index] = read::tuple::<3>(value, budget)?;
    let index = *field(read::int(index), "index_in_parent")?;
    Ok((
        *field(read::int(seq), "l1_seq_num")?,
        field(read::hash(parent), "parent_request_id")?,
        (index != Int::MAX).then_some(index),
    ))
}

fn decode_aggregator(
    value: &Value,
    budget: &mut Budget,
) -> Result<Option<AggregatorInfo>, DecodeError> {
    let Some(info) = read::option(value, budget)? else {
        return Ok(None);
    };
    let [aggregator, units] = field(read::tuple::<2>(info, budget), "some")?;
    let aggregator = match field(read::option(aggregator, budget), "some.aggregator")? {
        Some(a) => Some(field(read::address(a), "some.aggregator.some")?),
        None => None,
    };
    Ok(Some(AggregatorInfo {
        aggregator,
        calldata_units: *field(read::int(units), "some.calldata_units")?,
    }))
}

fn decode_gas_estimation(
    value: &Value,
    budget: &mut Budget,
) -> Result<Option<GasEstimation>, DecodeError> {
    let Some(params) = read::option(value, budget)? else {
        return Ok(None);
    };
    let [limit, ignore_price, ignore_gas] = field(read::tuple::<3>(params, budget), "some")?;
    Ok(Some(GasEstimation {
        compute_gas_limit: *field(read::int(limit), "some.compute_gas_limit")?,
        ignore_gas_price: field(read::boolean(ignore_price), "some.ignore_gas_price")?,
        ignore_max_gas: field(read::boolean(ignore_gas), "some.ignore_max_gas")?,
    }))
}

impl Request {
    /// Reads a request tuple.
    pub fn from_value(value: &Value, budget: &mut Budget) -> Result<Request, DecodeError> {
        let [kind, arb_block, l1_block, timestamp, sender, request_id, payload, extra] =
            read::tuple::<8>(value, budget)?;
        let [provenance, aggregator, admin_mode, gas_estimation] =
            field(read::tuple::<4>(extra, budget), "info")?;
        let (l1_seq_num, parent_request_id, index_in_parent) =
            field(decode_provenance(provenance, budget), "info.provenance")?;
        Ok(Request {
            kind: *field(read::int(kind), "kind")?,
            arb_block: field(read::u64_of(arb_block), "arb_block")?,
            l1_block: field(read::u64_of(l1_block), "l1_block")?,
            timestamp: field(read::u64_of(timestamp), "timestamp")?,
            sender: field(read::address(sender), "sender")?,
            request_id: field(read::hash(request_id), "request_id")?,
            payload: field(read::size_and_buffer(payload, budget), "payload")?,
            l1_seq_num,
            parent_request_id,
            index_in_parent,
            aggregator: field(decode_aggregator(aggregator, budget), "info.aggregator")?,
            admin_mode: field(read::boolean(admin_mode), "info.admin_mode")?,
            gas_estimation: field(
                decode_gas_estimation(gas_estimation, budget),
                "info.gas_estimation",
            )?,
        })
    }
}

fn decode_fee_set(value: &Value, budget: &mut Budget) -> Result<FeeSet, DecodeError> {
    let [a, b, c, d] = read::tuple::<4>(value, budget)?;
    Ok(FeeSet {
        l1_transaction: *field(read::int(a), "l1_transaction")?,
        l1_calldata: *field(read::int(b), "l1_calldata")?,
        l2_storage: *field(read::int(c), "l2_storage")?,
        l2_computation: *field(read::int(d), "l2_computation")?,
    })
}

impl FeeStats {
    /// Reads a fee-stats tuple.
    pub fn from_value(value: &Value, budget: &mut Budget) -> Result<FeeStats, DecodeError> {
        let [prices, units, paid, aggregator, no_fee] = read::tuple::<5>(value, budget)?;
        Ok(FeeStats {
            prices: field(decode_fee_set(prices, budget), "prices")?,
            units: field(decode_fee_set(units, budget), "units")?,
            paid: field(decode_fee_set(paid, budget), "paid")?,
            aggregator: field(read::address(aggregator), "aggregator")?,
            no_fee_gas_estimation: field(read::boolean(no_fee), "no_fee_gas_estimation")?,
        })
    }
}

impl EvmLog {
    /// Reads one log: `(address, (size, Buffer data), topic0, …)`.
    pub fn from_value(value: &Value, budget: &mut Budget) -> Result<EvmLog, DecodeError> {
        let tuple = value
            .as_tuple()
            .filter(|t| (2..=6).contains(&t.len()))
            .ok_or(DecodeError::here(Problem::Other(
                "not an EVM log (address, (size, buffer), up to 4 topics)",
            )))?;
        let items = tuple.items();
        // In bounds: the tuple has 2 to 6 items.
        let (head, topics) = items.split_at(2);
        let mut log = EvmLog {
            address: field(read::address(&head[0]), "address")?,
            data: field(read::size_and_buffer(&head[1], budget), "data")?,
            topics: Vec::with_capacity(topics.len()),
        };
        for (i, topic) in topics.iter().enumerate() {
            let topic = read::hash(topic).map_err(|e| e.within(&format!("topics[{i}]")))?;
            log.topics.push(topic);
        }
        Ok(log)
    }
}

/// Reads the EVM log list `(last, (prev, (… (first, ()))))` into emission order.
pub fn decode_evm_logs(value: &Value, budget: &mut Budget) -> Result<Vec<EvmLog>, DecodeError> {
    let mut reversed = Vec::new();
    let mut rest = value;
    while !rest.is_none() {
        let [log, next] = read::tuple::<2>(rest, budget).map_err(|_| {
            DecodeError::here(Problem::Other(
                "not a log list: () or (log, rest of the list)",
            ))
            .within(&format!("[{}]", reversed.len()))
        })?;
        reversed.push(
            EvmLog::from_value(log, budget)
                .map_err(|e| e.within(&format!("[{}]", reversed.len())))?,
        );
        rest = next;
    }
    reversed.reverse();
    Ok(reversed)
}

fn decode_receipt(value: &Value, budget: &mut Budget) -> Result<TxReceipt, DecodeError> {
    let [log_type, request, result, gas, block, fee_stats, original] =
        read::tuple::<7>(value, budget)?;
    let log_type = field(read::int(log_type), "type")?;
    if *log_type != Int::from(LOG_TYPE_RECEIPT) {
        return Err(DecodeError::here(Problem::WrongLogType {
            expected: LOG_TYPE_RECEIPT,
            found: *log_type,
        }));
    }
    let request = field(Request::from_value(request, budget), "request")?;
    let [code, return_data, logs] = field(read::tuple::<3>(result, budget), "result")?;
    let [gas_used, gas_price] = field(read::tuple::<2>(gas, budget), "gas")?;
    let [cumulative, index, logs_before] = field(read::tuple::<3>(block, budget), "block")?;
    Ok(TxReceipt {
        request,
        code: ResultCode::from_int(field(read::int(code), "result.code")?),
        return_data: field(
            read::size_and_buffer(return_data, budget),
            "result.return_data",
        )?,
        logs: field(decode_evm_logs(logs, budget), "result.logs")?,
        gas_used: *field(read::int(gas_used), "gas.gas_used")?,
        gas_price: *field(read::int(gas_price), "gas.gas_price")?,
        cumulative_gas_in_block: *field(read::int(cumulative), "block.cumulative_gas")?,
        tx_index_in_block: field(read::u64_of(index), "block.tx_index")?,
        evm_logs_before_in_block: field(read::u64_of(logs_before), "block.evm_logs_before")?,
        fee_stats: field(FeeStats::from_value(fee_stats, budget), "fee_stats")?,
        original_l1_sender: field(read::address(original), "original_l1_sender")?,
    })
}

impl TxReceipt {
    /// Reads a receipt log value (type 0).
    pub fn from_value(value: &Value, budget: &mut Budget) -> Result<TxReceipt, DecodeError> {
        decode_receipt(value, budget).map_err(|e| e.within("receipt"))
    }

    /// The transaction hash the Go node gave this receipt: the request id.
    pub fn tx_hash(&self) -> Hash {
        self.request.request_id
    }

    /// The request's payload as an L2 message, for kinds 3 and 7 (`None` for other
    /// kinds or a payload that does not parse).
    pub fn l2_message(&self) -> Option<L2Message> {
        let kind = self.request.kind;
        if kind != Int::from(3u8) && kind != Int::from(7u8) {
            return None;
        }
        L2Message::decode(&self.request.payload).ok()
    }

    /// The `gasUsed` the Go node put in the Ethereum receipt (`CalcGasUsed`): the
    /// receipt's gas when the L2 computation price is 0 (fees off), else the total paid
    /// divided by that price.
    pub fn ethereum_gas_used(&self) -> Int {
        let price = self.fee_stats.prices.l2_computation;
        if price.is_zero() {
            self.gas_used
        } else {
            self.fee_stats.paid.total() / price
        }
    }

    /// The address of the contract a successful creation made, by the Go node's rule
    /// (`ToEthReceipt`): a kind-3 request whose transaction has no destination, code 0,
    /// and 32 bytes of return data whose last 20 are the address.
    pub fn contract_address(&self) -> Option<Address> {
        if self.request.kind != Int::from(3u8) || !self.code.is_success() {
            return None;
        }
        if self.l2_message()?.destination()?.is_some() {
            return None;
        }
        let word: &[u8; 32] = self.return_data.as_slice().try_into().ok()?;
        Address::from_slice(&word[12..])
    }
}
