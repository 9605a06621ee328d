//! The same transactions on two chains: our node (ArbOS on avm, reached over its
//! JSON-RPC like any client) and plain revm (the embedded L1's EVM with gas priced at
//! 0). Each transaction's effects (status, return data, created address, logs) are
//! compared, except what ArbOS does differently by design (docs/node-differences.md).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use avm_l1::{dev_accounts, Chain, EmbeddedConfig, TxRequest, TxStatus};
use avm_node::launch::Started;
use avm_node::rpc::L2Rpc;
use avm_testkit::wallet::{hex0x, quantity, rpc, Legacy};
use serde_json::{json, Value as Json};

use super::{scratch, start, CHAIN_ID};

/// A sender: its key and address.
#[derive(Debug, Clone, Copy)]
pub struct Account {
    /// The secp256k1 key.
    pub key: [u8; 32],
    /// The address.
    pub address: [u8; 20],
}

/// A log: emitter, topics, data.
pub type LogEntry = ([u8; 20], Vec<[u8; 32]>, Vec<u8>);

/// What one transaction did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Effect {
    pub succeeded: bool,
    pub output: Vec<u8>,
    pub created: Option<[u8; 20]>,
    pub logs: Vec<LogEntry>,
}

/// Our node (over JSON-RPC) and revm, side by side.
pub struct Both {
    pub started: Started,
    server: Option<avm_rpc::Server>,
    pub url: String,
    pub evm: Chain,
    nonces: HashMap<[u8; 20], u64>,
    dir: PathBuf,
    /// Transactions compared so far, and how many of them failed (on both).
    pub compared: usize,
    pub failed: usize,
}

impl Drop for Both {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            server.stop();
        }
        let _ = self.started.node.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn bytes(j: &Json) -> Vec<u8> {
    hex::decode(j.as_str().unwrap_or("0x").trim_start_matches("0x")).unwrap()
}

fn address20(j: &Json) -> [u8; 20] {
    bytes(j).try_into().unwrap()
}

fn word32(j: &Json) -> [u8; 32] {
    bytes(j).try_into().unwrap()
}

/// A dev account of the test mnemonic (funded: 1,000 ETH on L2, 10,000 on revm).
pub fn dev(i: u32) -> Account {
    let (key, address) = avm_testkit::wallet::dev_account(i);
    Account { key, address }
}

/// A fresh account, unfunded on both chains (its key derived from `label`).
pub fn fresh(label: &str) -> Account {
    let key = avm_value::keccak256(label.as_bytes()).0;
    let account = avm_l1::DevAccount::from_key(key).unwrap();
    Account {
        key,
        address: account.address,
    }
}

/// The 32-byte word of an address.
pub fn word_of(address: [u8; 20]) -> Vec<u8> {
    let mut word = vec![0u8; 12];
    word.extend_from_slice(&address);
    word
}

impl Both {
    /// A new node and a new revm chain.
    pub fn new(name: &str) -> Both {
        let dir = scratch(name);
        let started = start(&dir);
        let server = avm_rpc::Server::start(
            "127.0.0.1:0",
            Arc::new(L2Rpc::new(started.node.clone(), CHAIN_ID)),
            avm_rpc::Limits::default(),
        )
        .unwrap();
        let url = format!("http://{}", server.local_addr());
        let evm = Chain::embedded(EmbeddedConfig::dev(1337, dev_accounts(4).unwrap())).unwrap();
        Both {
            started,
            server: Some(server),
            url,
            evm,
            nonces: HashMap::new(),
            dir,
            compared: 0,
            failed: 0,
        }
    }

    /// Calls `method` on the node; its result (an error fails the test).
    pub fn rpc(&self, method: &str, params: Json) -> Json {
        rpc(&self.url, method, params).unwrap_or_else(|e| panic!("{method}: {e}"))
    }

    /// Sends on the node only (a signed legacy transaction over JSON-RPC); its receipt.
    pub fn send_node(
        &mut self,
        from: Account,
        to: Option<[u8; 20]>,
        value: u128,
        data: &[u8],
        gas: u64,
    ) -> Json {
        let nonce = *self.nonces.entry(from.address).or_insert(0);
        let raw = Legacy {
            chain_id: CHAIN_ID,
            nonce,
            gas_price: 0,
            gas,
            to,
            value,
            data: data.to_vec(),
        }
        .sign(&from.key);
        let hash = self.rpc("eth_sendRawTransaction", json!([hex0x(&raw)]));
        let receipt = self.rpc("eth_getTransactionReceipt", json!([hash]));
        assert!(!receipt.is_null(), "no receipt served for {hash}");
        self.nonces.insert(from.address, nonce + 1);
        receipt
    }

    /// Sends on revm only; its effect.
    pub fn send_evm(
        &mut self,
        from: Account,
        to: Option<[u8; 20]>,
        value: u128,
        data: &[u8],
        gas: u64,
    ) -> Effect {
        let receipt = self
            .evm
            .send(TxRequest {
                from: from.address,
                to,
                input: data.to_vec(),
                value,
                gas_price: Some(0),
                gas_limit: Some(gas),
                label: String::new(),
            })
            .unwrap();
        Effect {
            succeeded: receipt.status == TxStatus::Ok,
            output: receipt.output.clone(),
            created: receipt.created,
            logs: receipt
                .logs
                .iter()
                .map(|l| {
                    (
                        l.address,
                        l.topics.iter().map(|t| t.0).collect(),
                        l.data.clone(),
                    )
                })
                .collect(),
        }
    }

    /// Sends on both and asserts they did the same (ArbOS's creation return data, the
    /// new address, aside); the node's receipt.
    pub fn send(
        &mut self,
        label: &str,
        from: Account,
        to: Option<[u8; 20]>,
        value: u128,
        data: &[u8],
        gas: u64,
    ) -> Json {
        let receipt = self.send_node(from, to, value, data, gas);
        let mut ours = effect(&receipt);
        let theirs = self.send_evm(from, to, value, data, gas);
        if let Some(created) = ours.created {
            // By design: ArbOS returns a creation's new address as its return data.
            assert_eq!(ours.output, word_of(created), "{label}");
            ours.output = theirs.output.clone();
        }
        assert_eq!(
            ours, theirs,
            "{label}: ArbOS (left) and revm (right) differ"
        );
        self.compared += 1;
        self.failed += usize::from(!ours.succeeded);
        receipt
    }

    /// Sends on the node a transaction revm cannot run (it calls one of ArbOS's
    /// precompiles), and on revm a transfer of nothing to keep the nonces in step.
    pub fn send_arbos_only(&mut self, from: Account, to: [u8; 20], data: &[u8], gas: u64) -> Json {
        let receipt = self.send_node(from, Some(to), 0, data, gas);
        self.send_evm(from, Some(from.address), 0, &[], gas);
        receipt
    }

    /// `eth_call` on the node from `from` (None: no `from`).
    pub fn call_node(
        &self,
        from: Option<[u8; 20]>,
        to: [u8; 20],
        data: &[u8],
    ) -> Result<Vec<u8>, String> {
        let mut call = json!({"to": hex0x(&to), "data": hex0x(data)});
        if let Some(from) = from {
            call["from"] = json!(hex0x(&from));
        }
        rpc(&self.url, "eth_call", json!([call, "latest"])).map(|r| bytes(&r))
    }

    /// A view on both chains, which must agree; its return data.
    pub fn view(&mut self, to: [u8; 20], data: &[u8]) -> Vec<u8> {
        let ours = self.call_node(None, to, data).unwrap();
        let theirs = match self.evm.call([0; 20], to, data).unwrap() {
            avm_l1::CallOutcome::Success { output, .. } => output,
            other => panic!("revm: {other:?}"),
        };
        assert_eq!(ours, theirs, "a view of 0x{}", hex::encode(to));
        ours
    }

    /// The balance of `who` on the node (over JSON-RPC) and on revm.
    pub fn balances(&mut self, who: [u8; 20]) -> (u128, u128) {
        let ours = quantity(&self.rpc("eth_getBalance", json!([hex0x(&who), "latest"])));
        (ours, self.evm.balance(who).unwrap())
    }

    /// Code and storage slots `slots` of `who`, which must be the same on both.
    pub fn same_account(&mut self, who: [u8; 20], slots: &[u8]) {
        let ours = bytes(&self.rpc("eth_getCode", json!([hex0x(&who), "latest"])));
        let theirs = self.evm.as_embedded().unwrap().code(who);
        assert_eq!(ours, theirs, "code of 0x{}", hex::encode(who));
        for slot in slots {
            let mut key = [0u8; 32];
            key[31] = *slot;
            let ours = word32(&self.rpc(
                "eth_getStorageAt",
                json!([hex0x(&who), hex0x(&key), "latest"]),
            ));
            let theirs = self.evm.as_embedded().unwrap().storage(who, key);
            assert_eq!(ours, theirs, "slot {slot} of 0x{}", hex::encode(who));
        }
    }
}

/// What the node's receipt says the transaction did.
pub fn effect(receipt: &Json) -> Effect {
    Effect {
        succeeded: receipt["status"] == "0x1",
        output: bytes(&receipt["returnData"]),
        created: (!receipt["contractAddress"].is_null())
            .then(|| address20(&receipt["contractAddress"])),
        logs: receipt["logs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| {
                (
                    address20(&l["address"]),
                    l["topics"].as_array().unwrap().iter().map(word32).collect(),
                    bytes(&l["data"]),
                )
            })
            .collect(),
    }
}

/// A fixture contract's creation code (`fixtures/classic/l2-contracts`, compiled by
/// upstream).
pub fn upstream(name: &str) -> Vec<u8> {
    super::l2_contract(name)
}
