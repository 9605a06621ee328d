//! Upstream's ArbOS scenarios (arbitrum-classic `packages/arb-rpc-node/arbostest`, and
//! the eth_call tester of `dev/ethcall_test.go`), each sent to our node as a user would:
//! signed legacy transactions and calls over its JSON-RPC, checked against the values
//! upstream's Go tests check, and, where plain revm can run the same transaction, against
//! revm too (the differential oracle). Where upstream hand-built L1 messages (deposits),
//! they go through the rollup's Inbox on the node's L1.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::time::{Duration, Instant};

use avm_l1::abi::{self, Token};
use avm_l1::TxRequest;
use avm_testkit::wallet::{hex0x, quantity, rpc};
use common::both::{dev, effect, fresh, upstream, word_of, Account, Both};
use serde_json::{json, Value as Json};

/// Upstream's gas limit for most of these transactions.
const GAS: u64 = 10_000_000;

fn call(signature: &str, args: &[Token]) -> Vec<u8> {
    abi::encode_call(signature, args)
}

fn address_arg(a: [u8; 20]) -> Token {
    Token::Word(abi::address(a))
}

fn uint_arg(n: u128) -> Token {
    Token::Word(abi::uint128(n))
}

fn created(receipt: &Json) -> [u8; 20] {
    let text = receipt["contractAddress"].as_str().unwrap();
    hex::decode(text.trim_start_matches("0x"))
        .unwrap()
        .try_into()
        .unwrap()
}

fn return_data(receipt: &Json) -> Vec<u8> {
    hex::decode(
        receipt["returnData"]
            .as_str()
            .unwrap()
            .trim_start_matches("0x"),
    )
    .unwrap()
}

fn uint_word(n: u128) -> Vec<u8> {
    abi::uint128(n).to_vec()
}

/// `W`, funded on both chains with exactly `wei` by dev account 0.
fn funded(both: &mut Both, label: &str, wei: u128) -> Account {
    let w = fresh(label);
    if wei > 0 {
        both.send("fund", dev(0), Some(w.address), wei, &[], 100_000);
    }
    w
}

/// The address CREATE gives `sender` at `nonce` (nonce < 128).
fn create_address(sender: [u8; 20], nonce: u8) -> [u8; 20] {
    let mut rlp = vec![0xd6, 0x94];
    rlp.extend_from_slice(&sender);
    rlp.push(if nonce == 0 { 0x80 } else { nonce });
    avm_value::keccak256(&rlp).0[12..].try_into().unwrap()
}

/// EIP-1167's minimal proxy of `target`: (init code, runtime code).
fn clone_code(target: [u8; 20]) -> (Vec<u8>, Vec<u8>) {
    let mut init = hex::decode("3d602d80600a3d3981f3363d3d373d3d3d363d73").unwrap();
    init.extend_from_slice(&target);
    init.extend(hex::decode("5af43d82803e903d91602b57fd5bf3").unwrap());
    let mut runtime = hex::decode("363d3d373d3d3d363d73").unwrap();
    runtime.extend_from_slice(&target);
    runtime.extend(hex::decode("5af43d82803e903d91602b57fd5bf3").unwrap());
    (init, runtime)
}

fn create2_address(factory: [u8; 20], salt: [u8; 32], init: &[u8]) -> [u8; 20] {
    let mut preimage = vec![0xff];
    preimage.extend_from_slice(&factory);
    preimage.extend_from_slice(&salt);
    preimage.extend_from_slice(&avm_value::keccak256(init).0);
    avm_value::keccak256(&preimage).0[12..].try_into().unwrap()
}

fn topic(signature: &str) -> [u8; 32] {
    avm_value::keccak256(signature.as_bytes()).0
}

fn precompile(n: u8) -> [u8; 20] {
    let mut a = [0u8; 20];
    a[19] = n;
    a
}

#[test]
fn transfer() {
    let mut both = Both::new("transfer");
    let w = funded(&mut both, "transfer", 10_000);
    let code = upstream("Transfer");
    let c1 = created(&both.send("create 1", w, None, 100, &code, GAS));
    let c2 = created(&both.send("create 2", w, None, 100, &code, GAS));
    assert_eq!(
        (c1, c2),
        (create_address(w.address, 0), create_address(w.address, 1))
    );
    let sent = both.send(
        "send2",
        w,
        Some(c1),
        0,
        &call("send2(address)", &[address_arg(c2)]),
        GAS,
    );
    assert_eq!(sent["status"], "0x1");
    assert_eq!(both.balances(c1), (101, 101));
    assert_eq!(both.balances(c2), (99, 99));
    assert_eq!(both.balances(w.address), (9_800, 9_800));
}

/// The L2 address an L1 account's messages come from.
fn alias(l1: [u8; 20]) -> [u8; 20] {
    avm_arbos::alias(avm_arbos::Address(l1)).0
}

fn wait_for_balance(both: &Both, who: [u8; 20], wei: u128) {
    let started = Instant::now();
    loop {
        let now = quantity(&both.rpc("eth_getBalance", json!([hex0x(&who), "latest"])));
        if now == wei {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "0x{} holds {now}, not {wei}",
            hex::encode(who)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn deposits_through_the_inbox() {
    let mut both = Both::new("deposits");
    let simple = created(&both.send_node(dev(1), None, 0, &upstream("Simple"), GAS));
    let l1_sender = dev(3).address;
    let from_l1 = alias(l1_sender);
    let inbox = both.started.rollup.inbox;
    let dest = [0x77; 20];
    let l1 = both.started.l1.clone();
    let deposit = move |value: u128, input: Vec<u8>| {
        l1.with(move |chain| {
            chain.must(TxRequest {
                value,
                ..TxRequest::call(l1_sender, inbox, input, "deposit")
            })
        })
        .unwrap()
        .unwrap();
    };
    let unsigned = |nonce: u128, to: [u8; 20], data: Vec<u8>, gas: u128| {
        call(
            "sendL1FundedUnsignedTransaction(uint256,uint256,uint256,address,bytes)",
            &[
                uint_arg(gas),
                uint_arg(0),
                uint_arg(nonce),
                address_arg(to),
                Token::Bytes(data),
            ],
        )
    };
    // Upstream's rows 1, 3, 5 and 8: a funded transfer, a payment accepted, one refused
    // (its value stays with the sender), a contract transaction (which takes no nonce).
    deposit(100, unsigned(0, dest, Vec::new(), 1_000_000));
    wait_for_balance(&both, dest, 100);
    deposit(
        200,
        unsigned(1, simple, call("acceptPayment()", &[]), 10_000_000),
    );
    wait_for_balance(&both, simple, 200);
    deposit(
        50,
        unsigned(2, simple, call("rejectPayment()", &[]), 10_000_000),
    );
    wait_for_balance(&both, from_l1, 50);
    assert_eq!(
        quantity(&both.rpc("eth_getBalance", json!([hex0x(&simple), "latest"]))),
        200
    );
    deposit(
        100,
        call(
            "sendL1FundedContractTransaction(uint256,uint256,address,bytes)",
            &[
                uint_arg(10_000_000),
                uint_arg(0),
                address_arg(simple),
                Token::Bytes(call("acceptPayment()", &[])),
            ],
        ),
    );
    wait_for_balance(&both, simple, 300);
    assert_eq!(
        quantity(&both.rpc(
            "eth_getTransactionCount",
            json!([hex0x(&from_l1), "latest"])
        )),
        3
    );
    // The refused payment is a transaction from the alias with ArbOS's revert code.
    let head = quantity(&both.rpc("eth_blockNumber", json!([]))) as u64;
    let mut codes = Vec::new();
    for n in 0..=head {
        let block = both.rpc("eth_getBlockByNumber", json!([format!("{n:#x}"), true]));
        for tx in block["transactions"].as_array().unwrap() {
            if tx["from"] == json!(hex0x(&from_l1)) {
                let receipt = both.rpc("eth_getTransactionReceipt", json!([tx["hash"]]));
                codes.push(receipt["returnCode"].as_str().unwrap().to_owned());
            }
        }
    }
    assert_eq!(codes, ["0x0", "0x0", "0x1", "0x0"]);
}

#[test]
fn get_storage_at() {
    let mut both = Both::new("storage");
    let w = funded(&mut both, "storage", 0);
    let storage = created(&both.send("create", w, None, 0, &upstream("Storage"), GAS));
    let slot = both.rpc(
        "eth_getStorageAt",
        json!([hex0x(&storage), "0x1", "latest"]),
    );
    assert_eq!(slot, json!(hex0x(&uint_word(12_345))));
    // ArbSys.getStorageAt answers sender 0 only.
    let query = call(
        "getStorageAt(address,uint256)",
        &[address_arg(storage), uint_arg(1)],
    );
    assert_eq!(
        both.call_node(None, precompile(0x64), &query).unwrap(),
        uint_word(12_345)
    );
    let refused = both
        .call_node(Some(w.address), precompile(0x64), &query)
        .unwrap_err();
    assert!(refused.contains("\"code\":3"), "{refused}");
    let failed = both.send_arbos_only(w, storage, &call("failGetStorage()", &[]), GAS);
    assert_eq!(failed["returnCode"], "0x1");
}

#[test]
fn create2() {
    let mut both = Both::new("create2");
    let w = funded(&mut both, "create2", 0);
    let factory = created(&both.send("factory", w, None, 0, &upstream("CloneFactory"), GAS));
    let simple = created(&both.send("simple", w, None, 0, &upstream("Simple"), GAS));
    let made = both.send(
        "create2Clone",
        w,
        Some(factory),
        0,
        &call(
            "create2Clone(address,uint256)",
            &[address_arg(simple), uint_arg(0)],
        ),
        GAS,
    );
    let (init, runtime) = clone_code(simple);
    let clone = create2_address(factory, [0; 32], &init);
    assert_eq!(return_data(&made), word_of(clone));
    let logs = made["logs"].as_array().unwrap();
    assert_eq!(logs.len(), 1);
    assert_eq!(logs[0]["data"], json!(hex0x(&word_of(clone))));
    let exists = both.send("exists", w, Some(clone), 0, &call("exists()", &[]), GAS);
    assert_eq!(return_data(&exists), uint_word(10));
    let code = both.rpc("eth_getCode", json!([hex0x(&clone), "latest"]));
    assert_eq!(code, json!(hex0x(&runtime)));
    assert_eq!(runtime.len(), 45);
    both.same_account(clone, &[]);
}

#[test]
fn constructors() {
    let mut both = Both::new("constructors");
    // TestConstructor: the deployed code is what an Ethereum node deploys.
    let w = funded(&mut both, "constructor", 0);
    let fib = created(&both.send("fibonacci", w, None, 0, &upstream("Fibonacci"), GAS));
    assert_eq!(fib, create_address(w.address, 0));
    both.same_account(fib, &[0]);

    // TestConstructorExistingBalance: CREATE and CREATE2 at addresses that hold ETH.
    let v = funded(&mut both, "existing balance", 0);
    let at_create = create_address(v.address, 0);
    let factory = create_address(v.address, 1);
    let at_create2 = create2_address(factory, [0; 32], &clone_code(at_create).0);
    both.send("prefund", dev(0), Some(at_create), 100, &[], 100_000);
    both.send("prefund", dev(0), Some(at_create2), 100, &[], 100_000);
    assert_eq!(
        created(&both.send("fib", v, None, 0, &upstream("Fibonacci"), GAS)),
        at_create
    );
    assert_eq!(
        created(&both.send("factory", v, None, 0, &upstream("CloneFactory"), GAS)),
        factory
    );
    let cloned = both.send(
        "clone",
        v,
        Some(factory),
        0,
        &call(
            "create2Clone(address,uint256)",
            &[address_arg(at_create), uint_arg(0)],
        ),
        GAS,
    );
    assert_eq!(return_data(&cloned), word_of(at_create2));
    assert_eq!(both.balances(at_create), (100, 100));
    assert_eq!(both.balances(at_create2), (100, 100));

    // TestConstructorCallback: a constructor calling back into its creator.
    let u = funded(&mut both, "callback", 10_000);
    let outer = created(&both.send(
        "callback2",
        u,
        None,
        0,
        &upstream("ConstructorCallback2"),
        GAS,
    ));
    let tested = both.send("test", u, Some(outer), 100, &call("test()", &[]), GAS);
    let logs = &effect(&tested).logs;
    assert_eq!(logs.len(), 2);
    assert_eq!(logs[0].0, create_address(outer, 1));
    assert_eq!(logs[0].1, vec![topic("TestEvent(uint256)")]);
    assert_eq!(logs[0].2, uint_word(0));
    assert_eq!(
        logs[1].1,
        vec![topic("TestEvent3(bool,bytes)"), abi::uint128(1)]
    );
    assert_eq!(logs[1].2, [uint_word(32), uint_word(0)].concat());
    assert_eq!(both.balances(outer), (100, 100));
}

#[test]
fn failed_and_nested_sends() {
    let mut both = Both::new("nested");
    // TestFailedNestedSend: a withdrawal to L1 inside a call that then reverts leaves
    // no send (ArbSys exists only on ArbOS, so revm cannot run it).
    let w = funded(&mut both, "failed send", 1_000);
    let failed_send = created(&both.send("create", w, None, 0, &upstream("FailedSend"), GAS));
    let dest = [0x42; 20];
    let receipt = both.send_node(
        w,
        Some(failed_send),
        300,
        &call("send(address)", &[address_arg(dest)]),
        GAS,
    );
    both.send_evm(w, Some(w.address), 0, &[], GAS);
    assert_eq!(receipt["returnCode"], "0x1");
    assert_eq!(
        avm_l1::abi::decode_error_string(&return_data(&receipt)).as_deref(),
        Some("force failure")
    );
    assert!(receipt["logs"].as_array().unwrap().is_empty());
    let sends = both.started.node.with(|core| core.sends().len()).unwrap();
    assert_eq!(sends, 0);
    assert_eq!(both.balances(failed_send).0, 0);
    assert_eq!(both.balances(w.address).0, 1_000);
    assert_eq!(both.balances(dest).0, 0);

    // TestRevertedNestedCall and TestNestedToEOA: failing inner calls the outer ignores.
    let simple = created(&both.send("simple", w, None, 0, &upstream("Simple"), GAS));
    for value in [0, 10] {
        let nested = both.send(
            "nestedCall",
            w,
            Some(simple),
            0,
            &call("nestedCall(uint256)", &[uint_arg(value)]),
            GAS,
        );
        assert_eq!(nested["returnCode"], "0x0");
    }
    let to_eoa = both.send(
        "nestedCall2",
        w,
        Some(simple),
        0,
        &call(
            "nestedCall2(uint256,address)",
            &[uint_arg(10), address_arg([0x43; 20])],
        ),
        GAS,
    );
    assert_eq!(to_eoa["returnCode"], "0x0");
    // An empty `bytes`: offset 32, length 0.
    assert_eq!(return_data(&to_eoa), [uint_word(32), uint_word(0)].concat());
}

#[test]
fn revert_reasons() {
    let mut both = Both::new("revert");
    let w = funded(&mut both, "revert", 0);
    let simple = created(&both.send("simple", w, None, 0, &upstream("Simple"), GAS));
    let reverted = both.send("reverts", w, Some(simple), 0, &call("reverts()", &[]), GAS);
    assert_eq!(reverted["status"], "0x0");
    assert_eq!(reverted["returnCode"], "0x1");
    assert_eq!(
        avm_l1::abi::decode_error_string(&return_data(&reverted)).as_deref(),
        Some("this is a test")
    );
    let error = both
        .call_node(Some(w.address), simple, &call("reverts()", &[]))
        .unwrap_err();
    let error: Json = serde_json::from_str(&error).unwrap();
    assert_eq!(error["code"], 3);
    assert_eq!(error["message"], "execution reverted: this is a test");
    assert_eq!(error["data"], reverted["returnData"]);
}

#[test]
fn gas_used() {
    let mut both = Both::new("gas");
    let w = funded(&mut both, "gas", 10_000);
    let mut code = upstream("GasUsed");
    code.extend(uint_word(0));
    let gas_used = created(&both.send("create", w, None, 0, &code, GAS));
    let transfer = both.send("to an EOA", w, Some([0x44; 20]), 0, &[], GAS);
    // ArbGas: a transfer to an EOA uses none (arbos-l2.md §8).
    assert_eq!(transfer["gasUsed"], "0x0");
    for signature in ["noop()", "sstore()", "sstore()"] {
        let done = both.send(signature, w, Some(gas_used), 0, &call(signature, &[]), GAS);
        assert_eq!(done["returnCode"], "0x0");
    }
    both.same_account(gas_used, &[0]);
    // Asked to revert in its constructor, it does, on both.
    let mut reverting = upstream("GasUsed");
    reverting.extend(uint_word(1));
    let refused = both.send("create reverting", w, None, 0, &reverting, GAS);
    assert_eq!(refused["returnCode"], "0x1");
}

#[test]
fn opcodes() {
    let mut both = Both::new("opcodes");
    let w = funded(&mut both, "opcodes", 0);
    const OPS_GAS: u64 = 8_000_000;
    let c1 = created(&both.send("create 1", w, None, 0, &upstream("OpCodes"), OPS_GAS));
    let c2 = created(&both.send("create 2", w, None, 0, &upstream("OpCodes"), OPS_GAS));
    // BLOCKHASH reads L1 blocks on ArbOS (none yet this young: 0); revm's differ.
    let hash = both.send_arbos_only(w, c1, &call("getBlockHash()", &[]), OPS_GAS);
    assert_eq!(return_data(&hash), vec![0u8; 32]);
    let expect = [
        ("getOrigin()", call("getOrigin()", &[]), word_of(w.address)),
        (
            "getNestedOrigin",
            call("getNestedOrigin(address)", &[address_arg(c2)]),
            word_of(w.address),
        ),
        ("getSender()", call("getSender()", &[]), word_of(w.address)),
        (
            "getNestedSend",
            call("getNestedSend(address)", &[address_arg(c2)]),
            word_of(c1),
        ),
    ];
    for (label, data, expected) in expect {
        let done = both.send(label, w, Some(c1), 0, &data, OPS_GAS);
        assert_eq!(return_data(&done), expected, "{label}");
    }
    // GAS counts ArbGas: nearly all of the limit is left.
    let left = both.send_arbos_only(w, c1, &call("getGasLeft()", &[]), OPS_GAS);
    let left = u64::try_from(avm_value::Int::from_be_slice(&return_data(&left))).unwrap();
    assert!(left <= OPS_GAS && OPS_GAS - left <= 1_000, "{left}");
}

#[test]
fn eth_call_with_state_overrides() {
    let mut both = Both::new("ethcall");
    let w = funded(&mut both, "ethcall", 0);
    let tester = created(&both.send("create", w, None, 0, &upstream("EthCallTester"), GAS));
    let t = hex0x(&tester);
    let get_x = hex0x(&call("getX()", &[]));
    let sload = hex0x(&call("sLoad(uint256)", &[uint_arg(0x100)]));
    let balance = hex0x(&call("getBalance()", &[]));
    let eth_call = |to: &str, data: &str, overrides: Json| -> Json {
        let mut params = json!([{"to": to, "data": data}, "latest"]);
        if !overrides.is_null() {
            params.as_array_mut().unwrap().push(overrides);
        }
        rpc(&both.url, "eth_call", params).unwrap_or_else(|e| panic!("{e}"))
    };
    let word = |n: u128| json!(hex0x(&uint_word(n)));
    assert_eq!(eth_call(&t, &get_x, Json::Null), word(0x100));
    assert_eq!(eth_call(&t, &sload, Json::Null), word(0));
    assert_eq!(eth_call(&t, &balance, Json::Null), word(0));
    let rich = json!({ &t: {"balance": "0x3000"} });
    assert_eq!(eth_call(&t, &sload, rich.clone()), word(0));
    assert_eq!(eth_call(&t, &balance, rich), word(0x3000));
    let diff = json!({ &t: {"stateDiff": {"0x0": "0x10", "0x100": "0x90"}} });
    assert_eq!(eth_call(&t, &sload, diff.clone()), word(0x90));
    assert_eq!(eth_call(&t, &get_x, diff), word(0x10));
    let state = json!({ &t: {"state": {"0x0": "0x10", "0x100": "0x90"}} });
    assert_eq!(eth_call(&t, &sload, state.clone()), word(0x90));
    assert_eq!(eth_call(&t, &get_x, state), word(0x10));
    // Code put at an empty address: storage[1] = storage[0] + 0x10, returned.
    let other = "0x0000000000000000000000000000003000000000";
    let code = "0x6000546010018060015560005260206000f3";
    let mut overrides = json!({ other: {"code": code} });
    assert_eq!(eth_call(other, "0x", overrides.clone()), word(0x10));
    overrides[&t] = json!({"code": code, "state": {"0x0": "0x10", "0x100": "0x90"}});
    assert_eq!(eth_call(&t, "0x", overrides.clone()), word(0x20));
    overrides[other] = json!({"nonce": "0x60"});
    let info = eth_call(
        &hex0x(&precompile(0x69)),
        &hex0x(&call(
            "getAccountInfo(address)",
            &[address_arg([
                0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x30, 0, 0, 0, 0,
            ])],
        )),
        overrides,
    );
    let info = hex::decode(info.as_str().unwrap().trim_start_matches("0x")).unwrap();
    assert_eq!(info[32..64], uint_word(0x60)[..]);
    // The chain itself is untouched.
    assert_eq!(eth_call(&t, &get_x, Json::Null), word(0x100));
}

#[test]
fn fibonacci() {
    let mut both = Both::new("fib");
    let w = funded(&mut both, "fib", 1_000);
    let fib = created(&both.send("create", w, None, 0, &upstream("Fibonacci"), GAS));
    let generated = both.send(
        "generateFib",
        w,
        Some(fib),
        300,
        &call("generateFib(uint256)", &[uint_arg(20)]),
        GAS,
    );
    let logs = &effect(&generated).logs;
    assert_eq!(logs.len(), 1);
    assert_eq!(logs[0].0, fib);
    assert_eq!(logs[0].1, vec![topic("TestEvent(uint256)")]);
    assert_eq!(logs[0].2, uint_word(20));
    assert_eq!(
        both.view(fib, &call("getFib(uint256)", &[uint_arg(5)])),
        uint_word(8)
    );
    assert_eq!(both.balances(fib), (300, 300));
}
