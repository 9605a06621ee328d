//! `avm disasm`: print an executable as AVM assembly that `avm asm` turns back into
//! the same program.

use std::path::PathBuf;

use avm_tools::disassemble;

use crate::error::CliError;

/// Arguments of `avm disasm`.
#[derive(clap::Args, Debug)]
pub struct DisasmArgs {
    /// The executable (.mexe).
    pub program: PathBuf,
    /// Write the assembly here instead of stdout.
    #[arg(short, long, value_name = "FILE.avm")]
    pub output: Option<PathBuf>,
}

/// Disassembles the program.
pub fn run(args: &DisasmArgs) -> Result<(), CliError> {
    let program = crate::bounds::load_mexe(&args.program)?;
    let text = disassemble(&program);
    match &args.output {
        Some(path) => crate::error::write_file(path, text),
        None => {
            out!("{text}");
            Ok(())
        }
    }
}
