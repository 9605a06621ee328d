//! `ripemd160f` and `blake2f`, the two opcodes the final Classic ArbOS (v58) uses beyond
//! the spec's table, with the operand packing of the arb-os emulator. Expected values
//! were computed independently (a Python RIPEMD-160 compression checked against
//! hashlib, and the EIP-152 / arb-os blake2b vectors).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use avm_code::{info_for_byte, Opcode};
use avm_value::{Buffer, Int, Value};
use common::{eval, eval_int};

fn int(hex: &str) -> Int {
    Int::from_str_radix(hex, 16).unwrap()
}

const IV: &str = "67452301efcdab8998badcfe10325476c3d2e1f0";

#[test]
fn ripemd160f_compresses_a_block_into_the_packed_state() {
    // A (top) = state h0..h4 as big-endian words in the low 160 bits; B, C = the block.
    let abc_block_b = "6162638000000000000000000000000000000000000000000000000000000000";
    let abc_block_c = "0000000000000000000000000000000000000000000000001800000000000000";
    // Arguments are pushed first to last, so the last is on top.
    let got = eval_int(
        Opcode::Ripemd160F,
        &[int(abc_block_c), int(abc_block_b), int(IV)],
    );
    assert_eq!(
        got,
        Some(int("8eb208f7e05d987a9b044a8e98c6b087f15a0bfc")),
        "RIPEMD-160(\"abc\")"
    );

    let b: String = (0u8..32).map(|i| format!("{i:02x}")).collect();
    let c: String = (32u8..64).map(|i| format!("{i:02x}")).collect();
    let got = eval_int(
        Opcode::Ripemd160F,
        &[
            int(&c),
            int(&b),
            int("0123456789abcdeffedcba987654321000112233"),
        ],
    );
    assert_eq!(got, Some(int("091dbae06aa9c8413da3c99d9ed7683ab66239b6")));

    // The top 96 bits of the state are ignored.
    let high = Int::from(0xdead_beef_u64) << 200;
    let got = eval_int(Opcode::Ripemd160F, &[Int::ZERO, Int::ZERO, int(IV) | high]);
    assert_eq!(got, Some(int("c59b7e1835958b24ccddd6d0304e7c981f1045cb")));
    assert_eq!(info_for_byte(Opcode::Ripemd160F as u8).gas, 250);
}

fn eip152_input(rounds: u32, flag: u8) -> Vec<u8> {
    let mut input = rounds.to_be_bytes().to_vec();
    input.extend(hex::decode("48c9bdf267e6096a3ba7ca8485ae67bb2bf894fe72f36e3cf1361d5f3af54fa5d182e6ad7f520e511f6c3e2b8c68059b6bbd41fbabd9831f79217e1319cde05b").unwrap());
    input.extend(b"abc");
    input.extend([0u8; 125]);
    input.extend([3, 0, 0, 0, 0, 0, 0, 0]);
    input.extend([0u8; 8]);
    input.push(flag);
    assert_eq!(input.len(), 213);
    input
}

fn blake2f(input: &[u8]) -> Option<Vec<u8>> {
    match eval(Opcode::Blake2F, &[Value::Buffer(Buffer::from_bytes(input))])? {
        Value::Buffer(b) => {
            let mut out = vec![0u8; 64];
            b.read(0, &mut out);
            Some(out)
        }
        _ => None,
    }
}

#[test]
fn blake2f_runs_the_eip152_compression_on_a_buffer() {
    let abc = "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923";
    assert_eq!(hex::encode(blake2f(&eip152_input(12, 1)).unwrap()), abc);
    assert_eq!(
        hex::encode(blake2f(&eip152_input(12, 0)).unwrap()),
        "75ab69d3190a562c51aef8d88f1c2775876944407270c42c9844252c26d2875298743e7f6d5ea2f2d3e8d226039cd31b4e426ac4f2d3d666a610c2116fde4735"
    );
    // Only the low bit of the flag byte counts.
    assert_eq!(hex::encode(blake2f(&eip152_input(12, 3)).unwrap()), abc);
    // A short buffer reads as zeros past its end.
    assert_eq!(
        hex::encode(blake2f(&[0, 0, 0, 12]).unwrap()),
        "c75a111960503f4db80adc573d73a22f1356849f12c1e1d1ac02e9c8c91d0665cee84a462f685c8a68d709a472b99e3d05e06a695dc2d961c9eba0bd36692eee"
    );
    // More than 0xffff rounds is an error, as is an operand that is no buffer.
    assert_eq!(blake2f(&eip152_input(0x10000, 1)), None);
    assert!(eval(Opcode::Blake2F, &[Value::int(1)]).is_none());
    assert_eq!(info_for_byte(Opcode::Blake2F as u8).gas, 600);
}
