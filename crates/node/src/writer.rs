//! The node's writer thread: it writes what the machine ran to the data dir (one
//! `l2.redb` transaction, one sync of the disk), then serves the blocks it wrote and
//! answers their senders, while the node's thread runs the machine on. The machine
//! never waits for the disk under load; a sender is still answered only once what it
//! was answered about would survive a crash.
//!
//! Commits are written in the order they were handed over, each starting where the one
//! before ended; those waiting together are written as one transaction (a group commit
//! that grows with the load). After a failure (a write, a commit that does not follow
//! on, the thread gone, or the node's thread reporting what it could not stage) nothing
//! more is written, since a hole in the inbox would make the data dir unreadable: every
//! later commit is refused with the first error, and the node must be restarted, which
//! resumes from what the data dir holds.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex, RwLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::archive::Archive;
use crate::persist::{Commit, Ledger};
use crate::NodeError;

/// Called once a commit is written and its blocks served, or with why it was not.
pub type Then = Box<dyn FnOnce(Result<(), &NodeError>) + Send>;

/// A commit on its way to the writer thread, with its ticket and what to call after.
struct Job {
    ticket: u64,
    commit: Commit,
    then: Then,
}

/// The most commits written as one transaction.
const MAX_GROUP: usize = 256;

/// What the writer thread shares with the node's thread.
#[derive(Debug, Default)]
struct Shared {
    /// The ticket of the newest commit written and served (0: none yet).
    written: AtomicU64,
    /// Nanoseconds the writer spent writing.
    busy: AtomicU64,
    /// The first failure.
    failed: Mutex<Option<String>>,
}

impl Shared {
    /// Notes `why` as the failure, unless one is noted already.
    fn fail(&self, why: String) {
        if let Ok(mut failed) = self.failed.lock() {
            failed.get_or_insert(why);
        }
    }

    /// The failure, if there was one.
    fn failed(&self) -> Option<NodeError> {
        match self.failed.lock() {
            Ok(failed) => failed.clone().map(NodeError::Halted),
            Err(_) => Some(NodeError::poisoned("writer")),
        }
    }
}

/// The writer thread is not there to write.
fn gone() -> NodeError {
    NodeError::Store("the writer thread has stopped".into())
}

/// What a failure is noted as (a halt's own reason, not wrapped twice).
fn reason(error: &NodeError) -> String {
    match error {
        NodeError::Halted(why) => why.clone(),
        other => other.to_string(),
    }
}

/// The handle the node's thread keeps; dropping it waits for what was handed over to
/// be written.
pub struct Writer {
    jobs: Option<mpsc::Sender<Job>>,
    thread: Option<JoinHandle<()>>,
    shared: Arc<Shared>,
    /// The ticket of the newest commit handed over.
    issued: u64,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer")
            .field("issued", &self.issued)
            .finish_non_exhaustive()
    }
}

impl Writer {
    /// Starts the writer thread, writing through `ledger` and serving into `archive`.
    pub fn spawn(ledger: Ledger, archive: Arc<RwLock<Archive>>) -> Result<Writer, NodeError> {
        let shared = Arc::new(Shared::default());
        let (jobs, queue) = mpsc::channel();
        let state = shared.clone();
        let thread = std::thread::Builder::new()
            .name("avm-node-writer".into())
            .spawn(move || write_all(&ledger, &archive, &queue, &state))
            .map_err(|e| NodeError::Input(format!("starting the node's writer thread: {e}")))?;
        Ok(Writer {
            jobs: Some(jobs),
            thread: Some(thread),
            shared,
            issued: 0,
        })
    }

    /// Hands `commit` over; `then` is called on the writer thread once it is written
    /// and its blocks served (or with why not). Its ticket.
    pub fn hand_over(&mut self, commit: Commit, then: Then) -> u64 {
        if let Some(error) = self.failed() {
            then(Err(&error));
            return self.issued;
        }
        self.issued += 1;
        let job = Job {
            ticket: self.issued,
            commit,
            then,
        };
        if let Some(jobs) = &self.jobs {
            if let Err(mpsc::SendError(job)) = jobs.send(job) {
                let gone = gone();
                self.shared.fail(reason(&gone));
                (job.then)(Err(&gone));
            }
        }
        self.issued
    }

    /// Waits until everything handed over is written; the first write that failed, if
    /// one did.
    pub fn settle(&mut self) -> Result<(), NodeError> {
        if self.written() < self.issued {
            let (done, wait) = mpsc::channel();
            self.hand_over(
                Commit::default(),
                Box::new(move |_| {
                    let _ = done.send(());
                }),
            );
            if wait.recv().is_err() {
                // The writer dropped the answer without giving it: it is gone.
                self.fail(&gone());
            }
        }
        self.check()
    }

    /// The failure, if there was one, as an error.
    pub fn check(&self) -> Result<(), NodeError> {
        match self.failed() {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }

    /// Notes that the node's thread could not stage what ran (the inbox would have a
    /// hole): nothing more is written.
    pub fn fail(&self, error: &NodeError) {
        self.shared.fail(reason(error));
    }

    /// The ticket of the newest commit written and served.
    pub fn written(&self) -> u64 {
        self.shared.written.load(Ordering::Acquire)
    }

    /// Why the writer stopped writing, if it did (nothing is written after).
    pub fn failed(&self) -> Option<NodeError> {
        self.shared.failed()
    }

    /// Time the writer thread spent writing.
    pub fn busy(&self) -> Duration {
        Duration::from_nanos(self.shared.busy.load(Ordering::Relaxed))
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        // Closing the queue ends the thread once it has written what is queued.
        self.jobs = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The writer thread: takes the commits waiting, writes them as one transaction,
/// serves their blocks, calls their `then`s; until the queue closes.
fn write_all(
    ledger: &Ledger,
    archive: &RwLock<Archive>,
    queue: &mpsc::Receiver<Job>,
    shared: &Shared,
) {
    // Where the next commit's messages must start (known from the first one on).
    let mut next: Option<u64> = None;
    let mut follows = |commit: &Commit| -> Result<(), String> {
        if commit.values.is_empty() {
            return Ok(());
        }
        if let Some(expected) = next.filter(|n| *n != commit.first) {
            return Err(format!(
                "a commit of inbox messages from {} where {expected} was next",
                commit.first
            ));
        }
        next = Some(commit.first + commit.values.len() as u64);
        Ok(())
    };
    // A commit that does not follow on, kept out of the group before it (which is
    // written); it fails on its own next.
    let mut carried: Option<Job> = None;
    loop {
        let job = match carried.take() {
            Some(job) => job,
            None => match queue.recv() {
                Ok(job) => job,
                Err(_) => break,
            },
        };
        if let Err(why) = follows(&job.commit) {
            shared.fail(why);
        }
        let mut last = job.ticket;
        let mut group = job.commit;
        let mut thens = vec![job.then];
        while thens.len() < MAX_GROUP {
            match queue.try_recv() {
                Ok(job) if follows(&job.commit).is_ok() => {
                    last = job.ticket;
                    group.absorb(job.commit);
                    thens.push(job.then);
                }
                Ok(job) => {
                    carried = Some(job);
                    break;
                }
                Err(_) => break,
            }
        }
        let started = Instant::now();
        let result = write_one(ledger, archive, group, shared);
        let took = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
        shared.busy.fetch_add(took, Ordering::Relaxed);
        shared.written.store(last, Ordering::Release);
        for then in thens {
            then(result.as_ref().map(|_| ()));
        }
    }
}

/// Writes one group (unless an earlier write failed) and serves its blocks.
fn write_one(
    ledger: &Ledger,
    archive: &RwLock<Archive>,
    group: Commit,
    shared: &Shared,
) -> Result<(), NodeError> {
    if let Some(error) = shared.failed() {
        return Err(error);
    }
    if group.is_empty() {
        return Ok(());
    }
    let served = ledger.commit(&group).and_then(|()| {
        let mut archive = archive.write().map_err(|_| {
            NodeError::Store(
                "written to the data dir (a restart serves it) but not served: the archive's \
                 lock is poisoned"
                    .into(),
            )
        })?;
        for block in group.blocks {
            archive.push(block);
        }
        Ok(())
    });
    if let Err(error) = &served {
        shared.fail(reason(error));
    }
    served
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::persist::Persist;
    use avm_value::Value;

    /// A new data dir, and a writer on it serving into a new archive.
    fn open(name: &str) -> (std::path::PathBuf, Persist, Arc<RwLock<Archive>>, Writer) {
        let dir = std::env::temp_dir().join(format!("avm-writer-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let persist = Persist::open(&dir).unwrap();
        let archive = Arc::new(RwLock::new(Archive::default()));
        let writer = Writer::spawn(persist.ledger(), archive.clone()).unwrap();
        (dir, persist, archive, writer)
    }

    /// Closes the data dir (the writer first) and removes it.
    fn close(dir: &std::path::Path, writer: Writer, persist: Persist) {
        drop(writer);
        drop(persist);
        let _ = std::fs::remove_dir_all(dir);
    }

    fn messages(first: u64, count: u64) -> Commit {
        Commit {
            first,
            values: (first..first + count).map(Value::int).collect(),
            state: vec![(
                "sequencer",
                serde_json::json!({ "position": first + count }),
            )],
            ..Commit::default()
        }
    }

    /// The `then`s' results, in the order they were called.
    type Seen = Arc<Mutex<Vec<(u64, Result<(), String>)>>>;

    /// What the `then`s saw, in the order they were called.
    fn recorder() -> (Seen, impl Fn(u64) -> Then) {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        let then = move |n: u64| -> Then {
            let log = log.clone();
            Box::new(move |result: Result<(), &NodeError>| {
                log.lock()
                    .unwrap()
                    .push((n, result.map_err(|e| e.to_string())));
            })
        };
        (seen, then)
    }

    #[test]
    fn commits_are_written_in_order_and_answered_after_they_are_written() {
        let (dir, persist, _archive, mut writer) = open("order");
        let (seen, then) = recorder();
        for n in 0..50 {
            writer.hand_over(messages(n * 3, 3), then(n));
        }
        writer.settle().unwrap();
        assert!(writer.written() >= 50, "settled: every commit written");
        let seen = seen.lock().unwrap().clone();
        assert_eq!(
            seen,
            (0..50).map(|n| (n, Ok(()))).collect::<Vec<_>>(),
            "every sender answered once, in the order handed over"
        );
        // Grouped or not, the data dir holds every message at its position, and the
        // state record the last commit wrote.
        let written: Vec<_> = persist
            .messages_between(0, 150)
            .unwrap()
            .iter()
            .map(|v| avm_value::value_hash(v, &avm_value::NoCode))
            .collect();
        let expected: Vec<_> = (0..150)
            .map(|n| avm_value::value_hash(&Value::int(n), &avm_value::NoCode))
            .collect();
        assert_eq!(written, expected);
        assert_eq!(persist.meta("sequencer").unwrap().unwrap()["position"], 150);
        close(&dir, writer, persist);
    }

    #[test]
    fn after_a_failed_write_nothing_more_is_written_and_every_later_commit_is_refused() {
        let (dir, persist, archive, mut writer) = open("fail");
        let (seen, then) = recorder();
        writer.hand_over(messages(0, 2), then(0));
        writer.settle().unwrap();
        // A thread that dies holding the archive poisons it: the next commit is
        // written to the data dir but cannot be served, so the writer stops there.
        let poisoner = archive.clone();
        let _ = std::thread::spawn(move || {
            let _held = poisoner.write().unwrap();
            panic!("poisoning the archive on purpose");
        })
        .join();
        writer.hand_over(messages(2, 2), then(1));
        let failed = writer.settle().unwrap_err().to_string();
        assert!(failed.contains("poisoned"), "{failed}");
        writer.hand_over(messages(4, 2), then(2));
        assert!(writer.settle().is_err());
        let seen = seen.lock().unwrap().clone();
        assert_eq!(seen[0], (0, Ok(())));
        assert_eq!(seen[1].0, 1);
        assert_eq!(seen[2].0, 2);
        // The senders hear the error itself, later ones the halt it caused.
        assert!(failed.ends_with(seen[1].1.as_ref().unwrap_err().as_str()));
        assert_eq!(seen[2].1.as_ref().unwrap_err(), &failed);
        assert!(
            persist.messages_between(4, 6).is_err(),
            "nothing is written after the failure"
        );
        close(&dir, writer, persist);
    }

    #[test]
    fn a_commit_that_does_not_follow_on_stops_the_writer_before_it_writes() {
        let (dir, persist, _archive, mut writer) = open("hole");
        let (seen, then) = recorder();
        writer.hand_over(messages(0, 3), then(0));
        // Messages 3 and 4 never came: writing 5.. would leave a hole.
        writer.hand_over(messages(5, 2), then(1));
        let failed = writer.settle().unwrap_err().to_string();
        assert!(failed.contains("from 5 where 3 was next"), "{failed}");
        assert!(failed.contains("restart"), "{failed}");
        let seen = seen.lock().unwrap().clone();
        assert_eq!(seen.len(), 2);
        assert_eq!(
            seen[0],
            (0, Ok(())),
            "the commit before the hole is written"
        );
        assert_eq!(seen[1].1.as_ref().unwrap_err(), &failed);
        assert_eq!(persist.messages_between(0, 3).unwrap().len(), 3);
        assert!(persist.messages_between(5, 7).is_err());
        close(&dir, writer, persist);
    }

    #[test]
    fn dropping_the_writer_waits_for_what_was_handed_over() {
        let (dir, persist, _archive, mut writer) = open("drop");
        let (seen, then) = recorder();
        for n in 0..20 {
            writer.hand_over(messages(n * 5, 5), then(n));
        }
        drop(writer);
        assert_eq!(seen.lock().unwrap().len(), 20);
        assert_eq!(persist.messages_between(0, 100).unwrap().len(), 100);
        drop(persist);
        // Nothing holds the data dir any more: it opens again.
        Persist::open(&dir).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
    }
}
