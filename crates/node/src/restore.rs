//! Blocks read back from the data dir: ArbOS's logs decoded again, the hashes checked.

use avm_arbos::outbox::OutboxBatchLog;
use avm_arbos::{BlockSummary, Budget, TxReceipt};

use crate::chain::{L2Block, L2Tx};
use crate::persist::StoredBlock;
use crate::NodeError;

/// Block `number` as `stored` keeps it, checked to hash as recorded.
pub fn block(number: u64, stored: &StoredBlock) -> Result<L2Block, NodeError> {
    let damaged = |why: String| NodeError::Store(format!("block {number}: {why}"));
    let summary = BlockSummary::from_value(&stored.summary, &mut Budget::default())
        .map_err(|e| damaged(e.to_string()))?;
    let txs = stored
        .receipts
        .iter()
        .map(|raw| {
            TxReceipt::from_value(raw, &mut Budget::default())
                .map(|receipt| L2Tx::new(receipt, raw.clone()))
                .map_err(|e| damaged(e.to_string()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let outbox = stored
        .outbox
        .iter()
        .map(|raw| {
            OutboxBatchLog::from_value(raw, &mut Budget::default())
                .map(|batch| (batch, raw.clone()))
                .map_err(|e| damaged(e.to_string()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let block =
        L2Block::new(summary, stored.summary.clone(), txs, stored.parent_hash).with_outbox(outbox);
    if block.hash != stored.hash || block.number != number {
        return Err(damaged("it does not hash as recorded".into()));
    }
    Ok(block)
}
