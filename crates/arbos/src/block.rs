//! The block summary ArbOS logs when an Arbitrum block ends (log type 1):
//!
//! ```text
//! (1, arbBlock, timestamp, thisBlock, allTime, (perL1CalldataUnit, perStorageCell,
//!  perArbGasBase, perArbGasCongestion, perArbGasTotal, gasPool), previousArbBlock, l1Block)
//! ```
//! with `thisBlock` and `allTime` each `(gasUsed, numTx, numEvmLogs, numAvmLogs, numSends)`.
//!
//! ArbOS emits a block's summary only when the next block starts (a message with a
//! higher L1 block number or timestamp, or a kind-6 end-of-block message), after the
//! block's queued L2-to-L1 logs; the genesis block's summary comes at boot. Every block
//! gets one, empty or not.

use avm_value::{Int, Value};

use crate::read::{self, Budget, DecodeError, Problem};

/// The log type of a block summary.
pub const LOG_TYPE_BLOCK_SUMMARY: u8 = 1;

/// Counts over a block, or over the chain so far.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OutputStats {
    /// ArbGas used.
    pub gas_used: Int,
    /// Transactions (receipts).
    pub num_tx: u64,
    /// EVM logs.
    pub num_evm_logs: u64,
    /// AVM logs (receipts, L2-to-L1 logs and block summaries, this one included).
    pub num_avm_logs: u64,
    /// AVM sends.
    pub num_sends: u64,
}

/// The gas prices and pool at the end of the block.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GasSummary {
    /// Wei per L1 calldata unit.
    pub per_l1_calldata_unit: Int,
    /// Wei per storage cell.
    pub per_storage_cell: Int,
    /// Base wei per ArbGas.
    pub per_arb_gas_base: Int,
    /// Congestion wei per ArbGas.
    pub per_arb_gas_congestion: Int,
    /// Total wei per ArbGas.
    pub per_arb_gas_total: Int,
    /// The gas pool, a signed 256-bit number (it can go negative).
    pub gas_pool: Int,
}

impl GasSummary {
    /// The gas pool if it is not negative (two's complement), else `None`.
    pub fn gas_pool_nonnegative(&self) -> Option<Int> {
        (!self.gas_pool.bit(255)).then_some(self.gas_pool)
    }
}

/// A block summary (log type 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockSummary {
    /// The Arbitrum block number.
    pub arb_block: u64,
    /// The block's L1 timestamp.
    pub timestamp: u64,
    /// Counts over this block.
    pub this_block: OutputStats,
    /// Counts over the chain up to and including this block.
    pub all_time: OutputStats,
    /// Gas prices and pool.
    pub gas: GasSummary,
    /// The previous Arbitrum block, `None` for the genesis block (2^256 − 1 in the log).
    pub previous_arb_block: Option<u64>,
    /// The block's L1 block number.
    pub l1_block: u64,
}

fn field<T>(result: Result<T, DecodeError>, name: &str) -> Result<T, DecodeError> {
    result.map_err(|e| e.within(name))
}

impl OutputStats {
    /// Reads a `(gasUsed, numTx, numEvmLogs, numAvmLogs, numSends)` tuple.
    pub fn from_value(value: &Value, budget: &mut Budget) -> Result<OutputStats, DecodeError> {
        let [gas, tx, evm, avm, sends] = read::tuple::<5>(value, budget)?;
        Ok(OutputStats {
            gas_used: *field(read::int(gas), "gas_used")?,
            num_tx: field(read::u64_of(tx), "num_tx")?,
            num_evm_logs: field(read::u64_of(evm), "num_evm_logs")?,
            num_avm_logs: field(read::u64_of(avm), "num_avm_logs")?,
            num_sends: field(read::u64_of(sends), "num_sends")?,
        })
    }
}

impl GasSummary {
    /// Reads the 6-tuple of prices and pool.
    pub fn from_value(value: &Value, budget: &mut Budget) -> Result<GasSummary, DecodeError> {
        let [a, b, c, d, e, pool] = read::tuple::<6>(value, budget)?;
        Ok(GasSummary {
            per_l1_calldata_unit: *field(read::int(a), "per_l1_calldata_unit")?,
            per_storage_cell: *field(read::int(b), "per_storage_cell")?,
            per_arb_gas_base: *field(read::int(c), "per_arb_gas_base")?,
            per_arb_gas_congestion: *field(read::int(d), "per_arb_gas_congestion")?,
            per_arb_gas_total: *field(read::int(e), "per_arb_gas_total")?,
            gas_pool: *field(read::int(pool), "gas_pool")?,
        })
    }
}

fn decode_summary(value: &Value, budget: &mut Budget) -> Result<BlockSummary, DecodeError> {
    let [log_type, arb_block, timestamp, this_block, all_time, gas, previous, l1_block] =
        read::tuple::<8>(value, budget)?;
    let log_type = field(read::int(log_type), "type")?;
    if *log_type != Int::from(LOG_TYPE_BLOCK_SUMMARY) {
        return Err(DecodeError::here(Problem::WrongLogType {
            expected: LOG_TYPE_BLOCK_SUMMARY,
            found: *log_type,
        }));
    }
    let previous = field(read::int(previous), "previous_arb_block")?;
    let previous_arb_block = if *previous == Int::MAX {
        None
    } else {
        Some(field(
            read::u64_of(&Value::Int(*previous)),
            "previous_arb_block",
        )?)
    };
    Ok(BlockSummary {
        arb_block: field(read::u64_of(arb_block), "arb_block")?,
        timestamp: field(read::u64_of(timestamp), "timestamp")?,
        this_block: field(OutputStats::from_value(this_block, budget), "this_block")?,
        all_time: field(OutputStats::from_value(all_time, budget), "all_time")?,
        gas: field(GasSummary::from_value(gas, budget), "gas")?,
        previous_arb_block,
        l1_block: field(read::u64_of(l1_block), "l1_block")?,
    })
}

impl BlockSummary {
    /// Reads a block summary log value (type 1).
    pub fn from_value(value: &Value, budget: &mut Budget) -> Result<BlockSummary, DecodeError> {
        decode_summary(value, budget).map_err(|e| e.within("block_summary"))
    }

    /// The index, among all of ArbOS's logs, of this block's first log (the Go node's
    /// `FirstAVMLog`). `this_block.num_avm_logs` leaves the summary out and
    /// `all_time.num_avm_logs` counts it, so the block's logs are the indexes from
    /// `all_time − this_block − 1` to the summary's, `all_time − 1`.
    pub fn first_log_index(&self) -> Option<u64> {
        self.all_time
            .num_avm_logs
            .checked_sub(self.this_block.num_avm_logs)?
            .checked_sub(1)
    }

    /// The index, among all of ArbOS's logs, of this summary.
    pub fn summary_log_index(&self) -> Option<u64> {
        self.all_time.num_avm_logs.checked_sub(1)
    }

    /// The block gas limit the Go node put in its header: the larger of the gas pool
    /// (if positive) and the gas the block used.
    pub fn gas_limit(&self) -> Int {
        let pool = self.gas.gas_pool_nonnegative().unwrap_or_default();
        pool.max(self.this_block.gas_used)
    }
}
