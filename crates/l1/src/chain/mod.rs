//! The one L1 chain type: an Ethereum chain the Classic contracts live on, either
//! embedded (revm, in memory or persisted under a data dir) or remote (any Ethereum
//! JSON-RPC node, e.g. anvil, through alloy).
//!
//! Everything avm does on L1 goes through [`Chain`]: deploying the contracts, message
//! delivery, one-step proofs, challenge moves, transcripts and the `avm l1` server.
//! Recording every transaction (a challenge's transcript) is an option of the chain,
//! not a second chain.

mod bounded_http;
mod dev;
mod embedded;
mod owner;
mod remote;
mod types;

pub use dev::{dev_accounts, DevAccount, DEV_MNEMONIC};
pub use embedded::{
    BlockInfo, Clock, Embedded, EmbeddedConfig, Mining, ReceiptRecord, Rules, Simulation, StoredTx,
    TxSignature, L1_FILE,
};
pub use owner::ChainHandle;
pub use remote::{Remote, RemoteConfig};
pub use types::{
    CallOutcome, Hardfork, L1Error, Log, LogFilter, Receipt, RevertReason, TxRecord, TxRequest,
    TxStatus,
};

use avm_value::Hash;

use crate::abi::{self, Token, Word};

/// An L1 chain: where the Classic contracts live and every L1 transaction of avm goes.
pub struct Chain {
    backend: Backend,
    /// Every transaction sent through [`Chain::send`], when recording.
    recording: Option<Vec<TxRecord>>,
    /// The gas price of requests that name none.
    default_gas_price: Option<u128>,
}

enum Backend {
    Embedded(Box<Embedded>),
    Remote(Box<Remote>),
}

impl std::fmt::Debug for Chain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match &self.backend {
            Backend::Embedded(_) => "embedded",
            Backend::Remote(_) => "remote",
        };
        f.debug_struct("Chain")
            .field("backend", &kind)
            .field("chain_id", &self.chain_id())
            .field("recording", &self.recording.as_ref().map(Vec::len))
            .finish()
    }
}

impl Chain {
    /// An embedded chain (in memory unless `config.data_dir` names a folder).
    pub fn embedded(config: EmbeddedConfig) -> Result<Chain, L1Error> {
        Ok(Chain::from_embedded(Embedded::open(config)?))
    }

    /// A chain over an embedded backend already made.
    pub fn from_embedded(embedded: Embedded) -> Chain {
        Chain {
            backend: Backend::Embedded(Box::new(embedded)),
            recording: None,
            default_gas_price: None,
        }
    }

    /// A remote chain: an Ethereum JSON-RPC endpoint and the keys avm sends with.
    pub fn remote(config: RemoteConfig) -> Result<Chain, L1Error> {
        Ok(Chain {
            backend: Backend::Remote(Box::new(Remote::connect(config)?)),
            recording: None,
            default_gas_price: None,
        })
    }

    /// Starts recording every transaction sent from now on (a transcript's content).
    pub fn record(mut self) -> Chain {
        self.recording = Some(Vec::new());
        self
    }

    /// Sends requests that name no gas price at `price` (None: the chain's choice).
    pub fn set_default_gas_price(&mut self, price: Option<u128>) {
        self.default_gas_price = price;
    }

    /// The transactions recorded so far (empty when not recording).
    pub fn records(&self) -> &[TxRecord] {
        self.recording.as_deref().unwrap_or_default()
    }

    /// The embedded backend, if this is one (its RPC server, mining controls, snapshots).
    pub fn as_embedded(&self) -> Option<&Embedded> {
        match &self.backend {
            Backend::Embedded(e) => Some(e),
            Backend::Remote(_) => None,
        }
    }

    /// The embedded backend, mutably.
    pub fn as_embedded_mut(&mut self) -> Option<&mut Embedded> {
        match &mut self.backend {
            Backend::Embedded(e) => Some(e),
            Backend::Remote(_) => None,
        }
    }

    /// The chain id transactions are signed for.
    pub fn chain_id(&self) -> u64 {
        match &self.backend {
            Backend::Embedded(e) => e.chain_id(),
            Backend::Remote(r) => r.chain_id(),
        }
    }

    /// The number and timestamp of the block the next transaction goes into.
    pub fn block(&mut self) -> Result<(u64, u64), L1Error> {
        match &mut self.backend {
            Backend::Embedded(e) => Ok(e.pending_block()),
            Backend::Remote(r) => r.next_block(),
        }
    }

    /// The newest block's number.
    pub fn block_number(&mut self) -> Result<u64, L1Error> {
        match &mut self.backend {
            Backend::Embedded(e) => Ok(e.head().number),
            Backend::Remote(r) => r.block_number(),
        }
    }

    /// The timestamp of block `number`, None for a block the chain does not have.
    pub fn block_timestamp(&mut self, number: u64) -> Result<Option<u64>, L1Error> {
        match &mut self.backend {
            Backend::Embedded(e) => Ok(e.block_info(number).map(|b| b.timestamp)),
            Backend::Remote(r) => r.block_timestamp(number),
        }
    }

    /// Sends `req` and waits for its receipt. A revert is a receipt with status
    /// [`TxStatus::Revert`], not an error; `Err` is a transaction the chain refused
    /// (bad nonce, no funds, over the gas limit) or a failure to reach it.
    pub fn send(&mut self, mut req: TxRequest) -> Result<Receipt, L1Error> {
        if req.gas_price.is_none() {
            req.gas_price = self.default_gas_price;
        }
        let default_limit = match &self.backend {
            Backend::Embedded(e) => e.config().block_gas_limit,
            Backend::Remote(_) => 30_000_000,
        };
        req.check_cost(default_limit)?;
        let receipt = match &mut self.backend {
            Backend::Embedded(e) => e.send(&req)?,
            Backend::Remote(r) => r.send(&req)?,
        };
        if let Some(records) = &mut self.recording {
            records.push(TxRecord::of(&req, &receipt));
        }
        Ok(receipt)
    }

    /// Sends `req`, which must succeed; its receipt.
    pub fn must(&mut self, req: TxRequest) -> Result<Receipt, L1Error> {
        let label = req.label.clone();
        let receipt = self.send(req)?;
        match receipt.status {
            TxStatus::Ok => Ok(receipt),
            TxStatus::Revert => Err(L1Error::Reverted {
                call: label,
                reason: receipt
                    .revert
                    .clone()
                    .unwrap_or(RevertReason::Data(Vec::new())),
            }),
        }
    }

    /// An `eth_call` from `from` on the newest state: effects thrown away, nothing
    /// recorded.
    pub fn call(
        &mut self,
        from: [u8; 20],
        to: [u8; 20],
        input: &[u8],
    ) -> Result<CallOutcome, L1Error> {
        match &mut self.backend {
            Backend::Embedded(e) => e.call(from, to, input),
            Backend::Remote(r) => r.call(from, to, input),
        }
    }

    /// The return data of a view call that must succeed.
    pub fn view(&mut self, to: [u8; 20], call: &str, args: &[Token]) -> Result<Vec<u8>, L1Error> {
        match self.call([0; 20], to, &abi::encode_call(call, args))? {
            CallOutcome::Success { output, .. } => Ok(output),
            CallOutcome::Failed { reason, .. } => Err(L1Error::Reverted {
                call: call.to_owned(),
                reason,
            }),
        }
    }

    /// The first `count` words a view call returns.
    pub fn view_words(
        &mut self,
        to: [u8; 20],
        call: &str,
        args: &[Token],
        count: usize,
    ) -> Result<Vec<Word>, L1Error> {
        let output = self.view(to, call, args)?;
        abi::decode_words(&output, count).ok_or_else(|| L1Error::BadReturn {
            call: call.to_owned(),
            len: output.len(),
        })
    }

    /// The one word a view call returns.
    pub fn view_word(&mut self, to: [u8; 20], call: &str, args: &[Token]) -> Result<Word, L1Error> {
        let words = self.view_words(to, call, args, 1)?;
        words.first().copied().ok_or_else(|| L1Error::BadReturn {
            call: call.to_owned(),
            len: 0,
        })
    }

    /// A view call's word read as a `u64`.
    pub fn view_u64(&mut self, to: [u8; 20], call: &str, args: &[Token]) -> Result<u64, L1Error> {
        let word = self.view_word(to, call, args)?;
        abi::word_to_u64(&word).ok_or_else(|| L1Error::BadReturn {
            call: call.to_owned(),
            len: 32,
        })
    }

    /// A view call's word read as an address.
    pub fn view_address(
        &mut self,
        to: [u8; 20],
        call: &str,
        args: &[Token],
    ) -> Result<[u8; 20], L1Error> {
        let word = self.view_word(to, call, args)?;
        abi::word_address(&word).ok_or_else(|| L1Error::BadReturn {
            call: call.to_owned(),
            len: 32,
        })
    }

    /// A view call's word read as a hash.
    pub fn view_hash(&mut self, to: [u8; 20], call: &str, args: &[Token]) -> Result<Hash, L1Error> {
        Ok(Hash(self.view_word(to, call, args)?))
    }

    /// The logs `filter` selects, in chain order.
    pub fn logs(&mut self, filter: &LogFilter) -> Result<Vec<Log>, L1Error> {
        match &mut self.backend {
            Backend::Embedded(e) => e.logs(filter),
            Backend::Remote(r) => r.logs(filter),
        }
    }

    /// The receipt of a mined transaction (None if the chain does not know it).
    pub fn receipt(&mut self, tx_hash: &Hash) -> Result<Option<Receipt>, L1Error> {
        match &mut self.backend {
            Backend::Embedded(e) => Ok(e.receipt(tx_hash)),
            Backend::Remote(r) => r.receipt(tx_hash),
        }
    }

    /// The call data of a mined transaction (None if the chain does not know it).
    pub fn transaction_input(&mut self, tx_hash: &Hash) -> Result<Option<Vec<u8>>, L1Error> {
        match &mut self.backend {
            Backend::Embedded(e) => Ok(e.transaction(tx_hash).map(|tx| tx.input.clone())),
            Backend::Remote(r) => r.transaction_input(tx_hash),
        }
    }

    /// The sender of a mined transaction (None if the chain does not know it).
    pub fn transaction_sender(&mut self, tx_hash: &Hash) -> Result<Option<[u8; 20]>, L1Error> {
        match &mut self.backend {
            Backend::Embedded(e) => Ok(e.transaction(tx_hash).map(|tx| tx.from)),
            Backend::Remote(r) => r.transaction_sender(tx_hash),
        }
    }

    /// An account's balance in wei.
    pub fn balance(&mut self, address: [u8; 20]) -> Result<u128, L1Error> {
        match &mut self.backend {
            Backend::Embedded(e) => Ok(e.balance(address)),
            Backend::Remote(r) => r.balance(address),
        }
    }

    /// An account's nonce.
    pub fn nonce(&mut self, address: [u8; 20]) -> Result<u64, L1Error> {
        match &mut self.backend {
            Backend::Embedded(e) => Ok(e.nonce(address)),
            Backend::Remote(r) => r.nonce(address),
        }
    }

    /// Whether code lives at `address`.
    pub fn has_code(&mut self, address: [u8; 20]) -> Result<bool, L1Error> {
        match &mut self.backend {
            Backend::Embedded(e) => Ok(!e.code(address).is_empty()),
            Backend::Remote(r) => r.has_code(address),
        }
    }

    /// Puts the next transactions into block `number` at `timestamp` (the chain's
    /// rules: numbers never decrease, one number has one timestamp, a later number a
    /// later timestamp). An embedded chain takes any such block; a remote one mines
    /// empty blocks up to it and sets the timestamp where the node can (anvil), and
    /// fails if it cannot.
    pub fn set_block(&mut self, number: u64, timestamp: u64) -> Result<(), L1Error> {
        match &mut self.backend {
            Backend::Embedded(e) => e.set_block(number, timestamp),
            Backend::Remote(r) => r.set_block(number, timestamp),
        }
    }

    /// The newest block whose logs can be read: the remote node's newest, or the
    /// embedded chain's open block (its transactions so far are readable).
    pub fn readable_block(&mut self) -> Result<u64, L1Error> {
        match &mut self.backend {
            Backend::Embedded(e) => Ok(e.pending_block().0),
            Backend::Remote(r) => r.block_number(),
        }
    }

    /// The newest sealed block's number and timestamp (a stamp any window of "recent
    /// blocks" admits).
    pub fn latest_block(&mut self) -> Result<(u64, u64), L1Error> {
        match &mut self.backend {
            Backend::Embedded(e) => Ok((e.head().number, e.head().timestamp)),
            Backend::Remote(r) => r.latest_block(),
        }
    }

    /// Puts the next transactions into block `number`, 12 seconds per block after the
    /// current one (the same block if `number` is the current one).
    pub fn advance_to(&mut self, number: u64) -> Result<(), L1Error> {
        match &mut self.backend {
            Backend::Embedded(e) => e.advance_to(number),
            Backend::Remote(r) => r.mine_to(number),
        }
    }

    /// Mines `count` empty blocks.
    pub fn mine(&mut self, count: u64) -> Result<(), L1Error> {
        match &mut self.backend {
            Backend::Embedded(e) => e.mine(count),
            Backend::Remote(r) => r.mine(count),
        }
    }
}
