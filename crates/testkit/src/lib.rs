//! Test support shared by the avm crates' tests and benchmarks: where the Arbitrum
//! Classic fixtures are, and a deterministic generator of random programs that mix
//! every opcode (and bytes that are none) with immediates of every kind.
//!
//! Only tests and benchmarks use this crate, so it may panic on impossible states.

#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod claims;
pub mod damage;
pub mod engines;
pub mod recorded_games;
pub mod spec_gas;
pub mod tools;
pub mod wallet;

use std::path::{Path, PathBuf};

use avm_code::{Instruction, Opcode, Program, OPCODES};
use avm_value::{Buffer, Int, Tuple, Value};

/// The Arbitrum Classic fixtures: `../shared/fixtures/classic` from the repository root.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/classic")
}

/// A small deterministic generator (xorshift64*), so failures reproduce from the seed.
pub struct Rng(pub u64);

impl Rng {
    /// The next pseudo-random word.
    pub fn word(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    /// A number below `n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.word() % n as u64) as usize
    }
    /// True with the given percentage.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.word() % 100 < percent
    }
}

/// An integer, biased toward edge cases.
pub fn random_int(rng: &mut Rng) -> Int {
    match rng.below(10) {
        0 => Int::ZERO,
        1 => Int::from(rng.below(4)),
        2 => Int::from(rng.below(40)),
        3 => Int::from(rng.below(300)),
        4 => Int::MAX,
        5 => Int::ONE << 255,
        6 => Int::from(u64::MAX) - Int::from(rng.below(40)),
        7 => Int::from(rng.word()),
        8 => Int::from(Opcode::Nop as u8 + rng.below(3) as u8),
        _ => Int::from_limbs([rng.word(), rng.word(), rng.word(), rng.word()]),
    }
}

/// A value of any kind; code points name instructions after `index` of a program of
/// `len` instructions.
pub fn random_value(rng: &mut Rng, depth: usize, len: usize, index: usize) -> Value {
    match rng.below(if depth > 2 { 3 } else { 6 }) {
        0 | 1 => Value::Int(random_int(rng)),
        2 => {
            let bytes: Vec<u8> = (0..rng.below(70)).map(|_| rng.word() as u8).collect();
            let b = Buffer::from_bytes(&bytes);
            Value::Buffer(if rng.chance(20) {
                b.set(rng.word() % (1 << 20), 9)
            } else {
                b
            })
        }
        3 if index + 1 < len => {
            let target = index + 1 + rng.below(len - index - 1);
            Value::CodePoint(Program::code_point_of(len, target))
        }
        _ => {
            let n = if rng.chance(40) { 7 } else { rng.below(9) };
            Value::Tuple(
                Tuple::new(
                    (0..n)
                        .map(|_| random_value(rng, depth + 1, len, index))
                        .collect(),
                )
                .unwrap(),
            )
        }
    }
}

/// An opcode byte, mostly valid ones, rarely `ecpairing`.
pub fn random_opcode(rng: &mut Rng) -> u8 {
    if rng.chance(3) {
        return rng.word() as u8;
    }
    loop {
        let byte = rng.word() as u8;
        if OPCODES[byte as usize].is_some() && (byte != Opcode::EcPairing as u8 || rng.chance(5)) {
            return byte;
        }
    }
}

/// `nop` with an immediate: pushes `value`.
pub fn push(value: Value) -> Instruction {
    Instruction::with_immediate(Opcode::Nop as u8, value)
}

/// A buffer offset: small, near leaf boundaries, far, or near 2^64.
pub fn buffer_offset(rng: &mut Rng) -> u64 {
    match rng.below(6) {
        0 => rng.below(64) as u64,
        1 => 24 + rng.below(16) as u64,
        2 => 1 << (5 + rng.below(30)),
        3 => u64::MAX - rng.below(40) as u64,
        4 => (rng.word() % (1 << 24)) | 31,
        _ => rng.below(10_000) as u64,
    }
}

/// A buffer with some data and a few far bytes.
pub fn random_buffer(rng: &mut Rng) -> Buffer {
    let mut b = Buffer::from_bytes(
        &(0..rng.below(100))
            .map(|_| rng.word() as u8)
            .collect::<Vec<_>>(),
    );
    for _ in 0..rng.below(3) {
        b = b.set(buffer_offset(rng), rng.word() as u8);
    }
    b
}

/// Instructions that push well-typed operands and then run one instruction, so that
/// instructions reach their real work instead of a type error.
/// Instructions that push well-typed operands and then run one instruction.
pub fn well_typed_snippet(rng: &mut Rng, len: usize, start: usize) -> Vec<Instruction> {
    // Code points in immediates must name instructions after the one holding them.
    let index = start + 10;
    let int = |n: u64| Value::Int(Int::from(n));
    let op = |o: Opcode| Instruction::basic(o as u8);
    let tuple = |rng: &mut Rng| {
        let n = 1 + rng.below(8);
        Value::Tuple(
            Tuple::new((0..n).map(|_| random_value(rng, 1, len, index)).collect()).unwrap(),
        )
    };
    match rng.below(9) {
        0 => {
            let width = [1u64, 8, 32][rng.below(3)];
            let value = if rng.chance(30) {
                Int::ZERO
            } else {
                random_int(rng)
            };
            let opcode = [
                Opcode::SetBuffer8,
                Opcode::SetBuffer64,
                Opcode::SetBuffer256,
            ][rng.below(3)];
            let _ = width;
            vec![
                push(Value::Buffer(random_buffer(rng))),
                push(Value::Int(if rng.chance(60) {
                    value & Int::from(0xffu8)
                } else {
                    value
                })),
                push(int(buffer_offset(rng))),
                op(opcode),
            ]
        }
        1 => {
            let opcode = [
                Opcode::GetBuffer8,
                Opcode::GetBuffer64,
                Opcode::GetBuffer256,
            ][rng.below(3)];
            vec![
                push(Value::Buffer(random_buffer(rng))),
                push(int(buffer_offset(rng))),
                op(opcode),
            ]
        }
        2 => {
            let data: Vec<u8> = (0..rng.below(80)).map(|_| rng.word() as u8).collect();
            let size = (data.len() as u64 + rng.below(5) as u64).saturating_sub(2);
            vec![
                push(Value::Buffer(Buffer::from_bytes(&data))),
                push(int(size)),
                op(Opcode::Send),
            ]
        }
        3 => {
            let t = tuple(rng);
            if rng.chance(50) {
                vec![push(t), push(int(rng.below(9) as u64)), op(Opcode::Tget)]
            } else {
                vec![
                    push(random_value(rng, 0, len, index)),
                    push(t),
                    push(int(rng.below(9) as u64)),
                    op(Opcode::Tset),
                ]
            }
        }
        4 => {
            let t = tuple(rng);
            vec![
                push(t),
                op(Opcode::AuxPush),
                push(random_value(rng, 0, len, index)),
                push(int(rng.below(9) as u64)),
                op(Opcode::Xset),
                push(int(rng.below(9) as u64)),
                op(Opcode::Xget),
                op(Opcode::AuxPop),
                op(Opcode::Tlen),
            ]
        }
        5 => {
            let items: Vec<Value> = (0..7).map(|_| Value::Int(random_int(rng))).collect();
            vec![
                push(Value::Tuple(Tuple::new(items).unwrap())),
                op(Opcode::KeccakF),
            ]
        }
        6 => {
            let g = [int(1), int(2)];
            let opcode = if rng.chance(50) {
                Opcode::EcAdd
            } else {
                Opcode::EcMul
            };
            let mut v = Vec::new();
            if opcode == Opcode::EcAdd {
                v.extend([push(g[1].clone()), push(g[0].clone())]);
            } else {
                v.push(push(Value::Int(random_int(rng))));
            }
            v.extend([push(g[1].clone()), push(g[0].clone()), op(opcode)]);
            v
        }
        7 if rng.chance(50) => {
            let mut input = vec![0u8; 213];
            input[3] = rng.below(13) as u8;
            input[4..212].iter_mut().for_each(|b| *b = rng.word() as u8);
            input[212] = rng.below(3) as u8;
            vec![
                push(Value::Buffer(Buffer::from_bytes(&input))),
                op(Opcode::Blake2F),
            ]
        }
        7 => vec![
            push(Value::Int(random_int(rng))),
            push(Value::Int(random_int(rng))),
            push(Value::Int(random_int(rng))),
            op(Opcode::Ripemd160F),
            push(int(rng.below(2) as u64)),
            push(Value::CodePoint(Program::code_point_of(
                len,
                (index + 1).min(len),
            ))),
            op(Opcode::Cjump),
        ],
        _ => {
            let opcode = Opcode::Nop as u64 + rng.below(3) as u64;
            vec![
                op(Opcode::ErrCodePoint),
                push(random_value(rng, 0, len, index)),
                push(int(opcode)),
                op(Opcode::PushInsnImm),
                push(int(Opcode::Pop as u64)),
                op(Opcode::PushInsn),
            ]
        }
    }
}

/// A random program: an error handler, then a mix of random instructions and
/// well-typed snippets.
pub fn random_program(rng: &mut Rng) -> Program {
    let len = 20 + rng.below(60);
    let handler = len / 2 + rng.below(len / 2);
    let mut insns = vec![Instruction::with_immediate(
        Opcode::ErrSet as u8,
        Value::CodePoint(Program::code_point_of(len, handler)),
    )];
    while insns.len() < len {
        let index = insns.len();
        if rng.chance(25) {
            let snippet = well_typed_snippet(rng, len, index);
            if index + snippet.len() <= len {
                insns.extend(snippet);
                continue;
            }
        }
        let opcode = random_opcode(rng);
        if rng.chance(35) {
            insns.push(Instruction::with_immediate(
                opcode,
                random_value(rng, 0, len, index),
            ));
        } else {
            insns.push(Instruction::basic(opcode));
        }
    }
    let static_value = random_value(rng, 0, len, 0);
    Program::from_instructions(insns, static_value).unwrap()
}

/// A few random inbox messages (tuples with an integer block number).
pub fn random_inbox(rng: &mut Rng, len: usize) -> Vec<Value> {
    (0..rng.below(4))
        .map(|_| {
            let mut items = vec![
                Value::int(rng.below(3) as u64),
                Value::int(rng.below(5) as u64),
            ];
            items.extend((0..rng.below(4)).map(|_| random_value(rng, 1, len, 0)));
            Value::Tuple(Tuple::new(items).unwrap())
        })
        .collect()
}
