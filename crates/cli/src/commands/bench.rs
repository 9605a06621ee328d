//! `avm bench`: run programs under a gas cap and report their speed, so machines and
//! versions can be compared (the C++ AVM's speedtest figures are gas-capped the same
//! way).

use std::path::PathBuf;
use std::time::Instant;

use avm_machine::{Machine, RunLimits, RuntimeEnv};

use crate::error::CliError;

/// Arguments of `avm bench`.
#[derive(clap::Args, Debug)]
pub struct BenchArgs {
    /// The executables (.mexe) to run; a directory stands for the .mexe files in it.
    #[arg(required = true)]
    pub programs: Vec<PathBuf>,
    /// Stop each run before the instruction that would take gas used above N
    /// (default 100,000,000, as the C++ speedtest; none with --replay, whose runs end
    /// when the machine blocks for more input).
    #[arg(long, value_name = "N")]
    pub max_gas: Option<u64>,
    /// Also stop each run after N steps.
    #[arg(long, value_name = "N")]
    pub max_steps: Option<u64>,
    /// Run each program this many times and keep the fastest run.
    #[arg(long, value_name = "R", default_value_t = 3)]
    pub repeat: u32,
    /// Print one JSON object per program, one per line.
    #[arg(long)]
    pub json: bool,
    /// Feed each program the inbox of this recorded run (an .aoslog, e.g. one of
    /// ArbOS's benchmark logs) and run it until it halts, errors or blocks (the gas
    /// cap still applies).
    #[arg(long, value_name = "LOG.aoslog")]
    pub replay: Option<PathBuf>,
}

/// One program's measurement.
struct Measurement {
    name: String,
    steps: u64,
    gas: u64,
    seconds: f64,
    status: &'static str,
}

/// Runs and reports every program.
pub fn run(args: &BenchArgs) -> Result<(), CliError> {
    let mut files = Vec::new();
    for path in &args.programs {
        if path.is_dir() {
            let entries = std::fs::read_dir(path).map_err(|source| CliError::Io {
                path: path.display().to_string(),
                source,
            })?;
            let mut found: Vec<PathBuf> = entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "mexe"))
                .collect();
            found.sort();
            files.extend(found);
        } else {
            files.push(path.clone());
        }
    }
    let limits = RunLimits {
        max_steps: args.max_steps,
        max_gas: match (args.max_gas, &args.replay) {
            (Some(gas), _) => Some(gas),
            (None, Some(_)) => None,
            (None, None) => Some(100_000_000),
        },
    };
    if !args.json {
        outln!(
            "{:<36} {:>12} {:>13} {:>9} {:>12} {:>12}  status",
            "program",
            "steps",
            "gas",
            "seconds",
            "M steps/s",
            "M gas/s"
        );
    }
    for file in files {
        let program = crate::bounds::load_mexe(&file)?;
        let inbox = match &args.replay {
            Some(log) => crate::inbox::read_recorded_inbox(log, &program.code)?,
            None => Vec::new(),
        };
        let mut best: Option<Measurement> = None;
        for _ in 0..args.repeat.max(1) {
            let mut machine = Machine::new(program.clone());
            let mut env = RuntimeEnv::with_inbox(inbox.clone());
            let started = Instant::now();
            let report = machine.run_through_breakpoints(&mut env, &limits);
            let seconds = started.elapsed().as_secs_f64();
            if best.as_ref().is_none_or(|b| seconds < b.seconds) {
                best = Some(Measurement {
                    name: file.file_stem().map_or_else(
                        || file.display().to_string(),
                        |s| s.to_string_lossy().into_owned(),
                    ),
                    steps: machine.steps(),
                    gas: machine.gas_used(),
                    seconds,
                    status: report.reason.name(),
                });
            }
        }
        if let Some(m) = best {
            print_measurement(&m, args.json);
        }
    }
    Ok(())
}

fn print_measurement(m: &Measurement, json: bool) {
    let rate = |n: u64| n as f64 / m.seconds.max(1e-12) / 1e6;
    if json {
        outln!(
            "{}",
            serde_json::json!({
                "program": m.name,
                "steps": m.steps,
                "gas_used": m.gas,
                "seconds": m.seconds,
                "steps_per_second": rate(m.steps) * 1e6,
                "gas_per_second": rate(m.gas) * 1e6,
                "status": m.status,
            })
        );
    } else {
        outln!(
            "{:<36} {:>12} {:>13} {:>9.4} {:>12.2} {:>12.1}  {}",
            m.name,
            m.steps,
            m.gas,
            m.seconds,
            rate(m.steps),
            rate(m.gas),
            m.status
        );
    }
}
