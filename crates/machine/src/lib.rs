//! The Arbitrum Virtual Machine: its state, the engine that steps it, and the
//! Runtime Environment it talks to.
//!
//! - [`Machine`]: every register, both stacks, the code, and the counters a validator
//!   needs (steps, gas used, inbox position, output accumulators).
//! - [`Machine::step`] / [`Machine::run`]: execution by index over code segments, with
//!   the deployed AVM's gas and error rules; nothing is hashed unless an instruction
//!   needs it. `run` executes a basic block at a time (blocks.rs) and falls back on
//!   the per-step reference rules (step.rs, [`Machine::run_reference`]) for what a
//!   block cannot do.
//! - [`Machine::hash`]: the machine hash, derived on demand from cached digests.
//! - [`Environment`]: inbox in, sends / logs / debug prints out, sideloads;
//!   [`RuntimeEnv`] implements it over a message queue and an [`OutputSink`].
//! - [`Runtime`]: a machine, its environment, run limits and a breakpoint policy.
//!
//! Guest errors (a program dividing by zero) are state transitions of the machine;
//! nothing here returns an error or panics because of what a program does.

mod blocks;
mod env;
mod hash;
pub mod ops;
mod prefix;
mod run;
mod runtime;
mod sink;
mod stack;
mod state;
mod step;

pub use env::{Emitted, Environment, Output, RuntimeEnv, SideloadHook};
pub use hash::{stopped_hash, MachineHashParts, StorageView};
pub use ops::Fault;
pub use run::{Control, Observer, RunLimits, RunReport, StopReason};
pub use runtime::{BreakpointAction, Runtime};
pub use sink::{Callbacks, OutputEvent, OutputSink, Recorder};
pub use stack::Stack;
pub use state::{InboxPosition, Machine, MachineParts, OutputAccumulators, Status};
pub use step::{Charge, StepOutcome, ERROR_GAS};
