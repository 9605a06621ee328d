//! What a Rollup node commits to, hashed as RollupLib.sol hashes it
//! (classic-rollup.md §5), and the calldata of the calls that make and confirm one.
//!
//! - a node's `stateHash`: its after-state with the L1 block it was proposed in and
//!   the SequencerInbox's message count then (`inboxMaxCount`);
//! - `executionHash`: the challenge's single chunk from the before cut to the after cut
//!   (the challenge crate's [`ClassicAssertion`], the same hash);
//! - `challengeHash`: that with the proposal block and the after inbox count;
//! - `confirmData`: the send and log accumulators the confirmation must reproduce;
//! - the node hash, chained from the previous node's (or the latest sibling's).

use avm_challenge::classic::ClassicAssertion;
use avm_l1::abi::{self, Token, Word};
use avm_value::{keccak256, Hash};
use avm_verifier::classic::ExecutionState;

/// `stakeOnNewNode(bytes32,bytes32[3][2],uint256[4][2],uint256,uint256,bytes)`.
pub const STAKE_ON_NEW_NODE: &str =
    "stakeOnNewNode(bytes32,bytes32[3][2],uint256[4][2],uint256,uint256,bytes)";
/// `confirmNextNode(bytes32,bytes,uint256[],uint256,bytes32,uint256)`.
pub const CONFIRM_NEXT_NODE: &str =
    "confirmNextNode(bytes32,bytes,uint256[],uint256,bytes32,uint256)";

fn keccak_words(words: &[Word]) -> Hash {
    let bytes: Vec<u8> = words.iter().flatten().copied().collect();
    keccak256(&bytes)
}

/// A node's state as the Rollup stores its hash: the execution state after it, the L1
/// block it was proposed in, and the messages the SequencerInbox held then (the next
/// assertion must read at least that many, or use enough gas).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodeState {
    /// The execution state after the node's assertion.
    pub state: ExecutionState,
    /// The L1 block the node was created in.
    pub proposed_block: u64,
    /// `SequencerInbox.messageCount()` when it was created.
    pub inbox_max_count: u64,
}

impl NodeState {
    /// `RollupLib.stateHash`: what `Node.stateHash()` holds.
    pub fn state_hash(&self) -> Hash {
        let s = &self.state;
        keccak_words(&[
            abi::uint64(s.gas_used),
            s.machine_hash.0,
            abi::uint64(s.inbox_count),
            abi::uint64(s.send_count),
            abi::uint64(s.log_count),
            s.send_acc.0,
            s.log_acc.0,
            abi::uint64(self.proposed_block),
            abi::uint64(self.inbox_max_count),
        ])
    }
}

/// An assertion: from a node's state to a claimed execution state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Assertion {
    /// The node asserted from.
    pub before: NodeState,
    /// The claimed state after.
    pub after: ExecutionState,
}

impl Assertion {
    /// `RollupLib.executionHash` (None when the after-state used less gas than the
    /// before-state, which no contract accepts).
    pub fn execution_hash(&self) -> Option<Hash> {
        ClassicAssertion {
            before: self.before.state,
            after: self.after,
        }
        .execution_hash()
    }

    /// `RollupLib.challengeRootHash`: what `Node.challengeHash()` holds for a node
    /// made from this assertion in block `proposed_block`.
    pub fn challenge_hash(&self, proposed_block: u64) -> Option<Hash> {
        Some(keccak_words(&[
            self.execution_hash()?.0,
            abi::uint64(proposed_block),
            abi::uint64(self.after.inbox_count),
        ]))
    }

    /// `RollupLib.confirmHash`: what `Node.confirmData()` holds.
    pub fn confirm_data(&self) -> Hash {
        confirm_data(&self.before.state.send_acc, &self.after)
    }

    /// The two `bytes32[3]` and two `uint256[4]` of the assertion's calldata.
    fn fields(&self) -> [Token; 2] {
        let (b, a) = (&self.before.state, &self.after);
        let words = |s: &ExecutionState| [s.machine_hash.0, s.send_acc.0, s.log_acc.0];
        let ints = |s: &ExecutionState| {
            [
                abi::uint64(s.gas_used),
                abi::uint64(s.inbox_count),
                abi::uint64(s.send_count),
                abi::uint64(s.log_count),
            ]
        };
        [
            Token::FixedWords([words(b), words(a)].concat()),
            Token::FixedWords([ints(b), ints(a)].concat()),
        ]
    }

    /// The calldata of `stakeOnNewNode` for this assertion, expecting node hash
    /// `expected` and proving its inbox position with `batch_proof`.
    pub fn stake_on_new_node_input(&self, expected: &Hash, batch_proof: &[u8]) -> Vec<u8> {
        let [words, ints] = self.fields();
        abi::encode_call(
            STAKE_ON_NEW_NODE,
            &[
                Token::Word(expected.0),
                words,
                ints,
                Token::Word(abi::uint64(self.before.proposed_block)),
                Token::Word(abi::uint64(self.before.inbox_max_count)),
                Token::Bytes(batch_proof.to_vec()),
            ],
        )
    }
}

/// `RollupLib.confirmHash(beforeSendAcc, afterSendAcc, afterLogAcc, afterSendCount,
/// afterLogCount)`, packed in the order the library packs it.
pub fn confirm_data(before_send_acc: &Hash, after: &ExecutionState) -> Hash {
    keccak_words(&[
        before_send_acc.0,
        after.send_acc.0,
        abi::uint64(after.send_count),
        after.log_acc.0,
        abi::uint64(after.log_count),
    ])
}

/// The hash of a new node: `keccak(uint8 hasSibling ‖ lastHash ‖ executionHash ‖
/// inboxAcc)`, `lastHash` the previous node's hash, or its latest child's when it has
/// one (then `hasSibling` is 1); `inboxAcc` the accumulator at the end of the batch
/// holding the last message read.
pub fn node_hash(
    has_sibling: bool,
    last_hash: &Hash,
    execution_hash: &Hash,
    inbox_acc: &Hash,
) -> Hash {
    let mut bytes = Vec::with_capacity(97);
    bytes.push(u8::from(has_sibling));
    bytes.extend_from_slice(&last_hash.0);
    bytes.extend_from_slice(&execution_hash.0);
    bytes.extend_from_slice(&inbox_acc.0);
    keccak256(&bytes)
}

/// The calldata of `confirmNextNode` for a node whose assertion is `assertion` and
/// whose sends are `sends`.
pub fn confirm_next_node_input(assertion: &Assertion, sends: &[Vec<u8>]) -> Vec<u8> {
    abi::encode_call(
        CONFIRM_NEXT_NODE,
        &[
            Token::Word(assertion.before.state.send_acc.0),
            Token::Bytes(sends.concat()),
            Token::Words(sends.iter().map(|s| abi::uint64(s.len() as u64)).collect()),
            Token::Word(abi::uint64(assertion.after.send_count)),
            Token::Word(assertion.after.log_acc.0),
            Token::Word(abi::uint64(assertion.after.log_count)),
        ],
    )
}
