//! L2-to-L1 messages: how ArbOS reports them (log types 2 and 3, and one AVM send per
//! batch) and how the L1 Outbox checks them (item hash, Merkle root and proof).
//!
//! A call to `ArbSys.sendTxToL1` (or `withdrawEth`) appends an item to the current
//! batch. At the end of each Arbitrum block ArbOS logs `(2, batchNum, index, size,
//! Buffer(item))` for each new item; when the block ends at least `SecondsPerSend`
//! (1800 by default) after the previous send, it also closes the batch: it logs
//! `(3, batchNum, numInBatch, tree)` and sends `00 ‖ uint batchNum ‖ uint numInBatch ‖
//! root`, which the rollup hands to `Outbox.processOutgoingMessages`.
//!
//! The tree is built layer by layer: leaves `keccak(keccak(item))`, then each pair
//! `keccak(left ‖ right)`, an odd last node moving up unpaired. In the log, a leaf is
//! `(size, Buffer, ())` and an inner node `(left, right)`.

use avm_value::{keccak256, keccak_pair, Hash, Int, Value};

use crate::address::Address;
use crate::read::{self, Budget, DecodeError, Problem};

/// The log type of one L2-to-L1 item.
pub const LOG_TYPE_OUTBOX_ITEM: u8 = 2;
/// The log type of a closed batch's Merkle tree.
pub const LOG_TYPE_OUTBOX_BATCH: u8 = 3;
/// The first byte of an AVM send that summarises a batch.
pub const SEND_TYPE_BATCH: u8 = 0;
/// The first byte of an item made by `ArbSys.sendTxToL1`.
pub const ITEM_TYPE_TX_TO_L1: u8 = 3;

/// Why bytes are not the L2-to-L1 message they should be.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OutboxError {
    /// Not a 97-byte batch send.
    #[error("a batch send is 97 bytes starting with 00, got {len} bytes starting with {first:?}")]
    NotBatchSend {
        /// Its length.
        len: usize,
        /// Its first byte.
        first: Option<u8>,
    },
    /// Not a `sendTxToL1` item.
    #[error("an L2-to-L1 transaction item is at least 193 bytes starting with 03, got {len} bytes starting with {first:?}")]
    NotTxToL1 {
        /// Its length.
        len: usize,
        /// Its first byte.
        first: Option<u8>,
    },
    /// An address word of 2^160 or more.
    #[error("{0} is not an address")]
    NotAddress(&'static str),
}

/// An L2-to-L1 transaction, as `ArbSys.sendTxToL1` records it and
/// `Outbox.executeTransaction` takes it:
/// `03 ‖ uint caller ‖ uint destination ‖ uint l2Block ‖ uint l1Block ‖ uint timestamp ‖
/// uint amount ‖ calldata`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct L2ToL1Tx {
    /// The L2 caller of ArbSys.
    pub caller: Address,
    /// The L1 destination.
    pub destination: Address,
    /// The Arbitrum block of the call.
    pub l2_block: Int,
    /// The L1 block of the call.
    pub l1_block: Int,
    /// The L1 timestamp of the call.
    pub timestamp: Int,
    /// Wei sent to the destination.
    pub amount: Int,
    /// Calldata for the L1 call.
    pub calldata: Vec<u8>,
}

fn word_at(bytes: &[u8], index: usize) -> Int {
    let mut word = [0u8; 32];
    if let Some(slice) = bytes.get(1 + 32 * index..1 + 32 * (index + 1)) {
        word.copy_from_slice(slice);
    }
    Int::from_be_bytes(word)
}

impl L2ToL1Tx {
    /// The item bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(193 + self.calldata.len());
        out.push(ITEM_TYPE_TX_TO_L1);
        out.extend_from_slice(&self.caller.word());
        out.extend_from_slice(&self.destination.word());
        for n in [
            &self.l2_block,
            &self.l1_block,
            &self.timestamp,
            &self.amount,
        ] {
            out.extend_from_slice(&n.to_be_bytes::<32>());
        }
        out.extend_from_slice(&self.calldata);
        out
    }

    /// Reads an item.
    pub fn decode(item: &[u8]) -> Result<L2ToL1Tx, OutboxError> {
        if item.len() < 193 || item.first() != Some(&ITEM_TYPE_TX_TO_L1) {
            return Err(OutboxError::NotTxToL1 {
                len: item.len(),
                first: item.first().copied(),
            });
        }
        let address = |index, name| {
            Address::from_int(&word_at(item, index)).ok_or(OutboxError::NotAddress(name))
        };
        Ok(L2ToL1Tx {
            caller: address(0, "caller")?,
            destination: address(1, "destination")?,
            l2_block: word_at(item, 2),
            l1_block: word_at(item, 3),
            timestamp: word_at(item, 4),
            amount: word_at(item, 5),
            calldata: item.get(193..).unwrap_or_default().to_vec(),
        })
    }

    /// `Outbox.calculateItemHash`: keccak of the item bytes.
    pub fn item_hash(&self) -> Hash {
        keccak256(&self.encode())
    }
}

/// The AVM send that closes a batch: `00 ‖ uint batchNum ‖ uint numInBatch ‖ root`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchSend {
    /// The batch number (0, 1, …).
    pub batch_number: Int,
    /// How many items the batch has.
    pub num_in_batch: Int,
    /// The Merkle root of its items.
    pub root: Hash,
}

impl BatchSend {
    /// The 97 send bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(97);
        out.push(SEND_TYPE_BATCH);
        out.extend_from_slice(&self.batch_number.to_be_bytes::<32>());
        out.extend_from_slice(&self.num_in_batch.to_be_bytes::<32>());
        out.extend_from_slice(&self.root.0);
        out
    }

    /// Reads a send.
    pub fn decode(send: &[u8]) -> Result<BatchSend, OutboxError> {
        if send.len() != 97 || send.first() != Some(&SEND_TYPE_BATCH) {
            return Err(OutboxError::NotBatchSend {
                len: send.len(),
                first: send.first().copied(),
            });
        }
        Ok(BatchSend {
            batch_number: word_at(send, 0),
            num_in_batch: word_at(send, 1),
            root: Hash::from_int(&word_at(send, 2)),
        })
    }
}

/// The leaf hash of an item: `keccak(keccak(item))` (the Outbox hashes the item hash
/// once more "to prove it's a leaf").
pub fn leaf_hash(item: &[u8]) -> Hash {
    keccak256(&keccak256(item).0)
}

/// The Merkle root of a batch's items, or `None` for no items.
pub fn merkle_root(items: &[Vec<u8>]) -> Option<Hash> {
    let mut layer: Vec<Hash> = items.iter().map(|item| leaf_hash(item)).collect();
    while layer.len() > 1 {
        layer = layer
            .chunks(2)
            .map(|pair| match pair {
                [left, right] => keccak_pair(left, right),
                [single] => *single,
                _ => Hash::ZERO,
            })
            .collect();
    }
    layer.first().copied()
}

/// What `Outbox.executeTransaction` needs besides the item: the sibling hashes from the
/// leaf up, and the path, whose bit i is 1 when the node at level i is a left child.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxProof {
    /// Sibling hashes, nearest the leaf first.
    pub nodes: Vec<Hash>,
    /// The route: bit i set when, at level i, the running hash is on the left.
    pub path: Int,
}

impl OutboxProof {
    /// The proof for item `index` of a batch, or `None` if there is no such item.
    pub fn new(items: &[Vec<u8>], index: usize) -> Option<OutboxProof> {
        if index >= items.len() {
            return None;
        }
        let mut layer: Vec<Hash> = items.iter().map(|item| leaf_hash(item)).collect();
        let mut position = index;
        let mut nodes = Vec::new();
        let mut path = Int::ZERO;
        while layer.len() > 1 {
            let sibling = position ^ 1;
            if let Some(hash) = layer.get(sibling) {
                if position % 2 == 0 {
                    path |= Int::from(1u8) << nodes.len();
                }
                nodes.push(*hash);
            }
            layer = layer
                .chunks(2)
                .map(|pair| match pair {
                    [left, right] => keccak_pair(left, right),
                    [single] => *single,
                    _ => Hash::ZERO,
                })
                .collect();
            position /= 2;
        }
        Some(OutboxProof { nodes, path })
    }

    /// The root `Outbox.calculateMerkleRoot(proof, path, itemHash)` computes.
    pub fn root_for(&self, item_hash: &Hash) -> Hash {
        let mut hash = keccak256(&item_hash.0);
        for (level, node) in self.nodes.iter().enumerate() {
            hash = if self.path.bit(level) {
                keccak_pair(&hash, node)
            } else {
                keccak_pair(node, &hash)
            };
        }
        hash
    }
}

/// One L2-to-L1 item as logged (type 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxItemLog {
    /// The batch it belongs to.
    pub batch_number: Int,
    /// Its index in the batch.
    pub index: Int,
    /// The item bytes (an [`L2ToL1Tx`] when they start with 03).
    pub item: Vec<u8>,
}

fn field<T>(result: Result<T, DecodeError>, name: &str) -> Result<T, DecodeError> {
    result.map_err(|e| e.within(name))
}

fn check_type(value: &Value, expected: u8) -> Result<(), DecodeError> {
    let found = field(read::int(value), "type")?;
    if *found != Int::from(expected) {
        return Err(DecodeError::here(Problem::WrongLogType {
            expected,
            found: *found,
        }));
    }
    Ok(())
}

impl OutboxItemLog {
    /// Reads a type-2 log.
    pub fn from_value(value: &Value, budget: &mut Budget) -> Result<OutboxItemLog, DecodeError> {
        let decoded = |budget: &mut Budget| {
            let [log_type, batch, index, size, buffer] = read::tuple::<5>(value, budget)?;
            check_type(log_type, LOG_TYPE_OUTBOX_ITEM)?;
            Ok(OutboxItemLog {
                batch_number: *field(read::int(batch), "batch_number")?,
                index: *field(read::int(index), "index")?,
                item: field(read::sized_bytes(size, buffer, budget), "item")?,
            })
        };
        decoded(budget).map_err(|e: DecodeError| e.within("outbox_item"))
    }
}

/// A closed batch as logged (type 3): its items in order, and the root its tree
/// hashes to (taken from the tree's own shape).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxBatchLog {
    /// The batch number.
    pub batch_number: Int,
    /// How many items ArbOS says it has.
    pub num_in_batch: Int,
    /// The items, leftmost first.
    pub items: Vec<Vec<u8>>,
    /// The root of the logged tree.
    pub root: Hash,
}

/// Walks a logged tree without recursion; returns its leaves in order and its root.
fn decode_tree(tree: &Value, budget: &mut Budget) -> Result<(Vec<Vec<u8>>, Hash), DecodeError> {
    enum Task<'v> {
        Visit(&'v Value),
        Combine,
    }
    let mut items = Vec::new();
    let mut hashes: Vec<Hash> = Vec::new();
    let mut tasks = vec![Task::Visit(tree)];
    while let Some(task) = tasks.pop() {
        match task {
            Task::Combine => {
                let (Some(right), Some(left)) = (hashes.pop(), hashes.pop()) else {
                    return Err(DecodeError::problem("tree", "unbalanced walk"));
                };
                hashes.push(keccak_pair(&left, &right));
            }
            Task::Visit(node) => {
                let shape = node.as_tuple().map(|t| t.len());
                match shape {
                    Some(2) => {
                        let [left, right] = read::tuple::<2>(node, budget)?;
                        tasks.push(Task::Combine);
                        tasks.push(Task::Visit(right));
                        tasks.push(Task::Visit(left));
                    }
                    Some(3) => {
                        let [size, buffer, _] = read::tuple::<3>(node, budget)?;
                        let item = read::sized_bytes(size, buffer, budget)
                            .map_err(|e| e.within(&format!("tree.leaf[{}]", items.len())))?;
                        hashes.push(leaf_hash(&item));
                        items.push(item);
                    }
                    _ => {
                        return Err(DecodeError::problem(
                            "tree",
                            "a node is neither (left, right) nor a leaf (size, buffer, ())",
                        ))
                    }
                }
            }
        }
    }
    match hashes.as_slice() {
        [root] => Ok((items, *root)),
        _ => Err(DecodeError::problem("tree", "unbalanced walk")),
    }
}

impl OutboxBatchLog {
    /// Reads a type-3 log.
    pub fn from_value(value: &Value, budget: &mut Budget) -> Result<OutboxBatchLog, DecodeError> {
        let decoded = |budget: &mut Budget| {
            let [log_type, batch, count, tree] = read::tuple::<4>(value, budget)?;
            check_type(log_type, LOG_TYPE_OUTBOX_BATCH)?;
            let (items, root) = decode_tree(tree, budget)?;
            Ok(OutboxBatchLog {
                batch_number: *field(read::int(batch), "batch_number")?,
                num_in_batch: *field(read::int(count), "num_in_batch")?,
                items,
                root,
            })
        };
        decoded(budget).map_err(|e: DecodeError| e.within("outbox_batch"))
    }

    /// The send that goes with this batch.
    pub fn send(&self) -> BatchSend {
        BatchSend {
            batch_number: self.batch_number,
            num_in_batch: self.num_in_batch,
            root: self.root,
        }
    }
}
