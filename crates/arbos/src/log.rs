//! Any log ArbOS v58 emits, told apart by its first element.

use avm_value::{Int, Value};

use crate::block::{BlockSummary, LOG_TYPE_BLOCK_SUMMARY};
use crate::outbox::{OutboxBatchLog, OutboxItemLog, LOG_TYPE_OUTBOX_BATCH, LOG_TYPE_OUTBOX_ITEM};
use crate::read::{self, Budget, DecodeError, Problem};
use crate::receipt::{TxReceipt, LOG_TYPE_RECEIPT};

/// One of ArbOS's logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArbosLog {
    /// Type 0: a transaction receipt.
    Receipt(Box<TxReceipt>),
    /// Type 1: the summary of a block that has ended.
    BlockSummary(Box<BlockSummary>),
    /// Type 2: an L2-to-L1 item.
    OutboxItem(OutboxItemLog),
    /// Type 3: a closed batch of L2-to-L1 items.
    OutboxBatch(OutboxBatchLog),
}

impl ArbosLog {
    /// Reads a log value within the default [`Budget`].
    pub fn from_value(value: &Value) -> Result<ArbosLog, DecodeError> {
        ArbosLog::from_value_within(value, &mut Budget::default())
    }

    /// Reads a log value within `budget`.
    pub fn from_value_within(value: &Value, budget: &mut Budget) -> Result<ArbosLog, DecodeError> {
        let first =
            value
                .as_tuple()
                .and_then(|t| t.items().first())
                .ok_or(DecodeError::problem(
                    "log",
                    "not a tuple starting with a log type",
                ))?;
        let log_type = read::int(first).map_err(|e| e.within("log.type"))?;
        match u8::try_from(*log_type) {
            Ok(LOG_TYPE_RECEIPT) => {
                TxReceipt::from_value(value, budget).map(|r| ArbosLog::Receipt(Box::new(r)))
            }
            Ok(LOG_TYPE_BLOCK_SUMMARY) => {
                BlockSummary::from_value(value, budget).map(|b| ArbosLog::BlockSummary(Box::new(b)))
            }
            Ok(LOG_TYPE_OUTBOX_ITEM) => {
                OutboxItemLog::from_value(value, budget).map(ArbosLog::OutboxItem)
            }
            Ok(LOG_TYPE_OUTBOX_BATCH) => {
                OutboxBatchLog::from_value(value, budget).map(ArbosLog::OutboxBatch)
            }
            _ => Err(DecodeError {
                at: "log.type".to_owned(),
                problem: Problem::UnknownLogType(*log_type),
            }),
        }
    }

    /// The log type number.
    pub fn log_type(&self) -> Int {
        Int::from(match self {
            ArbosLog::Receipt(_) => LOG_TYPE_RECEIPT,
            ArbosLog::BlockSummary(_) => LOG_TYPE_BLOCK_SUMMARY,
            ArbosLog::OutboxItem(_) => LOG_TYPE_OUTBOX_ITEM,
            ArbosLog::OutboxBatch(_) => LOG_TYPE_OUTBOX_BATCH,
        })
    }
}
