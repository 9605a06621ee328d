//! Thousands of random programs: every step of each, proven and verified, must give
//! the claim the machine reaches by executing it. The programs mix every opcode (and
//! bytes that are none) with immediates of every kind, so errors, handlers, underflows,
//! out-of-gas, blocking inboxes, buffers and code built at run time all occur.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use avm_code::{Instruction, Opcode, Program, OPCODES};
use avm_machine::{Machine, RuntimeEnv, StepOutcome};
use avm_prover::{claim, prove_step, ProveError};
use avm_value::{value_hash, Buffer, Int, Tuple, Value};
use avm_verifier::{verify, InboxAccumulators, Proof};

/// A small deterministic generator (xorshift64*), so failures reproduce from the seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

fn random_int(rng: &mut Rng) -> Int {
    match rng.below(10) {
        0 => Int::ZERO,
        1 => Int::from(rng.below(4)),
        2 => Int::from(rng.below(40)),
        3 => Int::from(rng.below(300)),
        4 => Int::MAX,
        5 => Int::ONE << 255,
        6 => Int::from(u64::MAX) - Int::from(rng.below(40)),
        7 => Int::from(rng.next()),
        8 => Int::from(Opcode::Nop as u8 + rng.below(3) as u8),
        _ => Int::from_limbs([rng.next(), rng.next(), rng.next(), rng.next()]),
    }
}

fn random_value(rng: &mut Rng, depth: usize, len: usize, index: usize) -> Value {
    match rng.below(if depth > 2 { 3 } else { 6 }) {
        0 | 1 => Value::Int(random_int(rng)),
        2 => {
            let bytes: Vec<u8> = (0..rng.below(70)).map(|_| rng.next() as u8).collect();
            let b = Buffer::from_bytes(&bytes);
            Value::Buffer(if rng.chance(20) {
                b.set(rng.next() % (1 << 20), 9)
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

fn random_opcode(rng: &mut Rng) -> u8 {
    if rng.chance(3) {
        return rng.next() as u8;
    }
    loop {
        let byte = rng.next() as u8;
        if OPCODES[byte as usize].is_some() && (byte != Opcode::EcPairing as u8 || rng.chance(5)) {
            return byte;
        }
    }
}

fn push(value: Value) -> Instruction {
    Instruction::with_immediate(Opcode::Nop as u8, value)
}

fn buffer_offset(rng: &mut Rng) -> u64 {
    match rng.below(6) {
        0 => rng.below(64) as u64,
        1 => 24 + rng.below(16) as u64,
        2 => 1 << (5 + rng.below(30)),
        3 => u64::MAX - rng.below(40) as u64,
        4 => (rng.next() % (1 << 24)) | 31,
        _ => rng.below(10_000) as u64,
    }
}

fn random_buffer(rng: &mut Rng) -> Buffer {
    let mut b = Buffer::from_bytes(
        &(0..rng.below(100))
            .map(|_| rng.next() as u8)
            .collect::<Vec<_>>(),
    );
    for _ in 0..rng.below(3) {
        b = b.set(buffer_offset(rng), rng.next() as u8);
    }
    b
}

/// Instructions that push well-typed operands and then run one instruction, so that
/// instructions reach their real work instead of a type error.
fn well_typed_snippet(rng: &mut Rng, len: usize, start: usize) -> Vec<Instruction> {
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
            let data: Vec<u8> = (0..rng.below(80)).map(|_| rng.next() as u8).collect();
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
            input[4..212].iter_mut().for_each(|b| *b = rng.next() as u8);
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

fn random_program(rng: &mut Rng) -> Program {
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

fn random_inbox(rng: &mut Rng, len: usize) -> Vec<Value> {
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

#[test]
fn every_step_of_thousands_of_random_programs_verifies() {
    let mut steps = 0u64;
    let mut faults = 0u64;
    let mut blocked = 0u64;
    for seed in 1..=2_000u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        let program = random_program(&mut rng);
        let len = program.instruction_count() as usize;
        let inbox = random_inbox(&mut rng, len);
        let mut machine = Machine::new(program);
        // Start with a register and stacks that are not empty, to exercise them.
        let mut parts = machine.to_parts();
        parts.stack = (0..rng.below(5))
            .map(|_| random_value(&mut rng, 0, len, 0))
            .collect();
        parts.aux_stack = (0..rng.below(3))
            .map(|_| random_value(&mut rng, 0, len, 0))
            .collect();
        parts.register = random_value(&mut rng, 0, len, 0);
        if rng.chance(10) {
            parts.gas_remaining = Int::from(rng.below(200));
        }
        machine = Machine::from_parts(parts);
        let accs = InboxAccumulators::from_message_hashes(
            inbox.iter().map(|m| value_hash(m, machine.code())),
        );
        let mut env = RuntimeEnv::with_inbox(inbox.clone());
        for _ in 0..150 {
            let step = match prove_step(&mut machine, &inbox) {
                Ok(step) => step,
                Err(ProveError::Blocked(_)) => {
                    blocked += 1;
                    assert_eq!(machine.step(&mut env), StepOutcome::Blocked, "seed {seed}");
                    break;
                }
                Err(ProveError::NotRunning(_)) => break,
                Err(e) => panic!("seed {seed}: {e}"),
            };
            let outcome = machine.step(&mut env);
            if matches!(outcome, StepOutcome::Faulted(_)) {
                faults += 1;
            }
            let post = claim(&mut machine);
            let verified = verify(&step.pre, &step.proof, &accs).unwrap_or_else(|e| {
                panic!("seed {seed} step {}: {e}\n{:?}", step.pre.steps, step.proof)
            });
            assert_eq!(
                verified, post,
                "seed {seed} step {} opcode {:#x}\n{:?}",
                step.pre.steps, step.proof.opcode, step.proof
            );
            assert_eq!(
                Proof::from_bytes(&step.proof.to_bytes()).unwrap(),
                step.proof
            );
            steps += 1;
        }
    }
    assert!(steps > 20_000, "{steps} steps");
    assert!(
        faults > 1_000 && blocked > 10,
        "faults {faults}, blocked {blocked}"
    );
}

#[test]
fn a_step_past_the_last_inbox_message_has_no_valid_proof() {
    let program = Program::from_instructions(
        vec![
            Instruction::basic(Opcode::Inbox as u8),
            Instruction::basic(Opcode::Inbox as u8),
        ],
        Value::none(),
    )
    .unwrap();
    let message = Value::Tuple(Tuple::pair(Value::int(0), Value::int(1)));
    let mut machine = Machine::new(program);
    let accs = InboxAccumulators::from_message_hashes([value_hash(&message, machine.code())]);
    let first = prove_step(&mut machine, std::slice::from_ref(&message)).unwrap();
    assert!(verify(&first.pre, &first.proof, &accs).is_ok());
    machine.step(&mut RuntimeEnv::with_inbox([message.clone()]));
    assert_eq!(
        prove_step(&mut machine, std::slice::from_ref(&message)),
        Err(ProveError::Blocked(1))
    );
    // A forged proof that reads the same message again is rejected.
    let mut forged = prove_step(&mut machine, &[message.clone(), message.clone()]).unwrap();
    assert!(verify(&forged.pre, &forged.proof, &accs).is_err());
    forged.pre.inbox_consumed = 0;
    assert!(verify(&forged.pre, &forged.proof, &accs).is_err());
}
