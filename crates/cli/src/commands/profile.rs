//! `avm profile`: run a program and show where its AVMGas goes, as a sorted table and
//! optionally a flamegraph SVG and folded stacks.

use std::path::PathBuf;

use avm_machine::{Machine, RunLimits, Runtime, RuntimeEnv};
use avm_tools::profile::Grouping;
use avm_tools::{Labels, Profiler};

use crate::error::CliError;
use crate::inbox::ProgramInput;
use crate::progress::Progress;

/// Arguments of `avm profile`.
#[derive(clap::Args, Debug)]
pub struct ProfileArgs {
    /// The program and its inbox.
    #[command(flatten)]
    pub input: ProgramInput,
    /// Write a flamegraph of AVMGas here (SVG).
    #[arg(short, long, value_name = "FILE.svg")]
    pub output: Option<PathBuf>,
    /// Write the folded stacks (`frames gas` per line) here.
    #[arg(long, value_name = "FILE")]
    pub folded: Option<PathBuf>,
    /// Group rows by source `line` (where the executable has line information) or by
    /// code `region` (from one label or jump target to the next). Default: line if
    /// the executable has line information, else region.
    #[arg(long, value_name = "HOW", value_parser = ["line", "region"])]
    pub by: Option<String>,
    /// Rows of the table.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub top: usize,
    /// Stop once the machine has executed N steps.
    #[arg(long, value_name = "N")]
    pub max_steps: Option<u64>,
    /// Stop before the instruction that would take gas used above N.
    #[arg(long, value_name = "N")]
    pub max_gas: Option<u64>,
    /// Print one JSON object instead of the table.
    #[arg(long)]
    pub json: bool,
}

/// Runs the program under the profiler and reports.
pub fn run(args: &ProfileArgs) -> Result<(), CliError> {
    let (program, messages) = args.input.load()?;
    let labels = Labels::for_program(&program);
    let debug = program.debug.clone();
    let mut profiler = Profiler::new(u64::from(program.instruction_count()));
    let limits = RunLimits {
        max_steps: args.max_steps,
        max_gas: args.max_gas,
    };
    let progress = Progress::new(!args.json);
    let runtime = Runtime::with_env(Machine::new(program), RuntimeEnv::with_inbox(messages));
    let mut runtime = progress.attach(runtime).ignore_breakpoints();
    let reason = runtime.run_with(&limits, &mut profiler).reason;
    progress.finish();
    let machine = runtime.machine;
    let by = match args.by.as_deref() {
        Some("region") => Grouping::Region,
        Some(_) => Grouping::Line,
        None if debug.locations.is_empty() => Grouping::Region,
        None => Grouping::Line,
    };
    let profile = profiler.report(&machine, &labels, &debug, by);
    let name = args.input.program.file_name().map_or_else(
        || args.input.program.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let title = format!(
        "avm profile: {name} ({} steps, {} AVMGas)",
        machine.steps(),
        machine.gas_used()
    );
    if let Some(path) = &args.output {
        let io_error = |source| CliError::Io {
            path: path.display().to_string(),
            source,
        };
        let file = crate::error::create_file(path)?;
        profile
            .write_flamegraph(&title, std::io::BufWriter::new(file))
            .map_err(io_error)?;
    }
    if let Some(path) = &args.folded {
        let mut text = profile.folded().join("\n");
        text.push('\n');
        crate::error::write_file(path, text)?;
    }
    if args.json {
        let rows: Vec<serde_json::Value> = profile
            .rows
            .iter()
            .map(|(unit, cost)| {
                serde_json::json!({"where": unit, "gas": cost.gas, "steps": cost.steps})
            })
            .collect();
        outln!(
            "{}",
            serde_json::json!({
                "status": reason.name(),
                "steps": machine.steps(),
                "gas_used": machine.gas_used(),
                "rows": rows,
            })
        );
    } else {
        outln!("{title}, stopped: {}", reason.name());
        out!("{}", profile.table(args.top));
        if let Some(path) = &args.output {
            outln!("flamegraph written to {}", path.display());
        }
    }
    Ok(())
}
