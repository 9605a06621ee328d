//! Reading ArbOS's outputs back, against the shapes and worked examples of
//! arbos-l2.md §6-§8 and classic-rollup.md §7, upstream's definitions, and an
//! independent Ethereum library.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use avm_arbos::eth::{create_address, logs_bloom};
use avm_arbos::outbox::{
    leaf_hash, merkle_root, BatchSend, L2ToL1Tx, OutboxBatchLog, OutboxError, OutboxProof,
};
use avm_arbos::read::Problem;
use avm_arbos::{alias, Address, ArbosLog, Budget, EvmLog, ResultCode, TxReceipt};
use avm_value::{keccak256, Buffer, Hash, Int, Tuple, Value};
use common::*;

fn i(n: u64) -> Value {
    Value::Int(Int::from(n))
}

fn big(n: Int) -> Value {
    Value::Int(n)
}

fn t(items: Vec<Value>) -> Value {
    Value::Tuple(Tuple::new(items).unwrap())
}

fn sized(bytes: &[u8]) -> Value {
    t(vec![
        i(bytes.len() as u64),
        Value::Buffer(Buffer::from_bytes(bytes)),
    ])
}

/// The Fibonacci deploy receipt of arbos-l2.md §6, with its abbreviated request id and
/// payload filled in (their exact values are checked by running ArbOS, in arbos_chain).
fn section6_receipt(payload: Value, log_list: Value) -> Value {
    let contract = hex_bytes("000000000000000000000000e7f1725e7734ce288f8367e1bb143e90bb3f0512");
    t(vec![
        i(0),
        t(vec![
            i(3),
            i(1),
            i(0x3e8),
            i(0x6553f100),
            big(dev().to_int()),
            big(Int::from(0xa8fb_u64)),
            payload,
            t(vec![
                t(vec![i(4), i(0), big(Int::MAX)]),
                t(vec![i(1), t(vec![t(vec![i(0)]), i(0x2098)])]),
                i(0),
                t(vec![i(0)]),
            ]),
        ]),
        t(vec![i(0), sized(&contract), log_list]),
        t(vec![i(0x2e24), i(0)]),
        t(vec![i(0x2e24), i(3), i(1)]),
        t(vec![
            t(vec![i(0), i(0), i(0), i(0)]),
            t(vec![i(1), i(0x2098), i(0xe), i(0x2e24)]),
            t(vec![i(0), i(0), i(0), i(0)]),
            i(0),
            i(0),
        ]),
        i(0),
    ])
}

fn creation_payload() -> Vec<u8> {
    let tx = sign(
        DEV_KEY,
        &Unsigned {
            nonce: 1,
            gas_price: Int::ZERO,
            gas_limit: 1_000_000,
            to: None,
            value: Int::ZERO,
            data: contract_bytecode("Fibonacci"),
        },
        Some(CHAIN_ID),
    );
    [vec![4], tx.encode()].concat()
}

#[test]
fn the_section6_receipt_decodes_field_by_field() {
    let payload = creation_payload();
    let value = section6_receipt(sized(&payload), Value::none());
    let ArbosLog::Receipt(receipt) = ArbosLog::from_value(&value).unwrap() else {
        panic!("not a receipt")
    };
    let r = &receipt.request;
    assert_eq!(
        (r.arb_block, r.l1_block, r.timestamp),
        (1, 1000, 1_700_000_000)
    );
    assert_eq!(r.sender, dev());
    assert_eq!(r.payload, payload);
    assert_eq!(r.l1_seq_num, int(4));
    assert_eq!(r.index_in_parent, None);
    let aggregator = r.aggregator.clone().unwrap();
    assert_eq!(aggregator.aggregator, None);
    assert_eq!(aggregator.calldata_units, int(0x2098));
    assert!(!r.admin_mode && r.gas_estimation.is_none());
    assert_eq!(receipt.code, ResultCode::Success);
    assert_eq!(receipt.gas_used, int(11812));
    assert_eq!(
        (receipt.tx_index_in_block, receipt.evm_logs_before_in_block),
        (3, 1)
    );
    assert_eq!(receipt.fee_stats.units.l1_calldata, int(0x2098));
    assert_eq!(receipt.original_l1_sender, Address::ZERO);
    let expected = addr("0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512");
    assert_eq!(receipt.contract_address(), Some(expected));
    assert_eq!(create_address(dev(), &int(1)), expected);
}

#[test]
fn evm_logs_are_stored_last_first_and_read_back_in_emission_order() {
    let log = |n: u64| {
        t(vec![
            big(Int::from(0xc0de_u64)),
            sized(&[n as u8]),
            big(Int::from(n)),
        ])
    };
    // (third, (second, (first, ()))).
    let list = t(vec![
        log(3),
        t(vec![log(2), t(vec![log(1), Value::none()])]),
    ]);
    let value = section6_receipt(sized(&creation_payload()), list);
    let receipt = TxReceipt::from_value(&value, &mut Budget::default()).unwrap();
    let order: Vec<u8> = receipt.logs.iter().map(|l| l.data[0]).collect();
    assert_eq!(order, [1, 2, 3]);
    assert_eq!(receipt.logs[0].topics, vec![Hash::from_int(&int(1))]);
}

#[test]
fn malformed_receipts_are_refused_with_where_and_what() {
    let not_pair = section6_receipt(i(5), Value::none());
    let err = ArbosLog::from_value(&not_pair).unwrap_err();
    assert_eq!(
        err.to_string(),
        "receipt.request.payload: not a (size, buffer) pair"
    );
    let bad_logs = section6_receipt(sized(&[]), t(vec![i(1), i(2), i(3)]));
    let err = ArbosLog::from_value(&bad_logs).unwrap_err();
    assert!(err.at.starts_with("receipt.result.logs[0]"), "{err}");
    let bad_topic = t(vec![t(vec![i(1), sized(&[]), t(vec![])]), Value::none()]);
    let err = ArbosLog::from_value(&section6_receipt(sized(&[]), bad_topic)).unwrap_err();
    assert_eq!(err.at, "receipt.result.logs[0].topics[0]");
    let err = ArbosLog::from_value(&t(vec![i(9), i(0)])).unwrap_err();
    assert_eq!(err.problem, Problem::UnknownLogType(int(9)));
    let err = ArbosLog::from_value(&i(0)).unwrap_err();
    assert_eq!(err.at, "log");
}

#[test]
fn byte_arrays_beyond_the_budget_are_refused_without_being_read() {
    let huge = t(vec![
        big(Int::from(1u8) << 200),
        Value::Buffer(Buffer::new()),
    ]);
    let err = ArbosLog::from_value(&section6_receipt(huge, Value::none())).unwrap_err();
    assert!(matches!(err.problem, Problem::TooManyBytes { .. }), "{err}");
    let mut small = Budget {
        tuples: 1000,
        bytes: 10,
    };
    let err = TxReceipt::from_value(
        &section6_receipt(sized(&[0; 11]), Value::none()),
        &mut small,
    )
    .unwrap_err();
    assert_eq!(err.at, "receipt.request.payload");
}

#[test]
fn a_shared_tree_of_2_to_the_60_leaves_is_refused_within_the_budget() {
    let mut node = t(vec![
        i(1),
        Value::Buffer(Buffer::from_bytes(&[1])),
        Value::none(),
    ]);
    for _ in 0..60 {
        node = t(vec![node.clone(), node]);
    }
    let log = t(vec![i(3), i(0), i(1), node]);
    let err = ArbosLog::from_value(&log).unwrap_err();
    assert_eq!(err.problem, Problem::TooManyTuples);
}

#[test]
fn result_codes_have_the_go_nodes_names_and_messages() {
    assert_eq!(ResultCode::from_int(&int(0)), ResultCode::Success);
    assert!(ResultCode::from_int(&int(0)).json_rpc_message().is_none());
    assert_eq!(
        ResultCode::from_int(&int(1)).json_rpc_message().unwrap(),
        "execution reverted"
    );
    assert_eq!(
        ResultCode::from_int(&int(4)).json_rpc_message().unwrap(),
        "insufficient balance for transfer"
    );
    assert_eq!(
        ResultCode::from_int(&int(14)).json_rpc_message().unwrap(),
        "invalid transaction nonce"
    );
    assert_eq!(
        ResultCode::from_int(&int(7)).json_rpc_message().unwrap(),
        "execution reverted: error code ContractAlreadyExists"
    );
    assert_eq!(
        ResultCode::from_int(&int(16)).name(),
        "ExecutionRanOutOfGas"
    );
    assert_eq!(ResultCode::from_int(&int(42)), ResultCode::Other(int(42)));
    for n in [
        0u64, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 255, 42,
    ] {
        assert_eq!(ResultCode::from_int(&int(n)).to_int(), int(n));
    }
}

/// classic-rollup.md §7: USER 0x11…11 withdrew 0.5 ETH through ArbSys in Arbitrum
/// block 7 at L1 block 200 (timestamp 1,650,000,000 + 13·200): a one-item batch whose
/// root was 0x8fe20e8a…8223, and whose send made the AVM's send accumulator
/// keccak(0 ‖ keccak(send)) = 0xb9387be9…91e2.
#[test]
fn the_rollup_withdrawal_item_root_and_send_match_the_l1_run() {
    let user = Address([0x11; 20]);
    let item = L2ToL1Tx {
        caller: alias(user),
        destination: user,
        l2_block: int(7),
        l1_block: int(200),
        timestamp: int(1_650_000_000 + 13 * 200),
        amount: ether(1) / int(2),
        calldata: vec![],
    };
    let bytes = item.encode();
    assert_eq!(bytes.len(), 193);
    assert_eq!(L2ToL1Tx::decode(&bytes).unwrap(), item);
    let root = merkle_root(std::slice::from_ref(&bytes)).unwrap();
    assert_eq!(root, keccak256(&item.item_hash().0));
    let root_hex = hex::encode(root.0);
    assert!(
        root_hex.starts_with("8fe20e8a") && root_hex.ends_with("8223"),
        "{root_hex}"
    );
    let send = BatchSend {
        batch_number: int(0),
        num_in_batch: int(1),
        root,
    }
    .encode();
    assert_eq!(send.len(), 97);
    let acc = hex::encode(keccak256(&[[0u8; 32], keccak256(&send).0].concat()).0);
    assert!(
        acc.starts_with("b9387be9") && acc.ends_with("91e2"),
        "{acc}"
    );
    assert_eq!(BatchSend::decode(&send).unwrap().root, root);
    let proof = OutboxProof::new(&[bytes], 0).unwrap();
    assert!(proof.nodes.is_empty() && proof.path == Int::ZERO);
}

/// The Outbox's `MerkleLib.calculateRoot`, as the contract computes it, for a tree
/// built as merkleTree.mini builds it; both written here from their sources.
fn contract_root(nodes: &[Hash], mut route: Int, item_hash: Hash) -> Hash {
    let mut h = keccak256(&item_hash.0);
    for node in nodes {
        h = if route.bit(0) {
            keccak256(&[h.0, node.0].concat())
        } else {
            keccak256(&[node.0, h.0].concat())
        };
        route >>= 1;
    }
    h
}

#[test]
fn outbox_proofs_verify_for_every_item_of_batches_of_any_size() {
    for n in 1..=9usize {
        let items: Vec<Vec<u8>> = (0..n).map(|k| vec![3, k as u8, 0xaa]).collect();
        let root = merkle_root(&items).unwrap();
        for (index, item) in items.iter().enumerate() {
            let proof = OutboxProof::new(&items, index).unwrap();
            assert!(
                proof.path < Int::from(1u8) << proof.nodes.len(),
                "minimal path"
            );
            assert_eq!(
                contract_root(&proof.nodes, proof.path, keccak256(item)),
                root
            );
            assert_eq!(proof.root_for(&keccak256(item)), root);
        }
        assert!(OutboxProof::new(&items, n).is_none());
    }
    assert!(merkle_root(&[]).is_none());
}

/// A type-3 log as merkleTree.mini's `merkleize` shapes it: leaves `(size, buf, ())`,
/// pairs layer by layer, an odd last node moved up.
fn tree_value(items: &[Vec<u8>]) -> Value {
    let mut layer: Vec<Value> = items
        .iter()
        .map(|item| {
            t(vec![
                i(item.len() as u64),
                Value::Buffer(Buffer::from_bytes(item)),
                Value::none(),
            ])
        })
        .collect();
    while layer.len() > 1 {
        layer = layer
            .chunks(2)
            .map(|pair| match pair {
                [a, b] => t(vec![a.clone(), b.clone()]),
                [a] => a.clone(),
                _ => unreachable!(),
            })
            .collect();
    }
    layer.pop().unwrap()
}

#[test]
fn batch_logs_read_their_items_in_order_and_hash_to_the_layered_root() {
    for n in 1..=6usize {
        let items: Vec<Vec<u8>> = (0..n).map(|k| vec![k as u8; k + 1]).collect();
        let log = t(vec![i(3), i(2), i(n as u64), tree_value(&items)]);
        let ArbosLog::OutboxBatch(batch) = ArbosLog::from_value(&log).unwrap() else {
            panic!("not a batch log")
        };
        assert_eq!(batch.items, items);
        assert_eq!(Some(batch.root), merkle_root(&items));
        assert_eq!(batch.send().batch_number, int(2));
    }
    let leaf_only = t(vec![i(3), i(0), i(1), tree_value(&[vec![7]])]);
    let batch = OutboxBatchLog::from_value(&leaf_only, &mut Budget::default()).unwrap();
    assert_eq!(batch.root, leaf_hash(&[7]));
}

#[test]
fn malformed_outbox_bytes_get_typed_errors() {
    assert!(matches!(
        BatchSend::decode(&[0; 96]),
        Err(OutboxError::NotBatchSend { len: 96, .. })
    ));
    assert!(matches!(
        L2ToL1Tx::decode(&[3; 100]),
        Err(OutboxError::NotTxToL1 { len: 100, .. })
    ));
    let mut bad = vec![3u8];
    bad.extend_from_slice(&[0xff; 192]);
    assert_eq!(
        L2ToL1Tx::decode(&bad),
        Err(OutboxError::NotAddress("caller"))
    );
}

#[test]
fn creation_addresses_and_blooms_agree_with_alloy() {
    use alloy_primitives::{Address as AlloyAddress, Bloom, BloomInput};
    for nonce in [0u64, 1, 127, 128, 255, 256, 1 << 40] {
        let expected = AlloyAddress::from(dev().0).create(nonce);
        assert_eq!(create_address(dev(), &int(nonce)).0, expected.0 .0);
    }
    // The well-known first two hardhat deployments.
    assert_eq!(
        create_address(dev(), &int(0)),
        addr("0x5FbDB2315678afecb367f032d93F642f64180aa3")
    );
    let logs = vec![
        EvmLog {
            address: addr("0x000000000000000000000000000000000000006e"),
            topics: vec![
                keccak256(b"TicketCreated(bytes32)"),
                Hash::from_int(&int(5)),
            ],
            data: vec![],
        },
        EvmLog {
            address: dev(),
            topics: vec![],
            data: vec![1, 2],
        },
    ];
    let mut expected = Bloom::default();
    for log in &logs {
        expected.accrue(BloomInput::Raw(&log.address.0));
        for topic in &log.topics {
            expected.accrue(BloomInput::Raw(&topic.0));
        }
    }
    assert_eq!(logs_bloom(&logs), expected.0 .0);
    assert_ne!(logs_bloom(&logs), [0u8; 256]);
}
