//! `avm prove`: one-step proofs of a run, in our format or in the Classic format the
//! deployed L1 contracts read.

use std::io::Write;
use std::ops::Range;
use std::path::PathBuf;

use avm_machine::{Machine, RunLimits, RuntimeEnv};
use avm_prover::classic::{self, ClassicInbox, ClassicProveError, ClassicStep};
use avm_prover::{claim, prove_step, ProveError};
use avm_value::{value_hash, Value};
use avm_verifier::classic::L1Message;
use avm_verifier::{InboxAccumulators, InboxOracle, InboxWindow, StepProofFile};

use crate::error::{create_file, write_file, CliError};
use crate::inbox::ProgramInput;
use crate::progress::Progress;

/// The wire format of a proof.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProofFormat {
    /// avm's own proof file (claims, inbox window, proof), read by `avm verify`.
    Avm,
    /// The Classic encoding (ExecutionStates, `Proof`, `BufferProof`) in the shape of
    /// upstream's proof files, what OneStepProof*.sol reads.
    Classic,
}

/// Arguments of `avm prove`.
#[derive(clap::Args, Debug)]
pub struct ProveArgs {
    /// The program and its inbox.
    #[command(flatten)]
    pub input: ProgramInput,
    /// The step to prove, counting from 0.
    #[arg(
        long,
        value_name = "N",
        required_unless_present = "steps",
        conflicts_with = "steps"
    )]
    pub step: Option<u64>,
    /// Steps A up to but not including B (`A..` = to the end of the run), ending early
    /// where the run halts, errors or blocks; Classic format only.
    #[arg(long, value_name = "A..B")]
    pub steps: Option<String>,
    /// The proof format.
    #[arg(long, value_enum, default_value = "avm")]
    pub format: ProofFormat,
    /// Where to write the proof (avm format: binary, or JSON if the name ends in .json;
    /// Classic: JSON); without it the JSON form goes to stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Proves the step or steps asked for and writes them.
pub fn run(args: &ProveArgs) -> Result<(), CliError> {
    let (program, messages) = args.input.load()?;
    let l1 = match args.format {
        ProofFormat::Classic => {
            let l1 = l1_inbox(&messages)?;
            if !messages.is_empty() {
                errln!(
                    "the machine reads the inbox as the L1 holds it: the {} messages delivered \
                     to the Bridge (sequence numbers 2^255|d) and the end-of-block message \
                     after them",
                    messages.len()
                );
            }
            Some(l1)
        }
        ProofFormat::Avm => None,
    };
    // A Classic proof is of the run on the inbox as the L1 holds it.
    let messages = l1.as_ref().map_or(messages, |l1| l1.values().to_vec());
    let l1 = l1.unwrap_or_default();
    let mut machine = Machine::new(program);
    let mut env = RuntimeEnv::with_inbox(messages.clone());
    match (args.format, args.step, &args.steps) {
        (ProofFormat::Avm, Some(step), _) => {
            run_to(&mut machine, &mut env, step)?;
            prove_avm(args, step, &mut machine, &mut env, &messages)
        }
        (ProofFormat::Classic, Some(step), _) => {
            run_to(&mut machine, &mut env, step)?;
            let proven = classic::prove_step_l1(&mut machine, &l1).map_err(classic_error)?;
            let text = proven.to_json().to_string();
            match &args.output {
                Some(path) => {
                    write_file(path, text.as_bytes())?;
                    errln!(
                        "Classic proof of step {step} ({}) written to {}",
                        opcode_name(&proven),
                        path.display()
                    );
                }
                None => outln!("{text}"),
            }
            Ok(())
        }
        (ProofFormat::Classic, None, Some(range)) => {
            let range = parse_steps(range)?;
            run_to(&mut machine, &mut env, range.start)?;
            prove_range(args, range, &mut machine, &l1)
        }
        (ProofFormat::Avm, None, Some(_)) => Err(CliError::Input(
            "--steps writes Classic proofs: add --format classic (or prove one --step)".into(),
        )),
        (_, None, None) => Err(CliError::Input("give --step N or --steps A..B".into())),
    }
}

/// The inbox an L1 holds after delivering `messages` (Classic L1 messages) as delayed
/// messages read in one batch, as `avm challenge --protocol classic` delivers them:
/// computed natively, with the verifier's accumulator functions, so an `inbox` step's
/// proof carries the suffix the contracts check.
pub fn l1_inbox(messages: &[Value]) -> Result<ClassicInbox, CliError> {
    let l1: Vec<L1Message> = messages
        .iter()
        .enumerate()
        .map(|(i, m)| {
            L1Message::from_avm_value(m).map_err(|e| {
                CliError::Input(format!(
                    "Classic proofs: inbox message {i} is not a Classic L1 message ({e}). An \
                     inbox step's Classic proof carries the L1 inbox suffix, so the messages \
                     must be as an L1 delivers them: (kind, block, timestamp, sender, seqNum, \
                     gasPrice, length, data)"
                ))
            })
        })
        .collect::<Result<_, _>>()?;
    ClassicInbox::delayed_in_one_batch(&l1, avm_l1::SEQUENCER)
        .map_err(|e| CliError::Input(format!("Classic proofs: the L1 inbox: {e}")))
}

/// Runs `machine` to step `step` (breakpoints do not stop it).
fn run_to(machine: &mut Machine, env: &mut RuntimeEnv, step: u64) -> Result<(), CliError> {
    let limits = RunLimits {
        max_steps: Some(step),
        max_gas: None,
    };
    let report = machine.run_through_breakpoints(env, &limits);
    if machine.steps() < step {
        return Err(CliError::Input(format!(
            "the machine stops ({}) after {} steps, before step {step}",
            report.reason.name(),
            machine.steps(),
        )));
    }
    Ok(())
}

/// `A..B`, `A..` (to the end of the run) or `A` (one step).
fn parse_steps(text: &str) -> Result<Range<u64>, CliError> {
    let number = |s: &str| {
        s.trim()
            .parse::<u64>()
            .map_err(|_| CliError::Input(format!("--steps: `{s}` is not a step number")))
    };
    let range = match text.split_once("..") {
        Some((a, "")) => number(a)?..u64::MAX,
        Some((a, b)) => number(a)?..number(b)?,
        None => {
            let a = number(text)?;
            a..a.saturating_add(1)
        }
    };
    if range.is_empty() {
        return Err(CliError::Input(format!("--steps: {text} holds no step")));
    }
    Ok(range)
}

/// Writes the Classic proofs of `range` as one JSON array, a step at a time (nothing
/// is held in memory however long the range), stopping where the run stops.
fn prove_range(
    args: &ProveArgs,
    range: Range<u64>,
    machine: &mut Machine,
    l1: &ClassicInbox,
) -> Result<(), CliError> {
    let (mut out, name): (Box<dyn Write>, String) = match &args.output {
        Some(path) => (
            Box::new(std::io::BufWriter::new(create_file(path)?)),
            path.display().to_string(),
        ),
        None => (
            Box::new(std::io::BufWriter::new(crate::output::Stdout)),
            "stdout".into(),
        ),
    };
    let io = |source| CliError::Io {
        path: name.clone(),
        source,
    };
    let progress = Progress::new(true);
    let mut written = 0u64;
    let mut stop = None;
    out.write_all(b"[").map_err(io)?;
    while machine.steps() < range.end {
        let proven = match classic::prove_step_l1(machine, l1) {
            Ok(proven) => proven,
            Err(ClassicProveError::Step(
                e @ (ProveError::NotRunning(_) | ProveError::Blocked(_)),
            )) => {
                stop = Some(e);
                break;
            }
            Err(e) => return Err(classic_error(e)),
        };
        if written > 0 {
            out.write_all(b",").map_err(io)?;
        }
        out.write_all(proven.to_json().to_string().as_bytes())
            .map_err(io)?;
        written += 1;
        if written % 4096 == 0 {
            progress.update(machine);
        }
    }
    // A file ends at its closing bracket, as upstream's proof files do (so they can be
    // regenerated byte for byte); a terminal gets a newline.
    let end: &[u8] = if args.output.is_some() { b"]" } else { b"]\n" };
    out.write_all(end).map_err(io)?;
    out.flush().map_err(io)?;
    progress.finish();
    let ended = match stop {
        Some(e) => format!("; the run ends at step {}: {e}", machine.steps()),
        None => String::new(),
    };
    errln!(
        "{written} Classic proofs (steps {}..{}) written to {name}{ended}",
        range.start,
        range.start + written
    );
    Ok(())
}

/// Proves `step` in our own format and writes the proof file.
fn prove_avm(
    args: &ProveArgs,
    step: u64,
    machine: &mut Machine,
    env: &mut RuntimeEnv,
    messages: &[Value],
) -> Result<(), CliError> {
    let proven = prove_step(machine, messages).map_err(|e| CliError::Input(e.to_string()))?;
    machine.step(env);
    let post = claim(machine);
    let accs = InboxAccumulators::from_message_hashes(
        messages.iter().map(|m| value_hash(m, machine.code())),
    );
    let pre = proven.pre();
    let first = pre.inbox_consumed;
    let window = InboxWindow {
        first,
        accs: (first..first.saturating_add(2))
            .map_while(|k| accs.acc_after(k))
            .collect(),
    };
    let file = StepProofFile {
        pre,
        post,
        inbox: window,
        proof: proven.proof,
    };
    match &args.output {
        Some(path) => {
            let bytes = if path.extension().is_some_and(|e| e == "json") {
                serde_json::to_vec_pretty(&file.to_json()).unwrap_or_default()
            } else {
                file.to_bytes()
            };
            write_file(path, &bytes)?;
            errln!(
                "proof of step {step} ({}, {} bytes) written to {}",
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

fn opcode_name(step: &ClassicStep) -> String {
    step.proof
        .first()
        .map_or_else(|| "?".into(), |op| avm_code::mnemonic_for_byte(*op))
}

fn classic_error(e: ClassicProveError) -> CliError {
    CliError::Input(e.to_string())
}
