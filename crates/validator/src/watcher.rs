//! The validator's own view of the chain, from the L1 alone: the machine's inbox read
//! back from the Bridge's and SequencerInbox's events (the L1 crate's one delivery
//! path, never the sequencer's memory), ArbOS run on avm over it, and every Rollup
//! node judged against that run.
//!
//! For each node judged correct the watcher keeps the machine in the node's
//! after-state and the sends its assertion made (a confirmation must present them), so
//! the next assertion or judgement runs only the new part.

use std::collections::BTreeMap;

use avm_challenge::classic::run_to_gas;
use avm_l1::chain::ChainHandle;
use avm_l1::delivery::InboxReader;
use avm_machine::{Machine, RunLimits, RuntimeEnv, StopReason};
use avm_prover::classic::{execution_state, BatchProof};
use avm_value::{Hash, Value};
use avm_verifier::classic::ExecutionState;

use crate::assertion::{node_hash, Assertion, NodeState};
use crate::rollup::{self, NodeTree, Resolution, RollupNode, RollupStatus};
use crate::ValidatorError;

/// At most this many sends in one assertion (RollupCore's MAX_SEND_COUNT).
pub const MAX_SENDS_PER_ASSERTION: u64 = 100;

/// A run's end: the machine there, its execution state, the sends made on the way.
#[derive(Clone, Debug)]
pub struct RunEnd {
    /// The machine at the end.
    pub machine: Machine,
    /// Its execution state (inbox accumulator left zero: the Rollup keeps none).
    pub state: ExecutionState,
    /// The sends made since the start, in order.
    pub sends: Vec<Vec<u8>>,
    /// Whether the run reached the gas it was asked to (false: it blocked or stopped
    /// first, and `state` is where).
    pub reached: bool,
}

/// Runs a copy of `start` over `inbox` (the whole inbox, message k the k-th ever
/// read) limited to `max_messages` messages, with `go` (whether it got where it was
/// sent); where it ended.
fn run_with(
    start: &Machine,
    inbox: &[Value],
    max_messages: u64,
    go: impl FnOnce(&mut Machine, &mut RuntimeEnv) -> bool,
) -> RunEnd {
    let mut machine = start.clone();
    let consumed = usize::try_from(machine.inbox_position().consumed).unwrap_or(usize::MAX);
    let limit = usize::try_from(max_messages).unwrap_or(usize::MAX);
    let messages = inbox
        .get(consumed..limit.min(inbox.len()))
        .unwrap_or_default()
        .to_vec();
    let mut env = RuntimeEnv::with_inbox(messages);
    let reached = go(&mut machine, &mut env);
    let mut state = execution_state(&mut machine);
    state.inbox_acc = Hash::ZERO;
    RunEnd {
        machine,
        state,
        sends: env.outputs.sends.into_iter().map(|s| s.value).collect(),
        reached,
    }
}

/// Runs `start` over `inbox` limited to `max_messages` messages, to the first state
/// whose gas used is at least `gas` (the cut the contracts mean by a gas figure).
pub fn run(start: &Machine, inbox: &[Value], max_messages: u64, gas: u64) -> RunEnd {
    run_with(start, inbox, max_messages, |machine, env| {
        run_to_gas(machine, env, gas)
    })
}

/// Runs `start` as [`run`] does, but to the last state whose gas used is at most
/// `cap` (an assertion may not claim more gas than the Rollup's speed limit allows,
/// and the first state past a target can be an instruction past it).
pub fn run_within(start: &Machine, inbox: &[Value], max_messages: u64, cap: u64) -> RunEnd {
    let limits = RunLimits {
        max_steps: None,
        max_gas: Some(cap),
    };
    run_with(start, inbox, max_messages, |machine, env| loop {
        match machine.run(env, &limits).reason {
            StopReason::Breakpoint | StopReason::StepLimit | StopReason::Paused => continue,
            StopReason::GasLimit => return true,
            StopReason::Halted | StopReason::ErrorStop | StopReason::Blocked => return false,
        }
    })
}

/// What the watcher thinks of a node.
#[derive(Clone, Debug)]
pub enum Judgement {
    /// Its assertion is what the L1's inbox makes: the machine there and its sends.
    Correct(Box<RunEnd>),
    /// Correct, and behind the latest confirmed node: nothing will be asserted from
    /// it again, so its run is no longer kept.
    Settled,
    /// Its assertion is not (with what the run gave instead, None when unreachable).
    Wrong(Option<ExecutionState>),
    /// Its parent is wrong or unjudged: nothing to say.
    Unknown,
}

/// A new node the watcher would assert: its assertion, hash, batch proof and run.
#[derive(Clone, Debug)]
pub struct Proposal {
    /// The assertion.
    pub assertion: Assertion,
    /// The node hash the Rollup will compute.
    pub node_hash: Hash,
    /// Whether the parent has a child already (the hash chains from the latest one).
    pub has_sibling: bool,
    /// The hash the node's hash chains from.
    pub last_hash: Hash,
    /// Where its last message sits and the proof of it.
    pub batch: BatchProof,
    /// The run it comes from.
    pub end: RunEnd,
}

/// The validator's own view: inbox, node tree, judgements.
pub struct Watcher {
    rollup: avm_l1::Rollup,
    reader: InboxReader,
    tree: NodeTree,
    judged: BTreeMap<u64, Judgement>,
    status: Option<RollupStatus>,
    /// A machine saved at a confirmed node's after-state, until the node it belongs
    /// to is found among the Rollup's nodes.
    base: Option<RunEnd>,
    /// The node the checkpoint matched.
    based_on: Option<u64>,
    /// Nodes not judged yet: they claim messages the inbox read so far lacks.
    deferred: Vec<u64>,
}

impl std::fmt::Debug for Watcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watcher")
            .field("messages", &self.reader.inbox().len())
            .field("nodes", &self.judged.len())
            .finish()
    }
}

impl Watcher {
    /// A watcher of `rollup`, whose node 0 is `initial` (ArbOS's machine before it
    /// reads anything).
    pub fn new(rollup: avm_l1::Rollup, initial: Machine) -> Watcher {
        let mut initial = initial;
        let hash = initial.hash();
        let mut state = execution_state(&mut initial);
        state.inbox_acc = Hash::ZERO;
        let end = RunEnd {
            machine: initial,
            state,
            sends: Vec::new(),
            reached: true,
        };
        Watcher {
            rollup,
            reader: InboxReader::new(rollup.inbox_contracts(), rollup.created_block),
            tree: NodeTree::new(rollup, hash),
            judged: BTreeMap::from([(0, Judgement::Correct(Box::new(end)))]),
            status: None,
            base: None,
            based_on: None,
            deferred: Vec::new(),
        }
    }

    /// Reads at most `blocks` L1 blocks with each `eth_getLogs` of the inbox
    /// ([`InboxReader::set_sync_window`]).
    pub fn set_log_window(&mut self, blocks: u64) {
        self.reader.set_sync_window(blocks);
    }

    /// A watcher that starts from `base`, a machine saved at the after-state of a
    /// confirmed node (a validator's checkpoint): the nodes before it are taken as
    /// the L1 resolved them, and only what follows it is run again.
    pub fn from_checkpoint(rollup: avm_l1::Rollup, initial: Machine, base: Machine) -> Watcher {
        let mut watcher = Watcher::new(rollup, initial);
        let mut machine = base;
        let mut state = execution_state(&mut machine);
        state.inbox_acc = Hash::ZERO;
        watcher.base = Some(RunEnd {
            machine,
            state,
            sends: Vec::new(),
            reached: true,
        });
        watcher
    }

    /// The confirmed node a checkpoint given to [`Watcher::from_checkpoint`] matched.
    pub fn based_on(&self) -> Option<u64> {
        self.based_on
    }

    /// Whether a checkpoint given to [`Watcher::from_checkpoint`] has not (yet)
    /// matched a confirmed node.
    pub fn checkpoint_unmatched(&self) -> bool {
        self.base.is_some()
    }

    /// While a checkpoint waits for its node: the judgement of node `num` from the
    /// L1's resolution (the checkpoint's own node gets its run).
    fn judge_before_base(&mut self, num: u64) -> Option<Judgement> {
        let base = self.base.as_ref()?;
        let node = self.tree.get(num)?;
        let after = node.assertion.map(|a| a.after);
        Some(match node.resolution {
            Resolution::Confirmed if after == Some(base.state) => {
                self.based_on = Some(num);
                Judgement::Correct(Box::new(self.base.take()?))
            }
            Resolution::Confirmed => Judgement::Settled,
            Resolution::Rejected => Judgement::Wrong(None),
            Resolution::Pending => Judgement::Unknown,
        })
    }

    /// The node tree.
    pub fn tree(&self) -> &NodeTree {
        &self.tree
    }

    /// The inbox as read from the L1.
    pub fn inbox(&self) -> &avm_prover::classic::ClassicInbox {
        self.reader.inbox()
    }

    /// The Rollup's status at the last sync.
    pub fn status(&self) -> Option<&RollupStatus> {
        self.status.as_ref()
    }

    /// The judgement of node `num` (None: not seen).
    pub fn judgement(&self, num: u64) -> Option<&Judgement> {
        self.judged.get(&num)
    }

    /// Whether node `num` is judged correct.
    pub fn is_correct(&self, num: u64) -> bool {
        matches!(
            self.judged.get(&num),
            Some(Judgement::Correct(_) | Judgement::Settled)
        )
    }

    /// Whether node `num` is judged wrong.
    pub fn is_wrong(&self, num: u64) -> bool {
        matches!(self.judged.get(&num), Some(Judgement::Wrong(_)))
    }

    /// The run that ends in correct node `num`.
    pub fn run_of(&self, num: u64) -> Option<&RunEnd> {
        match self.judged.get(&num)? {
            Judgement::Correct(end) => Some(end),
            _ => None,
        }
    }

    /// Reads the L1 (inbox events, node events, the Rollup's status) and judges the
    /// nodes new since the last call.
    pub fn sync(&mut self, l1: &ChainHandle) -> Result<Vec<u64>, ValidatorError> {
        let rollup = self.rollup;
        let mut reader = std::mem::replace(
            &mut self.reader,
            InboxReader::new(rollup.inbox_contracts(), rollup.created_block),
        );
        let mut tree = self.tree.clone();
        let (reader, tree, read) = l1.with(move |chain| {
            let read = (|| -> Result<_, avm_l1::L1Error> {
                // One block for both: a node is never read before the messages it reads.
                let to = chain.readable_block()?;
                reader.sync_to(chain, to)?;
                let new = tree.sync_to(chain, to)?;
                Ok((new, rollup::status(chain, &rollup)?))
            })();
            (reader, tree, read)
        })?;
        self.reader = reader;
        let (new, status) = read?;
        self.tree = tree;
        self.status = Some(status);
        // Nodes put off before come first: a node is judged once the L1's inbox holds
        // the messages it claims to read (a remote L1's logs can lag), and its parent is.
        let mut waiting = std::mem::take(&mut self.deferred);
        waiting.extend(new.iter().copied());
        for num in waiting {
            let parent_waits = self
                .tree
                .get(num)
                .is_some_and(|n| self.deferred.contains(&n.prev));
            let ahead = self
                .tree
                .get(num)
                .and_then(|n| n.assertion)
                .is_some_and(|a| {
                    a.after.inbox_count > self.reader.inbox().len() && self.base.is_none()
                });
            if parent_waits || ahead {
                self.deferred.push(num);
                continue;
            }
            let judgement = match self.judge_before_base(num) {
                Some(judgement) => judgement,
                None => self.judge(num),
            };
            self.judged.insert(num, judgement);
        }
        // Runs of nodes behind the latest confirmed one are never needed again.
        for (_, judgement) in self.judged.range_mut(..status.latest_confirmed) {
            if matches!(judgement, Judgement::Correct(_)) {
                *judgement = Judgement::Settled;
            }
        }
        Ok(new)
    }

    fn judge(&self, num: u64) -> Judgement {
        let Some(node) = self.tree.get(num) else {
            return Judgement::Unknown;
        };
        if node.bogus {
            return Judgement::Wrong(None);
        }
        let (Some(assertion), Some(parent)) = (node.assertion, self.run_of(node.prev)) else {
            return Judgement::Unknown;
        };
        if assertion.before.state != parent.state
            || assertion.after.gas_used < parent.state.gas_used
        {
            return Judgement::Wrong(None);
        }
        let end = run(
            &parent.machine,
            self.reader.inbox().values(),
            assertion.after.inbox_count,
            assertion.after.gas_used,
        );
        if end.reached && end.state == assertion.after {
            Judgement::Correct(Box::new(end))
        } else {
            Judgement::Wrong(end.reached.then_some(end.state))
        }
    }

    /// The assertion an honest validator makes now from correct node `from`, within
    /// the Rollup's limits (None: too early, nothing new, or too small to be accepted),
    /// reading at most `cap` messages when given.
    pub fn propose(&self, from: u64, cap: Option<u64>) -> Option<Proposal> {
        let status = self.status?;
        let parent = self.tree.get(from)?;
        let start = self.run_of(from)?;
        let blocks = status.block.checked_sub(parent.state.proposed_block)?;
        if blocks < status.minimum_assertion_period {
            return None;
        }
        let min_gas = blocks.saturating_mul(status.speed_limit);
        let target = start
            .state
            .gas_used
            .saturating_add(min_gas.saturating_mul(4));
        let inbox = self.reader.inbox();
        let messages = inbox
            .len()
            .min(status.message_count)
            .min(cap.unwrap_or(u64::MAX));
        let mut end = run_within(&start.machine, inbox.values(), messages, target);
        // At most 100 sends: search back for the largest gas that stays within.
        let max_sends = start.state.send_count + MAX_SENDS_PER_ASSERTION;
        if end.state.send_count > max_sends {
            let (mut low, mut high) = (start.state.gas_used, end.state.gas_used);
            end = start.clone();
            while high > low + 1 {
                let middle = low + (high - low) / 2;
                let tried = run(&start.machine, inbox.values(), messages, middle);
                if tried.state.send_count > max_sends {
                    high = middle;
                } else {
                    low = tried.state.gas_used.max(middle);
                    end = tried;
                }
            }
        }
        let after = end.state;
        let used = after.gas_used - start.state.gas_used;
        if after == start.state {
            return None;
        }
        let big_enough = after.inbox_count >= parent.state.inbox_max_count
            || used >= min_gas
            || after.send_count - start.state.send_count == MAX_SENDS_PER_ASSERTION;
        if !big_enough || after.inbox_count == 0 {
            return None;
        }
        let batch = inbox.batch_proof(after.inbox_count)?;
        let assertion = Assertion {
            before: NodeState {
                state: start.state,
                ..parent.state
            },
            after,
        };
        let latest_child = self.tree.children(from).last();
        let (has_sibling, last_hash) = match latest_child {
            Some(child) => (true, child.hash),
            None => (false, parent.hash),
        };
        let node_hash = node_hash(
            has_sibling,
            &last_hash,
            &assertion.execution_hash()?,
            &batch.batch_acc,
        );
        Some(Proposal {
            assertion,
            node_hash,
            has_sibling,
            last_hash,
            batch,
            end,
        })
    }

    /// The node `num`, as the events tell it.
    pub fn node(&self, num: u64) -> Option<&RollupNode> {
        self.tree.get(num)
    }
}
