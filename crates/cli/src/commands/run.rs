//! `avm run`: load a program, feed it an inbox, run it (optionally saving checkpoints),
//! and report what happened. The run options and the driving loop are shared with
//! `avm resume`.

use std::path::PathBuf;

use avm_code::{load_mexe, LoadOptions};
use avm_machine::{Machine, RunLimits, RunReport, RuntimeEnv, StopReason};
use avm_store::Store;

use crate::error::CliError;
use crate::inbox::read_inbox;
use crate::report::RunSummary;

/// Options shared by `avm run` and `avm resume`.
#[derive(clap::Args, Debug)]
pub struct RunOptions {
    /// Stop once the machine has executed N steps in total.
    #[arg(long, value_name = "N")]
    pub max_steps: Option<u64>,
    /// Stop before the instruction that would take total gas used above N (counted
    /// from the start of the machine, also when resuming).
    #[arg(long, value_name = "N")]
    pub max_gas: Option<u64>,
    /// Keep running through `breakpoint` instructions instead of stopping there.
    #[arg(long)]
    pub ignore_breakpoints: bool,
    /// With a store: save a checkpoint every N steps (and always at the end).
    #[arg(long, value_name = "N")]
    pub checkpoint_every: Option<u64>,
    /// Print exactly one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `avm run`.
#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// The executable (.mexe).
    pub program: PathBuf,
    /// A JSON array of inbox messages in value JSON.
    #[arg(long, value_name = "MESSAGES.json")]
    pub inbox: Option<PathBuf>,
    /// Save checkpoints in this directory (a new store; continue it with `avm resume`).
    #[arg(long, value_name = "DIR")]
    pub store: Option<PathBuf>,
    /// Run options.
    #[command(flatten)]
    pub options: RunOptions,
}

/// Runs the machine under `options`, saving checkpoints into `store` if given.
pub fn drive(
    machine: &mut Machine,
    env: &mut RuntimeEnv,
    options: &RunOptions,
    mut store: Option<&mut Store>,
) -> Result<RunReport, CliError> {
    let start_steps = machine.steps();
    let start_gas = machine.gas_used();
    let every = options
        .checkpoint_every
        .filter(|n| *n > 0 && store.is_some());
    let report = loop {
        let next_checkpoint = every.map(|n| (machine.steps() / n + 1) * n);
        let max_steps = match (options.max_steps, next_checkpoint) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let limits = RunLimits {
            max_steps,
            max_gas: options.max_gas,
        };
        let report = machine.run(env, &limits);
        let at_checkpoint = report.reason == StopReason::StepLimit
            && next_checkpoint == Some(machine.steps())
            && options.max_steps != Some(machine.steps());
        if at_checkpoint {
            if let Some(store) = store.as_deref_mut() {
                store
                    .save(machine)
                    .map_err(|e| CliError::Input(e.to_string()))?;
            }
            continue;
        }
        if options.ignore_breakpoints && report.reason == StopReason::Breakpoint {
            continue;
        }
        break report;
    };
    if let Some(store) = store {
        store
            .save(machine)
            .map_err(|e| CliError::Input(e.to_string()))?;
    }
    Ok(RunReport {
        reason: report.reason,
        steps: machine.steps() - start_steps,
        gas: machine.gas_used() - start_gas,
    })
}

/// Prints the summary of a finished run.
pub fn print_summary(machine: &mut Machine, report: &RunReport, env: &RuntimeEnv, json: bool) {
    let summary = RunSummary::new(machine, report, env);
    if json {
        println!("{}", summary.to_json());
    } else {
        print!("{}", summary.to_text());
    }
}

/// Runs the program and prints the summary.
pub fn run(args: &RunArgs) -> Result<(), CliError> {
    let options = LoadOptions::default();
    let program = load_mexe(&args.program, &options)?;
    let messages = match &args.inbox {
        Some(path) => read_inbox(path, &program.code, &options.limits)?,
        None => Vec::new(),
    };
    let mut store = match &args.store {
        Some(dir) => {
            let store = Store::open(dir).map_err(|e| CliError::Input(e.to_string()))?;
            if store
                .latest()
                .map_err(|e| CliError::Input(e.to_string()))?
                .is_some()
            {
                return Err(CliError::Input(format!(
                    "{} already holds checkpoints; continue it with `avm resume {}`",
                    dir.display(),
                    dir.display()
                )));
            }
            Some(store)
        }
        None => None,
    };
    let mut machine = Machine::new(program);
    let mut env = RuntimeEnv::with_inbox(messages);
    if let Some(store) = store.as_mut() {
        store
            .save(&mut machine)
            .map_err(|e| CliError::Input(e.to_string()))?;
    }
    let report = drive(&mut machine, &mut env, &args.options, store.as_mut())?;
    print_summary(&mut machine, &report, &env, args.options.json);
    Ok(())
}
