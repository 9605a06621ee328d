//! Running a machine until something stops it: halt, ErrorStop, an empty inbox, a
//! breakpoint, or a limit the caller set. Every stop is resumable (except halt and
//! ErrorStop): call [`Machine::run`] again, e.g. after adding inbox messages.

use crate::{Environment, Machine, Status, StepOutcome};

/// Limits on a run, as totals since the machine started (so a resumed run keeps
/// counting where the last one stopped).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunLimits {
    /// Stop once this many steps have been executed in total.
    pub max_steps: Option<u64>,
    /// Stop before the instruction that would take total gas_used above this.
    pub max_gas: Option<u64>,
}

/// Why a run stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// The machine halted.
    Halted,
    /// The machine is in ErrorStop.
    ErrorStop,
    /// The machine waits for an inbox message.
    Blocked,
    /// A `breakpoint` executed.
    Breakpoint,
    /// The step limit was reached.
    StepLimit,
    /// The next instruction would exceed the gas limit.
    GasLimit,
}

impl StopReason {
    /// The name used in CLI output and JSON: halted, errorstop, blocked, breakpoint,
    /// limit.
    pub fn name(self) -> &'static str {
        match self {
            StopReason::Halted => "halted",
            StopReason::ErrorStop => "errorstop",
            StopReason::Blocked => "blocked",
            StopReason::Breakpoint => "breakpoint",
            StopReason::StepLimit | StopReason::GasLimit => "limit",
        }
    }
}

/// What a run did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunReport {
    /// Why it stopped.
    pub reason: StopReason,
    /// Steps executed by this run.
    pub steps: u64,
    /// AVMGas charged by this run.
    pub gas: u64,
}

impl Machine {
    /// Runs until the machine stops, blocks, hits a breakpoint, or reaches a limit.
    pub fn run(&mut self, env: &mut impl Environment, limits: &RunLimits) -> RunReport {
        let start_steps = self.steps;
        let start_gas = self.gas_used;
        let reason = loop {
            match self.status {
                Status::Halted => break StopReason::Halted,
                Status::ErrorStop => break StopReason::ErrorStop,
                Status::Running => {}
            }
            if limits.max_steps.is_some_and(|max| self.steps >= max) {
                break StopReason::StepLimit;
            }
            if let Some(max) = limits.max_gas {
                if self.gas_used.saturating_add(self.next_step_gas()) > max {
                    break StopReason::GasLimit;
                }
            }
            match self.step(env) {
                StepOutcome::Executed | StepOutcome::Faulted(_) => {}
                StepOutcome::Breakpoint => break StopReason::Breakpoint,
                StepOutcome::Blocked => break StopReason::Blocked,
                StepOutcome::Stopped => {}
            }
        };
        RunReport {
            reason,
            steps: self.steps - start_steps,
            gas: self.gas_used - start_gas,
        }
    }
}
