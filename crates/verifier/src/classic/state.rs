//! The Classic ExecutionState and the JSON shape of upstream's proof files.
//!
//! The deployed contracts and the C++ validator describe the ends of a step by eight
//! fields; upstream's test files (`packages/arb-bridge-eth/test/proofs/*.json`) write
//! them with hashes as arrays of 32 byte numbers, beside the `Proof` and `BufferProof`
//! bytes as `0x` hex. This module reads and writes exactly that shape, so files we write
//! are byte-identical to upstream's and files upstream wrote load here.

use avm_value::Hash;
use serde_json::{Map, Value as Json};

/// The state of an execution as the Classic contracts and the C++ AVM report it: what
/// a Classic assertion's before and after sides hold.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ExecutionState {
    /// The machine hash (0 for Halted, 1 for ErrorStop).
    pub machine_hash: Hash,
    /// The inbox accumulator after the messages read so far.
    pub inbox_acc: Hash,
    /// Inbox messages read so far.
    pub inbox_count: u64,
    /// ArbGas used so far.
    pub gas_used: u64,
    /// Sends so far.
    pub send_count: u64,
    /// Logs so far.
    pub log_count: u64,
    /// Send accumulator: keccak(acc, keccak(send bytes)) from zero.
    pub send_acc: Hash,
    /// Log accumulator: keccak(acc, hash(log value)) from zero.
    pub log_acc: Hash,
}

/// One proven step in the Classic wire format: the states on both sides and the two
/// byte strings `OneStepProof*.executeStep` takes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClassicStep {
    /// The state before the step.
    pub before: ExecutionState,
    /// The state after it.
    pub after: ExecutionState,
    /// The `proof` argument: the machine proof (plus, for `inbox`, the inbox suffix).
    pub proof: Vec<u8>,
    /// The `bproof` argument: Merkle proofs into buffers (empty for most opcodes).
    pub buffer_proof: Vec<u8>,
}

/// Why a Classic proof file could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClassicJsonError {
    /// The text is not JSON.
    #[error("not JSON: {0}")]
    Syntax(String),
    /// A field is missing or has the wrong form.
    #[error("field {field}: {problem}")]
    Field {
        /// The field's name (with its enclosing object).
        field: String,
        /// What is wrong with it.
        problem: &'static str,
    },
}

fn field_err(field: &str, problem: &'static str) -> ClassicJsonError {
    ClassicJsonError::Field {
        field: field.to_string(),
        problem,
    }
}

fn hash_json(h: &Hash) -> Json {
    Json::Array(h.0.iter().map(|b| Json::from(*b)).collect())
}

fn hex_json(bytes: &[u8]) -> Json {
    Json::String(format!("0x{}", hex::encode(bytes)))
}

impl ExecutionState {
    /// The JSON object upstream's files hold for a state, fields in their order.
    pub fn to_json(&self) -> Json {
        let mut m = Map::new();
        m.insert("machineHash".into(), hash_json(&self.machine_hash));
        m.insert("inboxAcc".into(), hash_json(&self.inbox_acc));
        m.insert("inboxCount".into(), self.inbox_count.into());
        m.insert("gasUsed".into(), self.gas_used.into());
        m.insert("sendCount".into(), self.send_count.into());
        m.insert("logCount".into(), self.log_count.into());
        m.insert("sendAcc".into(), hash_json(&self.send_acc));
        m.insert("logAcc".into(), hash_json(&self.log_acc));
        Json::Object(m)
    }

    /// Reads a state object; every field must be present, none other.
    pub fn from_json(json: &Json, name: &str) -> Result<ExecutionState, ClassicJsonError> {
        let obj = json
            .as_object()
            .ok_or_else(|| field_err(name, "not an object"))?;
        const FIELDS: [&str; 8] = [
            "machineHash",
            "inboxAcc",
            "inboxCount",
            "gasUsed",
            "sendCount",
            "logCount",
            "sendAcc",
            "logAcc",
        ];
        if let Some(extra) = obj.keys().find(|k| !FIELDS.contains(&k.as_str())) {
            return Err(field_err(&format!("{name}.{extra}"), "not a state field"));
        }
        let get = |key: &str| {
            obj.get(key)
                .ok_or_else(|| field_err(&format!("{name}.{key}"), "missing"))
        };
        let hash = |key: &str| -> Result<Hash, ClassicJsonError> {
            let bad = || field_err(&format!("{name}.{key}"), "not an array of 32 bytes");
            let items = get(key)?.as_array().ok_or_else(bad)?;
            if items.len() != 32 {
                return Err(bad());
            }
            let mut out = [0u8; 32];
            for (slot, item) in out.iter_mut().zip(items) {
                *slot = item
                    .as_u64()
                    .and_then(|n| u8::try_from(n).ok())
                    .ok_or_else(bad)?;
            }
            Ok(Hash(out))
        };
        let count = |key: &str| -> Result<u64, ClassicJsonError> {
            get(key)?
                .as_u64()
                .ok_or_else(|| field_err(&format!("{name}.{key}"), "not a u64 number"))
        };
        Ok(ExecutionState {
            machine_hash: hash("machineHash")?,
            inbox_acc: hash("inboxAcc")?,
            inbox_count: count("inboxCount")?,
            gas_used: count("gasUsed")?,
            send_count: count("sendCount")?,
            log_count: count("logCount")?,
            send_acc: hash("sendAcc")?,
            log_acc: hash("logAcc")?,
        })
    }
}

fn hex_field(obj: &Map<String, Json>, key: &str) -> Result<Vec<u8>, ClassicJsonError> {
    let text = obj
        .get(key)
        .and_then(Json::as_str)
        .ok_or_else(|| field_err(key, "missing or not a string"))?;
    let digits = text
        .strip_prefix("0x")
        .ok_or_else(|| field_err(key, "hex without 0x"))?;
    hex::decode(digits).map_err(|_| field_err(key, "not hex bytes"))
}

impl ClassicStep {
    /// The object upstream's files hold for one step:
    /// `{"Assertion": {"beforeState", "afterState"}, "Proof": "0x..", "BufferProof": "0x.."}`
    /// (an empty buffer proof is `"0x"`).
    pub fn to_json(&self) -> Json {
        let mut assertion = Map::new();
        assertion.insert("beforeState".into(), self.before.to_json());
        assertion.insert("afterState".into(), self.after.to_json());
        let mut m = Map::new();
        m.insert("Assertion".into(), Json::Object(assertion));
        m.insert("Proof".into(), hex_json(&self.proof));
        m.insert("BufferProof".into(), hex_json(&self.buffer_proof));
        Json::Object(m)
    }

    /// Reads one step object of that shape; unknown fields are refused.
    pub fn from_json(json: &Json) -> Result<ClassicStep, ClassicJsonError> {
        let obj = json
            .as_object()
            .ok_or_else(|| field_err("step", "not an object"))?;
        if let Some(extra) = obj
            .keys()
            .find(|k| !["Assertion", "Proof", "BufferProof"].contains(&k.as_str()))
        {
            return Err(field_err(extra, "not a step field"));
        }
        let assertion = obj
            .get("Assertion")
            .and_then(Json::as_object)
            .ok_or_else(|| field_err("Assertion", "missing or not an object"))?;
        if let Some(extra) = assertion
            .keys()
            .find(|k| !["beforeState", "afterState"].contains(&k.as_str()))
        {
            return Err(field_err(
                &format!("Assertion.{extra}"),
                "not an assertion field",
            ));
        }
        let state = |key: &str| {
            let name = format!("Assertion.{key}");
            let json = assertion
                .get(key)
                .ok_or_else(|| field_err(&name, "missing"))?;
            ExecutionState::from_json(json, &name)
        };
        Ok(ClassicStep {
            before: state("beforeState")?,
            after: state("afterState")?,
            proof: hex_field(obj, "Proof")?,
            buffer_proof: hex_field(obj, "BufferProof")?,
        })
    }

    /// Reads a proof file: one step object, or an array of them.
    pub fn parse_file(text: &str) -> Result<Vec<ClassicStep>, ClassicJsonError> {
        // A key given twice would be read one way here and another way elsewhere.
        avm_value::json::check_unambiguous(text.as_bytes(), 8)
            .map_err(|e| ClassicJsonError::Syntax(e.to_string()))?;
        let json: Json =
            serde_json::from_str(text).map_err(|e| ClassicJsonError::Syntax(e.to_string()))?;
        match &json {
            Json::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    ClassicStep::from_json(item).map_err(|e| match e {
                        ClassicJsonError::Field { field, problem } => ClassicJsonError::Field {
                            field: format!("[{i}].{field}"),
                            problem,
                        },
                        other => other,
                    })
                })
                .collect(),
            other => Ok(vec![ClassicStep::from_json(other)?]),
        }
    }

    /// Writes steps as upstream's files do: a compact JSON array.
    pub fn file_text(steps: &[ClassicStep]) -> String {
        Json::Array(steps.iter().map(ClassicStep::to_json).collect()).to_string()
    }
}
