//! Machine-level behaviour: AVMGas accounting, errors and handlers, blocking and
//! resuming, breakpoints, outputs, code created at run time, and the fixture programs
//! the C++ AVM's tests/machine.cpp runs.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

#[allow(dead_code)]
#[path = "../../testkit/src/spec_gas.rs"]
mod spec_gas;

use std::path::{Path, PathBuf};

use avm_code::{load_mexe, LoadOptions, Opcode};
use avm_machine::{Machine, RunLimits, RuntimeEnv, Status, StepOutcome, StopReason};
use avm_value::{keccak256, keccak_pair, value_hash, Hash, Int, Tuple, Value};
use common::*;

fn fixture(rel: &str) -> Machine {
    let path: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/classic")
        .join(rel);
    Machine::new(load_mexe(&path, &LoadOptions::default()).unwrap())
}

fn message(block: u64, payload: u64) -> Value {
    Value::Tuple(Tuple::new(vec![int(0), int(block), int(payload)]).unwrap())
}

#[test]
fn gas_used_is_the_sum_of_the_spec_costs_of_a_straight_line_program() {
    let insns = vec![
        push(int(3)),
        push(int(4)),
        op(Opcode::Add),
        op(Opcode::Dup0),
        op(Opcode::Mul),
        push(int(9)),
        op(Opcode::Swap1),
        op(Opcode::Sdiv),
        op(Opcode::Hash),
        op(Opcode::PcPush),
        op(Opcode::Pop),
        imm(Opcode::Tget, int(0)),
        op(Opcode::NewBuffer),
        op(Opcode::Halt),
    ];
    // tget with immediate 0 on an Int raises an Error: replace by a valid tuple read.
    let mut insns = insns;
    insns[11] = push(Value::Tuple(Tuple::pair(int(1), int(2))));
    insns.insert(12, imm(Opcode::Tget, int(1)));
    let expected: u64 = insns
        .iter()
        .map(|i| spec_gas::deployed_gas_of_byte(i.opcode).unwrap())
        .sum();
    let mut m = machine(insns.clone());
    let (report, _) = run_with(&mut m, vec![]);
    assert_eq!(report.reason, StopReason::Halted);
    assert_eq!(m.gas_used(), expected);
    assert_eq!(m.steps(), insns.len() as u64);
    assert_eq!(*m.gas_remaining(), Int::MAX - Int::from(expected));
}

#[test]
fn an_error_without_handler_stops_and_with_handler_jumps() {
    // Without handler: ErrorStop, hash 1.
    let mut m = machine(vec![
        push(int(0)),
        push(int(1)),
        op(Opcode::Div),
        op(Opcode::Halt),
    ]);
    run_with(&mut m, vec![]);
    assert_eq!(m.status(), Status::ErrorStop);
    assert_eq!(m.hash(), Hash::from_int(&Int::from(1u8)));
    // With handler: execution continues at the handler, the operands are gone.
    let len = 8;
    let mut m = machine(vec![
        imm(Opcode::ErrSet, Value::CodePoint(cp(len, 6))),
        push(int(42)),
        push(int(0)),
        push(int(1)),
        op(Opcode::Div),
        op(Opcode::Halt),
        imm(Opcode::Log, int(7)),
        op(Opcode::Halt),
    ]);
    let (_, env) = run_with(&mut m, vec![]);
    assert_eq!(env.logs().len(), 1, "the handler ran");
    assert_eq!(
        m.stack().values().len(),
        1,
        "div's two operands were removed, 42 stays"
    );
    assert_eq!(m.status(), Status::Halted);
}

#[test]
fn an_error_removes_exactly_what_the_opcode_pops() {
    // tset with an index out of range: A, B, C removed; the item below stays.
    let m = run_halting(vec![
        push(int(99)),
        push(int(5)),
        push(Value::Tuple(Tuple::pair(int(1), int(2)))),
        imm(Opcode::ErrSet, Value::CodePoint(cp(6, 5))),
        imm(Opcode::Tset, int(7)),
    ]);
    assert_eq!(m.status(), Status::Halted);
    assert_eq!(m.stack().values().len(), 1);
    assert!(matches!(m.stack().peek(0), Some(Value::Int(n)) if *n == Int::from(99u8)));
}

#[test]
fn stack_underflow_clears_the_short_stack_and_pops_the_other() {
    // xset pops 2 data items and 1 aux item. With 1 data item and 2 aux items:
    // the data stack is cleared, one aux item is removed; `error` gas is charged.
    let len = 6;
    let mut m = machine(vec![
        imm(Opcode::ErrSet, Value::CodePoint(cp(len, 5))),
        imm(Opcode::AuxPush, int(1)),
        imm(Opcode::AuxPush, int(2)),
        push(int(3)),
        op(Opcode::Xset),
        op(Opcode::Halt),
    ]);
    run_with(&mut m, vec![]);
    assert_eq!(m.status(), Status::Halted);
    assert_eq!(m.stack().len(), 0);
    assert_eq!(m.aux_stack().len(), 1);
    let expected_gas = 1 + 1 + 1 + 1 + 5 + 10;
    assert_eq!(m.gas_used(), expected_gas);
}

#[test]
fn running_out_of_gas_raises_an_error_and_resets_gas_to_max() {
    let len = 4;
    let mut m = machine(vec![
        imm(Opcode::ErrSet, Value::CodePoint(cp(len, 3))),
        imm(Opcode::SetGas, int(3)),
        op(Opcode::Halt),
        op(Opcode::Halt),
    ]);
    // errset (1), setgas (1) leaves 3; halt costs 10 > 3: Error, handler is the
    // second halt, which now has MaxUint256 gas.
    run_with(&mut m, vec![]);
    assert_eq!(m.status(), Status::Halted);
    assert_eq!(*m.gas_remaining(), Int::MAX - Int::from(10u8));
    assert_eq!(m.gas_used(), 1 + 1 + 5 + 10);
}

#[test]
fn unknown_opcodes_execute_as_error() {
    let mut m = machine(vec![avm_code::Instruction::basic(0x7a)]);
    let outcome = m.step(&mut RuntimeEnv::default());
    assert!(matches!(outcome, StepOutcome::Faulted(_)));
    assert_eq!(m.status(), Status::ErrorStop);
    assert_eq!(m.gas_used(), 5);
}

#[test]
fn an_empty_inbox_blocks_without_changing_anything_and_resumes_later() {
    let mut m = machine(vec![
        push(int(5)),
        op(Opcode::Inbox),
        imm(Opcode::Tget, int(2)),
        op(Opcode::Add),
        op(Opcode::Halt),
    ]);
    let mut env = RuntimeEnv::default();
    let report = m.run(&mut env, &RunLimits::default());
    assert_eq!(report.reason, StopReason::Blocked);
    let (hash, steps, gas) = (m.hash(), m.steps(), m.gas_used());
    assert_eq!(
        m.run(&mut env, &RunLimits::default()).reason,
        StopReason::Blocked
    );
    assert_eq!((m.hash(), m.steps(), m.gas_used()), (hash, steps, gas));
    env.push_message(message(1, 37));
    let report = m.run(&mut env, &RunLimits::default());
    assert_eq!(report.reason, StopReason::Halted);
    assert!(matches!(m.stack().peek(0), Some(Value::Int(n)) if *n == Int::from(42u8)));
    let expected_acc = keccak_pair(&Hash::ZERO, &value_hash(&message(1, 37), m.code()));
    assert_eq!(m.inbox_position().acc, expected_acc);
    assert_eq!(m.inbox_position().consumed, 1);
}

#[test]
fn inboxpeek_takes_a_pending_message_that_inbox_then_returns() {
    let mut m = machine(vec![
        imm(Opcode::InboxPeek, int(7)),
        imm(Opcode::InboxPeek, int(8)),
        op(Opcode::Inbox),
        op(Opcode::Halt),
    ]);
    let mut env = RuntimeEnv::default();
    assert_eq!(
        m.run(&mut env, &RunLimits::default()).reason,
        StopReason::Blocked
    );
    assert_eq!(m.steps(), 0, "a blocked inboxpeek does not count as a step");
    env.push_message(message(8, 1));
    env.push_message(message(9, 2));
    m.run(
        &mut env,
        &RunLimits {
            max_steps: Some(1),
            max_gas: None,
        },
    );
    assert!(m.pending_message().is_some());
    assert_eq!(m.inbox_position().consumed, 1);
    // The pending message is part of the hash: 8 words instead of 7.
    let parts = m.hash_parts();
    assert_eq!(
        parts.pending_hash,
        Some(value_hash(&message(8, 1), m.code()))
    );
    let mut without = parts;
    without.pending_hash = None;
    assert_ne!(m.hash(), without.hash());
    assert_eq!(m.hash(), parts.hash());
    m.run(&mut env, &RunLimits::default());
    assert_eq!(m.status(), Status::Halted);
    let values = m.stack().values();
    assert!(
        matches!(&values[0], Value::Int(n) if n.is_zero()),
        "7 is not block 8"
    );
    assert!(
        matches!(&values[1], Value::Int(n) if *n == Int::ONE),
        "8 is block 8"
    );
    assert_eq!(
        value_hash(&values[2], m.code()),
        value_hash(&message(8, 1), m.code())
    );
    assert_eq!(
        m.inbox_position().consumed,
        1,
        "inbox used the pending message"
    );
    assert!(m.pending_message().is_none());
}

#[test]
fn breakpoints_return_control_and_resume() {
    let mut m = machine(vec![op(Opcode::Breakpoint), push(int(1)), op(Opcode::Halt)]);
    let mut env = RuntimeEnv::default();
    let report = m.run(&mut env, &RunLimits::default());
    assert_eq!(
        (report.reason, report.steps, report.gas),
        (StopReason::Breakpoint, 1, 100)
    );
    let report = m.run(&mut env, &RunLimits::default());
    assert_eq!((report.reason, report.steps), (StopReason::Halted, 2));
}

#[test]
fn a_run_through_breakpoints_goes_on_and_reports_the_whole_run() {
    let program = vec![
        op(Opcode::Breakpoint),
        push(int(1)),
        op(Opcode::Breakpoint),
        op(Opcode::Halt),
    ];
    let mut m = machine(program);
    let report = m.run_through_breakpoints(&mut RuntimeEnv::default(), &RunLimits::default());
    // The spec's costs: two breakpoints (100 each), push (nop, 1) and halt (10).
    let gas = 2 * 100 + 1 + 10;
    assert_eq!(
        (report.reason, report.steps, report.gas),
        (StopReason::Halted, 4, gas)
    );
    assert_eq!((m.steps(), m.gas_used()), (4, gas));
}

#[test]
fn sends_and_logs_feed_their_accumulators() {
    let mut m = machine(vec![
        op(Opcode::NewBuffer),
        push(int(0xab)),
        imm(Opcode::SetBuffer8, int(0)),
        imm(Opcode::Send, int(3)),
        imm(Opcode::Log, int(5)),
        op(Opcode::Halt),
    ]);
    let (report, env) = run_with(&mut m, vec![]);
    assert_eq!(report.reason, StopReason::Halted);
    assert_eq!(env.sends()[0].value, vec![0xab, 0, 0]);
    let send_acc = keccak_pair(&Hash::ZERO, &keccak256(&[0xab, 0, 0]));
    let log_acc = keccak_pair(&Hash::ZERO, &value_hash(&int(5), m.code()));
    assert_eq!(m.outputs().send_acc, send_acc);
    assert_eq!(m.outputs().log_acc, log_acc);
    // A send shorter than the buffer's data is an Error.
    let mut bad = machine(vec![
        op(Opcode::NewBuffer),
        push(int(7)),
        imm(Opcode::SetBuffer8, int(4)),
        imm(Opcode::Send, int(3)),
        op(Opcode::Halt),
    ]);
    run_with(&mut bad, vec![]);
    assert_eq!(bad.status(), Status::ErrorStop);
}

#[test]
fn code_created_at_run_time_executes_and_hashes_like_loaded_code() {
    // Build [push 5; log; halt] at run time with errcodepoint/pushinsn(imm), jump to it.
    let mut m = machine(vec![
        op(Opcode::ErrCodePoint),
        imm(Opcode::PushInsn, int(Opcode::Halt as u64)),
        imm(Opcode::PushInsn, int(Opcode::Log as u64)),
        push(int(5)),
        imm(Opcode::PushInsnImm, int(Opcode::Nop as u64)),
        op(Opcode::Jump),
    ]);
    let (report, env) = run_with(&mut m, vec![]);
    assert_eq!(report.reason, StopReason::Halted);
    assert_eq!(env.logs().len(), 1);
    // The same code loaded from a program has the same entry hash.
    let loaded = machine(vec![push(int(5)), op(Opcode::Log), op(Opcode::Halt)]);
    let mut built = machine(vec![
        op(Opcode::ErrCodePoint),
        imm(Opcode::PushInsn, int(Opcode::Halt as u64)),
        imm(Opcode::PushInsn, int(Opcode::Log as u64)),
        push(int(5)),
        imm(Opcode::PushInsnImm, int(Opcode::Nop as u64)),
        op(Opcode::Halt),
    ]);
    run_with(&mut built, vec![]);
    let Some(Value::CodePoint(cp)) = built.stack().peek(0).cloned() else {
        panic!("expected a code point");
    };
    use avm_value::CodeView;
    assert_eq!(
        built.code().code_point_hash(cp),
        loaded.code().code_point_hash(loaded.pc())
    );
}

#[test]
fn max_gas_stops_before_the_instruction_that_would_exceed_it() {
    let mut m = machine(vec![
        push(int(1)),
        push(int(2)),
        op(Opcode::Add),
        op(Opcode::Halt),
    ]);
    let mut env = RuntimeEnv::default();
    let report = m.run(
        &mut env,
        &RunLimits {
            max_steps: None,
            max_gas: Some(4),
        },
    );
    assert_eq!(
        (report.reason, m.gas_used(), m.steps()),
        (StopReason::GasLimit, 2, 2)
    );
    let report = m.run(
        &mut env,
        &RunLimits {
            max_steps: None,
            max_gas: Some(5),
        },
    );
    assert_eq!((report.reason, m.gas_used()), (StopReason::GasLimit, 5));
    let report = m.run(&mut env, &RunLimits::default());
    assert_eq!((report.reason, m.gas_used()), (StopReason::Halted, 15));
}

/// tests/machine.cpp "Stopping on sideload": errorstop after 13 gas, or halted after
/// 23 when the sideload supplies a value.
#[test]
fn sideloadtest_gas_matches_the_cpp_avm() {
    let mut m = fixture("machine-cases/sideloadtest.mexe");
    let (report, _) = run_with(&mut m, vec![]);
    assert_eq!((report.reason, report.gas), (StopReason::ErrorStop, 13));
    let mut m = fixture("machine-cases/sideloadtest.mexe");
    let mut env = RuntimeEnv::default();
    env.sideloads
        .push_back(Value::Tuple(Tuple::from_array(std::array::from_fn::<
            Value,
            8,
            _,
        >(|_| int(0)))));
    let report = m.run(&mut env, &RunLimits::default());
    assert_eq!((report.reason, report.gas), (StopReason::Halted, 23));
}

/// tests/arbcore.cpp "duplicate code segments": two messages, then halted.
#[test]
fn dupsegments_halts_after_two_messages() {
    let mut m = fixture("machine-cases/dupsegments.mexe");
    let mut env = RuntimeEnv::default();
    assert_eq!(
        m.run(&mut env, &RunLimits::default()).reason,
        StopReason::Blocked
    );
    env.push_message(message(0, 0));
    assert_eq!(
        m.run(&mut env, &RunLimits::default()).reason,
        StopReason::Blocked
    );
    env.push_message(message(0, 1));
    assert_eq!(
        m.run(&mut env, &RunLimits::default()).reason,
        StopReason::Halted
    );
}

/// The Mini program in tests/arbcore.cpp: logs the block number of each message.
#[test]
fn inbox_program_logs_each_block_number() {
    let mut m = fixture("machine-cases/inbox.mexe");
    let messages: Vec<Value> = (0..5u64)
        .map(|i| {
            Value::Tuple(
                Tuple::new(vec![
                    int(0),
                    int(i),
                    int(0),
                    int(0),
                    int(i),
                    int(0),
                    int(0),
                    Value::Buffer(Default::default()),
                ])
                .unwrap(),
            )
        })
        .collect();
    let (report, env) = run_with(&mut m, messages);
    assert_eq!(report.reason, StopReason::Blocked);
    let logged: Vec<u64> = env
        .logs()
        .iter()
        .map(|l| l.value.as_int().map_or(u64::MAX, |n| n.as_limbs()[0]))
        .collect();
    assert_eq!(logged, vec![0, 1, 2, 3, 4]);
}

#[test]
fn segmentreorg_consumes_both_messages_then_falls_off_its_end() {
    let mut m = fixture("machine-cases/segmentreorg.mexe");
    let (report, _) = run_with(&mut m, vec![message(0, 0), message(0, 1)]);
    assert_eq!(report.reason, StopReason::ErrorStop);
    assert_eq!(m.inbox_position().consumed, 2);
}

#[test]
fn a_million_deep_stack_hashes_and_drops() {
    let mut m = machine(vec![op(Opcode::Halt)]);
    let deep: Vec<Value> = (0..1_000_000u64).map(int).collect();
    let mut parts = m.to_parts();
    parts.stack = deep;
    let mut deep_machine = Machine::from_parts(parts);
    let h1 = deep_machine.hash();
    let h2 = deep_machine.hash();
    assert_eq!(h1, h2);
    m.hash();
    drop(deep_machine);
}
