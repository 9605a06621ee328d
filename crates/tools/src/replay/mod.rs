//! Replaying a recorded run (`.aoslog`): start the program at its entry, deliver the
//! recorded inbox, run until the machine blocks for more input (or halts, or errors),
//! and compare its logs, sends and total AVMGas with the recording.
//!
//! Outputs are checked as they are produced ([`Checker`]), so memory stays that of the
//! machine however long the run. Differences are reported as they are: a recording made
//! by an AVM that hashes tuples differently (the arb-os emulator does) can disagree
//! with this one wherever the program branches on a hash, and the replay says where.

mod aoslog;
mod check;

use std::time::Instant;

use avm_code::Program;
use avm_machine::{Machine, Observer, RunLimits, Runtime, RuntimeEnv, StopReason};
use avm_value::{value_to_json, CodePointNames, Value};

pub use aoslog::{aoslog_of_run, parse_aoslog, write_aoslog, ExpectedSend, Recording};
pub use check::{Checker, Difference, OutputKind, Seen};

/// Longest value JSON shown in a text report.
const TEXT_LIMIT: usize = 600;

/// The outcome of a replay.
#[derive(Clone, Debug)]
pub struct ReplayReport {
    /// Why the run ended.
    pub status: StopReason,
    /// Steps executed.
    pub steps: u64,
    /// AVMGas used.
    pub gas_used: u64,
    /// AVMGas the recording states, if it does.
    pub expected_gas: Option<u64>,
    /// Logs produced.
    pub logs: usize,
    /// Logs recorded.
    pub expected_logs: usize,
    /// Sends produced.
    pub sends: usize,
    /// Sends recorded.
    pub expected_sends: usize,
    /// The first difference, if any.
    pub first_difference: Option<Difference>,
    /// Wall-clock time of the machine's run, without the time spent comparing its
    /// outputs with the recording as they came (the part a validator or node would
    /// not spend; the C++ AVM's replay times its run the same way, comparing after).
    pub seconds: f64,
    /// Time spent comparing outputs with the recording, in seconds.
    pub comparing_seconds: f64,
}

impl ReplayReport {
    /// Whether the run reproduced the recording.
    pub fn matches(&self) -> bool {
        self.first_difference.is_none()
    }
}

/// A replay ready to run: a fresh machine for the program with the recorded inbox
/// queued and a [`Checker`] as its output sink. Set hooks on `runtime` (progress ticks,
/// say) before [`Replay::run`].
pub struct Replay {
    /// The runtime that will execute the replay.
    pub runtime: Runtime<Checker>,
    expected_gas: Option<u64>,
    expected_logs: usize,
    expected_sends: usize,
}

impl Replay {
    /// Sets up the replay of `recording` on `program`.
    pub fn new(program: Program, recording: Recording) -> Replay {
        let expected_logs = recording.logs.len();
        let expected_sends = recording.sends.len();
        let mut env = RuntimeEnv::with_sink(Checker::new(recording.logs, recording.sends));
        env.inbox.extend(recording.inbox);
        Replay {
            runtime: Runtime::with_env(Machine::new(program), env).ignore_breakpoints(),
            expected_gas: recording.total_gas,
            expected_logs,
            expected_sends,
        }
    }

    /// Runs until the machine blocks, halts or errors (or reaches `limits`), with
    /// `observer` watching each step; breakpoints are run through. Returns the report
    /// and the machine as the run left it.
    pub fn run(self, limits: &RunLimits, observer: &mut impl Observer) -> (ReplayReport, Machine) {
        let mut runtime = self.runtime;
        let started = Instant::now();
        let report = runtime.run_with(limits, observer);
        let elapsed = started.elapsed();
        let Runtime { machine, env, .. } = runtime;
        let mut checker = env.outputs;
        let comparing = checker.comparing.min(elapsed);
        let seconds = (elapsed - comparing).as_secs_f64();
        checker.finish();
        let gas_used = machine.gas_used();
        if let Some(expected) = self.expected_gas.filter(|g| *g != gas_used) {
            if checker.first.is_none() {
                checker.first = Some(Difference::Gas {
                    expected,
                    got: gas_used,
                });
            }
        }
        let report = ReplayReport {
            status: report.reason,
            steps: machine.steps(),
            gas_used,
            expected_gas: self.expected_gas,
            logs: checker.logs,
            expected_logs: self.expected_logs,
            sends: checker.sends,
            expected_sends: self.expected_sends,
            first_difference: checker.first,
            seconds,
            comparing_seconds: comparing.as_secs_f64(),
        };
        (report, machine)
    }
}

/// Replays `recording` on a fresh machine for `program` within `limits` (see
/// [`Replay`]).
pub fn replay(
    program: Program,
    recording: Recording,
    limits: RunLimits,
    observer: &mut impl Observer,
) -> (ReplayReport, Machine) {
    Replay::new(program, recording).run(&limits, observer)
}

/// The part of `value` at `path` (tuple slots from the top), if there is one.
fn part_at<'a>(value: &'a Value, path: &[usize]) -> Option<&'a Value> {
    path.iter()
        .try_fold(value, |v, i| v.as_tuple().and_then(|t| t.get(*i)))
}

fn seen_json(seen: &Seen, code: &impl CodePointNames) -> String {
    match seen {
        Seen::Value(v) => value_to_json(v, code),
        Seen::Bytes(b) => format!("\"0x{}\"", hex::encode(b)),
    }
}

fn cut(mut text: String, limit: usize) -> String {
    if text.len() > limit {
        let mut end = limit;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push('…');
    }
    text
}

impl Difference {
    /// A readable account of the difference, several lines.
    pub fn to_text(&self, code: &impl CodePointNames) -> String {
        match self {
            Difference::Gas { expected, got } => {
                format!("total AVMGas differs: the recording has {expected}, the run used {got}")
            }
            Difference::Output {
                kind,
                index,
                step,
                expected,
                got,
                path,
            } => {
                let name = kind.name();
                let when = step.map_or_else(String::new, |s| format!(" (emitted at step {s})"));
                match (expected, got) {
                    (Some(e), Some(g)) => {
                        let mut out = format!("{name} {index} differs{when}\n");
                        if let (Seen::Value(ev), Seen::Value(gv), false) = (e, g, path.is_empty()) {
                            if let (Some(ep), Some(gp)) = (part_at(ev, path), part_at(gv, path)) {
                                let at: String = path.iter().map(|i| format!("[{i}]")).collect();
                                out.push_str(&format!(
                                    "  at {at}: expected {}, got {}\n",
                                    cut(value_to_json(ep, code), TEXT_LIMIT),
                                    cut(value_to_json(gp, code), TEXT_LIMIT)
                                ));
                            }
                        }
                        if let (Seen::Bytes(eb), Seen::Bytes(gb)) = (e, g) {
                            let offset = eb.iter().zip(gb).position(|(a, b)| a != b);
                            out.push_str(&format!(
                                "  {} bytes expected, {} sent{}\n",
                                eb.len(),
                                gb.len(),
                                offset.map_or_else(String::new, |o| format!(
                                    "; first different byte at offset {o}"
                                ))
                            ));
                        }
                        out.push_str(&format!(
                            "  expected: {}\n  got:      {}",
                            cut(seen_json(e, code), TEXT_LIMIT),
                            cut(seen_json(g, code), TEXT_LIMIT)
                        ));
                        out
                    }
                    (Some(e), None) => format!(
                        "{name} {index} is missing: the run ended without it\n  expected: {}",
                        cut(seen_json(e, code), TEXT_LIMIT)
                    ),
                    (None, Some(g)) => format!(
                        "{name} {index} is not in the recording{when}\n  got:      {}",
                        cut(seen_json(g, code), TEXT_LIMIT)
                    ),
                    (None, None) => format!("{name} {index} differs{when}"),
                }
            }
        }
    }

    /// The difference as the text of a JSON object (values in value JSON, bytes as 0x
    /// hex), written directly so that values of any depth fit.
    pub fn to_json(&self, code: &impl CodePointNames) -> String {
        match self {
            Difference::Gas { expected, got } => {
                format!("{{\"kind\":\"gas\",\"expected\":{expected},\"got\":{got}}}")
            }
            Difference::Output {
                kind,
                index,
                step,
                expected,
                got,
                path,
            } => {
                let side = |s: &Option<Seen>| match s {
                    None => "null".to_owned(),
                    Some(seen) => seen_json(seen, code),
                };
                let step = step.map_or_else(|| "null".to_owned(), |s| s.to_string());
                let path: Vec<String> = path.iter().map(usize::to_string).collect();
                format!(
                    "{{\"kind\":\"{}\",\"index\":{index},\"step\":{step},\"path\":[{}],\"expected\":{},\"got\":{}}}",
                    kind.name(),
                    path.join(","),
                    side(expected),
                    side(got)
                )
            }
        }
    }
}
