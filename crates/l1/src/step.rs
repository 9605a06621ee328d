//! Classic step records (the fixture files' shape) and the contracts' verdict on them.

use std::fmt;

use serde_json::{Map, Value as Json};

use crate::world::{L1Error, L1World};
use avm_value::{Hash, Int};

/// Which one-step-proof contract checks a step: the Classic verifier is split in three
/// to stay under the contract size limit, and the opcode picks the part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Executor {
    /// Everything not listed for the other two.
    OneStepProof,
    /// Buffer opcodes `0xa1..=0xa6` and `send` (`0x70`).
    OneStepProof2,
    /// Hashing opcodes `0x20..=0x24`.
    OneStepProofHash,
}

impl Executor {
    /// The contract that checks a step executing `opcode`.
    pub fn for_opcode(opcode: u8) -> Executor {
        match opcode {
            0xa1..=0xa6 | 0x70 => Executor::OneStepProof2,
            0x20..=0x24 => Executor::OneStepProofHash,
            _ => Executor::OneStepProof,
        }
    }

    /// The contract's name.
    pub fn name(self) -> &'static str {
        match self {
            Executor::OneStepProof => "OneStepProof",
            Executor::OneStepProof2 => "OneStepProof2",
            Executor::OneStepProofHash => "OneStepProofHash",
        }
    }
}

/// Why a call failed, as far as the EVM tells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RevertReason {
    /// `revert("...")` / `require(..., "...")`: the message.
    Message(String),
    /// A revert with data of another shape (or none).
    Data(Vec<u8>),
    /// An exceptional halt (out of gas, invalid opcode, ...).
    Halt(String),
}

impl fmt::Display for RevertReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RevertReason::Message(message) => write!(f, "reverted: {message}"),
            RevertReason::Data(data) if data.is_empty() => write!(f, "reverted without a reason"),
            RevertReason::Data(data) => write!(f, "reverted with data 0x{}", hex::encode(data)),
            RevertReason::Halt(reason) => write!(f, "halted: {reason}"),
        }
    }
}

/// What `executeStep` returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepOutput {
    /// The step's AVM gas.
    pub gas: u64,
    /// Inbox messages read after the step.
    pub after_messages_read: Int,
    /// `[before machine hash, after machine hash, after send acc, after log acc]`.
    pub fields: [Hash; 4],
}

/// `executeStep` returned, or reverted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepOutcome {
    /// It returned these values (whether they match a claim is the checker's business).
    Returned(StepOutput),
    /// It reverted: the contract refuses the proof.
    Reverted(RevertReason),
}

/// One `executeStep` call: which contract, what it said, and what it cost on L1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepResult {
    /// The contract called.
    pub executor: Executor,
    /// Its answer.
    pub outcome: StepOutcome,
    /// EVM gas of the whole call as a transaction (21,000 base and call data included).
    pub evm_gas: u64,
}

/// A Classic `ExecutionState`: the machine's hash and the counters and accumulators an
/// assertion carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ExecutionState {
    /// The machine's hash.
    pub machine_hash: Hash,
    /// The inbox accumulator.
    pub inbox_acc: Hash,
    /// Inbox messages read.
    pub inbox_count: u64,
    /// AVM gas used so far.
    pub gas_used: u64,
    /// Sends so far.
    pub send_count: u64,
    /// Logs so far.
    pub log_count: u64,
    /// The send accumulator.
    pub send_acc: Hash,
    /// The log accumulator.
    pub log_acc: Hash,
}

/// One proven step as the Classic fixture files hold it: the states before and after,
/// the `Proof` and the `BufferProof`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepRecord {
    /// The state before the step.
    pub before: ExecutionState,
    /// The state after the step.
    pub after: ExecutionState,
    /// The machine proof (its first byte is the opcode).
    pub proof: Vec<u8>,
    /// The buffer proof (empty for steps that touch no buffer).
    pub buffer_proof: Vec<u8>,
}

impl StepRecord {
    /// The opcode executed: the proof's first byte (`None` for an empty proof).
    pub fn opcode(&self) -> Option<u8> {
        self.proof.first().copied()
    }
}

/// Why a step record file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// Not JSON, ambiguous JSON (a key twice in an object), or nested too deep.
    #[error("not valid JSON: {0}")]
    Json(String),
    /// JSON, but not of the step record shape.
    #[error("{path}: {message}")]
    Shape {
        /// Where, as a JSON path (`[3].Assertion.afterState.gasUsed`).
        path: String,
        /// What is wrong.
        message: String,
    },
}

const MAX_RECORD_DEPTH: usize = 16;

/// Reads step records: a JSON array of them (the fixture files) or a single object.
pub fn parse_step_records(bytes: &[u8]) -> Result<Vec<StepRecord>, RecordError> {
    avm_value::json::check_unambiguous(bytes, MAX_RECORD_DEPTH)
        .map_err(|e| RecordError::Json(e.to_string()))?;
    let json: Json = serde_json::from_slice(bytes).map_err(|e| RecordError::Json(e.to_string()))?;
    match &json {
        Json::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| record_from(item, &format!("[{i}]")))
            .collect(),
        Json::Object(_) => Ok(vec![record_from(&json, "")?]),
        _ => Err(shape("", "expected an object or an array of objects")),
    }
}

fn shape(path: &str, message: impl Into<String>) -> RecordError {
    RecordError::Shape {
        path: if path.is_empty() {
            "$".into()
        } else {
            path.into()
        },
        message: message.into(),
    }
}

/// The object at `path` with exactly the `fields` keys.
fn object_with<'a>(
    json: &'a Json,
    path: &str,
    fields: &[&str],
) -> Result<&'a Map<String, Json>, RecordError> {
    let object = json
        .as_object()
        .ok_or_else(|| shape(path, "expected an object"))?;
    for key in object.keys() {
        if !fields.contains(&key.as_str()) {
            return Err(shape(path, format!("unknown field `{key}`")));
        }
    }
    for field in fields {
        if !object.contains_key(*field) {
            return Err(shape(path, format!("missing field `{field}`")));
        }
    }
    Ok(object)
}

fn record_from(json: &Json, path: &str) -> Result<StepRecord, RecordError> {
    let object = object_with(json, path, &["Assertion", "Proof", "BufferProof"])?;
    let assertion_path = format!("{path}.Assertion");
    let assertion = object_with(
        &object["Assertion"],
        &assertion_path,
        &["beforeState", "afterState"],
    )?;
    Ok(StepRecord {
        before: state_from(
            &assertion["beforeState"],
            &format!("{assertion_path}.beforeState"),
        )?,
        after: state_from(
            &assertion["afterState"],
            &format!("{assertion_path}.afterState"),
        )?,
        proof: hex_from(&object["Proof"], &format!("{path}.Proof"))?,
        buffer_proof: hex_from(&object["BufferProof"], &format!("{path}.BufferProof"))?,
    })
}

fn state_from(json: &Json, path: &str) -> Result<ExecutionState, RecordError> {
    let object = object_with(
        json,
        path,
        &[
            "machineHash",
            "inboxAcc",
            "inboxCount",
            "gasUsed",
            "sendCount",
            "logCount",
            "sendAcc",
            "logAcc",
        ],
    )?;
    let hash = |key: &str| hash_from(&object[key], &format!("{path}.{key}"));
    let number = |key: &str| {
        object[key]
            .as_u64()
            .ok_or_else(|| shape(&format!("{path}.{key}"), "expected an integer 0..2^64"))
    };
    Ok(ExecutionState {
        machine_hash: hash("machineHash")?,
        inbox_acc: hash("inboxAcc")?,
        inbox_count: number("inboxCount")?,
        gas_used: number("gasUsed")?,
        send_count: number("sendCount")?,
        log_count: number("logCount")?,
        send_acc: hash("sendAcc")?,
        log_acc: hash("logAcc")?,
    })
}

/// A hash written as an array of 32 byte values.
fn hash_from(json: &Json, path: &str) -> Result<Hash, RecordError> {
    let items = json
        .as_array()
        .filter(|items| items.len() == 32)
        .ok_or_else(|| shape(path, "expected an array of 32 bytes"))?;
    let mut hash = [0u8; 32];
    for (byte, item) in hash.iter_mut().zip(items) {
        *byte = item
            .as_u64()
            .and_then(|v| u8::try_from(v).ok())
            .ok_or_else(|| shape(path, "expected an array of 32 bytes"))?;
    }
    Ok(Hash(hash))
}

/// Bytes written as a `0x`-prefixed hex string.
fn hex_from(json: &Json, path: &str) -> Result<Vec<u8>, RecordError> {
    let text = json
        .as_str()
        .ok_or_else(|| shape(path, "expected a 0x-prefixed hex string"))?;
    let digits = text
        .strip_prefix("0x")
        .ok_or_else(|| shape(path, "expected a 0x-prefixed hex string"))?;
    hex::decode(digits).map_err(|e| shape(path, format!("bad hex: {e}")))
}

/// Why the contracts refuse a step record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    /// The record has an empty proof, so no opcode to pick a contract by.
    #[error("the proof is empty")]
    EmptyProof,
    /// The after state's gas is below the before state's.
    #[error("gas goes backwards: before {before}, after {after}")]
    GasBackwards {
        /// Before.
        before: u64,
        /// After.
        after: u64,
    },
    /// `executeStep` reverted.
    #[error("{executor:?} {reason}")]
    Reverted {
        /// The contract.
        executor: Executor,
        /// Why.
        reason: RevertReason,
    },
    /// `executeStep` returned a field other than the record's.
    #[error("field {index} ({name}): the contract says {contract}, the record {claimed}")]
    Field {
        /// 0..4.
        index: usize,
        /// What the field is.
        name: &'static str,
        /// What the contract computed.
        contract: Hash,
        /// What the record claims.
        claimed: Hash,
    },
    /// The step's AVM gas differs.
    #[error("gas: the contract says {contract}, the record {claimed}")]
    Gas {
        /// What the contract computed.
        contract: u64,
        /// `after.gasUsed - before.gasUsed`.
        claimed: u64,
    },
    /// The messages read after the step differ.
    #[error("messages read: the contract says {contract}, the record {claimed}")]
    MessagesRead {
        /// What the contract computed.
        contract: Int,
        /// `after.inboxCount`.
        claimed: u64,
    },
}

/// The contracts' verdict on a step record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// L1 would accept the step.
    Accepted(StepResult),
    /// L1 would not; why (with the call's result when a call was made).
    Rejected(Rejection, Option<StepResult>),
}

impl Verdict {
    /// Whether the step was accepted.
    pub fn is_accepted(&self) -> bool {
        matches!(self, Verdict::Accepted(_))
    }
}

const FIELD_NAMES: [&str; 4] = [
    "before machine hash",
    "after machine hash",
    "after send acc",
    "after log acc",
];

impl L1World {
    /// Asks the contracts about a step record: `executeStep` with the before state's
    /// inbox count and accumulators must return the record's machine hashes, after
    /// accumulators, gas delta and after inbox count.
    ///
    /// `Err` only when the EVM could not run the call.
    pub fn check_step(&mut self, record: &StepRecord) -> Result<Verdict, L1Error> {
        let Some(opcode) = record.opcode() else {
            return Ok(Verdict::Rejected(Rejection::EmptyProof, None));
        };
        let Some(claimed_gas) = record.after.gas_used.checked_sub(record.before.gas_used) else {
            return Ok(Verdict::Rejected(
                Rejection::GasBackwards {
                    before: record.before.gas_used,
                    after: record.after.gas_used,
                },
                None,
            ));
        };
        let result = self.execute_step(
            opcode,
            Int::from(record.before.inbox_count),
            record.before.send_acc,
            record.before.log_acc,
            &record.proof,
            &record.buffer_proof,
        )?;
        let output = match &result.outcome {
            StepOutcome::Reverted(reason) => {
                let rejection = Rejection::Reverted {
                    executor: result.executor,
                    reason: reason.clone(),
                };
                return Ok(Verdict::Rejected(rejection, Some(result)));
            }
            StepOutcome::Returned(output) => *output,
        };
        let claimed = [
            record.before.machine_hash,
            record.after.machine_hash,
            record.after.send_acc,
            record.after.log_acc,
        ];
        for (index, (contract, claimed)) in output.fields.iter().zip(claimed).enumerate() {
            if *contract != claimed {
                let rejection = Rejection::Field {
                    index,
                    name: FIELD_NAMES[index],
                    contract: *contract,
                    claimed,
                };
                return Ok(Verdict::Rejected(rejection, Some(result)));
            }
        }
        if output.gas != claimed_gas {
            let rejection = Rejection::Gas {
                contract: output.gas,
                claimed: claimed_gas,
            };
            return Ok(Verdict::Rejected(rejection, Some(result)));
        }
        if output.after_messages_read != Int::from(record.after.inbox_count) {
            let rejection = Rejection::MessagesRead {
                contract: output.after_messages_read,
                claimed: record.after.inbox_count,
            };
            return Ok(Verdict::Rejected(rejection, Some(result)));
        }
        Ok(Verdict::Accepted(result))
    }
}
