//! The node's thread: it owns the machine (a machine moves between threads only as a
//! request, a reply or a checkpoint) and serves requests from the JSON-RPC threads,
//! taking the transactions that arrive together into one block, and on a clock reads
//! the L1's new delayed messages and posts pending batches.

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use avm_value::Hash;

use crate::archive::Archive;
use crate::core::{check, Checked, NodeCore, Refused};
use crate::NodeError;

type Work = Box<dyn FnOnce(&mut NodeCore) + Send>;

/// Where a submission's answer goes: given once, on the node's thread or the
/// writer's (or, refused at once, on the submitting thread before `submit_then`
/// returns). A reply dropped unanswered (the node stopped first) tells its sender so.
/// While it waits it counts among the node's [`Waiting`] submissions.
struct Reply {
    then: Option<Answer>,
    waiting: Arc<Waiting>,
}

/// What takes a submission's answer.
type Answer = Box<dyn FnOnce(Result<Hash, Refused>) + Send>;

/// Most submissions waiting for their answers at once (queued for the node's
/// thread, in a block being made, or being written). Senders are answered as their
/// blocks are written, so in the normal course these are as many as the senders
/// waiting (the server's connections); more pile up only when the node's thread is
/// held up while senders that gave up send again. Beyond it a submission is refused
/// as geth refuses one for a full pool, so that memory stays bounded.
pub const MAX_WAITING: usize = 4_096;

/// The count of submissions waiting for their answers.
#[derive(Debug, Default)]
struct Waiting(AtomicUsize);

impl Waiting {
    /// Counts one more waiting submission, unless `max` are waiting already.
    fn enter(&self, max: usize) -> bool {
        self.0
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < max).then_some(n + 1)
            })
            .is_ok()
    }

    fn leave(&self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Reply {
    /// A reply for a submission already counted in `waiting`.
    fn new(
        then: impl FnOnce(Result<Hash, Refused>) + Send + 'static,
        waiting: Arc<Waiting>,
    ) -> Reply {
        Reply {
            then: Some(Box::new(then)),
            waiting,
        }
    }

    fn send(mut self, answer: Result<Hash, Refused>) {
        self.give(answer);
    }

    /// Gives `answer` to the callback, if it has not had one, and counts the
    /// submission out. A callback that panics is the sender's failure, not the
    /// node's: the writer's or the node's thread goes on.
    fn give(&mut self, answer: Result<Hash, Refused>) {
        if let Some(then) = self.then.take() {
            self.waiting.leave();
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| then(answer)));
        }
    }
}

/// What a sender hears when the node stops before answering it.
fn stopped_while_sequencing() -> Refused {
    Refused::Node("the node stopped while sequencing".into())
}

impl Drop for Reply {
    fn drop(&mut self) {
        self.give(Err(stopped_while_sequencing()));
    }
}

enum Request {
    Submit(Box<Result<Checked, Refused>>, Reply),
    Work(Work),
    Stop(mpsc::Sender<Result<(), String>>),
}

/// Most transactions taken into one block.
const MAX_BLOCK_TXS: usize = 256;

/// Most blocks sequenced in one turn of the node's thread before it looks at its
/// clocks (new delayed messages, batches to post) again.
const MAX_TURN_BLOCKS: usize = 64;

/// How often the node looks at the L1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clocks {
    /// How often to read new delayed messages.
    pub poll: Duration,
    /// How often to post a batch of what was sequenced.
    pub batch_interval: Duration,
}

/// A handle to the node's thread; cheap to clone and share.
#[derive(Clone)]
pub struct NodeHandle {
    requests: mpsc::Sender<Request>,
    chain_id: u64,
    archive: Arc<RwLock<Archive>>,
    errors: Arc<Mutex<Vec<String>>>,
    waiting: Arc<Waiting>,
}

impl std::fmt::Debug for NodeHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeHandle").finish_non_exhaustive()
    }
}

impl NodeHandle {
    /// Starts the node's thread, makes the node there with `make`, and serves it.
    pub fn spawn(
        make: impl FnOnce(Arc<RwLock<Archive>>) -> Result<NodeCore, NodeError> + Send + 'static,
        clocks: Clocks,
    ) -> Result<NodeHandle, NodeError> {
        let archive = Arc::new(RwLock::new(Archive::default()));
        let errors = Arc::new(Mutex::new(Vec::new()));
        let (requests, queue) = mpsc::channel::<Request>();
        let (ready, started) = mpsc::channel::<Result<u64, NodeError>>();
        let shared = archive.clone();
        let seen = errors.clone();
        std::thread::Builder::new()
            .name("avm-node".into())
            .spawn(move || {
                let core = match make(shared) {
                    Ok(core) => {
                        let _ = ready.send(Ok(core.chain_id()));
                        core
                    }
                    Err(e) => {
                        let _ = ready.send(Err(e));
                        return;
                    }
                };
                serve(core, &queue, clocks, &seen);
            })
            .map_err(|e| NodeError::Input(format!("starting the node's thread: {e}")))?;
        let chain_id = started
            .recv()
            .map_err(|_| NodeError::Input("the node's thread ended before it started".into()))??;
        Ok(NodeHandle {
            requests,
            chain_id,
            archive,
            errors,
            waiting: Arc::default(),
        })
    }

    /// The archive, to read blocks, transactions and logs without waiting for the
    /// machine.
    pub fn archive(&self) -> &Arc<RwLock<Archive>> {
        &self.archive
    }

    /// Sends a raw transaction to the sequencer; its hash once its block is written
    /// (or at once, if it waits for earlier nonces), or why it was refused.
    pub fn submit(&self, raw: Vec<u8>) -> Result<Hash, Refused> {
        let (reply, answer) = mpsc::channel();
        self.submit_then(&raw, move |result| {
            let _ = reply.send(result);
        });
        answer.recv().map_err(|_| stopped_while_sequencing())?
    }

    /// [`NodeHandle::submit`] without waiting: `then` gets the answer once its block
    /// is written, on the writer's thread (or the node's), so it must only hand it
    /// on; refused at once (a bad signature, a stopped node), it gets it on this
    /// thread before this returns, so it must not need a lock the caller holds. A
    /// server's I/O thread answers a sender this way without holding a thread while
    /// the block is made.
    pub fn submit_then(
        &self,
        raw: &[u8],
        then: impl FnOnce(Result<Hash, Refused>) + Send + 'static,
    ) {
        // Decoding and recovering the signer happen here, on the caller's thread.
        let checked = match check(raw, self.chain_id) {
            Ok(checked) => checked,
            Err(refused) => return then(Err(refused)),
        };
        if !self.waiting.enter(MAX_WAITING) {
            return then(Err(Refused::PoolFull));
        }
        let reply = Reply::new(then, self.waiting.clone());
        if let Err(mpsc::SendError(Request::Submit(_, reply))) = self
            .requests
            .send(Request::Submit(Box::new(Ok(checked)), reply))
        {
            reply.send(Err(Refused::Node("the node has stopped".into())));
        }
    }

    /// Runs `work` on the node's thread and returns its result.
    pub fn with<R: Send + 'static>(
        &self,
        work: impl FnOnce(&mut NodeCore) -> R + Send + 'static,
    ) -> Result<R, NodeError> {
        let (reply, answer) = mpsc::channel();
        self.requests
            .send(Request::Work(Box::new(move |core: &mut NodeCore| {
                let _ = reply.send(work(core));
            })))
            .map_err(|_| NodeError::Input("the node has stopped".into()))?;
        answer
            .recv()
            .map_err(|_| NodeError::Input("the node stopped while working".into()))
    }

    /// Posts what is pending and stops the node's thread.
    pub fn stop(&self) -> Result<(), NodeError> {
        let (reply, answer) = mpsc::channel();
        self.requests
            .send(Request::Stop(reply))
            .map_err(|_| NodeError::Input("the node has stopped".into()))?;
        answer
            .recv()
            .map_err(|_| NodeError::Input("the node stopped while stopping".into()))?
            .map_err(NodeError::Input)
    }

    /// Errors the node's clock work met (and went on after), oldest first.
    pub fn errors(&self) -> Vec<String> {
        self.errors.lock().map(|e| e.clone()).unwrap_or_default()
    }
}

fn note(errors: &Mutex<Vec<String>>, e: &NodeError) {
    let text = e.to_string();
    let _ = writeln!(std::io::stderr(), "avm node: {text}");
    if let Ok(mut list) = errors.lock() {
        list.push(text);
        if list.len() > 100 {
            list.remove(0);
        }
    }
}

fn serve(
    mut core: NodeCore,
    queue: &mpsc::Receiver<Request>,
    clocks: Clocks,
    errors: &Mutex<Vec<String>>,
) {
    let mut last_poll = Instant::now();
    let mut last_post = Instant::now();
    loop {
        let wait = clocks.poll.saturating_sub(last_poll.elapsed());
        match queue.recv_timeout(wait) {
            Ok(request) => {
                if let Some(farewell) = handle(&mut core, queue, request, errors) {
                    // The data dir is closed before the stop is answered: a node may
                    // open it again at once.
                    drop(core);
                    farewell();
                    return;
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => {
                if let Err(e) = core.stop() {
                    note(errors, &e);
                }
                return;
            }
        }
        if last_poll.elapsed() >= clocks.poll {
            let post = last_post.elapsed() >= clocks.batch_interval;
            if let Err(e) = core.tick(post) {
                note(errors, &e);
            }
            last_poll = Instant::now();
            if post {
                last_post = Instant::now();
            }
        }
    }
}

/// Sequences the submission `first` and those queued behind it, a block per batch
/// taken from the queue, while more are waiting (up to [`MAX_TURN_BLOCKS`] blocks);
/// hands each block to the writer thread, which answers its senders once it is
/// written (the machine runs the next block meanwhile). The other requests met on the
/// way, to handle next.
fn sequence(
    core: &mut NodeCore,
    queue: &mpsc::Receiver<Request>,
    first: Box<Result<Checked, Refused>>,
    reply: Reply,
) -> Vec<Request> {
    let mut later = Vec::new();
    let mut next = Some((first, reply));
    let mut blocks = 0;
    while let Some((checked, reply)) = next.take() {
        blocks += 1;
        let mut batch = vec![*checked];
        let mut replies = vec![reply];
        while batch.len() < MAX_BLOCK_TXS {
            match queue.try_recv() {
                Ok(Request::Submit(checked, reply)) => {
                    batch.push(*checked);
                    replies.push(reply);
                }
                Ok(other) => {
                    later.push(other);
                    break;
                }
                Err(_) => break,
            }
        }
        let mut answers = core.submit_checked(batch);
        // An error handing over has gone to `then` already.
        let _ = core.hand_over(Box::new(move |written| {
            if let Err(e) = written {
                crate::core::refuse_all(&mut answers, e);
            }
            for (reply, answer) in replies.into_iter().zip(answers) {
                reply.send(answer);
            }
        }));
        if later.is_empty() && blocks < MAX_TURN_BLOCKS {
            match queue.try_recv() {
                Ok(Request::Submit(checked, reply)) => next = Some((checked, reply)),
                Ok(other) => later.push(other),
                Err(_) => {}
            }
        }
    }
    later
}

/// What the node's thread does once the node is dropped, when it stops.
type Farewell = Box<dyn FnOnce()>;

/// Handles `request` (a submission with those queued behind it); if the node must
/// stop, the answer to give once it is dropped.
fn handle(
    core: &mut NodeCore,
    queue: &mpsc::Receiver<Request>,
    request: Request,
    errors: &Mutex<Vec<String>>,
) -> Option<Farewell> {
    match request {
        Request::Work(work) => {
            // Work sees the archive as far as the machine. A failed write is no reason
            // to refuse it: reads go on, and calls meet the failure themselves.
            let _ = core.settle();
            work(core);
            None
        }
        Request::Submit(checked, reply) => {
            // What `sequence` leaves for later is never a submission: no deeper than this.
            for request in sequence(core, queue, checked, reply) {
                if let Some(farewell) = handle(core, queue, request, errors) {
                    return Some(farewell);
                }
            }
            None
        }
        Request::Stop(reply) => {
            let result = core.stop().map_err(|e| {
                note(errors, &e);
                e.to_string()
            });
            Some(Box::new(move || {
                let _ = reply.send(result);
            }))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_is_given_once_and_a_dropped_one_says_the_node_stopped() {
        let waiting = Arc::new(Waiting::default());
        let (tx, rx) = mpsc::channel();
        let sent = tx.clone();
        assert!(waiting.enter(2) && waiting.enter(2));
        let first = Reply::new(
            move |answer| {
                let _ = sent.send(answer);
            },
            waiting.clone(),
        );
        let second = Reply::new(
            move |answer| {
                let _ = tx.send(answer);
            },
            waiting.clone(),
        );
        // Two are waiting: a third is not let in until one is answered.
        assert!(!waiting.enter(2));
        first.send(Ok(Hash([7; 32])));
        assert_eq!(waiting.0.load(Ordering::Acquire), 1);
        drop(second);
        assert_eq!(waiting.0.load(Ordering::Acquire), 0);
        let answers: Vec<_> = rx.iter().collect();
        assert!(matches!(&answers[..], [Ok(h), Err(Refused::Node(why))]
            if *h == Hash([7; 32]) && why.contains("stopped")));
        // A callback that fails does not take the giving thread with it, and its
        // submission is counted out all the same.
        for _ in 0..2 {
            assert!(waiting.enter(2));
        }
        Reply::new(
            |_| panic!("a sender's callback that fails"),
            waiting.clone(),
        )
        .send(Ok(Hash([0; 32])));
        drop(Reply::new(
            |_| panic!("a sender's callback that fails"),
            waiting.clone(),
        ));
        assert_eq!(waiting.0.load(Ordering::Acquire), 0);
    }
}
