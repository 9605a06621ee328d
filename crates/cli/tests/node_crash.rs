//! `avm node` killed with SIGKILL in the middle of a stream of transactions and
//! restarted on its data dir, again and again, four senders streaming at once (so the
//! node writes several blocks per commit): every receipt it served is served
//! again unchanged, the chain goes on from where it was (each block's parent is the
//! block before), no sender's nonce is skipped or used twice, and what was sequenced
//! reaches the L1's SequencerInbox.
//!
//! CI runs a short form (2 kills over 200 transactions); `scripts/node-soak.sh` runs
//! the long one (AVM_SOAK_KILLS=5 AVM_SOAK_TXS=1000) and prints its figures.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use avm_testkit::tools::{cast_ok, free_port, Killed};
use avm_testkit::wallet::{dev_account, hex0x, quantity, rpc, Legacy};
use serde_json::{json, Value as Json};

const CHAIN_ID: u64 = 412_346;
const SENDERS: u32 = 4;

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Node {
    process: Killed,
    info: Json,
}

fn start(dir: &std::path::Path, rpc_address: &str, l1_address: &str) -> Node {
    let (process, info) = common::start_server(
        &[
            "node",
            "--dev",
            "--json",
            "--data-dir",
            dir.to_str().unwrap(),
            "--rpc",
            rpc_address,
            "--l1-rpc",
            l1_address,
            "--batch-interval",
            "0.3",
        ],
        Duration::from_secs(300),
    );
    Node { process, info }
}

/// A transaction whose receipt the node served.
#[derive(Debug, Clone)]
struct Acked {
    hash: String,
    receipt: Json,
}

/// Sends transfers from dev account `sender` until `total` are acknowledged (by all
/// senders together), riding out the node's deaths: after a failure it waits for the
/// node and takes its nonce from the chain again. How many sends failed.
fn stream(
    url: &str,
    sender: u32,
    total: usize,
    acked: &Mutex<Vec<Acked>>,
    count: &AtomicUsize,
) -> usize {
    let (key, address) = dev_account(sender);
    let to = dev_account((sender + 1) % SENDERS).1;
    let mut nonce: Option<u64> = None;
    let mut failures = 0;
    let mut k = 0u128;
    while count.load(Ordering::SeqCst) < total {
        k += 1;
        let next = match nonce {
            Some(n) => n,
            None => match rpc(
                url,
                "eth_getTransactionCount",
                json!([hex0x(&address), "latest"]),
            ) {
                Ok(n) => quantity(&n) as u64,
                Err(_) => {
                    std::thread::sleep(Duration::from_millis(50));
                    continue;
                }
            },
        };
        let raw = Legacy {
            chain_id: CHAIN_ID,
            nonce: next,
            gas: 100_000,
            to: Some(to),
            value: k,
            ..Legacy::default()
        }
        .sign(&key);
        let served = rpc(url, "eth_sendRawTransaction", json!([hex0x(&raw)])).and_then(|hash| {
            rpc(url, "eth_getTransactionReceipt", json!([hash.clone()])).map(|r| (hash, r))
        });
        match served {
            Ok((hash, receipt)) if !receipt.is_null() => {
                assert_eq!(receipt["status"], "0x1", "{receipt}");
                acked.lock().unwrap().push(Acked {
                    hash: hash.as_str().unwrap().to_owned(),
                    receipt,
                });
                count.fetch_add(1, Ordering::SeqCst);
                nonce = Some(next + 1);
            }
            _ => {
                // The node died (or refused a nonce it no longer agrees with): ask the
                // chain again.
                failures += 1;
                nonce = None;
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }
    failures
}

fn message_count(l1: &str, sequencer_inbox: &str) -> u64 {
    cast_ok(&[
        "call",
        "--rpc-url",
        l1,
        sequencer_inbox,
        "messageCount()(uint256)",
    ])
    .split_whitespace()
    .next()
    .unwrap()
    .parse()
    .unwrap()
}

/// The L1 holds every message of the machine's inbox once a node has started.
fn check_posted(node: &Node) {
    let info = &node.info;
    assert_eq!(info["unposted"], 0, "{info}");
    let l1 = info["l1Rpc"].as_str().unwrap();
    let sequencer_inbox = info["rollup"]["sequencerInbox"].as_str().unwrap();
    assert_eq!(
        message_count(l1, sequencer_inbox),
        info["inboxMessages"].as_u64().unwrap(),
        "{info}"
    );
}

#[test]
fn a_node_killed_mid_stream_loses_no_served_receipt() {
    let kills = env_number("AVM_SOAK_KILLS", 2);
    let total = env_number("AVM_SOAK_TXS", 200);
    let dir = std::env::temp_dir().join(format!("avm-node-crash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let rpc_address = format!("127.0.0.1:{}", free_port());
    let l1_address = format!("127.0.0.1:{}", free_port());
    let url = format!("http://{rpc_address}");
    let started = Instant::now();
    let mut node = start(&dir, &rpc_address, &l1_address);
    assert!(!node.info["resumed"].as_bool().unwrap());

    let acked = Arc::new(Mutex::new(Vec::new()));
    let count = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicBool::new(false));
    // The senders at once, so that the node groups their blocks into one commit.
    let senders: Vec<_> = (0..SENDERS)
        .map(|sender| {
            let (url, acked, count, done) =
                (url.clone(), acked.clone(), count.clone(), done.clone());
            std::thread::spawn(move || {
                let failures = stream(&url, sender, total, &acked, &count);
                done.store(true, Ordering::SeqCst);
                failures
            })
        })
        .collect();
    let mut restarts = Vec::new();
    for kill in 1..=kills {
        let at = kill * total / (kills + 1);
        while count.load(Ordering::SeqCst) < at && !done.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(5));
        }
        // SIGKILL, mid-stream: no chance to post or flush.
        node.process.0.kill().unwrap();
        node.process.0.wait().unwrap();
        let restarted = Instant::now();
        node = start(&dir, &rpc_address, &l1_address);
        restarts.push(restarted.elapsed());
        assert!(node.info["resumed"].as_bool().unwrap());
        check_posted(&node);
    }
    let failures: usize = senders.into_iter().map(|s| s.join().unwrap()).sum();
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= total);

    // Every served receipt, served again unchanged.
    for a in &acked {
        let again = rpc(&url, "eth_getTransactionReceipt", json!([a.hash])).unwrap();
        assert_eq!(again, a.receipt, "receipt of {}", a.hash);
    }
    // One chain: each block's parent is the block before; each sender's nonces are
    // 0, 1, 2, ... once each, and its next nonce follows the last.
    let head = quantity(&rpc(&url, "eth_blockNumber", json!([])).unwrap()) as u64;
    let mut parent = None;
    let mut nonces: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    let mut in_blocks = std::collections::HashSet::new();
    for number in 0..=head {
        let block = rpc(
            &url,
            "eth_getBlockByNumber",
            json!([format!("{number:#x}"), true]),
        )
        .unwrap();
        if let Some(parent) = parent {
            assert_eq!(block["parentHash"], parent, "block {number}");
        }
        parent = Some(block["hash"].clone());
        for tx in block["transactions"].as_array().unwrap() {
            in_blocks.insert(tx["hash"].as_str().unwrap().to_owned());
            if tx["v"] == "0x0" {
                continue; // a deposit from L1: no signature, no nonce
            }
            nonces
                .entry(tx["from"].as_str().unwrap().to_owned())
                .or_default()
                .push(quantity(&tx["nonce"]) as u64);
        }
    }
    for a in &acked {
        assert!(in_blocks.contains(&a.hash), "{} is in no block", a.hash);
    }
    for i in 0..SENDERS {
        let address = hex0x(&dev_account(i).1);
        let used = nonces.get(&address).cloned().unwrap_or_default();
        let expected: Vec<u64> = (0..used.len() as u64).collect();
        assert_eq!(used, expected, "nonces of {address}");
        let next = rpc(&url, "eth_getTransactionCount", json!([address, "latest"])).unwrap();
        assert_eq!(
            quantity(&next) as usize,
            used.len(),
            "next nonce of {address}"
        );
    }
    // A clean stop posts the rest; the next start finds the L1 holding it all.
    let pid = node.process.0.id().to_string();
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(status.success());
    assert!(node.process.0.wait().unwrap().success());
    let node = start(&dir, &rpc_address, &l1_address);
    check_posted(&node);
    drop(node);
    let _ = std::fs::remove_dir_all(&dir);
    eprintln!(
        "soak: {kills} kills over {} acknowledged transactions in {:.1}s ({failures} sends \
         failed across the deaths); restarts took {:?}; {} blocks",
        acked.len(),
        started.elapsed().as_secs_f64(),
        restarts,
        head + 1
    );
}
