//! A progress line for long runs, on stderr, only when stderr is a terminal and the
//! output is for people (not `--json`). It appears after a second, so short runs
//! print nothing extra. It hooks into a [`Runtime`]'s ticks, so it costs nothing per
//! step.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use avm_machine::{Machine, OutputSink, Runtime};
use indicatif::{ProgressBar, ProgressStyle};

/// Steps between updates.
const TICK: u64 = 1 << 22;
/// How long a run goes before the line appears.
const SHOW_AFTER: Duration = Duration::from_secs(1);

/// Shows steps, gas and messages consumed while a machine runs.
#[derive(Clone)]
pub struct Progress {
    enabled: bool,
    started: Instant,
    bar: ProgressBar,
}

impl Progress {
    /// A progress line if `wanted` and stderr is a terminal; otherwise a no-op.
    pub fn new(wanted: bool) -> Progress {
        let enabled = wanted && std::io::stderr().is_terminal();
        let bar = if enabled {
            let bar = ProgressBar::new_spinner();
            if let Ok(style) = ProgressStyle::with_template("{spinner} {elapsed} {msg}") {
                bar.set_style(style);
            }
            bar
        } else {
            ProgressBar::hidden()
        };
        Progress {
            enabled,
            started: Instant::now(),
            bar,
        }
    }

    /// `runtime`, reporting to this progress line as it runs.
    pub fn attach<S: OutputSink>(&self, runtime: Runtime<S>) -> Runtime<S> {
        if !self.enabled {
            return runtime;
        }
        let progress = self.clone();
        runtime.on_tick(TICK, move |machine| progress.update(machine))
    }

    /// Removes the line (call before printing results).
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }

    /// Updates the line from `machine` (for loops that step a machine themselves
    /// rather than through a [`Runtime`]).
    pub fn update(&self, machine: &Machine) {
        let elapsed = self.started.elapsed();
        if elapsed < SHOW_AFTER {
            return;
        }
        let rate = machine.steps() as f64 / elapsed.as_secs_f64().max(1e-9);
        self.bar.set_message(format!(
            "{} steps ({:.1} M/s), {} gas, {} messages consumed",
            machine.steps(),
            rate / 1e6,
            machine.gas_used(),
            machine.inbox_position().consumed
        ));
        self.bar.tick();
    }
}
