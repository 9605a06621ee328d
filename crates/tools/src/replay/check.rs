//! Checking a run's outputs against a recording as they are produced, keeping only
//! counts and the first difference, so a replay of any length needs no more memory
//! than the machine.

use std::time::{Duration, Instant};

use avm_machine::{Emitted, OutputSink};
use avm_value::{first_difference, Value};

use super::aoslog::ExpectedSend;

/// Which output a difference is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputKind {
    /// A `log`.
    Log,
    /// A `send`.
    Send,
}

impl OutputKind {
    /// `log` or `send`.
    pub fn name(self) -> &'static str {
        match self {
            OutputKind::Log => "log",
            OutputKind::Send => "send",
        }
    }
}

/// One side of a differing output.
#[derive(Clone, Debug)]
pub enum Seen {
    /// A logged (or recorded) value.
    Value(Value),
    /// Sent (or recorded) bytes.
    Bytes(Vec<u8>),
}

/// The first way a run differs from its recording.
#[derive(Clone, Debug)]
pub enum Difference {
    /// Output number `index` of `kind` differs, is missing or is extra.
    Output {
        /// Log or send.
        kind: OutputKind,
        /// Its position among outputs of its kind.
        index: usize,
        /// The step that emitted it (None if the run did not produce it).
        step: Option<u64>,
        /// What the recording has (None: the run produced an extra output).
        expected: Option<Seen>,
        /// What the run produced (None: the run ended without it).
        got: Option<Seen>,
        /// For values: the tuple slots leading to the first differing part.
        path: Vec<usize>,
    },
    /// Total AVMGas differs.
    Gas {
        /// Recorded.
        expected: u64,
        /// Used by the run.
        got: u64,
    },
}

/// An [`OutputSink`] that compares outputs with a recording as they come.
pub struct Checker {
    expected_logs: Vec<Value>,
    expected_sends: Vec<ExpectedSend>,
    /// Logs produced so far.
    pub logs: usize,
    /// Sends produced so far.
    pub sends: usize,
    /// The first difference seen, if any.
    pub first: Option<Difference>,
    /// Time spent comparing outputs with the recording during the run, which a
    /// replay's timing leaves out (the machine's run alone is what it measures).
    pub comparing: Duration,
}

impl Checker {
    /// A checker for these expected outputs.
    pub fn new(expected_logs: Vec<Value>, expected_sends: Vec<ExpectedSend>) -> Self {
        Checker {
            expected_logs,
            expected_sends,
            logs: 0,
            sends: 0,
            first: None,
            comparing: Duration::ZERO,
        }
    }

    /// Recorded logs.
    pub fn expected_logs(&self) -> usize {
        self.expected_logs.len()
    }

    /// Recorded sends.
    pub fn expected_sends(&self) -> usize {
        self.expected_sends.len()
    }

    fn note(&mut self, difference: Difference) {
        if self.first.is_none() {
            self.first = Some(difference);
        }
    }

    /// After the run: notes outputs the recording has and the run did not produce.
    pub fn finish(&mut self) {
        if self.logs < self.expected_logs.len() {
            let expected = self.expected_logs[self.logs].clone();
            self.note(Difference::Output {
                kind: OutputKind::Log,
                index: self.logs,
                step: None,
                expected: Some(Seen::Value(expected)),
                got: None,
                path: Vec::new(),
            });
        }
        if self.sends < self.expected_sends.len() {
            let expected = expected_seen(&self.expected_sends[self.sends]);
            self.note(Difference::Output {
                kind: OutputKind::Send,
                index: self.sends,
                step: None,
                expected: Some(expected),
                got: None,
                path: Vec::new(),
            });
        }
    }
}

fn expected_seen(send: &ExpectedSend) -> Seen {
    match send {
        ExpectedSend::Bytes(b) => Seen::Bytes(b.clone()),
        ExpectedSend::Value(v) => Seen::Value(v.clone()),
    }
}

impl OutputSink for Checker {
    fn log(&mut self, value: &Value, at: Emitted) {
        let started = Instant::now();
        self.compare_log(value, at);
        self.comparing += started.elapsed();
    }

    fn send(&mut self, data: &[u8], at: Emitted) {
        let started = Instant::now();
        self.compare_send(data, at);
        self.comparing += started.elapsed();
    }
}

impl Checker {
    fn compare_log(&mut self, value: &Value, at: Emitted) {
        let index = self.logs;
        self.logs += 1;
        if self.first.is_some() {
            return;
        }
        let difference = match self.expected_logs.get(index) {
            None => Some(Difference::Output {
                kind: OutputKind::Log,
                index,
                step: Some(at.step),
                expected: None,
                got: Some(Seen::Value(value.clone())),
                path: Vec::new(),
            }),
            Some(expected) => first_difference(expected, value).map(|d| Difference::Output {
                kind: OutputKind::Log,
                index,
                step: Some(at.step),
                expected: Some(Seen::Value(expected.clone())),
                got: Some(Seen::Value(value.clone())),
                path: d.path,
            }),
        };
        if let Some(d) = difference {
            self.note(d);
        }
    }

    fn compare_send(&mut self, data: &[u8], at: Emitted) {
        let index = self.sends;
        self.sends += 1;
        if self.first.is_some() {
            return;
        }
        let same =
            matches!(self.expected_sends.get(index), Some(ExpectedSend::Bytes(b)) if b == data);
        if !same {
            let expected = self.expected_sends.get(index).map(expected_seen);
            self.note(Difference::Output {
                kind: OutputKind::Send,
                index,
                step: Some(at.step),
                expected,
                got: Some(Seen::Bytes(data.to_vec())),
                path: Vec::new(),
            });
        }
    }
}
