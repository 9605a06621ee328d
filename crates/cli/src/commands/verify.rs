//! `avm verify`: checks a proof file on its own, as a referee would.

use std::path::PathBuf;
use std::process::ExitCode;

use avm_value::{parse_value, value_hash, NoCode};
use avm_verifier::{verify, InboxAccumulators, InboxOracle, StepProofFile};

use crate::bounds::read_file;
use crate::error::CliError;

/// Arguments of `avm verify`.
#[derive(clap::Args, Debug)]
pub struct VerifyArgs {
    /// A proof file written by `avm prove`: avm's own (binary or JSON), or Classic
    /// proofs (one step object or an array, as `--format classic` writes them).
    pub file: PathBuf,
    /// Check the file's inbox accumulators against this inbox (a JSON array of
    /// messages; code points in them cannot be checked without the program). For a
    /// Classic file: the messages the L1 inbox holds (as `avm prove --format classic`
    /// took them), which its `inbox` steps are checked against.
    #[arg(long, value_name = "MESSAGES.json")]
    pub inbox: Option<PathBuf>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
    /// Classic files: also ask the deployed L1 one-step-proof contracts, run in an
    /// embedded EVM, whether they accept each step ("would L1 accept this?").
    #[arg(long)]
    pub evm: bool,
    /// With --evm: the directory holding the contracts' ABI and creation bytecode
    /// (OneStepProof.json, ...; upstream's compiled contracts).
    #[arg(
        long,
        value_name = "DIR",
        default_value = "../shared/fixtures/classic/contracts",
        requires = "evm"
    )]
    pub contracts: PathBuf,
}

/// Verifies the proof: exit 0 if it is valid, 1 (with the reason) if not.
pub fn run(args: &VerifyArgs) -> Result<ExitCode, CliError> {
    let bytes = read_file(&args.file)?;
    let classic = super::verify_classic::is_classic(&bytes);
    if args.evm && !classic {
        return Err(CliError::Input(
            "--evm checks Classic proof files (avm prove --format classic); this is an avm proof file".into(),
        ));
    }
    if classic {
        let evm = args.evm.then_some(args.contracts.as_path());
        return super::verify_classic::run(
            &bytes,
            &args.file.display().to_string(),
            args.json,
            evm,
            args.inbox.as_deref(),
        );
    }
    let outcome = check(&bytes, args);
    let (valid, reason, file) = match outcome {
        Ok(file) => (true, None, Some(file)),
        Err((reason, file)) => (false, Some(reason), file.map(|f| *f)),
    };
    if args.json {
        let out = serde_json::json!({
            "valid": valid,
            "reason": reason,
            "pre": file.as_ref().map(|f| avm_verifier::json::claim_to_json(&f.pre)),
            "post": file.as_ref().map(|f| avm_verifier::json::claim_to_json(&f.post)),
        });
        outln!("{out}");
    } else {
        if let Some(f) = &file {
            outln!(
                "step {} ({})",
                f.pre.steps,
                avm_code::mnemonic_for_byte(f.proof.opcode)
            );
            outln!("pre-state claim\n{}", f.pre);
            outln!("post-state claim\n{}", f.post);
        }
        match &reason {
            None => outln!("valid"),
            Some(r) => outln!("INVALID: {r}"),
        }
    }
    Ok(if valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

type Failure = (String, Option<Box<StepProofFile>>);

fn check(bytes: &[u8], args: &VerifyArgs) -> Result<StepProofFile, Failure> {
    let file = StepProofFile::parse(bytes).map_err(|e| (e.to_string(), None))?;
    let fail = |reason: String| (reason, Some(Box::new(file.clone())));
    if let Some(path) = &args.inbox {
        let accs = inbox_accumulators(path).map_err(|e| fail(e.to_string()))?;
        for (i, acc) in file.inbox.accs.iter().enumerate() {
            let count = file.inbox.first + i as u64;
            if accs.acc_after(count) != Some(*acc) {
                return Err(fail(format!(
                    "the file's inbox accumulator after {count} messages does not match {}",
                    path.display()
                )));
            }
        }
    }
    let post = verify(&file.pre, &file.proof, &file.inbox).map_err(|e| fail(e.to_string()))?;
    if post != file.post {
        return Err(fail(format!(
            "the proof verifies to a different post-state than the file claims:\n{post}"
        )));
    }
    Ok(file)
}

fn inbox_accumulators(path: &std::path::Path) -> Result<InboxAccumulators, CliError> {
    let bytes = read_file(path)?;
    let limits = crate::bounds::get().value_limits();
    avm_value::json::check_unambiguous(
        &bytes,
        limits.max_depth.saturating_mul(2).saturating_add(1),
    )
    .map_err(|error| CliError::Json {
        path: path.display().to_string(),
        error,
    })?;
    let json: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|e| CliError::Input(format!("{}: {e}", path.display())))?;
    let items = json.as_array().ok_or_else(|| {
        CliError::Input(format!(
            "{}: expected a JSON array of messages",
            path.display()
        ))
    })?;
    let mut hashes = Vec::with_capacity(items.len());
    for item in items {
        let text = item.to_string();
        let value =
            parse_value(text.as_bytes(), &NoCode, &limits).map_err(|error| CliError::Json {
                path: path.display().to_string(),
                error,
            })?;
        hashes.push(value_hash(&value, &NoCode));
    }
    Ok(InboxAccumulators::from_message_hashes(hashes))
}
