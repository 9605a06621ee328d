//! `avm node` end to end: signed transactions in over JSON-RPC (64 clients at
//! once, each sending and then reading its receipt, as wallets do; the transactions are
//! signed before the clock starts, as a wallet signs before it sends), receipts out, on
//! the dev chain with its embedded L1. Reports ETH transfers/s and ERC-20 transfers/s,
//! and `eth_call` latency at the newest block and at an old one.
//!
//! Then, outside criterion, the node against the AVM alone: a stream of transfers is
//! timed through the node, and the messages the node fed its machine for them are
//! replayed on a copy of the machine as it was before (the AVM's work and nothing
//! else); the node should keep at least 80% of the replay's throughput. It also prints
//! the store's bytes per block, and writes the chain's whole recording to
//! `target/node-bench.aoslog` for `avm replay` and the C++ AVM's `avm_replay`.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use avm_l1::abi::{self, Token};
use avm_machine::{RunLimits, RuntimeEnv, StopReason};
use avm_node::launch::{launch, NodeConfig, Started};
use avm_node::rpc::L2Rpc;
use avm_testkit::wallet::{dev_account, hex0x, quantity, rpc, Connection, Legacy};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use serde_json::json;

const CHAIN_ID: u64 = 412_346;
const CLIENTS: u32 = 64;
const PER_ITERATION: u64 = 128;

struct Bench {
    started: Started,
    _server: avm_rpc::Server,
    url: String,
    dir: std::path::PathBuf,
    nonces: Vec<Arc<AtomicU64>>,
    token: [u8; 20],
}

fn setup() -> Bench {
    let shared = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared");
    let dir = std::env::temp_dir().join(format!("avm-node-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let started = launch(&NodeConfig {
        batch_interval: Duration::from_secs(2),
        record: true,
        ..NodeConfig::dev(
            dir.clone(),
            shared.join("fixtures/arbos/arbos-v58.mexe"),
            shared.join("fixtures/classic/contracts"),
            CHAIN_ID,
        )
    })
    .unwrap();
    let server = avm_rpc::Server::start(
        "127.0.0.1:0",
        Arc::new(L2Rpc::new(started.node.clone(), CHAIN_ID)),
        avm_rpc::Limits::default(),
    )
    .unwrap();
    let url = format!("http://{}", server.local_addr());
    let nonces: Vec<Arc<AtomicU64>> = (0..=CLIENTS).map(|_| Arc::new(AtomicU64::new(0))).collect();
    // Clients 10.. are not dev accounts: fund them.
    for i in 10..=CLIENTS {
        let raw = Legacy {
            chain_id: CHAIN_ID,
            nonce: nonces[0].fetch_add(1, Ordering::SeqCst),
            gas: 100_000,
            to: Some(dev_account(i).1),
            value: 10u128.pow(19),
            ..Legacy::default()
        }
        .sign(&dev_account(0).0);
        assert_eq!(submit(&url, &raw)["status"], "0x1");
    }
    // The token, deployed by dev account CLIENTS (the clients are 0..CLIENTS).
    let contracts = avm_testkit::tools::test_contracts();
    let mut code = hex::decode(contracts["Token"].bytecode.trim_start_matches("0x")).unwrap();
    code.extend(abi::encode(&[
        Token::Bytes(b"Bench".to_vec()),
        Token::Bytes(b"B".to_vec()),
        Token::Word(abi::uint128(u128::MAX)),
    ]));
    let deployer = dev_account(CLIENTS);
    let receipt = send(&url, deployer.0, &nonces[CLIENTS as usize], None, code);
    let token: [u8; 20] = hex::decode(
        receipt["contractAddress"]
            .as_str()
            .unwrap()
            .trim_start_matches("0x"),
    )
    .unwrap()
    .try_into()
    .unwrap();
    for i in 0..CLIENTS {
        let data = abi::encode_call(
            "transfer(address,uint256)",
            &[
                Token::Word(abi::address(dev_account(i).1)),
                Token::Word(abi::uint128(1 << 100)),
            ],
        );
        send(
            &url,
            deployer.0,
            &nonces[CLIENTS as usize],
            Some(token),
            data,
        );
    }
    Bench {
        started,
        _server: server,
        url,
        dir,
        nonces,
        token,
    }
}

/// Signs a transaction with the sender's next nonce.
fn sign(key: [u8; 32], nonce: &AtomicU64, to: Option<[u8; 20]>, data: Vec<u8>) -> Vec<u8> {
    Legacy {
        chain_id: CHAIN_ID,
        nonce: nonce.fetch_add(1, Ordering::SeqCst),
        gas: 1_000_000,
        to,
        value: u128::from(to.is_some() && data.is_empty()),
        data,
        ..Legacy::default()
    }
    .sign(&key)
}

/// Sends one signed transaction, then reads its receipt.
fn submit(url: &str, raw: &[u8]) -> serde_json::Value {
    let hash = rpc(url, "eth_sendRawTransaction", json!([hex0x(raw)])).unwrap();
    rpc(url, "eth_getTransactionReceipt", json!([hash])).unwrap()
}

/// Signs and sends one transaction, then reads its receipt.
fn send(
    url: &str,
    key: [u8; 32],
    nonce: &AtomicU64,
    to: Option<[u8; 20]>,
    data: Vec<u8>,
) -> serde_json::Value {
    submit(url, &sign(key, nonce, to, data))
}

/// `count` transactions per client, signed first, then sent by the clients at once;
/// how long the sending took.
fn stream(bench: &Bench, count: u64, erc20: bool) -> Duration {
    stream_signed(bench, sign_stream(bench, count, erc20))
}

/// `count` transactions per client, signed.
fn sign_stream(bench: &Bench, count: u64, erc20: bool) -> Vec<Vec<Vec<u8>>> {
    (0..CLIENTS)
        .map(|i| {
            let (key, _) = dev_account(i);
            let to = dev_account((i + 1) % CLIENTS).1;
            let nonce = &bench.nonces[i as usize];
            (0..count)
                .map(|_| {
                    if erc20 {
                        let data = abi::encode_call(
                            "transfer(address,uint256)",
                            &[Token::Word(abi::address(to)), Token::Word(abi::uint128(1))],
                        );
                        sign(key, nonce, Some(bench.token), data)
                    } else {
                        sign(key, nonce, Some(to), Vec::new())
                    }
                })
                .collect()
        })
        .collect()
}

/// Sends signed transactions over JSON-RPC, a client per list, the clients at once,
/// each on its own connection; how long it took.
fn stream_signed(bench: &Bench, signed: Vec<Vec<Vec<u8>>>) -> Duration {
    let begin = Instant::now();
    let threads: Vec<_> = signed
        .into_iter()
        .map(|raws| {
            let url = bench.url.clone();
            std::thread::spawn(move || {
                let mut connection = Connection::open(&url).unwrap();
                for raw in raws {
                    let hash = connection
                        .call("eth_sendRawTransaction", json!([hex0x(&raw)]))
                        .unwrap();
                    let receipt = connection
                        .call("eth_getTransactionReceipt", json!([hash]))
                        .unwrap();
                    assert_eq!(receipt["status"], "0x1");
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    begin.elapsed()
}

fn node_benches(c: &mut Criterion) {
    let bench = setup();
    let mut group = c.benchmark_group("node");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    group.throughput(Throughput::Elements(PER_ITERATION));
    group.bench_function("ETH transfers (64 JSON-RPC clients)", |b| {
        b.iter_custom(|iters| stream(&bench, iters * PER_ITERATION / u64::from(CLIENTS), false))
    });
    group.bench_function("ERC-20 transfers (64 JSON-RPC clients)", |b| {
        b.iter_custom(|iters| stream(&bench, iters * PER_ITERATION / u64::from(CLIENTS), true))
    });
    group.throughput(Throughput::Elements(1));
    let call = json!({
        "to": hex0x(&bench.token),
        "data": hex0x(&abi::encode_call("balanceOf(address)", &[Token::Word(abi::address(dev_account(0).1))])),
    });
    let mut connection = Connection::open(&bench.url).unwrap();
    group.bench_function("eth_call balanceOf at latest", |b| {
        b.iter(|| {
            connection
                .call("eth_call", json!([call, "latest"]))
                .unwrap()
        })
    });
    // An old block: its state comes from the block's checkpoint on disk once it has
    // left the in-memory window of recent states.
    group.bench_function("eth_call balanceOf at an old block", |b| {
        b.iter(|| connection.call("eth_call", json!([call, "0x10"])).unwrap())
    });
    group.finish();
    node_against_replay(&bench);
    let _ = bench.started.node.stop();
    let _ = std::fs::remove_dir_all(&bench.dir);
}

/// Sends signed transactions through the node's own API (no HTTP: what the node
/// itself sustains), the clients at once; how long it took.
fn stream_in_process(bench: &Bench, signed: Vec<Vec<Vec<u8>>>) -> Duration {
    let begin = Instant::now();
    let threads: Vec<_> = signed
        .into_iter()
        .map(|raws| {
            let node = bench.started.node.clone();
            std::thread::spawn(move || {
                for raw in raws {
                    let hash = node.submit(raw).unwrap();
                    let archive = node.archive().read().unwrap();
                    assert!(archive.tx(&hash).unwrap().succeeded());
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    begin.elapsed()
}

/// Replays on `before` (a copy of the machine) the messages the node fed it from
/// inbox position `from` on: the AVM's time alone.
fn replay_since(bench: &Bench, before: &avm_machine::Machine, from: u64) -> (Duration, usize) {
    let inbox = bench
        .started
        .node
        .with(move |core| {
            core.recording().unwrap().0.inbox[usize::try_from(from).unwrap()..].to_vec()
        })
        .unwrap();
    let mut machine = before.clone();
    let mut env = RuntimeEnv::default();
    for message in &inbox {
        env.push_message(message.clone());
    }
    let begin = Instant::now();
    let report = machine.run_through_breakpoints(&mut env, &RunLimits::default());
    let took = begin.elapsed();
    assert_eq!(report.reason, StopReason::Blocked);
    (took, inbox.len())
}

/// How long the calling thread has been ready to run but waiting for a vCPU (taken
/// by other threads), from Linux's scheduler statistics; None where they are not
/// kept.
fn waited_to_run() -> Option<Duration> {
    let stats = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos = stats.split_whitespace().nth(1)?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
}

/// The node's throughput against a replay of the same messages on the AVM alone,
/// three rounds interleaved: the node through its own API, and end to end over
/// JSON-RPC with the clients on the same two cores.
fn node_against_replay(bench: &Bench) {
    const TRANSFERS: u64 = 2_000;
    let per_client = TRANSFERS / u64::from(CLIENTS);
    for round in 1..=3 {
        for over_rpc in [false, true] {
            let signed = sign_stream(bench, per_client, false);
            let (before, from, timing, waited) = bench
                .started
                .node
                .with(|core| {
                    let waited = waited_to_run();
                    (
                        core.machine().clone(),
                        core.position(),
                        core.timing(),
                        waited,
                    )
                })
                .unwrap();
            let node_time = if over_rpc {
                stream_signed(bench, signed)
            } else {
                stream_in_process(bench, signed)
            };
            let (replay_time, messages) = replay_since(bench, &before, from);
            let (now, waited_now) = bench
                .started
                .node
                .with(|core| (core.timing(), waited_to_run()))
                .unwrap();
            let waited = waited_now
                .zip(waited)
                .map(|(now, then)| now.saturating_sub(then));
            let sequencing = now.sequencing - timing.sequencing;
            let machine = now.machine - timing.machine;
            let writing = now.writing - timing.writing;
            let checkpointing = now.checkpointing - timing.checkpointing;
            println!(
                "  the node's thread: {:.3} s sequencing (the machine {:.3} s of it), {:.3} s \
                 saving checkpoints, {} s ready but waiting for a vCPU; the writer thread: \
                 {:.3} s writing",
                sequencing.as_secs_f64(),
                machine.as_secs_f64(),
                checkpointing.as_secs_f64(),
                waited.map_or("?".into(), |w| format!("{:.3}", w.as_secs_f64())),
                writing.as_secs_f64(),
            );
            println!(
                "round {round}, {}: {TRANSFERS} ETH transfers ({messages} messages): node {:.3} s \
                 ({:.0}/s), the AVM alone {:.3} s ({:.0}/s): the node keeps {:.0}%",
                if over_rpc {
                    "JSON-RPC, 64 clients"
                } else {
                    "the node's API, 64 threads"
                },
                node_time.as_secs_f64(),
                TRANSFERS as f64 / node_time.as_secs_f64(),
                replay_time.as_secs_f64(),
                TRANSFERS as f64 / replay_time.as_secs_f64(),
                100.0 * replay_time.as_secs_f64() / node_time.as_secs_f64()
            );
        }
    }
    let recording = bench
        .started
        .node
        .with(|core| {
            let (recording, gas) = core.recording().unwrap();
            avm_tools::replay::write_aoslog(
                &recording.inbox,
                &recording.logs.iter().collect::<Vec<_>>(),
                &recording
                    .sends
                    .iter()
                    .map(Vec::as_slice)
                    .collect::<Vec<_>>(),
                gas,
                core.machine().code(),
            )
        })
        .unwrap();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/node-bench.aoslog");
    std::fs::write(&path, recording).unwrap();
    let bytes = bench.started.node.with(|core| core.stored_bytes()).unwrap();
    let blocks = quantity(&rpc(&bench.url, "eth_blockNumber", json!([])).unwrap()) + 1;
    println!(
        "store: {bytes} bytes for {blocks} blocks ({} bytes per block); recording in {}",
        bytes / u64::try_from(blocks).unwrap().max(1),
        path.display()
    );
}

criterion_group!(benches, node_benches);
criterion_main!(benches);
