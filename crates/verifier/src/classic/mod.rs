//! The Classic wire format: what the deployed Arbitrum Classic contracts
//! (OneStepProof, OneStepProof2, OneStepProofHash) read, and what the C++ AVM's
//! `MachineState::marshalForProof` writes.
//!
//! Our own proof format ([`crate::Proof`]) stays the native one; this module is a second
//! view of the same step. It holds the Classic ExecutionState and the JSON shape of
//! upstream's proof files ([`ExecutionState`], [`ClassicStep`]), and [`verify_step`],
//! which decodes the Classic bytes and decides the step with our verifier, without a
//! machine. An `inbox` step also needs the inbox contracts' accumulators
//! ([`L1InboxOracle`]): [`verify_step_with_inbox`] checks its inbox suffix (see
//! [`InboxSuffix`]) as the contract does.

mod buffer;
mod decode;
mod inbox;
mod state;
mod step;

pub use decode::{machine_proof_len, MAX_CLASSIC_PROOF_BYTES, MAX_CLASSIC_TUPLE_DEPTH};
pub use inbox::{
    bridge_acc, delayed_range_acc, delayed_seq_num_bit, prefix_hash, sequencer_item_acc,
    CheckedMessage, InboxSuffix, InboxSuffixError, L1InboxAccumulators, L1InboxOracle, L1Message,
    LaterItem, MessagePlace, NoL1Inbox, NotAnL1Message, KIND_END_OF_BLOCK, KIND_L2_MESSAGE,
    MAX_MESSAGE_DATA,
};
pub use state::{ClassicJsonError, ClassicStep, ExecutionState};
pub use step::{verify_step, verify_step_with_inbox};

/// Whether `opcode` is one our machine runs that the deployed Classic contracts (and
/// the C++ AVM of the fixtures' commit) do not have: the opcode table's Classic
/// column is empty for it (`ripemd160f`, `blake2f`, `inboxpeek`). The contracts treat
/// them as invalid opcodes (an Error, like `error`), so our machine's steps of them
/// have no Classic proof and the prover refuses them; the native verifier decides a
/// Classic proof of one as the contracts do, as an invalid opcode, and rejects
/// anything else as [`crate::Rejection::NotClassic`].
pub fn not_in_classic(opcode: u8) -> bool {
    avm_code::OPCODES
        .get(usize::from(opcode))
        .and_then(Option::as_ref)
        .is_some_and(|info| info.classic.is_none())
}

/// Every opcode [`not_in_classic`] names.
pub fn opcodes_not_in_classic() -> Vec<u8> {
    (0..=u8::MAX).filter(|op| not_in_classic(*op)).collect()
}

/// Why a Classic step file entry does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClassicStepError {
    /// The proof is rejected.
    #[error(transparent)]
    Rejected(#[from] crate::Rejection),
    /// The proof is valid but leads to another state than the entry's after-state.
    #[error(
        "the proof leads to another after-state: {}",
        differences(claimed, computed)
    )]
    AfterState {
        /// The entry's after-state.
        claimed: Box<ExecutionState>,
        /// The state the proof leads to.
        computed: Box<ExecutionState>,
    },
}

/// The fields in which `computed` differs from `claimed`, named as in the files.
fn differences(claimed: &ExecutionState, computed: &ExecutionState) -> String {
    let mut out = Vec::new();
    let mut hash = |name: &str, a: &avm_value::Hash, b: &avm_value::Hash| {
        if a != b {
            out.push(format!("{name} {b}, not the claimed {a}"));
        }
    };
    hash("machineHash", &claimed.machine_hash, &computed.machine_hash);
    hash("inboxAcc", &claimed.inbox_acc, &computed.inbox_acc);
    hash("sendAcc", &claimed.send_acc, &computed.send_acc);
    hash("logAcc", &claimed.log_acc, &computed.log_acc);
    for (name, a, b) in [
        ("inboxCount", claimed.inbox_count, computed.inbox_count),
        ("gasUsed", claimed.gas_used, computed.gas_used),
        ("sendCount", claimed.send_count, computed.send_count),
        ("logCount", claimed.log_count, computed.log_count),
    ] {
        if a != b {
            out.push(format!("{name} {b}, not the claimed {a}"));
        }
    }
    out.join("; ")
}

impl ClassicStep {
    /// Checks this step with [`verify_step`]: its proof must take its before-state to
    /// exactly its after-state.
    pub fn verify(&self) -> Result<(), ClassicStepError> {
        self.verify_with_inbox(&NoL1Inbox)
    }

    /// Checks this step with [`verify_step_with_inbox`] against the inbox contracts'
    /// accumulators: its proof must take its before-state to exactly its after-state.
    pub fn verify_with_inbox(&self, inbox: &impl L1InboxOracle) -> Result<(), ClassicStepError> {
        let after = verify_step_with_inbox(&self.before, &self.proof, &self.buffer_proof, inbox)?;
        if after == self.after {
            Ok(())
        } else {
            Err(ClassicStepError::AfterState {
                claimed: Box::new(self.after),
                computed: Box::new(after),
            })
        }
    }
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::Rejection;

    fn machine_tail() -> Vec<u8> {
        let mut out = vec![0u8; 32]; // next hash
        for _ in 0..2 {
            out.extend([0u8; 32]); // stack preimage inner
            out.extend([0u8; 31]);
            out.push(1); // size
        }
        out.extend([0u8; 33]); // register: the integer 0
        out.extend([0u8; 33]); // static: the integer 0
        out.extend([0xffu8; 32]); // gas
        out.extend([0u8; 32]); // error code point hash
        out
    }

    #[test]
    fn malformed_proofs_are_rejected_not_panics() {
        let before = ExecutionState::default();
        for bytes in [
            vec![],
            vec![0x3b],
            vec![0x3b, 1, 0, 99],
            vec![0x3b, 0, 0],
            vec![0x3b, 1, 0, 0],
        ] {
            assert!(matches!(
                verify_step(&before, &bytes, &[]),
                Err(Rejection::Malformed(_))
            ));
        }
        // An immediate flag of 2, and an immediate with no value shown.
        for (count, flag) in [(0u8, 2u8), (0, 1)] {
            let mut bytes = vec![0x3b, count, 0];
            bytes.extend(machine_tail());
            bytes.push(flag);
            assert!(matches!(
                verify_step(&before, &bytes, &[]),
                Err(Rejection::Malformed(_))
            ));
        }
    }

    #[test]
    fn deep_tuples_are_refused_and_long_code_point_chains_do_not_recurse() {
        let before = ExecutionState::default();
        let mut bytes = vec![0x30, 1, 0];
        bytes.extend(std::iter::repeat_n(4u8, MAX_CLASSIC_TUPLE_DEPTH + 1));
        bytes.extend([0u8; 33]);
        assert!(matches!(
            verify_step(&before, &bytes, &[]),
            Err(Rejection::Malformed(_))
        ));

        // 100,000 code points, each the immediate of the one before.
        let depth = 100_000;
        let mut bytes = vec![0x30, 1, 0];
        for _ in 0..depth {
            bytes.extend([1u8, 1, 0x3b]);
        }
        bytes.extend([0u8; 33]);
        bytes.extend(std::iter::repeat_n(0u8, 32 * depth));
        bytes.extend(machine_tail());
        bytes.push(0);
        // It decodes (and is then rejected for not being this machine).
        let running = ExecutionState {
            machine_hash: avm_value::Hash([7; 32]),
            ..before
        };
        assert!(matches!(
            verify_step(&running, &bytes, &[]),
            Err(Rejection::PreStateMismatch { .. })
        ));
    }

    #[test]
    fn buffer_proof_headers_out_of_range_are_rejected() {
        let header = |h: [u8; 5]| {
            let mut bytes = h.to_vec();
            bytes.resize(32, 0);
            bytes
        };
        assert!(buffer::Parts::parse(&[1, 2]).is_err());
        assert!(buffer::Parts::parse(&header([1, 9, 9, 9, 9])).is_err());
        assert!(buffer::Parts::parse(&header([1, 0, 0, 0, 0])).is_err());
        assert!(buffer::Parts::parse(&header([1, 1, 1, 1, 1])).is_ok());
        let mut two = header([1, 2, 2, 2, 2]);
        two.extend([7u8; 32]);
        let parts = buffer::Parts::parse(&two).unwrap();
        assert_eq!(parts.leaf(0), &[[7u8; 32]]);
        assert!(parts.normal(0).is_empty());
    }

    #[test]
    fn json_shape_refuses_unknown_and_missing_fields() {
        let step = ClassicStep::default();
        let json = step.to_json();
        assert_eq!(ClassicStep::from_json(&json).unwrap(), step);
        assert_eq!(json["BufferProof"], serde_json::Value::String("0x".into()));
        let mut extra = json.clone();
        extra["Other"] = serde_json::Value::Null;
        assert!(ClassicStep::from_json(&extra).is_err());
        let mut missing = json.clone();
        missing["Assertion"]["afterState"]
            .as_object_mut()
            .unwrap()
            .remove("gasUsed");
        assert!(ClassicStep::from_json(&missing).is_err());
        let mut wide = json;
        wide["Assertion"]["beforeState"]["machineHash"][0] = 256.into();
        assert!(ClassicStep::from_json(&wide).is_err());
        assert!(ClassicStep::parse_file("[{").is_err());
    }
}
