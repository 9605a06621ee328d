//! The validators a node hosts: one thread, one [`Watcher`] (the chain as the L1
//! alone shows it, never the sequencer's memory) and the validators acting on it in
//! turn, every `poll`.
//!
//! What they did goes to a shared list (what `avm node` prints and tests read); a
//! failed round is kept as an error and retried on the next one.
//!
//! The watcher's machine at the latest confirmed node is saved in the data dir
//! (`D/validators`, an avm-store) each time a node is confirmed, so a restarted node's
//! validators run only what came after it (the nodes before are final on the L1).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use avm_l1::chain::ChainHandle;
use avm_l1::{DevAccount, Rollup};
use avm_machine::Machine;
use avm_store::Store;
use avm_validator::{Action, Strategy, Thresholds, Validator, Watcher};

use crate::NodeError;

/// The thresholds of a dev chain's validators: a node as soon as one send waits (a
/// withdrawal), else every 100 L1 blocks.
pub const DEV_THRESHOLDS: Thresholds = Thresholds {
    sends: 1,
    gas: 100_000_000_000,
    blocks: 100,
};

/// One validator to run: its strategy and L1 account.
#[derive(Clone, Debug)]
pub struct ValidatorSpec {
    /// How it behaves.
    pub strategy: Strategy,
    /// Its L1 account (whitelisted by the owner; the L1 signs with its key).
    pub account: DevAccount,
    /// When it makes a node while nothing is disputed.
    pub thresholds: Thresholds,
}

/// An action taken, by whom.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Taken {
    /// The validator's address.
    pub validator: [u8; 20],
    /// What it did.
    pub action: Action,
}

/// A bounded log: the newest [`Journal::KEEP`] entries, each with its number since
/// the start (so a reader can ask for what came after what it saw).
#[derive(Debug)]
pub struct Journal<T> {
    first: u64,
    entries: std::collections::VecDeque<T>,
}

impl<T: Clone> Journal<T> {
    /// How many entries are kept.
    pub const KEEP: usize = 10_000;

    fn new() -> Journal<T> {
        Journal {
            first: 0,
            entries: Default::default(),
        }
    }

    fn push(&mut self, entry: T) {
        if self.entries.len() == Self::KEEP {
            self.entries.pop_front();
            self.first += 1;
        }
        self.entries.push_back(entry);
    }

    /// The entries numbered `from` on that are still kept, and the number the next
    /// one will have.
    pub fn since(&self, from: u64) -> (Vec<T>, u64) {
        let skip = usize::try_from(from.saturating_sub(self.first)).unwrap_or(usize::MAX);
        let next = self.first + self.entries.len() as u64;
        (self.entries.iter().skip(skip).cloned().collect(), next)
    }
}

/// The entries of a shared journal numbered `from` on, and the number of the next (none
/// if a thread panicked while holding it).
fn read_since<T: Clone>(journal: &Mutex<Journal<T>>, from: u64) -> (Vec<T>, u64) {
    journal
        .lock()
        .map(|j| j.since(from))
        .unwrap_or((Vec::new(), from))
}

type Shared<T> = Arc<Mutex<Journal<T>>>;

/// The validators' thread.
#[derive(Debug)]
pub struct Validators {
    /// The confirmed node the validators' checkpoint matched at the start.
    based: Arc<Mutex<Option<u64>>>,
    /// The confirmed node of the newest checkpoint saved.
    saved: Arc<Mutex<Option<u64>>>,
    stop: Arc<AtomicBool>,
    taken: Shared<Taken>,
    errors: Shared<String>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Validators {
    /// Starts `specs` on `rollup`, whose node 0 is `initial`, acting every `poll`.
    pub fn start(
        l1: ChainHandle,
        rollup: Rollup,
        initial: Machine,
        specs: &[ValidatorSpec],
        poll: Duration,
        log_window: u64,
        dir: Option<std::path::PathBuf>,
    ) -> Result<Validators, NodeError> {
        let stop = Arc::new(AtomicBool::new(false));
        let taken = Arc::new(Mutex::new(Journal::new()));
        let errors = Arc::new(Mutex::new(Journal::new()));
        let mut validators: Vec<Validator> = specs
            .iter()
            .map(|s| {
                let mut validator = Validator::new(rollup, s.account.address, s.strategy);
                validator.thresholds = s.thresholds;
                validator
            })
            .collect();
        let (stop_flag, taken_list, error_list) = (stop.clone(), taken.clone(), errors.clone());
        let based = Arc::new(Mutex::new(None));
        let based_on = based.clone();
        let saved_at = Arc::new(Mutex::new(None));
        let saved_report = saved_at.clone();
        let mut store = match dir {
            Some(dir) => Some(
                Store::open(&dir)
                    .map_err(|e| NodeError::Store(format!("{}: {e}", dir.display())))?,
            ),
            None => None,
        };
        let report = move |e: String| {
            if let Ok(mut list) = error_list.lock() {
                list.push(e);
            }
        };
        let thread = std::thread::Builder::new()
            .name("avm-validators".into())
            .spawn(move || {
                let checkpoint = store
                    .as_ref()
                    .and_then(|s| s.restore_latest().ok().flatten());
                let mut saved = checkpoint.as_ref().map(|(info, _)| info.seq);
                let mut watcher = match checkpoint {
                    Some((_, machine)) => {
                        Watcher::from_checkpoint(rollup, initial.clone(), machine)
                    }
                    None => Watcher::new(rollup, initial.clone()),
                };
                watcher.set_log_window(log_window);
                let mut saved_node = 0;
                let mut first = true;
                while !stop_flag.load(Ordering::Relaxed) {
                    let mut round = || -> Result<(), avm_validator::ValidatorError> {
                        watcher.sync(&l1)?;
                        if std::mem::take(&mut first) {
                            if watcher.checkpoint_unmatched() {
                                report(
                                    "the validators' checkpoint is no confirmed node of this \
                                     rollup: starting from its creation"
                                        .into(),
                                );
                                watcher = Watcher::new(rollup, initial.clone());
                                watcher.set_log_window(log_window);
                                watcher.sync(&l1)?;
                            }
                            if let Ok(mut b) = based_on.lock() {
                                *b = watcher.based_on();
                            }
                            saved_node = watcher.based_on().unwrap_or(0);
                        }
                        // One validator's failure (its L1 account out of funds, say)
                        // is its own: the others act all the same.
                        for validator in &mut validators {
                            match validator.act(&watcher, &l1) {
                                Ok(actions) => {
                                    if let Ok(mut list) = taken_list.lock() {
                                        for action in actions {
                                            list.push(Taken {
                                                validator: validator.address,
                                                action,
                                            });
                                        }
                                    }
                                }
                                Err(e) => report(format!(
                                    "validator 0x{}: {e}",
                                    hex::encode(validator.address)
                                )),
                            }
                        }
                        Ok(())
                    };
                    if let Err(e) = round() {
                        report(e.to_string());
                    }
                    if let Some(store) = store.as_mut() {
                        let confirmed = watcher.status().map_or(0, |s| s.latest_confirmed);
                        if confirmed > saved_node {
                            if let Some(run) = watcher.run_of(confirmed) {
                                let mut machine = run.machine.clone();
                                match store.save(&mut machine) {
                                    Ok(info) => {
                                        if let Some(old) = saved.replace(info.seq) {
                                            let _ = store.delete(&[old]);
                                        }
                                        saved_node = confirmed;
                                        if let Ok(mut s) = saved_report.lock() {
                                            *s = Some(confirmed);
                                        }
                                    }
                                    Err(e) => report(format!("saving a checkpoint: {e}")),
                                }
                            }
                        }
                    }
                    std::thread::sleep(poll);
                }
            })
            .map_err(|e| NodeError::Store(format!("starting the validators' thread: {e}")))?;
        Ok(Validators {
            based,
            saved: saved_at,
            stop,
            taken,
            errors,
            thread: Mutex::new(Some(thread)),
        })
    }

    /// The confirmed node whose checkpoint the validators started from (None: from
    /// the rollup's creation, or not started yet).
    pub fn started_from(&self) -> Option<u64> {
        self.based.lock().ok().and_then(|b| *b)
    }

    /// The confirmed node of the newest checkpoint saved since the start.
    pub fn checkpointed(&self) -> Option<u64> {
        self.saved.lock().ok().and_then(|s| *s)
    }

    /// What the validators did (the newest [`Journal::KEEP`] actions), in order.
    pub fn taken(&self) -> Vec<Taken> {
        self.taken_since(0).0
    }

    /// The actions numbered `from` on, and the number of the next.
    pub fn taken_since(&self, from: u64) -> (Vec<Taken>, u64) {
        read_since(&self.taken, from)
    }

    /// The errors of failed rounds (the newest [`Journal::KEEP`]).
    pub fn errors(&self) -> Vec<String> {
        self.errors_since(0).0
    }

    /// The errors numbered `from` on, and the number of the next.
    pub fn errors_since(&self, from: u64) -> (Vec<String>, u64) {
        read_since(&self.errors, from)
    }

    /// Stops the thread after its current round.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
        let thread = self.thread.lock().ok().and_then(|mut t| t.take());
        if let Some(thread) = thread {
            let _ = thread.join();
        }
    }
}

impl Drop for Validators {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::Journal;

    #[test]
    fn a_journal_keeps_the_newest_entries_and_numbers_them_from_the_start() {
        let mut journal = Journal::new();
        let total = Journal::<u64>::KEEP as u64 + 5;
        for i in 0..total {
            journal.push(i);
        }
        let (all, next) = journal.since(0);
        assert_eq!(next, total);
        assert_eq!(all.len(), Journal::<u64>::KEEP);
        assert_eq!(all.first(), Some(&5));
        assert_eq!(
            journal.since(total - 2),
            (vec![total - 2, total - 1], total)
        );
        assert_eq!(journal.since(total), (vec![], total));
    }
}
