//! A progress line for long runs, on stderr, only when stderr is a terminal and the
//! output is for people (not `--json`). It appears after a second, so short runs
//! print nothing extra.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use avm_machine::{Control, Machine, Observer};
use indicatif::{ProgressBar, ProgressStyle};

/// Steps between looks at the clock.
const CHECK_EVERY: u32 = 1 << 18;
/// How long a run goes before the line appears.
const SHOW_AFTER: Duration = Duration::from_secs(1);

/// Shows steps, gas and messages consumed while a machine runs.
pub struct Progress {
    enabled: bool,
    countdown: u32,
    started: Instant,
    bar: Option<ProgressBar>,
}

impl Progress {
    /// A progress line if `wanted` and stderr is a terminal; otherwise a no-op.
    pub fn new(wanted: bool) -> Progress {
        Progress {
            enabled: wanted && std::io::stderr().is_terminal(),
            countdown: CHECK_EVERY,
            started: Instant::now(),
            bar: None,
        }
    }

    /// Removes the line (call before printing results).
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }

    fn update(&mut self, machine: &Machine) {
        let elapsed = self.started.elapsed();
        if self.bar.is_none() {
            if elapsed < SHOW_AFTER {
                return;
            }
            let bar = ProgressBar::new_spinner();
            if let Ok(style) = ProgressStyle::with_template("{spinner} {elapsed} {msg}") {
                bar.set_style(style);
            }
            self.bar = Some(bar);
        }
        if let Some(bar) = &self.bar {
            let rate = machine.steps() as f64 / elapsed.as_secs_f64().max(1e-9);
            bar.set_message(format!(
                "{} steps ({:.1} M/s), {} gas, {} messages consumed",
                machine.steps(),
                rate / 1e6,
                machine.gas_used(),
                machine.inbox_position().consumed
            ));
            bar.tick();
        }
    }
}

impl Observer for Progress {
    #[inline]
    fn before_step(&mut self, machine: &Machine) -> Control {
        if self.enabled {
            self.countdown -= 1;
            if self.countdown == 0 {
                self.countdown = CHECK_EVERY;
                self.update(machine);
            }
        }
        Control::Continue
    }
}
