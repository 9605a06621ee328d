//! The hashes the Classic Challenge contract commits to: cut hashes of execution
//! states, chunk hashes of segments, and the execution hash a challenge starts from.
//!
//! Layouts are ChallengeLib.sol's, each a keccak256 over `abi.encodePacked` words:
//! - `assertionRestHash = keccak(uint256 inboxCount, bytes32 machineHash, bytes32
//!   sendAcc, uint256 sendCount, bytes32 logAcc, uint256 logCount)`;
//! - `assertionHash = keccak(uint256 gasUsed, bytes32 restHash)`;
//! - `bisectionChunkHash = keccak(uint256 start, uint256 length, bytes32 startHash,
//!   bytes32 endHash)`.
//!
//! The inbox accumulator is in none of them. An unreachable cut is the zero word.

use avm_value::{keccak256, Hash};
use avm_verifier::classic::ExecutionState;

use super::segment::ClassicSegment;

/// The cut the contract reads as "this gas is never reached" (`UNREACHABLE_ASSERTION`,
/// `bytes32(0)`): the run halts, errors, blocks or reads too many messages first.
pub const UNREACHABLE: Hash = Hash([0; 32]);

/// A number as one `uint256` word of `abi.encodePacked`, big-endian.
pub(crate) fn word(n: u128) -> [u8; 32] {
    let mut out = [0u8; 32];
    if let Some(tail) = out.get_mut(16..) {
        tail.copy_from_slice(&n.to_be_bytes());
    }
    out
}

fn keccak_words(words: &[[u8; 32]]) -> Hash {
    let data: Vec<u8> = words.iter().flatten().copied().collect();
    keccak256(&data)
}

/// `ChallengeLib.assertionRestHash` of a state: everything in a cut but the gas used.
/// A bisection's start is named by its gas and this hash.
pub fn assertion_rest_hash(state: &ExecutionState) -> Hash {
    keccak_words(&[
        word(u128::from(state.inbox_count)),
        state.machine_hash.0,
        state.send_acc.0,
        word(u128::from(state.send_count)),
        state.log_acc.0,
        word(u128::from(state.log_count)),
    ])
}

/// `ChallengeLib.assertionHash`: a cut from its gas used and rest hash (never zero in
/// practice, so never [`UNREACHABLE`]).
pub fn assertion_hash(gas_used: u128, rest: &Hash) -> Hash {
    keccak_words(&[word(gas_used), rest.0])
}

/// The cut hash of a reachable state, hashed with its own gas used.
pub fn cut_hash(state: &ExecutionState) -> Hash {
    assertion_hash(u128::from(state.gas_used), &assertion_rest_hash(state))
}

/// The cut hash of a state that may be unreachable (None: [`UNREACHABLE`]).
pub fn cut_hash_or_unreachable(state: Option<&ExecutionState>) -> Hash {
    state.map_or(UNREACHABLE, cut_hash)
}

/// `ChallengeLib.bisectionChunkHash`: the leaf a bisection's Merkle tree holds for one
/// chunk, and the whole challenge's first state.
pub fn bisection_chunk_hash(start: u128, length: u128, start_hash: &Hash, end_hash: &Hash) -> Hash {
    keccak_words(&[word(start), word(length), start_hash.0, end_hash.0])
}

/// The assertion a Classic challenge disputes: the agreed state before and the
/// asserter's claimed state after.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClassicAssertion {
    /// The agreed start (the last confirmed node's state).
    pub before: ExecutionState,
    /// The asserter's claim.
    pub after: ExecutionState,
}

impl ClassicAssertion {
    /// The segment in dispute: from the before-state's gas, as long as the gas the
    /// assertion claims (None if the after-state used less gas than the before-state).
    pub fn segment(&self) -> Option<ClassicSegment> {
        let length = self.after.gas_used.checked_sub(self.before.gas_used)?;
        Some(ClassicSegment {
            start: self.before.gas_used,
            length,
        })
    }

    /// `executionHash` of `startChallenge`: the single chunk from the before cut to the
    /// after cut (None as for [`ClassicAssertion::segment`]).
    pub fn execution_hash(&self) -> Option<Hash> {
        let segment = self.segment()?;
        Some(bisection_chunk_hash(
            u128::from(segment.start),
            u128::from(segment.length),
            &cut_hash(&self.before),
            &cut_hash(&self.after),
        ))
    }

    /// `maxMessageCount` of `startChallenge`: the messages the assertion claims read.
    pub fn max_message_count(&self) -> u64 {
        self.after.inbox_count
    }
}
