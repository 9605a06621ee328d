//! `avm replay`: re-run a recorded inbox log (.aoslog) and compare the outputs.

use std::path::PathBuf;
use std::process::ExitCode;

use avm_machine::RunLimits;
use avm_tools::replay::{parse_aoslog, Replay, ReplayReport};

use crate::bounds::{self, read_file};
use crate::error::CliError;
use crate::progress::Progress;

/// Arguments of `avm replay`.
#[derive(clap::Args, Debug)]
pub struct ReplayArgs {
    /// The executable (.mexe), e.g. ArbOS.
    pub program: PathBuf,
    /// The recording (.aoslog): inbox, logs, sends and total gas.
    pub log: PathBuf,
    /// Stop once the machine has executed N steps.
    #[arg(long, value_name = "N")]
    pub max_steps: Option<u64>,
    /// Stop before the instruction that would take gas used above N.
    #[arg(long, value_name = "N")]
    pub max_gas: Option<u64>,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// Replays; exit 0 when everything matches, 1 when something differs.
pub fn run(args: &ReplayArgs) -> Result<ExitCode, CliError> {
    let program = bounds::load_mexe(&args.program)?;
    let bytes = read_file(&args.log)?;
    let recording =
        parse_aoslog(&bytes, &program.code, &bounds::get().value_limits()).map_err(|error| {
            CliError::Json {
                path: args.log.display().to_string(),
                error,
            }
        })?;
    let limits = RunLimits {
        max_steps: args.max_steps,
        max_gas: args.max_gas,
    };
    let progress = Progress::new(!args.json);
    let mut replay = Replay::new(program, recording);
    replay.runtime = progress.attach(replay.runtime);
    let (report, machine) = replay.run(&limits, &mut ());
    progress.finish();
    if args.json {
        outln!("{}", json_report(&report, machine.code()));
    } else {
        out!("{}", text_report(args, &report, machine.code()));
    }
    Ok(if report.matches() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn json_report(report: &ReplayReport, code: &avm_code::Code) -> String {
    let difference = report
        .first_difference
        .as_ref()
        .map_or_else(|| "null".to_owned(), |d| d.to_json(code));
    let expected_gas = report
        .expected_gas
        .map_or_else(|| "null".to_owned(), |g| g.to_string());
    format!(
        "{{\"match\":{},\"steps\":{},\"gas_used\":{},\"expected_gas\":{expected_gas},\"logs\":{},\"expected_logs\":{},\"sends\":{},\"expected_sends\":{},\"first_difference\":{difference},\"seconds\":{},\"comparing_seconds\":{},\"status\":\"{}\"}}",
        report.matches(),
        report.steps,
        report.gas_used,
        report.logs,
        report.expected_logs,
        report.sends,
        report.expected_sends,
        report.seconds,
        report.comparing_seconds,
        report.status.name(),
    )
}

fn text_report(args: &ReplayArgs, report: &ReplayReport, code: &avm_code::Code) -> String {
    let verdict = if report.matches() {
        "match"
    } else {
        "MISMATCH"
    };
    let recorded_gas = report
        .expected_gas
        .map_or_else(|| "not recorded".to_owned(), |g| format!("recorded {g}"));
    let rate = |n: u64| n as f64 / report.seconds.max(1e-9) / 1e6;
    let mut out = format!(
        "replay of {} on {}: {verdict}\nstatus     {}\nsteps      {}\ngas used   {} ({recorded_gas})\nlogs       {} (recorded {})\nsends      {} (recorded {})\ntime       {:.3} s ({:.1} M steps/s, {:.1} M AVMGas/s), and {:.3} s comparing outputs\n",
        args.log.display(),
        args.program.display(),
        report.status.name(),
        report.steps,
        report.gas_used,
        report.logs,
        report.expected_logs,
        report.sends,
        report.expected_sends,
        report.seconds,
        rate(report.steps),
        rate(report.gas_used),
        report.comparing_seconds,
    );
    if let Some(difference) = &report.first_difference {
        out.push_str("first difference: ");
        out.push_str(&difference.to_text(code));
        out.push('\n');
    }
    out
}
