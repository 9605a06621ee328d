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
    /// An [`Observer`] asked the run to pause before the next step.
    Paused,
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
            StopReason::Paused => "paused",
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

/// What an [`Observer`] tells the run loop before a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    /// Execute the step.
    Continue,
    /// Stop the run before the step ([`StopReason::Paused`]); running again resumes it.
    Pause,
}

/// Watches a run step by step: tracers, profilers, debuggers and progress bars are
/// observers. The plain [`Machine::run`] uses `()`, which observes nothing and costs
/// nothing.
pub trait Observer {
    /// Whether this observer looks at steps at all; `()` does not, which lets the run
    /// loop skip work done only for observers.
    const WATCHES: bool = true;

    /// Called before each step with the machine about to execute it.
    fn before_step(&mut self, machine: &Machine) -> Control;

    /// Called after each step with what it did.
    fn after_step(&mut self, machine: &Machine, outcome: StepOutcome) {
        let _ = (machine, outcome);
    }
}

impl Observer for () {
    const WATCHES: bool = false;

    #[inline(always)]
    fn before_step(&mut self, _machine: &Machine) -> Control {
        Control::Continue
    }
}

impl<O: Observer + ?Sized> Observer for &mut O {
    const WATCHES: bool = O::WATCHES;

    #[inline]
    fn before_step(&mut self, machine: &Machine) -> Control {
        (**self).before_step(machine)
    }

    #[inline]
    fn after_step(&mut self, machine: &Machine, outcome: StepOutcome) {
        (**self).after_step(machine, outcome);
    }
}

/// Two observers watch the same run (the first is asked first; either can pause it).
impl<A: Observer, B: Observer> Observer for (A, B) {
    const WATCHES: bool = A::WATCHES || B::WATCHES;

    #[inline]
    fn before_step(&mut self, machine: &Machine) -> Control {
        let first = self.0.before_step(machine);
        let second = self.1.before_step(machine);
        if first == Control::Pause || second == Control::Pause {
            Control::Pause
        } else {
            Control::Continue
        }
    }

    #[inline]
    fn after_step(&mut self, machine: &Machine, outcome: StepOutcome) {
        self.0.after_step(machine, outcome);
        self.1.after_step(machine, outcome);
    }
}

impl Machine {
    /// Runs until the machine stops, blocks, hits a breakpoint, or reaches a limit.
    pub fn run(&mut self, env: &mut impl Environment, limits: &RunLimits) -> RunReport {
        self.run_observed(env, limits, &mut ())
    }

    /// [`Machine::run`] as the deployed AVM runs: a `breakpoint` costs its gas and
    /// execution goes on, so the run ends only when the machine stops, blocks or
    /// reaches a limit. The report covers the whole run.
    pub fn run_through_breakpoints(
        &mut self,
        env: &mut impl Environment,
        limits: &RunLimits,
    ) -> RunReport {
        let mut total = self.run(env, limits);
        while total.reason == StopReason::Breakpoint {
            let next = self.run(env, limits);
            total = RunReport {
                reason: next.reason,
                steps: total.steps.saturating_add(next.steps),
                gas: total.gas.saturating_add(next.gas),
            };
        }
        total
    }

    /// [`Machine::run`], calling `observer` around every step. Without an observer
    /// that watches, the block engine runs; otherwise the reference engine, one step
    /// at a time.
    pub fn run_observed<O: Observer>(
        &mut self,
        env: &mut impl Environment,
        limits: &RunLimits,
        observer: &mut O,
    ) -> RunReport {
        if O::WATCHES {
            self.run_stepwise(env, limits, observer)
        } else {
            self.run_blocks(env, limits)
        }
    }

    /// [`Machine::run`] on the reference engine, one instruction at a time with every
    /// per-step check: what the block engine is tested against.
    pub fn run_reference(&mut self, env: &mut impl Environment, limits: &RunLimits) -> RunReport {
        self.run_stepwise(env, limits, &mut ())
    }

    /// The reference run loop.
    fn run_stepwise<O: Observer>(
        &mut self,
        env: &mut impl Environment,
        limits: &RunLimits,
        observer: &mut O,
    ) -> RunReport {
        self.drive(limits, |m, gas_cap| {
            // An observer must not see a step that the gas cap then refuses.
            if O::WATCHES
                && gas_cap != u64::MAX
                && m.gas_used.saturating_add(m.next_step_gas()) > gas_cap
            {
                return Err(StopReason::GasLimit);
            }
            if observer.before_step(m) == Control::Pause {
                return Err(StopReason::Paused);
            }
            let outcome = m.step_within(env, gas_cap).ok_or(StopReason::GasLimit)?;
            observer.after_step(m, outcome);
            Ok(outcome)
        })
    }

    /// The loop both engines share: it stops a machine that cannot run or reached the
    /// step limit, lets `advance` run the next step (or block), given the gas cap, and
    /// ends the run on what that did. `advance` may itself end the run with a reason.
    #[inline(always)]
    pub(crate) fn drive(
        &mut self,
        limits: &RunLimits,
        mut advance: impl FnMut(&mut Machine, u64) -> Result<StepOutcome, StopReason>,
    ) -> RunReport {
        let start_steps = self.steps;
        let start_gas = self.gas_used;
        let max_steps = limits.max_steps.unwrap_or(u64::MAX);
        let gas_cap = limits.max_gas.unwrap_or(u64::MAX);
        let reason = loop {
            match self.status {
                Status::Halted => break StopReason::Halted,
                Status::ErrorStop => break StopReason::ErrorStop,
                Status::Running => {}
            }
            if self.steps >= max_steps {
                break StopReason::StepLimit;
            }
            match advance(self, gas_cap) {
                Ok(StepOutcome::Executed | StepOutcome::Faulted(_) | StepOutcome::Stopped) => {}
                Ok(StepOutcome::Breakpoint) => break StopReason::Breakpoint,
                Ok(StepOutcome::Blocked) => break StopReason::Blocked,
                Err(reason) => break reason,
            }
        };
        // Saturating: a restored machine's counters may start at their limits, where a
        // blocked step's refund can leave gas_used below where the run began.
        RunReport {
            reason,
            steps: self.steps.saturating_sub(start_steps),
            gas: self.gas_used.saturating_sub(start_gas),
        }
    }
}
