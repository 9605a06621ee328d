//! The deployed contracts' creation bytecode, read from a directory of JSON files
//! (`contract`, `abi`, `creation_bytecode`), one per contract.
//!
//! The bytecode is test data taken from upstream, not part of this repository: callers
//! say where it lives, and a missing or malformed file is an error that names it.

use std::path::{Path, PathBuf};

use serde_json::Value as Json;

/// Deepest JSON nesting accepted in a contract file (its ABI nests a few levels).
const MAX_JSON_DEPTH: usize = 64;

/// Why the contracts could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ContractsError {
    /// A contract's file is not there (or not readable).
    #[error("contract file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A contract's file is not the JSON shape expected.
    #[error("contract file {path}: {message}")]
    Malformed {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// A contract's ABI lacks a function this crate calls (the file is some other build).
    #[error("contract file {path}: the ABI has no function {signature}")]
    MissingFunction {
        /// The file.
        path: PathBuf,
        /// The function, as a Solidity signature.
        signature: String,
    },
}

/// One contract: its name, creation bytecode and the signatures of the ABI's functions.
#[derive(Debug, Clone)]
pub struct Contract {
    /// The `contract` field (e.g. `OneStepProof`).
    pub name: String,
    /// The creation (init) bytecode, run once to deploy the contract.
    pub creation_bytecode: Vec<u8>,
    /// Every function of the ABI as a canonical signature (`executeStep(address[2],...)`).
    pub functions: Vec<String>,
}

impl Contract {
    /// Reads `dir/NAME.json`.
    pub fn load(dir: &Path, name: &str) -> Result<Contract, ContractsError> {
        let path = dir.join(format!("{name}.json"));
        let bytes = std::fs::read(&path).map_err(|source| ContractsError::Read {
            path: path.clone(),
            source,
        })?;
        let malformed = |message: String| ContractsError::Malformed {
            path: path.clone(),
            message,
        };
        avm_value::json::check_unambiguous(&bytes, MAX_JSON_DEPTH)
            .map_err(|e| malformed(e.to_string()))?;
        let json: Json = serde_json::from_slice(&bytes).map_err(|e| malformed(e.to_string()))?;
        let contract = json
            .get("contract")
            .and_then(Json::as_str)
            .ok_or_else(|| malformed("no string field `contract`".into()))?;
        if contract != name {
            return Err(malformed(format!("holds contract {contract}, not {name}")));
        }
        let code_hex = json
            .get("creation_bytecode")
            .and_then(Json::as_str)
            .ok_or_else(|| malformed("no string field `creation_bytecode`".into()))?;
        let creation_bytecode = hex::decode(code_hex.strip_prefix("0x").unwrap_or(code_hex))
            .map_err(|e| malformed(format!("creation_bytecode: {e}")))?;
        if creation_bytecode.is_empty() {
            return Err(malformed("creation_bytecode is empty".into()));
        }
        let entries = json
            .get("abi")
            .and_then(Json::as_array)
            .ok_or_else(|| malformed("no array field `abi`".into()))?;
        let mut functions = Vec::new();
        for entry in entries {
            if entry.get("type").and_then(Json::as_str) != Some("function") {
                continue;
            }
            functions.push(signature_of(entry).ok_or_else(|| {
                malformed("an ABI function without a name or input types".into())
            })?);
        }
        Ok(Contract {
            name: name.to_owned(),
            creation_bytecode,
            functions,
        })
    }

    /// Fails unless the ABI has every function of `signatures`.
    pub(crate) fn require(&self, dir: &Path, signatures: &[&str]) -> Result<(), ContractsError> {
        for signature in signatures {
            if !self.functions.iter().any(|f| f == signature) {
                return Err(ContractsError::MissingFunction {
                    path: dir.join(format!("{}.json", self.name)),
                    signature: (*signature).to_owned(),
                });
            }
        }
        Ok(())
    }
}

/// `name(type,type,...)` of an ABI entry (tuple parameters are not used by these contracts).
fn signature_of(entry: &Json) -> Option<String> {
    let name = entry.get("name")?.as_str()?;
    let inputs = entry.get("inputs")?.as_array()?;
    let types: Option<Vec<&str>> = inputs
        .iter()
        .map(|input| input.get("type").and_then(Json::as_str))
        .collect();
    Some(format!("{name}({})", types?.join(",")))
}

/// The call this crate makes to the one-step-proof contracts.
pub(crate) const EXECUTE_STEP: &str = "executeStep(address[2],uint256,bytes32[2],bytes,bytes)";
/// Bridge: make the caller the owner.
pub(crate) const BRIDGE_INITIALIZE: &str = "initialize()";
/// Bridge: allow an inbox.
pub(crate) const BRIDGE_SET_INBOX: &str = "setInbox(address,bool)";
/// Bridge: append a delayed message.
pub(crate) const BRIDGE_DELIVER: &str = "deliverMessageToInbox(uint8,address,bytes32)";
/// Bridge and SequencerInbox: accumulator `n`.
pub(crate) const INBOX_ACCS: &str = "inboxAccs(uint256)";
/// Bridge and SequencerInbox: messages so far.
pub(crate) const MESSAGE_COUNT: &str = "messageCount()";
/// SequencerInbox: wire it to the bridge, the sequencer and the rollup.
pub(crate) const SEQ_INITIALIZE: &str = "initialize(address,address,address)";
/// SequencerInbox: post a batch.
pub(crate) const SEQ_ADD_BATCH: &str = "addSequencerL2Batch(bytes,uint256[],uint256[],bytes32)";

/// The contracts the EVM world deploys, loaded and checked to have the entry points used.
#[derive(Debug, Clone)]
pub struct Contracts {
    /// The one-step verifier for most opcodes.
    pub one_step_proof: Contract,
    /// The one-step verifier for buffer opcodes and `send`.
    pub one_step_proof2: Contract,
    /// The one-step verifier for the hashing opcodes.
    pub one_step_proof_hash: Contract,
    /// The delayed inbox.
    pub bridge: Contract,
    /// The sequencer inbox.
    pub sequencer_inbox: Contract,
    /// The rollup stand-in the sequencer inbox is wired to.
    pub rollup_mock: Contract,
}

impl Contracts {
    /// Reads OneStepProof, OneStepProof2, OneStepProofHash, Bridge, SequencerInbox and
    /// RollupMock from `dir` (e.g. `shared/fixtures/classic/contracts`).
    pub fn load(dir: impl AsRef<Path>) -> Result<Contracts, ContractsError> {
        let dir = dir.as_ref();
        let contracts = Contracts {
            one_step_proof: Contract::load(dir, "OneStepProof")?,
            one_step_proof2: Contract::load(dir, "OneStepProof2")?,
            one_step_proof_hash: Contract::load(dir, "OneStepProofHash")?,
            bridge: Contract::load(dir, "Bridge")?,
            sequencer_inbox: Contract::load(dir, "SequencerInbox")?,
            rollup_mock: Contract::load(dir, "RollupMock")?,
        };
        for osp in [
            &contracts.one_step_proof,
            &contracts.one_step_proof2,
            &contracts.one_step_proof_hash,
        ] {
            osp.require(dir, &[EXECUTE_STEP])?;
        }
        contracts.bridge.require(
            dir,
            &[
                BRIDGE_INITIALIZE,
                BRIDGE_SET_INBOX,
                BRIDGE_DELIVER,
                INBOX_ACCS,
                MESSAGE_COUNT,
            ],
        )?;
        contracts.sequencer_inbox.require(
            dir,
            &[SEQ_INITIALIZE, SEQ_ADD_BATCH, INBOX_ACCS, MESSAGE_COUNT],
        )?;
        Ok(contracts)
    }
}
