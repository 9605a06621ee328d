//! Upstream's four recorded Classic challenge games (fixtures/classic/challenges, the
//! Go validator's moves for upstream's contract tests) read as our move types: what
//! the native-referee and EVM-referee tests replay.

use avm_challenge::classic::{
    assertion_rest_hash, executor_for_opcode, BisectExecution, Bisection, ChunkRef,
    ClassicAssertion, ClassicMove, ClassicSegment, OneStepProveExecution, ProveContinuedExecution,
};
use avm_value::Hash;
use avm_verifier::classic::ExecutionState;
use serde_json::Value as Json;

use crate::fixtures;

/// The recorded games' files.
pub const FILES: [&str; 4] = [
    "TestChallengeToOSP.json",
    "TestChallengeToOSPWithMessage.json",
    "TestChallengeToUnreachable.json",
    "TestChallengeToUnreachableSmall.json",
];

/// A recorded game file, as JSON.
pub fn load(name: &str) -> Json {
    let path = fixtures().join("challenges").join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A hash written as an array of 32 byte values.
pub fn hash(j: &Json) -> Hash {
    let bytes: Vec<u8> = j
        .as_array()
        .unwrap()
        .iter()
        .map(|b| u8::try_from(b.as_u64().unwrap()).unwrap())
        .collect();
    Hash(bytes.try_into().unwrap())
}

/// An ExecutionState in the files' shape.
pub fn state(j: &Json) -> ExecutionState {
    ExecutionState::from_json(j, "state").unwrap()
}

/// A segment `{"Start", "Length"}` of AVMGas.
pub fn segment(j: &Json) -> ClassicSegment {
    ClassicSegment {
        start: j["Start"].as_u64().unwrap(),
        length: j["Length"].as_u64().unwrap(),
    }
}

/// A bisection: its challenged segment and cuts.
pub fn bisection(j: &Json) -> Bisection {
    Bisection {
        segment: segment(&j["ChallengedSegment"]),
        cuts: j["Cuts"].as_array().unwrap().iter().map(hash).collect(),
    }
}

/// Bytes written as 0x-hex.
pub fn bytes(j: &Json) -> Vec<u8> {
    hex::decode(j.as_str().unwrap().trim_start_matches("0x")).unwrap()
}

/// The challenged assertion of a game file.
pub fn assertion(file: &Json) -> ClassicAssertion {
    ClassicAssertion {
        before: state(&file["ChallengedAssertion"]["beforeState"]),
        after: state(&file["ChallengedAssertion"]["afterState"]),
    }
}

/// The chunk reference a recorded move names, with its Merkle proof built by us.
pub fn chunk_ref(prev: &Bisection, index: u64, chunk: ClassicSegment) -> ChunkRef {
    let tree = prev.tree().unwrap();
    ChunkRef {
        proof: tree.proof(index as usize).unwrap(),
        segment: chunk,
        old_end: prev.cuts[index as usize + 1],
    }
}

/// A recorded move as our move type (None for an empty entry: a block passes).
pub fn to_move(m: &Json) -> Option<ClassicMove> {
    if m.is_null() {
        return None;
    }
    let kind = m["Kind"].as_str().unwrap();
    if kind == "Timeout" {
        return Some(ClassicMove::Timeout);
    }
    let prev = bisection(&m["PrevBisection"]);
    let index = m["SegmentToChallenge"].as_u64().unwrap();
    Some(match kind {
        "Bisect" => {
            let start = state(&m["StartState"]);
            ClassicMove::Bisect(BisectExecution {
                chunk: chunk_ref(&prev, index, segment(&m["InconsistentSegment"])),
                gas_used_before: start.gas_used,
                assertion_rest: assertion_rest_hash(&start),
                chain_hashes: m["SubCuts"].as_array().unwrap().iter().map(hash).collect(),
            })
        }
        "ProveContinuedExecution" => {
            let before = state(&m["PreviousCut"]);
            ClassicMove::ProveContinued(ProveContinuedExecution {
                chunk: chunk_ref(&prev, index, segment(&m["ChallengedSegment"])),
                gas_used_before: before.gas_used,
                assertion_rest: assertion_rest_hash(&before),
            })
        }
        "OneStepProof" => {
            let before = state(&m["PreviousCut"]);
            let proof = bytes(&m["ProofData"]);
            ClassicMove::OneStepProve(OneStepProveExecution {
                chunk: chunk_ref(&prev, index, segment(&m["ChallengedSegment"])),
                initial_messages_read: before.inbox_count,
                initial_accs: [before.send_acc, before.log_acc],
                initial_state: [before.gas_used, before.send_count, before.log_count],
                prover: executor_for_opcode(proof[0]),
                execution_proof: proof,
                buffer_proof: bytes(&m["BufferProofData"]),
            })
        }
        other => panic!("unknown move kind {other}"),
    })
}
