//! How a finished run is shown: one JSON object with `--json`, a readable summary
//! otherwise. `run`, and later `resume` and `replay`, share it.

use std::fmt::Write;

use avm_machine::{Machine, RunReport, RuntimeEnv, StopReason};
use avm_value::value_to_json;
use serde_json::value::RawValue;

/// The outcome of running a machine, ready to print.
pub struct RunSummary {
    /// halted / errorstop / blocked / breakpoint / limit.
    pub status: &'static str,
    /// The option whose bound stopped the run, when status is `limit`.
    pub limit: Option<&'static str>,
    /// Total steps.
    pub steps: u64,
    /// Total AVMGas charged.
    pub gas_used: u64,
    /// Machine hash at the end.
    pub machine_hash: String,
    /// Inbox messages consumed in total.
    pub inbox_consumed: u64,
    /// Items on the data stack and the aux stack at the end: how much state the
    /// machine holds, e.g. to judge its memory use.
    pub stack_items: (usize, usize),
    /// Each send's data, as 0x-prefixed hex.
    pub sends: Vec<String>,
    /// Each log, in value JSON.
    pub logs: Vec<String>,
    /// Send accumulator.
    pub send_acc: String,
    /// Log accumulator.
    pub log_acc: String,
}

impl RunSummary {
    /// Collects the summary of `machine` after `report`, with outputs from `env`.
    pub fn new(machine: &mut Machine, report: &RunReport, env: &RuntimeEnv) -> RunSummary {
        let outputs = machine.outputs();
        RunSummary {
            status: report.reason.name(),
            limit: match report.reason {
                StopReason::StepLimit => Some("--max-steps"),
                StopReason::GasLimit => Some("--max-gas"),
                _ => None,
            },
            steps: machine.steps(),
            gas_used: machine.gas_used(),
            machine_hash: machine.hash().to_string(),
            inbox_consumed: machine.inbox_position().consumed,
            stack_items: (machine.stack().len(), machine.aux_stack().len()),
            sends: env
                .sends()
                .iter()
                .map(|s| format!("0x{}", hex::encode(&s.value)))
                .collect(),
            logs: env
                .logs()
                .iter()
                .map(|l| value_to_json(&l.value, machine.code()))
                .collect(),
            send_acc: outputs.send_acc.to_string(),
            log_acc: outputs.log_acc.to_string(),
        }
    }

    /// The single JSON object `--json` prints.
    pub fn to_json(&self) -> String {
        let logs: Vec<Box<RawValue>> = self
            .logs
            .iter()
            .filter_map(|l| RawValue::from_string(l.clone()).ok())
            .collect();
        serde_json::json!({
            "status": self.status,
            "limit": self.limit,
            "steps": self.steps,
            "gas_used": self.gas_used,
            "machine_hash": self.machine_hash,
            "inbox_consumed": self.inbox_consumed,
            "stack_items": self.stack_items.0,
            "aux_stack_items": self.stack_items.1,
            "sends": self.sends,
            "logs": logs,
            "send_acc": self.send_acc,
            "log_acc": self.log_acc,
        })
        .to_string()
    }

    /// A summary for people.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        match self.limit {
            Some(option) => {
                let _ = writeln!(out, "status        {} ({option} reached)", self.status);
            }
            None => {
                let _ = writeln!(out, "status        {}", self.status);
            }
        }
        let _ = writeln!(out, "steps         {}", self.steps);
        let _ = writeln!(out, "gas used      {}", self.gas_used);
        let _ = writeln!(out, "machine hash  {}", self.machine_hash);
        let _ = writeln!(out, "inbox         {} consumed", self.inbox_consumed);
        let _ = writeln!(
            out,
            "stacks        {} items, {} on the aux stack",
            self.stack_items.0, self.stack_items.1
        );
        let _ = writeln!(
            out,
            "sends         {} (acc {})",
            self.sends.len(),
            self.send_acc
        );
        for (i, s) in self.sends.iter().enumerate() {
            let _ = writeln!(out, "  send {i}: {s}");
        }
        let _ = writeln!(
            out,
            "logs          {} (acc {})",
            self.logs.len(),
            self.log_acc
        );
        for (i, l) in self.logs.iter().enumerate() {
            let _ = writeln!(out, "  log {i}: {l}");
        }
        out
    }
}
