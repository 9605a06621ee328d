//! The Runtime Environment as a library: a growing inbox, output sinks (recording,
//! callbacks, channels), sideload and breakpoint hooks, and run limits.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::mpsc;

use avm_code::{Opcode, Program};
use avm_machine::{
    BreakpointAction, Callbacks, Machine, OutputEvent, RunLimits, Runtime, RuntimeEnv, StopReason,
};
use avm_value::{Buffer, Tuple, Value};
use common::{int, op, push};

fn message(n: u64) -> Value {
    Value::Tuple(Tuple::from_array([int(0), int(n), int(n * 10)]))
}

/// Forever: inbox, log it, send 2 bytes, breakpoint, loop (via the register).
fn echo_machine() -> Machine {
    let len = 12;
    let loop_head = Program::code_point_of(len, 2);
    let insns = vec![
        push(Value::CodePoint(loop_head)),
        op(Opcode::Rset),
        op(Opcode::Inbox),
        op(Opcode::Log),
        push(Value::Buffer(Buffer::from_bytes(&[0xab, 0xcd]))),
        push(int(2)),
        op(Opcode::Send),
        op(Opcode::Breakpoint),
        op(Opcode::Rpush),
        op(Opcode::Jump),
        op(Opcode::Halt),
        op(Opcode::Halt),
    ];
    assert_eq!(insns.len(), len);
    Machine::new(Program::from_instructions(insns, Value::none()).unwrap())
}

#[test]
fn the_inbox_grows_while_the_machine_is_blocked() {
    let mut runtime = Runtime::with_env(echo_machine(), RuntimeEnv::default()).ignore_breakpoints();
    assert_eq!(runtime.run().reason, StopReason::Blocked);
    for round in 1..=3 {
        runtime.push_message(message(round));
        let report = runtime.run();
        assert_eq!(report.reason, StopReason::Blocked);
        assert_eq!(runtime.env.logs().len() as u64, round);
        assert_eq!(runtime.machine.inbox_position().consumed, round);
    }
    assert_eq!(runtime.env.sends().len(), 3);
    assert_eq!(runtime.env.sends()[0].value, vec![0xab, 0xcd]);
}

#[test]
fn breakpoints_stop_by_default_and_a_hook_decides_otherwise() {
    let mut runtime = Runtime::with_env(
        echo_machine(),
        RuntimeEnv::with_inbox([message(1), message(2)]),
    );
    assert_eq!(runtime.run().reason, StopReason::Breakpoint);
    let mut seen = 0;
    let mut runtime = Runtime::with_env(
        echo_machine(),
        RuntimeEnv::with_inbox([message(1), message(2)]),
    )
    .on_breakpoint(move |m| {
        seen += 1;
        assert!(m.steps() > 0);
        if seen < 2 {
            BreakpointAction::Continue
        } else {
            BreakpointAction::Stop
        }
    });
    assert_eq!(runtime.run().reason, StopReason::Breakpoint);
    assert_eq!(
        runtime.machine.inbox_position().consumed,
        2,
        "stopped at the second"
    );
}

#[test]
fn outputs_reach_callbacks_and_channels_in_order() {
    let mut logs = Vec::new();
    let mut sends = 0;
    {
        let sink = Callbacks::new()
            .on_log(|v, at| logs.push((v.as_tuple().unwrap().len(), at.step)))
            .on_send(|data, _| {
                assert_eq!(data, [0xab, 0xcd]);
                sends += 1;
            });
        let mut env = RuntimeEnv::with_sink(sink);
        env.inbox.extend([message(1), message(2)]);
        let mut runtime = Runtime::with_env(echo_machine(), env).ignore_breakpoints();
        assert_eq!(runtime.run().reason, StopReason::Blocked);
    }
    assert_eq!(logs.len(), 2);
    assert!(logs[0].1 < logs[1].1);
    assert_eq!(sends, 2);

    let (tx, rx) = mpsc::channel();
    let consumer = std::thread::spawn(move || {
        rx.iter()
            .map(|e| match e {
                OutputEvent::Log(_) => 'l',
                OutputEvent::Send(_) => 's',
                OutputEvent::DebugPrint(_) => 'd',
            })
            .collect::<String>()
    });
    let mut env = RuntimeEnv::with_sink(tx);
    env.inbox.extend([message(1), message(2)]);
    let mut runtime = Runtime::with_env(echo_machine(), env).ignore_breakpoints();
    runtime.run();
    drop(runtime);
    assert_eq!(consumer.join().unwrap(), "lsls");
}

#[test]
fn the_sideload_hook_is_asked_first_then_the_queue_then_the_empty_tuple() {
    let insns = vec![
        push(int(5)),
        op(Opcode::Sideload),
        push(int(6)),
        op(Opcode::Sideload),
        push(int(7)),
        op(Opcode::Sideload),
        op(Opcode::Halt),
    ];
    let machine = Machine::new(Program::from_instructions(insns, Value::none()).unwrap());
    let mut env = RuntimeEnv::with_inbox([]);
    env.sideload_hook = Some(Box::new(|block| {
        (*block == avm_value::Int::from(5u8)).then(|| int(500))
    }));
    env.sideloads.push_back(int(600));
    let mut runtime = Runtime::with_env(machine, env);
    assert_eq!(runtime.run().reason, StopReason::Halted);
    let stack = runtime.machine.stack();
    assert!(stack.peek(0).unwrap().as_tuple().unwrap().is_empty());
    assert_eq!(
        stack.peek(1).unwrap().as_int(),
        Some(&avm_value::Int::from(600u16))
    );
    assert_eq!(
        stack.peek(2).unwrap().as_int(),
        Some(&avm_value::Int::from(500u16))
    );
}

#[test]
fn limits_are_totals_and_a_run_continues_where_it_stopped() {
    let mut runtime =
        Runtime::with_env(echo_machine(), RuntimeEnv::with_inbox((1..=5).map(message)))
            .ignore_breakpoints()
            .with_limits(RunLimits {
                max_steps: Some(10),
                max_gas: None,
            });
    let report = runtime.run();
    assert_eq!((report.reason, report.steps), (StopReason::StepLimit, 10));
    runtime.limits.max_steps = Some(25);
    let report = runtime.run();
    assert_eq!((report.reason, report.steps), (StopReason::StepLimit, 15));
    runtime.limits = RunLimits::default();
    assert_eq!(runtime.run().reason, StopReason::Blocked);
    assert_eq!(runtime.env.logs().len(), 5);
}
