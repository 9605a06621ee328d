//! Transcripts of Classic challenges: every L1 transaction of a game (deployments and
//! message deliveries included) as one JSON object anyone can re-execute against fresh
//! contracts, and the chain that records them.
//!
//! Format version 1 (`"format": "classic-challenge-transcript-1"`):
//!
//! ```text
//! {"format", "hardfork", "asserter", "challenger", "tester", "challenge",
//!  "transactions": [{"block", "timestamp", "from", "to" (null: a creation), "input",
//!                    "value", "gasPrice" (optional, default 0), "status" ("ok" | "revert"),
//!                    "gasUsed", "reason" (reverts with data only), "created" (successful
//!                    creations only), "label"}],
//!  "winner": "asserter" | "challenger"}
//! ```
//!
//! Replay rules: an empty EVM state under `hardfork` (London by default); chain id 1;
//! beneficiary, base fee, difficulty and prevrandao 0; block and transaction gas limit
//! 30,000,000; balance and base-fee checks off; transactions in order, each in a block of
//! its number and timestamp; a sender's nonce is its count of earlier transactions;
//! `gasPrice` is `tx.gasprice`. Every transaction must give the recorded status, reason,
//! gas used and created address. [`check_transcript`] replays one, allowing only the
//! calls a game needs (see [`crate::challenge`]).

use std::path::Path;

use serde_json::{json, Map, Value as Json};

use avm_challenge::Role;

use crate::chain::{Hardfork, TxRequest};
pub use crate::chain::{TxRecord, TxStatus};

/// The `format` of version 1 transcripts.
pub const TRANSCRIPT_FORMAT: &str = "classic-challenge-transcript-1";

/// The block (and transaction) gas limit of the replay rules.
pub const TRANSCRIPT_GAS_LIMIT: u64 = 30_000_000;

/// The chain id of the replay rules.
pub const TRANSCRIPT_CHAIN_ID: u64 = 1;

/// Deepest JSON nesting accepted in a transcript.
const MAX_JSON_DEPTH: usize = 16;

/// A whole game's L1 history, as written to a transcript file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transcript {
    /// The rules the transactions ran under.
    pub hardfork: Hardfork,
    /// The asserter's address.
    pub asserter: [u8; 20],
    /// The challenger's address.
    pub challenger: [u8; 20],
    /// The ChallengeTester.
    pub tester: [u8; 20],
    /// The Challenge (the beacon proxy the tester created).
    pub challenge: [u8; 20],
    /// Every transaction, in order.
    pub transactions: Vec<TxRecord>,
    /// The winner the tester recorded.
    pub winner: Role,
}

/// Where a transcript first fails to replay exactly, or why it cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FirstDifference {
    /// The file could not be read.
    #[error("transcript {path}: {message}")]
    Unreadable {
        /// The file.
        path: String,
        /// The I/O error.
        message: String,
    },
    /// The JSON is not a version 1 transcript.
    #[error("not a {TRANSCRIPT_FORMAT} transcript: {0}")]
    Malformed(String),
    /// Transaction `index` is not one a game needs (or breaks the block rules).
    #[error("transaction {index}: {why}")]
    Disallowed {
        /// Its position in `transactions`.
        index: usize,
        /// What is not allowed.
        why: String,
    },
    /// Transaction `index` replays differently.
    #[error("transaction {index} ({label}): {field} recorded {recorded}, replayed {replayed}")]
    Transaction {
        /// Its position in `transactions`.
        index: usize,
        /// Its label.
        label: String,
        /// The field that differs.
        field: &'static str,
        /// The value written.
        recorded: String,
        /// The value the replay gave.
        replayed: String,
    },
    /// A header field (tester, challenge) is not what the transactions made.
    #[error("{field}: recorded {recorded}, replayed {replayed}")]
    Header {
        /// The field.
        field: &'static str,
        /// The value written.
        recorded: String,
        /// The value the replay gave.
        replayed: String,
    },
    /// The winner is not the one the tester recorded in the replay.
    #[error("winner: recorded {recorded}, replayed {replayed}")]
    Winner {
        /// The winner written.
        recorded: String,
        /// The tester's verdict after the replay (`none` if the game is undecided).
        replayed: String,
    },
    /// Re-executing the program to judge the game failed.
    #[error("the program: {0}")]
    Program(String),
    /// The EVM could not run a transaction at all.
    #[error("transaction {index}: {message}")]
    Evm {
        /// Its position in `transactions`.
        index: usize,
        /// The EVM's error.
        message: String,
    },
}

/// Hex of an address, `0x`-prefixed.
pub fn address_hex(address: &[u8; 20]) -> String {
    format!("0x{}", hex::encode(address))
}

impl Transcript {
    /// The transcript as its JSON object (fields in the documented order).
    pub fn to_json(&self) -> Json {
        let transactions: Vec<Json> = self
            .transactions
            .iter()
            .map(|tx| {
                let mut o = Map::new();
                o.insert("block".into(), json!(tx.block));
                o.insert("timestamp".into(), json!(tx.timestamp));
                o.insert("from".into(), json!(address_hex(&tx.from)));
                o.insert(
                    "to".into(),
                    tx.to.map_or(Json::Null, |to| json!(address_hex(&to))),
                );
                o.insert(
                    "input".into(),
                    json!(format!("0x{}", hex::encode(&tx.input))),
                );
                o.insert("value".into(), json!(format!("{:#x}", tx.value)));
                if tx.gas_price != 0 {
                    o.insert("gasPrice".into(), json!(format!("{:#x}", tx.gas_price)));
                }
                o.insert("status".into(), json!(tx.status.name()));
                o.insert("gasUsed".into(), json!(tx.gas_used));
                if let Some(reason) = &tx.reason {
                    o.insert("reason".into(), json!(reason));
                }
                if let Some(created) = &tx.created {
                    o.insert("created".into(), json!(address_hex(created)));
                }
                o.insert("label".into(), json!(tx.label));
                Json::Object(o)
            })
            .collect();
        let mut o = Map::new();
        o.insert("format".into(), json!(TRANSCRIPT_FORMAT));
        o.insert("hardfork".into(), json!(self.hardfork.name()));
        o.insert("asserter".into(), json!(address_hex(&self.asserter)));
        o.insert("challenger".into(), json!(address_hex(&self.challenger)));
        o.insert("tester".into(), json!(address_hex(&self.tester)));
        o.insert("challenge".into(), json!(address_hex(&self.challenge)));
        o.insert("transactions".into(), Json::Array(transactions));
        o.insert("winner".into(), json!(self.winner.name()));
        Json::Object(o)
    }

    /// Writes the transcript to `path` as pretty-printed JSON.
    pub fn write(&self, path: impl AsRef<Path>) -> std::io::Result<()> {
        let text = serde_json::to_string_pretty(&self.to_json()).map_err(std::io::Error::other)?;
        std::fs::write(path, text + "\n")
    }

    /// Reads a transcript from JSON text, refusing unknown, missing, duplicate or
    /// ill-typed fields.
    pub fn parse(text: &[u8]) -> Result<Transcript, FirstDifference> {
        let bad = FirstDifference::Malformed;
        avm_value::json::check_unambiguous(text, MAX_JSON_DEPTH).map_err(|e| bad(e.to_string()))?;
        let json: Json = serde_json::from_slice(text).map_err(|e| bad(e.to_string()))?;
        let top = json
            .as_object()
            .ok_or_else(|| bad("not a JSON object".into()))?;
        only_fields(
            top,
            &[
                "format",
                "hardfork",
                "asserter",
                "challenger",
                "tester",
                "challenge",
                "transactions",
                "winner",
            ],
            "the transcript",
        )?;
        let format = string_field(top, "format", "the transcript")?;
        if format != TRANSCRIPT_FORMAT {
            return Err(bad(format!("format {format:?}")));
        }
        let hardfork = match top.get("hardfork") {
            None => Hardfork::London,
            Some(_) => {
                let name = string_field(top, "hardfork", "the transcript")?;
                Hardfork::from_name(name).ok_or_else(|| bad(format!("hardfork {name:?}")))?
            }
        };
        let winner = match string_field(top, "winner", "the transcript")? {
            "asserter" => Role::Asserter,
            "challenger" => Role::Challenger,
            other => return Err(bad(format!("winner {other:?}"))),
        };
        let list = top
            .get("transactions")
            .and_then(Json::as_array)
            .ok_or_else(|| bad("no array `transactions`".into()))?;
        let mut transactions = Vec::with_capacity(list.len());
        for (index, entry) in list.iter().enumerate() {
            transactions.push(parse_tx(entry, index)?);
        }
        Ok(Transcript {
            hardfork,
            asserter: address_field(top, "asserter", "the transcript")?,
            challenger: address_field(top, "challenger", "the transcript")?,
            tester: address_field(top, "tester", "the transcript")?,
            challenge: address_field(top, "challenge", "the transcript")?,
            transactions,
            winner,
        })
    }

    /// Total L1 gas of every transaction.
    pub fn total_gas(&self) -> u64 {
        self.transactions
            .iter()
            .fold(0u64, |sum, tx| sum.saturating_add(tx.gas_used))
    }
}

fn only_fields(o: &Map<String, Json>, allowed: &[&str], what: &str) -> Result<(), FirstDifference> {
    match o.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(FirstDifference::Malformed(format!(
            "{what} has an unknown field {k:?}"
        ))),
        None => Ok(()),
    }
}

fn string_field<'a>(
    o: &'a Map<String, Json>,
    field: &str,
    what: &str,
) -> Result<&'a str, FirstDifference> {
    o.get(field)
        .and_then(Json::as_str)
        .ok_or_else(|| FirstDifference::Malformed(format!("{what}: no string field {field:?}")))
}

fn hex_bytes(text: &str) -> Option<Vec<u8>> {
    hex::decode(text.strip_prefix("0x")?).ok()
}

fn parse_address(text: &str) -> Option<[u8; 20]> {
    hex_bytes(text)?.try_into().ok()
}

fn address_field(
    o: &Map<String, Json>,
    field: &str,
    what: &str,
) -> Result<[u8; 20], FirstDifference> {
    let text = string_field(o, field, what)?;
    parse_address(text).ok_or_else(|| {
        FirstDifference::Malformed(format!("{what}: {field} {text:?} is no address"))
    })
}

fn u64_field(o: &Map<String, Json>, field: &str, what: &str) -> Result<u64, FirstDifference> {
    o.get(field)
        .and_then(Json::as_u64)
        .ok_or_else(|| FirstDifference::Malformed(format!("{what}: no integer field {field:?}")))
}

fn quantity(text: &str) -> Option<u128> {
    let digits = text.strip_prefix("0x")?;
    if digits.is_empty() {
        return None;
    }
    u128::from_str_radix(digits, 16).ok()
}

fn parse_tx(entry: &Json, index: usize) -> Result<TxRecord, FirstDifference> {
    let what = format!("transaction {index}");
    let bad = |m: String| FirstDifference::Malformed(format!("{what}: {m}"));
    let o = entry
        .as_object()
        .ok_or_else(|| bad("not an object".into()))?;
    only_fields(
        o,
        &[
            "block",
            "timestamp",
            "from",
            "to",
            "input",
            "value",
            "gasPrice",
            "status",
            "gasUsed",
            "reason",
            "created",
            "label",
        ],
        &what,
    )?;
    let to = match o.get("to") {
        Some(Json::Null) => None,
        Some(_) => Some(address_field(o, "to", &what)?),
        None => return Err(bad("no field \"to\"".into())),
    };
    let input = hex_bytes(string_field(o, "input", &what)?)
        .ok_or_else(|| bad("input is not 0x-hex".into()))?;
    let value = quantity(string_field(o, "value", &what)?)
        .ok_or_else(|| bad("value is not a 0x quantity".into()))?;
    if value != 0 {
        return Err(bad("a game sends no value".into()));
    }
    let gas_price = match o.get("gasPrice") {
        None => 0,
        Some(_) => quantity(string_field(o, "gasPrice", &what)?)
            .ok_or_else(|| bad("gasPrice is not a 0x quantity".into()))?,
    };
    // Every transaction of the replay rules has the 30 M gas limit: a price that
    // cannot be paid for it is no transaction of any chain.
    TxRequest {
        gas_limit: Some(TRANSCRIPT_GAS_LIMIT),
        ..TxRequest::call([0; 20], [0; 20], Vec::new(), "").with_gas_price(gas_price)
    }
    .check_cost(TRANSCRIPT_GAS_LIMIT)
    .map_err(|e| bad(format!("gasPrice: {e}")))?;
    let status = match string_field(o, "status", &what)? {
        "ok" => TxStatus::Ok,
        "revert" => TxStatus::Revert,
        other => return Err(bad(format!("status {other:?}"))),
    };
    let reason = match o.get("reason") {
        None => None,
        Some(_) => Some(string_field(o, "reason", &what)?.to_owned()),
    };
    let created = match o.get("created") {
        None => None,
        Some(_) => Some(address_field(o, "created", &what)?),
    };
    let label = match o.get("label") {
        None => String::new(),
        Some(_) => string_field(o, "label", &what)?.to_owned(),
    };
    Ok(TxRecord {
        block: u64_field(o, "block", &what)?,
        timestamp: u64_field(o, "timestamp", &what)?,
        from: address_field(o, "from", &what)?,
        to,
        input,
        value,
        gas_price,
        status,
        gas_used: u64_field(o, "gasUsed", &what)?,
        reason,
        created,
        label,
    })
}
