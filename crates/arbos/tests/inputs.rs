//! The formats a node writes into ArbOS's inbox, against the worked examples of
//! arbos-l2.md (§3, §4, §5) and classic-rollup.md (§2, §4), upstream constants, and
//! the verifier's own inbox value.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use avm_arbos::ids::{self, request_id, retryable_ticket_id};
use avm_arbos::inbox::delayed_seq_num;
use avm_arbos::l2message::L2MessageError;
use avm_arbos::params::{parameter_id, parameter_name, RollupInit, PARAMETER_DEFAULTS};
use avm_arbos::retryable::RetryableError;
use avm_arbos::{
    alias, unalias, Address, Budget, ChainParameters, InboxMessage, L2Message, MessageKind,
    RetryableTicket, UnsignedCall,
};
use avm_value::{keccak256, Hash, Int};
use avm_verifier::classic::L1Message;
use common::*;

fn h(s: &str) -> Hash {
    s.parse().unwrap()
}

#[test]
fn parameter_ids_are_the_keccak_of_their_names() {
    assert_eq!(
        parameter_id("ChainID"),
        h("0x625a539a292ffb7be735d7db3f6b9b9c88b9ced262ae58163dfb75ba308551f2")
    );
    // chainParameters.mini's ChainOwnerKeccak.
    assert_eq!(
        parameter_id("ChainOwner"),
        h("0x1567aa7175e04611d194275bb504cc64e920959dd01df9d86ab047367aa4c534")
    );
    assert_eq!(
        parameter_name(&parameter_id("GasPoolMax")),
        Some("GasPoolMax")
    );
    assert_eq!(parameter_name(&parameter_id("NoSuchParameter")), None);
    assert_eq!(PARAMETER_DEFAULTS.len(), 35);
}

#[test]
fn the_section3_init_payload_is_two_pairs() {
    let payload = ChainParameters::new()
        .chain_id(412346)
        .add_owner(addr("0x00000000000000000000000000000000000a11ce"))
        .encode();
    let expected = concat!(
        "625a539a292ffb7be735d7db3f6b9b9c88b9ced262ae58163dfb75ba308551f2",
        "0000000000000000000000000000000000000000000000000000000000064aba",
        "1567aa7175e04611d194275bb504cc64e920959dd01df9d86ab047367aa4c534",
        "00000000000000000000000000000000000000000000000000000000000a11ce",
    );
    assert_eq!(hex::encode(&payload), expected);
    let back = ChainParameters::decode(&payload).unwrap();
    assert!(back.unknown_ids().is_empty());
    assert_eq!(back.encode(), payload);
    assert!(ChainParameters::decode(&payload[..63]).is_err());
    let unknown = ChainParameters::new().set("Bogus", int(1));
    assert_eq!(unknown.unknown_ids(), vec![parameter_id("Bogus")]);
}

/// classic-rollup.md §2: the init message of the rollup created with confirm period 20,
/// speed limit 1,000,000 AVM gas per block and owner 0x0a…0a, delivered as delayed
/// message 0 at L1 block 101 (timestamp 1,650,000,000 + 13·101): the Bridge's
/// accumulator after it was 0x5fe44eba…65e9.
#[test]
fn the_rollup_init_message_hashes_to_the_bridge_accumulator_seen_on_l1() {
    let payload = RollupInit {
        challenge_period_eth_blocks: int(20),
        avm_gas_speed_limit_per_block: int(1_000_000),
        owner: Address([0x0a; 20]),
        extra_config: ChainParameters::new(),
    }
    .encode();
    assert_eq!(payload.len(), 192);
    let message = L1Message {
        kind: MessageKind::SetChainParameters.code(),
        sender: [0; 20],
        block_number: int(101),
        timestamp: int(1_650_000_000 + 13 * 101),
        inbox_seq_num: int(0),
        gas_price: int(0),
        data: payload,
    };
    let mut acc = [0u8; 64];
    acc[32..].copy_from_slice(&message.message_hash().0);
    let acc = hex::encode(keccak256(&acc).0);
    assert!(
        acc.starts_with("5fe44eba") && acc.ends_with("65e9"),
        "{acc}"
    );
}

#[test]
fn the_alias_adds_0x1111_modulo_2_160_and_unalias_undoes_it() {
    assert_eq!(
        alias(addr("0x00000000000000000000000000000000000d0001")),
        addr("0x11110000000000000000000000000000000d1112")
    );
    // classic-rollup.md §3: the sequencer 0x5e…5e posts as 0x6f6f5e…5e6f6f.
    assert_eq!(
        alias(Address([0x5e; 20])),
        addr("0x6f6f5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e6f6f")
    );
    assert_eq!(alias(Address::ZERO), Address::ZERO);
    // Wrapping past 2^160: 0xff…ff is −1.
    assert_eq!(
        alias(Address([0xff; 20])),
        addr("0x1111000000000000000000000000000000001110")
    );
    for a in [dev(), Address([0xff; 20]), Address([0x5e; 20])] {
        assert_eq!(unalias(alias(a)), a);
        assert_eq!(alias(unalias(a)), a);
    }
}

/// classic-rollup.md §4: `Inbox.depositEth(0)` of 2 ETH from USER 0x11…11, delayed
/// message 1, on a chain with the default id 42161: ticket id 0x9ddd3ed3…16c1.
#[test]
fn the_rollup_deposit_payload_and_ticket_id_match_the_l1_run() {
    let user = Address([0x11; 20]);
    let ticket = RetryableTicket::deposit_eth(user, ether(2), Int::ZERO);
    let payload = ticket.encode();
    assert_eq!(payload.len(), 288);
    assert_eq!(&payload[..32], &user.word());
    assert_eq!(&payload[64..96], &ether(2).to_be_bytes::<32>());
    assert_eq!(&payload[128..192], [user.word(), user.word()].concat());
    assert_eq!(RetryableTicket::decode(&payload).unwrap(), ticket);
    let request = request_id(&int(42161), &delayed_seq_num(&int(1)));
    let id = hex::encode(retryable_ticket_id(&request).0);
    assert!(id.starts_with("9ddd3ed3") && id.ends_with("16c1"), "{id}");
}

#[test]
fn malformed_retryables_get_typed_errors() {
    let mut payload = RetryableTicket {
        calldata: vec![1, 2, 3],
        ..RetryableTicket::default()
    }
    .encode();
    assert_eq!(
        RetryableTicket::decode(&payload[..100]),
        Err(RetryableError::Short(100))
    );
    payload.push(4);
    assert!(matches!(
        RetryableTicket::decode(&payload),
        Err(RetryableError::CalldataLength { actual: 4, .. })
    ));
    payload.pop();
    payload[0] = 1;
    assert_eq!(
        RetryableTicket::decode(&payload),
        Err(RetryableError::NotAddress("dest"))
    );
}

fn sample_call() -> UnsignedCall {
    UnsignedCall {
        max_gas: int(1_000_000),
        gas_price: int(7),
        dest: addr("0x0000000000000000000000000000000000000065"),
        value: int(3),
        calldata: vec![0xde, 0xad],
    }
}

#[test]
fn unsigned_messages_lay_out_words_as_inbox_mini_reads_them() {
    let call = sample_call();
    let eoa = L2Message::UnsignedEoaTx {
        nonce: int(9),
        call: call.clone(),
    }
    .encode();
    assert_eq!(eoa.len(), 1 + 5 * 32 + 2);
    assert_eq!(eoa[0], 0);
    // maxGas, gasPrice, nonce, dest, value.
    assert_eq!(&eoa[1 + 2 * 32..1 + 3 * 32], &int(9).to_be_bytes::<32>());
    assert_eq!(&eoa[1 + 3 * 32..1 + 4 * 32], &call.dest.word());
    // inbox.mini reads a kind-7 deposit's value at 1+4·32 (subtype 0), 1+3·32 (subtype 1).
    assert_eq!(&eoa[1 + 4 * 32..1 + 5 * 32], &int(3).to_be_bytes::<32>());
    let contract = L2Message::UnsignedContractTx(call.clone()).encode();
    assert_eq!(
        &contract[1 + 3 * 32..1 + 4 * 32],
        &int(3).to_be_bytes::<32>()
    );
    // Subtype 2 has the value word too (v58; the old docs omit it).
    let query = L2Message::NonMutatingCall(call.clone()).encode();
    assert_eq!(query[0], 2);
    assert_eq!(&query[1..], &contract[1..]);
    for bytes in [eoa, contract, query] {
        assert_eq!(L2Message::decode(&bytes).unwrap().encode(), bytes);
    }
}

#[test]
fn batches_prefix_items_with_rlp_lengths() {
    let small = L2Message::Heartbeat;
    let big = L2Message::UnsignedContractTx(UnsignedCall {
        calldata: vec![0x55; 200],
        ..sample_call()
    });
    let batch = L2Message::batch([&small, &big]);
    let bytes = batch.encode();
    // 03 ‖ 01 06 ‖ 82 0149 ‖ (329 = 1 + 4·32 + 200 bytes).
    assert_eq!(&bytes[..6], &[0x03, 0x01, 0x06, 0x82, 0x01, 0x49]);
    assert_eq!(bytes.len(), 6 + 329);
    let back = L2Message::decode(&bytes).unwrap();
    assert_eq!(back, batch);
    let L2Message::Batch(items) = back else {
        panic!("not a batch")
    };
    assert_eq!(L2Message::decode(&items[1]).unwrap(), big);
    // An empty item (end of block from the default aggregator) is 80.
    assert_eq!(L2Message::Batch(vec![vec![]]).encode(), [0x03, 0x80]);
    // A length running past the end.
    assert_eq!(
        L2Message::decode(&[0x03, 0x05, 0x06]),
        Err(L2MessageError::Truncated("a batch item"))
    );
}

#[test]
fn malformed_l2_messages_get_typed_errors() {
    assert_eq!(L2Message::decode(&[]), Err(L2MessageError::Empty));
    assert_eq!(
        L2Message::decode(&[5]),
        Err(L2MessageError::UnknownSubtype(5))
    );
    assert_eq!(
        L2Message::decode(&[6, 0]),
        Err(L2MessageError::TrailingBytes(1))
    );
    assert_eq!(
        L2Message::decode(&[1; 40]),
        Err(L2MessageError::Truncated("gasPrice"))
    );
    let mut bad_dest = L2Message::UnsignedContractTx(sample_call()).encode();
    bad_dest[1 + 2 * 32] = 1;
    assert!(matches!(
        L2Message::decode(&bad_dest),
        Err(L2MessageError::BadField(_))
    ));
    assert!(matches!(
        L2Message::decode(&[4, 0x01, 0xc0]),
        Err(L2MessageError::SignedTx(_))
    ));
    assert_eq!(
        L2Message::Heartbeat.funded_by_l1_payload(),
        Err(L2MessageError::NotFundable)
    );
}

#[test]
fn request_ids_follow_the_documented_formulas() {
    let chain = int(CHAIN_ID);
    let word = |n: &Int| n.to_be_bytes::<32>();
    assert_eq!(
        request_id(&chain, &int(7)),
        keccak256(&[word(&chain), word(&int(7))].concat())
    );
    let payload = [0u8, 1, 2];
    let sender = addr("0x0000000000000000000000000000000000000401");
    let inner = keccak256(&[word(&chain).as_slice(), &keccak256(&payload).0].concat());
    assert_eq!(
        ids::unsigned_eoa_request_id(sender, &chain, &payload),
        keccak256(&[sender.word(), inner.0].concat())
    );
    assert_eq!(delayed_seq_num(&int(5)), (Int::from(1u8) << 255) + int(5));
}

#[test]
fn inbox_messages_are_the_tuple_the_verifier_builds_and_read_back() {
    let message = InboxMessage {
        kind: 9,
        l1_block: int(104),
        l1_timestamp: int(1_650_001_352),
        sender: Address([0x11; 20]),
        seq_num: delayed_seq_num(&int(1)),
        l1_gas_price: int(7_000_000_000),
        payload: RetryableTicket::deposit_eth(Address([0x11; 20]), ether(2), Int::ZERO).encode(),
    };
    let verifier = L1Message {
        kind: 9,
        sender: [0x11; 20],
        block_number: int(104),
        timestamp: int(1_650_001_352),
        inbox_seq_num: int(1),
        gas_price: int(7_000_000_000),
        data: message.payload.clone(),
    };
    let ours = message.to_value();
    assert!(avm_value::same_value(&ours, &verifier.avm_value(true)));
    assert_eq!(
        InboxMessage::from_value(&ours, &mut Budget::default()).unwrap(),
        message
    );
    assert_eq!(
        MessageKind::from_code(11),
        Some(MessageKind::SetChainParameters)
    );
    assert_eq!(MessageKind::from_code(5), None);
}
