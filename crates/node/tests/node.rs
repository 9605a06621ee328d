//! A node on the embedded L1: the dev accounts funded on L2 by real deposits, signed
//! transfers and a deploy sequenced and executed by ArbOS, calls on copies of the
//! machine, batches posted to the SequencerInbox, and a restart that continues the
//! same chain.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use avm_arbos::{Address, ResultCode};
use avm_value::Int;
use common::*;

#[test]
fn a_dev_chain_takes_transactions_and_survives_a_restart() {
    let dir = scratch("basic");
    let started = start(&dir);
    assert!(!started.resumed);
    let node = &started.node;
    let beef = Address([0xbe; 20]);
    // Funded by deposits through the Inbox, with address rewriting on.
    let funded = node
        .with(move |core| core.balance(address(1), None))
        .unwrap()
        .unwrap();
    assert_eq!(funded, Int::from(ether(1_000)));

    let hash = node
        .submit(signed(1, 0, Some(beef), ether(3), vec![]))
        .unwrap();
    let archive = node.archive().read().unwrap();
    let tx = archive.tx(&hash).unwrap();
    assert_eq!(tx.receipt.code, ResultCode::Success);
    assert_eq!(tx.view.from, address(1));
    let block = tx.block;
    drop(archive);
    let after = node
        .with(move |core| core.balance(beef, None))
        .unwrap()
        .unwrap();
    assert_eq!(after, Int::from(ether(3)));
    // A call at the block before sees the old balance.
    let before = node
        .with(move |core| core.balance(beef, Some(block - 1)))
        .unwrap()
        .unwrap();
    assert_eq!(before, Int::ZERO);

    // A replayed nonce is refused; a later one waits for the gap.
    assert!(node.submit(signed(1, 0, Some(beef), 1, vec![])).is_err());
    let late = node.submit(signed(1, 2, Some(beef), 1, vec![])).unwrap();
    assert!(node.archive().read().unwrap().tx(&late).is_none());
    node.submit(signed(1, 1, Some(beef), 1, vec![])).unwrap();
    assert!(node.archive().read().unwrap().tx(&late).is_some());

    // A deploy: Fibonacci at the address Ethereum's rule gives.
    let deploy = node
        .submit(signed(2, 0, None, 0, l2_contract("Fibonacci")))
        .unwrap();
    let archive = node.archive().read().unwrap();
    let created = archive.tx(&deploy).unwrap().contract_address().unwrap();
    assert_eq!(
        created,
        avm_arbos::eth::create_address(address(2), &Int::ZERO)
    );
    let head = archive.head();
    drop(archive);

    // Posted to L1 within a batch interval.
    std::thread::sleep(std::time::Duration::from_millis(600));
    let unposted = node.with(|core| core.unposted()).unwrap();
    assert_eq!(unposted, 0);
    node.stop().unwrap();
    drop(started);

    let again = start(&dir);
    assert!(again.resumed);
    let archive = again.node.archive().read().unwrap();
    assert_eq!(archive.head(), head);
    assert!(archive.tx(&deploy).is_some());
    drop(archive);
    let balance = again
        .node
        .with(move |core| core.balance(beef, None))
        .unwrap()
        .unwrap();
    assert_eq!(balance, Int::from(ether(3) + 2));
    // After a restart no block state is in memory: an old block's comes from the
    // newest checkpoint before it and the messages after.
    for (at, expected) in [(block - 1, 0), (block, ether(3))] {
        let old = again
            .node
            .with(move |core| core.balance(beef, Some(at)))
            .unwrap()
            .unwrap();
        assert_eq!(old, Int::from(expected), "at block {at}");
    }
    let next = again
        .node
        .submit(signed(1, 3, Some(beef), 1, vec![]))
        .unwrap();
    assert!(again.node.archive().read().unwrap().tx(&next).is_some());
    again.node.stop().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

/// A transaction sent twice at once is taken once: whichever copy comes second finds
/// the first where it is (queued in the same block, run but not yet handed to the
/// writer, being written, or served) and is refused as geth refuses it, never run
/// again and never mistaken for a nonce too low.
#[test]
fn a_transaction_sent_twice_at_once_is_taken_once() {
    let dir = scratch("twice");
    let started = start(&dir);
    let node = started.node.clone();
    let beef = Address([0xbe; 20]);
    for nonce in 0..40 {
        let raw = signed(3, nonce, Some(beef), 1, vec![]);
        let copies: Vec<_> = (0..2)
            .map(|_| {
                let (node, raw) = (node.clone(), raw.clone());
                std::thread::spawn(move || node.submit(raw))
            })
            .collect();
        let answers: Vec<_> = copies.into_iter().map(|c| c.join().unwrap()).collect();
        let taken: Vec<_> = answers.iter().filter_map(|a| a.as_ref().ok()).collect();
        assert_eq!(taken.len(), 1, "nonce {nonce}: {answers:?}");
        let refused = answers.iter().find_map(|a| a.as_ref().err()).unwrap();
        assert_eq!(refused.to_string(), "already known", "nonce {nonce}");
        assert!(node.archive().read().unwrap().tx(taken[0]).is_some());
    }
    // Each ran once: the recipient got one wei per nonce.
    let got = node
        .with(move |core| core.balance(beef, None))
        .unwrap()
        .unwrap();
    assert_eq!(got, Int::from(40u64));
    started.node.stop().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

/// The server answers a read on its I/O thread only when the archive's lock is free
/// at once: while another thread holds it, the read waits on a blocking thread and
/// the server goes on answering everyone else.
#[test]
fn a_held_archive_lock_stalls_only_the_reads_that_need_it() {
    use avm_node::rpc::L2Rpc;
    use avm_rpc::Handler;
    use avm_testkit::wallet::{hex0x, quantity, rpc};
    use serde_json::json;

    let dir = scratch("held");
    let started = start(&dir);
    let node = started.node.clone();
    let hash = node
        .submit(signed(4, 0, Some(Address([0xbe; 20])), 1, vec![]))
        .unwrap();
    let handler = std::sync::Arc::new(L2Rpc::new(node.clone(), CHAIN_ID));
    let receipt = json!([hex0x(&hash.0)]);
    // With the lock free, answered at once and as a blocking thread would answer.
    let now = handler.call_now("eth_getTransactionReceipt", &receipt);
    assert_eq!(
        now,
        Some(handler.call("eth_getTransactionReceipt", &receipt))
    );
    assert_eq!(now.unwrap().unwrap()["status"], "0x1");
    // A block with its transactions in full may be large, and the node's own work
    // waits on the node: neither is answered on the I/O thread.
    assert_eq!(
        handler.call_now("eth_getBlockByNumber", &json!(["latest", true])),
        None
    );
    assert!(handler
        .call_now("eth_getBlockByNumber", &json!(["latest", false]))
        .is_some());
    assert_eq!(handler.call_now("eth_gasPrice", &json!([])), None);

    let server =
        avm_rpc::Server::start("127.0.0.1:0", handler.clone(), avm_rpc::Limits::default()).unwrap();
    let url = format!("http://{}", server.local_addr());
    let held = node.archive().write().unwrap();
    assert_eq!(
        handler.call_now("eth_getTransactionReceipt", &receipt),
        None
    );
    let waiting = {
        let (url, receipt) = (url.clone(), receipt.clone());
        std::thread::spawn(move || rpc(&url, "eth_getTransactionReceipt", receipt))
    };
    // Others are answered meanwhile (with one I/O thread, a read blocked on it
    // would have stopped them all).
    for _ in 0..3 {
        let chain_id = rpc(&url, "eth_chainId", json!([])).unwrap();
        assert_eq!(quantity(&chain_id), u128::from(CHAIN_ID));
    }
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert!(!waiting.is_finished());
    drop(held);
    assert_eq!(waiting.join().unwrap().unwrap()["status"], "0x1");
    server.stop();
    started.node.stop().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

/// A raw transaction sent over JSON-RPC is taken without a thread waiting for its
/// block: the handler returns at once, even while the node's thread is busy, and the
/// answer (the hash, or geth's refusal) comes once the block is written; after the
/// node stops, the sender is told so.
#[test]
fn a_raw_transaction_is_answered_later_without_a_thread_waiting() {
    use avm_node::rpc::L2Rpc;
    use avm_rpc::{Handler, Later};
    use avm_testkit::wallet::hex0x;
    use serde_json::json;
    use std::sync::mpsc;
    use std::time::{Duration, Instant};

    let dir = scratch("later");
    let started = start(&dir);
    let node = started.node.clone();
    let handler = L2Rpc::new(node.clone(), CHAIN_ID);
    let send_later = |raw: &[u8]| {
        let (tx, rx) = mpsc::channel();
        let params = json!([hex0x(raw)]);
        let later = Later::new(move |answer| {
            let _ = tx.send(answer);
        });
        assert!(handler
            .call_later("eth_sendRawTransaction", &params, later)
            .is_ok());
        rx
    };
    // The node's thread is kept busy; the handler still returns at once.
    let busy = {
        let node = node.clone();
        std::thread::spawn(move || node.with(|_| std::thread::sleep(Duration::from_millis(400))))
    };
    std::thread::sleep(Duration::from_millis(50));
    let raw = signed(5, 0, Some(Address([0xbe; 20])), 1, vec![]);
    let began = Instant::now();
    let answer = send_later(&raw);
    assert!(began.elapsed() < Duration::from_millis(200));
    assert!(answer.try_recv().is_err(), "answered before its block");
    let hash = answer
        .recv_timeout(Duration::from_secs(30))
        .unwrap()
        .unwrap();
    busy.join().unwrap().unwrap();
    // Answered once the block is written: its receipt is there, as through `call`.
    let receipt = handler
        .call("eth_getTransactionReceipt", &json!([hash]))
        .unwrap();
    assert_eq!(receipt["status"], "0x1");
    // A refusal comes the same way, with the error `call` gives.
    let again = send_later(&raw)
        .recv_timeout(Duration::from_secs(30))
        .unwrap()
        .unwrap_err();
    let through_call = handler
        .call("eth_sendRawTransaction", &json!([hex0x(&raw)]))
        .unwrap_err();
    assert_eq!(again, through_call);
    assert_eq!(again.message, "already known");
    // Other methods are left to `call`.
    let declined = handler.call_later("eth_gasPrice", &json!([]), Later::new(|_| {}));
    assert!(declined.is_err());
    started.node.stop().unwrap();
    let stopped = send_later(&signed(5, 1, Some(Address([0xbe; 20])), 1, vec![]))
        .recv_timeout(Duration::from_secs(30))
        .unwrap()
        .unwrap_err();
    assert!(stopped.message.contains("stopped"), "{stopped:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `eth_getLogs` matches addresses and topics as sets, however they are listed, and
/// a query that finds too many logs, too many bytes of them, or scans too long is
/// refused with a message saying which, instead of holding the archive.
#[test]
fn log_queries_match_as_sets_and_are_bounded() {
    use avm_node::rpc::{L2Rpc, LogBounds};
    use avm_rpc::Handler;
    use avm_testkit::wallet::hex0x;
    use avm_value::keccak256;
    use serde_json::json;

    let dir = scratch("logs");
    let started = start(&dir);
    let node = started.node.clone();
    let deploy = node
        .submit(signed(5, 0, None, 0, l2_contract("Fibonacci")))
        .unwrap();
    let fib = {
        let archive = node.archive().read().unwrap();
        archive.tx(&deploy).unwrap().contract_address().unwrap()
    };
    // generateFib(n) emits TestEvent(n): one log of one topic and 32 bytes of data.
    let selector = &keccak256(b"generateFib(uint256)").0[..4];
    for n in 1..=3u8 {
        let mut data = selector.to_vec();
        data.extend([0; 31]);
        data.push(n);
        node.submit(signed(5, u64::from(n), Some(fib), 0, data))
            .unwrap();
    }
    let event = hex0x(&keccak256(b"TestEvent(uint256)").0);
    let other = hex0x(&[0x77; 32]);
    let filter = json!([{
        "fromBlock": "0x0",
        "address": [hex0x(&[0x99; 20]), hex0x(&fib.0), hex0x(&fib.0)],
        "topics": [[other, event, other.clone(), event]],
    }]);
    let logs = |bounds: LogBounds| {
        L2Rpc::new(node.clone(), CHAIN_ID)
            .with_log_bounds(bounds)
            .call("eth_getLogs", &filter)
    };
    let found = logs(LogBounds::default()).unwrap();
    let data: Vec<&str> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["data"].as_str().unwrap())
        .collect();
    assert_eq!(data.len(), 3, "{found}");
    for (n, data) in (1..=3u8).zip(data) {
        assert!(data.ends_with(&format!("{n:02x}")), "{data}");
    }
    let none = L2Rpc::new(node.clone(), CHAIN_ID)
        .call(
            "eth_getLogs",
            &json!([{"fromBlock": "0x0", "topics": [[other]]}]),
        )
        .unwrap();
    assert_eq!(none, json!([]));
    let refused = |bounds: LogBounds| logs(bounds).unwrap_err().to_string();
    let few = refused(LogBounds {
        max_logs: 2,
        ..LogBounds::default()
    });
    assert!(few.contains("more than 2 results"), "{few}");
    // Each log: 32 bytes of data and one 32-byte topic.
    let small = refused(LogBounds {
        max_bytes: 2 * 64,
        ..LogBounds::default()
    });
    assert!(small.contains("more than 128 bytes"), "{small}");
    let hurried = refused(LogBounds {
        scan_time: std::time::Duration::ZERO,
        ..LogBounds::default()
    });
    assert!(hurried.contains("took too long"), "{hurried}");
    assert!(logs(LogBounds {
        max_logs: 3,
        max_bytes: 3 * 64,
        scan_time: std::time::Duration::MAX,
    })
    .is_ok());
    started.node.stop().unwrap();
}
