//! A remote L1: any Ethereum JSON-RPC node (anvil in tests, geth, a provider), reached
//! through alloy, with the keys avm sends with. Blocks are mined on demand where the
//! node supports it (anvil's `anvil_mine`, else `evm_mine`).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use alloy_network::{EthereumWallet, TransactionBuilder};
use alloy_primitives::{Address, Bytes, B256, U256};
use alloy_provider::{DynProvider, Provider, ProviderBuilder};
use alloy_rpc_types_eth::{BlockNumberOrTag, Filter, TransactionRequest};

use alloy_rpc_client::RpcClient;
use avm_value::Hash;

use super::bounded_http::BoundedHttp;
use super::dev::DevAccount;
use super::types::{
    CallOutcome, L1Error, Log, LogFilter, Receipt, RevertReason, TxRequest, TxStatus,
};

/// How to reach a remote L1.
#[derive(Debug, Clone)]
pub struct RemoteConfig {
    /// The JSON-RPC endpoint (`http://127.0.0.1:8545`).
    pub url: String,
    /// The accounts avm may send from.
    pub keys: Vec<DevAccount>,
    /// How long one request (or waiting for one receipt) may take.
    pub timeout: Duration,
    /// The largest response accepted from the node, in bytes.
    pub max_response_bytes: usize,
}

impl RemoteConfig {
    /// `url` with `keys`, 30 seconds per request and responses of at most 256 MiB.
    pub fn new(url: impl Into<String>, keys: Vec<DevAccount>) -> RemoteConfig {
        RemoteConfig {
            url: url.into(),
            keys,
            timeout: Duration::from_secs(30),
            max_response_bytes: 256 << 20,
        }
    }
}

/// A connection to a remote L1.
pub struct Remote {
    runtime: tokio::runtime::Runtime,
    provider: DynProvider,
    url: String,
    chain_id: u64,
    keys: HashMap<[u8; 20], DevAccount>,
    timeout: Duration,
}

impl Remote {
    /// Connects to `config.url` and reads its chain id.
    pub fn connect(config: RemoteConfig) -> Result<Remote, L1Error> {
        let url: url::Url = config.url.parse().map_err(|e| L1Error::Rpc {
            url: config.url.clone(),
            message: format!("not a URL: {e}"),
        })?;
        if url.scheme() != "http" {
            return Err(L1Error::Rpc {
                url: config.url.clone(),
                message: format!(
                    "{}: scheme not supported (only http:// endpoints are)",
                    url.scheme()
                ),
            });
        }
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| L1Error::Rpc {
                url: config.url.clone(),
                message: format!("starting the I/O runtime: {e}"),
            })?;
        let mut wallet: Option<EthereumWallet> = None;
        for key in &config.keys {
            let signer = key.signer()?;
            match &mut wallet {
                Some(w) => w.register_signer(signer),
                None => wallet = Some(EthereumWallet::new(signer)),
            }
        }
        let is_local = alloy_transport::utils::guess_local_url(url.as_str());
        let transport =
            BoundedHttp::new(url, config.timeout, config.max_response_bytes).map_err(|e| {
                L1Error::Rpc {
                    url: config.url.clone(),
                    message: format!("starting the HTTP client: {e}"),
                }
            })?;
        let client = RpcClient::new(transport, is_local);
        let provider = match wallet {
            Some(wallet) => ProviderBuilder::new()
                .wallet(wallet)
                .connect_client(client)
                .erased(),
            None => ProviderBuilder::new().connect_client(client).erased(),
        };
        let mut remote = Remote {
            runtime,
            provider,
            url: config.url.clone(),
            chain_id: 0,
            keys: config.keys.iter().map(|k| (k.address, k.clone())).collect(),
            timeout: config.timeout,
        };
        let provider = remote.provider.clone();
        remote.chain_id = remote.run(async move { provider.get_chain_id().await })?;
        Ok(remote)
    }

    fn rpc_error(&self, message: impl std::fmt::Display) -> L1Error {
        L1Error::Rpc {
            url: self.url.clone(),
            message: message.to_string(),
        }
    }

    /// Runs one request, bounded by the timeout.
    fn run<T, E: std::fmt::Display>(
        &self,
        fut: impl std::future::Future<Output = Result<T, E>>,
    ) -> Result<T, L1Error> {
        self.timed(fut)?.map_err(|e| self.rpc_error(e))
    }

    /// Runs one request, bounded by the timeout, and hands back the node's own error
    /// for the caller to read (a revert, an estimate that failed); a node that does not
    /// answer in time is an error either way.
    fn timed<T, E>(
        &self,
        fut: impl std::future::Future<Output = Result<T, E>>,
    ) -> Result<Result<T, E>, L1Error> {
        let timeout = self.timeout;
        self.runtime
            .block_on(async move { tokio::time::timeout(timeout, fut).await })
            .map_err(|_| self.rpc_error(format!("no answer within {timeout:?}")))
    }

    /// The chain id the node reports.
    pub fn chain_id(&self) -> u64 {
        self.chain_id
    }

    /// The newest block's number.
    pub fn block_number(&mut self) -> Result<u64, L1Error> {
        let provider = self.provider.clone();
        self.run(async move { provider.get_block_number().await })
    }

    /// The timestamp of block `number`.
    pub fn block_timestamp(&mut self, number: u64) -> Result<Option<u64>, L1Error> {
        let provider = self.provider.clone();
        let block = self.run(async move {
            provider
                .get_block_by_number(BlockNumberOrTag::Number(number))
                .await
        })?;
        Ok(block.map(|b| b.header.timestamp))
    }

    /// The block the next transaction goes into (the node decides its timestamp; this
    /// is the newest block's plus one).
    pub fn next_block(&mut self) -> Result<(u64, u64), L1Error> {
        let head = self.block_number()?;
        let timestamp = self.block_timestamp(head)?.unwrap_or_default();
        Ok((head.saturating_add(1), timestamp.saturating_add(1)))
    }

    fn request(req: &TxRequest) -> TransactionRequest {
        let mut tx = TransactionRequest::default()
            .with_from(Address::from(req.from))
            .with_input(Bytes::copy_from_slice(&req.input))
            .with_value(U256::from(req.value));
        tx = match req.to {
            Some(to) => tx.with_to(Address::from(to)),
            None => tx.into_create(),
        };
        if let Some(price) = req.gas_price {
            tx = tx.with_gas_price(price);
        }
        if let Some(limit) = req.gas_limit {
            tx = tx.with_gas_limit(limit);
        }
        tx
    }

    /// Sends `req` from one of the keys and waits for its receipt. A transaction the
    /// node's gas estimate says reverts is still sent (with the block gas limit), so
    /// its failure is mined as on any chain.
    pub fn send(&mut self, req: &TxRequest) -> Result<Receipt, L1Error> {
        if !self.keys.contains_key(&req.from) {
            return Err(L1Error::NoKey(format!("0x{}", hex::encode(req.from))));
        }
        let mut tx = Self::request(req);
        if req.gas_limit.is_none() {
            let provider = self.provider.clone();
            let estimate = tx.clone();
            let estimated = self.timed(async move { provider.estimate_gas(estimate).await })?;
            let limit = match estimated {
                Ok(gas) => gas.saturating_add(gas / 5),
                Err(_) => {
                    let provider = self.provider.clone();
                    let block = self.run(async move {
                        provider.get_block_by_number(BlockNumberOrTag::Latest).await
                    })?;
                    block.map_or(30_000_000, |b| b.header.gas_limit)
                }
            };
            tx = tx.with_gas_limit(limit);
        }
        let provider = self.provider.clone();
        let sent = tx.clone();
        let hash: B256 = self.run(async move {
            provider
                .send_transaction(sent)
                .await
                .map(|pending| *pending.tx_hash())
        })?;
        let hash = Hash(hash.0);
        let deadline = Instant::now() + self.timeout;
        let mut wait = Duration::from_millis(5);
        loop {
            if let Some(receipt) = self.receipt(&hash)? {
                return Ok(receipt);
            }
            if Instant::now() > deadline {
                return Err(self.rpc_error(format!(
                    "transaction 0x{} not mined within {:?} (does the node mine?)",
                    hex::encode(hash.0),
                    self.timeout
                )));
            }
            std::thread::sleep(wait);
            wait = (wait * 2).min(Duration::from_millis(200));
        }
    }

    /// The receipt of `tx_hash`, with its block's timestamp; for a failed one the
    /// revert reason, from the same call re-run on the state before its block.
    pub fn receipt(&mut self, tx_hash: &Hash) -> Result<Option<Receipt>, L1Error> {
        let provider = self.provider.clone();
        let hash = B256::from(tx_hash.0);
        let Some(receipt) =
            self.run(async move { provider.get_transaction_receipt(hash).await })?
        else {
            return Ok(None);
        };
        let block = receipt.block_number.unwrap_or_default();
        let timestamp = self.block_timestamp(block)?.unwrap_or_default();
        let status = if receipt.status() {
            TxStatus::Ok
        } else {
            TxStatus::Revert
        };
        let revert = if status == TxStatus::Revert {
            Some(self.replay_revert(tx_hash, block)?)
        } else {
            None
        };
        let logs = receipt
            .inner
            .logs()
            .iter()
            .map(|log| Log {
                address: log.address().into_array(),
                topics: log.topics().iter().map(|t| Hash(t.0)).collect(),
                data: log.data().data.to_vec(),
                block,
                tx_hash: *tx_hash,
                log_index: log.log_index.unwrap_or_default(),
            })
            .collect();
        Ok(Some(Receipt {
            tx_hash: *tx_hash,
            block,
            timestamp,
            status,
            gas_used: receipt.gas_used,
            gas_price: receipt.effective_gas_price,
            created: receipt.contract_address.map(|a| a.into_array()),
            logs,
            output: Vec::new(),
            revert,
        }))
    }

    fn replay_revert(&mut self, tx_hash: &Hash, block: u64) -> Result<RevertReason, L1Error> {
        let provider = self.provider.clone();
        let hash = B256::from(tx_hash.0);
        let Some(tx) = self.run(async move { provider.get_transaction_by_hash(hash).await })?
        else {
            return Ok(RevertReason::Data(Vec::new()));
        };
        let request: TransactionRequest = tx.into_request();
        let provider = self.provider.clone();
        let at = BlockNumberOrTag::Number(block.saturating_sub(1));
        let result = self.timed(async move { provider.call(request).block(at.into()).await })?;
        Ok(match result {
            Ok(_) => RevertReason::Data(Vec::new()),
            Err(e) => revert_of(&e),
        })
    }

    /// The call data of a mined transaction.
    pub fn transaction_input(&mut self, tx_hash: &Hash) -> Result<Option<Vec<u8>>, L1Error> {
        let provider = self.provider.clone();
        let hash = B256::from(tx_hash.0);
        let tx = self.run(async move { provider.get_transaction_by_hash(hash).await })?;
        Ok(tx.map(|tx| {
            use alloy_consensus::Transaction;
            tx.inner.input().to_vec()
        }))
    }

    /// The sender of a mined transaction.
    pub fn transaction_sender(&mut self, tx_hash: &Hash) -> Result<Option<[u8; 20]>, L1Error> {
        let provider = self.provider.clone();
        let hash = B256::from(tx_hash.0);
        let tx = self.run(async move { provider.get_transaction_by_hash(hash).await })?;
        Ok(tx.map(|tx| tx.inner.signer().into_array()))
    }

    /// An `eth_call` on the newest block.
    pub fn call(
        &mut self,
        from: [u8; 20],
        to: [u8; 20],
        input: &[u8],
    ) -> Result<CallOutcome, L1Error> {
        let request = TransactionRequest::default()
            .with_from(Address::from(from))
            .with_to(Address::from(to))
            .with_input(Bytes::copy_from_slice(input));
        let provider = self.provider.clone();
        let result = self.timed(async move { provider.call(request).await })?;
        match result {
            Ok(output) => Ok(CallOutcome::Success {
                output: output.to_vec(),
                gas_used: 0,
            }),
            Err(e) if e.as_error_resp().is_some() => Ok(CallOutcome::Failed {
                reason: revert_of(&e),
                gas_used: 0,
            }),
            Err(e) => Err(self.rpc_error(e)),
        }
    }

    /// The logs `filter` selects.
    pub fn logs(&mut self, filter: &LogFilter) -> Result<Vec<Log>, L1Error> {
        let mut f = Filter::new().from_block(filter.from_block);
        f = match filter.to_block {
            Some(to) => f.to_block(to),
            None => f.to_block(BlockNumberOrTag::Latest),
        };
        if !filter.addresses.is_empty() {
            f = f.address(
                filter
                    .addresses
                    .iter()
                    .map(|a| Address::from(*a))
                    .collect::<Vec<_>>(),
            );
        }
        if !filter.topic0.is_empty() {
            f = f.event_signature(
                filter
                    .topic0
                    .iter()
                    .map(|t| B256::from(t.0))
                    .collect::<Vec<_>>(),
            );
        }
        let provider = self.provider.clone();
        let logs = self.run(async move { provider.get_logs(&f).await })?;
        Ok(logs
            .into_iter()
            .map(|log| Log {
                address: log.address().into_array(),
                topics: log.topics().iter().map(|t| Hash(t.0)).collect(),
                data: log.data().data.to_vec(),
                block: log.block_number.unwrap_or_default(),
                tx_hash: Hash(log.transaction_hash.unwrap_or_default().0),
                log_index: log.log_index.unwrap_or_default(),
            })
            .collect())
    }

    /// An account's balance (saturated at 2^128 - 1).
    pub fn balance(&mut self, address: [u8; 20]) -> Result<u128, L1Error> {
        let provider = self.provider.clone();
        let balance =
            self.run(async move { provider.get_balance(Address::from(address)).await })?;
        Ok(u128::try_from(balance).unwrap_or(u128::MAX))
    }

    /// An account's nonce.
    pub fn nonce(&mut self, address: [u8; 20]) -> Result<u64, L1Error> {
        let provider = self.provider.clone();
        self.run(async move { provider.get_transaction_count(Address::from(address)).await })
    }

    /// Whether code lives at `address`.
    pub fn has_code(&mut self, address: [u8; 20]) -> Result<bool, L1Error> {
        let provider = self.provider.clone();
        let code = self.run(async move { provider.get_code_at(Address::from(address)).await })?;
        Ok(!code.is_empty())
    }

    /// Mines `count` empty blocks (`anvil_mine`, else `evm_mine` one at a time).
    pub fn mine(&mut self, count: u64) -> Result<(), L1Error> {
        if count == 0 {
            return Ok(());
        }
        let provider = self.provider.clone();
        let mined: Result<serde_json::Value, _> = self.timed(async move {
            provider
                .raw_request("anvil_mine".into(), (U256::from(count),))
                .await
        })?;
        if mined.is_ok() {
            return Ok(());
        }
        for _ in 0..count {
            let provider = self.provider.clone();
            let _: serde_json::Value =
                self.run(async move { provider.raw_request("evm_mine".into(), ()).await })?;
        }
        Ok(())
    }

    /// Puts the next transaction into block `number` at `timestamp`: mines empty
    /// blocks up to it and sets the next block's timestamp (`evm_setNextBlockTimestamp`,
    /// which anvil and hardhat serve).
    pub fn set_block(&mut self, number: u64, timestamp: u64) -> Result<(), L1Error> {
        self.mine_to(number)?;
        let provider = self.provider.clone();
        let _: serde_json::Value = self.run(async move {
            provider
                .raw_request("evm_setNextBlockTimestamp".into(), (U256::from(timestamp),))
                .await
        })?;
        Ok(())
    }

    /// The newest block's number and timestamp.
    pub fn latest_block(&mut self) -> Result<(u64, u64), L1Error> {
        let head = self.block_number()?;
        Ok((head, self.block_timestamp(head)?.unwrap_or_default()))
    }

    /// Mines empty blocks until the next transaction goes into block `number`.
    pub fn mine_to(&mut self, number: u64) -> Result<(), L1Error> {
        let head = self.block_number()?;
        let next = head.saturating_add(1);
        if number < next {
            if number == head {
                // The block a move was meant for is already sealed: the next one is
                // the earliest it can go into.
                return Ok(());
            }
            return Err(L1Error::Block(format!(
                "block {number} is past on the remote L1 (its newest is {head})"
            )));
        }
        self.mine(number - next)
    }
}

/// The revert reason in an RPC error (its `data`), or the error's text.
fn revert_of(e: &alloy_transport::TransportError) -> RevertReason {
    match e.as_error_resp() {
        Some(payload) => match payload.as_revert_data() {
            Some(data) => RevertReason::from_data(&data),
            None => RevertReason::Halt(payload.message.to_string()),
        },
        None => RevertReason::Halt(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::dev::dev_accounts;
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::{TcpListener, TcpStream};

    /// An L1 endpoint that answers `eth_chainId`, streams a response without end to
    /// `eth_blockNumber`, and never answers anything else.
    fn misbehaving_node() -> String {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
        let url = format!(
            "http://{}",
            listener.local_addr().unwrap_or_else(|e| panic!("{e}"))
        );
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                std::thread::spawn(move || serve_one(stream));
            }
        });
        url
    }

    fn serve_one(stream: TcpStream) {
        let mut reader = BufReader::new(stream);
        loop {
            let mut length = 0usize;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    return;
                }
                if let Some(n) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = n.trim().parse().unwrap_or(0);
                }
                if line == "\r\n" {
                    break;
                }
            }
            let mut body = vec![0u8; length];
            if reader.read_exact(&mut body).is_err() {
                return;
            }
            let request: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
            let id = request["id"].clone();
            let out = reader.get_mut();
            match request["method"].as_str() {
                Some("eth_chainId") => {
                    let answer = serde_json::json!({"jsonrpc": "2.0", "id": id, "result": "0x1"})
                        .to_string();
                    let head = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                        answer.len()
                    );
                    let _ = out.write_all(head.as_bytes());
                    let _ = out.write_all(answer.as_bytes());
                }
                Some("eth_blockNumber") => {
                    let _ = out.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{\"pad\":\"");
                    let chunk = [b'a'; 4096];
                    while out.write_all(&chunk).is_ok() {}
                    return;
                }
                _ => {
                    std::thread::sleep(Duration::from_secs(60));
                    return;
                }
            }
        }
    }

    #[test]
    fn a_node_that_never_answers_or_answers_without_end_is_an_error_in_bounded_time() {
        let keys = dev_accounts(1).unwrap_or_else(|e| panic!("{e}"));
        let from = keys[0].address;
        let mut config = RemoteConfig::new(misbehaving_node(), keys);
        config.timeout = Duration::from_millis(500);
        config.max_response_bytes = 1 << 20;
        let mut remote = Remote::connect(config).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(remote.chain_id(), 1);
        let endless = remote.block_number().map(|_| ()).unwrap_err().to_string();
        assert!(endless.contains("larger than 1048576 bytes"), "{endless}");
        // Each of these used to wait as long as the node did (here until the HTTP
        // client's own backstop, over 10 s): sending without a gas limit (the
        // estimate), an eth_call, mining. Each now ends at its timeout.
        let timed = |what: &str, started: Instant, error: String| {
            assert!(error.contains("no answer within"), "{what}: {error}");
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "{what}: {:?}",
                started.elapsed()
            );
        };
        let started = Instant::now();
        let send = remote.send(&TxRequest::call(from, [1; 20], Vec::new(), "test"));
        timed("send", started, send.map(|_| ()).unwrap_err().to_string());
        let started = Instant::now();
        let call = remote.call(from, [1; 20], &[]);
        timed("call", started, call.map(|_| ()).unwrap_err().to_string());
        let started = Instant::now();
        timed("mine", started, remote.mine(1).unwrap_err().to_string());
    }
}
