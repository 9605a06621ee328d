//! ArbOS v58 run on our AVM over an inbox built with avm-arbos's encoders, and its
//! outputs read back with avm-arbos's decoders: a chain with id 412346 that funds the
//! dev account, takes signed transfers and a deploy, answers calls, runs a batch, and
//! sends two L2-to-L1 messages. The expectations come from arbos-l2.md (its §6
//! Fibonacci receipt is reproduced exactly), the Ethereum rules, and the contracts.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use std::sync::OnceLock;

use avm_arbos::eth::create_address;
use avm_arbos::ids::{
    batch_item_request_id, request_id, retryable_ticket_id, unsigned_eoa_request_id,
};
use avm_arbos::outbox::{merkle_root, BatchSend, L2ToL1Tx, OutboxProof};
use avm_arbos::{
    alias, unalias, Address, ArbosLog, BlockSummary, ChainParameters, InboxMessage, L2Message,
    MessageKind, ResultCode, RetryableTicket, SignedTx, TxReceipt, UnsignedCall,
};
use avm_value::{keccak256, Hash, Int};
use common::*;

const L1_BLOCK: u64 = 1000;
const TIMESTAMP: u64 = 1_700_000_000;

fn beef() -> Address {
    addr("0x000000000000000000000000000000000000beef")
}

fn user_l1() -> Address {
    Address([0x11; 20])
}

fn poster() -> Address {
    Address([0x5e; 20])
}

fn fibonacci() -> Address {
    create_address(dev(), &int(1))
}

fn word(address: Address) -> Int {
    address.to_int()
}

/// A kind-3 message from `sender` in block `block` (0 = the first, 1 = the second).
fn l2(seq: u64, block: u64, sender: Address, message: &L2Message) -> InboxMessage {
    InboxMessage::new(MessageKind::L2, sender, message.encode())
        .at(L1_BLOCK + block, TIMESTAMP + 15 * block)
        .with_seq_num(seq)
}

fn signed(tx: &Unsigned) -> (SignedTx, L2Message) {
    let signed = sign(DEV_KEY, tx, Some(CHAIN_ID));
    let message = L2Message::signed(&signed).unwrap();
    (signed, message)
}

fn query(dest: Address, data: Vec<u8>) -> L2Message {
    L2Message::NonMutatingCall(UnsignedCall {
        max_gas: int(10_000_000),
        gas_price: Int::ZERO,
        dest,
        value: Int::ZERO,
        calldata: data,
    })
}

fn arb_info_balance(of: Address) -> L2Message {
    query(
        addr("0x0000000000000000000000000000000000000065"),
        calldata("getBalance(address)", &[word(of)]),
    )
}

struct Demo {
    logs: Vec<ArbosLog>,
    sends: Vec<Vec<u8>>,
    /// Signed transactions by the sequence number of their message.
    txs: Vec<(u64, SignedTx)>,
    batch_items: Vec<Vec<u8>>,
}

impl Demo {
    fn receipts(&self) -> Vec<&TxReceipt> {
        self.logs
            .iter()
            .filter_map(|l| match l {
                ArbosLog::Receipt(r) => Some(&**r),
                _ => None,
            })
            .collect()
    }

    fn receipts_of(&self, seq: u64) -> Vec<&TxReceipt> {
        self.receipts()
            .into_iter()
            .filter(|r| r.request.l1_seq_num == int(seq))
            .collect()
    }

    fn receipt(&self, seq: u64) -> &TxReceipt {
        let found = self.receipts_of(seq);
        assert_eq!(found.len(), 1, "one receipt for message {seq}");
        found[0]
    }

    fn summaries(&self) -> Vec<&BlockSummary> {
        self.logs
            .iter()
            .filter_map(|l| match l {
                ArbosLog::BlockSummary(s) => Some(&**s),
                _ => None,
            })
            .collect()
    }

    fn tx(&self, seq: u64) -> &SignedTx {
        &self.txs.iter().find(|(s, _)| *s == seq).unwrap().1
    }
}

fn demo() -> &'static Demo {
    static DEMO: OnceLock<Demo> = OnceLock::new();
    DEMO.get_or_init(run_demo)
}

fn run_demo() -> Demo {
    let mut chain = Chain::boot();
    let mut logs = chain.new_logs();
    let mut txs = vec![];
    let mut inbox = vec![];

    // Block 1: the §3 init, a depositEth for the dev account, the §4 kind-7 deposit,
    // the §5 transfer and the Fibonacci deploy of §6.
    let init = ChainParameters::new()
        .chain_id(CHAIN_ID)
        .add_owner(addr("0x00000000000000000000000000000000000a11ce"));
    inbox.push(
        InboxMessage::new(
            MessageKind::SetChainParameters,
            Address::ZERO,
            init.encode(),
        )
        .at(L1_BLOCK, TIMESTAMP),
    );
    let deposit = RetryableTicket::deposit_eth(unalias(dev()), ether(100), Int::ZERO);
    inbox.push(
        InboxMessage::new(
            MessageKind::SubmitRetryable,
            unalias(dev()),
            deposit.encode(),
        )
        .at(L1_BLOCK, TIMESTAMP)
        .with_seq_num(1),
    );
    let funded = L2Message::UnsignedContractTx(UnsignedCall {
        max_gas: int(1_000_000),
        gas_price: Int::ZERO,
        dest: dev(),
        value: ether(10),
        calldata: vec![],
    });
    inbox.push(
        InboxMessage::new(
            MessageKind::L2FundedByL1,
            addr("0x00000000000000000000000000000000000d0001"),
            funded.funded_by_l1_payload().unwrap(),
        )
        .at(L1_BLOCK, TIMESTAMP)
        .with_seq_num(2),
    );
    let (tx, message) = signed(&Unsigned::transfer(0, beef(), ether(1)));
    txs.push((3, tx));
    inbox.push(l2(3, 0, Address::ZERO, &message));
    let (tx, message) = signed(&Unsigned {
        nonce: 1,
        gas_price: Int::ZERO,
        gas_limit: 2_000_000,
        to: None,
        value: Int::ZERO,
        data: contract_bytecode("Fibonacci"),
    });
    txs.push((4, tx));
    inbox.push(l2(4, 0, Address::ZERO, &message));

    // Block 2: calls, a batch, a replay, a pre-EIP-155 transfer, two L2-to-L1 sends,
    // balance queries, and the end of the block.
    let call = |nonce, to, value, data| Unsigned {
        nonce,
        gas_price: Int::ZERO,
        gas_limit: 1_000_000,
        to: Some(to),
        value,
        data,
    };
    let (tx, message) = signed(&call(
        2,
        fibonacci(),
        Int::ZERO,
        calldata("generateFib(uint256)", &[int(10)]),
    ));
    txs.push((5, tx));
    inbox.push(l2(5, 1, Address::ZERO, &message));
    inbox.push(l2(
        6,
        1,
        Address::ZERO,
        &query(fibonacci(), calldata("getFib(uint256)", &[int(9)])),
    ));
    inbox.push(l2(
        7,
        1,
        Address::ZERO,
        &query(fibonacci(), calldata("getFib(uint256)", &[int(10)])),
    ));
    let (batch_tx, batch_signed) = signed(&Unsigned::transfer(3, beef(), ether(1)));
    txs.push((8, batch_tx));
    let batch_eoa = L2Message::UnsignedEoaTx {
        nonce: Int::ZERO,
        call: UnsignedCall {
            max_gas: int(1_000_000),
            gas_price: Int::ZERO,
            dest: beef(),
            value: Int::ZERO,
            calldata: vec![],
        },
    };
    let batch = L2Message::batch([&batch_signed, &arb_info_balance(beef()), &batch_eoa]);
    let L2Message::Batch(batch_items) = &batch else {
        unreachable!()
    };
    let batch_items = batch_items.clone();
    inbox.push(l2(8, 1, poster(), &batch));
    let (replay, message) = signed(&Unsigned::transfer(0, beef(), ether(1)));
    txs.push((9, replay));
    inbox.push(l2(9, 1, Address::ZERO, &message));
    let pre155 = sign(DEV_KEY, &Unsigned::transfer(4, beef(), int(1)), None);
    inbox.push(l2(
        10,
        1,
        Address::ZERO,
        &L2Message::signed(&pre155).unwrap(),
    ));
    txs.push((10, pre155));
    let arb_sys = addr("0x0000000000000000000000000000000000000064");
    let withdraw = calldata("withdrawEth(address)", &[word(user_l1())]);
    let (tx, message) = signed(&call(5, arb_sys, ether(1) / int(2), withdraw));
    txs.push((11, tx));
    inbox.push(l2(11, 1, Address::ZERO, &message));
    // sendTxToL1(0x22…22, 0xdeadbeef): the bytes argument at offset 64, length 4.
    let mut send_data = calldata(
        "sendTxToL1(address,bytes)",
        &[word(Address([0x22; 20])), int(64), int(4)],
    );
    send_data.extend_from_slice(&[0xde, 0xad, 0xbe, 0xef]);
    send_data.resize(send_data.len() + 28, 0);
    let (tx, message) = signed(&call(6, arb_sys, Int::ZERO, send_data));
    txs.push((12, tx));
    inbox.push(l2(12, 1, Address::ZERO, &message));
    inbox.push(l2(13, 1, Address::ZERO, &arb_info_balance(dev())));
    inbox.push(l2(14, 1, Address::ZERO, &arb_info_balance(beef())));
    inbox.push(l2(
        15,
        1,
        Address::ZERO,
        &query(
            arb_sys,
            calldata("getTransactionCount(address)", &[word(dev())]),
        ),
    ));
    inbox.push(l2(
        16,
        1,
        Address::ZERO,
        &query(arb_sys, calldata("arbChainID()", &[])),
    ));
    inbox.push(
        InboxMessage::new(MessageKind::EndOfBlock, Address::ZERO, vec![])
            .at(L1_BLOCK + 1, TIMESTAMP + 15)
            .with_seq_num(17),
    );

    logs.extend(chain.feed(&inbox));
    Demo {
        logs,
        sends: chain.sends(),
        txs,
        batch_items,
    }
}

fn uint_return(receipt: &TxReceipt) -> Int {
    let bytes: [u8; 32] = receipt.return_data.as_slice().try_into().unwrap();
    Int::from_be_bytes(bytes)
}

#[test]
fn the_fibonacci_deploy_receipt_is_the_one_of_section6() {
    let d = demo();
    let deploy = d.receipt(4);
    let r = &deploy.request;
    assert_eq!(r.kind, int(3));
    assert_eq!(
        (r.arb_block, r.l1_block, r.timestamp),
        (1, 0x3e8, 0x6553f100)
    );
    assert_eq!(r.sender, dev());
    let id = format!("{}", r.request_id);
    assert!(id.starts_with("0xa8fb") && id.ends_with("301b"), "{id}");
    assert_eq!(r.payload.len(), 0x22d);
    assert_eq!(&r.payload[..4], &[0x04, 0xf9, 0x02, 0x29]);
    assert_eq!(
        (r.l1_seq_num, r.parent_request_id, r.index_in_parent),
        (int(4), Hash::ZERO, None)
    );
    let aggregator = r.aggregator.clone().unwrap();
    assert_eq!(
        (aggregator.aggregator, aggregator.calldata_units),
        (None, int(0x2098))
    );
    assert!(!r.admin_mode && r.gas_estimation.is_none());
    assert_eq!(deploy.code, ResultCode::Success);
    assert_eq!(
        deploy.contract_address(),
        Some(addr("0xe7f1725e7734ce288f8367e1bb143e90bb3f0512"))
    );
    assert!(deploy.logs.is_empty());
    assert_eq!(
        (deploy.gas_used, deploy.gas_price),
        (int(0x2e24), Int::ZERO)
    );
    assert_eq!(deploy.cumulative_gas_in_block, int(0x2e24));
    assert_eq!(
        (deploy.tx_index_in_block, deploy.evm_logs_before_in_block),
        (3, 1)
    );
    let units = &deploy.fee_stats.units;
    assert_eq!(
        (
            units.l1_transaction,
            units.l1_calldata,
            units.l2_storage,
            units.l2_computation
        ),
        (int(1), int(0x2098), int(0xe), int(0x2e24))
    );
    assert_eq!(deploy.fee_stats.prices.total(), Int::ZERO);
    assert_eq!(
        deploy.ethereum_gas_used(),
        int(11812),
        "fees off: the receipt's gas"
    );
    assert_eq!(deploy.original_l1_sender, Address::ZERO);
}

#[test]
fn signed_transactions_are_keyed_by_their_ethereum_hash_and_attributed_to_their_signer() {
    let d = demo();
    for (seq, tx) in &d.txs {
        for receipt in d.receipts_of(*seq) {
            if receipt.request.parent_request_id != Hash::ZERO
                && receipt.request.index_in_parent != Some(Int::ZERO)
            {
                continue;
            }
            assert_eq!(
                receipt.request.request_id,
                keccak256(&tx.encode()),
                "message {seq}"
            );
            assert_eq!(receipt.tx_hash(), tx.hash());
            assert_eq!(receipt.request.sender, dev());
            assert_eq!(receipt.request.payload, [vec![4], tx.encode()].concat());
        }
    }
    let transfer = d.receipt(3);
    assert!(format!("{}", transfer.tx_hash()).starts_with("0xea8ed331"));
    assert_eq!(
        (transfer.code, transfer.gas_used),
        (ResultCode::Success, Int::ZERO)
    );
    // The replayed nonce 0 is refused as too low, under the same hash.
    let replay = d.receipt(9);
    assert_eq!(replay.code, ResultCode::SequenceNumberTooLow);
    assert_eq!(replay.tx_hash(), transfer.tx_hash());
    // The pre-EIP-155 transfer went through.
    assert_eq!(d.receipt(10).code, ResultCode::Success);
    assert!(d.tx(10).chain_id().is_none());
}

#[test]
fn deposits_credit_the_aliased_sender_and_report_their_ids() {
    let d = demo();
    let chain = int(CHAIN_ID);
    let retryable = d.receipt(1);
    let submission = request_id(&chain, &int(1));
    assert_eq!(retryable.request.kind, int(9));
    assert_eq!(retryable.request.request_id, submission);
    assert_eq!(retryable.code, ResultCode::Success);
    assert_eq!(retryable.request.sender, dev());
    assert_eq!(retryable.original_l1_sender, unalias(dev()));
    let ticket = retryable_ticket_id(&submission);
    assert_eq!(retryable.return_data, ticket.0);
    assert_eq!(retryable.logs.len(), 1);
    let log = &retryable.logs[0];
    assert_eq!(
        log.address,
        addr("0x000000000000000000000000000000000000006e")
    );
    assert_eq!(
        log.topics,
        vec![keccak256(b"TicketCreated(bytes32)"), ticket]
    );
    assert_eq!(retryable.tx_index_in_block, 0);

    let funded = d.receipt(2);
    assert_eq!(funded.request.kind, int(7));
    assert_eq!(funded.request.request_id, request_id(&chain, &int(2)));
    assert_eq!(
        funded.request.sender,
        addr("0x11110000000000000000000000000000000d1112")
    );
    assert_eq!(
        funded.original_l1_sender,
        addr("0x00000000000000000000000000000000000d0001")
    );
    assert_eq!(
        (funded.code, funded.gas_used),
        (ResultCode::Success, Int::ZERO)
    );
}

#[test]
fn calls_read_state_without_changing_it_and_report_reverts() {
    let d = demo();
    let fib = d.receipt(5);
    assert_eq!(fib.code, ResultCode::Success);
    assert_eq!(fib.logs.len(), 1);
    assert_eq!(fib.logs[0].address, fibonacci());
    assert_eq!(fib.logs[0].topics, vec![keccak256(b"TestEvent(uint256)")]);
    assert_eq!(fib.logs[0].data, int(10).to_be_bytes::<32>());
    assert_eq!(fib.evm_logs_before_in_block, 0);
    assert_eq!(uint_return(d.receipt(6)), int(55), "getFib(9)");
    let past_end = d.receipt(7);
    assert_eq!(past_end.code, ResultCode::Revert);
    assert_eq!(
        past_end.code.json_rpc_message().unwrap(),
        "execution reverted"
    );
    // 100 + 10 deposited; 1 + 1 ETH and 1 wei transferred; 0.5 ETH withdrawn.
    assert_eq!(
        uint_return(d.receipt(13)),
        ether(110) - ether(2) - int(1) - ether(1) / int(2),
        "getBalance(dev)"
    );
    assert_eq!(
        uint_return(d.receipt(14)),
        ether(2) + int(1),
        "getBalance(0xbeef)"
    );
    assert_eq!(
        uint_return(d.receipt(15)),
        int(7),
        "getTransactionCount(dev)"
    );
    assert_eq!(uint_return(d.receipt(16)), int(CHAIN_ID), "arbChainID()");
}

#[test]
fn batch_items_get_their_own_receipts_and_ids() {
    let d = demo();
    let chain = int(CHAIN_ID);
    let batch_id = request_id(&chain, &int(8));
    let items = d.receipts_of(8);
    assert_eq!(items.len(), 3);
    for (index, receipt) in items.iter().enumerate() {
        assert_eq!(receipt.request.parent_request_id, batch_id);
        assert_eq!(receipt.request.index_in_parent, Some(Int::from(index)));
        let aggregator = receipt.request.aggregator.clone().unwrap();
        assert_eq!(aggregator.aggregator, Some(poster()));
        assert_eq!(receipt.code, ResultCode::Success, "item {index}");
    }
    assert_eq!(items[0].tx_hash(), d.tx(8).hash());
    assert_eq!(
        items[1].request.request_id,
        batch_item_request_id(&batch_id, 1)
    );
    assert_eq!(items[1].request.sender, alias(poster()));
    assert_eq!(
        uint_return(items[1]),
        ether(2),
        "0xbeef after the batch transfer"
    );
    assert_eq!(
        items[2].request.request_id,
        unsigned_eoa_request_id(poster(), &chain, &d.batch_items[2])
    );
    assert_eq!(items[2].request.payload, d.batch_items[2]);
}

#[test]
fn blocks_are_summarised_in_order_with_their_counts() {
    let d = demo();
    let summaries = d.summaries();
    assert_eq!(summaries.len(), 3);
    for (n, s) in summaries.iter().enumerate() {
        assert_eq!(s.arb_block, n as u64);
        assert_eq!(s.previous_arb_block, (n as u64).checked_sub(1));
    }
    assert_eq!(
        (summaries[1].l1_block, summaries[1].timestamp),
        (L1_BLOCK, TIMESTAMP)
    );
    assert_eq!(
        (summaries[2].l1_block, summaries[2].timestamp),
        (L1_BLOCK + 1, TIMESTAMP + 15)
    );
    let counts: Vec<_> = summaries
        .iter()
        .map(|s| {
            (
                s.this_block.num_tx,
                s.this_block.num_evm_logs,
                s.this_block.num_sends,
            )
        })
        .collect();
    // Block 1: four receipts, the ticket's log. Block 2: 14 receipts, TestEvent and two
    // L2ToL1Transaction logs, one send.
    assert_eq!(counts, [(0, 0, 0), (4, 1, 0), (14, 3, 1)]);
    assert_eq!(summaries[0].gas.gas_pool, int(288_000_000));
    assert_eq!(summaries[2].all_time.num_tx, 18);
    for s in &summaries {
        let index = s.summary_log_index().unwrap() as usize;
        assert!(matches!(&d.logs[index], ArbosLog::BlockSummary(b) if **b == **s));
        let first = s.first_log_index().unwrap() as usize;
        let receipts = d.logs[first..index]
            .iter()
            .filter_map(|l| match l {
                ArbosLog::Receipt(r) => Some(r),
                _ => None,
            })
            .collect::<Vec<_>>();
        assert_eq!(receipts.len() as u64, s.this_block.num_tx);
        for (k, r) in receipts.iter().enumerate() {
            assert_eq!(r.request.arb_block, s.arb_block);
            assert_eq!(r.tx_index_in_block, k as u64);
        }
        assert!(s.gas_limit() >= s.this_block.gas_used);
    }
}

#[test]
fn l2_to_l1_sends_are_logged_batched_and_provable() {
    let d = demo();
    let item_logs: Vec<_> = d
        .logs
        .iter()
        .filter_map(|l| match l {
            ArbosLog::OutboxItem(i) => Some(i),
            _ => None,
        })
        .collect();
    assert_eq!(item_logs.len(), 2);
    let items: Vec<Vec<u8>> = item_logs.iter().map(|i| i.item.clone()).collect();
    let withdrawal = L2ToL1Tx::decode(&items[0]).unwrap();
    assert_eq!(
        withdrawal,
        L2ToL1Tx {
            caller: dev(),
            destination: user_l1(),
            l2_block: int(2),
            l1_block: int(L1_BLOCK + 1),
            timestamp: int(TIMESTAMP + 15),
            amount: ether(1) / int(2),
            calldata: vec![],
        }
    );
    let call = L2ToL1Tx::decode(&items[1]).unwrap();
    assert_eq!(
        (call.destination, call.calldata.as_slice()),
        (Address([0x22; 20]), &[0xde, 0xad, 0xbe, 0xef][..])
    );
    for (k, log) in item_logs.iter().enumerate() {
        assert_eq!((log.batch_number, log.index), (Int::ZERO, Int::from(k)));
    }
    let batch = d
        .logs
        .iter()
        .find_map(|l| match l {
            ArbosLog::OutboxBatch(b) => Some(b),
            _ => None,
        })
        .unwrap();
    assert_eq!(batch.items, items);
    let root = merkle_root(&items).unwrap();
    assert_eq!(batch.root, root);
    assert_eq!(d.sends.len(), 1);
    let send = BatchSend::decode(&d.sends[0]).unwrap();
    assert_eq!(send, batch.send());
    assert_eq!(
        (send.batch_number, send.num_in_batch, send.root),
        (Int::ZERO, int(2), root)
    );
    for (k, item) in items.iter().enumerate() {
        let proof = OutboxProof::new(&items, k).unwrap();
        assert_eq!(proof.root_for(&keccak256(item)), root);
    }
    // The ArbSys event carries the destination, the batch number and the index.
    let withdraw_receipt = d.receipt(11);
    let event = &withdraw_receipt.logs[0];
    assert_eq!(
        event.address,
        addr("0x0000000000000000000000000000000000000064")
    );
    assert_eq!(event.topics[0], keccak256(b"L2ToL1Transaction(address,address,uint256,uint256,uint256,uint256,uint256,uint256,uint256,bytes)"));
    assert_eq!(event.topics[1], Hash(user_l1().word()));
    assert_eq!(event.topics[3], Hash::ZERO, "batch 0");
    let second = &d.receipt(12).logs[0];
    assert_eq!(
        &second.data[32..64],
        &int(1).to_be_bytes::<32>(),
        "index in batch"
    );
}
