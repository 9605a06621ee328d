//! `avm asm`: assemble AVM assembly (docs/assembly.md) into a .mexe executable.

use std::path::PathBuf;

use avm_code::write_mexe;
use avm_machine::Machine;
use avm_tools::assemble;

use crate::bounds::read_file;
use crate::error::CliError;

/// Arguments of `avm asm`.
#[derive(clap::Args, Debug)]
pub struct AsmArgs {
    /// The assembly source (.avm).
    pub source: PathBuf,
    /// Where to write the executable (default: the source with extension .mexe).
    #[arg(short, long, value_name = "FILE.mexe")]
    pub output: Option<PathBuf>,
}

/// Assembles the file and reports the program hash.
pub fn run(args: &AsmArgs) -> Result<(), CliError> {
    let bytes = read_file(&args.source)?;
    let name = args.source.display().to_string();
    let text =
        String::from_utf8(bytes).map_err(|_| CliError::Input(format!("{name}: not UTF-8 text")))?;
    let file_name = args
        .source
        .file_name()
        .map_or_else(|| name.clone(), |n| n.to_string_lossy().into_owned());
    let program = assemble(&text, &file_name, &crate::bounds::get().value_limits())
        .map_err(|e| CliError::Input(format!("{name}:{e}")))?;
    let output = args
        .output
        .clone()
        .unwrap_or_else(|| args.source.with_extension("mexe"));
    std::fs::write(&output, write_mexe(&program)).map_err(|source| CliError::Io {
        path: output.display().to_string(),
        source,
    })?;
    let count = program.instruction_count();
    let hash = Machine::new(program).hash();
    outln!(
        "wrote {}: {count} instructions, initial machine hash {hash}",
        output.display()
    );
    Ok(())
}
