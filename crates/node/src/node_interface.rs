//! NodeInterface: the virtual contract at 0x…C8 through which a Classic node hands
//! out what its archive knows and no contract holds (arb-bridge-peripherals'
//! `rpc-utils/NodeInterface.sol`). Never deployed: the node answers `eth_call`s to
//! it, so client code written for Arbitrum Classic works unchanged.
//!
//! `lookupMessageBatchProof(uint256 batchNum, uint64 index)` returns what
//! `Outbox.executeTransaction` takes for item `index` of L2-to-L1 batch `batchNum`:
//! `(bytes32[] proof, uint256 path, address l2Sender, address l1Dest, uint256 l2Block,
//! uint256 l1Block, uint256 timestamp, uint256 amount, bytes calldataForL1)`.

use avm_arbos::outbox::{L2ToL1Tx, OutboxProof};
use avm_arbos::Address;
use avm_l1::abi::{self, Token};

use crate::archive::Archive;

/// Where NodeInterface answers.
pub const NODE_INTERFACE: Address = Address({
    let mut address = [0u8; 20];
    address[19] = 0xc8;
    address
});

/// `lookupMessageBatchProof(uint256,uint64)`.
pub const LOOKUP_MESSAGE_BATCH_PROOF: &str = "lookupMessageBatchProof(uint256,uint64)";

/// Why NodeInterface has no answer (a revert reason for the caller).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NodeInterfaceError {
    /// The call names no function NodeInterface has here.
    #[error("NodeInterface has no function with selector 0x{0}")]
    Unknown(String),
    /// The arguments are not two words.
    #[error("lookupMessageBatchProof takes (uint256 batchNum, uint64 index)")]
    Arguments,
    /// No such batch has been closed yet.
    #[error("L2-to-L1 batch {0} is not closed yet")]
    NoBatch(String),
    /// The batch has no such item.
    #[error("L2-to-L1 batch {batch} has {items} items, no item {index}")]
    NoItem {
        /// The batch.
        batch: u64,
        /// Its item count.
        items: usize,
        /// The index asked for.
        index: u64,
    },
    /// The item is not an L2-to-L1 transaction.
    #[error("item {0}: {1}")]
    NotTx(u64, String),
}

/// The answer to a call of NodeInterface with `input`, from `archive`.
pub fn answer(archive: &Archive, input: &[u8]) -> Result<Vec<u8>, NodeInterfaceError> {
    let selector = input.get(..4).unwrap_or(input);
    if selector != abi::selector(LOOKUP_MESSAGE_BATCH_PROOF) {
        return Err(NodeInterfaceError::Unknown(hex::encode(selector)));
    }
    let words = abi::decode_words(input.get(4..).unwrap_or_default(), 2)
        .ok_or(NodeInterfaceError::Arguments)?;
    let (batch_word, index_word) = (words[0], words[1]);
    let batch = abi::word_to_u64(&batch_word)
        .ok_or_else(|| NodeInterfaceError::NoBatch(format!("0x{}", hex::encode(batch_word))))?;
    let index = abi::word_to_u64(&index_word).ok_or(NodeInterfaceError::Arguments)?;
    let items = archive
        .outbox_batch(batch)
        .ok_or_else(|| NodeInterfaceError::NoBatch(batch.to_string()))?;
    let no_item = || NodeInterfaceError::NoItem {
        batch,
        items: items.len(),
        index,
    };
    let at = usize::try_from(index).map_err(|_| no_item())?;
    let item = items.get(at).ok_or_else(no_item)?;
    let tx = L2ToL1Tx::decode(item).map_err(|e| NodeInterfaceError::NotTx(index, e.to_string()))?;
    let proof = OutboxProof::new(items, at).ok_or_else(no_item)?;
    Ok(abi::encode(&[
        Token::Words(proof.nodes.iter().map(|h| h.0).collect()),
        Token::Word(abi::uint(proof.path)),
        Token::Word(abi::address(tx.caller.0)),
        Token::Word(abi::address(tx.destination.0)),
        Token::Word(abi::uint(tx.l2_block)),
        Token::Word(abi::uint(tx.l1_block)),
        Token::Word(abi::uint(tx.timestamp)),
        Token::Word(abi::uint(tx.amount)),
        Token::Bytes(tx.calldata),
    ]))
}
