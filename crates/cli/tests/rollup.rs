//! A rollup run from `avm node` as a user would, checked on the L1 itself: two honest
//! validators and a faulty one on a dev chain, on the embedded L1 (served with
//! `--l1-rpc`) and on anvil. The faulty node is challenged and rejected, the honest
//! ones confirmed in order, and a withdrawal made on L2 with `cast` is executed on L1
//! through the Outbox with the proof NodeInterface (0x…C8) serves.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::time::{Duration, Instant};

use avm_testkit::tools::{cast_ok, free_port, start_anvil, wait_for_rpc};
use avm_testkit::wallet::rpc;
use serde_json::{json, Value as Json};

const WITHDRAWAL: &str = "2000000000000000000";
const DEST: &str = "0x00000000000000000000000000000000000a11ce";

fn topic(signature: &str) -> String {
    cast_ok(&["keccak", signature])
}

/// The logs of `address` with topic0 `signature`, read through the L1's JSON-RPC.
fn logs(l1: &str, address: &str, signature: &str) -> Vec<Json> {
    let found = rpc(
        l1,
        "eth_getLogs",
        json!([{"fromBlock": "0x0", "toBlock": "latest", "address": address, "topics": [topic(signature)]}]),
    )
    .unwrap();
    found.as_array().cloned().unwrap_or_default()
}

fn topic_number(log: &Json, i: usize) -> u64 {
    u64::from_str_radix(
        log["topics"][i].as_str().unwrap().trim_start_matches("0x"),
        16,
    )
    .unwrap()
}

fn call(l1: &str, to: &str, signature: &str, args: &[&str]) -> String {
    let mut all = vec!["call", "--rpc-url", l1, to, signature];
    all.extend_from_slice(args);
    cast_ok(&all)
}

/// A dev node's arguments: JSON out, RPC at `rpc_at`, data in `dir`, batches every
/// 0.5 s, an L1 block every 0.25 s, a make-nodes validator (more go after).
fn dev_node_args<'a>(rpc_at: &'a str, dir: &'a str) -> Vec<&'a str> {
    vec![
        "node",
        "--dev",
        "--json",
        "--rpc",
        rpc_at,
        "--data-dir",
        dir,
        "--batch-interval",
        "0.5",
        "--l1-block-time",
        "0.25",
        "--validator",
        "make-nodes",
    ]
}

/// Runs the whole cycle on a node started with `l1_args`, whose L1 answers at `l1`.
fn cycle(name: &str, l1_args: &[&str], l1: &str) {
    let dir = std::env::temp_dir().join(format!("avm-cli-rollup-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let rpc_at = format!("127.0.0.1:{}", free_port());
    let dir_arg = dir.to_str().unwrap().to_owned();
    let mut args = dev_node_args(&rpc_at, &dir_arg);
    args.extend(["--validator", "stake-latest", "--validator", "faulty"]);
    args.extend_from_slice(l1_args);
    let (_node, info) = common::start_server(&args, Duration::from_secs(300));
    let l2 = format!("http://{rpc_at}");
    wait_for_rpc(&l2, Duration::from_secs(30));
    let rollup = info["rollup"]["rollup"].as_str().unwrap().to_owned();
    let outbox = info["rollup"]["outbox"].as_str().unwrap().to_owned();
    let validators: Vec<String> = info["validators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["address"].as_str().unwrap().to_owned())
        .collect();
    let faulty = validators[2].clone();
    let user = info["accounts"][5]["privateKey"]
        .as_str()
        .unwrap()
        .to_owned();

    // A withdrawal on L2, with cast.
    let sent = cast_ok(&[
        "send",
        "--legacy",
        "--json",
        "--rpc-url",
        &l2,
        "--private-key",
        &user,
        "0x0000000000000000000000000000000000000064",
        "withdrawEth(address)",
        DEST,
        "--value",
        WITHDRAWAL,
    ]);
    let receipt: Json = serde_json::from_str(&sent).unwrap();
    assert_eq!(receipt["status"], "0x1");

    // Wait, on the L1, for the faulty node's rejection and the withdrawal's entry.
    let deadline = Instant::now() + Duration::from_secs(240);
    let (rejected, entries) = loop {
        assert!(
            Instant::now() < deadline,
            "no rejection and outbox entry on the L1 in time"
        );
        let rejected = logs(l1, &rollup, "NodeRejected(uint256)");
        let entries = logs(
            l1,
            &outbox,
            "OutboxEntryCreated(uint256,uint256,bytes32,uint256)",
        );
        if !rejected.is_empty() && !entries.is_empty() {
            let wrong = topic_number(&rejected[0], 1);
            let confirmed = logs(
                l1,
                &rollup,
                "NodeConfirmed(uint256,bytes32,uint256,bytes32,uint256)",
            );
            if confirmed.iter().any(|c| topic_number(c, 1) > wrong) {
                break (wrong, entries);
            }
        }
        std::thread::sleep(Duration::from_millis(500));
    };

    // The challenge: started once, against the faulty validator, won by the honest one.
    let started = logs(
        l1,
        &rollup,
        "RollupChallengeStarted(address,address,address,uint256)",
    );
    assert_eq!(started.len(), 1);
    let data = started[0]["data"]
        .as_str()
        .unwrap()
        .trim_start_matches("0x");
    let asserter = format!("0x{}", &data[24..64]);
    let challenger = format!("0x{}", &data[88..128]);
    let honest = if asserter == faulty {
        challenger.clone()
    } else {
        asserter.clone()
    };
    assert!(
        asserter == faulty || challenger == faulty,
        "{asserter} {challenger} {faulty}"
    );
    assert_eq!(
        call(l1, &rollup, "isStaked(address)(bool)", &[&faulty]),
        "false"
    );
    assert_eq!(
        call(l1, &rollup, "amountStaked(address)(uint256)", &[&honest]),
        "1500000000000000000 [1.5e18]"
    );
    // The faulty validator's node is the rejected one: its NodeCreated names it.
    let created = logs(
        l1,
        &rollup,
        "NodeCreated(uint256,bytes32,bytes32,bytes32,uint256,uint256,bytes32,bytes32[3][2],uint256[4][2])",
    );
    let by_faulty = created
        .iter()
        .find(|c| topic_number(c, 1) == rejected)
        .expect("the rejected node's NodeCreated");
    let tx = rpc(
        l1,
        "eth_getTransactionByHash",
        json!([by_faulty["transactionHash"]]),
    )
    .unwrap();
    assert_eq!(tx["from"].as_str().unwrap().to_lowercase(), faulty);
    // Confirmations in order, the rejected node never among them.
    let confirmed: Vec<u64> = logs(
        l1,
        &rollup,
        "NodeConfirmed(uint256,bytes32,uint256,bytes32,uint256)",
    )
    .iter()
    .map(|c| topic_number(c, 1))
    .collect();
    assert!(confirmed.windows(2).all(|w| w[0] < w[1]), "{confirmed:?}");
    assert!(!confirmed.contains(&rejected));

    // The withdrawal: NodeInterface's proof on L2, executed on L1 by anyone.
    let batch = topic_number(&entries[0], 1).to_string();
    let answer = cast_ok(&[
        "call", "--rpc-url", &l2, "0x00000000000000000000000000000000000000C8",
        "lookupMessageBatchProof(uint256,uint64)(bytes32[],uint256,address,address,uint256,uint256,uint256,uint256,bytes)",
        &batch, "0",
    ]);
    let fields: Vec<&str> = answer
        .lines()
        .map(|l| l.split(' ').next().unwrap())
        .collect();
    assert_eq!(fields[3].to_lowercase(), DEST);
    let anyone = info["accounts"][6]["privateKey"]
        .as_str()
        .unwrap()
        .to_owned();
    let before = cast_ok(&["balance", "--rpc-url", l1, DEST]);
    assert_eq!(before, "0");
    cast_ok(&[
        "send", "--rpc-url", l1, "--private-key", &anyone, &outbox,
        "executeTransaction(uint256,bytes32[],uint256,address,address,uint256,uint256,uint256,uint256,bytes)",
        &batch, fields[0], fields[1], fields[2], fields[3], fields[4], fields[5], fields[6], fields[7], fields[8],
    ]);
    assert_eq!(cast_ok(&["balance", "--rpc-url", l1, DEST]), WITHDRAWAL);

    // A follower on the same L1 rebuilds the chain from it alone: the same blocks and
    // receipts, and it refuses transactions.
    let follower_at = format!("127.0.0.1:{}", free_port());
    let (_follower, _) = common::start_server(
        &[
            "node",
            "--follow",
            "--json",
            "--l1",
            l1,
            "--rollup",
            &rollup,
            "--rpc",
            &follower_at,
        ],
        Duration::from_secs(120),
    );
    let follower = format!("http://{follower_at}");
    wait_for_rpc(&follower, Duration::from_secs(30));
    let tx_hash = receipt["transactionHash"].clone();
    let tx_block = u64::from_str_radix(
        receipt["blockNumber"]
            .as_str()
            .unwrap()
            .trim_start_matches("0x"),
        16,
    )
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let head = loop {
        let head = rpc(&follower, "eth_blockNumber", json!([])).unwrap();
        let head =
            u64::from_str_radix(head.as_str().unwrap().trim_start_matches("0x"), 16).unwrap();
        if head >= tx_block {
            break head;
        }
        assert!(
            Instant::now() < deadline,
            "the follower did not reach block {tx_block}"
        );
        std::thread::sleep(Duration::from_millis(300));
    };
    assert_eq!(
        rpc(&follower, "eth_getTransactionReceipt", json!([tx_hash])).unwrap(),
        rpc(&l2, "eth_getTransactionReceipt", json!([tx_hash])).unwrap()
    );
    for n in 0..=head {
        let tag = format!("0x{n:x}");
        let theirs = rpc(&l2, "eth_getBlockByNumber", json!([tag, true])).unwrap();
        let ours = rpc(&follower, "eth_getBlockByNumber", json!([tag, true])).unwrap();
        assert_eq!(ours, theirs, "block {n}");
    }
    let raw = avm_testkit::wallet::Legacy {
        chain_id: 412_346,
        nonce: 1,
        gas_price: 0,
        gas: 100_000,
        to: Some([0xbe; 20]),
        value: 1,
        data: Vec::new(),
    }
    .sign(&avm_testkit::wallet::dev_account(5).0);
    let refused = rpc(
        &follower,
        "eth_sendRawTransaction",
        json!([avm_testkit::wallet::hex0x(&raw)]),
    );
    let why = refused.unwrap_err();
    assert!(why.contains("follows the rollup"), "{why}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_rollup_cycle_on_the_embedded_l1() {
    let l1_at = format!("127.0.0.1:{}", free_port());
    let l1 = format!("http://{l1_at}");
    cycle("embedded", &["--l1-rpc", &l1_at], &l1);
}

#[test]
fn a_rollup_cycle_on_anvil() {
    let (_anvil, url) = start_anvil();
    let owner = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
    cycle("anvil", &["--l1", &url, "--l1-key", owner], &url);
}

#[test]
fn a_node_killed_in_the_middle_of_a_challenge_still_wins_it_after_a_restart() {
    let dir = std::env::temp_dir().join(format!("avm-cli-rollup-kill-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let rpc_at = format!("127.0.0.1:{}", free_port());
    let l1_at = format!("127.0.0.1:{}", free_port());
    let l1 = format!("http://{l1_at}");
    let dir_arg = dir.to_str().unwrap().to_owned();
    let mut args = dev_node_args(&rpc_at, &dir_arg);
    args.extend(["--l1-rpc", &l1_at, "--validator", "faulty"]);
    let (node, info) = common::start_server(&args, Duration::from_secs(300));
    let rollup = info["rollup"]["rollup"].as_str().unwrap().to_owned();
    let faulty = info["validators"][1]["address"]
        .as_str()
        .unwrap()
        .to_owned();
    let honest = info["validators"][0]["address"]
        .as_str()
        .unwrap()
        .to_owned();
    // Wait for the challenge to start, and for at least one move in it.
    let deadline = Instant::now() + Duration::from_secs(120);
    let challenge = loop {
        assert!(Instant::now() < deadline, "no challenge started");
        let started = logs(
            &l1,
            &rollup,
            "RollupChallengeStarted(address,address,address,uint256)",
        );
        if let Some(s) = started.first() {
            let address = format!("0x{}", &s["topics"][1].as_str().unwrap()[26..]);
            if !logs(&l1, &address, "Bisected(bytes32,uint256,uint256,bytes32[])").is_empty() {
                break address;
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    drop(node); // kill -9
    let code = rpc(&l1, "eth_getCode", json!([challenge, "latest"]));
    assert!(code.is_err(), "the L1 died with the node");
    let (_node, _) = common::start_server(&args, Duration::from_secs(300));
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        assert!(Instant::now() < deadline, "no rejection after the restart");
        if !logs(&l1, &rollup, "NodeRejected(uint256)").is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(300));
    }
    assert_eq!(
        rpc(&l1, "eth_getCode", json!([challenge, "latest"])).unwrap(),
        "0x"
    );
    assert_eq!(
        call(&l1, &rollup, "isStaked(address)(bool)", &[&faulty]),
        "false"
    );
    assert_eq!(
        call(&l1, &rollup, "amountStaked(address)(uint256)", &[&honest]),
        "1500000000000000000 [1.5e18]"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
