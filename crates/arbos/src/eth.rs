//! Ethereum-facing facts a JSON-RPC node derives from ArbOS's outputs.
//!
//! What the Go node (arbitrum-classic `packages/arb-rpc-node`, `arb-evm/evm`) did:
//! - **Transaction hash** of every receipt: the request id
//!   ([`crate::TxReceipt::tx_hash`]); for a signed transaction that is the Ethereum hash
//!   of the raw transaction.
//! - **Receipt** (`TxResult.ToEthReceipt`): status 1 iff code 0; `contractAddress` by
//!   [`crate::TxReceipt::contract_address`]; `cumulativeGasUsed` = the receipt's
//!   cumulative gas; `gasUsed` = the receipt's gasUsed when the L2 computation price is
//!   0, else `paid.total / price.l2Computation`; `transactionIndex` = tx index in the
//!   block; log indexes count on from `evmLogsBeforeInBlock`.
//! - **Block** (`txdb.handleBlockReceipt`): a go-ethereum header with ParentHash = the
//!   previous block's header hash (zero for block 0), Number = the Arbitrum block,
//!   Time = the summary's timestamp, GasUsed = the block's gas, GasLimit =
//!   [`crate::BlockSummary::gas_limit`], Difficulty 0, empty Extra, and the transaction
//!   and receipt tries and bloom of `types.NewBlock` over the block's transactions as
//!   Offchain Labs' go-ethereum fork converts them (`evm.GetTransaction`: a signed
//!   transaction as itself, unsigned ones as legacy transactions with nonce 0, a
//!   retryable as a call to 0x6e). The block hash is that header's hash; reproducing
//!   it exactly needs that fork's transaction types and Merkle-Patricia tries, which
//!   this crate does not have.

use avm_value::{keccak256, Int};

use crate::address::Address;
use crate::receipt::EvmLog;
use crate::rlp;

/// The address of the contract `sender` creates with nonce `nonce`:
/// `keccak(RLP[sender, nonce])[12..]` (CREATE, and a transaction with no `to`).
pub fn create_address(sender: Address, nonce: &Int) -> Address {
    let mut items = Vec::with_capacity(21 + 33);
    rlp::encode_bytes(&sender.0, &mut items);
    rlp::encode_uint(nonce, &mut items);
    let mut list = Vec::with_capacity(items.len() + 1);
    rlp::encode_list(&items, &mut list);
    let hash = keccak256(&list);
    let mut out = [0u8; 20];
    out.copy_from_slice(&hash.0[12..]);
    Address(out)
}

/// An Ethereum logs bloom (2048 bits).
pub type Bloom = [u8; 256];

/// Sets the three bloom bits of `data` (the low 11 bits of each of the first three
/// byte pairs of its keccak).
fn accrue(bloom: &mut Bloom, data: &[u8]) {
    let hash = keccak256(data);
    for pair in hash.0.chunks_exact(2).take(3) {
        let bit = (usize::from(pair[0]) << 8 | usize::from(pair[1])) & 2047;
        // In bounds: bit < 2048, so 255 - bit / 8 is in 0..256.
        bloom[255 - bit / 8] |= 1 << (bit % 8);
    }
}

/// The logs bloom of a list of EVM logs: each log's address and topics.
pub fn logs_bloom<'a>(logs: impl IntoIterator<Item = &'a EvmLog>) -> Bloom {
    let mut bloom = [0u8; 256];
    for log in logs {
        accrue(&mut bloom, &log.address.0);
        for topic in &log.topics {
            accrue(&mut bloom, &topic.0);
        }
    }
    bloom
}
