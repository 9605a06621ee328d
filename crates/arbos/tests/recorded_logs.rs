//! The logs arb-os's own emulator recorded for its benchmarks (fixtures/arbos/benchmarks),
//! read back: every log decodes, and what they say agrees with what avm-arbos derives
//! from the recorded inbox (request ids, signers, creation addresses, block numbering).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use avm_arbos::compressed::CompressedTo;
use avm_arbos::eth::create_address;
use avm_arbos::ids::{batch_item_request_id, request_id, unsigned_eoa_request_id};
use avm_arbos::{
    alias, Address, ArbosLog, BlockSummary, Budget, InboxMessage, L2Message, ResultCode, SignedTx,
    TxReceipt,
};
use avm_value::{keccak256, Int};
use common::*;

const ARBITRUM_ONE: u64 = 42161;

fn decode_all(name: &str) -> (Vec<InboxMessage>, Vec<ArbosLog>) {
    let inbox = recorded(name, "inbox")
        .iter()
        .map(|v| InboxMessage::from_value(v, &mut Budget::default()).unwrap())
        .collect();
    let logs = recorded(name, "logs")
        .iter()
        .map(|v| ArbosLog::from_value(v).unwrap())
        .collect();
    (inbox, logs)
}

fn receipts(logs: &[ArbosLog]) -> Vec<&TxReceipt> {
    logs.iter()
        .filter_map(|l| match l {
            ArbosLog::Receipt(r) => Some(&**r),
            _ => None,
        })
        .collect()
}

/// Block summaries are numbered 0, 1, …, each pointing at the one before, and each
/// block's log range ends with its summary.
fn check_blocks(logs: &[ArbosLog]) {
    let mut expected_block = 0u64;
    for (index, log) in logs.iter().enumerate() {
        if let ArbosLog::BlockSummary(s) = log {
            let s: &BlockSummary = s;
            assert_eq!(s.arb_block, expected_block);
            assert_eq!(s.previous_arb_block, expected_block.checked_sub(1));
            assert_eq!(s.summary_log_index(), Some(index as u64));
            let first = s.first_log_index().unwrap() as usize;
            let txs = logs[first..index]
                .iter()
                .filter(|l| matches!(l, ArbosLog::Receipt(_)))
                .count();
            assert_eq!(txs as u64, s.this_block.num_tx);
            expected_block += 1;
        }
    }
    assert!(expected_block > 0);
}

#[test]
fn boot_logs_the_genesis_summary_and_sets_the_chain_id_with_a_legacy_kind4_message() {
    let (inbox, logs) = decode_all("boot.aoslog");
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].kind, 4);
    let params = avm_arbos::ChainParameters::decode(&inbox[0].payload).unwrap();
    assert!(params.unknown_ids().is_empty());
    assert!(params.pairs.contains(&(
        avm_arbos::params::parameter_id("ChainID"),
        Int::from(ARBITRUM_ONE)
    )));
    let ArbosLog::BlockSummary(genesis) = &logs[0] else {
        panic!("first log is not the genesis summary")
    };
    assert_eq!(
        (genesis.arb_block, genesis.timestamp, genesis.l1_block),
        (0, 0, 0)
    );
    assert_eq!(genesis.previous_arb_block, None);
    assert_eq!(genesis.gas.gas_pool, Int::from(288_000_000u64));
    check_blocks(&logs);
}

#[test]
fn nulltx_100_unsigned_requests_have_the_documented_ids_and_the_deploy_its_address() {
    let (inbox, logs) = decode_all("nulltx_100.aoslog");
    check_blocks(&logs);
    let chain = Int::from(ARBITRUM_ONE);
    let receipts = receipts(&logs);
    assert_eq!(receipts.len(), 101);
    // The subtype-0 deploy from 0x401.
    let deploy = receipts[0];
    let deployer = addr("0x0000000000000000000000000000000000000401");
    let deploy_message = inbox
        .iter()
        .find(|m| m.kind == 3 && m.payload.first() == Some(&0))
        .unwrap();
    assert_eq!(
        deploy.request.request_id,
        unsigned_eoa_request_id(deployer, &chain, &deploy_message.payload)
    );
    assert_eq!(deploy.request.sender, alias(deployer));
    assert_eq!(deploy.original_l1_sender, deployer);
    let contract = deploy.contract_address().unwrap();
    assert_eq!(contract, create_address(alias(deployer), &Int::ZERO));
    assert!(format!("{contract}").starts_with("0xbe2e"));
    // The 100 subtype-1 calls of add(1,1): request id keccak(chainId ‖ seq), result 2.
    for receipt in &receipts[1..] {
        assert_eq!(receipt.code, ResultCode::Success);
        assert_eq!(receipt.return_data, Int::from(2u8).to_be_bytes::<32>());
        assert_eq!(
            receipt.request.request_id,
            request_id(&chain, &receipt.request.l1_seq_num)
        );
        let Some(L2Message::UnsignedContractTx(call)) = receipt.l2_message() else {
            panic!("not a subtype-1 call")
        };
        assert_eq!(call.dest, contract);
        assert_eq!(receipt.contract_address(), None);
    }
}

#[test]
fn nulltx_batch_100_signed_items_rebuild_to_their_receipts_hashes_and_signers() {
    let (inbox, logs) = decode_all("nulltx_batch_100.aoslog");
    check_blocks(&logs);
    let chain = Int::from(ARBITRUM_ONE);
    let batch_message = inbox
        .iter()
        .find(|m| m.kind == 3 && m.payload.first() == Some(&3))
        .unwrap();
    let L2Message::Batch(items) = L2Message::decode(&batch_message.payload).unwrap() else {
        panic!("not a batch")
    };
    assert_eq!(items.len(), 100);
    let batch_id = request_id(&chain, &batch_message.seq_num);
    let signed: Vec<&TxReceipt> = receipts(&logs)
        .into_iter()
        .filter(|r| r.request.parent_request_id == batch_id)
        .collect();
    assert_eq!(signed.len(), 100);
    let mut table: Vec<Address> = vec![Address::ZERO];
    for (index, (item, receipt)) in items.iter().zip(&signed).enumerate() {
        let Ok(L2Message::SignedCompressedTx(mut tx)) = L2Message::decode(item) else {
            panic!("item {index} is not a compressed signed tx")
        };
        // Resolve the address table the way ArbOS fills it: full addresses are added.
        match tx.to {
            CompressedTo::Address(a) => {
                if !table.contains(&a) {
                    table.push(a);
                }
            }
            CompressedTo::TableIndex(i) => {
                assert!(index > 0, "later items use the table");
                tx.to = CompressedTo::Address(table[usize::try_from(i).unwrap()]);
            }
            CompressedTo::Create => {}
        }
        let rebuilt = tx.to_signed_tx(&chain).unwrap();
        assert_eq!(receipt.request.request_id, rebuilt.hash(), "item {index}");
        assert_eq!(receipt.request.sender, rebuilt.signer().unwrap());
        assert!(format!("{}", receipt.request.sender).starts_with("0x5f9b"));
        assert_eq!(
            receipt.request.payload,
            [vec![4], rebuilt.encode()].concat()
        );
        let Some(L2Message::SignedTx(from_receipt)) = receipt.l2_message() else {
            panic!("receipt payload is not 04 ‖ RLP")
        };
        assert_eq!(from_receipt, rebuilt);
        assert_eq!(
            SignedTx::decode(&receipt.request.payload[1..])
                .unwrap()
                .hash(),
            keccak256(&receipt.request.payload[1..])
        );
        assert_eq!(receipt.request.index_in_parent, Some(Int::from(index)));
        assert_eq!(receipt.original_l1_sender, Address::ZERO);
        assert_ne!(
            receipt.request.request_id,
            batch_item_request_id(&batch_id, index as u64)
        );
    }
}
