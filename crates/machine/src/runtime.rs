//! A machine with its Runtime Environment and the rules of a run: the library form of
//! what `avm run` and `avm replay` do.
//!
//! ```
//! use avm_code::{Instruction, Opcode, Program};
//! use avm_machine::{Runtime, StopReason};
//! use avm_value::{Tuple, Value};
//!
//! // inbox, log, halt
//! let program = Program::from_instructions(
//!     vec![
//!         Instruction::basic(Opcode::Inbox as u8),
//!         Instruction::basic(Opcode::Log as u8),
//!         Instruction::basic(Opcode::Halt as u8),
//!     ],
//!     Value::Tuple(Tuple::default()),
//! )?;
//! let mut runtime = Runtime::new(program);
//! assert_eq!(runtime.run().reason, StopReason::Blocked);
//! runtime.push_message(Value::Tuple(Tuple::from_array([Value::int(0), Value::int(1)])));
//! assert_eq!(runtime.run().reason, StopReason::Halted);
//! assert_eq!(runtime.env.logs().len(), 1);
//! # Ok::<(), avm_code::CodeError>(())
//! ```

use avm_code::Program;
use avm_value::Value;

use crate::sink::{OutputSink, Recorder};
use crate::{Machine, Observer, RunLimits, RunReport, RuntimeEnv, StopReason};

/// What to do when a `breakpoint` instruction executes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BreakpointAction {
    /// End the run with [`StopReason::Breakpoint`] (the default).
    Stop,
    /// Keep running.
    Continue,
}

type BreakpointHook = Box<dyn FnMut(&Machine) -> BreakpointAction + Send>;
type TickHook = Box<dyn FnMut(&Machine) + Send>;

/// A machine, its environment, the limits of its runs and what breakpoints do.
pub struct Runtime<S: OutputSink = Recorder> {
    /// The machine.
    pub machine: Machine,
    /// Its inbox, sideloads and output sink.
    pub env: RuntimeEnv<S>,
    /// Limits every run obeys (totals since the machine started).
    pub limits: RunLimits,
    on_breakpoint: Option<BreakpointHook>,
    on_tick: Option<(u64, TickHook)>,
}

impl Runtime<Recorder> {
    /// A fresh machine for `program` with an empty inbox, recording its outputs.
    pub fn new(program: Program) -> Self {
        Runtime::with_env(Machine::new(program), RuntimeEnv::default())
    }
}

impl<S: OutputSink> Runtime<S> {
    /// A runtime over an existing machine (e.g. a restored checkpoint) and environment.
    pub fn with_env(machine: Machine, env: RuntimeEnv<S>) -> Self {
        Runtime {
            machine,
            env,
            limits: RunLimits::default(),
            on_breakpoint: None,
            on_tick: None,
        }
    }

    /// Sets the limits of later runs.
    pub fn with_limits(mut self, limits: RunLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Lets `hook` decide, at each `breakpoint`, whether the run goes on.
    pub fn on_breakpoint(
        mut self,
        hook: impl FnMut(&Machine) -> BreakpointAction + Send + 'static,
    ) -> Self {
        self.on_breakpoint = Some(Box::new(hook));
        self
    }

    /// Calls `hook` every `every` steps of a run (for progress displays): the run is
    /// cut into pieces between which the hook sees the machine, so nothing is paid per
    /// step.
    pub fn on_tick(mut self, every: u64, hook: impl FnMut(&Machine) + Send + 'static) -> Self {
        self.on_tick = Some((every.max(1), Box::new(hook)));
        self
    }

    /// Runs through every `breakpoint` instead of stopping there.
    pub fn ignore_breakpoints(self) -> Self {
        self.on_breakpoint(|_| BreakpointAction::Continue)
    }

    /// Adds an inbox message; a blocked machine takes it on the next run.
    pub fn push_message(&mut self, message: Value) {
        self.env.push_message(message);
    }

    /// Runs until the machine halts, errors, blocks, stops at a breakpoint or reaches
    /// a limit.
    pub fn run(&mut self) -> RunReport {
        let limits = self.limits;
        self.run_with(&limits, &mut ())
    }

    /// [`Runtime::run`] under other limits, with `observer` watching each step.
    pub fn run_with(&mut self, limits: &RunLimits, observer: &mut impl Observer) -> RunReport {
        let start_steps = self.machine.steps();
        let start_gas = self.machine.gas_used();
        let reason = loop {
            let piece = match &self.on_tick {
                Some((every, _)) => {
                    let tick = self.machine.steps().saturating_add(*every);
                    RunLimits {
                        max_steps: Some(limits.max_steps.map_or(tick, |max| max.min(tick))),
                        max_gas: limits.max_gas,
                    }
                }
                None => *limits,
            };
            let report = self.machine.run_observed(&mut self.env, &piece, observer);
            if report.reason == StopReason::StepLimit && piece.max_steps != limits.max_steps {
                if let Some((_, hook)) = &mut self.on_tick {
                    hook(&self.machine);
                }
                continue;
            }
            if report.reason != StopReason::Breakpoint {
                break report.reason;
            }
            let action = match &mut self.on_breakpoint {
                Some(hook) => hook(&self.machine),
                None => BreakpointAction::Stop,
            };
            if action == BreakpointAction::Stop {
                break StopReason::Breakpoint;
            }
        };
        RunReport {
            reason,
            steps: self.machine.steps() - start_steps,
            gas: self.machine.gas_used() - start_gas,
        }
    }
}
