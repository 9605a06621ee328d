//! The node's thread: it owns the machine (a machine moves between threads only as a
//! request, a reply or a checkpoint) and serves requests from the JSON-RPC threads,
//! taking the transactions that arrive together into one block, and on a clock reads
//! the L1's new delayed messages and posts pending batches.

use std::io::Write;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use avm_value::Hash;

use crate::archive::Archive;
use crate::core::{check, Checked, NodeCore, Refused};
use crate::NodeError;

type Work = Box<dyn FnOnce(&mut NodeCore) + Send>;

/// Where a submission's answer goes.
type Reply = mpsc::Sender<Result<Hash, Refused>>;

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
        // Decoding and recovering the signer happen here, on the caller's thread.
        let checked = check(&raw, self.chain_id)?;
        let (reply, answer) = mpsc::channel();
        self.requests
            .send(Request::Submit(Box::new(Ok(checked)), reply))
            .map_err(|_| Refused::Node("the node has stopped".into()))?;
        answer
            .recv()
            .map_err(|_| Refused::Node("the node stopped while sequencing".into()))?
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
                let _ = reply.send(answer);
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
