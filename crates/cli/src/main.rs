//! `avm`: run, inspect and hash Arbitrum Virtual Machine programs.

// Output goes through the `output` module, which never panics on a closed pipe.
#![deny(clippy::print_stdout, clippy::print_stderr)]

#[macro_use]
mod output;

mod bounds;
mod commands;
mod dev;
mod error;
mod inbox;
mod progress;
mod report;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// The Arbitrum Virtual Machine.
#[derive(Parser, Debug)]
#[command(name = "avm", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    bounds: bounds::InputBounds,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run a program (optionally with an inbox and checkpoints) and report the outcome.
    Run(commands::run::RunArgs),
    /// Continue the newest checkpoint of a store.
    Resume(commands::resume::ResumeArgs),
    /// List (and prune) the checkpoints of a store.
    Checkpoints(commands::checkpoints::CheckpointsArgs),
    /// Print the hash of a value.
    Hash(commands::hash::HashArgs),
    /// Show what an executable holds and how long it takes to load.
    Info(commands::info::InfoArgs),
    /// Write the one-step proof of step N of a run.
    Prove(commands::prove::ProveArgs),
    /// Check a one-step proof file on its own.
    Verify(commands::verify::VerifyArgs),
    /// Play the bisection challenge between an honest party and a liar.
    Challenge(commands::challenge::ChallengeArgs),
    /// Assemble AVM assembly (.avm) into an executable (.mexe).
    Asm(commands::asm::AsmArgs),
    /// Print an executable as AVM assembly.
    Disasm(commands::disasm::DisasmArgs),
    /// Debug a program interactively (commands on stdin; works from a pipe).
    Debug(commands::debug::DebugArgs),
    /// Show where a run spends its AVMGas: a table and a flamegraph.
    Profile(commands::profile::ProfileArgs),
    /// Re-run a recorded inbox log (.aoslog) and compare logs, sends and gas.
    Replay(commands::replay::ReplayArgs),
    /// Run programs under a gas cap and report steps/s and AVMGas/s.
    Bench(commands::bench::BenchArgs),
    /// An L1 with the Classic rollup: an embedded dev chain over JSON-RPC, or deploy
    /// the rollup on a real Ethereum node.
    L1(commands::l1::L1Args),
    /// An Arbitrum Classic chain in one process: ArbOS on avm as the L2 of a rollup on
    /// the embedded (or a real) L1, a sequencer, validators, and Ethereum JSON-RPC
    /// (or, with --follow, the chain rebuilt from the L1 alone).
    Node(commands::node::NodeArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    bounds::install(cli.bounds.clone());
    let result = match &cli.command {
        Command::Run(args) => commands::run::run(args).map(|()| ExitCode::SUCCESS),
        Command::Resume(args) => commands::resume::run(args).map(|()| ExitCode::SUCCESS),
        Command::Checkpoints(args) => commands::checkpoints::run(args).map(|()| ExitCode::SUCCESS),
        Command::Hash(args) => commands::hash::run(args).map(|()| ExitCode::SUCCESS),
        Command::Info(args) => commands::info::run(args).map(|()| ExitCode::SUCCESS),
        Command::Prove(args) => commands::prove::run(args).map(|()| ExitCode::SUCCESS),
        Command::Verify(args) => commands::verify::run(args),
        Command::Challenge(args) => commands::challenge::run(args),
        Command::Asm(args) => commands::asm::run(args).map(|()| ExitCode::SUCCESS),
        Command::Disasm(args) => commands::disasm::run(args).map(|()| ExitCode::SUCCESS),
        Command::Debug(args) => commands::debug::run(args).map(|()| ExitCode::SUCCESS),
        Command::Profile(args) => commands::profile::run(args).map(|()| ExitCode::SUCCESS),
        Command::Replay(args) => commands::replay::run(args),
        Command::Bench(args) => commands::bench::run(args).map(|()| ExitCode::SUCCESS),
        Command::L1(args) => commands::l1::run(args).map(|()| ExitCode::SUCCESS),
        Command::Node(args) => commands::node::run(args).map(|()| ExitCode::SUCCESS),
    };
    let code = match result {
        Ok(code) => code,
        // The reader of stdout went away (`| head`): it had enough; stop quietly.
        Err(e) if output::stdout_closed() && e.is_closed_pipe() => ExitCode::SUCCESS,
        Err(e) => {
            errln!("error: {e}");
            ExitCode::from(2)
        }
    };
    match output::write_failure() {
        Some(failure) => {
            errln!("error: writing to stdout: {failure}");
            ExitCode::from(2)
        }
        None => code,
    }
}
