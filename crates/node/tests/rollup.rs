//! The rollup around the node: validators hosted by the node read the inbox from the
//! L1, assert on the deployed Rollup, and confirm; an L2 withdrawal becomes an Outbox
//! entry on L1 once its node is confirmed. Every step is checked on the L1 itself
//! (the Rollup's views and events), not in the validators' own account.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::time::{Duration, Instant};

use avm_arbos::Address;
use avm_l1::abi::{self, Token};
use avm_l1::{LogFilter, TxRequest, TxStatus};
use avm_node::launch::launch;
use avm_node::node_interface::{self, LOOKUP_MESSAGE_BATCH_PROOF};
use avm_node::validators::{ValidatorSpec, DEV_THRESHOLDS};
use avm_validator::{Action, Fault, Strategy};
use common::*;

const ARBSYS: Address = Address({
    let mut a = [0u8; 20];
    a[19] = 0x64;
    a
});

/// A validator with `strategy` staking from dev account `i`, on the dev thresholds.
fn validator(strategy: Strategy, i: u32) -> ValidatorSpec {
    ValidatorSpec {
        strategy,
        account: avm_l1::dev_accounts(i + 1).unwrap()[i as usize].clone(),
        thresholds: DEV_THRESHOLDS,
    }
}

#[test]
fn a_validator_asserts_and_confirms_and_a_withdrawal_reaches_the_outbox() {
    let dir = scratch("rollup");
    let mut config = config(&dir);
    config.validators = vec![validator(Strategy::MakeNodes, 1)];
    config.validator_poll = Duration::from_millis(100);
    let started = launch(&config).unwrap();
    let node = &started.node;
    let (l1, rollup) = (started.l1.clone(), started.rollup);

    // A transfer and a withdrawal of 2 ETH to a fresh L1 address (batch 0 of the
    // outbox), then three withdrawals in one block (batch 1: a three-leaf tree).
    let withdraw = |dest: [u8; 20]| {
        abi::encode_call("withdrawEth(address)", &[Token::Word(abi::address(dest))])
    };
    let dests: Vec<[u8; 20]> = (0..4u8).map(|i| [0x5a + i; 20]).collect();
    node.submit(signed(2, 0, Some(Address([0xbe; 20])), ether(1), vec![]))
        .unwrap();
    node.submit(signed(2, 1, Some(ARBSYS), ether(2), withdraw(dests[0])))
        .unwrap();
    let three: Vec<Vec<u8>> = (1..4)
        .map(|i| {
            signed(
                3,
                i as u64 - 1,
                Some(ARBSYS),
                ether(i),
                withdraw(dests[i as usize]),
            )
        })
        .collect();
    let answers = node.with(move |core| core.submit(three)).unwrap();
    assert!(answers.iter().all(Result::is_ok), "{answers:?}");

    // L1 time passes; the validator acts.
    let validators = started.validators.clone().unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    let entries = loop {
        assert!(
            Instant::now() < deadline,
            "no Outbox entry: {:?} {:?}",
            validators.taken(),
            validators.errors()
        );
        l1.with(|chain| chain.mine(1)).unwrap().unwrap();
        std::thread::sleep(Duration::from_millis(50));
        let logs = events(
            &l1,
            rollup.outbox,
            "OutboxEntryCreated(uint256,uint256,bytes32,uint256)",
        );
        if logs.len() >= 2 {
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
    let confirmed_events = events(&l1, r, avm_validator::rollup::EV_NODE_CONFIRMED);
    assert!(confirmed_events.len() as u64 >= latest);
    // The Outbox's entries are ArbOS's batches 0 and 1, with one and three items.
    let entry = |log: &avm_l1::Log| {
        (
            abi::word_to_u64(&log.topics[1].0).unwrap(),
            abi::word_to_u64(&abi::word_at(&log.data, 2).unwrap()).unwrap(),
        )
    };
    assert_eq!(
        entries.iter().map(entry).collect::<Vec<_>>(),
        [(0, 1), (1, 3)]
    );

    // Each withdrawal executes on L1 with what NodeInterface answers, once.
    // (batch, index, ether, proof length): three leaves are ((0, 1), 2).
    let expected = [(0, 0, 2, 0), (1, 0, 1, 2), (1, 1, 2, 2), (1, 2, 3, 1)];
    for (dest, (batch, index, eth, depth)) in dests.iter().copied().zip(expected) {
        let input = abi::encode_call(
            LOOKUP_MESSAGE_BATCH_PROOF,
            &[
                Token::Word(abi::uint64(batch)),
                Token::Word(abi::uint64(index)),
            ],
        );
        let answer = node_interface::answer(&node.archive().read().unwrap(), &input).unwrap();
        let words = abi::decode_words(&answer, 9).unwrap();
        assert_eq!(abi::word_address(&words[3]), Some(dest));
        let proof = abi::decode_words_at(&answer, 0).unwrap();
        assert_eq!(proof.len(), depth, "proof of {batch}/{index}");
        let execute = abi::encode_call(
            "executeTransaction(uint256,bytes32[],uint256,address,address,uint256,uint256,uint256,uint256,bytes)",
            &[
                Token::Word(abi::uint64(batch)),
                Token::Words(proof),
                Token::Word(words[1]),
                Token::Word(words[2]),
                Token::Word(words[3]),
                Token::Word(words[4]),
                Token::Word(words[5]),
                Token::Word(words[6]),
                Token::Word(words[7]),
                Token::Bytes(abi::decode_bytes_at(&answer, 8).unwrap()),
            ],
        );
        let (outbox, anyone) = (rollup.outbox, address(4).0);
        let (receipt, again, balance) = l1
            .with(move |chain| {
                let receipt =
                    chain.must(TxRequest::call(anyone, outbox, execute.clone(), "execute"))?;
                let again =
                    chain.send(TxRequest::call(anyone, outbox, execute, "execute again"))?;
                Ok::<_, avm_l1::L1Error>((receipt, again, chain.balance(dest)?))
            })
            .unwrap()
            .unwrap();
        assert_eq!(balance, ether(eth), "{batch}/{index}: {receipt:?}");
        assert_eq!(again.status, TxStatus::Revert);
        assert_eq!(again.revert.unwrap().to_string(), "reverted: ALREADY_SPENT");
    }
    // An item past the batch's end has no proof.
    let past = abi::encode_call(
        LOOKUP_MESSAGE_BATCH_PROOF,
        &[Token::Word(abi::uint64(1)), Token::Word(abi::uint64(3))],
    );
    assert!(node_interface::answer(&node.archive().read().unwrap(), &past).is_err());
    started.node.stop().unwrap();
    validators.stop();
}

fn events(l1: &avm_l1::chain::ChainHandle, address: [u8; 20], signature: &str) -> Vec<avm_l1::Log> {
    let topic = abi::event_topic(signature);
    l1.with(move |chain| {
        chain.logs(&LogFilter {
            from_block: 0,
            to_block: None,
            addresses: vec![address],
            topic0: vec![topic],
        })
    })
    .unwrap()
    .unwrap()
}

#[test]
fn a_validator_claiming_a_wrong_machine_hash_is_challenged_and_loses() {
    a_faulty_validator_is_challenged_loses_and_its_node_is_rejected(Fault::MachineHash);
}

#[test]
fn a_validator_claiming_a_send_too_many_is_challenged_and_loses() {
    a_faulty_validator_is_challenged_loses_and_its_node_is_rejected(Fault::Sends);
}

#[test]
fn a_validator_claiming_a_message_too_many_is_challenged_and_loses() {
    a_faulty_validator_is_challenged_loses_and_its_node_is_rejected(Fault::Messages);
}

fn a_faulty_validator_is_challenged_loses_and_its_node_is_rejected(fault: Fault) {
    let dir = scratch(&format!("rollup-faulty-{fault:?}"));
    let mut config = config(&dir);
    config.validators = vec![
        validator(Strategy::Faulty(fault), 3),
        validator(Strategy::MakeNodes, 1),
        validator(Strategy::Defensive, 2),
    ];
    config.validator_poll = Duration::from_millis(50);
    let started = launch(&config).unwrap();
    let node = &started.node;
    let (l1, rollup) = (started.l1.clone(), started.rollup);
    let validators = started.validators.clone().unwrap();
    node.submit(signed(5, 0, Some(Address([0xbe; 20])), ether(1), vec![]))
        .unwrap();

    let deadline = Instant::now() + Duration::from_secs(240);
    let r = rollup.rollup;
    let (rejected, confirmed) = loop {
        assert!(
            Instant::now() < deadline,
            "no rejection: {:?} {:?}",
            validators.taken(),
            validators.errors()
        );
        l1.with(|chain| chain.mine(1)).unwrap().unwrap();
        std::thread::sleep(Duration::from_millis(100));
        let rejected = events(&l1, r, avm_validator::rollup::EV_NODE_REJECTED);
        let confirmed = events(&l1, r, avm_validator::rollup::EV_NODE_CONFIRMED);
        let number = |log: &avm_l1::Log| abi::word_to_u64(&log.topics[1].0).unwrap();
        let defensive_done = validators
            .taken()
            .iter()
            .any(|t| t.validator == address(2).0 && matches!(t.action, Action::Withdrew { .. }));
        if let Some(wrong) = rejected.first().map(number) {
            // Wait until a node past the rejected one is confirmed, and the defensive
            // validator has its stake back.
            if defensive_done && confirmed.iter().map(number).any(|n| n > wrong) {
                break (wrong, confirmed.iter().map(number).collect::<Vec<_>>());
            }
        }
    };
    let taken = validators.taken();
    // The faulty validator made the rejected node, and an honest one challenged it.
    let faulty = address(3).0;
    assert!(
        taken.iter().any(|t| t.validator == faulty
            && matches!(t.action, Action::Created { node, .. } if node == rejected)),
        "{taken:?}"
    );
    let challenged = taken
        .iter()
        .find_map(|t| match t.action {
            Action::Challenged {
                challenge,
                opponent,
                ..
            } => Some((t.validator, challenge, opponent)),
            _ => None,
        })
        .expect("a challenge");
    assert_eq!(challenged.2, faulty);
    // On L1: the challenge started, its contract is gone, the faulty staker lost its
    // stake (a zombie) and the honest challenger holds its own and half the loser's.
    let started_events = events(&l1, r, avm_validator::rollup::EV_CHALLENGE_STARTED);
    assert_eq!(started_events.len(), 1);
    let (honest, challenge) = (challenged.0, challenged.1);
    let (code, faulty_staked, honest_stake) = l1
        .with(move |chain| {
            let code = chain.has_code(challenge)?;
            let staked =
                chain.view_word(r, "isStaked(address)", &[Token::Word(abi::address(faulty))])?;
            let stake = chain.view_word(
                r,
                "amountStaked(address)",
                &[Token::Word(abi::address(honest))],
            )?;
            Ok::<_, avm_l1::L1Error>((code, staked, stake))
        })
        .unwrap()
        .unwrap();
    assert!(!code, "the Challenge is over");
    assert_eq!(faulty_staked, abi::boolean(false));
    assert_eq!(honest_stake, abi::uint128(ether(1) + ether(1) / 2));
    // Confirmed nodes are in order, and the rejected one is not among them.
    assert!(confirmed.windows(2).all(|w| w[0] < w[1]), "{confirmed:?}");
    assert!(!confirmed.contains(&rejected));
    // The defensive validator staked only while a wrong node stood, and has its
    // stake back in its account.
    let defensive = address(2).0;
    assert!(taken.iter().any(|t| t.validator == defensive
        && matches!(t.action, Action::Staked { wei, .. } if wei == ether(1))));
    assert!(taken
        .iter()
        .any(|t| matches!(t.action, Action::Returned { staker, .. } if staker == defensive)));
    let (staked, funds) = l1
        .with(move |chain| {
            let who = [Token::Word(abi::address(defensive))];
            Ok::<_, avm_l1::L1Error>((
                chain.view_word(r, "isStaked(address)", &who)?,
                chain.view_word(r, "withdrawableFunds(address)", &who)?,
            ))
        })
        .unwrap()
        .unwrap();
    assert_eq!((staked, funds), (abi::boolean(false), abi::uint128(0)));
    let moves = taken
        .iter()
        .filter(|t| matches!(t.action, Action::Moved { .. }))
        .count();
    assert!(moves >= 2, "{taken:?}");
    started.node.stop().unwrap();
    validators.stop();
}

#[test]
fn restarted_validators_start_from_their_checkpoint_and_go_on() {
    let dir = scratch("rollup-restart");
    let mut config = config(&dir);
    config.validators = vec![validator(Strategy::MakeNodes, 1)];
    config.validator_poll = Duration::from_millis(50);
    let withdraw = |nonce: u64| {
        let data = abi::encode_call(
            "withdrawEth(address)",
            &[Token::Word(abi::address([0x77; 20]))],
        );
        signed(2, nonce, Some(ARBSYS), ether(1), data)
    };
    // Mines until the Outbox holds `entries` entries; the latest confirmed node then.
    let wait_for_entries = |started: &avm_node::launch::Started, entries: usize| {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            assert!(
                Instant::now() < deadline,
                "{:?}",
                started.validators.as_ref().unwrap().errors()
            );
            started.l1.with(|chain| chain.mine(1)).unwrap().unwrap();
            std::thread::sleep(Duration::from_millis(50));
            let found = events(
                &started.l1,
                started.rollup.outbox,
                "OutboxEntryCreated(uint256,uint256,bytes32,uint256)",
            );
            if found.len() >= entries {
                let r = started.rollup.rollup;
                return started
                    .l1
                    .with(move |chain| chain.view_u64(r, "latestConfirmed()", &[]))
                    .unwrap()
                    .unwrap();
            }
        }
    };
    let started = launch(&config).unwrap();
    started.node.submit(withdraw(0)).unwrap();
    let confirmed = wait_for_entries(&started, 1);
    assert!(confirmed >= 1);
    let validators = started.validators.clone().unwrap();
    assert_eq!(validators.started_from(), None);
    let deadline = Instant::now() + Duration::from_secs(30);
    while validators.checkpointed() < Some(confirmed) {
        assert!(
            Instant::now() < deadline,
            "no checkpoint: {:?}",
            validators.errors()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let confirmed = validators.checkpointed().unwrap();
    validators.stop();
    started.node.stop().unwrap();
    drop(validators);
    drop(started);

    let started = launch(&config).unwrap();
    assert!(started.resumed);
    let validators = started.validators.clone().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while validators.started_from().is_none() {
        assert!(Instant::now() < deadline, "{:?}", validators.errors());
        std::thread::sleep(Duration::from_millis(50));
    }
    // It started from the node confirmed last (or a later one, confirmed since).
    assert!(validators.started_from().unwrap() >= confirmed);
    started.node.submit(withdraw(1)).unwrap();
    let after = wait_for_entries(&started, 2);
    assert!(after > confirmed);
    assert!(validators.errors().is_empty(), "{:?}", validators.errors());
    validators.stop();
    started.node.stop().unwrap();
}
