//! `avm challenge`: play the bisection game between an honest party and a liar (or
//! two honest parties) and report each round, the winner and the costs.

use avm_challenge::{
    play_with, start_claim, Dispute, GameReport, HonestParty, Liar, Lie, Party, Role, MAX_DEGREE,
};
use avm_machine::{Machine, RunLimits, RuntimeEnv, StopReason};
use avm_value::value_hash;
use avm_verifier::InboxAccumulators;

use crate::error::CliError;
use crate::inbox::ProgramInput;

/// Which side lies.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LiarRole {
    /// The asserter lies.
    Asserter,
    /// The challenger lies.
    Challenger,
}

/// How the liar lies.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// Claims wrong states from --lie-at on.
    LieAt,
    /// Claims the machine stopped at --lie-at: repeats that state from there on.
    StopsAt,
    /// Claims the machine never stops: from --lie-at on, one more step each step.
    NeverStops,
    /// Claims a wrong final state (as challenger: disputes a correct one).
    WrongFinal,
    /// Claims the right final state but wrong intermediate ones (the challenger audits).
    WrongIntermediate,
    /// As challenger: disputes a part it agrees with.
    PicksAgreed,
    /// As challenger: submits an altered one-step proof.
    ForgedProof,
    /// (--protocol classic) Claims a wrong end, then never moves.
    Silent,
}

/// Which bisection game to play.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Protocol {
    /// Our own game: steps cut into --degree parts, refereed natively.
    #[default]
    Avm,
    /// Arbitrum Classic's: AVMGas cut 400 ways, refereed by the deployed Challenge
    /// contract in an embedded EVM.
    Classic,
}

/// Arguments of `avm challenge`.
#[derive(clap::Args, Debug)]
pub struct ChallengeArgs {
    /// The executable (.mexe). With --check-transcript (optional there): the program
    /// the game was over, re-executed to say whose claim was true.
    #[arg(required_unless_present_any = ["check_transcript", "program_flag"])]
    pub program: Option<std::path::PathBuf>,
    /// The executable, named by flag (the same as the positional PROGRAM).
    #[arg(long = "program", value_name = "P.mexe", conflicts_with = "program")]
    pub program_flag: Option<std::path::PathBuf>,
    /// A JSON array of inbox messages in value JSON.
    #[arg(long, value_name = "MESSAGES.json")]
    pub inbox: Option<std::path::PathBuf>,
    /// Take the inbox from a recorded run instead (an .aoslog, as `avm replay` reads:
    /// e.g. ArbOS's benchmark logs).
    #[arg(long, value_name = "LOG.aoslog", conflicts_with = "inbox")]
    pub replay: Option<std::path::PathBuf>,
    /// Steps the assertion covers (--protocol avm, required). A machine that halts,
    /// errors to a stop or blocks on its inbox before then stays as it is: the
    /// assertion claims its stopped state.
    #[arg(long, value_name = "N")]
    pub steps: Option<u64>,
    /// Which game: our own (avm) or Arbitrum Classic's on the deployed contracts.
    #[arg(long, value_enum, default_value_t = Protocol::Avm)]
    pub protocol: Protocol,
    /// The Classic protocol's options.
    #[command(flatten)]
    pub classic: super::challenge_classic::ClassicArgs,
    /// Parts each dissection splits a segment into.
    #[arg(long, value_name = "K", default_value_t = 2)]
    pub degree: u64,
    /// Which side lies (both are honest if not given).
    #[arg(long)]
    pub liar: Option<LiarRole>,
    /// How the liar lies.
    #[arg(long, value_enum, default_value_t = Strategy::LieAt)]
    pub strategy: Strategy,
    /// For --strategy lie-at, stops-at and never-stops: the first step whose claim is
    /// a lie (0: the liar's view of the start is false too; the game still starts
    /// from the agreed state). With --protocol classic: the first AVMGas whose claim
    /// is a lie (default: the middle of the asserted range).
    #[arg(long, value_name = "STEP")]
    pub lie_at: Option<u64>,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// Plays the game and prints the report.
pub fn run(args: &ChallengeArgs) -> Result<std::process::ExitCode, CliError> {
    let program = args.program.as_ref().or(args.program_flag.as_ref());
    if let Some(path) = &args.classic.check_transcript {
        let against = match program {
            Some(program) => Some(
                ProgramInput {
                    program: program.clone(),
                    inbox: args.inbox.clone(),
                    replay: args.replay.clone(),
                }
                .load()?,
            ),
            None => None,
        };
        return super::challenge_classic::check(&args.classic, path, args.json, against);
    }
    let Some(program) = program else {
        return Err(CliError::Input(
            "a program is required (or --check-transcript F.json)".into(),
        ));
    };
    let input = &ProgramInput {
        program: program.clone(),
        inbox: args.inbox.clone(),
        replay: args.replay.clone(),
    };
    if args.protocol == Protocol::Classic {
        let (program, inbox) = input.load()?;
        let liar = args
            .liar
            .map(|role| super::challenge_classic::ClassicLiarChoice {
                role: super::challenge_classic::role_of(role == LiarRole::Asserter),
                strategy: match args.strategy {
                    Strategy::LieAt => "lie-at",
                    Strategy::StopsAt => "stops-at",
                    Strategy::NeverStops => "never-stops",
                    Strategy::WrongFinal => "wrong-final",
                    Strategy::WrongIntermediate => "wrong-intermediate",
                    Strategy::PicksAgreed => "picks-agreed",
                    Strategy::ForgedProof => "forged-proof",
                    Strategy::Silent => "silent",
                },
                lie_at: args.lie_at,
            });
        return super::challenge_classic::run(&args.classic, program, &inbox, liar, args.json)
            .map(|()| std::process::ExitCode::SUCCESS);
    }
    let Some(steps) = args.steps else {
        return Err(CliError::Input(
            "--steps N is required (the steps the assertion covers)".into(),
        ));
    };
    run_avm(args, input, steps).map(|()| std::process::ExitCode::SUCCESS)
}

fn run_avm(args: &ChallengeArgs, input: &ProgramInput, steps: u64) -> Result<(), CliError> {
    if !(2..=MAX_DEGREE).contains(&args.degree) {
        return Err(CliError::Input(format!(
            "--degree must be between 2 and {MAX_DEGREE}"
        )));
    }
    let (program, inbox) = input.load()?;
    let machine = Machine::new(program);
    let stop = run_until_stopped(&machine, &inbox, steps);
    let at = args
        .lie_at
        .unwrap_or((steps / 2).saturating_add(1))
        .min(steps);
    let lie = match args.strategy {
        Strategy::LieAt => Lie::At(at),
        Strategy::StopsAt => Lie::StopsAt(at),
        Strategy::NeverStops => Lie::NeverStops(at),
        Strategy::WrongFinal => Lie::WrongFinal,
        Strategy::WrongIntermediate => Lie::WrongIntermediate,
        Strategy::PicksAgreed => Lie::PicksAgreed,
        Strategy::ForgedProof => Lie::ForgedProof,
        Strategy::Silent => {
            return Err(CliError::Input(
                "--strategy silent is a Classic strategy (--protocol classic)".into(),
            ))
        }
    };
    let accs =
        InboxAccumulators::from_message_hashes(inbox.iter().map(|m| value_hash(m, machine.code())));
    let honest = || HonestParty::new(machine.clone(), inbox.clone(), args.degree);
    let mut asserter: Box<dyn Party> = match args.liar {
        Some(LiarRole::Asserter) => Box::new(Liar::new(honest(), lie, steps)),
        _ => Box::new(honest()),
    };
    let mut challenger: Box<dyn Party> = match args.liar {
        Some(LiarRole::Challenger) => Box::new(Liar::new(honest(), lie, steps)),
        _ => Box::new(honest()),
    };
    let dispute = if args.liar == Some(LiarRole::Asserter) && lie == Lie::WrongIntermediate {
        Dispute::Always
    } else {
        Dispute::IfItDisagrees
    };
    let report = play_with(
        start_claim(&machine),
        steps,
        args.degree,
        accs,
        asserter.as_mut(),
        challenger.as_mut(),
        dispute,
    );
    if args.json {
        outln!("{}", to_json(&report, args, lie, &stop));
    } else {
        print_text(&report, args, lie, &stop);
    }
    Ok(())
}

/// How the honest run of the asserted steps ends: where the machine stopped, if it
/// stopped (halted, errored to a stop or blocked on its inbox) before the last step.
struct Stop {
    /// Instructions the machine really executes within the asserted steps.
    executed: u64,
    /// "halted", "errorstop" or "blocked", if it stopped early.
    reason: Option<&'static str>,
}

/// Runs the machine for at most `steps` steps. A machine that stops earlier stays as it
/// is for the rest of the assertion, which claims its stopped state.
fn run_until_stopped(machine: &Machine, inbox: &[avm_value::Value], steps: u64) -> Stop {
    let mut m = machine.clone();
    let mut env = RuntimeEnv::with_inbox(inbox.to_vec());
    let start = m.steps();
    let limits = RunLimits {
        max_steps: Some(start.saturating_add(steps)),
        max_gas: None,
    };
    let reason = match m.run_through_breakpoints(&mut env, &limits).reason {
        reason @ (StopReason::Blocked | StopReason::Halted | StopReason::ErrorStop) => {
            Some(reason.name())
        }
        _ => None,
    };
    Stop {
        executed: m.steps().saturating_sub(start),
        reason,
    }
}

fn describe(args: &ChallengeArgs, lie: Lie) -> String {
    match args.liar {
        None => "two honest parties".into(),
        Some(role) => format!(
            "the {} lies ({})",
            if role == LiarRole::Asserter {
                "asserter"
            } else {
                "challenger"
            },
            lie.name()
        ),
    }
}

fn print_text(report: &GameReport, args: &ChallengeArgs, lie: Lie, stop: &Stop) {
    outln!(
        "challenge over {} steps at degree {}: {}",
        args.steps.unwrap_or_default(),
        args.degree,
        describe(args, lie)
    );
    if let Some(reason) = stop.reason {
        outln!(
            "the machine stops ({reason}) after {} steps: from there on the assertion claims its stopped state",
            stop.executed
        );
    }
    outln!(
        "assertion: {} -> {}",
        report.start.machine_hash,
        report.assertion.end.machine_hash
    );
    if !report.disputed {
        outln!("no dispute: the challenger agrees with the assertion");
    }
    for (i, round) in report.rounds.iter().enumerate() {
        outln!(
            "round {:>2}: segment [{}, {}] ({} steps) -> part {} [{}, {}]",
            i + 1,
            round.segment.from,
            round.segment.to,
            round.segment.len(),
            round.chosen,
            round.chosen_range.0,
            round.chosen_range.1
        );
    }
    outln!("winner: {} ({})", report.winner.name(), report.reason);
    outln!(
        "rounds {}, bytes exchanged {}, steps executed: asserter {}, challenger {}, wall time {:.3} s",
        report.rounds.len(),
        report.bytes,
        report.asserter_steps,
        report.challenger_steps,
        report.seconds
    );
}

fn to_json(report: &GameReport, args: &ChallengeArgs, lie: Lie, stop: &Stop) -> serde_json::Value {
    let rounds: Vec<serde_json::Value> = report
        .rounds
        .iter()
        .map(|r| {
            serde_json::json!({
                "segment": [r.segment.from, r.segment.to],
                "chosen": r.chosen,
                "chosen_segment": [r.chosen_range.0, r.chosen_range.1],
                "start_claim": r.segment.start.machine_hash.to_string(),
                "end_claim": r.segment.end.machine_hash.to_string(),
            })
        })
        .collect();
    serde_json::json!({
        "winner": report.winner.name(),
        "reason": report.reason,
        "disputed": report.disputed,
        "liar": args.liar.map(|r| if r == LiarRole::Asserter { Role::Asserter.name() } else { Role::Challenger.name() }),
        "strategy": args.liar.map(|_| lie.name()),
        "steps": args.steps,
        "executed_steps": stop.executed,
        "stopped": stop.reason,
        "degree": args.degree,
        "rounds": rounds,
        "totals": {
            "rounds": report.rounds.len(),
            "bytes_exchanged": report.bytes,
            "asserter_steps": report.asserter_steps,
            "challenger_steps": report.challenger_steps,
            "seconds": report.seconds,
        },
    })
}
