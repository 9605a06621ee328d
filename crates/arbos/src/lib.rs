//! ArbOS v58's L2 formats as pure data: what a node puts into ArbOS's inbox and how it
//! reads ArbOS's logs and sends back as transactions, receipts, blocks and L2-to-L1
//! messages. Nothing here runs a machine, an EVM or a network.
//!
//! Into the inbox:
//! - [`inbox`]: the inbox message tuple and the L1 message kinds;
//! - [`l2message`]: the L2 message subtypes (unsigned transactions and calls, batches,
//!   heartbeats, signed transactions);
//! - [`signed_tx`] and [`compressed`]: raw signed legacy Ethereum transactions and the
//!   subtype-7 form ArbOS v58 accepts them in;
//! - [`params`]: chain parameters and the rollup's init message;
//! - [`retryable`]: kind-9 retryable tickets, which is how ETH is deposited;
//! - [`address`] and [`ids`]: the L1-to-L2 address alias and request ids.
//!
//! Out of ArbOS:
//! - [`log`]: any log, dispatched to [`receipt`] (type 0), [`block`] (type 1) or
//!   [`outbox`] (types 2 and 3); [`result_code`]: what a receipt's code means;
//! - [`outbox`]: L2-to-L1 items, batch sends, and the Outbox's Merkle proofs;
//! - [`eth`]: Ethereum-facing facts (creation addresses, logs bloom, the Go node's
//!   definitions).
//!
//! Every decoder takes untrusted input and answers with a typed error, never a panic;
//! reading a value is bounded by a [`read::Budget`].

pub mod address;
pub mod block;
pub mod compressed;
pub mod eth;
pub mod ids;
pub mod inbox;
pub mod l2message;
pub mod log;
pub mod outbox;
pub mod params;
pub mod read;
pub mod receipt;
pub mod result_code;
pub mod retryable;
pub mod rlp;
pub mod signed_tx;

pub use address::{alias, unalias, Address};
pub use block::BlockSummary;
pub use inbox::{InboxMessage, MessageKind};
pub use l2message::{L2Message, UnsignedCall};
pub use log::ArbosLog;
pub use params::ChainParameters;
pub use read::{Budget, DecodeError};
pub use receipt::{EvmLog, TxReceipt};
pub use result_code::ResultCode;
pub use retryable::RetryableTicket;
pub use signed_tx::SignedTx;
