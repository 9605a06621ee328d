//! `avm checkpoints`: list the checkpoints of a store, and prune old ones.

use std::path::PathBuf;

use avm_store::Store;

use crate::error::CliError;

/// Arguments of `avm checkpoints`.
#[derive(clap::Args, Debug)]
pub struct CheckpointsArgs {
    /// The store directory.
    pub store: PathBuf,
    /// Delete all but the newest K checkpoints and reclaim their space first.
    #[arg(long, value_name = "K")]
    pub keep_last: Option<usize>,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Lists (after pruning, if asked) the checkpoints.
pub fn run(args: &CheckpointsArgs) -> Result<(), CliError> {
    let store_error = |e: avm_store::StoreError| CliError::Input(e.to_string());
    let mut store = Store::open_existing(&args.store).map_err(store_error)?;
    if let Some(keep) = args.keep_last {
        let all = store.list().map_err(store_error)?;
        let doomed: Vec<u64> = all.iter().rev().skip(keep).map(|c| c.seq).collect();
        let report = store.delete(&doomed).map_err(store_error)?;
        if !args.json {
            errln!(
                "deleted {} checkpoints, reclaimed {} records",
                report.checkpoints,
                report.records
            );
        }
    }
    let list = store.list().map_err(store_error)?;
    if args.json {
        let items: Vec<serde_json::Value> = list
            .iter()
            .map(|c| {
                serde_json::json!({
                    "sequence": c.seq,
                    "steps": c.steps,
                    "gas_used": c.gas_used,
                    "machine_hash": c.machine_hash.to_string(),
                    "status": c.status.name(),
                    "inbox_consumed": c.inbox_consumed,
                    "bytes": c.bytes,
                })
            })
            .collect();
        outln!("{}", serde_json::json!({ "checkpoints": items }));
    } else {
        outln!(
            "{:>8}  {:>12}  {:>14}  {:<66}  {:>10}",
            "sequence",
            "steps",
            "gas used",
            "machine hash",
            "bytes"
        );
        for c in &list {
            outln!(
                "{:>8}  {:>12}  {:>14}  {:<66}  {:>10}",
                c.seq,
                c.steps,
                c.gas_used,
                c.machine_hash.to_string(),
                c.bytes
            );
        }
    }
    Ok(())
}
