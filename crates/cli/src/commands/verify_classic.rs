//! `avm verify` on Classic proof files: one step object or an array of them, in the
//! shape of upstream's proof files (what `avm prove --format classic` writes). Each
//! step is decided by our native verifier, which decodes the Classic encoding without
//! a machine, and with `--evm` also by the deployed L1 contracts in an embedded EVM.

use std::path::Path;
use std::process::ExitCode;

use avm_l1::{
    Contracts, DelayedMessage, L1Config, L1World, Section, SequencerBatch, Verdict as L1Verdict,
};
use avm_prover::classic::ClassicInbox;
use avm_verifier::classic::{ClassicStep, L1InboxAccumulators};

use crate::error::CliError;

/// Whether `bytes` hold a Classic proof file rather than one of avm's own: a JSON
/// array, or an object with an `Assertion`.
pub fn is_classic(bytes: &[u8]) -> bool {
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'[') => true,
        Some(b'{') => {
            // Only the top level decides; avm's files have no "Assertion" anywhere.
            let text = String::from_utf8_lossy(bytes);
            text.contains("\"Assertion\"")
        }
        _ => false,
    }
}

/// What became of one step.
struct Verdict {
    index: usize,
    opcode: String,
    /// Why the native verifier refuses it, if it does.
    reason: Option<String>,
    /// With --evm: why the contracts refuse it (None: accepted), and the L1 gas of
    /// the `executeStep` transaction when one was made.
    evm: Option<(Option<String>, Option<u64>)>,
}

impl Verdict {
    fn valid(&self) -> bool {
        self.reason.is_none() && self.evm.as_ref().is_none_or(|(why, _)| why.is_none())
    }
}

/// Why the native verifier refuses `step` (None: it accepts it), against the L1
/// inbox's accumulators; an `inbox` step checked without them says what it lacks.
fn native_reason(
    step: &ClassicStep,
    accs: &L1InboxAccumulators,
    have_inbox: bool,
) -> Option<String> {
    let reason = step.verify_with_inbox(accs).err()?.to_string();
    let reads_inbox = step.proof.first() == Some(&(avm_code::Opcode::Inbox as u8));
    Some(if reads_inbox && !have_inbox {
        format!(
            "{reason} (an inbox step is checked against the L1 inbox that delivered its \
             message: give the messages with --inbox MESSAGES.json)"
        )
    } else {
        reason
    })
}

/// Delivers `messages` to `world`'s contracts as `l1` models them (each a delayed
/// message in its own block, then one batch reading them all), and checks the
/// contracts hold what the model holds.
fn deliver(
    world: &mut L1World,
    messages: &[avm_value::Value],
    l1: &ClassicInbox,
) -> Result<(), CliError> {
    if messages.is_empty() {
        return Ok(());
    }
    let fail = |e: avm_l1::L1Error| CliError::Input(format!("--evm: delivering the inbox: {e}"));
    for (index, message) in messages.iter().enumerate() {
        let m: DelayedMessage = avm_l1::delayed_message_from_value(index, message)
            .map_err(|e| CliError::Input(format!("--evm: {e}")))?;
        world.deliver_message(&m).map_err(fail)?;
    }
    world
        .add_sequencer_batch(&SequencerBatch {
            sections: vec![Section {
                items: Vec::new(),
                total_delayed_messages_read: messages.len() as u64,
            }],
        })
        .map_err(fail)?;
    let on_l1 = world.inbox().map_err(fail)?;
    if on_l1.accumulators() != l1.accumulators() {
        return Err(CliError::Input(
            "--evm: the contracts' inbox accumulators differ from the model's".into(),
        ));
    }
    Ok(())
}

/// The contracts' verdict on `step`: why they refuse it (None: accepted) and the gas.
fn ask_l1(
    world: &mut L1World,
    step: &ClassicStep,
) -> Result<(Option<String>, Option<u64>), CliError> {
    let verdict = world
        .check_step(step)
        .map_err(|e| CliError::Input(format!("the EVM could not run the step: {e}")))?;
    Ok(match verdict {
        L1Verdict::Accepted(result) => (None, Some(result.evm_gas)),
        L1Verdict::Rejected(why, result) => (Some(why.to_string()), result.map(|r| r.evm_gas)),
    })
}

/// Checks every step of a Classic file (with `evm`, the contracts' directory, also on
/// L1): exit 0 if all are valid, 1 if any is not.
pub fn run(
    bytes: &[u8],
    path: &str,
    json: bool,
    evm: Option<&Path>,
    inbox: Option<&Path>,
) -> Result<ExitCode, CliError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| CliError::Input(format!("{path}: a Classic proof file is JSON text")))?;
    let steps =
        ClassicStep::parse_file(text).map_err(|e| CliError::Input(format!("{path}: {e}")))?;
    if steps.is_empty() {
        return Err(CliError::Input(format!("{path}: the file holds no step")));
    }
    // The L1 inbox the steps' `inbox` suffixes are checked against.
    let messages = match inbox {
        Some(file) => crate::inbox::read_inbox(file, &avm_value::NoCode)?,
        None => Vec::new(),
    };
    let l1 = super::prove::l1_inbox(&messages)?;
    let accumulators = l1.accumulators();
    let mut world = match evm {
        Some(dir) => {
            let contracts = Contracts::load(dir).map_err(|e| {
                CliError::Input(format!(
                    "--evm: {e} (point --contracts at the compiled Classic contracts)"
                ))
            })?;
            let mut world = L1World::new(&contracts, L1Config::default())
                .map_err(|e| CliError::Input(format!("--evm: {e}")))?;
            deliver(&mut world, &messages, &l1)?;
            Some(world)
        }
        None => None,
    };
    let mut verdicts = Vec::with_capacity(steps.len());
    for (index, step) in steps.iter().enumerate() {
        let evm = match world.as_mut() {
            Some(world) => Some(ask_l1(world, step)?),
            None => None,
        };
        verdicts.push(Verdict {
            index,
            opcode: step
                .proof
                .first()
                .map_or_else(|| "?".into(), |op| avm_code::mnemonic_for_byte(*op)),
            reason: native_reason(step, &accumulators, inbox.is_some()),
            evm,
        });
    }
    let invalid: Vec<&Verdict> = verdicts.iter().filter(|v| !v.valid()).collect();
    let l1_gas: Option<u64> = evm.map(|_| {
        verdicts
            .iter()
            .filter_map(|v| v.evm.as_ref().and_then(|(_, gas)| *gas))
            .sum()
    });
    if json {
        let out = serde_json::json!({
            "format": "classic",
            "valid": invalid.is_empty(),
            "steps": verdicts.len(),
            "evm": evm.is_some(),
            "l1_gas": l1_gas,
            "invalid": invalid
                .iter()
                .map(|v| serde_json::json!({
                    "index": v.index,
                    "opcode": v.opcode,
                    "reason": v.reason,
                    "evm_reason": v.evm.as_ref().and_then(|(why, _)| why.clone()),
                }))
                .collect::<Vec<_>>(),
        });
        outln!("{out}");
    } else {
        for v in &invalid {
            if let Some(reason) = &v.reason {
                outln!("step {} ({}): INVALID: {reason}", v.index, v.opcode);
            }
            if let Some((Some(why), _)) = &v.evm {
                outln!("step {} ({}): L1 refuses it: {why}", v.index, v.opcode);
            }
        }
        if let Some(gas) = l1_gas {
            outln!("L1 gas of the executeStep transactions: {gas}");
        }
        if invalid.is_empty() {
            let judges = if evm.is_some() {
                "valid (native verifier and L1 contracts)"
            } else {
                "valid"
            };
            outln!("{} Classic steps: {judges}", verdicts.len());
        } else {
            outln!(
                "INVALID: {} of {} Classic steps",
                invalid.len(),
                verdicts.len()
            );
        }
    }
    Ok(if invalid.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
