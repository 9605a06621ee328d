//! A JSON-RPC 2.0 server over HTTP for the Ethereum-style APIs avm serves (the
//! embedded L1 of `avm l1`, the L2 of `avm node`), and the Ethereum JSON encodings
//! their handlers answer in.
//!
//! Every request is bounded: the body's size, the batch's length, the time a handler
//! may take (or, for what a handler answers at once, a small fixed amount of work), the
//! connections open at once. The server binds where it is told
//! (127.0.0.1 by default in the CLI), answers CORS preflights so a browser dApp can
//! call it, and turns a handler's typed error into a JSON-RPC error object.

mod eth;
mod jsonrpc;
mod request;
mod server;
mod shapes;

pub use eth::{
    address_json, bytes_json, hash_json, parse_address, parse_block_tag, parse_bytes, parse_hash,
    parse_quantity, parse_slot, parse_u128, quantity, quantity_u128, BlockTag,
};
pub use jsonrpc::{Handler, Later, RpcError};
pub use request::{
    logs_bloom, param, parse_call, parse_count, parse_log_filter, parse_overrides, required,
    AccountOverride, CallRequest, LogFilter, LogRange, LogView, SlotValue, MAX_OVERRIDES,
};
pub use server::{Limits, Server, ServerError};
pub use shapes::{quantity_be, BlockFields, ReceiptFields, TxFields, EMPTY_OMMERS_HASH};
