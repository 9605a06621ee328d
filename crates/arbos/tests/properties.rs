//! Properties over generated inputs: every encoder round-trips through its decoder,
//! the RLP decoder accepts only canonical encodings, and no decoder panics on any
//! bytes or any value.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use avm_arbos::compressed;
use avm_arbos::outbox::{BatchSend, L2ToL1Tx};
use avm_arbos::rlp::{self, Item};
use avm_arbos::{
    alias, unalias, Address, ArbosLog, Budget, ChainParameters, InboxMessage, L2Message,
    RetryableTicket, SignedTx, UnsignedCall,
};
use avm_value::{Buffer, Hash, Int, Tuple, Value};
use proptest::prelude::*;

fn any_int() -> impl Strategy<Value = Int> {
    prop_oneof![
        (0u64..300).prop_map(Int::from),
        any::<u64>().prop_map(Int::from),
        any::<[u8; 32]>().prop_map(Int::from_be_bytes),
    ]
}

fn any_address() -> impl Strategy<Value = Address> {
    prop_oneof![
        Just(Address::ZERO),
        any::<[u8; 20]>().prop_map(Address),
        (1u64..1000).prop_map(|n| Address::from_int(&Int::from(n)).unwrap()),
    ]
}

fn any_bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 0..max)
}

/// A v of either form: 27/28, or EIP-155 for a chain id of any size.
fn any_v() -> impl Strategy<Value = Int> {
    prop_oneof![
        (27u64..=28).prop_map(Int::from),
        (any_int(), 0u64..2).prop_map(|(chain, rid)| {
            let chain = chain >> 2; // leave room for 35 + 2·chain
            Int::from(35u8) + (chain << 1) + Int::from(rid)
        }),
    ]
}

fn any_signed_tx() -> impl Strategy<Value = SignedTx> {
    (
        (any_int(), any_int(), any_int()),
        proptest::option::of(any_address()),
        any_int(),
        any_bytes(200),
        (any_v(), any_int(), any_int()),
    )
        .prop_map(
            |((nonce, gas_price, gas_limit), to, value, data, (v, r, s))| SignedTx {
                nonce,
                gas_price,
                gas_limit,
                to,
                value,
                data,
                v,
                r,
                s,
            },
        )
}

fn any_call() -> impl Strategy<Value = UnsignedCall> {
    (
        any_int(),
        any_int(),
        any_address(),
        any_int(),
        any_bytes(100),
    )
        .prop_map(|(max_gas, gas_price, dest, value, calldata)| UnsignedCall {
            max_gas,
            gas_price,
            dest,
            value,
            calldata,
        })
}

fn any_unsigned_message() -> impl Strategy<Value = L2Message> {
    prop_oneof![
        (any_int(), any_call()).prop_map(|(nonce, call)| L2Message::UnsignedEoaTx { nonce, call }),
        any_call().prop_map(L2Message::UnsignedContractTx),
        any_call().prop_map(L2Message::NonMutatingCall),
        Just(L2Message::Heartbeat),
    ]
}

/// Values of any shape: integers, buffers, and tuples of up to 8, a few levels deep.
fn any_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        any_int().prop_map(Value::Int),
        any_bytes(40).prop_map(|b| Value::Buffer(Buffer::from_bytes(&b))),
        Just(Value::none()),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        proptest::collection::vec(inner, 0..=8)
            .prop_map(|items| Value::Tuple(Tuple::new(items).unwrap()))
    })
}

/// `value` with the item at `path` (indexes taken modulo each tuple's length) replaced.
fn replace_at(value: &Value, path: &[usize], with: Value) -> Value {
    match (value, path.split_first()) {
        (Value::Tuple(t), Some((first, rest))) if !t.is_empty() => {
            let index = first % t.len();
            let mut items = t.items().to_vec();
            items[index] = replace_at(&items[index], rest, with);
            Value::Tuple(Tuple::new(items).unwrap())
        }
        _ => with,
    }
}

fn int_v(n: u64) -> Value {
    Value::Int(Int::from(n))
}

fn tuple(items: Vec<Value>) -> Value {
    Value::Tuple(Tuple::new(items).unwrap())
}

fn sized(bytes: &[u8]) -> Value {
    tuple(vec![
        int_v(bytes.len() as u64),
        Value::Buffer(Buffer::from_bytes(bytes)),
    ])
}

/// A well-formed receipt with one log, to mutate.
fn receipt_value() -> Value {
    let four = || tuple(vec![int_v(1), int_v(2), int_v(3), int_v(4)]);
    tuple(vec![
        int_v(0),
        tuple(vec![
            int_v(3),
            int_v(1),
            int_v(2),
            int_v(3),
            int_v(4),
            int_v(5),
            sized(&[6, 7]),
            tuple(vec![
                tuple(vec![int_v(1), int_v(0), Value::Int(Int::MAX)]),
                tuple(vec![
                    int_v(1),
                    tuple(vec![tuple(vec![int_v(1), int_v(9)]), int_v(8)]),
                ]),
                int_v(0),
                tuple(vec![int_v(1), tuple(vec![int_v(1), int_v(0), int_v(1)])]),
            ]),
        ]),
        tuple(vec![
            int_v(0),
            sized(&[1; 32]),
            tuple(vec![
                tuple(vec![int_v(0x65), sized(&[1]), int_v(7), int_v(8)]),
                Value::none(),
            ]),
        ]),
        tuple(vec![int_v(10), int_v(11)]),
        tuple(vec![int_v(12), int_v(13), int_v(14)]),
        tuple(vec![four(), four(), four(), int_v(0), int_v(1)]),
        int_v(0),
    ])
}

proptest! {
    #[test]
    fn signed_transactions_round_trip_through_raw_bytes(tx in any_signed_tx()) {
        let raw = tx.encode();
        let back = SignedTx::decode(&raw).unwrap();
        prop_assert_eq!(&back, &tx);
        prop_assert_eq!(back.encode(), raw);
    }

    #[test]
    fn compressed_transactions_rebuild_the_signed_one(tx in any_signed_tx()) {
        prop_assume!(tx.to != Some(Address::ZERO));
        let bytes = tx.to_compressed().unwrap();
        let decoded = compressed::decode(&bytes).unwrap();
        let chain = tx.chain_id().unwrap_or(Int::from(42161u64));
        prop_assert_eq!(decoded.to_signed_tx(&chain).unwrap(), tx);
        prop_assert_eq!(decoded.encode(), bytes);
    }

    #[test]
    fn unsigned_messages_and_batches_round_trip(
        messages in proptest::collection::vec(any_unsigned_message(), 0..6),
    ) {
        for message in &messages {
            prop_assert_eq!(&L2Message::decode(&message.encode()).unwrap(), message);
        }
        let batch = L2Message::batch(&messages);
        prop_assert_eq!(L2Message::decode(&batch.encode()).unwrap(), batch);
    }

    #[test]
    fn byte_formats_round_trip(
        ticket in (any_address(), any_int(), any_int(), any_address(), any_bytes(80)),
        item in (any_address(), any_address(), any_int(), any_int(), any_bytes(80)),
        pairs in proptest::collection::vec((any::<[u8; 32]>(), any_int()), 0..5),
        send in (any_int(), any_int(), any::<[u8; 32]>()),
    ) {
        let ticket = RetryableTicket {
            dest: ticket.0,
            deposit: ticket.1,
            max_gas: ticket.2,
            beneficiary: ticket.3,
            calldata: ticket.4,
            ..RetryableTicket::default()
        };
        prop_assert_eq!(RetryableTicket::decode(&ticket.encode()).unwrap(), ticket);
        let item = L2ToL1Tx {
            caller: item.0,
            destination: item.1,
            l2_block: item.2,
            l1_block: Int::from(7u8),
            timestamp: Int::from(9u8),
            amount: item.3,
            calldata: item.4,
        };
        prop_assert_eq!(L2ToL1Tx::decode(&item.encode()).unwrap(), item);
        let params = ChainParameters { pairs: pairs.into_iter().map(|(id, v)| (Hash(id), v)).collect() };
        prop_assert_eq!(ChainParameters::decode(&params.encode()).unwrap(), params);
        let send = BatchSend { batch_number: send.0, num_in_batch: send.1, root: Hash(send.2) };
        prop_assert_eq!(BatchSend::decode(&send.encode()).unwrap(), send);
    }

    #[test]
    fn inbox_messages_round_trip_through_values(
        kind in any::<u8>(), sender in any_address(), seq in any_int(), payload in any_bytes(100),
    ) {
        let message = InboxMessage { kind, sender, seq_num: seq, payload, ..InboxMessage::default() };
        let back = InboxMessage::from_value(&message.to_value(), &mut Budget::default()).unwrap();
        prop_assert_eq!(back, message);
    }

    #[test]
    fn alias_and_unalias_are_inverse(address in any_address()) {
        let offset = avm_arbos::address::ALIAS_OFFSET;
        // The two documented exceptions: 2^160 − offset aliases to 0, and unalias(offset)
        // is 0, whose alias is 0.
        prop_assume!(alias(address) != Address::ZERO || address.is_zero());
        prop_assert_eq!(unalias(alias(address)), address);
        prop_assume!(address != offset);
        prop_assert_eq!(alias(unalias(address)), address);
    }

    #[test]
    fn rlp_items_decode_only_from_their_canonical_encoding(bytes in any_bytes(80)) {
        if let Ok((item, rest)) = rlp::decode_item(&bytes) {
            let consumed = &bytes[..bytes.len() - rest.len()];
            let mut again = vec![];
            match item {
                Item::String(b) => rlp::encode_bytes(b, &mut again),
                Item::List(c) => rlp::encode_list(c, &mut again),
            }
            prop_assert_eq!(again.as_slice(), consumed);
        }
    }

    #[test]
    fn integers_round_trip_through_rlp(n in any_int()) {
        let bytes = rlp::uint(&n);
        prop_assert_eq!(rlp::decode_uint(&bytes).unwrap(), (n, &[][..]));
    }

    #[test]
    fn byte_decoders_never_panic(bytes in any_bytes(400), first in any::<u8>()) {
        let mut bytes = bytes;
        bytes.insert(0, first);
        let _ = SignedTx::decode(&bytes);
        let _ = L2Message::decode(&bytes);
        let _ = compressed::decode(&bytes);
        let _ = RetryableTicket::decode(&bytes);
        let _ = ChainParameters::decode(&bytes);
        let _ = BatchSend::decode(&bytes);
        let _ = L2ToL1Tx::decode(&bytes);
        let mut subtype7 = vec![7, 0xff];
        subtype7.extend_from_slice(&bytes);
        let _ = compressed::decode(&subtype7);
    }

    #[test]
    fn log_decoding_never_panics_on_any_value(value in any_value(), log_type in 0u64..5) {
        let _ = ArbosLog::from_value(&value);
        let typed = replace_at(&value, &[0], int_v(log_type));
        let _ = ArbosLog::from_value(&typed);
    }

    #[test]
    fn a_receipt_with_any_part_replaced_decodes_or_says_where_it_broke(
        path in proptest::collection::vec(any::<usize>(), 1..6),
        with in any_value(),
    ) {
        let original = receipt_value();
        prop_assert!(ArbosLog::from_value(&original).is_ok());
        let mutated = replace_at(&original, &path, with);
        if let Err(e) = ArbosLog::from_value(&mutated) {
            prop_assert!(!e.at.is_empty(), "{}", e);
        }
    }
}
