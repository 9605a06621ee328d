//! The Runtime Environment: the machine's only door to the outside world.
//!
//! Inbox messages come in through it, sends, logs and debug prints go out through it,
//! and `sideload` asks it for a value. The CLI, replays, the challenge game and tests
//! all drive a machine through an [`Environment`]; [`RuntimeEnv`] is the ready-made
//! one: a queue of messages that can grow while the machine is blocked, and recorded
//! outputs.

use std::collections::VecDeque;

use avm_value::{Int, Value};

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

/// A queue-backed environment that records every output.
#[derive(Clone, Debug, Default)]
pub struct RuntimeEnv {
    /// Messages not yet consumed.
    pub inbox: VecDeque<Value>,
    /// Values handed to `sideload`, used first to last; empty means the empty tuple.
    pub sideloads: VecDeque<Value>,
    /// Sends, in order.
    pub sends: Vec<Output<Vec<u8>>>,
    /// Logs, in order.
    pub logs: Vec<Output<Value>>,
    /// Debug prints, in order.
    pub debug_prints: Vec<Output<Value>>,
}

impl RuntimeEnv {
    /// An environment with these inbox messages and nothing else.
    pub fn with_inbox(messages: impl IntoIterator<Item = Value>) -> Self {
        RuntimeEnv {
            inbox: messages.into_iter().collect(),
            ..RuntimeEnv::default()
        }
    }

    /// Appends a message to the inbox.
    pub fn push_message(&mut self, message: Value) {
        self.inbox.push_back(message);
    }
}

impl Environment for RuntimeEnv {
    fn next_message(&mut self) -> Option<Value> {
        self.inbox.pop_front()
    }

    fn send(&mut self, data: &[u8], at: Emitted) {
        self.sends.push(Output {
            value: data.to_vec(),
            at,
        });
    }

    fn log(&mut self, value: &Value, at: Emitted) {
        self.logs.push(Output {
            value: value.clone(),
            at,
        });
    }

    fn debug_print(&mut self, value: &Value, at: Emitted) {
        self.debug_prints.push(Output {
            value: value.clone(),
            at,
        });
    }

    fn sideload(&mut self, _block_number: &Int) -> Option<Value> {
        self.sideloads.pop_front()
    }
}
