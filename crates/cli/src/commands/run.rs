//! `avm run`: load a program, feed it an inbox, run it, and report what happened.

use std::path::PathBuf;

use avm_code::{load_mexe, LoadOptions};
use avm_machine::{Machine, RunLimits, RuntimeEnv, StopReason};

use crate::error::CliError;
use crate::inbox::read_inbox;
use crate::report::RunSummary;

/// Arguments of `avm run`.
#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// The executable (.mexe).
    pub program: PathBuf,
    /// A JSON array of inbox messages in value JSON.
    #[arg(long, value_name = "MESSAGES.json")]
    pub inbox: Option<PathBuf>,
    /// Stop after this many steps in total.
    #[arg(long, value_name = "N")]
    pub max_steps: Option<u64>,
    /// Stop before the instruction that would take total gas used above N.
    #[arg(long, value_name = "N")]
    pub max_gas: Option<u64>,
    /// Keep running through `breakpoint` instructions instead of stopping there.
    #[arg(long)]
    pub ignore_breakpoints: bool,
    /// Print exactly one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Runs the program and prints the summary.
pub fn run(args: &RunArgs) -> Result<(), CliError> {
    let options = LoadOptions::default();
    let program = load_mexe(&args.program, &options)?;
    let messages = match &args.inbox {
        Some(path) => read_inbox(path, &program.code, &options.limits)?,
        None => Vec::new(),
    };
    let mut machine = Machine::new(program);
    let mut env = RuntimeEnv::with_inbox(messages);
    let limits = RunLimits {
        max_steps: args.max_steps,
        max_gas: args.max_gas,
    };
    let mut report = machine.run(&mut env, &limits);
    while args.ignore_breakpoints && report.reason == StopReason::Breakpoint {
        report = machine.run(&mut env, &limits);
    }
    let summary = RunSummary::new(&mut machine, &report, &env);
    if args.json {
        println!("{}", summary.to_json());
    } else {
        print!("{}", summary.to_text());
    }
    Ok(())
}
