//! What goes into a chain and what comes out: transactions, receipts, logs, reverts,
//! errors, and the rule sets.

use std::fmt;

use avm_value::Hash;
use revm::primitives::hardfork::SpecId;

/// The rule set the EVM runs under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Hardfork {
    /// London (EIP-1559, EIP-3529): the rules the Classic contracts lived under; the default.
    #[default]
    London,
    /// The Merge (Paris).
    Paris,
    /// Shanghai (PUSH0, initcode metering).
    Shanghai,
    /// Cancun (transient storage, EIP-6780 SELFDESTRUCT).
    Cancun,
    /// Prague (EIP-7623 calldata floor).
    Prague,
    /// Osaka.
    Osaka,
}

impl Hardfork {
    /// The name transcripts and the CLI use (Ethereum's, lower case).
    pub fn name(self) -> &'static str {
        match self {
            Hardfork::London => "london",
            Hardfork::Paris => "paris",
            Hardfork::Shanghai => "shanghai",
            Hardfork::Cancun => "cancun",
            Hardfork::Prague => "prague",
            Hardfork::Osaka => "osaka",
        }
    }

    /// The hardfork named `name` (Ethereum's names, any case; `merge` is Paris).
    pub fn from_name(name: &str) -> Option<Hardfork> {
        Some(match name.to_ascii_lowercase().as_str() {
            "london" => Hardfork::London,
            "paris" | "merge" => Hardfork::Paris,
            "shanghai" => Hardfork::Shanghai,
            "cancun" => Hardfork::Cancun,
            "prague" => Hardfork::Prague,
            "osaka" => Hardfork::Osaka,
            _ => return None,
        })
    }

    /// revm's rule set for this hardfork.
    pub(crate) fn spec(self) -> SpecId {
        match self {
            Hardfork::London => SpecId::LONDON,
            Hardfork::Paris => SpecId::MERGE,
            Hardfork::Shanghai => SpecId::SHANGHAI,
            Hardfork::Cancun => SpecId::CANCUN,
            Hardfork::Prague => SpecId::PRAGUE,
            Hardfork::Osaka => SpecId::OSAKA,
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

impl RevertReason {
    /// The reason from revert data: the `Error(string)` text, or the raw data.
    pub fn from_data(data: &[u8]) -> RevertReason {
        match crate::abi::decode_error_string(data) {
            Some(message) => RevertReason::Message(message),
            None => RevertReason::Data(data.to_vec()),
        }
    }

    /// The transcript's `reason`: the `Error(string)` text, other revert data as
    /// 0x-hex, nothing for a revert without data or a halt.
    pub fn transcript_text(&self) -> Option<String> {
        match self {
            RevertReason::Message(message) => Some(message.clone()),
            RevertReason::Data(data) if !data.is_empty() => {
                Some(format!("0x{}", hex::encode(data)))
            }
            _ => None,
        }
    }
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

/// Why the chain could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum L1Error {
    /// The chain refused the transaction itself (not a revert: a nonce, balance, gas
    /// or signature rule).
    #[error("the L1 refused the transaction: {0}")]
    Refused(String),
    /// A transaction would cost more than any account can hold.
    #[error("{field} {value} is more than an L1 transaction can pay: {why}")]
    Unpayable {
        /// The field at fault (`gas price`, `value`).
        field: &'static str,
        /// Its value.
        value: String,
        /// What overflows.
        why: String,
    },
    /// The EVM failed to run the transaction at all (a database error).
    #[error("the EVM failed: {0}")]
    Evm(String),
    /// Deploying a contract failed.
    #[error("deploying {contract} failed: {reason}")]
    Deploy {
        /// The contract.
        contract: String,
        /// The revert or halt.
        reason: RevertReason,
    },
    /// A call that sets up or drives the contracts reverted or halted.
    #[error("{call} failed: {reason}")]
    Reverted {
        /// The function called.
        call: String,
        /// The revert or halt.
        reason: RevertReason,
    },
    /// A call returned data of the wrong shape for its ABI.
    #[error("{call} returned {len} bytes, not the ABI's shape")]
    BadReturn {
        /// The function called.
        call: String,
        /// How many bytes came back.
        len: usize,
    },
    /// A block number or timestamp that breaks the chain's rules.
    #[error("block: {0}")]
    Block(String),
    /// A message, batch or request refused before reaching the chain.
    #[error("{0}")]
    Invalid(String),
    /// The chain's own events say something that cannot be (a log of the wrong shape,
    /// accumulators that disagree).
    #[error("the L1's events: {0}")]
    Events(String),
    /// The remote node could not be reached or answered an error.
    #[error("the L1 node at {url}: {message}")]
    Rpc {
        /// The endpoint.
        url: String,
        /// What went wrong.
        message: String,
    },
    /// The data dir of an embedded chain could not be opened, read or written.
    #[error("the L1 data dir {path}: {message}")]
    Store {
        /// The folder or file.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// No key for an address a transaction must be sent from.
    #[error("no key for {0}: the chain cannot sign for it")]
    NoKey(String),
}

/// A transaction for the chain to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxRequest {
    /// The sender.
    pub from: [u8; 20],
    /// The callee; None for a creation.
    pub to: Option<[u8; 20]>,
    /// Call data, or creation bytecode followed by constructor arguments.
    pub input: Vec<u8>,
    /// Wei sent along.
    pub value: u128,
    /// `tx.gasprice`; None: the chain's choice (its default price, see
    /// [`crate::Chain::set_default_gas_price`], else 0 on an embedded chain and the
    /// node's own suggestion on a remote one).
    pub gas_price: Option<u128>,
    /// The gas limit; None: the chain's choice (the block gas limit on an embedded
    /// chain, an estimate on a remote one).
    pub gas_limit: Option<u64>,
    /// Free text for people (transcripts keep it).
    pub label: String,
}

/// The largest gas limit a transaction can be sent with anywhere here.
pub(crate) const MAX_TX_GAS: u64 = 1 << 40;

impl TxRequest {
    /// A call from `from` to `to` with `input`, nothing else set.
    pub fn call(from: [u8; 20], to: [u8; 20], input: Vec<u8>, label: impl Into<String>) -> Self {
        TxRequest {
            from,
            to: Some(to),
            input,
            value: 0,
            gas_price: None,
            gas_limit: None,
            label: label.into(),
        }
    }

    /// A creation from `from` with `input` (bytecode and constructor arguments).
    pub fn create(from: [u8; 20], input: Vec<u8>, label: impl Into<String>) -> Self {
        TxRequest {
            from,
            to: None,
            input,
            value: 0,
            gas_price: None,
            gas_limit: None,
            label: label.into(),
        }
    }

    /// The same request with `value` wei attached.
    pub fn with_value(mut self, value: u128) -> Self {
        self.value = value;
        self
    }

    /// The same request at `gas_price`.
    pub fn with_gas_price(mut self, gas_price: u128) -> Self {
        self.gas_price = Some(gas_price);
        self
    }

    /// Refuses a transaction whose cost (gas limit × gas price + value) no account can
    /// hold: it cannot be paid on any chain, and revm's arithmetic must never see it.
    pub(crate) fn check_cost(&self, default_limit: u64) -> Result<(), L1Error> {
        let limit = self.gas_limit.unwrap_or(default_limit).min(MAX_TX_GAS);
        let gas_cost = u128::from(limit)
            .checked_mul(self.gas_price.unwrap_or(0))
            .ok_or_else(|| L1Error::Unpayable {
                field: "gas price",
                value: self.gas_price.unwrap_or(0).to_string(),
                why: format!("times a gas limit of up to {limit} it passes 2^128 wei"),
            })?;
        gas_cost
            .checked_add(self.value)
            .ok_or_else(|| L1Error::Unpayable {
                field: "value",
                value: self.value.to_string(),
                why: "with the gas it passes 2^128 wei".into(),
            })?;
        Ok(())
    }
}

/// Whether a transaction's receipt reports success.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxStatus {
    /// Receipt status 1.
    Ok,
    /// Receipt status 0 (a revert or an exceptional halt).
    Revert,
}

impl TxStatus {
    /// `"ok"` or `"revert"`.
    pub fn name(self) -> &'static str {
        match self {
            TxStatus::Ok => "ok",
            TxStatus::Revert => "revert",
        }
    }
}

/// An EVM log as the chain keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Log {
    /// The emitting contract.
    pub address: [u8; 20],
    /// The topics (the event's signature hash first, for a non-anonymous event).
    pub topics: Vec<Hash>,
    /// The data.
    pub data: Vec<u8>,
    /// The block it is in.
    pub block: u64,
    /// The transaction that emitted it.
    pub tx_hash: Hash,
    /// Its index in the block.
    pub log_index: u64,
}

/// Which logs to read: a block range, emitters and first topics.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LogFilter {
    /// First block (inclusive).
    pub from_block: u64,
    /// Last block (inclusive); None: the newest.
    pub to_block: Option<u64>,
    /// Emitters (empty: any).
    pub addresses: Vec<[u8; 20]>,
    /// Accepted first topics (empty: any).
    pub topic0: Vec<Hash>,
}

impl LogFilter {
    /// Whether `log` passes the emitter and topic parts of the filter.
    pub fn matches(&self, log: &Log) -> bool {
        (self.addresses.is_empty() || self.addresses.contains(&log.address))
            && (self.topic0.is_empty()
                || log.topics.first().is_some_and(|t| self.topic0.contains(t)))
    }
}

/// What a mined transaction did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// The transaction's hash.
    pub tx_hash: Hash,
    /// The block it was mined in.
    pub block: u64,
    /// That block's timestamp.
    pub timestamp: u64,
    /// Success or failure.
    pub status: TxStatus,
    /// Gas used (21,000 base and call data included).
    pub gas_used: u64,
    /// The price each unit of gas was paid at.
    pub gas_price: u128,
    /// For a successful creation: the new contract.
    pub created: Option<[u8; 20]>,
    /// The logs it emitted.
    pub logs: Vec<Log>,
    /// Return data (empty from a remote chain, which does not keep it).
    pub output: Vec<u8>,
    /// Why it failed, when it did and the chain tells.
    pub revert: Option<RevertReason>,
}

/// What a call (not kept) did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallOutcome {
    /// It returned (or deployed); with the return data and the gas it used.
    Success {
        /// Return data.
        output: Vec<u8>,
        /// Gas used by the whole call as a transaction (21,000 base and call data
        /// included).
        gas_used: u64,
    },
    /// It reverted or halted.
    Failed {
        /// Why.
        reason: RevertReason,
        /// Gas used by the whole call as a transaction.
        gas_used: u64,
    },
}

/// One L1 transaction as a transcript records it: the request and what its receipt
/// reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxRecord {
    /// `block.number`.
    pub block: u64,
    /// `block.timestamp`.
    pub timestamp: u64,
    /// The sender.
    pub from: [u8; 20],
    /// The callee; None for a creation.
    pub to: Option<[u8; 20]>,
    /// Call data, or creation bytecode followed by constructor arguments.
    pub input: Vec<u8>,
    /// Wei sent along.
    pub value: u128,
    /// `tx.gasprice`.
    pub gas_price: u128,
    /// The receipt's status.
    pub status: TxStatus,
    /// Gas used, as the receipt reports it.
    pub gas_used: u64,
    /// For a revert with data: the `Error(string)` text, or other data as `0x`-hex.
    pub reason: Option<String>,
    /// For a successful creation: the new contract's address.
    pub created: Option<[u8; 20]>,
    /// Free text for people.
    pub label: String,
}

impl TxRecord {
    /// The record of `req` mined as `receipt`.
    pub fn of(req: &TxRequest, receipt: &Receipt) -> TxRecord {
        TxRecord {
            block: receipt.block,
            timestamp: receipt.timestamp,
            from: req.from,
            to: req.to,
            input: req.input.clone(),
            value: req.value,
            gas_price: receipt.gas_price,
            status: receipt.status,
            gas_used: receipt.gas_used,
            reason: receipt
                .revert
                .as_ref()
                .and_then(RevertReason::transcript_text),
            created: receipt.created,
            label: req.label.clone(),
        }
    }
}
