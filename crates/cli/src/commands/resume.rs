//! `avm resume`: continue the newest checkpoint of a store, e.g. after new inbox
//! messages arrived.

use std::path::PathBuf;

use avm_store::Store;
use avm_value::{keccak_pair, value_hash, Hash};

use crate::commands::run::{drive, print_summary, RunOptions};
use crate::error::CliError;
use crate::inbox::read_inbox;

/// Arguments of `avm resume`.
#[derive(clap::Args, Debug)]
pub struct ResumeArgs {
    /// The store directory `avm run --store` created.
    pub store: PathBuf,
    /// The machine's whole inbox (a JSON array of messages from the first one on); the
    /// messages it already consumed are checked against its inbox accumulator and
    /// skipped.
    #[arg(long, value_name = "MESSAGES.json")]
    pub inbox: Option<PathBuf>,
    /// Run options (limits count from the start of the machine).
    #[command(flatten)]
    pub options: RunOptions,
}

/// Restores the newest checkpoint, runs on, saves, and prints the summary.
pub fn run(args: &ResumeArgs) -> Result<(), CliError> {
    let store_error = |e: avm_store::StoreError| CliError::Input(e.to_string());
    let mut store = Store::open_existing(&args.store).map_err(store_error)?;
    let (info, machine) = store
        .restore_latest()
        .map_err(store_error)?
        .ok_or_else(|| {
            CliError::Input(format!("{} holds no checkpoint yet", args.store.display()))
        })?;
    let consumed = machine.inbox_position().consumed as usize;
    let messages = match &args.inbox {
        Some(path) => {
            let all = read_inbox(path, machine.code())?;
            if all.len() < consumed {
                return Err(CliError::Input(format!(
                    "{} holds {} messages, but the machine already consumed {consumed}",
                    path.display(),
                    all.len()
                )));
            }
            let acc = all[..consumed].iter().fold(Hash::ZERO, |acc, m| {
                keccak_pair(&acc, &value_hash(m, machine.code()))
            });
            if acc != machine.inbox_position().acc {
                return Err(CliError::Input(format!(
                    "the first {consumed} messages of {} are not the ones the machine consumed",
                    path.display()
                )));
            }
            all[consumed..].to_vec()
        }
        None => Vec::new(),
    };
    if !args.options.json {
        errln!("resuming checkpoint {} at step {}", info.seq, info.steps);
    }
    let progress = crate::progress::Progress::new(!args.options.json);
    let mut runtime = args.options.runtime(machine, messages, &progress);
    let report = drive(&mut runtime, &args.options, Some(&mut store), &mut ())?;
    progress.finish();
    print_summary(&mut runtime, &report, args.options.json, false);
    Ok(())
}
