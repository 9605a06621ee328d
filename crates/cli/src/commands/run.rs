//! `avm run`: load a program, feed it an inbox, run it (optionally saving checkpoints),
//! and report what happened. The run options and the driving loop are shared with
//! `avm resume`.

use std::path::PathBuf;

use avm_machine::{Machine, Observer, RunLimits, RunReport, Runtime, RuntimeEnv, StopReason};
use avm_store::Store;
use avm_value::Value;

use crate::error::CliError;
use crate::inbox::ProgramInput;
use crate::progress::Progress;
use crate::report::RunSummary;
use avm_tools::replay::aoslog_of_run;
use avm_tools::trace::parse_range;
use avm_tools::{Labels, Tracer};

/// Options shared by `avm run` and `avm resume`.
#[derive(clap::Args, Debug)]
pub struct RunOptions {
    /// Stop once the machine has executed N steps in total.
    #[arg(long, value_name = "N")]
    pub max_steps: Option<u64>,
    /// Stop before the instruction that would take total gas used above N (counted
    /// from the start of the machine, also when resuming).
    #[arg(long, value_name = "N")]
    pub max_gas: Option<u64>,
    /// Stop after a `breakpoint` instruction (status "breakpoint"). Without it a run
    /// treats `breakpoint` as the deployed AVM does: it costs its gas and execution
    /// continues.
    #[arg(long)]
    pub stop_at_breakpoint: bool,
    /// Accepted for older scripts: running through breakpoints is the default now.
    #[arg(long, hide = true, conflicts_with = "stop_at_breakpoint")]
    pub ignore_breakpoints: bool,
    /// With a store: save a checkpoint every N steps (and always at the end).
    #[arg(long, value_name = "N")]
    pub checkpoint_every: Option<u64>,
    /// Print exactly one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `avm run`.
#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// The program and its inbox.
    #[command(flatten)]
    pub input: ProgramInput,
    /// Save checkpoints in this directory (a new store; continue it with `avm resume`).
    #[arg(long, value_name = "DIR")]
    pub store: Option<PathBuf>,
    /// Write one JSON line per step to FILE (stdout if no FILE is given; the summary
    /// then goes to stderr).
    #[arg(long, value_name = "FILE", num_args = 0..=1, default_missing_value = "-")]
    pub trace: Option<PathBuf>,
    /// Trace only instructions whose index (as `avm disasm` numbers them) is in this
    /// range: A..B (B excluded), A.., ..B or A.
    #[arg(long, value_name = "RANGE", requires = "trace")]
    pub trace_range: Option<String>,
    /// Write the run as a recording (.aoslog: the inbox given, the logs and sends
    /// produced, the total gas) that `avm replay` checks later runs against.
    #[arg(long, value_name = "FILE.aoslog")]
    pub record: Option<PathBuf>,
    /// Run options.
    #[command(flatten)]
    pub options: RunOptions,
}

impl RunOptions {
    /// A runtime for `machine` with `messages` queued, set up as these options say,
    /// reporting to `progress`.
    pub fn runtime(&self, machine: Machine, messages: Vec<Value>, progress: &Progress) -> Runtime {
        let runtime = Runtime::with_env(machine, RuntimeEnv::with_inbox(messages));
        let runtime = progress.attach(runtime);
        if self.stop_at_breakpoint {
            runtime
        } else {
            runtime.ignore_breakpoints()
        }
    }
}

/// Runs under `options`, saving checkpoints into `store` if given, with `observer`
/// watching every step.
pub fn drive(
    runtime: &mut Runtime,
    options: &RunOptions,
    mut store: Option<&mut Store>,
    observer: &mut impl Observer,
) -> Result<RunReport, CliError> {
    let start_steps = runtime.machine.steps();
    let start_gas = runtime.machine.gas_used();
    let every = options
        .checkpoint_every
        .filter(|n| *n > 0 && store.is_some());
    let report = loop {
        let steps = runtime.machine.steps();
        let next_checkpoint = every.map(|n| (steps / n + 1) * n);
        let max_steps = match (options.max_steps, next_checkpoint) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let limits = RunLimits {
            max_steps,
            max_gas: options.max_gas,
        };
        let report = runtime.run_with(&limits, observer);
        let steps = runtime.machine.steps();
        let at_checkpoint = report.reason == StopReason::StepLimit
            && next_checkpoint == Some(steps)
            && options.max_steps != Some(steps);
        if !at_checkpoint {
            break report;
        }
        if let Some(store) = store.as_deref_mut() {
            store
                .save(&mut runtime.machine)
                .map_err(|e| CliError::Input(e.to_string()))?;
        }
    };
    if let Some(store) = store {
        store
            .save(&mut runtime.machine)
            .map_err(|e| CliError::Input(e.to_string()))?;
    }
    Ok(RunReport {
        reason: report.reason,
        steps: runtime.machine.steps() - start_steps,
        gas: runtime.machine.gas_used() - start_gas,
    })
}

/// Prints the summary of a finished run (on stderr if stdout carries a trace).
pub fn print_summary(runtime: &mut Runtime, report: &RunReport, json: bool, to_stderr: bool) {
    let summary = RunSummary::new(&mut runtime.machine, report, &runtime.env);
    let text = if json {
        summary.to_json() + "\n"
    } else {
        summary.to_text()
    };
    if to_stderr {
        crate::output::write_stderr(format_args!("{text}"));
    } else {
        out!("{text}");
    }
}

/// Where a trace goes.
fn trace_writer(path: &std::path::Path) -> Result<Box<dyn std::io::Write>, CliError> {
    if path.as_os_str() == "-" {
        return Ok(Box::new(std::io::BufWriter::new(crate::output::Stdout)));
    }
    let file = crate::error::create_file(path)?;
    Ok(Box::new(std::io::BufWriter::new(file)))
}

/// Writes the recording `--record` asks for.
fn record(args: &RunArgs, inbox: Option<&[Value]>, runtime: &Runtime) -> Result<(), CliError> {
    let (Some(path), Some(inbox)) = (&args.record, inbox) else {
        return Ok(());
    };
    crate::error::write_file(path, aoslog_of_run(inbox, runtime))
}

/// Runs the program and prints the summary.
pub fn run(args: &RunArgs) -> Result<(), CliError> {
    let (program, messages) = args.input.load()?;
    let mut store = match &args.store {
        Some(dir) => {
            let store = Store::open(dir).map_err(|e| CliError::Input(e.to_string()))?;
            if store
                .latest()
                .map_err(|e| CliError::Input(e.to_string()))?
                .is_some()
            {
                return Err(CliError::Input(format!(
                    "{} already holds checkpoints; continue it with `avm resume {}`",
                    dir.display(),
                    dir.display()
                )));
            }
            Some(store)
        }
        None => None,
    };
    let debug = program.debug.clone();
    let inbox = args.record.as_ref().map(|_| messages.clone());
    let progress = Progress::new(!args.options.json);
    let mut runtime = args
        .options
        .runtime(Machine::new(program), messages, &progress);
    if let Some(store) = store.as_mut() {
        store
            .save(&mut runtime.machine)
            .map_err(|e| CliError::Input(e.to_string()))?;
    }
    let Some(trace_path) = &args.trace else {
        let report = drive(&mut runtime, &args.options, store.as_mut(), &mut ())?;
        progress.finish();
        record(args, inbox.as_deref(), &runtime)?;
        print_summary(&mut runtime, &report, args.options.json, false);
        return Ok(());
    };
    let range = args
        .trace_range
        .as_deref()
        .map(parse_range)
        .transpose()
        .map_err(|e| CliError::Input(format!("--trace-range: {e}")))?;
    let machine = &runtime.machine;
    let labels = Labels::new(machine.code(), machine.static_value(), &debug);
    let mut tracer = Tracer::new(trace_writer(trace_path)?, labels, range);
    let report = drive(&mut runtime, &args.options, store.as_mut(), &mut tracer)?;
    progress.finish();
    match tracer.finish() {
        Ok(_) => {}
        // The reader went away (`| head`): stop quietly, as Unix tools do.
        Err(e) if crate::output::is_closed_pipe(&e) => return Ok(()),
        Err(source) => {
            return Err(CliError::Io {
                path: trace_path.display().to_string(),
                source,
            })
        }
    }
    record(args, inbox.as_deref(), &runtime)?;
    let to_stderr = trace_path.as_os_str() == "-";
    print_summary(&mut runtime, &report, args.options.json, to_stderr);
    Ok(())
}
