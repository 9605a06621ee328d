//! `avm node` tried as a new user would, with the real clients (foundry's `cast` and
//! ethers v6, installed from npm by the test set-up) and contracts compiled by solc:
//! the dev accounts funded on L2, ETH sent between them, Fibonacci, Storage and a
//! standard ERC-20 deployed, called, reverted and their logs found, a read at a past
//! block, a typed transaction refused with a message that says why.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use avm_testkit::tools::{
    cast, cast_ok, free_port, node_script, test_contracts, wait_for_rpc, Compiled, Killed,
};
use serde_json::Value as Json;

const ETHER: u128 = 1_000_000_000_000_000_000;

/// A node of our own: its process, what it printed, its URL and data dir.
struct Node {
    process: Killed,
    info: Json,
    url: String,
    _dir: Scratch,
}

struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn start_node(name: &str) -> Node {
    start_node_with(name, &[])
}

fn start_node_with(name: &str, extra: &[&str]) -> Node {
    let dir = std::env::temp_dir().join(format!("avm-cli-node-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let rpc = format!("127.0.0.1:{}", free_port());
    let mut args = vec![
        "node",
        "--dev",
        "--json",
        "--rpc",
        &rpc,
        "--data-dir",
        dir.to_str().unwrap(),
        "--batch-interval",
        "0.5",
    ];
    args.extend_from_slice(extra);
    let (process, info) = common::start_server(&args, Duration::from_secs(300));
    let url = format!("http://{rpc}");
    wait_for_rpc(&url, Duration::from_secs(30));
    Node {
        process,
        info,
        url,
        _dir: Scratch(dir),
    }
}

impl Node {
    fn account(&self, i: usize) -> (String, String) {
        let a = &self.info["accounts"][i];
        (
            a["address"].as_str().unwrap().to_owned(),
            a["privateKey"].as_str().unwrap().to_owned(),
        )
    }

    /// `cast COMMAND --rpc-url URL ARGS`, which must succeed.
    fn cast(&self, args: &[&str]) -> String {
        cast_ok(&self.with_url(args))
    }

    fn with_url<'a>(&'a self, args: &[&'a str]) -> Vec<&'a str> {
        let mut all = vec![args[0], "--rpc-url", &self.url];
        all.extend_from_slice(&args[1..]);
        all
    }

    /// `cast ARGS`, which must fail; its stderr.
    fn cast_fails(&self, args: &[&str]) -> String {
        let out = Command::new(cast())
            .args(self.with_url(args))
            .output()
            .unwrap();
        assert!(
            !out.status.success(),
            "cast {args:?} succeeded: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    /// `cast send --legacy --json` from `key`: the receipt.
    fn send(&self, key: &str, args: &[&str]) -> Json {
        let mut all = vec!["send", "--legacy", "--json", "--private-key", key];
        all.extend_from_slice(args);
        let out = self.cast(&all);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
    }

    fn balance(&self, who: &str, block: Option<u64>) -> u128 {
        let block = block.map(|b| b.to_string());
        let mut args = vec!["balance", who];
        if let Some(block) = &block {
            args.extend(["--block", block]);
        }
        self.cast(&args).parse().unwrap()
    }
}

fn quantity(j: &Json) -> u64 {
    u64::from_str_radix(j.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
}

fn contracts() -> std::collections::BTreeMap<String, Compiled> {
    test_contracts()
}

fn topic(signature: &str) -> String {
    cast_ok(&["keccak", signature])
}

/// An address as a 32-byte topic.
fn address_topic(address: &str) -> String {
    format!("0x{:0>64}", address.trim_start_matches("0x").to_lowercase())
}

#[test]
fn cast_drives_a_dev_chain() {
    let contracts = contracts();
    let node = start_node("cast");
    let (a0, k0) = node.account(0);
    let (a1, _) = node.account(1);
    let (a2, k2) = node.account(2);

    assert_eq!(node.cast(&["chain-id"]), "412346");
    assert_eq!(node.info["chainId"], 412_346);
    // Funded on L2 by deposits through the rollup's Inbox.
    assert_eq!(node.balance(&a1, None), 1_000 * ETHER);

    // ETH between dev accounts.
    let sent = node.send(&k0, &[&a1, "--value", "1ether"]);
    assert_eq!(sent["status"], "0x1");
    let block = quantity(&sent["blockNumber"]);
    assert_eq!(node.balance(&a1, None), 1_001 * ETHER);
    // A read at the block before sees the old balance.
    assert_eq!(node.balance(&a1, Some(block - 1)), 1_000 * ETHER);
    assert_eq!(node.cast(&["nonce", &a0]), "1");
    let tx = node.cast(&["tx", sent["transactionHash"].as_str().unwrap(), "--json"]);
    let tx: Json = serde_json::from_str(&tx).unwrap();
    assert_eq!(
        tx["from"].as_str().unwrap().to_lowercase(),
        a0.to_lowercase()
    );
    assert_eq!(tx["value"], "0xde0b6b3a7640000");

    // Fibonacci: deployed where Ethereum's rule puts it, its event in the receipt.
    let fib = node.send(&k0, &["--create", &contracts["Fibonacci"].bytecode]);
    let fib_address = fib["contractAddress"].as_str().unwrap().to_owned();
    assert_eq!(
        fib_address.to_lowercase(),
        node.cast(&["compute-address", &a0, "--nonce", "1"])
            .rsplit(' ')
            .next()
            .unwrap()
            .to_lowercase()
    );
    let generated = node.send(&k0, &[&fib_address, "generateFib(uint256)", "10"]);
    let logs = generated["logs"].as_array().unwrap();
    assert_eq!(logs.len(), 1);
    assert_eq!(logs[0]["topics"][0], topic("TestEvent(uint256)"));
    assert_eq!(
        node.cast(&["call", &fib_address, "getFib(uint256)(uint256)", "9"]),
        "55"
    );
    // Past the end of the array: a revert (Solidity's Panic(0x32)) with its data.
    let reverted = node.cast_fails(&["call", &fib_address, "getFib(uint256)(uint256)", "10"]);
    assert!(reverted.contains("execution reverted"), "{reverted}");

    // Storage: what its constructor stored, read with eth_getStorageAt.
    let storage = node.send(&k0, &["--create", &contracts["Storage"].bytecode]);
    let storage_address = storage["contractAddress"].as_str().unwrap();
    assert_eq!(
        node.cast(&["storage", storage_address, "1"]),
        format!("0x{:064x}", 12_345)
    );
    let stored = node.send(&k2, &[storage_address, "store(uint256)", "77"]);
    assert_eq!(stored["logs"][0]["topics"][1], address_topic(&a2));
    assert_eq!(
        node.cast(&["call", storage_address, "stored()(uint256)"]),
        "77"
    );
    assert_eq!(
        node.cast(&["storage", storage_address, "0"]),
        format!("0x{:064x}", 77)
    );

    // A standard ERC-20: minted, transferred, logged, a failing transfer's reason.
    let token = node.send(
        &k0,
        &[
            "--create",
            &contracts["Token"].bytecode,
            "constructor(string,string,uint256)",
            "Avm Token",
            "AVM",
            "1000000",
        ],
    );
    let token_address = token["contractAddress"].as_str().unwrap().to_owned();
    assert_eq!(
        node.cast(&["call", &token_address, "symbol()(string)"]),
        "\"AVM\""
    );
    let moved = node.send(
        &k0,
        &[&token_address, "transfer(address,uint256)", &a2, "250"],
    );
    let transfer_topic = topic("Transfer(address,address,uint256)");
    assert_eq!(moved["logs"][0]["topics"][0], transfer_topic);
    assert_eq!(moved["logs"][0]["topics"][2], address_topic(&a2));
    assert_eq!(
        node.cast(&["call", &token_address, "balanceOf(address)(uint256)", &a2]),
        "250"
    );
    let reason = node.cast_fails(&[
        "call",
        "--from",
        &a2,
        &token_address,
        "transfer(address,uint256)",
        &a1,
        "251",
    ]);
    assert!(
        reason.contains("ERC20: transfer amount exceeds balance"),
        "{reason}"
    );
    // The sender of 250 sends 100 on: a second Transfer.
    node.send(
        &k2,
        &[&token_address, "transfer(address,uint256)", &a1, "100"],
    );
    let logs = node.cast(&[
        "logs",
        "--json",
        "--from-block",
        "0",
        "--address",
        &token_address,
        "Transfer(address indexed,address indexed,uint256)",
    ]);
    let logs: Json = serde_json::from_str(&logs).unwrap();
    let logs = logs.as_array().unwrap();
    assert_eq!(logs.len(), 3, "{logs:#?}");
    assert_eq!(logs[0]["topics"][1], address_topic(&format!("{:0>40}", "")));
    assert_eq!(logs[2]["topics"][1], address_topic(&a2));
    let gas: u64 = node
        .cast(&[
            "estimate",
            "--from",
            &a0,
            &token_address,
            "transfer(address,uint256)",
            &a1,
            "1",
        ])
        .parse()
        .unwrap();
    assert!(gas > 10_000, "{gas}");

    // A receipt read back equals the one the send printed.
    let receipt = node.cast(&[
        "receipt",
        "--json",
        moved["transactionHash"].as_str().unwrap(),
    ]);
    let receipt: Json = serde_json::from_str(&receipt).unwrap();
    assert_eq!(receipt["logs"], moved["logs"]);
    assert_eq!(receipt["blockHash"], moved["blockHash"]);

    // Without --legacy, cast would sign an EIP-1559 transaction: refused, saying why.
    let typed = node.cast_fails(&["send", "--private-key", &k0, &a1, "--value", "1"]);
    assert!(typed.contains("legacy"), "{typed}");
    // A transaction larger than geth's pool takes: geth's refusal.
    let huge = format!("0x{}", "00".repeat(200 * 1024));
    let refused = avm_testkit::wallet::rpc(
        &node.url,
        "eth_sendRawTransaction",
        serde_json::json!([huge]),
    )
    .unwrap_err();
    assert!(
        refused.contains("oversized data: transaction size 204800"),
        "{refused}"
    );
    assert!(refused.contains("-32000"), "{refused}");
}

#[test]
fn an_ethers_dapp_runs_against_the_node() {
    let contracts = contracts();
    let node = start_node("ethers");
    let (_, k0) = node.account(0);
    let (a1, _) = node.account(1);
    let token = &contracts["Token"];
    let script = r#"
        const { ethers } = require("ethers");
        let input = "";
        process.stdin.on("data", (d) => (input += d));
        process.stdin.on("end", async () => {
          const { url, key, to, abi, bytecode } = JSON.parse(input);
          const provider = new ethers.JsonRpcProvider(url, undefined, { pollingInterval: 200 });
          const wallet = new ethers.Wallet(key, provider);
          const out = {};
          const factory = new ethers.ContractFactory(abi, bytecode, wallet);
          const token = await factory.deploy("Avm Token", "AVM", 1000000n);
          const deployed = await token.deploymentTransaction().wait();
          out.deployStatus = deployed.status;
          out.deployType = deployed.type;
          out.address = await token.getAddress();
          out.deployBlock = deployed.blockNumber;
          const heard = new Promise((resolve) =>
            // ethers hands a listener by filter the event's payload last.
            token.on(token.filters.Transfer(undefined, to), (...args) => {
              const parsed = token.interface.parseLog(args[args.length - 1].log);
              resolve({ dest: parsed.args[1], value: parsed.args[2].toString() });
            }));
          await new Promise((r) => setTimeout(r, 1000));
          out.estimate = (await token.transfer.estimateGas(to, 40n)).toString();
          const sent = await token.transfer(to, 40n);
          const receipt = await sent.wait();
          out.transferStatus = receipt.status;
          out.transferLogs = receipt.logs.length;
          out.heard = await Promise.race([heard, new Promise((r) => setTimeout(() => r(null), 20000))]);
          await token.removeAllListeners();
          out.balanceNow = (await token.balanceOf(to)).toString();
          out.balanceBefore = (await token.balanceOf(to, { blockTag: receipt.blockNumber - 1 })).toString();
          try {
            await token.connect(new ethers.Wallet(ethers.Wallet.createRandom().privateKey, provider))
              .transfer.staticCall(to, 1n);
            out.revert = "no revert";
          } catch (e) {
            out.revert = e.reason || e.shortMessage || String(e);
          }
          out.chainId = (await provider.getNetwork()).chainId.toString();
          process.stdout.write(JSON.stringify(out));
          process.exit(0);
        });
    "#;
    let input = serde_json::json!({
        "url": node.url,
        "key": k0,
        "to": a1,
        "abi": token.abi,
        "bytecode": token.bytecode,
    });
    let out: Json = serde_json::from_str(&node_script(script, &input.to_string())).unwrap();
    assert_eq!(out["deployStatus"], 1);
    // ethers chose a legacy transaction by itself: the blocks carry no base fee.
    assert_eq!(out["deployType"], 0);
    assert_eq!(out["transferStatus"], 1);
    assert_eq!(out["transferLogs"], 1);
    assert_eq!(out["chainId"], "412346");
    assert_eq!(out["balanceNow"], "40");
    assert_eq!(out["balanceBefore"], "0");
    assert!(out["estimate"].as_str().unwrap().parse::<u64>().unwrap() > 10_000);
    assert_eq!(
        out["revert"], "ERC20: transfer amount exceeds balance",
        "{out}"
    );
    let heard = &out["heard"];
    assert_eq!(heard["value"], "40", "{out}");
    assert_eq!(
        heard["dest"].as_str().unwrap().to_lowercase(),
        a1.to_lowercase()
    );
}

#[test]
fn a_recorded_chain_replays_as_the_node_ran_it() {
    let contracts = contracts();
    let record =
        std::env::temp_dir().join(format!("avm-node-record-{}.aoslog", std::process::id()));
    let mut node = start_node_with("record", &["--record", record.to_str().unwrap()]);
    let (_, k0) = node.account(0);
    let (a1, k1) = node.account(1);
    node.send(&k0, &[&a1, "--value", "2ether"]);
    let token = node.send(
        &k1,
        &[
            "--create",
            &contracts["Token"].bytecode,
            "constructor(string,string,uint256)",
            "Avm Token",
            "AVM",
            "1000",
        ],
    );
    let token = token["contractAddress"].as_str().unwrap().to_owned();
    node.send(&k1, &[&token, "transfer(address,uint256)", &a1, "5"]);
    // A reverting transaction is recorded too.
    let failed = node.send(
        &k0,
        &[
            "--gas-limit",
            "100000",
            &token,
            "transfer(address,uint256)",
            &a1,
            "5",
        ],
    );
    assert_eq!(failed["status"], "0x0");
    // Ctrl-C / SIGTERM: the node stops cleanly and writes the recording.
    let pid = node.process.0.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    assert!(node.process.0.wait().unwrap().success());
    let replayed = common::avm(&[
        "replay",
        "--json",
        "../shared/fixtures/arbos/arbos-v58.mexe",
        record.to_str().unwrap(),
    ]);
    let report: Json = serde_json::from_slice(&replayed.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&replayed.stderr)));
    let _ = std::fs::remove_file(&record);
    assert!(replayed.status.success(), "{report:#}");
    // Every log the node read its receipts from, the same on a fresh replay.
    assert_eq!(report["match"], true, "{report:#}");
    assert!(report["expected_logs"].as_u64().unwrap() > 10, "{report:#}");
    assert_eq!(report["logs"], report["expected_logs"]);
    assert_eq!(report["gas_used"], report["expected_gas"]);
}

#[test]
fn a_missing_input_is_an_error_naming_its_flag() {
    for (args, flag) in [
        (
            &["node", "--dev", "--arbos", "/nonexistent/arbos.mexe"][..],
            "--arbos",
        ),
        (
            &["node", "--dev", "--contracts", "/nonexistent/contracts"][..],
            "--contracts",
        ),
        (&["node"][..], "--data-dir"),
        (
            &["node", "--dev", "--validator", "lazy"][..],
            "--validator lazy",
        ),
        (
            &["node", "--data-dir", "/tmp/x", "--validator", "make-nodes"][..],
            "--validator make-nodes",
        ),
        (
            &[
                "node",
                "--dev",
                "--validator",
                "make-nodes:0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
            ][..],
            "owns the rollup",
        ),
        (&["node", "--dev", "--validator", "faulty:0x12"][..], "KEY"),
        (
            &["node", "--dev", "--l1-block-time", "0"][..],
            "--l1-block-time",
        ),
        (
            &["node", "--follow", "--l1", "http://127.0.0.1:1"][..],
            "--rollup",
        ),
        (
            &[
                "node",
                "--follow",
                "--l1",
                "http://127.0.0.1:1",
                "--rollup",
                "0x12",
            ][..],
            "--rollup",
        ),
        (
            &["node", "--data-dir", "/tmp/x", "--l1", "http://127.0.0.1:1"][..],
            "--l1-key",
        ),
    ] {
        let out = common::avm(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(flag), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}
