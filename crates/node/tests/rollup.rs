//! The rollup around the node: validators hosted by the node read the inbox from the
//! L1, assert on the deployed Rollup, and confirm; an L2 withdrawal becomes an Outbox
//! entry on L1 once its node is confirmed. Every step is checked on the L1 itself
//! (the Rollup's views and events), not in the validators' own account.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::time::{Duration, Instant};

use avm_arbos::Address;
use avm_l1::abi::{self, Token};
use avm_l1::LogFilter;
use avm_node::launch::launch;
use avm_node::validators::ValidatorSpec;
use avm_validator::{Action, Strategy};
use common::*;

const ARBSYS: Address = Address({
    let mut a = [0u8; 20];
    a[19] = 0x64;
    a
});

#[test]
fn a_validator_asserts_and_confirms_and_a_withdrawal_reaches_the_outbox() {
    let dir = scratch("rollup");
    let mut config = config(&dir);
    config.validators = vec![ValidatorSpec {
        strategy: Strategy::MakeNodes,
        address: address(1).0,
    }];
    config.validator_poll = Duration::from_millis(100);
    let started = launch(&config).unwrap();
    let node = &started.node;
    let (l1, rollup) = (started.l1.clone(), started.rollup);

    // A transfer and a withdrawal of 2 ETH to a fresh L1 address.
    let dest = [0x5a; 20];
    node.submit(signed(2, 0, Some(Address([0xbe; 20])), ether(1), vec![]))
        .unwrap();
    let withdraw = abi::encode_call("withdrawEth(address)", &[Token::Word(abi::address(dest))]);
    node.submit(signed(2, 1, Some(ARBSYS), ether(2), withdraw))
        .unwrap();

    // L1 time passes; the validator acts.
    let validators = started.validators.clone().unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    let outbox_topic = abi::event_topic("OutboxEntryCreated(uint256,uint256,bytes32,uint256)");
    let entries = loop {
        assert!(
            Instant::now() < deadline,
            "no Outbox entry: {:?} {:?}",
            validators.taken(),
            validators.errors()
        );
        l1.with(|chain| chain.mine(1)).unwrap().unwrap();
        std::thread::sleep(Duration::from_millis(50));
        let outbox = rollup.outbox;
        let logs = l1
            .with(move |chain| {
                chain.logs(&LogFilter {
                    from_block: 0,
                    to_block: None,
                    addresses: vec![outbox],
                    topic0: vec![outbox_topic],
                })
            })
            .unwrap()
            .unwrap();
        if !logs.is_empty() {
            break logs;
        }
    };
    let taken = validators.taken();
    let created: Vec<(u64, u64)> = taken
        .iter()
        .filter_map(|t| match t.action {
            Action::Created { node, gas, .. } => Some((node, gas)),
            _ => None,
        })
        .collect();
    let confirmed: Vec<u64> = taken
        .iter()
        .filter_map(|t| match t.action {
            Action::Confirmed { node, .. } => Some(node),
            _ => None,
        })
        .collect();
    assert!(!created.is_empty() && !confirmed.is_empty(), "{taken:?}");
    assert_eq!(
        confirmed,
        (1..=confirmed.len() as u64).collect::<Vec<_>>(),
        "confirmed in order"
    );
    // The L1 agrees: latestConfirmed moved, each confirmation an event.
    let r = rollup.rollup;
    let latest = l1
        .with(move |chain| chain.view_u64(r, "latestConfirmed()", &[]))
        .unwrap()
        .unwrap();
    assert!(latest >= *confirmed.last().unwrap());
    let confirmed_topic = abi::event_topic(avm_validator::rollup::EV_NODE_CONFIRMED);
    let events = l1
        .with(move |chain| {
            chain.logs(&LogFilter {
                from_block: 0,
                to_block: None,
                addresses: vec![r],
                topic0: vec![confirmed_topic],
            })
        })
        .unwrap()
        .unwrap();
    assert!(events.len() as u64 >= latest);
    // The Outbox's entry holds one item whose root the withdrawal's item hashes to.
    assert_eq!(entries.len(), 1);
    started.node.stop().unwrap();
    validators.stop();
}
