//! The Classic moves: one type per Challenge.sol function a party calls, holding
//! exactly the calldata it takes, so an EVM referee can ABI-encode them and the
//! native referee can judge them by the same rules.
//!
//! Every `uint256` argument is held as a `u64` (or `u8` for `prover`): AVMGas,
//! counts and chunk indices of any real run fit, and ABI encoding widens them.

use avm_value::Hash;

use super::segment::{ClassicSegment, MerkleProof};

/// Which chunk of the previous bisection a move answers: the Merkle proof of its
/// chunk hash, the chunk's segment, and the end cut the opponent claimed for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChunkRef {
    /// `_merkleNodes` and `_merkleRoute`.
    pub proof: MerkleProof,
    /// `_challengedSegmentStart` and `_challengedSegmentLength`.
    pub segment: ClassicSegment,
    /// `_oldEndHash`: the chunk's end cut as the previous bisection claimed it.
    pub old_end: Hash,
}

/// `bisectExecution(bytes32[] _merkleNodes, uint256 _merkleRoute, uint256
/// _challengedSegmentStart, uint256 _challengedSegmentLength, bytes32 _oldEndHash,
/// uint256 _gasUsedBefore, bytes32 _assertionRest, bytes32[] _chainHashes)`:
/// disputes a chunk's end by cutting it further.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BisectExecution {
    /// The chunk disputed.
    pub chunk: ChunkRef,
    /// `_gasUsedBefore`: the gas of the chunk's start state.
    pub gas_used_before: u64,
    /// `_assertionRest`: the rest hash of the chunk's start state.
    pub assertion_rest: Hash,
    /// `_chainHashes`: the new cuts, the chunk's start first.
    pub chain_hashes: Vec<Hash>,
}

/// `proveContinuedExecution(bytes32[] _merkleNodes, uint256 _merkleRoute, uint256
/// _challengedSegmentStart, uint256 _challengedSegmentLength, bytes32 _oldEndHash,
/// uint256 _gasUsedBefore, bytes32 _assertionRest)`: shows a chunk holds no step (its
/// start state already used all its gas), so its end must equal its start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProveContinuedExecution {
    /// The chunk disputed.
    pub chunk: ChunkRef,
    /// `_gasUsedBefore`.
    pub gas_used_before: u64,
    /// `_assertionRest`.
    pub assertion_rest: Hash,
}

/// `oneStepProveExecution(bytes32[] _merkleNodes, uint256 _merkleRoute, uint256
/// _challengedSegmentStart, uint256 _challengedSegmentLength, bytes32 _oldEndHash,
/// uint256 _initialMessagesRead, bytes32[2] _initialAccs, uint256[3] _initialState,
/// bytes _executionProof, bytes _bufferProof, uint8 prover)`: proves the one step a
/// chunk holds ends elsewhere than the opponent claimed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OneStepProveExecution {
    /// The chunk disputed.
    pub chunk: ChunkRef,
    /// `_initialMessagesRead`: the start state's inbox count.
    pub initial_messages_read: u64,
    /// `_initialAccs`: the start state's send and log accumulators.
    pub initial_accs: [Hash; 2],
    /// `_initialState`: the start state's gas used, send count and log count.
    pub initial_state: [u64; 3],
    /// `_executionProof`: the Classic machine proof (plus an inbox suffix for `inbox`).
    pub execution_proof: Vec<u8>,
    /// `_bufferProof`.
    pub buffer_proof: Vec<u8>,
    /// `prover`: the executor's index ([`executor_for_opcode`]).
    pub prover: u8,
}

/// A call to the Challenge contract.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClassicMove {
    /// `bisectExecution`.
    Bisect(BisectExecution),
    /// `proveContinuedExecution`.
    ProveContinued(ProveContinuedExecution),
    /// `oneStepProveExecution`.
    OneStepProve(OneStepProveExecution),
    /// `timeout()` (anyone may call it).
    Timeout,
}

impl ClassicMove {
    /// The contract function's name, for reports and transcripts.
    pub fn function(&self) -> &'static str {
        match self {
            ClassicMove::Bisect(_) => "bisectExecution",
            ClassicMove::ProveContinued(_) => "proveContinuedExecution",
            ClassicMove::OneStepProve(_) => "oneStepProveExecution",
            ClassicMove::Timeout => "timeout",
        }
    }

    /// The function's canonical ABI signature (its selector is the first four bytes
    /// of its keccak256), as Challenge.json's ABI declares it.
    pub fn signature(&self) -> &'static str {
        match self {
            ClassicMove::Bisect(_) => {
                "bisectExecution(bytes32[],uint256,uint256,uint256,bytes32,uint256,bytes32,bytes32[])"
            }
            ClassicMove::ProveContinued(_) => {
                "proveContinuedExecution(bytes32[],uint256,uint256,uint256,bytes32,uint256,bytes32)"
            }
            ClassicMove::OneStepProve(_) => {
                "oneStepProveExecution(bytes32[],uint256,uint256,uint256,bytes32,uint256,bytes32[2],uint256[3],bytes,bytes,uint8)"
            }
            ClassicMove::Timeout => "timeout()",
        }
    }

    /// The four-byte function selector.
    pub fn selector(&self) -> [u8; 4] {
        let h = avm_value::keccak256(self.signature().as_bytes());
        [h.0[0], h.0[1], h.0[2], h.0[3]]
    }

    /// The chunk a move answers (None for `timeout`).
    pub fn chunk(&self) -> Option<&ChunkRef> {
        match self {
            ClassicMove::Bisect(m) => Some(&m.chunk),
            ClassicMove::ProveContinued(m) => Some(&m.chunk),
            ClassicMove::OneStepProve(m) => Some(&m.chunk),
            ClassicMove::Timeout => None,
        }
    }
}

/// The executor index (`ChallengeTester`'s `[OneStepProof, OneStepProof2,
/// OneStepProofHash]`) that proves an opcode, as the Go validator chooses it: the
/// opcode table's Classic verifier column (OneStepProof for a byte Classic lacks).
pub fn executor_for_opcode(opcode: u8) -> u8 {
    avm_code::classic_op(opcode).map_or(avm_code::CLASSIC_INVALID_VERIFIER, |c| c.verifier)
}
