//! Signed legacy transactions and their subtype-7 form, against the worked example of
//! arbos-l2.md §5 and the well-known dev account.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use avm_arbos::compressed::{self, CompressedTo};
use avm_arbos::rlp::RlpError;
use avm_arbos::signed_tx::{SignatureForm, SignedTxError};
use avm_arbos::{L2Message, SignedTx};
use avm_value::{keccak256, Int};
use common::*;

/// arbos-l2.md §5: chain 412346, nonce 0, gasPrice 0, gas 200000, to 0xbeef, 1 ETH.
fn section5_tx() -> SignedTx {
    sign(
        DEV_KEY,
        &Unsigned::transfer(
            0,
            addr("0x000000000000000000000000000000000000beef"),
            ether(1),
        ),
        Some(CHAIN_ID),
    )
}

const SECTION5_COMPRESSED: &str = concat!(
    "07ff808083030d4094000000000000000000000000000000000000beef0112",
    "4f4a2a20834fcbb58147b6df5d0011cab5c828b628ff08d8e264888f43ba415b",
    "0ddb60ee22dfb77c7e981a8c9b5c2755937d6474ff952f8514744e034bbd00f2",
    "00",
);

#[test]
fn the_section5_example_signs_to_the_documented_r_s_and_compresses_to_its_bytes() {
    let tx = section5_tx();
    assert_eq!(tx.v, int(824728), "v = 35 + 2·412346 + 1");
    assert_eq!(
        hex::encode(tx.to_compressed().unwrap()),
        SECTION5_COMPRESSED
    );
}

#[test]
fn the_section5_example_recovers_the_dev_account_and_its_chain() {
    let tx = section5_tx();
    assert_eq!(tx.signer().unwrap(), dev());
    assert_eq!(tx.chain_id(), Some(int(CHAIN_ID)));
    assert_eq!(
        tx.signature_form().unwrap(),
        SignatureForm::Eip155 {
            chain_id: int(CHAIN_ID),
            recovery_id: 1
        }
    );
}

#[test]
fn raw_transactions_decode_and_reencode_to_the_same_bytes_and_hash() {
    let tx = section5_tx();
    let raw = tx.encode();
    let back = SignedTx::decode(&raw).unwrap();
    assert_eq!(back, tx);
    assert_eq!(back.encode(), raw);
    assert_eq!(back.hash(), keccak256(&raw));
}

#[test]
fn the_compressed_form_decodes_as_arbos_reads_it_and_rebuilds_the_transaction() {
    let tx = section5_tx();
    let bytes = tx.to_compressed().unwrap();
    let decoded = compressed::decode(&bytes).unwrap();
    assert_eq!(decoded.to, CompressedTo::Address(tx.to.unwrap()));
    assert_eq!(decoded.value, ether(1));
    assert_eq!(decoded.v_byte, 0);
    assert_eq!(decoded.to_signed_tx(&int(CHAIN_ID)).unwrap(), tx);
    // On another chain ArbOS rebuilds another v, so another signer.
    let elsewhere = decoded.to_signed_tx(&int(42161)).unwrap();
    assert_ne!(elsewhere.signer().ok(), Some(dev()));
    assert_eq!(
        L2Message::decode(&bytes).unwrap(),
        L2Message::SignedCompressedTx(decoded)
    );
}

#[test]
fn pre_eip155_signatures_keep_their_v_byte() {
    let tx = sign(
        DEV_KEY,
        &Unsigned::transfer(
            5,
            addr("0x000000000000000000000000000000000000beef"),
            int(0),
        ),
        None,
    );
    assert!(tx.v == int(27) || tx.v == int(28));
    assert_eq!(tx.chain_id(), None);
    assert_eq!(tx.signer().unwrap(), dev());
    let bytes = tx.to_compressed().unwrap();
    assert_eq!(bytes.last().copied(), Some(u8::try_from(tx.v).unwrap()));
    // Value 0 is just 80, with no exponent byte: to ‖ 80 ‖ r.
    let decoded = compressed::decode(&bytes).unwrap();
    assert_eq!(decoded.value, Int::ZERO);
    assert_eq!(decoded.to_signed_tx(&int(1)).unwrap(), tx);
}

#[test]
fn a_creation_compresses_with_an_80_destination() {
    let tx = sign(
        DEV_KEY,
        &Unsigned {
            nonce: 1,
            gas_price: Int::ZERO,
            gas_limit: 1_000_000,
            to: None,
            value: Int::ZERO,
            data: vec![0x60, 0x00],
        },
        Some(CHAIN_ID),
    );
    let bytes = tx.to_compressed().unwrap();
    // 07 ff, nonce 01, price 80, gas 83 0f4240, to 80, value 80, data 6000.
    assert_eq!(hex::encode(&bytes[..12]), "07ff0180830f424080806000");
    assert_eq!(compressed::decode(&bytes).unwrap().to, CompressedTo::Create);
}

#[test]
fn amounts_are_written_as_base_and_power_of_ten() {
    let mut out = vec![];
    compressed::encode_amount(&ether(1), &mut out);
    assert_eq!(out, [0x01, 0x12]);
    out.clear();
    compressed::encode_amount(&int(1234), &mut out);
    assert_eq!(out, [0x82, 0x04, 0xd2, 0x00]);
    out.clear();
    compressed::encode_amount(&int(15_000_000_000), &mut out);
    assert_eq!(out, [0x0f, 0x09]);
}

#[test]
fn typed_transactions_are_refused_as_unsupported() {
    for first in [0x01u8, 0x02, 0x03, 0x7f] {
        let err = SignedTx::decode(&[first, 0xc0]).unwrap_err();
        assert_eq!(err, SignedTxError::TypedTransaction(first));
        assert!(err.to_string().contains("only legacy"));
    }
}

#[test]
fn malformed_raw_transactions_get_typed_errors() {
    let raw = section5_tx().encode();
    assert_eq!(SignedTx::decode(&[]), Err(SignedTxError::Empty));
    // Cut short.
    assert!(matches!(
        SignedTx::decode(&raw[..raw.len() - 1]),
        Err(SignedTxError::Rlp {
            field: "list",
            source: RlpError::Truncated { .. }
        })
    ));
    // A trailing byte after the list.
    let mut long = raw.clone();
    long.push(0);
    assert!(matches!(
        SignedTx::decode(&long),
        Err(SignedTxError::Rlp {
            source: RlpError::TrailingBytes(1),
            ..
        })
    ));
    // Eight fields.
    assert_eq!(
        SignedTx::decode(&[0xc8, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80]),
        Err(SignedTxError::FieldCount(8))
    );
    // A nonce with a leading zero (81 00 is not canonical; neither is 82 00 01).
    let fields = |nonce: &[u8]| {
        let mut items = nonce.to_vec();
        items.extend_from_slice(&[0x80, 0x80, 0x80, 0x80, 0x80, 0x1b, 0x01, 0x01]);
        let mut out = vec![0xc0 + items.len() as u8];
        out.extend_from_slice(&items);
        out
    };
    assert!(matches!(
        SignedTx::decode(&fields(&[0x82, 0x00, 0x01])),
        Err(SignedTxError::Rlp {
            field: "nonce",
            source: RlpError::LeadingZero
        })
    ));
    assert!(matches!(
        SignedTx::decode(&fields(&[0x81, 0x05])),
        Err(SignedTxError::Rlp {
            field: "nonce",
            source: RlpError::NonCanonicalSingleByte
        })
    ));
    assert!(SignedTx::decode(&fields(&[0x80])).is_ok());
    // A 19-byte `to`.
    let mut bad_to = vec![0xd8 + 3, 0x80, 0x80, 0x80, 0x93];
    bad_to.extend_from_slice(&[0x11; 19]);
    bad_to.extend_from_slice(&[0x80, 0x80, 0x1b, 0x01, 0x01]);
    bad_to[0] = 0xc0 + (bad_to.len() - 1) as u8;
    assert_eq!(SignedTx::decode(&bad_to), Err(SignedTxError::BadTo(19)));
    // v = 30 is neither form.
    let mut bad_v = fields(&[0x80]);
    let at = bad_v.len() - 3;
    bad_v[at] = 30;
    assert_eq!(SignedTx::decode(&bad_v), Err(SignedTxError::BadV(int(30))));
}

#[test]
fn a_signature_that_recovers_nothing_is_an_error() {
    let mut tx = section5_tx();
    tx.r = Int::ZERO;
    assert_eq!(tx.signer(), Err(SignedTxError::Unrecoverable));
}

#[test]
fn a_call_to_address_zero_cannot_be_compressed() {
    let tx = sign(
        DEV_KEY,
        &Unsigned::transfer(0, avm_arbos::Address::ZERO, int(1)),
        Some(CHAIN_ID),
    );
    assert_eq!(tx.to_compressed(), Err(SignedTxError::CallToZeroAddress));
}

#[test]
fn short_or_function_table_subtype7_messages_are_refused_as_arbos_refuses_them() {
    let bytes = section5_tx().to_compressed().unwrap();
    let mut table_form = bytes.clone();
    table_form[1] = 0x00;
    assert!(compressed::decode(&table_form).is_err());
    assert!(compressed::decode(&bytes[..66]).is_err());
    assert!(compressed::decode(&[0x07]).is_err());
}

#[test]
fn the_high_s_twin_of_a_signature_recovers_the_same_signer_but_is_flagged() {
    let tx = section5_tx();
    assert!(tx.has_low_s());
    let n = Int::from_str_radix(
        "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141",
        16,
    )
    .unwrap();
    let mut twin = tx.clone();
    twin.s = n - tx.s;
    // Flipping s flips the recovery id: v 824728 becomes 824727.
    twin.v = tx.v - int(1);
    assert!(!twin.has_low_s());
    assert_eq!(twin.signer().unwrap(), dev());
    assert_ne!(twin.hash(), tx.hash());
}
