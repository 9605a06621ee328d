//! The little of the Solidity ABI this crate speaks: call data made of static words,
//! fixed arrays of words, dynamic `bytes` and dynamic arrays of words; return data read
//! back as words; revert data decoded as `Error(string)`.
//!
//! Hand-written rather than taken from a code-generating ABI crate: the handful of calls
//! we make need a page of code, and a derive-macro stack would double the crate's build.

use avm_value::{keccak256, Int};

/// One ABI word.
pub type Word = [u8; 32];

/// An argument of a call, in the shapes the deployed contracts' entry points take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    /// A static 32-byte word (`uint*`, `bytes32`, `address`, `bool`).
    Word(Word),
    /// A fixed-size array of static words (`address[2]`, `bytes32[2]`): encoded in place.
    FixedWords(Vec<Word>),
    /// Dynamic `bytes` (or `string`).
    Bytes(Vec<u8>),
    /// A dynamic array of static words (`uint256[]`).
    Words(Vec<Word>),
}

impl Token {
    fn head_len(&self) -> usize {
        match self {
            Token::FixedWords(words) => 32 * words.len(),
            _ => 32,
        }
    }
}

/// The 4-byte selector of a function signature such as `"initialize()"`.
pub fn selector(signature: &str) -> [u8; 4] {
    let digest = keccak256(signature.as_bytes());
    [digest.0[0], digest.0[1], digest.0[2], digest.0[3]]
}

/// A word holding an unsigned integer.
pub fn uint(value: Int) -> Word {
    value.to_be_bytes::<32>()
}

/// A word holding a `u64`.
pub fn uint64(value: u64) -> Word {
    uint(Int::from(value))
}

/// A word holding a `u128`.
pub fn uint128(value: u128) -> Word {
    let mut word = [0u8; 32];
    word[16..].copy_from_slice(&value.to_be_bytes());
    word
}

/// A word holding a 20-byte address, right-aligned.
pub fn address(addr: [u8; 20]) -> Word {
    let mut word = [0u8; 32];
    word[12..].copy_from_slice(&addr);
    word
}

/// A word holding a boolean.
pub fn boolean(value: bool) -> Word {
    uint64(u64::from(value))
}

fn padded_len(len: usize) -> usize {
    len.div_ceil(32) * 32
}

/// Call data: the selector of `signature` followed by the ABI encoding of `args`.
pub fn encode_call(signature: &str, args: &[Token]) -> Vec<u8> {
    let mut out = selector(signature).to_vec();
    out.extend_from_slice(&encode(args));
    out
}

/// The ABI encoding of a tuple of arguments (heads, then the tails of dynamic ones).
pub fn encode(args: &[Token]) -> Vec<u8> {
    let heads_len: usize = args.iter().map(Token::head_len).sum();
    let mut head = Vec::with_capacity(heads_len);
    let mut tail = Vec::new();
    for arg in args {
        match arg {
            Token::Word(word) => head.extend_from_slice(word),
            Token::FixedWords(words) => words.iter().for_each(|w| head.extend_from_slice(w)),
            Token::Bytes(bytes) => {
                head.extend_from_slice(&uint64((heads_len + tail.len()) as u64));
                tail.extend_from_slice(&uint64(bytes.len() as u64));
                tail.extend_from_slice(bytes);
                tail.resize(tail.len() + padded_len(bytes.len()) - bytes.len(), 0);
            }
            Token::Words(words) => {
                head.extend_from_slice(&uint64((heads_len + tail.len()) as u64));
                tail.extend_from_slice(&uint64(words.len() as u64));
                words.iter().for_each(|w| tail.extend_from_slice(w));
            }
        }
    }
    head.extend_from_slice(&tail);
    head
}

/// Return data read as `count` static words, or `None` when it is shorter.
pub fn decode_words(data: &[u8], count: usize) -> Option<Vec<Word>> {
    if data.len() < 32 * count {
        return None;
    }
    Some(
        data.chunks_exact(32)
            .take(count)
            .map(|chunk| {
                let mut word = [0u8; 32];
                word.copy_from_slice(chunk);
                word
            })
            .collect(),
    )
}

/// A word read as a `u64`, or `None` when its value does not fit.
pub fn word_to_u64(word: &Word) -> Option<u64> {
    if word[..24].iter().any(|&b| b != 0) {
        return None;
    }
    let mut low = [0u8; 8];
    low.copy_from_slice(&word[24..]);
    Some(u64::from_be_bytes(low))
}

/// The dynamic `bytes` whose offset is head word `index` of `data` (ABI-encoded
/// arguments or event data), or `None` when the encoding does not hold.
pub fn decode_bytes_at(data: &[u8], index: usize) -> Option<Vec<u8>> {
    let (start, len) = dynamic_at(data, index)?;
    Some(data.get(start..start.checked_add(len)?)?.to_vec())
}

/// The dynamic array of words whose offset is head word `index` of `data`.
pub fn decode_words_at(data: &[u8], index: usize) -> Option<Vec<Word>> {
    let (start, count) = dynamic_at(data, index)?;
    let bytes = data.get(start..start.checked_add(count.checked_mul(32)?)?)?;
    decode_words(bytes, count)
}

/// Where a dynamic value's content starts and its length (bytes or items).
fn dynamic_at(data: &[u8], index: usize) -> Option<(usize, usize)> {
    let head = data.get(index.checked_mul(32)?..index.checked_mul(32)?.checked_add(32)?)?;
    let offset = usize::try_from(word_to_u64(head.try_into().ok()?)?).ok()?;
    let len_word = data.get(offset..offset.checked_add(32)?)?;
    let len = usize::try_from(word_to_u64(len_word.try_into().ok()?)?).ok()?;
    Some((offset.checked_add(32)?, len))
}

/// Word `index` of `data`, or `None` past its end.
pub fn word_at(data: &[u8], index: usize) -> Option<Word> {
    let start = index.checked_mul(32)?;
    data.get(start..start.checked_add(32)?)?.try_into().ok()
}

/// The topic of an event: keccak of its canonical signature.
pub fn event_topic(signature: &str) -> avm_value::Hash {
    keccak256(signature.as_bytes())
}

/// A word read as an address, or `None` when its high 12 bytes are not zero.
pub fn word_address(word: &Word) -> Option<[u8; 20]> {
    if word[..12].iter().any(|&b| b != 0) {
        return None;
    }
    let mut out = [0u8; 20];
    out.copy_from_slice(&word[12..]);
    Some(out)
}

/// The message of revert data shaped `Error(string)`, or `None` for any other shape.
pub fn decode_error_string(data: &[u8]) -> Option<String> {
    let body = data.strip_prefix(&selector("Error(string)"))?;
    let words = decode_words(body, 2)?;
    let offset = usize::try_from(word_to_u64(&words[0])?).ok()?;
    let len_word = body.get(offset..offset.checked_add(32)?)?;
    let mut len_bytes = [0u8; 32];
    len_bytes.copy_from_slice(len_word);
    let len = usize::try_from(word_to_u64(&len_bytes)?).ok()?;
    let start = offset + 32;
    let text = body.get(start..start.checked_add(len)?)?;
    Some(String::from_utf8_lossy(text).into_owned())
}

/// The functions and events avm calls or reads, as canonical Solidity signatures.
pub mod signatures {
    /// The one-step-proof contracts' entry point.
    pub const EXECUTE_STEP: &str = "executeStep(address[2],uint256,bytes32[2],bytes,bytes)";
    /// Bridge: make the caller the owner.
    pub const BRIDGE_INITIALIZE: &str = "initialize()";
    /// Bridge: allow an inbox.
    pub const BRIDGE_SET_INBOX: &str = "setInbox(address,bool)";
    /// Bridge: append a delayed message.
    pub const BRIDGE_DELIVER: &str = "deliverMessageToInbox(uint8,address,bytes32)";
    /// Bridge and SequencerInbox: accumulator `n`.
    pub const INBOX_ACCS: &str = "inboxAccs(uint256)";
    /// Bridge and SequencerInbox: messages so far.
    pub const MESSAGE_COUNT: &str = "messageCount()";
    /// SequencerInbox: wire it to the bridge, the sequencer and the rollup.
    pub const SEQ_INITIALIZE: &str = "initialize(address,address,address)";
    /// SequencerInbox: post a batch.
    pub const SEQ_ADD_BATCH: &str = "addSequencerL2Batch(bytes,uint256[],uint256[],bytes32)";
    /// SequencerInbox: post a batch, its data left in the transaction's input.
    pub const SEQ_ADD_BATCH_FROM_ORIGIN: &str =
        "addSequencerL2BatchFromOrigin(bytes,uint256[],uint256[],bytes32)";
    /// SequencerInbox: batches so far.
    pub const SEQ_ACCS_LENGTH: &str = "getInboxAccsLength()";
    /// SequencerInbox: delayed messages read so far.
    pub const SEQ_DELAYED_READ: &str = "totalDelayedMessagesRead()";
    /// SequencerInbox: how far behind a section's L1 block may be.
    pub const SEQ_MAX_DELAY_BLOCKS: &str = "maxDelayBlocks()";
    /// SequencerInbox: how far behind a section's L1 timestamp may be.
    pub const SEQ_MAX_DELAY_SECONDS: &str = "maxDelaySeconds()";
    /// SequencerInbox: whether an address may post batches.
    pub const SEQ_IS_SEQUENCER: &str = "isSequencer(address)";
    /// Inbox: wire it to the bridge (and a whitelist).
    pub const INBOX_INITIALIZE: &str = "initialize(address,address)";
    /// Inbox: an L2 message (kind 3) from the caller.
    pub const INBOX_SEND_L2: &str = "sendL2Message(bytes)";
    /// Inbox: a deposit (a kind-9 retryable) of the value sent.
    pub const INBOX_DEPOSIT_ETH: &str = "depositEth(uint256)";
    /// Inbox: deposits from an EOA land on the same address on L2.
    pub const INBOX_START_REWRITE: &str = "startRewriteAddress()";
    /// Inbox: whether deposits are rewritten.
    pub const INBOX_SHOULD_REWRITE: &str = "shouldRewriteSender()";
    /// ChallengeTester: start its one challenge.
    pub const START_CHALLENGE: &str =
        "startChallenge(bytes32,uint256,address,address,uint256,uint256,address,address)";
    /// ChallengeTester: its challenge.
    pub const TESTER_CHALLENGE: &str = "challenge()";
    /// ChallengeTester: whether the challenge ended.
    pub const TESTER_COMPLETED: &str = "challengeCompleted()";
    /// ChallengeTester: the winner.
    pub const TESTER_WINNER: &str = "winner()";
    /// ChallengeTester: the loser.
    pub const TESTER_LOSER: &str = "loser()";
    /// Challenge: the block of the last move.
    pub const LAST_MOVE_BLOCK: &str = "lastMoveBlock()";
    /// Challenge: the time left of the party on turn.
    pub const RESPONDER_TIME_LEFT: &str = "currentResponderTimeLeft()";
    /// Challenge: a bisection.
    pub const BISECT: &str =
        "bisectExecution(bytes32[],uint256,uint256,uint256,bytes32,uint256,bytes32,bytes32[])";
    /// Challenge: prove an unreachable end.
    pub const PROVE_CONTINUED: &str =
        "proveContinuedExecution(bytes32[],uint256,uint256,uint256,bytes32,uint256,bytes32)";
    /// Challenge: a one-step proof.
    pub const ONE_STEP_PROVE: &str = "oneStepProveExecution(bytes32[],uint256,uint256,uint256,bytes32,uint256,bytes32[2],uint256[3],bytes,bytes,uint8)";
    /// Challenge: end it when the party on turn ran out of time.
    pub const TIMEOUT: &str = "timeout()";
    /// Rollup: its SequencerInbox.
    pub const ROLLUP_SEQUENCER_BRIDGE: &str = "sequencerBridge()";
    /// Rollup: its Bridge.
    pub const ROLLUP_DELAYED_BRIDGE: &str = "delayedBridge()";
    /// Rollup: its Outbox.
    pub const ROLLUP_OUTBOX: &str = "outbox()";
    /// Rollup: its RollupEventBridge.
    pub const ROLLUP_EVENT_BRIDGE: &str = "rollupEventBridge()";
    /// Rollup: its ChallengeFactory.
    pub const ROLLUP_CHALLENGE_FACTORY: &str = "challengeFactory()";
    /// Rollup: blocks a node waits before it can be confirmed.
    pub const ROLLUP_CONFIRM_PERIOD: &str = "confirmPeriodBlocks()";
    /// Rollup: the newest confirmed node.
    pub const ROLLUP_LATEST_CONFIRMED: &str = "latestConfirmed()";
    /// Rollup (owner): allow validators.
    pub const ROLLUP_SET_VALIDATOR: &str = "setValidator(address[],bool[])";
    /// Bridge: a delayed message was appended.
    pub const EV_MESSAGE_DELIVERED: &str =
        "MessageDelivered(uint256,bytes32,address,uint8,address,bytes32)";
    /// Inbox, RollupEventBridge: a delayed message's data.
    pub const EV_INBOX_MESSAGE_DELIVERED: &str = "InboxMessageDelivered(uint256,bytes)";
    /// Inbox: a delayed message whose data is the transaction's input.
    pub const EV_INBOX_MESSAGE_FROM_ORIGIN: &str = "InboxMessageDeliveredFromOrigin(uint256)";
    /// SequencerInbox: a batch, with its data.
    pub const EV_BATCH_DELIVERED: &str = "SequencerBatchDelivered(uint256,bytes32,uint256,bytes32,bytes,uint256[],uint256[],uint256,address)";
    /// SequencerInbox: a batch whose data is the transaction's input.
    pub const EV_BATCH_FROM_ORIGIN: &str =
        "SequencerBatchDeliveredFromOrigin(uint256,bytes32,uint256,bytes32,uint256)";
    /// SequencerInbox: delayed messages included by force.
    pub const EV_DELAYED_FORCED: &str =
        "DelayedInboxForced(uint256,bytes32,uint256,uint256,bytes32[2],uint256)";
    /// RollupCreatorNoProxy: the rollup and its inbox.
    pub const EV_ROLLUP_CREATED: &str = "RollupCreated(address,address)";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_match_known_values() {
        assert_eq!(selector("Error(string)"), [0x08, 0xc3, 0x79, 0xa0]);
        assert_eq!(
            selector("transfer(address,uint256)"),
            [0xa9, 0x05, 0x9c, 0xbb]
        );
    }

    #[test]
    fn dynamic_arguments_point_past_the_heads() {
        let data = encode(&[
            Token::FixedWords(vec![[1; 32], [2; 32]]),
            Token::Bytes(vec![0xaa; 33]),
            Token::Words(vec![[3; 32]]),
        ]);
        // heads: 2 words + offset + offset = 4 words
        assert_eq!(
            word_to_u64(&decode_words(&data[64..], 1).unwrap_or_default()[0]),
            Some(128)
        );
        assert_eq!(
            word_to_u64(&decode_words(&data[96..], 1).unwrap_or_default()[0]),
            Some(128 + 32 + 64)
        );
        assert_eq!(data.len(), 128 + 32 + 64 + 32 + 32);
    }

    #[test]
    fn error_strings_round_trip() {
        let mut data = selector("Error(string)").to_vec();
        data.extend_from_slice(&encode(&[Token::Bytes(b"BIS_PREV".to_vec())]));
        assert_eq!(decode_error_string(&data).as_deref(), Some("BIS_PREV"));
        assert_eq!(decode_error_string(&data[..40]), None);
        assert_eq!(decode_error_string(b"\x01\x02\x03\x04"), None);
    }
}
