//! `avm verify` on Classic proof files: one step object or an array of them, in the
//! shape of upstream's proof files (what `avm prove --format classic` writes). Each
//! step is decided by our native verifier, which decodes the Classic encoding without
//! a machine.

use std::process::ExitCode;

use avm_verifier::classic::ClassicStep;

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
    reason: Option<String>,
}

/// Checks every step of a Classic file: exit 0 if all are valid, 1 if any is not.
pub fn run(bytes: &[u8], path: &str, json: bool) -> Result<ExitCode, CliError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| CliError::Input(format!("{path}: a Classic proof file is JSON text")))?;
    let steps =
        ClassicStep::parse_file(text).map_err(|e| CliError::Input(format!("{path}: {e}")))?;
    if steps.is_empty() {
        return Err(CliError::Input(format!("{path}: the file holds no step")));
    }
    let verdicts: Vec<Verdict> = steps
        .iter()
        .enumerate()
        .map(|(index, step)| Verdict {
            index,
            opcode: step
                .proof
                .first()
                .map_or_else(|| "?".into(), |op| avm_code::mnemonic_for_byte(*op)),
            reason: step.verify().err().map(|e| e.to_string()),
        })
        .collect();
    let invalid: Vec<&Verdict> = verdicts.iter().filter(|v| v.reason.is_some()).collect();
    if json {
        let out = serde_json::json!({
            "format": "classic",
            "valid": invalid.is_empty(),
            "steps": verdicts.len(),
            "invalid": invalid
                .iter()
                .map(|v| serde_json::json!({"index": v.index, "opcode": v.opcode, "reason": v.reason}))
                .collect::<Vec<_>>(),
        });
        outln!("{out}");
    } else {
        for v in &invalid {
            outln!(
                "step {} ({}): INVALID: {}",
                v.index,
                v.opcode,
                v.reason.as_deref().unwrap_or_default()
            );
        }
        if invalid.is_empty() {
            outln!("{} Classic steps: valid", verdicts.len());
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
