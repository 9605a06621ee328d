//! The example programs in examples/ assemble and do what their comments say; the
//! expected outputs are computed here independently.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use avm_code::{load_mexe, LoadOptions};
use avm_machine::{Machine, RunLimits, RuntimeEnv, StopReason};
use avm_value::{value_hash, Buffer, Int, Tuple, Value};
use common::{example, examples};

fn run(program: avm_code::Program, inbox: Vec<Value>) -> (Machine, RuntimeEnv, StopReason) {
    let mut machine = Machine::new(program);
    let mut env = RuntimeEnv::with_inbox(inbox);
    let limits = RunLimits {
        max_steps: Some(1_000_000),
        max_gas: None,
    };
    let report = machine.run(&mut env, &limits);
    (machine, env, report.reason)
}

fn logged_ints(env: &RuntimeEnv) -> Vec<Int> {
    env.logs()
        .iter()
        .map(|l| *l.value.as_int().expect("an integer log"))
        .collect()
}

#[test]
fn fibonacci_logs_the_first_twenty_fibonacci_numbers() {
    let (_, env, reason) = run(example("fibonacci"), Vec::new());
    assert_eq!(reason, StopReason::Halted);
    let mut expected = vec![Int::ZERO, Int::from(1u8)];
    while expected.len() < 20 {
        let n = expected[expected.len() - 1] + expected[expected.len() - 2];
        expected.push(n);
    }
    assert_eq!(logged_ints(&env), expected);
}

#[test]
fn tuple_array_logs_the_sum_of_the_squares_it_stored() {
    let (_, env, reason) = run(example("tuple_array"), Vec::new());
    assert_eq!(reason, StopReason::Halted);
    let sum: u64 = (0..8u64).map(|i| i * i).sum();
    assert_eq!(logged_ints(&env), vec![Int::from(sum)]);
}

fn fletcher16(data: &[u8]) -> u64 {
    let (mut s1, mut s2) = (0u64, 0u64);
    for b in data {
        s1 = (s1 + u64::from(*b)) % 255;
        s2 = (s2 + s1) % 255;
    }
    s2 * 256 + s1
}

#[test]
fn checksum_logs_and_sends_the_fletcher16_of_its_message() {
    for data in [
        &b"The quick brown fox jumps over the lazy dog"[..],
        b"",
        &[0xff; 300][..],
    ] {
        let message = Value::Tuple(Tuple::from_array([
            Value::int(data.len() as u64),
            Value::int(1),
            Value::Buffer(Buffer::from_bytes(data)),
        ]));
        let (_, env, reason) = run(example("checksum"), vec![message]);
        assert_eq!(reason, StopReason::Halted);
        let sum = fletcher16(data);
        assert_eq!(logged_ints(&env), vec![Int::from(sum)]);
        assert_eq!(env.sends().len(), 1);
        assert_eq!(env.sends()[0].value, sum.to_be_bytes().to_vec());
    }
}

#[test]
fn echo_is_the_source_of_echo_mexe_and_logs_each_message() {
    let assembled = example("echo");
    let shipped = load_mexe(&examples().join("echo.mexe"), &LoadOptions::default()).unwrap();
    let hashes = |p: &avm_code::Program| {
        (
            p.code.segments().next().unwrap().hashes().to_vec(),
            value_hash(&p.static_value, &p.code),
        )
    };
    assert!(hashes(&assembled) == hashes(&shipped));
    let messages: Vec<Value> = (0..3u64)
        .map(|i| {
            Value::Tuple(Tuple::from_array([
                Value::int(0),
                Value::int(i),
                Value::int(i * 7),
            ]))
        })
        .collect();
    let (machine, env, reason) = run(assembled, messages.clone());
    assert_eq!(reason, StopReason::Blocked);
    assert_eq!(machine.inbox_position().consumed, 3);
    let logged: Vec<_> = env
        .logs()
        .iter()
        .map(|l| value_hash(&l.value, machine.code()))
        .collect();
    let sent: Vec<_> = messages
        .iter()
        .map(|m| value_hash(m, machine.code()))
        .collect();
    assert_eq!(logged, sent);
}
