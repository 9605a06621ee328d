//! The validators a node hosts: one thread, one [`Watcher`] (the chain as the L1
//! alone shows it, never the sequencer's memory) and the validators acting on it in
//! turn, every `poll`.
//!
//! What they did goes to a shared list (what `avm node` prints and tests read); a
//! failed round is kept as an error and retried on the next one.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use avm_l1::chain::ChainHandle;
use avm_l1::{DevAccount, Rollup};
use avm_machine::Machine;
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

type Shared<T> = Arc<Mutex<Journal<T>>>;

/// The validators' thread.
#[derive(Debug)]
pub struct Validators {
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
        let thread = std::thread::Builder::new()
            .name("avm-validators".into())
            .spawn(move || {
                let mut watcher = Watcher::new(rollup, initial);
                while !stop_flag.load(Ordering::Relaxed) {
                    let mut round = || -> Result<(), avm_validator::ValidatorError> {
                        watcher.sync(&l1)?;
                        for validator in &mut validators {
                            for action in validator.act(&watcher, &l1)? {
                                if let Ok(mut list) = taken_list.lock() {
                                    list.push(Taken {
                                        validator: validator.address,
                                        action,
                                    });
                                }
                            }
                        }
                        Ok(())
                    };
                    if let Err(e) = round() {
                        if let Ok(mut list) = error_list.lock() {
                            list.push(e.to_string());
                        }
                    }
                    std::thread::sleep(poll);
                }
            })
            .map_err(|e| NodeError::Store(format!("starting the validators' thread: {e}")))?;
        Ok(Validators {
            stop,
            taken,
            errors,
            thread: Mutex::new(Some(thread)),
        })
    }

    /// What the validators did (the newest [`Journal::KEEP`] actions), in order.
    pub fn taken(&self) -> Vec<Taken> {
        self.taken_since(0).0
    }

    /// The actions numbered `from` on, and the number of the next.
    pub fn taken_since(&self, from: u64) -> (Vec<Taken>, u64) {
        self.taken
            .lock()
            .map(|t| t.since(from))
            .unwrap_or((Vec::new(), from))
    }

    /// The errors of failed rounds (the newest [`Journal::KEEP`]).
    pub fn errors(&self) -> Vec<String> {
        self.errors_since(0).0
    }

    /// The errors numbered `from` on, and the number of the next.
    pub fn errors_since(&self, from: u64) -> (Vec<String>, u64) {
        self.errors
            .lock()
            .map(|e| e.since(from))
            .unwrap_or((Vec::new(), from))
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
