//! Values as a proof shows them, opened as deep as the instruction reads them.

use avm_code::opcode::{ECPAIRING_MAX_PAIRS, PAIRING_LIST};
use avm_value::{tuple_digest, CodeView, Value};
use avm_verifier::ProofValue;

/// `value` for a proof: tuples opened `depth` levels deep (closed below that), or, for
/// [`PAIRING_LIST`], opened along the list `ecpairing` walks.
pub fn proof_value(value: &Value, depth: u8, code: &impl CodeView) -> ProofValue {
    if depth == PAIRING_LIST {
        return pairing_list(value, ECPAIRING_MAX_PAIRS, code);
    }
    match value {
        Value::Int(n) => ProofValue::Int(*n),
        Value::CodePoint(cp) => ProofValue::CodePoint(code.code_point_hash(*cp)),
        Value::Buffer(b) => ProofValue::Buffer(b.root_hash()),
        Value::Tuple(t) if depth == 0 => {
            let d = tuple_digest(t, code);
            ProofValue::ClosedTuple {
                inner: d.inner,
                size: d.size,
            }
        }
        Value::Tuple(t) => ProofValue::Tuple(
            t.items()
                .iter()
                .map(|item| proof_value(item, depth - 1, code))
                .collect(),
        ),
    }
}

/// The `ecpairing` operand: up to `nodes` list nodes opened, each pair opened one level.
fn pairing_list(value: &Value, nodes: usize, code: &impl CodeView) -> ProofValue {
    match value {
        Value::Tuple(t) if nodes > 0 => match t.items() {
            [pair, rest] => ProofValue::Tuple(vec![
                proof_value(pair, 1, code),
                pairing_list(rest, nodes - 1, code),
            ]),
            items => ProofValue::Tuple(items.iter().map(|i| proof_value(i, 0, code)).collect()),
        },
        other => proof_value(other, 0, code),
    }
}
