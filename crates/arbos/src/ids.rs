//! Request ids: the key of every receipt (the Go node's transaction hash), and the ids
//! derived from them.

use avm_value::{keccak256, keccak_pair, Hash, Int};

use crate::address::Address;

fn word(n: &Int) -> Hash {
    Hash::from_int(n)
}

/// The request id of an inbox message: `keccak(uint chainId ‖ uint seqNum)`, with the
/// sequence number as ArbOS sees it (bit 255 set for a delayed message; see
/// [`crate::inbox::delayed_seq_num`]). A signed transaction's receipt uses its
/// transaction hash instead, a subtype-0 one [`unsigned_eoa_request_id`].
pub fn request_id(chain_id: &Int, seq_num: &Int) -> Hash {
    keccak_pair(&word(chain_id), &word(seq_num))
}

/// The request id of a subtype-0 (unsigned EOA) transaction:
/// `keccak(uint l1Sender ‖ keccak(uint chainId ‖ keccak(payload)))`, where `l1Sender`
/// is the sender before aliasing and `payload` includes the subtype byte.
pub fn unsigned_eoa_request_id(l1_sender: Address, chain_id: &Int, payload: &[u8]) -> Hash {
    let inner = keccak_pair(&word(chain_id), &keccak256(payload));
    keccak_pair(&Hash(l1_sender.word()), &inner)
}

/// The request id of item `index` of a batch (before a signed or subtype-0 item
/// replaces it with its own): `keccak(batchRequestId ‖ uint index)`.
pub fn batch_item_request_id(batch_request_id: &Hash, index: u64) -> Hash {
    keccak_pair(batch_request_id, &word(&Int::from(index)))
}

/// The id of the retryable ticket a kind-9 submission creates (its receipt's return
/// data): `keccak(submissionRequestId ‖ uint 0)`.
pub fn retryable_ticket_id(submission_request_id: &Hash) -> Hash {
    keccak_pair(submission_request_id, &Hash::ZERO)
}

/// The request id of a ticket's immediate redeem: `keccak(submissionRequestId ‖ uint 1)`.
pub fn auto_redeem_request_id(submission_request_id: &Hash) -> Hash {
    keccak_pair(submission_request_id, &word(&Int::from(1u8)))
}
