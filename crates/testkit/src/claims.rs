//! The executor as the oracle for claims: what one executed step did to the counters
//! and accumulators of a claim, and the one post-state claim that may follow any
//! pre-state claim by that step. Tests and fuzz targets that edit claims an attacker
//! controls compare the verifier's verdict with this.

use avm_value::{keccak_pair, Hash};
use avm_verifier::Claim;

/// What one executed step did, as the executor reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Effect {
    /// AVMGas the step charged.
    pub gas: u64,
    /// The hash of the message it read, if it read one.
    pub message: Option<Hash>,
    /// The hash of the value it logged, if any.
    pub log: Option<Hash>,
    /// keccak of the bytes it sent, if any.
    pub send: Option<Hash>,
    /// The machine hash it reached.
    pub machine_hash: Hash,
}

/// The post-state claim of a step with `effect` from `pre`, or None where a counter
/// would pass u64::MAX (no real execution has such a successor).
pub fn successor(pre: &Claim, effect: &Effect) -> Option<Claim> {
    let mut post = *pre;
    post.steps = pre.steps.checked_add(1)?;
    post.gas_used = pre.gas_used.checked_add(effect.gas)?;
    post.machine_hash = effect.machine_hash;
    if let Some(m) = effect.message {
        post.inbox_consumed = pre.inbox_consumed.checked_add(1)?;
        post.inbox_acc = keccak_pair(&pre.inbox_acc, &m);
    }
    if let Some(l) = effect.log {
        post.log_acc = keccak_pair(&pre.log_acc, &l);
    }
    if let Some(s) = effect.send {
        post.send_acc = keccak_pair(&pre.send_acc, &s);
    }
    Some(post)
}
