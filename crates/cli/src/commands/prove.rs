//! `avm prove`: the one-step proof of step N of a run, with its claims.

use std::path::PathBuf;

use avm_machine::{Machine, RunLimits, RuntimeEnv, StopReason};
use avm_prover::{claim, prove_step};
use avm_value::value_hash;
use avm_verifier::{InboxAccumulators, InboxOracle, InboxWindow, StepProofFile};

use crate::error::CliError;
use crate::inbox::ProgramInput;

/// Arguments of `avm prove`.
#[derive(clap::Args, Debug)]
pub struct ProveArgs {
    /// The program and its inbox.
    #[command(flatten)]
    pub input: ProgramInput,
    /// The step to prove, counting from 0.
    #[arg(long, value_name = "N")]
    pub step: u64,
    /// Where to write the proof (binary, or JSON if the name ends in .json); without
    /// it the JSON form goes to stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Runs to step N, proves it, executes it, and writes the proof file.
pub fn run(args: &ProveArgs) -> Result<(), CliError> {
    let (program, messages) = args.input.load()?;
    let mut machine = Machine::new(program);
    let mut env = RuntimeEnv::with_inbox(messages.clone());
    let limits = RunLimits {
        max_steps: Some(args.step),
        max_gas: None,
    };
    let mut report = machine.run(&mut env, &limits);
    while report.reason == StopReason::Breakpoint {
        report = machine.run(&mut env, &limits);
    }
    if machine.steps() < args.step {
        return Err(CliError::Input(format!(
            "the machine stops ({}) after {} steps, before step {}",
            report.reason.name(),
            machine.steps(),
            args.step
        )));
    }
    let step = prove_step(&mut machine, &messages).map_err(|e| CliError::Input(e.to_string()))?;
    machine.step(&mut env);
    let post = claim(&mut machine);
    let accs = InboxAccumulators::from_message_hashes(
        messages.iter().map(|m| value_hash(m, machine.code())),
    );
    let first = step.pre.inbox_consumed;
    let window = InboxWindow {
        first,
        accs: (first..first + 2)
            .map_while(|k| accs.acc_after(k))
            .collect(),
    };
    let file = StepProofFile {
        pre: step.pre,
        post,
        inbox: window,
        proof: step.proof,
    };
    match &args.output {
        Some(path) => {
            let bytes = if path.extension().is_some_and(|e| e == "json") {
                serde_json::to_vec_pretty(&file.to_json()).unwrap_or_default()
            } else {
                file.to_bytes()
            };
            std::fs::write(path, &bytes).map_err(|source| CliError::Io {
                path: path.display().to_string(),
                source,
            })?;
            errln!(
                "proof of step {} ({}, {} bytes) written to {}",
                args.step,
                avm_code::mnemonic_for_byte(file.proof.opcode),
                file.proof.to_bytes().len(),
                path.display()
            );
        }
        None => outln!(
            "{}",
            serde_json::to_string_pretty(&file.to_json()).unwrap_or_default()
        ),
    }
    Ok(())
}
