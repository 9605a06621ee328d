//! Where a runtime's outputs go: kept in memory, handed to callbacks, sent down a
//! channel, or dropped. A replay checks them as they come, so it needs none kept.

use std::sync::mpsc::Sender;

use avm_value::Value;

use crate::{Emitted, Output};

/// Receives a machine's sends, logs and debug prints as they happen.
pub trait OutputSink {
    /// The data of a `send`.
    fn send(&mut self, data: &[u8], at: Emitted) {
        let _ = (data, at);
    }

    /// The value of a `log`.
    fn log(&mut self, value: &Value, at: Emitted) {
        let _ = (value, at);
    }

    /// The value of a `debugprint`.
    fn debug_print(&mut self, value: &Value, at: Emitted) {
        let _ = (value, at);
    }
}

/// Drops every output (the accumulators in the machine still cover them).
impl OutputSink for () {}

/// Keeps every output in memory, in order: the default sink, for tests and short runs.
#[derive(Clone, Debug, Default)]
pub struct Recorder {
    /// Sends, in order.
    pub sends: Vec<Output<Vec<u8>>>,
    /// Logs, in order.
    pub logs: Vec<Output<Value>>,
    /// Debug prints, in order.
    pub debug_prints: Vec<Output<Value>>,
}

impl OutputSink for Recorder {
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
}

/// One output, as a channel carries it.
#[derive(Clone, Debug)]
pub enum OutputEvent {
    /// A `send` and its data.
    Send(Output<Vec<u8>>),
    /// A `log` and its value.
    Log(Output<Value>),
    /// A `debugprint` and its value.
    DebugPrint(Output<Value>),
}

/// Sends each output down a channel, for a consumer on another thread. Outputs are
/// dropped once the receiver is gone.
impl OutputSink for Sender<OutputEvent> {
    fn send(&mut self, data: &[u8], at: Emitted) {
        let _ = Sender::send(
            self,
            OutputEvent::Send(Output {
                value: data.to_vec(),
                at,
            }),
        );
    }

    fn log(&mut self, value: &Value, at: Emitted) {
        let _ = Sender::send(
            self,
            OutputEvent::Log(Output {
                value: value.clone(),
                at,
            }),
        );
    }

    fn debug_print(&mut self, value: &Value, at: Emitted) {
        let _ = Sender::send(
            self,
            OutputEvent::DebugPrint(Output {
                value: value.clone(),
                at,
            }),
        );
    }
}

type SendCallback<'a> = Box<dyn FnMut(&[u8], Emitted) + 'a>;
type ValueCallback<'a> = Box<dyn FnMut(&Value, Emitted) + 'a>;

/// Calls closures for the outputs it is given closures for.
#[derive(Default)]
pub struct Callbacks<'a> {
    on_send: Option<SendCallback<'a>>,
    on_log: Option<ValueCallback<'a>>,
    on_debug_print: Option<ValueCallback<'a>>,
}

impl<'a> Callbacks<'a> {
    /// No callbacks yet.
    pub fn new() -> Self {
        Callbacks::default()
    }

    /// Calls `f` with each send's data.
    pub fn on_send(mut self, f: impl FnMut(&[u8], Emitted) + 'a) -> Self {
        self.on_send = Some(Box::new(f));
        self
    }

    /// Calls `f` with each logged value.
    pub fn on_log(mut self, f: impl FnMut(&Value, Emitted) + 'a) -> Self {
        self.on_log = Some(Box::new(f));
        self
    }

    /// Calls `f` with each debug-printed value.
    pub fn on_debug_print(mut self, f: impl FnMut(&Value, Emitted) + 'a) -> Self {
        self.on_debug_print = Some(Box::new(f));
        self
    }
}

impl OutputSink for Callbacks<'_> {
    fn send(&mut self, data: &[u8], at: Emitted) {
        if let Some(f) = &mut self.on_send {
            f(data, at);
        }
    }

    fn log(&mut self, value: &Value, at: Emitted) {
        if let Some(f) = &mut self.on_log {
            f(value, at);
        }
    }

    fn debug_print(&mut self, value: &Value, at: Emitted) {
        if let Some(f) = &mut self.on_debug_print {
            f(value, at);
        }
    }
}

impl<S: OutputSink + ?Sized> OutputSink for &mut S {
    fn send(&mut self, data: &[u8], at: Emitted) {
        (**self).send(data, at);
    }

    fn log(&mut self, value: &Value, at: Emitted) {
        (**self).log(value, at);
    }

    fn debug_print(&mut self, value: &Value, at: Emitted) {
        (**self).debug_print(value, at);
    }
}
