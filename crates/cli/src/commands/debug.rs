//! `avm debug`: the interactive debugger, reading commands from stdin (a terminal or
//! a pipe).

use std::io::IsTerminal;

use avm_tools::Debugger;

use crate::error::CliError;
use crate::inbox::ProgramInput;

/// Arguments of `avm debug`.
#[derive(clap::Args, Debug)]
pub struct DebugArgs {
    /// The program and its inbox.
    #[command(flatten)]
    pub input: ProgramInput,
    /// Never let the machine run past this many steps in total (protects scripted
    /// sessions from endless loops).
    #[arg(long, value_name = "N")]
    pub max_steps: Option<u64>,
}

/// Runs a debugging session on stdin / stdout.
pub fn run(args: &DebugArgs) -> Result<(), CliError> {
    let (program, messages) = args.input.load()?;
    let mut debugger = Debugger::new(program, messages);
    debugger.max_steps = args.max_steps;
    let stdin = std::io::stdin();
    let prompt = stdin.is_terminal();
    if prompt {
        outln!("avm debug: `help` lists the commands");
    }
    let mut out = std::io::BufWriter::new(crate::output::Stdout);
    debugger
        .run_session(stdin.lock(), &mut out, prompt)
        .map_err(|source| CliError::Io {
            path: "stdout".to_owned(),
            source,
        })
}
