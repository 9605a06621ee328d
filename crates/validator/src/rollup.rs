//! What a validator reads of the Rollup: its views (one call each, through the L1's
//! one chain type) and its events, folded into the tree of nodes.
//!
//! The tree comes from events alone: `NodeCreated` names its parent by hash
//! (`getNodeHash(prev)`, 0 for node 0) and carries the whole assertion, so a validator
//! restarted long after can rebuild it although confirmed and rejected nodes' contracts
//! are destroyed.

use std::collections::BTreeMap;

use avm_challenge::classic::CutWords;
use avm_l1::abi::{self, Token, Word};
use avm_l1::{Chain, L1Error, Log, LogFilter, Rollup};
use avm_value::Hash;
use avm_verifier::classic::ExecutionState;

use crate::assertion::{Assertion, NodeState};

/// `NodeCreated(uint256 indexed, bytes32 indexed, bytes32, bytes32, uint256, uint256,
/// bytes32, bytes32[3][2], uint256[4][2])`.
pub const EV_NODE_CREATED: &str =
    "NodeCreated(uint256,bytes32,bytes32,bytes32,uint256,uint256,bytes32,bytes32[3][2],uint256[4][2])";
/// `NodeConfirmed(uint256 indexed, bytes32, uint256, bytes32, uint256)`.
pub const EV_NODE_CONFIRMED: &str = "NodeConfirmed(uint256,bytes32,uint256,bytes32,uint256)";
/// `NodeRejected(uint256 indexed)`.
pub const EV_NODE_REJECTED: &str = "NodeRejected(uint256)";
/// `RollupChallengeStarted(address indexed challenge, address asserter, address
/// challenger, uint256 challengedNode)`.
pub const EV_CHALLENGE_STARTED: &str = "RollupChallengeStarted(address,address,address,uint256)";

/// The Rollup's state that decides what a validator may do now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RollupStatus {
    /// `latestConfirmed()`.
    pub latest_confirmed: u64,
    /// `firstUnresolvedNode()`.
    pub first_unresolved: u64,
    /// `latestNodeCreated()`.
    pub latest_node_created: u64,
    /// `minimumAssertionPeriod()`: blocks between a node and its child.
    pub minimum_assertion_period: u64,
    /// `avmGasSpeedLimitPerBlock()`.
    pub speed_limit: u64,
    /// `currentRequiredStake()` in wei.
    pub required_stake: u128,
    /// `SequencerInbox.messageCount()`.
    pub message_count: u64,
    /// The block the next transaction goes into.
    pub block: u64,
}

/// A staker's place in the Rollup.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StakerStatus {
    /// `isStaked(address)`.
    pub staked: bool,
    /// `latestStakedNode(address)` (0 when not staked).
    pub latest_staked_node: u64,
    /// `currentChallenge(address)` (None: in no challenge).
    pub challenge: Option<[u8; 20]>,
    /// `withdrawableFunds(address)` in wei.
    pub withdrawable: u128,
}

/// A word as a `u128`, saturated (an amount of wei past 2^128 is more than any
/// account holds).
fn word_u128(word: &Word) -> u128 {
    if word[..16].iter().any(|b| *b != 0) {
        return u128::MAX;
    }
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&word[16..]);
    u128::from_be_bytes(bytes)
}

/// Reads the Rollup's status.
pub fn status(chain: &mut Chain, rollup: &Rollup) -> Result<RollupStatus, L1Error> {
    let r = rollup.rollup;
    Ok(RollupStatus {
        latest_confirmed: chain.view_u64(r, "latestConfirmed()", &[])?,
        first_unresolved: chain.view_u64(r, "firstUnresolvedNode()", &[])?,
        latest_node_created: chain.view_u64(r, "latestNodeCreated()", &[])?,
        minimum_assertion_period: chain.view_u64(r, "minimumAssertionPeriod()", &[])?,
        speed_limit: chain.view_u64(r, "avmGasSpeedLimitPerBlock()", &[])?,
        required_stake: word_u128(&chain.view_word(r, "currentRequiredStake()", &[])?),
        message_count: chain.view_u64(rollup.sequencer_inbox, "messageCount()", &[])?,
        block: chain.block()?.0,
    })
}

/// Reads `staker`'s place in the Rollup.
pub fn staker(
    chain: &mut Chain,
    rollup: &Rollup,
    staker: [u8; 20],
) -> Result<StakerStatus, L1Error> {
    let r = rollup.rollup;
    let who = [Token::Word(abi::address(staker))];
    let staked = chain.view_word(r, "isStaked(address)", &who)? == abi::boolean(true);
    let challenge = chain.view_address(r, "currentChallenge(address)", &who)?;
    Ok(StakerStatus {
        staked,
        latest_staked_node: if staked {
            chain.view_u64(r, "latestStakedNode(address)", &who)?
        } else {
            0
        },
        challenge: (challenge != [0; 20]).then_some(challenge),
        withdrawable: word_u128(&chain.view_word(r, "withdrawableFunds(address)", &who)?),
    })
}

/// A node's own contract's views (None once the node is destroyed: confirmed and
/// passed, or rejected).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodeView {
    /// `stateHash()`.
    pub state_hash: Hash,
    /// `challengeHash()`.
    pub challenge_hash: Hash,
    /// `confirmData()`.
    pub confirm_data: Hash,
    /// `prev()`.
    pub prev: u64,
    /// `deadlineBlock()`.
    pub deadline_block: u64,
    /// `stakerCount()`.
    pub staker_count: u64,
    /// `latestChildNumber()` (0: no child).
    pub latest_child_number: u64,
    /// `firstChildBlock()` (0: no child yet).
    pub first_child_block: u64,
}

/// Reads node `num`'s contract.
pub fn node_view(
    chain: &mut Chain,
    rollup: &Rollup,
    num: u64,
) -> Result<Option<NodeView>, L1Error> {
    let address = chain.view_address(
        rollup.rollup,
        "getNode(uint256)",
        &[Token::Word(abi::uint64(num))],
    )?;
    if address == [0; 20] || !chain.has_code(address)? {
        return Ok(None);
    }
    Ok(Some(NodeView {
        state_hash: chain.view_hash(address, "stateHash()", &[])?,
        challenge_hash: chain.view_hash(address, "challengeHash()", &[])?,
        confirm_data: chain.view_hash(address, "confirmData()", &[])?,
        prev: chain.view_u64(address, "prev()", &[])?,
        deadline_block: chain.view_u64(address, "deadlineBlock()", &[])?,
        staker_count: chain.view_u64(address, "stakerCount()", &[])?,
        latest_child_number: chain.view_u64(address, "latestChildNumber()", &[])?,
        first_child_block: chain.view_u64(address, "firstChildBlock()", &[])?,
    }))
}

/// `getNodeHash(num)`.
pub fn node_hash(chain: &mut Chain, rollup: &Rollup, num: u64) -> Result<Hash, L1Error> {
    chain.view_hash(
        rollup.rollup,
        "getNodeHash(uint256)",
        &[Token::Word(abi::uint64(num))],
    )
}

/// How a node ended, once it has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resolution {
    /// Neither confirmed nor rejected yet.
    Pending,
    /// `NodeConfirmed`.
    Confirmed,
    /// `NodeRejected`.
    Rejected,
}

/// A node as the Rollup's events tell it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RollupNode {
    /// Its number.
    pub num: u64,
    /// Its parent's number.
    pub prev: u64,
    /// Its hash (`getNodeHash(num)`).
    pub hash: Hash,
    /// The assertion it holds (None for node 0, which is the initial state).
    pub assertion: Option<Assertion>,
    /// Its own state (the assertion's after-state, proposal block and inbox size).
    pub state: NodeState,
    /// The SequencerInbox's message count at the end of the batch its last message
    /// is in.
    pub batch_end_count: u64,
    /// That batch's accumulator.
    pub batch_acc: Hash,
    /// Confirmed, rejected, or neither.
    pub resolution: Resolution,
    /// Its `executionHash` as the event gives it.
    pub execution_hash: Hash,
    /// The cut hash of its claimed after-state, from the event's raw words (what a
    /// challenge over it starts from, whatever the claim).
    pub claimed_cut: Hash,
    /// Its claimed AVMGas used, raw.
    pub claimed_gas: Word,
    /// Its claimed inbox count, raw (a challenge's `maxMessageCount`).
    pub claimed_inbox: Word,
    /// Whether a claimed count passes 64 bits (no run reaches it: the node is wrong,
    /// and `assertion` holds no after-state).
    pub bogus: bool,
}

/// The Rollup's nodes, read from its events.
#[derive(Clone, Debug)]
pub struct NodeTree {
    rollup: Rollup,
    nodes: BTreeMap<u64, RollupNode>,
    by_hash: BTreeMap<Hash, u64>,
    next_block: u64,
}

fn topic_u64(log: &Log, index: usize) -> Option<u64> {
    log.topics.get(index).and_then(|t| abi::word_to_u64(&t.0))
}

fn words_u64(words: &[Word], index: usize) -> Result<u64, L1Error> {
    words
        .get(index)
        .and_then(abi::word_to_u64)
        .ok_or_else(|| L1Error::Events(format!("NodeCreated: word {index} is no 64-bit number")))
}

fn words_hash(words: &[Word], index: usize) -> Result<Hash, L1Error> {
    words
        .get(index)
        .map(|w| Hash(*w))
        .ok_or_else(|| L1Error::Events(format!("NodeCreated: no word {index}")))
}

impl NodeTree {
    /// The tree of `rollup` with only node 0, the initial state of `machine_hash`
    /// (proposed in the rollup's creation block, with an inbox of 1: the init message
    /// is taken as already there).
    pub fn new(rollup: Rollup, machine_hash: Hash) -> NodeTree {
        let zero = RollupNode {
            num: 0,
            prev: 0,
            hash: Hash::ZERO,
            assertion: None,
            state: NodeState {
                state: ExecutionState {
                    machine_hash,
                    ..ExecutionState::default()
                },
                proposed_block: rollup.created_block,
                inbox_max_count: 1,
            },
            batch_end_count: 0,
            batch_acc: Hash::ZERO,
            resolution: Resolution::Confirmed,
            execution_hash: Hash::ZERO,
            claimed_cut: Hash::ZERO,
            claimed_gas: [0; 32],
            claimed_inbox: [0; 32],
            bogus: false,
        };
        NodeTree {
            next_block: rollup.created_block,
            rollup,
            nodes: BTreeMap::from([(0, zero)]),
            by_hash: BTreeMap::from([(Hash::ZERO, 0)]),
        }
    }

    /// Node `num`, if the events showed it.
    pub fn get(&self, num: u64) -> Option<&RollupNode> {
        self.nodes.get(&num)
    }

    /// Every node known, in order.
    pub fn nodes(&self) -> impl Iterator<Item = &RollupNode> {
        self.nodes.values()
    }

    /// The children of `num`, oldest first.
    pub fn children(&self, num: u64) -> impl Iterator<Item = &RollupNode> {
        self.nodes
            .values()
            .filter(move |n| n.num != 0 && n.prev == num)
    }

    /// Reads the Rollup's node events up to block `to`; the nodes new since the last
    /// call.
    pub fn sync_to(&mut self, chain: &mut Chain, to: u64) -> Result<Vec<u64>, L1Error> {
        let created = abi::event_topic(EV_NODE_CREATED);
        let confirmed = abi::event_topic(EV_NODE_CONFIRMED);
        let rejected = abi::event_topic(EV_NODE_REJECTED);
        let mut logs = chain.logs(&LogFilter {
            from_block: self.next_block,
            to_block: Some(to),
            addresses: vec![self.rollup.rollup],
            topic0: vec![created, confirmed, rejected],
        })?;
        logs.sort_by_key(|l| (l.block, l.log_index));
        let mut new = Vec::new();
        for log in &logs {
            let Some(num) = topic_u64(log, 1) else {
                return Err(L1Error::Events("a node event without its number".into()));
            };
            let topic = log.topics.first().copied();
            if topic == Some(created) {
                if self.nodes.contains_key(&num) {
                    continue;
                }
                let node = self.read_created(num, log)?;
                self.by_hash.insert(node.hash, num);
                self.nodes.insert(num, node);
                new.push(num);
            } else if let Some(node) = self.nodes.get_mut(&num) {
                node.resolution = if topic == Some(confirmed) {
                    Resolution::Confirmed
                } else {
                    Resolution::Rejected
                };
            }
        }
        // The newest block may take more transactions (manual mining): read it again.
        self.next_block = to;
        Ok(new)
    }

    fn read_created(&self, num: u64, log: &Log) -> Result<RollupNode, L1Error> {
        let parent_hash = log
            .topics
            .get(2)
            .copied()
            .ok_or_else(|| L1Error::Events("NodeCreated without its parent's hash".into()))?;
        let prev = *self.by_hash.get(&parent_hash).ok_or_else(|| {
            L1Error::Events(format!(
                "node {num}'s parent hash {parent_hash:?} is no node seen before"
            ))
        })?;
        let parent = self
            .nodes
            .get(&prev)
            .ok_or_else(|| L1Error::Events(format!("node {num}: no parent {prev}")))?;
        let words = abi::decode_words(&log.data, 19).ok_or_else(|| {
            L1Error::Events(format!(
                "NodeCreated of node {num}: {} bytes of data",
                log.data.len()
            ))
        })?;
        let state = |side: usize| -> Result<ExecutionState, L1Error> {
            Ok(ExecutionState {
                machine_hash: words_hash(&words, 5 + 3 * side)?,
                send_acc: words_hash(&words, 6 + 3 * side)?,
                log_acc: words_hash(&words, 7 + 3 * side)?,
                gas_used: words_u64(&words, 11 + 4 * side)?,
                inbox_count: words_u64(&words, 12 + 4 * side)?,
                send_count: words_u64(&words, 13 + 4 * side)?,
                log_count: words_u64(&words, 14 + 4 * side)?,
                inbox_acc: Hash::ZERO,
            })
        };
        let word = |i: usize| words.get(i).copied().unwrap_or([0; 32]);
        let claimed_cut = CutWords {
            gas_used: word(15),
            inbox_count: word(16),
            machine_hash: word(8),
            send_acc: word(9),
            send_count: word(17),
            log_acc: word(10),
            log_count: word(18),
        }
        .cut_hash();
        // A claim whose counts pass 64 bits is recorded (it must be met with a
        // challenge like any other wrong node), its after-state left out.
        let (assertion, after, bogus) = match (state(0), state(1)) {
            (Ok(before), Ok(after)) => (
                Some(Assertion {
                    before: NodeState {
                        state: before,
                        ..parent.state
                    },
                    after,
                }),
                after,
                false,
            ),
            _ => (None, ExecutionState::default(), true),
        };
        Ok(RollupNode {
            num,
            prev,
            hash: words_hash(&words, 0)?,
            assertion,
            state: NodeState {
                state: after,
                proposed_block: log.block,
                inbox_max_count: words_u64(&words, 2)?,
            },
            batch_end_count: words_u64(&words, 3)?,
            batch_acc: words_hash(&words, 4)?,
            resolution: Resolution::Pending,
            execution_hash: words_hash(&words, 1)?,
            claimed_cut,
            claimed_gas: word(15),
            claimed_inbox: word(16),
            bogus,
        })
    }
}

/// A staker as the Rollup lists it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Staker {
    /// Its address.
    pub address: [u8; 20],
    /// The newest node it is staked on.
    pub latest_staked_node: u64,
    /// Whether it is in a challenge.
    pub challenged: bool,
}

/// Every staker of the Rollup (`stakerCount()`, `getStakerAddress(i)`).
pub fn stakers(chain: &mut Chain, rollup: &Rollup) -> Result<Vec<Staker>, L1Error> {
    let r = rollup.rollup;
    let count = chain.view_u64(r, "stakerCount()", &[])?;
    let mut out = Vec::new();
    for i in 0..count {
        let address = chain.view_address(
            r,
            "getStakerAddress(uint256)",
            &[Token::Word(abi::uint64(i))],
        )?;
        let who = [Token::Word(abi::address(address))];
        out.push(Staker {
            address,
            latest_staked_node: chain.view_u64(r, "latestStakedNode(address)", &who)?,
            challenged: chain.view_address(r, "currentChallenge(address)", &who)? != [0; 20],
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn rollup() -> Rollup {
        Rollup {
            rollup: [1; 20],
            inbox: [2; 20],
            bridge: [3; 20],
            sequencer_inbox: [4; 20],
            outbox: [5; 20],
            rollup_event_bridge: [6; 20],
            challenge_factory: [7; 20],
            owner: [8; 20],
            sequencer: [8; 20],
            created_block: 10,
        }
    }

    fn state(n: u64) -> ExecutionState {
        ExecutionState {
            machine_hash: Hash([n as u8; 32]),
            inbox_acc: Hash::ZERO,
            inbox_count: n + 1,
            gas_used: 1000 * n,
            send_count: n + 2,
            log_count: n + 3,
            send_acc: Hash([n as u8 + 1; 32]),
            log_acc: Hash([n as u8 + 2; 32]),
        }
    }

    /// A NodeCreated log of node `num` from node 0, claiming `after`, with its log
    /// count word replaced by `log_count` when given.
    fn created(
        num: u64,
        before: &ExecutionState,
        after: &ExecutionState,
        log_count: Option<Word>,
    ) -> Log {
        let mut words: Vec<Word> = vec![
            [0xaa; 32],
            [0xbb; 32],
            abi::uint64(7),
            abi::uint64(7),
            [0xcc; 32],
        ];
        for s in [before, after] {
            words.extend([s.machine_hash.0, s.send_acc.0, s.log_acc.0]);
        }
        for s in [before, after] {
            words.extend([
                abi::uint64(s.gas_used),
                abi::uint64(s.inbox_count),
                abi::uint64(s.send_count),
                abi::uint64(s.log_count),
            ]);
        }
        if let Some(word) = log_count {
            words[18] = word;
        }
        Log {
            address: [1; 20],
            topics: vec![
                abi::event_topic(EV_NODE_CREATED),
                Hash(abi::uint64(num)),
                Hash::ZERO,
            ],
            data: words.concat(),
            block: 20,
            tx_hash: Hash::ZERO,
            log_index: 0,
        }
    }

    #[test]
    fn a_node_reads_back_as_the_contract_logged_it() {
        let tree = NodeTree::new(rollup(), Hash([9; 32]));
        let before = ExecutionState {
            machine_hash: Hash([9; 32]),
            ..ExecutionState::default()
        };
        let node = tree
            .read_created(1, &created(1, &before, &state(5), None))
            .unwrap();
        assert!(!node.bogus);
        assert_eq!(node.prev, 0);
        assert_eq!(node.assertion.unwrap().after, state(5));
        assert_eq!(node.state.proposed_block, 20);
        assert_eq!(node.hash, Hash([0xaa; 32]));
        // The claimed cut from raw words is the challenge crate's cut hash.
        assert_eq!(
            node.claimed_cut,
            avm_challenge::classic::cut_hash(&state(5))
        );
    }

    #[test]
    fn a_claim_past_64_bits_is_recorded_as_a_bogus_node_not_an_error() {
        let tree = NodeTree::new(rollup(), Hash([9; 32]));
        let mut huge = [0u8; 32];
        huge[0] = 1;
        let node = tree
            .read_created(
                1,
                &created(1, &ExecutionState::default(), &state(5), Some(huge)),
            )
            .unwrap();
        assert!(node.bogus);
        assert!(node.assertion.is_none());
        assert_eq!(node.execution_hash, Hash([0xbb; 32]));
        assert_ne!(
            node.claimed_cut,
            avm_challenge::classic::cut_hash(&state(5))
        );
    }
}
