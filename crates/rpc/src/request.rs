//! The parameters Ethereum's methods share, read once for every chain avm serves:
//! positional parameters, a call object (`eth_call`, `eth_estimateGas`), a log filter
//! (`eth_getLogs`, `eth_newFilter`), and a log's and a receipt's bloom.

use serde_json::{json, Value as Json};

use crate::eth::{
    address_json, bytes_json, hash_json, parse_address, parse_block_tag, parse_bytes, parse_hash,
    parse_quantity, parse_slot, parse_u128, quantity, BlockTag,
};
use crate::jsonrpc::RpcError;

/// Parameter `index` of a positional list (None when absent or `null`).
pub fn param(params: &Json, index: usize) -> Option<&Json> {
    params
        .as_array()
        .and_then(|a| a.get(index))
        .filter(|v| !v.is_null())
}

/// Parameter `index`, which the method needs (`what` names it in the error).
pub fn required<'a>(params: &'a Json, index: usize, what: &str) -> Result<&'a Json, RpcError> {
    param(params, index).ok_or_else(|| RpcError::invalid_params(format!("missing {what}")))
}

/// A count given as a JSON number or a quantity (`eth_feeHistory`, `anvil_mine`).
pub fn parse_count(value: &Json, what: &str) -> Result<u64, RpcError> {
    match value.as_u64() {
        Some(n) => Ok(n),
        None => parse_quantity(value, what),
    }
}

/// The call object of `eth_call` and `eth_estimateGas`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CallRequest {
    /// The caller (None: not given).
    pub from: Option<[u8; 20]>,
    /// The callee (None: a creation).
    pub to: Option<[u8; 20]>,
    /// Call data (`input`, or `data` as older clients name it).
    pub input: Vec<u8>,
    /// Wei sent.
    pub value: u128,
    /// The gas limit, if given.
    pub gas: Option<u64>,
    /// The gas price (`gasPrice`, or `maxFeePerGas`), if given.
    pub gas_price: Option<u128>,
}

/// Reads a call object; its input may be at most `max_input` bytes.
pub fn parse_call(call: &Json, max_input: usize) -> Result<CallRequest, RpcError> {
    let object = call
        .as_object()
        .ok_or_else(|| RpcError::invalid_params("the call is not an object"))?;
    let field = |name: &str| object.get(name).filter(|v| !v.is_null());
    Ok(CallRequest {
        from: field("from")
            .map(|v| parse_address(v, "from"))
            .transpose()?,
        to: field("to").map(|v| parse_address(v, "to")).transpose()?,
        input: match field("input").or_else(|| field("data")) {
            Some(data) => parse_bytes(data, "input", max_input)?,
            None => Vec::new(),
        },
        value: field("value").map_or(Ok(0), |v| parse_u128(v, "value"))?,
        gas: field("gas").map(|v| parse_quantity(v, "gas")).transpose()?,
        gas_price: field("gasPrice")
            .or_else(|| field("maxFeePerGas"))
            .map(|v| parse_u128(v, "gasPrice"))
            .transpose()?,
    })
}

/// Most accounts (and storage slots, over all of them) one call may override.
pub const MAX_OVERRIDES: usize = 1_000;

/// A storage slot and the word it holds.
pub type SlotValue = ([u8; 32], [u8; 32]);

/// One account's state override of `eth_call` (geth's third parameter): what the
/// call sees instead of the chain's state.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AccountOverride {
    /// The account.
    pub address: [u8; 20],
    /// Its balance, a 256-bit word.
    pub balance: Option<[u8; 32]>,
    /// Its nonce.
    pub nonce: Option<u64>,
    /// Its code.
    pub code: Option<Vec<u8>>,
    /// Its whole storage (every other slot reads 0).
    pub state: Option<Vec<SlotValue>>,
    /// Slots changed, the others kept.
    pub state_diff: Vec<SlotValue>,
}

fn slots(value: &Json, what: &str) -> Result<Vec<SlotValue>, RpcError> {
    let object = value
        .as_object()
        .ok_or_else(|| RpcError::invalid_params(format!("{what}: not an object")))?;
    object
        .iter()
        .map(|(slot, word)| Ok((parse_slot(&json!(slot), what)?, parse_slot(word, what)?)))
        .collect()
}

/// Reads `eth_call`'s state overrides (`{address: {balance, nonce, code, state,
/// stateDiff}}`).
pub fn parse_overrides(value: &Json) -> Result<Vec<AccountOverride>, RpcError> {
    let object = value
        .as_object()
        .ok_or_else(|| RpcError::invalid_params("state overrides: not an object"))?;
    let mut out = Vec::new();
    let mut slot_count = 0usize;
    for (address, fields) in object {
        let mut account = AccountOverride {
            address: parse_address(&json!(address), "state override address")?,
            ..AccountOverride::default()
        };
        let fields = fields.as_object().ok_or_else(|| {
            RpcError::invalid_params(format!("state override of {address}: not an object"))
        })?;
        for (name, value) in fields {
            match name.as_str() {
                "balance" => account.balance = Some(parse_slot(value, "balance")?),
                "nonce" => account.nonce = Some(parse_quantity(value, "nonce")?),
                "code" => account.code = Some(parse_bytes(value, "code", 24_576 * 2)?),
                "state" => account.state = Some(slots(value, "state")?),
                "stateDiff" => account.state_diff = slots(value, "stateDiff")?,
                other => {
                    return Err(RpcError::invalid_params(format!(
                        "state override of {address}: no field {other:?}"
                    )))
                }
            }
        }
        if account.state.is_some() && fields.contains_key("stateDiff") {
            return Err(RpcError::invalid_params(format!(
                "account {address} has both 'state' and 'stateDiff'"
            )));
        }
        slot_count += account.state.as_ref().map_or(0, Vec::len) + account.state_diff.len();
        out.push(account);
        if out.len() > MAX_OVERRIDES || slot_count > MAX_OVERRIDES {
            return Err(RpcError::invalid_params(format!(
                "more than {MAX_OVERRIDES} accounts or slots overridden"
            )));
        }
    }
    Ok(out)
}

/// Which blocks a log filter covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogRange {
    /// `fromBlock` to `toBlock` (each `latest` when absent).
    Tags {
        /// The first block.
        from: BlockTag,
        /// The last block.
        to: BlockTag,
    },
    /// The one block with this hash.
    Hash([u8; 32]),
}

impl LogRange {
    /// The first and last block it covers on a chain whose newest block is `head`,
    /// the last no later than the head; `number_of` finds a block's number by its
    /// hash.
    pub fn blocks(
        self,
        head: u64,
        number_of: impl FnOnce(&[u8; 32]) -> Option<u64>,
    ) -> Result<(u64, u64), RpcError> {
        match self {
            LogRange::Hash(hash) => {
                let number = number_of(&hash).ok_or_else(|| RpcError::server("unknown block"))?;
                Ok((number, number))
            }
            LogRange::Tags { from, to } => Ok((from.number(head), to.number(head).min(head))),
        }
    }
}

/// A log filter (`eth_getLogs`, `eth_newFilter`), the one rule every server here
/// matches logs by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogFilter {
    /// The blocks.
    pub range: LogRange,
    /// The emitters (empty: any), sorted and without repeats, so that each log scanned
    /// costs a binary search and not a pass over up to [`MAX_FILTER_OPTIONS`] of them.
    addresses: Vec<[u8; 20]>,
    /// Per topic position, the topics accepted there (None: any), each list sorted and
    /// without repeats.
    topics: Vec<Option<Vec<[u8; 32]>>>,
}

impl LogFilter {
    /// Whether a log from `address` with `topics` (in order) passes; the blocks are the
    /// caller's. As geth, a log with fewer topics than the filter has positions never
    /// passes, whatever those positions accept.
    pub fn matches<'a>(
        &self,
        address: &[u8; 20],
        topics: impl IntoIterator<Item = &'a [u8; 32]>,
    ) -> bool {
        if !self.addresses.is_empty() && self.addresses.binary_search(address).is_err() {
            return false;
        }
        // `all` visits the positions in order, taking the log's topics alongside.
        let mut topics = topics.into_iter();
        self.topics.iter().all(|wanted| {
            let topic = topics.next();
            match wanted {
                None => topic.is_some(),
                Some(options) => topic.is_some_and(|t| options.binary_search(t).is_ok()),
            }
        })
    }

    /// How many addresses and topics it names: what keeping it costs, in units of
    /// about 32 bytes.
    pub fn options(&self) -> usize {
        self.addresses.len() + self.topics.iter().flatten().map(Vec::len).sum::<usize>()
    }
}

/// Most addresses, and most topics at one position, a log filter may name: each log
/// of a scan is checked against them, under the archive's lock.
pub const MAX_FILTER_OPTIONS: usize = 1_000;

/// Reads a log filter.
pub fn parse_log_filter(filter: &Json) -> Result<LogFilter, RpcError> {
    let object = filter
        .as_object()
        .ok_or_else(|| RpcError::invalid_params("the filter is not an object"))?;
    let field = |name: &str| object.get(name).filter(|v| !v.is_null());
    let range = match field("blockHash") {
        Some(hash) => {
            if field("fromBlock").is_some() || field("toBlock").is_some() {
                return Err(RpcError::invalid_params(
                    "cannot specify both BlockHash and FromBlock/ToBlock, choose one or the other",
                ));
            }
            LogRange::Hash(parse_hash(hash, "blockHash")?)
        }
        None => LogRange::Tags {
            from: parse_block_tag(field("fromBlock"))?,
            to: parse_block_tag(field("toBlock"))?,
        },
    };
    let addresses = match field("address") {
        None => Vec::new(),
        Some(Json::Array(list)) => list
            .iter()
            .map(|a| parse_address(a, "address"))
            .collect::<Result<_, _>>()?,
        Some(one) => vec![parse_address(one, "address")?],
    };
    if addresses.len() > MAX_FILTER_OPTIONS {
        return Err(RpcError::invalid_params(format!(
            "{} addresses in a filter; at most {MAX_FILTER_OPTIONS}",
            addresses.len()
        )));
    }
    let mut topics = Vec::new();
    if let Some(list) = field("topics") {
        let list = list
            .as_array()
            .ok_or_else(|| RpcError::invalid_params("topics is not a list"))?;
        if list.len() > 4 {
            return Err(RpcError::invalid_params("more than 4 topic positions"));
        }
        for position in list {
            topics.push(match position {
                Json::Null => None,
                Json::Array(options) if options.len() > MAX_FILTER_OPTIONS => {
                    return Err(RpcError::invalid_params(format!(
                        "{} topics at one position of a filter; at most {MAX_FILTER_OPTIONS}",
                        options.len()
                    )))
                }
                // As geth: an empty list, or one holding null, accepts any topic.
                Json::Array(options) if options.is_empty() || options.iter().any(Json::is_null) => {
                    None
                }
                Json::Array(options) => Some(
                    options
                        .iter()
                        .map(|t| parse_hash(t, "topic"))
                        .collect::<Result<Vec<_>, _>>()?,
                ),
                one => Some(vec![parse_hash(one, "topic")?]),
            });
        }
    }
    let mut addresses = addresses;
    addresses.sort_unstable();
    addresses.dedup();
    for options in topics.iter_mut().flatten() {
        options.sort_unstable();
        options.dedup();
    }
    Ok(LogFilter {
        range,
        addresses,
        topics,
    })
}

/// An EVM log with where it was emitted, as receipts and `eth_getLogs` show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogView<'a> {
    /// The emitting contract.
    pub address: &'a [u8; 20],
    /// Its topics.
    pub topics: Vec<[u8; 32]>,
    /// Its data.
    pub data: &'a [u8],
    /// The block's number.
    pub block: u64,
    /// The block's hash (None: not known).
    pub block_hash: Option<[u8; 32]>,
    /// The transaction.
    pub tx_hash: &'a [u8; 32],
    /// The transaction's index in the block.
    pub tx_index: u64,
    /// The log's index in the block.
    pub log_index: u64,
}

impl LogView<'_> {
    /// Its JSON.
    pub fn to_json(&self) -> Json {
        json!({
            "address": address_json(self.address),
            "topics": self.topics.iter().map(hash_json).collect::<Vec<_>>(),
            "data": bytes_json(self.data),
            "blockNumber": quantity(self.block),
            "blockHash": self.block_hash.as_ref().map_or(Json::Null, hash_json),
            "transactionHash": hash_json(self.tx_hash),
            "transactionIndex": quantity(self.tx_index),
            "logIndex": quantity(self.log_index),
            "removed": false,
        })
    }
}

/// The 2048-bit bloom of logs (each emitter and topic set 3 bits, as the yellow paper
/// defines it), given each log's address and topics.
pub fn logs_bloom<'a>(logs: impl IntoIterator<Item = (&'a [u8; 20], &'a [[u8; 32]])>) -> Json {
    let mut bloom = alloy_primitives::Bloom::default();
    for (address, topics) in logs {
        bloom.accrue(alloy_primitives::BloomInput::Raw(address));
        for topic in topics {
            bloom.accrue(alloy_primitives::BloomInput::Raw(topic));
        }
    }
    bytes_json(&bloom.0[..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_read_and_match_as_geth_does() {
        let t1 = [1u8; 32];
        let t2 = [2u8; 32];
        let filter = parse_log_filter(&json!({
            "fromBlock": "0x1",
            "address": "0x1111111111111111111111111111111111111111",
            "topics": [null, [hash_json(&t1), hash_json(&t2)]],
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            filter.range,
            LogRange::Tags {
                from: BlockTag::Number(1),
                to: BlockTag::Latest
            }
        );
        let a = [0x11u8; 20];
        assert!(filter.matches(&a, &[[9; 32], t2]));
        assert!(!filter.matches(&a, &[[9; 32]]));
        assert!(!filter.matches(&[0x12; 20], &[[9; 32], t1]));
        // Options given in any order, with repeats, match as a set.
        let many = parse_log_filter(&json!({
            "address": ["0x3333333333333333333333333333333333333333",
                        "0x1111111111111111111111111111111111111111",
                        "0x3333333333333333333333333333333333333333"],
            "topics": [[hash_json(&t2), hash_json(&[0; 32]), hash_json(&t1), hash_json(&t2)]],
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(many.options(), 2 + 3);
        for (address, topic, wanted) in [
            ([0x11; 20], t1, true),
            ([0x33; 20], t2, true),
            ([0x33; 20], [0; 32], true),
            ([0x22; 20], t1, false),
            ([0x11; 20], [3; 32], false),
        ] {
            assert_eq!(
                many.matches(&address, &[topic]),
                wanted,
                "{address:?} {topic:?}"
            );
        }
        assert!(!many.matches(&[0x11; 20], &[]));
        // geth's rules for what a position accepts: null, an empty list and a list
        // holding null accept any topic, but only where the log has one.
        for any in [json!(null), json!([]), json!([null, hash_json(&t1)])] {
            let filter = parse_log_filter(&json!({"topics": [hash_json(&t1), any]}))
                .unwrap_or_else(|e| panic!("{e}"));
            assert!(filter.matches(&a, &[t1, t2]), "{filter:?}");
            assert!(filter.matches(&a, &[t1, t1, t2]), "{filter:?}");
            assert!(!filter.matches(&a, &[t1]), "{filter:?}");
            assert!(!filter.matches(&a, &[t2, t2]), "{filter:?}");
        }
        assert!(
            parse_log_filter(&json!({"blockHash": hash_json(&t1), "fromBlock": "0x1"})).is_err()
        );
        assert!(parse_log_filter(&json!({"topics": [null, null, null, null, null]})).is_err());
        // Bounded: each log scanned is checked against every option.
        let many = |n: usize| vec![json!(format!("0x{}", "11".repeat(20))); n];
        assert!(parse_log_filter(&json!({"address": many(MAX_FILTER_OPTIONS)})).is_ok());
        let too_many = parse_log_filter(&json!({"address": many(MAX_FILTER_OPTIONS + 1)}));
        assert_eq!(too_many.map_err(|e| e.code), Err(-32602));
        let topics = |n: usize| vec![json!(hash_json(&t1)); n];
        assert!(parse_log_filter(&json!({"topics": [topics(MAX_FILTER_OPTIONS)]})).is_ok());
        let too_many = parse_log_filter(&json!({"topics": [null, topics(MAX_FILTER_OPTIONS + 1)]}));
        assert_eq!(too_many.map_err(|e| e.code), Err(-32602));
    }

    #[test]
    fn a_bloom_has_three_bits_per_item() {
        // The empty bloom is all zeros; one address sets at most 3 bits.
        let empty = logs_bloom([]);
        assert_eq!(empty, bytes_json(&[0; 256]));
        let one = logs_bloom([(&[0x11u8; 20], &[][..])]);
        let digits = one.as_str().unwrap_or_default().trim_start_matches("0x");
        let bits: u32 = hex::decode(digits)
            .unwrap_or_default()
            .iter()
            .map(|b| b.count_ones())
            .sum();
        assert!((1..=3).contains(&bits), "{bits}");
    }

    #[test]
    fn overrides_read_as_geth_takes_them() {
        let a = "0x0000000000000000000000000000003000000000";
        let read =
            parse_overrides(&json!({a: {"balance": "0x3000", "stateDiff": {"0x0": "0x10"}}}))
                .unwrap_or_default();
        assert_eq!(read.len(), 1);
        assert_eq!(read[0].balance.map(|b| b[31]), Some(0));
        assert_eq!(read[0].balance.map(|b| b[30]), Some(0x30));
        assert_eq!(read[0].state_diff.len(), 1);
        assert!(parse_overrides(&json!({a: {"state": {}, "stateDiff": {}}})).is_err());
        assert!(parse_overrides(&json!({a: {"colour": "0x1"}})).is_err());
    }

    #[test]
    fn a_call_object_reads_input_or_data() {
        let call = parse_call(
            &json!({"to": "0x1111111111111111111111111111111111111111", "data": "0x01", "value": "0x10"}),
            4,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(call.input, vec![1]);
        assert_eq!(call.value, 16);
        assert_eq!(call.from, None);
        assert!(parse_call(&json!({"input": "0x0102030405"}), 4).is_err());
    }
}
