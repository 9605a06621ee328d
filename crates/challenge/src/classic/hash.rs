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

/// A state's cut fields as the 32-byte words the contracts hash (and a Rollup event
/// carries): a claim read from L1 may have counts past 64 bits, which no
/// [`ExecutionState`] holds but the cut hash covers all the same.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CutWords {
    /// AVMGas used.
    pub gas_used: [u8; 32],
    /// Inbox messages read.
    pub inbox_count: [u8; 32],
    /// The machine hash.
    pub machine_hash: [u8; 32],
    /// The send accumulator.
    pub send_acc: [u8; 32],
    /// Sends made.
    pub send_count: [u8; 32],
    /// The log accumulator.
    pub log_acc: [u8; 32],
    /// Logs made.
    pub log_count: [u8; 32],
}

impl CutWords {
    /// The words of `state`.
    pub fn of(state: &ExecutionState) -> CutWords {
        CutWords {
            gas_used: word(u128::from(state.gas_used)),
            inbox_count: word(u128::from(state.inbox_count)),
            machine_hash: state.machine_hash.0,
            send_acc: state.send_acc.0,
            send_count: word(u128::from(state.send_count)),
            log_acc: state.log_acc.0,
            log_count: word(u128::from(state.log_count)),
        }
    }

    /// `ChallengeLib.assertionRestHash` over these words.
    pub fn rest_hash(&self) -> Hash {
        keccak_words(&[
            self.inbox_count,
            self.machine_hash,
            self.send_acc,
            self.send_count,
            self.log_acc,
            self.log_count,
        ])
    }

    /// The cut hash: `ChallengeLib.assertionHash(gasUsed, restHash)`.
    pub fn cut_hash(&self) -> Hash {
        keccak_words(&[self.gas_used, self.rest_hash().0])
    }
}

/// `ChallengeLib.assertionRestHash` of a state: everything in a cut but the gas used.
/// A bisection's start is named by its gas and this hash.
pub fn assertion_rest_hash(state: &ExecutionState) -> Hash {
    CutWords::of(state).rest_hash()
}

/// `ChallengeLib.assertionHash`: a cut from its gas used and rest hash (never zero in
/// practice, so never [`UNREACHABLE`]).
pub fn assertion_hash(gas_used: u128, rest: &Hash) -> Hash {
    keccak_words(&[word(gas_used), rest.0])
}

/// The cut hash of a reachable state, hashed with its own gas used.
pub fn cut_hash(state: &ExecutionState) -> Hash {
    CutWords::of(state).cut_hash()
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
