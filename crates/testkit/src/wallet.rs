//! A wallet and a JSON-RPC client for tests that drive a chain as a user would: the
//! dev accounts of the test mnemonic, legacy EIP-155 transactions signed with alloy
//! (a second implementation, not ours), and JSON-RPC over a plain HTTP/1.1 request.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use alloy_consensus::{SignableTransaction, TxLegacy};
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{Address, Bytes, TxKind, U256};
use alloy_signer::SignerSync;
use alloy_signer_local::{coins_bip39::English, MnemonicBuilder, PrivateKeySigner};
use serde_json::{json, Value as Json};

/// The mnemonic anvil and hardhat derive their dev accounts from.
pub const TEST_MNEMONIC: &str = "test test test test test test test test test test test junk";

/// Dev account `i` of the test mnemonic: its key and address.
pub fn dev_account(i: u32) -> ([u8; 32], [u8; 20]) {
    let signer = MnemonicBuilder::<English>::default()
        .phrase(TEST_MNEMONIC)
        .index(i)
        .unwrap()
        .build()
        .unwrap();
    (signer.to_bytes().0, signer.address().0 .0)
}

/// A legacy transaction to sign.
#[derive(Debug, Clone, Default)]
pub struct Legacy {
    /// The chain id (EIP-155).
    pub chain_id: u64,
    /// The nonce.
    pub nonce: u64,
    /// The gas price.
    pub gas_price: u128,
    /// The gas limit.
    pub gas: u64,
    /// The callee (None: a creation).
    pub to: Option<[u8; 20]>,
    /// Wei sent.
    pub value: u128,
    /// Call data.
    pub data: Vec<u8>,
}

impl Legacy {
    /// Signed with `key`: the raw transaction.
    pub fn sign(&self, key: &[u8; 32]) -> Vec<u8> {
        let tx = TxLegacy {
            chain_id: Some(self.chain_id),
            nonce: self.nonce,
            gas_price: self.gas_price,
            gas_limit: self.gas,
            to: self
                .to
                .map_or(TxKind::Create, |a| TxKind::Call(Address::from(a))),
            value: U256::from(self.value),
            input: Bytes::from(self.data.clone()),
        };
        let signer = PrivateKeySigner::from_bytes(&(*key).into()).unwrap();
        let signature = signer.sign_hash_sync(&tx.signature_hash()).unwrap();
        alloy_consensus::TxEnvelope::Legacy(tx.into_signed(signature)).encoded_2718()
    }
}

/// Calls `method` at `url` (`http://HOST:PORT`): its result, or the error object (or
/// the transport failure) as text.
pub fn rpc(url: &str, method: &str, params: Json) -> Result<Json, String> {
    Connection::open(url)?.call(method, params)
}

/// A quantity's value.
pub fn quantity(j: &Json) -> u128 {
    u128::from_str_radix(j.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
}

/// Bytes as `0x`-hex.
pub fn hex0x(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

/// A JSON-RPC client on one kept-alive HTTP/1.1 connection (as a wallet's library
/// keeps one): for load tests, where a connection per request would be the cost.
pub struct Connection {
    address: String,
    reader: std::io::BufReader<TcpStream>,
}

impl Connection {
    /// Connects to `url` (`http://HOST:PORT`).
    pub fn open(url: &str) -> Result<Connection, String> {
        let address = url
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_owned();
        let stream = TcpStream::connect(&address).map_err(|e| format!("connect: {e}"))?;
        stream.set_nodelay(true).map_err(|e| e.to_string())?;
        stream
            .set_read_timeout(Some(Duration::from_secs(120)))
            .map_err(|e| e.to_string())?;
        Ok(Connection {
            address,
            reader: std::io::BufReader::new(stream),
        })
    }

    /// Calls `method`: its result, or the error object as text.
    pub fn call(&mut self, method: &str, params: Json) -> Result<Json, String> {
        use std::io::BufRead;
        let body =
            json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).to_string();
        let request = format!(
            "POST / HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\n\r\n{body}",
            self.address,
            body.len()
        );
        self.reader
            .get_mut()
            .write_all(request.as_bytes())
            .map_err(|e| format!("send: {e}"))?;
        let mut length = None;
        loop {
            let mut line = String::new();
            self.reader
                .read_line(&mut line)
                .map_err(|e| format!("receive: {e}"))?;
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse::<usize>().ok();
                }
            }
        }
        let mut body = vec![0u8; length.ok_or("a response without Content-Length")?];
        self.reader
            .read_exact(&mut body)
            .map_err(|e| format!("receive: {e}"))?;
        let answer: Json = serde_json::from_slice(&body).map_err(|e| e.to_string())?;
        match answer.get("error") {
            Some(error) => Err(error.to_string()),
            None => Ok(answer["result"].clone()),
        }
    }
}
