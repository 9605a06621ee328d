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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Run(args) => commands::run::run(args),
        Command::Hash(args) => commands::hash::run(args),
        Command::Info(args) => commands::info::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
