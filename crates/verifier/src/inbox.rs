//! What the verifier knows about the inbox: the accumulator after each message, as the
//! L1 inbox contract stores it. A proof of `inbox` shows the message; the verifier
//! checks that folding its hash into the accumulator of the messages consumed so far
//! gives the accumulator after the next one. Past the last message there is no such
//! accumulator, so no proof of reading it can pass.

use avm_value::{keccak_pair, Hash};

/// Accumulators of an inbox: `acc(0) = 0`, `acc(k + 1) = keccak(acc(k), hash(message k))`.
pub trait InboxOracle {
    /// The accumulator after `count` messages, if the inbox holds that many.
    fn acc_after(&self, count: u64) -> Option<Hash>;
}

/// The accumulators of a known list of message hashes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InboxAccumulators {
    accs: Vec<Hash>,
}

impl InboxAccumulators {
    /// Accumulators over messages with these value hashes, in order.
    pub fn from_message_hashes(hashes: impl IntoIterator<Item = Hash>) -> Self {
        let mut accs = vec![Hash::ZERO];
        for h in hashes {
            let last = accs.last().copied().unwrap_or_default();
            accs.push(keccak_pair(&last, &h));
        }
        InboxAccumulators { accs }
    }

    /// The number of messages.
    pub fn len(&self) -> u64 {
        // `accs` holds the accumulator before the first message too (a default, empty
        // `accs` holds no messages either).
        (self.accs.len() as u64).saturating_sub(1)
    }

    /// Whether there are no messages.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl InboxOracle for InboxAccumulators {
    fn acc_after(&self, count: u64) -> Option<Hash> {
        self.accs.get(usize::try_from(count).ok()?).copied()
    }
}

/// A window of known accumulators (what a proof file carries): `accs[i]` is the
/// accumulator after `first + i` messages.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InboxWindow {
    /// The count of the first accumulator.
    pub first: u64,
    /// Consecutive accumulators from there.
    pub accs: Vec<Hash>,
}

impl InboxOracle for InboxWindow {
    fn acc_after(&self, count: u64) -> Option<Hash> {
        let i = count.checked_sub(self.first)?;
        self.accs.get(usize::try_from(i).ok()?).copied()
    }
}
