//! Shared by the tests: a legacy-transaction signer (RFC 6979, as wallets sign), the
//! well-known first dev account, ABI helpers, fixtures, and ArbOS v58 run on our AVM.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::{Path, PathBuf};

use avm_arbos::{Address, SignedTx};
use avm_value::{keccak256, Int};
use secp256k1::{Message, Secp256k1, SecretKey};

/// The first account of the test mnemonic ("test test … junk").
pub const DEV_KEY: &str = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
/// Its address.
pub const DEV_ADDRESS: &str = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
/// The chain id the examples of arbos-l2.md use.
pub const CHAIN_ID: u64 = 412346;

pub fn dev() -> Address {
    DEV_ADDRESS.parse().unwrap()
}

pub fn addr(s: &str) -> Address {
    s.parse().unwrap()
}

pub fn int(n: u64) -> Int {
    Int::from(n)
}

pub fn ether(n: u64) -> Int {
    Int::from(n) * Int::from(10u64).pow(Int::from(18u8))
}

pub fn hex_bytes(s: &str) -> Vec<u8> {
    hex::decode(s.trim_start_matches("0x")).unwrap()
}

/// A legacy transaction's unsigned fields.
#[derive(Clone, Debug)]
pub struct Unsigned {
    pub nonce: u64,
    pub gas_price: Int,
    pub gas_limit: u64,
    pub to: Option<Address>,
    pub value: Int,
    pub data: Vec<u8>,
}

impl Unsigned {
    pub fn transfer(nonce: u64, to: Address, value: Int) -> Unsigned {
        Unsigned {
            nonce,
            gas_price: Int::ZERO,
            gas_limit: 200_000,
            to: Some(to),
            value,
            data: vec![],
        }
    }
}

/// Signs with RFC 6979 nonces (low s), EIP-155 for `chain_id`, or pre-EIP-155 for `None`.
pub fn sign(key_hex: &str, tx: &Unsigned, chain_id: Option<u64>) -> SignedTx {
    let mut unsigned = SignedTx {
        nonce: int(tx.nonce),
        gas_price: tx.gas_price,
        gas_limit: int(tx.gas_limit),
        to: tx.to,
        value: tx.value,
        data: tx.data.clone(),
        v: chain_id.map_or(int(27), |c| int(35 + 2 * c)),
        r: Int::ZERO,
        s: Int::ZERO,
    };
    // The signing hash depends on v only through the chain id.
    let digest = unsigned.signing_hash().unwrap();
    let key = SecretKey::from_slice(&hex_bytes(key_hex)).unwrap();
    let signature =
        Secp256k1::signing_only().sign_ecdsa_recoverable(&Message::from_digest(digest.0), &key);
    let (recovery_id, compact) = signature.serialize_compact();
    let recovery_id = i32::from(recovery_id) as u64;
    unsigned.r = Int::from_be_slice(&compact[..32]);
    unsigned.s = Int::from_be_slice(&compact[32..]);
    unsigned.v = match chain_id {
        Some(c) => int(35 + 2 * c + recovery_id),
        None => int(27 + recovery_id),
    };
    unsigned
}

/// The first 4 bytes of keccak(signature).
pub fn selector(signature: &str) -> [u8; 4] {
    let hash = keccak256(signature.as_bytes());
    [hash.0[0], hash.0[1], hash.0[2], hash.0[3]]
}

/// A call: selector and 32-byte words.
pub fn calldata(signature: &str, words: &[Int]) -> Vec<u8> {
    let mut out = selector(signature).to_vec();
    for w in words {
        out.extend_from_slice(&w.to_be_bytes::<32>());
    }
    out
}

pub fn shared_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared")
}

/// The creation bytecode of a contract of fixtures/classic/l2-contracts.
pub fn contract_bytecode(name: &str) -> Vec<u8> {
    let path = shared_dir()
        .join("fixtures/classic/l2-contracts")
        .join(format!("{name}.json"));
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    hex_bytes(json["creation_bytecode"].as_str().unwrap())
}

/// ArbOS v58 on our AVM, fed inbox messages and read back through avm-arbos.
pub struct Chain {
    machine: avm_machine::Machine,
    env: avm_machine::RuntimeEnv,
    logs_read: usize,
}

impl Chain {
    /// ArbOS booted from an empty inbox (it logs the genesis summary and blocks).
    pub fn boot() -> Chain {
        let path = shared_dir().join("fixtures/arbos/arbos-v58.mexe");
        let program = avm_code::load_mexe(&path, &avm_code::LoadOptions::default()).unwrap();
        let mut chain = Chain {
            machine: avm_machine::Machine::new(program),
            env: avm_machine::RuntimeEnv::with_inbox(vec![]),
            logs_read: 0,
        };
        chain.run();
        chain
    }

    /// Runs until ArbOS waits for the inbox again.
    pub fn run(&mut self) {
        let report = self
            .machine
            .run_through_breakpoints(&mut self.env, &avm_machine::RunLimits::default());
        assert_eq!(
            report.reason,
            avm_machine::StopReason::Blocked,
            "{report:?}"
        );
    }

    /// Feeds messages and runs; returns the logs they produced, decoded.
    pub fn feed(&mut self, messages: &[avm_arbos::InboxMessage]) -> Vec<avm_arbos::ArbosLog> {
        for message in messages {
            self.env.push_message(message.to_value());
        }
        self.run();
        self.new_logs()
    }

    /// The logs not returned yet, decoded (every one must decode).
    pub fn new_logs(&mut self) -> Vec<avm_arbos::ArbosLog> {
        let logs = self.env.logs()[self.logs_read..]
            .iter()
            .map(|log| avm_arbos::ArbosLog::from_value(&log.value).unwrap())
            .collect();
        self.logs_read = self.env.logs().len();
        logs
    }

    /// Every send so far.
    pub fn sends(&self) -> Vec<Vec<u8>> {
        self.env.sends().iter().map(|s| s.value.clone()).collect()
    }
}

/// Reads the `logs` or `inbox` of a recorded benchmark (fixtures/arbos/benchmarks).
pub fn recorded(name: &str, key: &str) -> Vec<avm_value::Value> {
    let path = shared_dir().join("fixtures/arbos/benchmarks").join(name);
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    json[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            avm_value::parse_value(
                v.to_string().as_bytes(),
                &avm_value::NoCode,
                &avm_value::ValueLimits::UNLIMITED,
            )
            .unwrap()
        })
        .collect()
}
