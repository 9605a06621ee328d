//! The deployed contracts' creation bytecode and ABIs, read from a directory of JSON
//! files (`contract`, `abi`, `creation_bytecode`), one per contract.
//!
//! The bytecode is data taken from upstream, not part of this repository: callers say
//! where it lives, and a missing or malformed file is an error that names it. Each
//! contract's file is read once, when first needed, and checked to have the functions
//! avm calls on it ([`ContractName::required`]), so a file of another build is refused
//! before any transaction is sent.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde_json::Value as Json;

use crate::abi::signatures as sig;

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

/// The contracts avm deploys or calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ContractName {
    /// The one-step verifier for most opcodes.
    OneStepProof,
    /// The one-step verifier for buffer opcodes and `send`.
    OneStepProof2,
    /// The one-step verifier for the hashing opcodes.
    OneStepProofHash,
    /// The delayed inbox's accumulators.
    Bridge,
    /// The sequencer inbox.
    SequencerInbox,
    /// The users' entry point to the delayed inbox.
    Inbox,
    /// The rollup stand-in upstream's tests wire the SequencerInbox to.
    RollupMock,
    /// Upstream's test harness for one challenge (deploys a ChallengeFactory).
    ChallengeTester,
    /// The challenge (its moves).
    Challenge,
    /// Makes Challenges for a rollup.
    ChallengeFactory,
    /// Creates a whole rollup in its constructor.
    RollupCreatorNoProxy,
    /// The rollup's functions for validators and users.
    RollupUserFacet,
    /// The rollup's functions for its owner.
    RollupAdminFacet,
    /// L2-to-L1 messages.
    Outbox,
    /// The rollup's events as delayed messages.
    RollupEventBridge,
    /// Views a validator uses.
    ValidatorUtils,
    /// A rollup node (its views).
    Node,
}

impl ContractName {
    /// The contract's name, also its file's (`NAME.json`).
    pub fn file_stem(self) -> &'static str {
        match self {
            ContractName::OneStepProof => "OneStepProof",
            ContractName::OneStepProof2 => "OneStepProof2",
            ContractName::OneStepProofHash => "OneStepProofHash",
            ContractName::Bridge => "Bridge",
            ContractName::SequencerInbox => "SequencerInbox",
            ContractName::Inbox => "Inbox",
            ContractName::RollupMock => "RollupMock",
            ContractName::ChallengeTester => "ChallengeTester",
            ContractName::Challenge => "Challenge",
            ContractName::ChallengeFactory => "ChallengeFactory",
            ContractName::RollupCreatorNoProxy => "RollupCreatorNoProxy",
            ContractName::RollupUserFacet => "RollupUserFacet",
            ContractName::RollupAdminFacet => "RollupAdminFacet",
            ContractName::Outbox => "Outbox",
            ContractName::RollupEventBridge => "RollupEventBridge",
            ContractName::ValidatorUtils => "ValidatorUtils",
            ContractName::Node => "INode",
        }
    }

    /// The functions avm calls on the contract: its ABI must have each.
    pub fn required(self) -> &'static [&'static str] {
        match self {
            ContractName::OneStepProof
            | ContractName::OneStepProof2
            | ContractName::OneStepProofHash => &[sig::EXECUTE_STEP],
            ContractName::Bridge => &[
                sig::BRIDGE_INITIALIZE,
                sig::BRIDGE_SET_INBOX,
                sig::BRIDGE_DELIVER,
                sig::INBOX_ACCS,
                sig::MESSAGE_COUNT,
            ],
            ContractName::SequencerInbox => &[
                sig::SEQ_INITIALIZE,
                sig::SEQ_ADD_BATCH,
                sig::INBOX_ACCS,
                sig::MESSAGE_COUNT,
                sig::SEQ_ACCS_LENGTH,
                sig::SEQ_DELAYED_READ,
            ],
            ContractName::Inbox => &[
                sig::INBOX_INITIALIZE,
                sig::INBOX_SEND_L2,
                sig::INBOX_DEPOSIT_ETH,
                sig::INBOX_START_REWRITE,
            ],
            ContractName::RollupMock => &[],
            ContractName::ChallengeTester => &[
                sig::START_CHALLENGE,
                sig::TESTER_CHALLENGE,
                sig::TESTER_COMPLETED,
                sig::TESTER_WINNER,
                sig::TESTER_LOSER,
            ],
            ContractName::Challenge => &[
                sig::BISECT,
                sig::PROVE_CONTINUED,
                sig::ONE_STEP_PROVE,
                sig::TIMEOUT,
                sig::LAST_MOVE_BLOCK,
                sig::RESPONDER_TIME_LEFT,
            ],
            ContractName::ChallengeFactory => &[],
            ContractName::RollupCreatorNoProxy => &[],
            ContractName::RollupUserFacet => &[
                sig::ROLLUP_SEQUENCER_BRIDGE,
                sig::ROLLUP_DELAYED_BRIDGE,
                sig::ROLLUP_OUTBOX,
                sig::ROLLUP_EVENT_BRIDGE,
                sig::ROLLUP_CHALLENGE_FACTORY,
                sig::ROLLUP_CONFIRM_PERIOD,
                sig::ROLLUP_LATEST_CONFIRMED,
            ],
            ContractName::RollupAdminFacet => &[sig::ROLLUP_SET_VALIDATOR],
            ContractName::Outbox => &[],
            ContractName::RollupEventBridge => &[],
            ContractName::ValidatorUtils => &[],
            ContractName::Node => &[],
        }
    }
}

/// One contract: its name, creation bytecode and the signatures of the ABI's functions.
#[derive(Debug, Clone)]
pub struct Contract {
    /// The `contract` field (e.g. `OneStepProof`).
    pub name: String,
    /// The creation (init) bytecode, run once to deploy the contract (empty for an
    /// ABI-only file such as an interface's).
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
        let creation_bytecode = match json.get("creation_bytecode") {
            None => Vec::new(),
            Some(code) => {
                let code_hex = code
                    .as_str()
                    .ok_or_else(|| malformed("`creation_bytecode` is not a string".into()))?;
                hex::decode(code_hex.strip_prefix("0x").unwrap_or(code_hex))
                    .map_err(|e| malformed(format!("creation_bytecode: {e}")))?
            }
        };
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
    fn require(&self, path: &Path, signatures: &[&str]) -> Result<(), ContractsError> {
        for signature in signatures {
            if !self.functions.iter().any(|f| f == signature) {
                return Err(ContractsError::MissingFunction {
                    path: path.to_path_buf(),
                    signature: (*signature).to_owned(),
                });
            }
        }
        Ok(())
    }

    /// The creation input: the bytecode followed by ABI-encoded constructor arguments.
    pub fn creation_input(&self, constructor_args: &[u8]) -> Vec<u8> {
        let mut input = self.creation_bytecode.clone();
        input.extend_from_slice(constructor_args);
        input
    }
}

/// `name(type,...)` of an ABI entry; a tuple parameter is written as its components'
/// types in parentheses, as Solidity's canonical signatures do.
fn signature_of(entry: &Json) -> Option<String> {
    let name = entry.get("name")?.as_str()?;
    let inputs = entry.get("inputs")?.as_array()?;
    let types: Option<Vec<String>> = inputs.iter().map(type_of).collect();
    Some(format!("{name}({})", types?.join(",")))
}

fn type_of(param: &Json) -> Option<String> {
    let ty = param.get("type")?.as_str()?;
    match ty.strip_prefix("tuple") {
        Some(suffix) => {
            let components = param.get("components")?.as_array()?;
            let inner: Option<Vec<String>> = components.iter().map(type_of).collect();
            Some(format!("({}){suffix}", inner?.join(",")))
        }
        None => Some(ty.to_owned()),
    }
}

/// The contracts of a directory, each read (and checked) when first needed.
#[derive(Debug)]
pub struct Contracts {
    dir: PathBuf,
    loaded: Mutex<HashMap<ContractName, Arc<Contract>>>,
}

impl Clone for Contracts {
    fn clone(&self) -> Self {
        let loaded = self.loaded.lock().map(|m| m.clone()).unwrap_or_default();
        Contracts {
            dir: self.dir.clone(),
            loaded: Mutex::new(loaded),
        }
    }
}

/// The contracts a challenge game deploys (and a one-step proof check uses).
pub const CHALLENGE_CONTRACTS: [ContractName; 9] = [
    ContractName::OneStepProof,
    ContractName::OneStepProof2,
    ContractName::OneStepProofHash,
    ContractName::Bridge,
    ContractName::SequencerInbox,
    ContractName::Inbox,
    ContractName::RollupMock,
    ContractName::ChallengeTester,
    ContractName::Challenge,
];

impl Contracts {
    /// The contracts of `dir` (e.g. `shared/fixtures/classic/contracts`), with those a
    /// challenge game deploys read and checked now.
    pub fn load(dir: impl AsRef<Path>) -> Result<Contracts, ContractsError> {
        let contracts = Contracts::open(dir);
        for name in CHALLENGE_CONTRACTS {
            contracts.get(name)?;
        }
        Ok(contracts)
    }

    /// The contracts of `dir`, none read yet.
    pub fn open(dir: impl AsRef<Path>) -> Contracts {
        Contracts {
            dir: dir.as_ref().to_path_buf(),
            loaded: Mutex::new(HashMap::new()),
        }
    }

    /// The directory they are read from.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Contract `name`, read and checked on first use.
    pub fn get(&self, name: ContractName) -> Result<Arc<Contract>, ContractsError> {
        if let Some(found) = self.loaded.lock().ok().and_then(|m| m.get(&name).cloned()) {
            return Ok(found);
        }
        let stem = name.file_stem();
        let contract = Contract::load(&self.dir, stem)?;
        contract.require(&self.dir.join(format!("{stem}.json")), name.required())?;
        let contract = Arc::new(contract);
        if let Ok(mut map) = self.loaded.lock() {
            map.insert(name, contract.clone());
        }
        Ok(contract)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tuple_parameters_are_written_as_their_components() {
        let entry: Json = serde_json::json!({
            "type": "function", "name": "f",
            "inputs": [
                {"type": "uint256"},
                {"type": "tuple[2]", "components": [{"type": "address"}, {"type": "bytes32[3]"}]}
            ]
        });
        assert_eq!(
            signature_of(&entry).as_deref(),
            Some("f(uint256,(address,bytes32[3])[2])")
        );
    }
}
