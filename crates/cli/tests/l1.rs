//! `avm l1` tried as a new user would: the embedded dev L1 with the rollup deployed,
//! driven with foundry's `cast` (installed from npm by the test set-up); killed with
//! SIGKILL and restarted on its data dir; a second process on the same data dir
//! refused; and the same rollup deployed on anvil answering its views as on the
//! embedded L1.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use avm_testkit::tools::{cast_ok, free_port, start_anvil, wait_for_rpc, Killed};
use serde_json::Value as Json;

const KEY0: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const KEY3: &str = "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6";
const ACCOUNT0: &str = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266";
const ACCOUNT2: &str = "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc";
const ACCOUNT3: &str = "0x90f79bf6eb2c4f870365e785982e1f101e93b906";
const TEN_THOUSAND_ETH: u128 = 10_000 * 1_000_000_000_000_000_000;

/// `avm l1 --dev --json ARGS` started; the process, its first output line, its URL.
fn start_dev(extra: &[&str]) -> (Killed, Json, String) {
    let port = free_port();
    let rpc = format!("127.0.0.1:{port}");
    let mut args = vec!["l1", "--dev", "--json", "--rpc", rpc.as_str()];
    args.extend_from_slice(extra);
    let (child, info) = common::start_server(&args, Duration::from_secs(120));
    let url = format!("http://{rpc}");
    wait_for_rpc(&url, Duration::from_secs(30));
    (child, info, url)
}

fn balance(url: &str, who: &str) -> u128 {
    cast_ok(&["balance", who, "--rpc-url", url])
        .parse()
        .unwrap()
}

fn number(text: &str) -> u128 {
    // cast prints uint256 results as "N [Ne..]" for large ones.
    text.split_whitespace().next().unwrap().parse().unwrap()
}

fn rollup_views(url: &str, rollup: &str) -> Vec<String> {
    [
        "confirmPeriodBlocks()(uint256)",
        "latestConfirmed()(uint256)",
        "sequencerBridge()(address)",
        "delayedBridge()(address)",
        "outbox()(address)",
        "baseStake()(uint256)",
        "minimumAssertionPeriod()(uint256)",
    ]
    .iter()
    .map(|view| cast_ok(&["call", rollup, view, "--rpc-url", url]))
    .collect()
}

#[test]
fn a_dev_l1_serves_cast_survives_kill_9_and_refuses_a_second_process() {
    let data = std::env::temp_dir().join(format!("avm-l1-dev-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let data_dir = data.to_str().unwrap();
    let (dev, info, url) = start_dev(&["--data-dir", data_dir]);
    assert_eq!(info["resumed"], false);
    let rollup = info["rollup"]["rollup"].as_str().unwrap().to_owned();
    let inbox = info["rollup"]["inbox"].as_str().unwrap().to_owned();
    let bridge = info["rollup"]["bridge"].as_str().unwrap().to_owned();
    assert_eq!(info["accounts"][0]["address"], ACCOUNT0);

    assert_eq!(cast_ok(&["chain-id", "--rpc-url", &url]), "1337");
    let deployed_at: u64 = cast_ok(&["block-number", "--rpc-url", &url])
        .parse()
        .unwrap();
    assert_eq!(deployed_at, 5, "three verifiers, the factory, the creator");
    assert_eq!(balance(&url, ACCOUNT2), TEN_THOUSAND_ETH);

    // ETH between dev accounts: a real nonce and a real balance.
    let nonce_before: u64 = cast_ok(&["nonce", ACCOUNT0, "--rpc-url", &url])
        .parse()
        .unwrap();
    let before0 = balance(&url, ACCOUNT0);
    let sent = cast_ok(&[
        "send",
        "--private-key",
        KEY0,
        ACCOUNT2,
        "--value",
        "1ether",
        "--rpc-url",
        &url,
        "--json",
    ]);
    let receipt: Json = serde_json::from_str(&sent).unwrap();
    assert_eq!(receipt["status"], "0x1");
    let gas = u128::from_str_radix(
        receipt["gasUsed"]
            .as_str()
            .unwrap()
            .trim_start_matches("0x"),
        16,
    )
    .unwrap();
    let price = u128::from_str_radix(
        receipt["effectiveGasPrice"]
            .as_str()
            .unwrap()
            .trim_start_matches("0x"),
        16,
    )
    .unwrap();
    assert_eq!(gas, 21_000);
    assert_eq!(
        balance(&url, ACCOUNT2),
        TEN_THOUSAND_ETH + 1_000_000_000_000_000_000
    );
    assert_eq!(
        balance(&url, ACCOUNT0),
        before0 - 1_000_000_000_000_000_000 - gas * price
    );
    let nonce_after: u64 = cast_ok(&["nonce", ACCOUNT0, "--rpc-url", &url])
        .parse()
        .unwrap();
    assert_eq!(nonce_after, nonce_before + 1);
    // A replayed nonce is refused as geth refuses it.
    let replay = Command::new(avm_testkit::tools::cast())
        .args([
            "send",
            "--private-key",
            KEY0,
            ACCOUNT2,
            "--value",
            "1",
            "--nonce",
            "0",
            "--rpc-url",
            &url,
        ])
        .output()
        .unwrap();
    assert!(!replay.status.success());
    assert!(
        String::from_utf8_lossy(&replay.stderr).contains("nonce too low"),
        "{}",
        String::from_utf8_lossy(&replay.stderr)
    );

    // The rollup's creation is an event anyone can read.
    let logs = cast_ok(&[
        "logs",
        "--from-block",
        "0",
        "RollupCreated(address,address)",
        "--rpc-url",
        &url,
        "--json",
    ]);
    let logs: Json = serde_json::from_str(&logs).unwrap();
    assert_eq!(logs.as_array().unwrap().len(), 1);
    let data = logs[0]["data"].as_str().unwrap();
    assert!(
        data.contains(&rollup[2..]) && data.contains(&inbox[2..]),
        "{data}"
    );

    // A deposit through the Inbox is a delayed message, its data in the Inbox's event.
    let deposit = cast_ok(&[
        "send",
        "--private-key",
        KEY3,
        &inbox,
        "depositEth(uint256)",
        "0",
        "--value",
        "2ether",
        "--rpc-url",
        &url,
        "--json",
    ]);
    let deposit: Json = serde_json::from_str(&deposit).unwrap();
    let delivered = cast_ok(&["keccak", "InboxMessageDelivered(uint256,bytes)"]);
    let from_inbox = deposit["logs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["topics"][0] == delivered.as_str())
        .expect("InboxMessageDelivered");
    assert_eq!(
        from_inbox["address"].as_str().unwrap().to_lowercase(),
        inbox
    );
    assert!(from_inbox["data"]
        .as_str()
        .unwrap()
        .contains(&ACCOUNT3[2..]));
    assert_eq!(balance(&url, &bridge), 2_000_000_000_000_000_000);
    let messages = number(&cast_ok(&[
        "call",
        &bridge,
        "messageCount()(uint256)",
        "--rpc-url",
        &url,
    ]));
    assert_eq!(messages, 2, "the init message and the deposit");

    // A second process on the same data dir is refused.
    let second = common::avm(&[
        "l1",
        "--dev",
        "--rpc",
        "127.0.0.1:0",
        "--data-dir",
        data_dir,
    ]);
    assert_eq!(second.status.code(), Some(2));
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(
        err.contains("another process has this data dir open"),
        "{err}"
    );

    // kill -9, restart: the same chain.
    let head = cast_ok(&["block-number", "--rpc-url", &url]);
    let balances: Vec<u128> = [ACCOUNT0, ACCOUNT2, ACCOUNT3, bridge.as_str()]
        .iter()
        .map(|a| balance(&url, a))
        .collect();
    let views = rollup_views(&url, &rollup);
    drop(dev);
    let (_again, info, url) = start_dev(&["--data-dir", data_dir]);
    assert_eq!(info["resumed"], true);
    assert_eq!(info["rollup"]["rollup"].as_str().unwrap(), rollup);
    assert_eq!(cast_ok(&["block-number", "--rpc-url", &url]), head);
    let again: Vec<u128> = [ACCOUNT0, ACCOUNT2, ACCOUNT3, bridge.as_str()]
        .iter()
        .map(|a| balance(&url, a))
        .collect();
    assert_eq!(again, balances);
    assert_eq!(rollup_views(&url, &rollup), views);
    assert_eq!(
        number(&cast_ok(&[
            "call",
            &bridge,
            "messageCount()(uint256)",
            "--rpc-url",
            &url
        ])),
        2
    );
    // It goes on: the next transaction takes the next nonce and block.
    cast_ok(&[
        "send",
        "--private-key",
        KEY0,
        ACCOUNT2,
        "--value",
        "1",
        "--rpc-url",
        &url,
    ]);
    let next: u64 = cast_ok(&["block-number", "--rpc-url", &url])
        .parse()
        .unwrap();
    assert_eq!(next, head.parse::<u64>().unwrap() + 1);
    let _ = std::fs::remove_dir_all(data);
}

#[test]
fn the_rollup_on_anvil_answers_as_on_the_embedded_l1() {
    let (_anvil, anvil_url) = start_anvil();
    let out = common::avm(&[
        "l1", "--deploy", "--l1", &anvil_url, "--l1-key", KEY0, "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let deployed: Json = serde_json::from_slice(&out.stdout).unwrap();
    let (_dev, info, dev_url) = start_dev(&[]);
    // The same deployer with the same nonces: the same addresses on both chains.
    let rollup = deployed["rollup"].as_str().unwrap();
    assert_eq!(info["rollup"]["rollup"].as_str().unwrap(), rollup);
    assert_eq!(deployed["machineHash"], info["rollup"]["machineHash"]);
    let on_anvil = rollup_views(&anvil_url, rollup);
    assert_eq!(on_anvil, rollup_views(&dev_url, rollup));
    assert_eq!(on_anvil[0], "20");
    assert_eq!(on_anvil[1], "0");
    assert_eq!(
        on_anvil[6], "75",
        "minimumAssertionPeriod is hard-coded in initialize"
    );
}

#[test]
fn bad_l1_arguments_are_named() {
    let cases: [(&[&str], &str); 5] = [
        (
            &[
                "l1",
                "--dev",
                "--contracts",
                "no/such/dir",
                "--rpc",
                "127.0.0.1:0",
            ],
            "--contracts",
        ),
        (
            &[
                "l1",
                "--dev",
                "--arbos",
                "no/such.mexe",
                "--rpc",
                "127.0.0.1:0",
            ],
            "--arbos",
        ),
        (&["l1", "--dev", "--rpc", "not-an-address"], "--rpc"),
        (
            &[
                "l1",
                "--deploy",
                "--l1",
                "http://127.0.0.1:1",
                "--l1-key",
                KEY0,
            ],
            "127.0.0.1:1",
        ),
        (
            &[
                "l1",
                "--deploy",
                "--l1",
                "http://127.0.0.1:1",
                "--l1-key",
                "0x12",
            ],
            "--l1-key",
        ),
    ];
    for (args, named) in cases {
        let out = common::avm(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(named), "{args:?}: {stderr}");
    }
    assert!(Path::new(&common::repo_root()).is_dir());
}
