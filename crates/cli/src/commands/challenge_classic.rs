//! `avm challenge --protocol classic`: the challenge as Arbitrum Classic plays it, on the
//! deployed Challenge contract in an embedded EVM (the referee), and
//! `avm challenge --check-transcript F.json`: re-execute a game's L1 transactions.

use std::path::{Path, PathBuf};

use avm_challenge::classic::{ClassicLie, ClassicMove};
use avm_challenge::Role;
use avm_l1::{
    check_against_program, check_transcript_text, delayed_message_from_value, play_program,
    Contracts, Hardfork, ProgramGame, ProgramGameReport, Transcript, TranscriptVerdict,
};
use avm_machine::Machine;

use crate::error::CliError;

/// The Classic protocol's own options of `avm challenge`.
#[derive(clap::Args, Debug)]
pub struct ClassicArgs {
    /// With --protocol classic: the AVMGas range asserted, `A..B` (from the first state
    /// reaching A to B or where the run halts, errors or blocks first). Default: the
    /// whole run.
    #[arg(long, value_name = "A..B")]
    pub gas: Option<String>,
    /// With --protocol classic: each side's time, in L1 blocks.
    #[arg(long, value_name = "BLOCKS", default_value_t = 10)]
    pub time_left: u64,
    /// With --protocol classic: write every L1 transaction of the game (deployments and
    /// message deliveries included) to F as a version 1 transcript.
    #[arg(long, value_name = "F.json")]
    pub transcript: Option<PathBuf>,
    /// Re-execute the transcript F against fresh contracts (allowing only the calls a
    /// game needs) and report its verdict and L1 gas; fails at the first difference.
    #[arg(long, value_name = "F.json", conflicts_with = "transcript")]
    pub check_transcript: Option<PathBuf>,
    /// The directory of the Classic L1 contracts' ABI and creation bytecode
    /// (Challenge.json, ChallengeTester.json, OneStepProof.json, ...).
    #[arg(
        long,
        value_name = "DIR",
        default_value = "../shared/fixtures/classic/contracts"
    )]
    pub contracts: PathBuf,
    /// The EVM's rules (Ethereum's names: london, paris, shanghai, cancun, prague,
    /// osaka).
    #[arg(long, value_name = "NAME", default_value = "london")]
    pub hardfork: String,
}

/// The liar, as `avm challenge` names it.
pub struct ClassicLiarChoice {
    /// Which side lies.
    pub role: Role,
    /// How: the strategy's name (`lie-at`, `wrong-final`, ...).
    pub strategy: &'static str,
    /// For `lie-at`: the first AVMGas whose claim is a lie.
    pub lie_at: Option<u64>,
}

fn parse_gas(text: &str) -> Result<(u64, u64), CliError> {
    let bad = || CliError::Input(format!("--gas {text}: expected A..B, two AVMGas amounts"));
    let (a, b) = text.split_once("..").ok_or_else(bad)?;
    let a: u64 = a.trim().parse().map_err(|_| bad())?;
    let b: u64 = b.trim().parse().map_err(|_| bad())?;
    if b <= a {
        return Err(CliError::Input(format!("--gas {text}: B must exceed A")));
    }
    Ok((a, b))
}

/// An inbox's messages as the L1 messages a Classic game delivers.
fn classic_messages(inbox: &[avm_value::Value]) -> Result<Vec<avm_l1::DelayedMessage>, CliError> {
    inbox
        .iter()
        .enumerate()
        .map(|(i, m)| delayed_message_from_value(i, m))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| CliError::Input(format!("{e} (a Classic inbox holds L1 messages)")))
}

fn load_contracts(dir: &Path) -> Result<Contracts, CliError> {
    Contracts::load(dir).map_err(|e| {
        CliError::Input(format!(
            "{e} (--contracts names the directory of the Classic contracts)"
        ))
    })
}

/// `avm challenge --check-transcript F.json [PROGRAM [--inbox I | --replay LOG]]`:
/// exit 0 if the transcript replays exactly and the game was fair, 1 (saying why) if
/// it replays but was not, 2 if it does not replay.
pub fn check(
    args: &ClassicArgs,
    path: &Path,
    json: bool,
    against: Option<(avm_code::Program, Vec<avm_value::Value>)>,
) -> Result<std::process::ExitCode, CliError> {
    let does_not_replay = |e: avm_l1::FirstDifference| {
        CliError::Input(format!("{}: does not replay: {e}", path.display()))
    };
    let text = crate::bounds::read_file(path)?;
    let verdict = match against {
        None => check_transcript_text(&text, path, &args.contracts).map_err(does_not_replay)?,
        Some((program, inbox)) => {
            let transcript = Transcript::parse(&text).map_err(does_not_replay)?;
            let messages = classic_messages(&inbox)?;
            let gas = args.gas.as_deref().map(parse_gas).transpose()?;
            check_against_program(
                &transcript,
                &load_contracts(&args.contracts)?,
                &Machine::new(program),
                &messages,
                gas,
            )
            .map_err(does_not_replay)?
        }
    };
    let d = &verdict.disputed;
    if json {
        outln!("{}", verdict_json(&verdict));
    } else {
        outln!(
            "{}: replays exactly: {} transactions, {} L1 gas in all",
            path.display(),
            verdict.transactions,
            verdict.total_gas
        );
        let segment = verdict.segment.map_or_else(
            || "no move named its segment".to_owned(),
            |(start, length)| {
                format!(
                    "AVMGas {start} -> {} (the first move's segment)",
                    start.saturating_add(length)
                )
            },
        );
        outln!(
            "disputed: execution hash {}, at most {} messages, {segment}",
            d.execution_hash,
            d.max_message_count
        );
        outln!(
            "clock: the asserter had {} blocks, the challenger {}, from block {}",
            d.asserter_time_left,
            d.challenger_time_left,
            d.start_block
        );
        outln!(
            "moves' L1 gas: {}",
            verdict
                .move_gas
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        );
        outln!("winner: {}", verdict.winner.name());
        if let Some(truth) = &verdict.truth {
            outln!(
                "re-executed the program: the {}'s claim was true",
                truth.truthful.name()
            );
        }
        for problem in &verdict.unfair {
            outln!("NOT FAIR: {problem}");
        }
    }
    Ok(if verdict.unfair.is_empty() {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::from(1)
    })
}

fn verdict_json(v: &TranscriptVerdict) -> serde_json::Value {
    let d = &v.disputed;
    serde_json::json!({
        "replays": true,
        "fair": v.unfair.is_empty(),
        "unfair": v.unfair,
        "winner": v.winner.name(),
        "truthful": v.truth.as_ref().map(|t| t.truthful.name()),
        "disputed": {
            "execution_hash": d.execution_hash.to_string(),
            "max_message_count": d.max_message_count,
            "asserter_time_left": d.asserter_time_left,
            "challenger_time_left": d.challenger_time_left,
            "start_block": d.start_block,
            "segment": v.segment.map(|(start, length)| serde_json::json!({"start": start, "length": length})),
        },
        "transactions": v.transactions,
        "total_gas": v.total_gas,
        "move_gas": v.move_gas,
    })
}

fn lie_of(choice: &ClassicLiarChoice, start: u64, end: u64) -> Result<ClassicLie, CliError> {
    Ok(match choice.strategy {
        "lie-at" => ClassicLie::LieAt(
            choice.lie_at.unwrap_or(
                start
                    .saturating_add(end.saturating_sub(start) / 2)
                    .max(start + 1),
            ),
        ),
        "wrong-final" => ClassicLie::WrongFinal,
        "wrong-intermediate" => ClassicLie::WrongIntermediate,
        "picks-agreed" => ClassicLie::PicksAgreed,
        "forged-proof" => ClassicLie::ForgedProof,
        "silent" => ClassicLie::Silent,
        other => {
            return Err(CliError::Input(format!(
                "--strategy {other} is not a Classic strategy (lie-at, wrong-final, \
                 wrong-intermediate, picks-agreed, forged-proof, silent)"
            )))
        }
    })
}

/// `avm challenge P --protocol classic`.
pub fn run(
    args: &ClassicArgs,
    program: avm_code::Program,
    inbox: &[avm_value::Value],
    liar: Option<ClassicLiarChoice>,
    json: bool,
) -> Result<(), CliError> {
    let hardfork = Hardfork::from_name(&args.hardfork)
        .ok_or_else(|| CliError::Input(format!("--hardfork {}: unknown", args.hardfork)))?;
    let gas = args.gas.as_deref().map(parse_gas).transpose()?;
    let messages = classic_messages(inbox)?;
    let contracts = load_contracts(&args.contracts)?;
    let machine = Machine::new(program);
    let fail = |e: avm_l1::ChallengeError| CliError::Input(format!("the Classic game: {e}"));
    let mut game = ProgramGame {
        hardfork,
        gas,
        liar: None,
        time_left: args.time_left,
        ..ProgramGame::default()
    };
    if let Some(choice) = &liar {
        // The honest run's extent, for the default point to lie at.
        let probe = play_program(&contracts, &machine, &messages, &game).map_err(fail)?;
        let lie = lie_of(
            choice,
            probe.honest.before.gas_used,
            probe.honest.after.gas_used,
        )?;
        game.liar = Some((choice.role, lie));
    }
    let clock = std::time::Instant::now();
    let report = play_program(&contracts, &machine, &messages, &game).map_err(fail)?;
    let seconds = clock.elapsed().as_secs_f64();
    if let (Some(path), Some(transcript)) = (&args.transcript, &report.transcript) {
        transcript.write(path).map_err(|source| CliError::Io {
            path: path.display().to_string(),
            source,
        })?;
    }
    if json {
        outln!("{}", to_json(&report, &game, args, seconds));
    } else {
        print_text(&report, &game, args, seconds);
    }
    Ok(())
}

fn move_line(m: &avm_l1::PlayedMove) -> (String, serde_json::Value) {
    let chunk = m.mv.chunk();
    let segment = chunk.map(|c| (c.segment.start, c.segment.length));
    let detail = match &m.mv {
        ClassicMove::Bisect(b) => format!(", {} cuts", b.chain_hashes.len()),
        ClassicMove::OneStepProve(p) => format!(
            ", opcode {:#04x}, {} proof bytes",
            p.execution_proof.first().copied().unwrap_or_default(),
            p.execution_proof.len()
        ),
        _ => String::new(),
    };
    let verdict = match &m.evm.verdict {
        avm_l1::MoveVerdict::Accepted => "accepted".to_owned(),
        avm_l1::MoveVerdict::Reverted { reason } => {
            format!("reverted ({})", reason.as_deref().unwrap_or("no reason"))
        }
    };
    let text = format!(
        "block {:>4}: {:<10} {:<24} {}{detail}: {verdict}, {} L1 gas",
        m.evm.block,
        m.evm.by.name(),
        m.evm.function,
        segment.map_or(String::new(), |(s, l)| format!("chunk [{s}, +{l}]")),
        m.evm.gas_used
    );
    let json = serde_json::json!({
        "by": m.evm.by.name(),
        "block": m.evm.block,
        "function": m.evm.function,
        "chunk": segment.map(|(s, l)| serde_json::json!({"start": s, "length": l})),
        "accepted": m.evm.verdict.is_accepted(),
        "reason": m.evm.verdict.reason(),
        "gas": m.evm.gas_used,
    });
    (text, json)
}

fn describe(game: &ProgramGame, report: &ProgramGameReport) -> String {
    let end = report.honest.after.gas_used;
    match game.liar {
        None => "two honest parties".into(),
        Some((role, ClassicLie::LieAt(at))) if at > end => format!(
            "two honest parties: the {}'s --lie-at {at} is past the run's end (AVMGas {end}), \
             so everything it claims is true",
            role.name()
        ),
        Some((role, lie)) => format!("the {} lies ({})", role.name(), lie.name()),
    }
}

/// What became of `--transcript` when no challenge was started.
const NO_TRANSCRIPT: &str = "not written: no challenge was started, so there is no game to record";

fn print_text(report: &ProgramGameReport, game: &ProgramGame, args: &ClassicArgs, seconds: f64) {
    let a = &report.assertion;
    outln!(
        "Classic challenge on the deployed contracts ({}): {}",
        args.hardfork,
        describe(game, report)
    );
    outln!(
        "assertion: AVMGas {} -> {}, messages read {} of {}",
        a.before.gas_used,
        a.after.gas_used,
        a.after.inbox_count,
        report.messages
    );
    if !report.entries.is_empty() {
        let through =
            |entry: avm_l1::delivery::Entry| report.entries.iter().filter(|e| **e == entry).count();
        let (inbox, test) = (
            through(avm_l1::delivery::Entry::SendL2Message),
            through(avm_l1::delivery::Entry::TestInbox),
        );
        let mut parts = Vec::new();
        if inbox > 0 {
            parts.push(format!("{inbox} through Inbox.sendL2Message"));
        }
        if test > 0 {
            parts.push(format!(
                "{test} through the test inbox (no entry point of the deployed contracts \
                 makes a message of that kind or sender)"
            ));
        }
        outln!("messages delivered: {}", parts.join(", "));
    }
    if !report.play.disputed {
        outln!(
            "no dispute: the challenger agrees with the assertion, so no challenge was \
             started on L1 and nothing was decided there"
        );
    }
    for m in &report.play.moves {
        outln!("{}", move_line(m).0);
    }
    if report.play.disputed {
        outln!(
            "winner: {} (as the ChallengeTester recorded it)",
            report.play.winner.name()
        );
    }
    outln!(
        "bisections {}, moves {}, L1 gas: moves {}, setup {} (deployments and messages); steps executed: asserter {}, challenger {}, wall time {seconds:.3} s",
        report.play.bisections,
        report.play.moves.len(),
        report.play.total_gas(),
        report.setup_gas,
        report.steps.0,
        report.steps.1
    );
    match (&args.transcript, &report.transcript) {
        (Some(path), Some(_)) => outln!("transcript: {}", path.display()),
        (Some(path), None) => outln!("transcript {}: {NO_TRANSCRIPT}", path.display()),
        (None, _) => {}
    }
}

fn to_json(
    report: &ProgramGameReport,
    game: &ProgramGame,
    args: &ClassicArgs,
    seconds: f64,
) -> serde_json::Value {
    let a = &report.assertion;
    serde_json::json!({
        "protocol": "classic",
        "hardfork": args.hardfork,
        "winner": report.play.disputed.then(|| report.play.winner.name()),
        "disputed": report.play.disputed,
        "description": describe(game, report),
        "liar": game.liar.map(|(role, _)| role.name()),
        "strategy": game.liar.map(|(_, lie)| lie.name()),
        "assertion": {
            "start_gas": a.before.gas_used,
            "end_gas": a.after.gas_used,
            "messages_read": a.after.inbox_count,
            "max_messages": report.messages,
        },
        "moves": report.play.moves.iter().map(|m| move_line(m).1).collect::<Vec<_>>(),
        "totals": {
            "bisections": report.play.bisections,
            "moves": report.play.moves.len(),
            "move_gas": report.play.total_gas(),
            "setup_gas": report.setup_gas,
            "asserter_steps": report.steps.0,
            "challenger_steps": report.steps.1,
            "seconds": seconds,
        },
        "transcript": args.transcript.as_ref().filter(|_| report.transcript.is_some()).map(|p| p.display().to_string()),
        "transcript_note": args.transcript.as_ref().filter(|_| report.transcript.is_none()).map(|_| NO_TRANSCRIPT),
    })
}

/// A role as `avm challenge --liar` names it.
pub fn role_of(asserter: bool) -> Role {
    if asserter {
        Role::Asserter
    } else {
        Role::Challenger
    }
}
