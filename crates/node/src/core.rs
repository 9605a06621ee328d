//! The node's state and what it does, on the one thread that owns the machine:
//! sequencing signed transactions, reading delayed messages from the L1, posting
//! batches, closing blocks into the archive, keeping it all in the data dir, and
//! answering calls on copies of the machine.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use avm_arbos::{Address, ArbosLog, L2Message, ResultCode, SignedTx};
use avm_l1::abi::{self, Token};
use avm_l1::chain::ChainHandle;
use avm_l1::delivery::{self, InboxReader};
use avm_l1::{Chain, Rollup, MAX_PROVABLE_MESSAGE};
use avm_value::{Hash, Int, Value};
use avm_verifier::classic::L1Message;
use serde_json::json;

use crate::archive::Archive;
pub use crate::calls::{CallResult, CallSpec};
use crate::chain::{L2Block, L2Tx};
use crate::l2::{L2Machine, Outputs};
use crate::persist::{sequencer_from_json, sequencer_json, Commit, Persist, CHECKPOINT_EVERY};
use crate::sequencer::Sequencer;
use crate::writer::{Then, Writer};
use crate::NodeError;

/// The largest raw transaction taken (geth's pool limit).
pub const MAX_RAW_TX: usize = 128 * 1024;

/// Why a raw transaction was refused before it was sequenced (the messages are
/// geth's, so clients that match on them recognise them).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// Not a legacy transaction, or not RLP.
    #[error("{0}")]
    Malformed(String),
    /// Signed for another chain.
    #[error("invalid chain id for signer: have {have}, want {want}")]
    ChainId {
        /// The transaction's.
        have: String,
        /// Ours.
        want: u64,
    },
    /// The nonce was used already.
    #[error("nonce too low: next nonce {next}, tx nonce {nonce}")]
    NonceTooLow {
        /// The account's next nonce.
        next: u64,
        /// The transaction's.
        nonce: u64,
    },
    /// A transaction with this nonce is waiting already, at a price as high.
    #[error("replacement transaction underpriced")]
    Underpriced,
    /// Seen before.
    #[error("already known")]
    Known,
    /// Too large to take, or to prove on L1.
    #[error("{0}")]
    TooLarge(String),
    /// The node follows the rollup and sequences nothing.
    #[error("this node follows the rollup on L1 and sequences nothing: send transactions to the rollup's sequencer")]
    Follower,
    /// Too many submissions are waiting for their answers already
    /// ([`crate::service::MAX_WAITING`]).
    #[error("txpool is full")]
    PoolFull,
    /// The node failed.
    #[error("{0}")]
    Node(String),
}

/// A chain's run as `avm replay` checks it: every message the machine read, every
/// log and send it made.
#[derive(Debug, Clone, Default)]
pub struct Recording {
    /// The machine's inbox, from its first message.
    pub inbox: Vec<Value>,
    /// Its logs, from the boot on.
    pub logs: Vec<Value>,
    /// Its sends.
    pub sends: Vec<Vec<u8>>,
}

/// Turns the answers that were hashes into the error that kept them from being
/// written.
pub fn refuse_all(answers: &mut [Result<Hash, Refused>], error: &NodeError) {
    for answer in answers.iter_mut().filter(|a| a.is_ok()) {
        *answer = Err(Refused::Node(error.to_string()));
    }
}

/// A raw transaction checked on its own (see [`check`]): signed by `from` for this
/// chain, its sequencer item provable on L1. What it needs of the chain's state (its
/// nonce, whether it is known) the node checks when it takes it.
#[derive(Debug, Clone)]
pub struct Checked {
    tx: SignedTx,
    hash: Hash,
    from: Address,
    item: Vec<u8>,
}

/// A raw transaction of `size` bytes, over [`MAX_RAW_TX`], refused with geth's
/// message.
pub(crate) fn oversized(size: usize) -> Refused {
    Refused::TooLarge(format!(
        "oversized data: transaction size {size}, limit {MAX_RAW_TX}"
    ))
}

/// Checks what a raw transaction says on its own (any thread may, so that the
/// node's thread does not spend its time recovering signers): a legacy transaction,
/// for chain `chain_id`, with a signer, small enough to take and to prove on L1.
pub fn check(raw: &[u8], chain_id: u64) -> Result<Checked, Refused> {
    if raw.len() > MAX_RAW_TX {
        return Err(oversized(raw.len()));
    }
    let tx = SignedTx::decode(raw).map_err(|e| Refused::Malformed(e.to_string()))?;
    let hash = tx.hash();
    if let Some(chain) = tx.chain_id() {
        if chain != Int::from(chain_id) {
            return Err(Refused::ChainId {
                have: chain.to_string(),
                want: chain_id,
            });
        }
    }
    let from = tx
        .signer()
        .map_err(|e| Refused::Malformed(format!("invalid sender: {e}")))?;
    let item = L2Message::signed(&tx)
        .map_err(|e| Refused::Malformed(e.to_string()))?
        .encode();
    if item.len() > MAX_PROVABLE_MESSAGE {
        return Err(Refused::TooLarge(format!(
            "oversized data: a sequencer item of {} bytes, but an inbox step reading more than \
             {MAX_PROVABLE_MESSAGE} cannot be proven on L1",
            item.len()
        )));
    }
    Ok(Checked {
        tx,
        hash,
        from,
        item,
    })
}

/// How the node starts.
#[derive(Debug, Clone)]
pub struct CoreConfig {
    /// The data dir.
    pub data_dir: PathBuf,
    /// ArbOS's image.
    pub arbos: PathBuf,
    /// The L2's chain id.
    pub chain_id: u64,
    /// Record everything the machine reads and writes (`--record`; a new chain only).
    pub record: bool,
    /// Follow the rollup: the machine reads the SequencerInbox as the L1 holds it, and
    /// the node sequences nothing.
    pub follow: bool,
    /// Most L1 blocks one `eth_getLogs` of the inbox covers.
    pub l1_log_window: u64,
}

/// The node's state, owned by its thread.
pub struct NodeCore {
    l2: L2Machine,
    seq: Sequencer,
    l1: ChainHandle,
    rollup: Rollup,
    reader: Option<InboxReader>,
    archive: Arc<RwLock<Archive>>,
    /// The newest closed block's hash (the next block's parent; 0 before genesis).
    tip: Hash,
    open: Vec<L2Tx>,
    /// Outbox batches logged since the last block closed (they go with the next one).
    open_outbox: Vec<(avm_arbos::outbox::OutboxBatchLog, Value)>,
    persist: Persist,
    chain_id: u64,
    nonces: HashMap<Address, u64>,
    held: HashMap<Address, BTreeMap<u64, Checked>>,
    /// The states of old blocks calls asked for lately (rebuilt from a checkpoint and
    /// messages; kept apart from the running machine, which they share nothing with).
    recent: BTreeMap<u64, avm_machine::Machine>,
    /// Each block's state as an inbox position (messages read when it was over).
    positions: HashMap<u64, u64>,
    /// The machine's checkpoints in the data dir: inbox position -> checkpoint.
    checkpoints: BTreeMap<u64, u64>,
    /// Blocks closed since the newest checkpoint.
    since_checkpoint: u64,
    /// Sends (L2-to-L1 messages) so far.
    sends: Vec<Vec<u8>>,
    /// Everything the machine read and wrote, when recording (`--record`).
    recording: Option<Recording>,
    /// Where the node's thread spent its time on transactions.
    timing: Timing,
    /// What the machine ran since the last hand-over (see [`NodeCore::hand_over`]).
    staged: Staged,
    /// Writes what ran to the data dir and serves its blocks, on its own thread.
    writer: Writer,
    /// The transactions of the commits handed over but maybe not yet served, by the
    /// writer's ticket.
    in_flight: VecDeque<(u64, Vec<Hash>)>,
    /// A follower: reads the L1's inbox, sequences nothing.
    follow: bool,
}

/// Messages run and blocks closed but not yet handed to the writer thread (which
/// writes, under load, the blocks of several batches of transactions with one sync of
/// the disk, and answers their senders after it: a group commit).
#[derive(Debug, Default)]
struct Staged {
    /// The inbox position of the first message.
    first: u64,
    /// The messages.
    values: Vec<Value>,
    /// The blocks they closed, and each one's state as an inbox position.
    blocks: Vec<L2Block>,
    positions: Vec<u64>,
}

/// Where the node's thread spent its time sequencing transactions: the whole, and
/// the part the AVM ran ArbOS (the rest is the node: checks, receipts, the store).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Timing {
    /// Time in [`NodeCore::submit_checked`].
    pub sequencing: std::time::Duration,
    /// Of which the machine ran (reading its outputs aside).
    pub machine: std::time::Duration,
    /// Time the writer thread spent writing what ran to the data dir (commits, each
    /// with a sync of the disk), while the node's thread ran on.
    pub writing: std::time::Duration,
    /// Time the node's thread spent saving checkpoints of the machine (one every
    /// [`CHECKPOINT_EVERY`] blocks).
    pub checkpointing: std::time::Duration,
}

impl std::fmt::Debug for NodeCore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeCore")
            .field("chain_id", &self.chain_id)
            .field("position", &self.seq.position)
            .finish_non_exhaustive()
    }
}

/// Old block states kept in memory after a call rebuilt them.
const RECENT_STATES: usize = 16;

/// The call data of `signature` with an address argument (and words after it).
fn query(signature: &str, address: Address, words: &[[u8; 32]]) -> Vec<u8> {
    let mut args = vec![Token::Word(abi::address(address.0))];
    args.extend(words.iter().map(|w| Token::Word(*w)));
    abi::encode_call(signature, &args)
}

impl NodeCore {
    /// Starts the node: a new chain (ArbOS booted, the rollup's delayed messages read
    /// and posted) or the one kept in the data dir, which continues where it stopped.
    pub fn start(
        config: &CoreConfig,
        l1: ChainHandle,
        rollup: Rollup,
        archive: Arc<RwLock<Archive>>,
    ) -> Result<NodeCore, NodeError> {
        let persist = Persist::open(&config.data_dir)?;
        let stored = persist.meta("chain")?;
        let program = avm_code::load_mexe(&config.arbos, &avm_code::LoadOptions::default())
            .map_err(|e| NodeError::Input(format!("--arbos: {e}")))?;
        let mut core = match stored {
            None => {
                let (l2, outputs) = L2Machine::boot(program)?;
                let seq = Sequencer::new(rollup.sequencer);
                let mut core = NodeCore::assemble(config, l1, rollup, archive, persist, l2, seq)?;
                core.recording = config.record.then(Recording::default);
                let (closed, positions): (Vec<L2Block>, Vec<u64>) =
                    core.absorb(outputs)?.into_iter().unzip();
                core.commit_at(0, Vec::new(), closed, positions, Box::new(|_| {}))?;
                core.settle()?;
                core
            }
            Some(chain) => {
                if config.record {
                    return Err(NodeError::Input(
                        "--record records a chain from its start, and the data dir holds one \
                         already (start with a new --data-dir to record)"
                            .into(),
                    ));
                }
                let chain_id = chain.get("chain_id").and_then(|c| c.as_u64());
                if chain_id != Some(config.chain_id) {
                    return Err(NodeError::Input(format!(
                        "the data dir holds L2 chain {}, not {} (--chain-id)",
                        chain_id.unwrap_or_default(),
                        config.chain_id
                    )));
                }
                if chain.get("format").and_then(|f| f.as_u64()) != Some(crate::persist::FORMAT) {
                    return Err(NodeError::Store(
                        "the data dir was written by another version of avm node (start a new \
                         --data-dir)"
                            .into(),
                    ));
                }
                let seq = sequencer_from_json(
                    &persist
                        .meta("sequencer")?
                        .ok_or_else(|| NodeError::Store("no sequencer record".into()))?,
                    &persist,
                )?;
                let mut positions = HashMap::new();
                let mut tip = Hash::ZERO;
                let mut head = 0;
                {
                    let mut archive = archive
                        .write()
                        .map_err(|_| NodeError::poisoned("archive"))?;
                    for (number, stored) in persist.blocks()? {
                        let block = crate::restore::block(number, &stored)?;
                        if block.parent_hash != tip {
                            return Err(NodeError::Store(format!(
                                "block {number} does not follow the block before it"
                            )));
                        }
                        positions.insert(number, stored.position);
                        tip = block.hash;
                        head = number;
                        archive.push(block);
                    }
                }
                let checkpoints = persist.checkpoints()?;
                let (&at, &checkpoint) = checkpoints
                    .range(..=seq.position)
                    .next_back()
                    .ok_or_else(|| NodeError::Store("no checkpoint of the machine".into()))?;
                let mut l2 = L2Machine::resume(persist.machine(checkpoint)?);
                if l2.consumed() != at {
                    return Err(NodeError::Store(format!(
                        "the checkpoint noted at inbox position {at} read {} messages",
                        l2.consumed()
                    )));
                }
                // The messages after the checkpoint, again: the machine is where it was,
                // and the receipts of a block not yet closed are open again.
                let position = seq.position;
                let outputs = l2.feed(persist.messages_between(at, position)?)?;
                let mut open = Vec::new();
                let mut open_outbox = Vec::new();
                let archived = archive
                    .read()
                    .map_err(|_| NodeError::poisoned("archive"))?
                    .outbox_batches();
                for (log, raw) in outputs.logs.into_iter().zip(outputs.raw_logs) {
                    match log {
                        ArbosLog::Receipt(receipt) if receipt.request.arb_block > head => {
                            open.push(L2Tx::new(*receipt, raw));
                        }
                        ArbosLog::OutboxBatch(batch)
                            if u64::try_from(batch.batch_number)
                                .map_or(true, |n| n >= archived) =>
                        {
                            open_outbox.push((batch, raw));
                        }
                        _ => {}
                    }
                }
                let mut core = NodeCore::assemble(config, l1, rollup, archive, persist, l2, seq)?;
                core.tip = tip;
                core.open = open;
                core.open_outbox = open_outbox;
                core.positions = positions;
                core.checkpoints = checkpoints;
                core.since_checkpoint = u64::from(at != position);
                core
            }
        };
        core.follow = config.follow;
        if core.follow {
            core.follow_l1()?;
            return Ok(core);
        }
        core.sync_l1()?;
        core.pull_delayed()?;
        core.post_pending()?;
        Ok(core)
    }

    /// A node around `l2` and `seq`, nothing else known yet: no block, no checkpoint,
    /// no nonce, no recording; its writer thread started.
    fn assemble(
        config: &CoreConfig,
        l1: ChainHandle,
        rollup: Rollup,
        archive: Arc<RwLock<Archive>>,
        persist: Persist,
        l2: L2Machine,
        seq: Sequencer,
    ) -> Result<NodeCore, NodeError> {
        let writer = Writer::spawn(persist.ledger(), archive.clone())?;
        let mut reader = InboxReader::new(rollup.inbox_contracts(), rollup.created_block);
        reader.set_sync_window(config.l1_log_window);
        Ok(NodeCore {
            reader: Some(reader),
            l2,
            seq,
            l1,
            rollup,
            archive,
            tip: Hash::ZERO,
            open: Vec::new(),
            open_outbox: Vec::new(),
            persist,
            chain_id: config.chain_id,
            nonces: HashMap::new(),
            held: HashMap::new(),
            recent: BTreeMap::new(),
            positions: HashMap::new(),
            checkpoints: BTreeMap::new(),
            since_checkpoint: 0,
            sends: Vec::new(),
            recording: None,
            timing: Timing::default(),
            staged: Staged::default(),
            writer,
            in_flight: VecDeque::new(),
            follow: false,
        })
    }

    /// Where the node's thread spent its time on transactions (and the writer thread
    /// writing them).
    pub fn timing(&self) -> Timing {
        Timing {
            writing: self.writer.busy(),
            ..self.timing
        }
    }

    /// What the machine read and wrote since the chain began, if recording (with its
    /// total AVM gas so far).
    pub fn recording(&self) -> Option<(&Recording, u64)> {
        self.recording
            .as_ref()
            .map(|r| (r, self.l2.machine().gas_used()))
    }

    /// The rollup the node sequences for.
    pub fn rollup(&self) -> &Rollup {
        &self.rollup
    }

    /// The L2's chain id.
    pub fn chain_id(&self) -> u64 {
        self.chain_id
    }

    /// Messages in the machine's inbox so far (posted or not).
    pub fn position(&self) -> u64 {
        self.seq.position
    }

    /// Messages sequenced but not yet posted to L1.
    pub fn unposted(&self) -> u64 {
        self.seq.pending.iter().map(|p| p.count).sum()
    }

    /// The machine as it is now (what the next message will be fed to).
    pub fn machine(&self) -> &avm_machine::Machine {
        self.l2.machine()
    }

    /// The machine hash.
    pub fn machine_hash(&mut self) -> Hash {
        self.l2.hash()
    }

    /// Bytes of the data dir's L2 files.
    pub fn stored_bytes(&self) -> u64 {
        self.persist.bytes()
    }

    /// Sends (L2-to-L1 messages) ArbOS made since the node started.
    pub fn sends(&self) -> &[Vec<u8>] {
        &self.sends
    }

    fn with_reader<R: Send + 'static>(
        &mut self,
        work: impl FnOnce(&mut Chain, &mut InboxReader) -> Result<R, avm_l1::L1Error> + Send + 'static,
    ) -> Result<R, NodeError> {
        let mut reader = self
            .reader
            .take()
            .ok_or_else(|| NodeError::Store("the inbox reader is lost".into()))?;
        let (reader, result) = self.l1.with(move |chain| {
            let result = work(chain, &mut reader);
            (reader, result)
        })?;
        self.reader = Some(reader);
        Ok(result?)
    }

    /// Reads the L1's new inbox events, and drops the pending sections the
    /// SequencerInbox now holds.
    pub fn sync_l1(&mut self) -> Result<(), NodeError> {
        let on_l1 = self.with_reader(|chain, reader| {
            reader.sync(chain)?;
            Ok(reader.inbox().len())
        })?;
        if on_l1 > self.seq.position {
            return Err(NodeError::Store(format!(
                "the SequencerInbox holds {on_l1} messages, more than this node sequenced ({}): \
                 another sequencer posts to this rollup",
                self.seq.position
            )));
        }
        self.seq.posted(on_l1);
        Ok(())
    }

    fn stamp(&self) -> Result<(u64, u64), NodeError> {
        Ok(self.l1.with(|chain| chain.latest_block())??)
    }

    /// Reads delayed messages the Bridge holds beyond those read, into the machine.
    pub fn pull_delayed(&mut self) -> Result<(), NodeError> {
        let from = self.seq.delayed_read;
        let new: Vec<L1Message> = self.with_reader(move |chain, reader| {
            reader.sync(chain)?;
            let inbox = reader.inbox();
            Ok((from..inbox.delayed_len())
                .filter_map(|i| inbox.delayed_message(i).cloned())
                .collect())
        })?;
        if new.is_empty() {
            return Ok(());
        }
        self.flush()?;
        let stamp = self.stamp()?;
        let values = self.seq.delayed(stamp, &new);
        self.run(values)?;
        self.flush()
    }

    /// Posts the sections not yet on L1 as one batch.
    pub fn post_pending(&mut self) -> Result<(), NodeError> {
        self.flush()?;
        let sections = self.seq.to_post();
        if sections.is_empty() {
            return Ok(());
        }
        let on_l1 = self.with_reader(move |chain, reader| {
            delivery::post_batch(chain, reader, &sections)?;
            Ok(reader.inbox().len())
        })?;
        self.seq.posted(on_l1);
        self.write_now(Commit {
            first: self.seq.position,
            state: vec![("sequencer", sequencer_json(&self.seq))],
            ..Commit::default()
        })
    }

    /// Writes `commit` (nothing staged before it) through the writer thread and waits
    /// for it.
    fn write_now(&mut self, commit: Commit) -> Result<(), NodeError> {
        self.writer.hand_over(commit, Box::new(|_| {}));
        self.settle()
    }

    /// Feeds messages (sequenced already) one at a time, closes the blocks ArbOS's logs
    /// name, and stages them all to be handed to the writer ([`NodeCore::hand_over`]).
    fn run(&mut self, values: Vec<Value>) -> Result<(), NodeError> {
        // The sequencer has taken these messages: if they cannot be staged whole, the
        // inbox on disk would have a hole, so nothing more is written.
        self.stage(values).inspect_err(|e| self.writer.fail(e))
    }

    fn stage(&mut self, values: Vec<Value>) -> Result<(), NodeError> {
        let first = self.seq.position - values.len() as u64;
        if self.staged.values.is_empty() {
            self.staged.first = first;
        }
        // No copy of the machine is kept while it runs: a copy would make every tuple
        // it changes a new one (copy on write). The messages run in one go; a block's
        // state is named by the inbox position before the message whose reading
        // closed it (its summary was logged having read that message).
        let ran = self.l2.ran;
        let outputs = self.l2.feed(values.clone())?;
        self.timing.machine += self.l2.ran - ran;
        for (block, position) in self.absorb(outputs)? {
            self.staged.positions.push(position);
            self.staged.blocks.push(block);
        }
        if let Some(recording) = &mut self.recording {
            recording.inbox.extend(values.iter().cloned());
        }
        self.staged.values.extend(values);
        Ok(())
    }

    /// Writes what ran since the last hand-over to the data dir and waits for it (and
    /// for everything handed over before) to be written and served: from here on their
    /// receipts are answered, and survive any crash.
    pub fn flush(&mut self) -> Result<(), NodeError> {
        self.hand_over(Box::new(|_| {}))?;
        self.settle()
    }

    /// Waits until everything handed to the writer thread is written and served (the
    /// archive is then as far as the machine); the first write that failed, if any.
    pub fn settle(&mut self) -> Result<(), NodeError> {
        self.writer.settle()
    }

    /// Hands what ran since the last hand-over to the writer thread, which writes it
    /// to the data dir in one transaction (one sync of the disk, with whatever else is
    /// waiting), then serves its blocks and calls `then`; the machine runs on
    /// meanwhile. An error here (the machine's checkpoint could not be saved, or an
    /// earlier write failed) has been given to `then` too.
    pub fn hand_over(&mut self, then: Then) -> Result<(), NodeError> {
        if self.staged.values.is_empty() && self.staged.blocks.is_empty() {
            then(Ok(()));
            return Ok(());
        }
        let staged = std::mem::take(&mut self.staged);
        self.commit_at(
            staged.first,
            staged.values,
            staged.blocks,
            staged.positions,
            then,
        )
    }

    fn commit_at(
        &mut self,
        first: u64,
        values: Vec<Value>,
        closed: Vec<L2Block>,
        records: Vec<u64>,
        then: Then,
    ) -> Result<(), NodeError> {
        for (block, position) in closed.iter().zip(&records) {
            self.positions.insert(block.number, *position);
        }
        self.since_checkpoint += closed.len() as u64;
        let mut checkpoints = Vec::new();
        if self.checkpoints.is_empty() || self.since_checkpoint >= CHECKPOINT_EVERY {
            // Nothing is saved once the writer has stopped; a checkpoint that cannot be
            // saved stops it (what ran is dropped: the inbox on disk would have a hole).
            match self.writer.check().and_then(|()| self.checkpoint_now()) {
                Ok(checkpoint) => checkpoints.push(checkpoint),
                Err(e) => {
                    self.writer.fail(&e);
                    then(Err(&e));
                    return Err(e);
                }
            }
        }
        let chain = json!({
            "chain_id": self.chain_id,
            "rollup": hex::encode(self.rollup.rollup),
            "format": crate::persist::FORMAT,
        });
        let hashes = closed
            .iter()
            .flat_map(|b| b.txs.iter().map(|t| t.hash))
            .collect();
        let ticket = self.writer.hand_over(
            Commit {
                first,
                values,
                blocks: closed,
                positions: records,
                checkpoints,
                state: vec![("sequencer", sequencer_json(&self.seq)), ("chain", chain)],
            },
            then,
        );
        self.forget_served();
        self.in_flight.push_back((ticket, hashes));
        self.writer.check()
    }

    /// Drops from the list in flight the commits the writer has served.
    fn forget_served(&mut self) {
        let written = self.writer.written();
        while self.in_flight.front().is_some_and(|(t, _)| *t <= written) {
            self.in_flight.pop_front();
        }
    }

    /// Whether transaction `hash` is in a commit handed over and maybe not yet served
    /// (look here before the archive: a commit leaves this list only once served).
    fn in_flight(&mut self, hash: &Hash) -> bool {
        self.forget_served();
        self.in_flight
            .iter()
            .any(|(_, hashes)| hashes.contains(hash))
    }

    /// Saves the machine as it is now; (its inbox position, its checkpoint), to be
    /// noted with the next commit.
    fn checkpoint_now(&mut self) -> Result<(u64, u64), NodeError> {
        let position = self.l2.consumed();
        let started = std::time::Instant::now();
        let checkpoint = self.persist.checkpoint(self.l2.machine_mut());
        self.timing.checkpointing += started.elapsed();
        let checkpoint = checkpoint?;
        self.checkpoints.insert(position, checkpoint);
        self.since_checkpoint = 0;
        Ok((position, checkpoint))
    }

    /// Saves a checkpoint of the machine as it is now, unless the newest is of it (a
    /// clean stop: the next start re-runs nothing).
    pub fn checkpoint(&mut self) -> Result<(), NodeError> {
        self.flush()?;
        if self.checkpoints.contains_key(&self.l2.consumed()) {
            return Ok(());
        }
        let noted = self.checkpoint_now()?;
        self.write_now(Commit {
            first: self.seq.position,
            checkpoints: vec![noted],
            ..Commit::default()
        })
    }

    /// A clean stop: what was sequenced goes to the L1, the machine to a checkpoint (so
    /// that the next start re-runs nothing).
    pub fn stop(&mut self) -> Result<(), NodeError> {
        self.post_pending()?;
        self.checkpoint()
    }

    /// Reads ArbOS's outputs: receipts join the open block, a summary closes it. The
    /// blocks closed, each with its state's inbox position.
    fn absorb(&mut self, outputs: Outputs) -> Result<Vec<(L2Block, u64)>, NodeError> {
        if let Some(recording) = &mut self.recording {
            recording.logs.extend(outputs.raw_logs.iter().cloned());
            recording.sends.extend(outputs.sends.iter().cloned());
        }
        self.sends.extend(outputs.sends);
        let mut closed = Vec::new();
        for ((log, raw), consumed) in outputs
            .logs
            .into_iter()
            .zip(outputs.raw_logs)
            .zip(outputs.consumed)
        {
            match log {
                ArbosLog::Receipt(receipt) => self.open.push(L2Tx::new(*receipt, raw)),
                ArbosLog::OutboxBatch(batch) => self.open_outbox.push((batch, raw)),
                ArbosLog::BlockSummary(summary) => {
                    let number = summary.arb_block;
                    let txs: Vec<L2Tx> = self.open.drain(..).collect();
                    if let Some(stray) = txs.iter().find(|tx| tx.block != number) {
                        return Err(NodeError::Log(format!(
                            "a receipt of block {} closed by block {number}'s summary",
                            stray.block
                        )));
                    }
                    let outbox = std::mem::take(&mut self.open_outbox);
                    let block = L2Block::new(*summary, raw, txs, self.tip).with_outbox(outbox);
                    self.tip = block.hash;
                    closed.push((block, consumed.saturating_sub(1)));
                }
                _ => {}
            }
        }
        Ok(closed)
    }

    /// The account's next nonce: what ArbOS says, as the sequencer has advanced it.
    pub fn next_nonce(&mut self, address: Address) -> Result<u64, NodeError> {
        if let Some(n) = self.nonces.get(&address) {
            return Ok(*n);
        }
        let n = self.transaction_count(address, None)?;
        self.nonces.insert(address, n);
        Ok(n)
    }

    /// Checks `raw` and sequences it (with the others in `batch`): executed in one
    /// block at once, or held until its sender's earlier nonces arrive. Each one's hash
    /// or why it was refused.
    pub fn submit(&mut self, batch: Vec<Vec<u8>>) -> Vec<Result<Hash, Refused>> {
        let chain_id = self.chain_id;
        let mut answers =
            self.submit_checked(batch.iter().map(|raw| check(raw, chain_id)).collect());
        if let Err(e) = self.flush() {
            refuse_all(&mut answers, &e);
        }
        answers
    }

    /// [`NodeCore::submit`] of transactions [`check`]ed already (or refused by it),
    /// without writing them: the caller hands them to the writer
    /// ([`NodeCore::hand_over`]) and answers once they are written.
    pub fn submit_checked(
        &mut self,
        batch: Vec<Result<Checked, Refused>>,
    ) -> Vec<Result<Hash, Refused>> {
        if let Err(e) = self.writer.check() {
            return batch
                .iter()
                .map(|_| Err(Refused::Node(e.to_string())))
                .collect();
        }
        let started = std::time::Instant::now();
        let answers = self.sequence(batch);
        self.timing.sequencing += started.elapsed();
        answers
    }

    fn sequence(&mut self, batch: Vec<Result<Checked, Refused>>) -> Vec<Result<Hash, Refused>> {
        if self.follow {
            return batch.iter().map(|_| Err(Refused::Follower)).collect();
        }
        let mut answers = Vec::with_capacity(batch.len());
        let mut ready: Vec<Checked> = Vec::new();
        for checked in batch {
            answers.push(checked.and_then(|c| self.admit(c, &mut ready)));
        }
        while !ready.is_empty() {
            let failed = match self.execute(&ready) {
                Ok(()) => None,
                Err(e) => Some(e.to_string()),
            };
            if let Some(why) = failed {
                for done in &ready {
                    if let Some(answer) = answers
                        .iter_mut()
                        .find(|a| matches!(a, Ok(h) if *h == done.hash))
                    {
                        *answer = Err(Refused::Node(why.clone()));
                    }
                }
                break;
            }
            ready = self.release_held();
        }
        answers
    }

    fn admit(&mut self, checked: Checked, ready: &mut Vec<Checked>) -> Result<Hash, Refused> {
        let (hash, from) = (checked.hash, checked.from);
        if self.in_flight(&hash)
            || self
                .archive
                .read()
                .ok()
                .is_some_and(|a| a.tx(&hash).is_some())
            || self.staged_tx(&hash).is_some()
            || ready.iter().any(|r| r.hash == hash)
        {
            return Err(Refused::Known);
        }
        let nonce = u64::try_from(checked.tx.nonce)
            .map_err(|_| Refused::Malformed("nonce too large".into()))?;
        let next = self
            .next_nonce(from)
            .map_err(|e| Refused::Node(e.to_string()))?;
        let queued = ready.iter().filter(|r| r.from == from).count() as u64;
        let expected = next + queued;
        if nonce < expected {
            return Err(Refused::NonceTooLow {
                next: expected,
                nonce,
            });
        }
        if nonce > expected {
            let held = self.held.entry(from).or_default();
            if let Some(previous) = held.get(&nonce) {
                if checked.tx.gas_price <= previous.tx.gas_price {
                    return Err(Refused::Underpriced);
                }
            }
            held.insert(nonce, checked);
            return Ok(hash);
        }
        ready.push(checked);
        Ok(hash)
    }

    /// Held transactions whose turn has come.
    fn release_held(&mut self) -> Vec<Checked> {
        let mut ready = Vec::new();
        let senders: Vec<Address> = self.held.keys().copied().collect();
        for from in senders {
            let Some(next) = self.nonces.get(&from).copied() else {
                continue;
            };
            let mut n = next;
            if let Some(held) = self.held.get_mut(&from) {
                while let Some(h) = held.remove(&n) {
                    ready.push(h);
                    n += 1;
                }
                held.retain(|nonce, _| *nonce >= n);
            }
        }
        self.held.retain(|_, h| !h.is_empty());
        ready
    }

    /// A transaction run since the last hand-over.
    fn staged_tx(&self, hash: &Hash) -> Option<&L2Tx> {
        self.staged
            .blocks
            .iter()
            .rev()
            .flat_map(|b| b.txs.iter())
            .find(|tx| tx.hash == *hash)
    }

    /// Executes `txs` in one block: their items, then an end of block.
    fn execute(&mut self, txs: &[Checked]) -> Result<(), NodeError> {
        let mut items: Vec<Vec<u8>> = txs.iter().map(|r| r.item.clone()).collect();
        items.push(Vec::new());
        let stamp = self.stamp()?;
        let values = self.seq.items(stamp, items);
        self.run(values)?;
        // Nonces as ArbOS consumed them: every signed transaction takes its nonce
        // but one refused for its sequence number.
        for ready in txs {
            let Some(done) = self.staged_tx(&ready.hash) else {
                continue;
            };
            if !matches!(
                done.receipt.code,
                ResultCode::SequenceNumberTooLow | ResultCode::SequenceNumberTooHigh
            ) {
                let (from, nonce) = (done.view.from, ready.tx.nonce);
                let nonce = u64::try_from(nonce).unwrap_or(u64::MAX);
                self.nonces.insert(from, nonce.saturating_add(1));
            }
        }
        Ok(())
    }

    /// The most messages a follower feeds its machine in one turn of the node's
    /// thread (calls wait for no longer than these take).
    pub const FOLLOW_CHUNK: usize = 1024;

    /// A follower's turn: the messages the SequencerInbox holds beyond those read,
    /// into the machine (at most 1,024 a turn).
    pub fn follow_l1(&mut self) -> Result<(), NodeError> {
        let from = usize::try_from(self.seq.position).unwrap_or(usize::MAX);
        let (on_l1, values): (u64, Vec<Value>) = self.with_reader(move |chain, reader| {
            reader.sync(chain)?;
            let inbox = reader.inbox();
            let values = inbox
                .values()
                .iter()
                .skip(from)
                .take(Self::FOLLOW_CHUNK)
                .cloned()
                .collect();
            Ok((inbox.len(), values))
        })?;
        if on_l1 < self.seq.position {
            return Err(NodeError::Store(format!(
                "this data dir's machine has read {} messages, the rollup's SequencerInbox \
                 holds {on_l1}: it is no follower's data dir of this rollup",
                self.seq.position
            )));
        }
        if values.is_empty() {
            return Ok(());
        }
        let count = values.len() as u64;
        self.seq.position += count;
        if let Err(e) = self.run(values) {
            self.seq.position -= count;
            return Err(e);
        }
        self.seq.posted(self.seq.position);
        self.flush()
    }

    /// Whether this node follows the rollup (and sequences nothing).
    pub fn is_follower(&self) -> bool {
        self.follow
    }

    /// Periodic work: new delayed messages in, pending sections out (a follower:
    /// the L1's new messages in).
    pub fn tick(&mut self, post: bool) -> Result<(), NodeError> {
        if self.follow {
            return self.follow_l1();
        }
        self.pull_delayed()?;
        if post {
            self.post_pending()?;
        }
        Ok(())
    }

    fn machine_at(&mut self, block: Option<u64>) -> Result<(L2Machine, (u64, u64)), NodeError> {
        if block.is_some() {
            // An old state is rebuilt from the data dir, and `head` must be the
            // machine's: both as far as the machine has run.
            self.settle()?;
        }
        let archive = self
            .archive
            .read()
            .map_err(|_| NodeError::poisoned("archive"))?;
        let head = archive.head();
        let number = block.unwrap_or(head);
        if number >= head {
            drop(archive);
            return Ok((self.l2.fork(), self.stamp()?));
        }
        let stamp = archive
            .block(number)
            .map(|b| (b.summary.l1_block, b.summary.timestamp))
            .ok_or_else(|| NodeError::Input(format!("no block {number}")))?;
        drop(archive);
        if let Some(machine) = self.recent.get(&number) {
            return Ok((L2Machine::resume(machine.clone()), stamp));
        }
        // The newest checkpoint at or before the block's state, and the messages after.
        let position = *self
            .positions
            .get(&number)
            .ok_or_else(|| NodeError::Input(format!("no state kept for block {number}")))?;
        let (&at, &checkpoint) = self
            .checkpoints
            .range(..=position)
            .next_back()
            .ok_or_else(|| NodeError::Input(format!("no state kept for block {number}")))?;
        let mut machine = L2Machine::resume(self.persist.machine(checkpoint)?);
        machine.feed(self.persist.messages_between(at, position)?)?;
        self.recent.insert(number, machine.machine().clone());
        while self.recent.len() > RECENT_STATES {
            self.recent.pop_first();
        }
        Ok((machine, stamp))
    }

    /// Runs `spec` on a copy of the machine as it was after `block` (None: the
    /// newest), thrown away after: the chain never sees it.
    pub fn call(&mut self, spec: &CallSpec, block: Option<u64>) -> Result<CallResult, NodeError> {
        let (mut machine, stamp) = self.machine_at(block)?;
        crate::calls::run(&mut machine, stamp, self.seq.position, spec)
    }

    fn precompile_word(
        &mut self,
        to: u8,
        data: Vec<u8>,
        block: Option<u64>,
    ) -> Result<Vec<u8>, NodeError> {
        let result = self.call(
            &CallSpec {
                to: Some(crate::calls::precompile(to)),
                data,
                ..CallSpec::default()
            },
            block,
        )?;
        if result.code != ResultCode::Success {
            return Err(NodeError::Log(format!(
                "ArbOS refused a state query: {}",
                result.code.name()
            )));
        }
        Ok(result.output)
    }

    /// An account's balance after `block` (ArbInfo.getBalance).
    pub fn balance(&mut self, address: Address, block: Option<u64>) -> Result<Int, NodeError> {
        let data = query("getBalance(address)", address, &[]);
        let out = self.precompile_word(0x65, data, block)?;
        Ok(Int::from_be_slice(out.get(..32).unwrap_or_default()))
    }

    /// An account's transaction count after `block` (ArbSys.getTransactionCount).
    pub fn transaction_count(
        &mut self,
        address: Address,
        block: Option<u64>,
    ) -> Result<u64, NodeError> {
        let data = query("getTransactionCount(address)", address, &[]);
        let out = self.precompile_word(0x64, data, block)?;
        Ok(
            u64::try_from(Int::from_be_slice(out.get(..32).unwrap_or_default()))
                .unwrap_or(u64::MAX),
        )
    }

    /// The code at `address` after `block` (ArbInfo.getCode).
    pub fn code(&mut self, address: Address, block: Option<u64>) -> Result<Vec<u8>, NodeError> {
        let data = query("getCode(address)", address, &[]);
        let out = self.precompile_word(0x65, data, block)?;
        Ok(abi::decode_bytes_at(&out, 0).unwrap_or_default())
    }

    /// A storage word of `address` after `block` (ArbSys.getStorageAt).
    pub fn storage(
        &mut self,
        address: Address,
        slot: [u8; 32],
        block: Option<u64>,
    ) -> Result<[u8; 32], NodeError> {
        let data = query("getStorageAt(address,uint256)", address, &[slot]);
        let out = self.precompile_word(0x64, data, block)?;
        let mut word = [0u8; 32];
        if let Some(bytes) = out.get(..32) {
            word.copy_from_slice(bytes);
        }
        Ok(word)
    }

    /// The gas price a wallet should bid: ArbOS's price of a unit of L2 computation in
    /// wei (the last of ArbGasInfo.getPricesInWei, at 0x6c) plus a quarter, as the Go
    /// node suggested it (0 with fees off).
    pub fn gas_price(&mut self) -> Result<Int, NodeError> {
        let out = self.precompile_word(0x6c, abi::encode_call("getPricesInWei()", &[]), None)?;
        let price = Int::from_be_slice(out.get(5 * 32..6 * 32).unwrap_or_default());
        Ok(price.saturating_mul(Int::from(5u8)) / Int::from(4u8))
    }
}
