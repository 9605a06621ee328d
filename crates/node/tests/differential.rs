//! The differential oracle over random traffic: the same transactions (same senders,
//! nonces, values and call data) against a standard ERC-20, Fibonacci and a storage
//! contract, and ETH transfers, run by ArbOS on our node (over its JSON-RPC) and by
//! plain revm, give the same status, return data (revert reasons included), created
//! addresses and logs, and leave the same balances, allowances and storage.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use avm_l1::abi::{self, Token};
use avm_testkit::tools::test_contracts;
use avm_testkit::Rng;
use common::both::{dev, Account, Both};

fn word(n: u128) -> Token {
    Token::Word(abi::uint128(n))
}

fn address_word(a: [u8; 20]) -> Token {
    Token::Word(abi::address(a))
}

fn hex_bytes(text: &str) -> Vec<u8> {
    hex::decode(text.trim_start_matches("0x")).unwrap()
}

const GAS: u64 = 5_000_000;

fn created(receipt: &serde_json::Value) -> [u8; 20] {
    hex_bytes(receipt["contractAddress"].as_str().unwrap())
        .try_into()
        .unwrap()
}

#[test]
fn arbos_and_revm_agree_on_random_token_and_ether_traffic() {
    let contracts = test_contracts();
    let mut both = Both::new("differential");
    let senders: Vec<Account> = (0..4).map(dev).collect();
    let mut rng = Rng(0x05ee_d0fa_1b05);

    // The contracts, created at the same addresses.
    let mut token_code = hex_bytes(&contracts["Token"].bytecode);
    token_code.extend(abi::encode(&[
        Token::Bytes(b"Avm Token".to_vec()),
        Token::Bytes(b"AVM".to_vec()),
        word(1_000_000),
    ]));
    let token = created(&both.send("token", senders[0], None, 0, &token_code, GAS));
    let fib = created(&both.send(
        "fibonacci",
        senders[1],
        None,
        0,
        &hex_bytes(&contracts["Fibonacci"].bytecode),
        GAS,
    ));
    let storage = created(&both.send(
        "storage",
        senders[2],
        None,
        0,
        &hex_bytes(&contracts["Storage"].bytecode),
        GAS,
    ));
    // Fresh addresses that receive ETH and tokens.
    let outsiders: Vec<[u8; 20]> = (1..=5u8).map(|i| [i; 20]).collect();
    let mut everyone: Vec<[u8; 20]> = senders.iter().map(|s| s.address).collect();
    everyone.extend(&outsiders);
    // The token spread out first, so that later transfers both pass and fail.
    for sender in &senders[1..] {
        let data = abi::encode_call(
            "transfer(address,uint256)",
            &[address_word(sender.address), word(50_000)],
        );
        both.send("spread", senders[0], Some(token), 0, &data, GAS);
    }
    for step in 0..120 {
        let from = senders[rng.below(4)];
        let target = everyone[rng.below(everyone.len())];
        let label = format!("step {step}");
        let (to, value, data) = match rng.below(7) {
            0 => (
                target,
                (rng.word() % 1_000_000) as u128 * 1_000_000_000,
                Vec::new(),
            ),
            // Sometimes more than the sender holds: a revert with its reason.
            1 | 2 => (
                token,
                0,
                abi::encode_call(
                    "transfer(address,uint256)",
                    &[address_word(target), word((rng.word() % 70_000) as u128)],
                ),
            ),
            3 => (
                token,
                0,
                abi::encode_call(
                    "approve(address,uint256)",
                    &[
                        address_word(senders[rng.below(4)].address),
                        word((rng.word() % 20_000) as u128),
                    ],
                ),
            ),
            4 => (
                token,
                0,
                abi::encode_call(
                    "transferFrom(address,address,uint256)",
                    &[
                        address_word(senders[rng.below(4)].address),
                        address_word(target),
                        word((rng.word() % 20_000) as u128),
                    ],
                ),
            ),
            5 => {
                let n = 2 + rng.below(20) as u128;
                let data = abi::encode_call("generateFib(uint256)", &[word(n)]);
                both.send(&label, from, Some(fib), 0, &data, GAS);
                // Reading past the end reverts with Solidity's panic data on both.
                (
                    fib,
                    0,
                    abi::encode_call("getFib(uint256)", &[word(rng.below(40) as u128)]),
                )
            }
            _ => (
                storage,
                0,
                abi::encode_call("store(uint256)", &[word(u128::from(rng.word()))]),
            ),
        };
        both.send(&label, from, Some(to), value, &data, GAS);
    }
    // The state both left: token balances and allowances, ETH (the dev accounts were
    // funded differently: 1,000 ETH on L2, 10,000 on revm), code and storage.
    for who in &everyone {
        both.view(
            token,
            &abi::encode_call("balanceOf(address)", &[address_word(*who)]),
        );
        for spender in &senders {
            both.view(
                token,
                &abi::encode_call(
                    "allowance(address,address)",
                    &[address_word(*who), address_word(spender.address)],
                ),
            );
        }
    }
    const ETH: u128 = 1_000_000_000_000_000_000;
    for (i, who) in everyone.iter().enumerate() {
        let (ours, theirs) = both.balances(*who);
        if i < senders.len() {
            assert_eq!(
                1_000 * ETH - ours,
                10_000 * ETH - theirs,
                "ETH spent by {i}"
            );
        } else {
            assert_eq!(ours, theirs, "ETH of outsider {i}");
        }
    }
    for contract in [token, fib, storage] {
        both.same_account(contract, &[0, 1, 2, 3, 4, 5, 6, 7]);
    }
    assert!(both.compared > 120);
    // Both sides of the token's rules were exercised: reverts carry their data.
    assert!(both.failed > 10, "{} reverts", both.failed);
}
