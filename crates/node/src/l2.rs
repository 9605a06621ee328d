//! The L2: ArbOS on our AVM, fed inbox messages and read back through avm-arbos.
//!
//! The machine is owned by the node's thread. Each [`L2Machine::feed`] pushes messages,
//! runs until ArbOS waits for the inbox again, and returns the logs and sends the
//! messages produced, decoded. A copy ([`L2Machine::fork`]) answers calls and is
//! thrown away, so a call never changes the chain.

use avm_arbos::ArbosLog;
use avm_machine::{Machine, RunLimits, RuntimeEnv, StopReason};
use avm_value::{Hash, Value};

use crate::NodeError;

/// The most AVM gas one feed may take (a message ArbOS cannot finish within this is
/// a fault of ArbOS or of the message, not something to wait for).
const MAX_FEED_GAS: u64 = 1 << 40;

/// What ArbOS produced while reading some messages.
#[derive(Debug, Default, Clone)]
pub struct Outputs {
    /// Its logs, decoded, in order.
    pub logs: Vec<ArbosLog>,
    /// The raw log values, in the same order (what an archive keeps).
    pub raw_logs: Vec<Value>,
    /// For each log, the inbox messages the machine had read when it logged it.
    pub consumed: Vec<u64>,
    /// Its sends (L2-to-L1 messages), in order.
    pub sends: Vec<Vec<u8>>,
}

/// ArbOS running on our AVM.
#[derive(Debug)]
pub struct L2Machine {
    machine: Machine,
    env: RuntimeEnv,
    /// Time the machine has run in [`L2Machine::feed`] (reading its outputs aside).
    pub ran: std::time::Duration,
}

impl L2Machine {
    /// ArbOS from its image, booted: run until it first waits for the inbox (it logs
    /// the genesis block's summary on the way). The outputs of the boot.
    pub fn boot(program: avm_code::Program) -> Result<(L2Machine, Outputs), NodeError> {
        let mut l2 = L2Machine {
            machine: Machine::new(program),
            env: RuntimeEnv::default(),
            ran: std::time::Duration::ZERO,
        };
        let outputs = l2.feed(Vec::new())?;
        Ok((l2, outputs))
    }

    /// A machine restored from a checkpoint, which must be waiting for the inbox.
    pub fn resume(machine: Machine) -> L2Machine {
        L2Machine {
            machine,
            env: RuntimeEnv::default(),
            ran: std::time::Duration::ZERO,
        }
    }

    /// Feeds `messages` (inbox tuples, in order) and runs until ArbOS waits for more.
    pub fn feed(&mut self, messages: Vec<Value>) -> Result<Outputs, NodeError> {
        for message in messages {
            self.env.push_message(message);
        }
        let started = std::time::Instant::now();
        let report = self.machine.run_through_breakpoints(
            &mut self.env,
            &RunLimits {
                max_steps: None,
                max_gas: Some(self.machine.gas_used().saturating_add(MAX_FEED_GAS)),
            },
        );
        self.ran += started.elapsed();
        if report.reason != StopReason::Blocked {
            return Err(NodeError::ArbosStopped(report.reason.name().to_owned()));
        }
        let (raw_logs, consumed): (Vec<Value>, Vec<u64>) =
            std::mem::take(&mut self.env.outputs.logs)
                .into_iter()
                .map(|output| (output.value, output.at.inbox_consumed))
                .unzip();
        let logs = raw_logs
            .iter()
            .map(|value| ArbosLog::from_value(value).map_err(|e| NodeError::Log(e.to_string())))
            .collect::<Result<Vec<_>, _>>()?;
        let sends = std::mem::take(&mut self.env.outputs.sends)
            .into_iter()
            .map(|output| output.value)
            .collect();
        self.env.outputs.debug_prints.clear();
        Ok(Outputs {
            logs,
            raw_logs,
            consumed,
            sends,
        })
    }

    /// A copy to run calls on: feeding it changes nothing here.
    pub fn fork(&self) -> L2Machine {
        L2Machine {
            machine: self.machine.clone(),
            env: RuntimeEnv::default(),
            ran: std::time::Duration::ZERO,
        }
    }

    /// The machine (for checkpoints).
    pub fn machine(&self) -> &Machine {
        &self.machine
    }

    /// The machine, mutably (a checkpoint hashes it).
    pub fn machine_mut(&mut self) -> &mut Machine {
        &mut self.machine
    }

    /// Messages consumed so far.
    pub fn consumed(&self) -> u64 {
        self.machine.inbox_position().consumed
    }

    /// The machine hash.
    pub fn hash(&mut self) -> Hash {
        self.machine.hash()
    }
}
