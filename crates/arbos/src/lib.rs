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
//! Every decoder takes untrusted input and answers with a typed error, never a panic;
//! reading a value is bounded by a [`read::Budget`].

pub mod address;
pub mod compressed;
pub mod ids;
pub mod inbox;
pub mod l2message;
pub mod params;
pub mod read;
pub mod retryable;
pub mod rlp;
pub mod signed_tx;

pub use address::{alias, unalias, Address};
pub use inbox::{InboxMessage, MessageKind};
pub use l2message::{L2Message, UnsignedCall};
pub use params::ChainParameters;
pub use read::{Budget, DecodeError};
pub use retryable::RetryableTicket;
pub use signed_tx::SignedTx;
