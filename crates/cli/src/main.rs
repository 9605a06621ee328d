//! `avm`: run, inspect and hash Arbitrum Virtual Machine programs.

mod commands;
mod error;
mod inbox;
mod report;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// The Arbitrum Virtual Machine.
#[derive(Parser, Debug)]
#[command(name = "avm", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run a program (optionally with an inbox) and report the outcome.
    Run(commands::run::RunArgs),
    /// Print the hash of a value.
    Hash(commands::hash::HashArgs),
    /// Show what an executable holds and how long it takes to load.
    Info(commands::info::InfoArgs),
    /// Write the one-step proof of step N of a run.
    Prove(commands::prove::ProveArgs),
    /// Check a one-step proof file on its own.
    Verify(commands::verify::VerifyArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Run(args) => commands::run::run(args).map(|()| ExitCode::SUCCESS),
        Command::Hash(args) => commands::hash::run(args).map(|()| ExitCode::SUCCESS),
        Command::Info(args) => commands::info::run(args).map(|()| ExitCode::SUCCESS),
        Command::Prove(args) => commands::prove::run(args).map(|()| ExitCode::SUCCESS),
        Command::Verify(args) => commands::verify::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
