//! The Runtime Environment: the machine's only door to the outside world.
//!
//! Inbox messages come in through it, sends, logs and debug prints go out through it,
//! and `sideload` asks it for a value. The CLI, replays, the challenge game and tests
//! all drive a machine through an [`Environment`]; [`RuntimeEnv`] is the ready-made
//! one: a queue of messages that can grow while the machine is blocked, sideloads, and
//! an output sink. [`crate::Runtime`] adds run limits and a breakpoint policy.

use std::collections::VecDeque;

use avm_value::{Int, Value};

use crate::sink::{OutputSink, Recorder};

/// When an output was produced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Emitted {
    /// Steps executed before the emitting instruction (its 0-based step number).
    pub step: u64,
    /// Inbox messages consumed by then.
    pub inbox_consumed: u64,
}

/// What a machine needs from the world while running.
pub trait Environment {
    /// Removes and returns the next inbox message, or None if there is none yet (the
    /// machine then blocks, unchanged, and can be run again once messages arrive).
    fn next_message(&mut self) -> Option<Value>;

    /// Receives the data of a `send`.
    fn send(&mut self, data: &[u8], at: Emitted) {
        let _ = (data, at);
    }

    /// Receives the value of a `log`.
    fn log(&mut self, value: &Value, at: Emitted) {
        let _ = (value, at);
    }

    /// Receives the value of a `debugprint`.
    fn debug_print(&mut self, value: &Value, at: Emitted) {
        let _ = (value, at);
    }

    /// The value `sideload` pushes for `block_number`; None means the empty tuple, which
    /// is what the spec prescribes and the only sideload a one-step proof can show.
    fn sideload(&mut self, block_number: &Int) -> Option<Value> {
        let _ = block_number;
        None
    }
}

/// An output with the moment it was produced.
#[derive(Clone, Debug)]
pub struct Output<T> {
    /// The data or value.
    pub value: T,
    /// When.
    pub at: Emitted,
}

/// Chooses the value `sideload` pushes for a block number.
pub type SideloadHook = Box<dyn FnMut(&Int) -> Option<Value> + Send>;

/// The ready-made [`Environment`]: a queue of inbox messages that can grow while the
/// machine is blocked, sideloaded values, and an [`OutputSink`] for sends, logs and
/// debug prints ([`Recorder`], which keeps them, unless another is chosen).
pub struct RuntimeEnv<S: OutputSink = Recorder> {
    /// Messages not yet consumed.
    pub inbox: VecDeque<Value>,
    /// Values handed to `sideload`, used first to last once the hook (if any) gives
    /// none; when both are exhausted, the empty tuple.
    pub sideloads: VecDeque<Value>,
    /// Asked first for each `sideload`.
    pub sideload_hook: Option<SideloadHook>,
    /// Where outputs go.
    pub outputs: S,
}

impl Default for RuntimeEnv<Recorder> {
    fn default() -> Self {
        RuntimeEnv::with_sink(Recorder::default())
    }
}

impl RuntimeEnv<Recorder> {
    /// An environment with these inbox messages that records every output.
    pub fn with_inbox(messages: impl IntoIterator<Item = Value>) -> Self {
        let mut env = RuntimeEnv::default();
        env.inbox.extend(messages);
        env
    }

    /// Sends recorded so far.
    pub fn sends(&self) -> &[Output<Vec<u8>>] {
        &self.outputs.sends
    }

    /// Logs recorded so far.
    pub fn logs(&self) -> &[Output<Value>] {
        &self.outputs.logs
    }

    /// Debug prints recorded so far.
    pub fn debug_prints(&self) -> &[Output<Value>] {
        &self.outputs.debug_prints
    }
}

impl<S: OutputSink> RuntimeEnv<S> {
    /// An environment with an empty inbox whose outputs go to `sink`.
    pub fn with_sink(sink: S) -> Self {
        RuntimeEnv {
            inbox: VecDeque::new(),
            sideloads: VecDeque::new(),
            sideload_hook: None,
            outputs: sink,
        }
    }

    /// Appends a message to the inbox.
    pub fn push_message(&mut self, message: Value) {
        self.inbox.push_back(message);
    }
}

impl<S: OutputSink + std::fmt::Debug> std::fmt::Debug for RuntimeEnv<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuntimeEnv")
            .field("inbox", &self.inbox.len())
            .field("sideloads", &self.sideloads.len())
            .field("sideload_hook", &self.sideload_hook.is_some())
            .field("outputs", &self.outputs)
            .finish()
    }
}

impl<S: OutputSink> Environment for RuntimeEnv<S> {
    fn next_message(&mut self) -> Option<Value> {
        self.inbox.pop_front()
    }

    fn send(&mut self, data: &[u8], at: Emitted) {
        self.outputs.send(data, at);
    }

    fn log(&mut self, value: &Value, at: Emitted) {
        self.outputs.log(value, at);
    }

    fn debug_print(&mut self, value: &Value, at: Emitted) {
        self.outputs.debug_print(value, at);
    }

    fn sideload(&mut self, block_number: &Int) -> Option<Value> {
        if let Some(hook) = &mut self.sideload_hook {
            if let Some(value) = hook(block_number) {
                return Some(value);
            }
        }
        self.sideloads.pop_front()
    }
}
