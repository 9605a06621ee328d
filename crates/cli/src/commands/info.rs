//! `avm info`: what an executable holds, and how long it takes to load.

use std::path::PathBuf;
use std::time::Instant;

use avm_value::{value_hash, CodeView};

use crate::error::CliError;

/// Arguments of `avm info`.
#[derive(clap::Args, Debug)]
pub struct InfoArgs {
    /// The executable (.mexe).
    pub program: PathBuf,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Loads the program and prints its facts.
pub fn run(args: &InfoArgs) -> Result<(), CliError> {
    let start = Instant::now();
    let program = crate::bounds::load_mexe(&args.program)?;
    let load_time = start.elapsed();
    let static_hash = value_hash(&program.static_value, &program.code);
    let entry_hash = program.code.code_point_hash(program.entry());
    let located = program.debug.locations.iter().flatten().count();
    if args.json {
        let out = serde_json::json!({
            "program": args.program.display().to_string(),
            "instructions": program.instruction_count(),
            "static_hash": static_hash.to_string(),
            "entry_code_point_hash": entry_hash.to_string(),
            "load_seconds": load_time.as_secs_f64(),
            "arbos_version": program.arbos_version,
            "instructions_with_source_locations": located,
            "source_files": program.debug.file_names.len(),
        });
        outln!("{out}");
    } else {
        outln!("program                 {}", args.program.display());
        outln!("instructions            {}", program.instruction_count());
        outln!("static hash             {static_hash}");
        outln!("entry code point hash   {entry_hash}");
        outln!(
            "load time               {:.1} ms",
            load_time.as_secs_f64() * 1e3
        );
        if let Some(v) = program.arbos_version {
            outln!("arbos version           {v}");
        }
        if located > 0 {
            outln!(
                "debug info              {located} instructions located in {} source files",
                program.debug.file_names.len()
            );
        }
    }
    Ok(())
}
