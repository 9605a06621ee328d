//! Replays of recordings made from our own programs: a faithful recording matches;
//! every kind of difference is found, at the right output and step; old recording
//! forms are read; malformed recordings are refused with line and column.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use avm_code::Program;
use avm_machine::{RunLimits, Runtime, StopReason};
use avm_tools::replay::{
    aoslog_of_run, parse_aoslog, replay, Difference, OutputKind, Recording, ReplayReport, Seen,
};
use avm_value::{Buffer, Tuple, Value, ValueLimits};
use common::example;

fn message(i: u64, data: &[u8]) -> Value {
    Value::Tuple(Tuple::from_array([
        Value::int(data.len() as u64),
        Value::int(i),
        Value::Buffer(Buffer::from_bytes(data)),
    ]))
}

/// Runs `program` on `inbox` and writes the .aoslog of what happened.
fn record(program: Program, inbox: Vec<Value>) -> String {
    let mut runtime = Runtime::new(program);
    for m in &inbox {
        runtime.push_message(m.clone());
    }
    let report = runtime.run();
    assert!(matches!(
        report.reason,
        StopReason::Blocked | StopReason::Halted
    ));
    aoslog_of_run(&inbox, &runtime)
}

fn replay_text(program: Program, text: &str) -> ReplayReport {
    let recording = parse_aoslog(text.as_bytes(), &program.code, &ValueLimits::default()).unwrap();
    replay(program, recording, RunLimits::default(), &mut ()).0
}

fn inbox() -> Vec<Value> {
    vec![
        message(1, b"hello"),
        message(2, b"world"),
        message(3, &[7; 40]),
    ]
}

#[test]
fn a_faithful_recording_of_an_echo_run_matches() {
    let text = record(example("echo"), inbox());
    let report = replay_text(example("echo"), &text);
    assert!(report.matches(), "{:?}", report.first_difference);
    assert_eq!((report.logs, report.expected_logs), (3, 3));
    assert_eq!(report.status, StopReason::Blocked);
    assert_eq!(report.expected_gas, Some(report.gas_used));
}

#[test]
fn a_sending_program_matches_and_a_changed_send_is_found() {
    let text = record(example("checksum"), vec![message(1, b"abcdef")]);
    let report = replay_text(example("checksum"), &text);
    assert!(report.matches(), "{:?}", report.first_difference);
    assert_eq!((report.sends, report.expected_sends), (1, 1));

    let mut json: serde_json::Value = serde_json::from_str(&text).unwrap();
    json["sends"][0][7] = serde_json::json!(0);
    let report = replay_text(example("checksum"), &json.to_string());
    match report.first_difference {
        Some(Difference::Output {
            kind: OutputKind::Send,
            index: 0,
            step: Some(step),
            expected: Some(Seen::Bytes(e)),
            got: Some(Seen::Bytes(g)),
            ..
        }) => {
            assert_eq!(e.len(), 8);
            assert_ne!(e, g);
            assert!(step + 10 > report.steps, "sent near the end");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn differing_missing_and_extra_logs_and_gas_are_each_reported() {
    let text = record(example("echo"), inbox());
    let recorded: serde_json::Value = serde_json::from_str(&text).unwrap();

    let mut changed = recorded.clone();
    changed["logs"][1]["Tuple"][2]["Buffer"] = serde_json::json!("776f726c65");
    let report = replay_text(example("echo"), &changed.to_string());
    match &report.first_difference {
        Some(Difference::Output {
            kind: OutputKind::Log,
            index: 1,
            path,
            step: Some(_),
            ..
        }) => assert_eq!(path, &vec![2]),
        other => panic!("{other:?}"),
    }

    let mut fewer = recorded.clone();
    fewer["logs"].as_array_mut().unwrap().pop();
    let report = replay_text(example("echo"), &fewer.to_string());
    assert!(matches!(
        report.first_difference,
        Some(Difference::Output {
            kind: OutputKind::Log,
            index: 2,
            expected: None,
            ..
        })
    ));

    let mut more = recorded.clone();
    more["logs"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"Int": "1"}));
    let report = replay_text(example("echo"), &more.to_string());
    assert!(matches!(
        report.first_difference,
        Some(Difference::Output {
            kind: OutputKind::Log,
            index: 3,
            got: None,
            step: None,
            ..
        })
    ));

    let mut gas = recorded.clone();
    gas["total_gas"] = serde_json::json!(1);
    let report = replay_text(example("echo"), &gas.to_string());
    assert!(matches!(
        report.first_difference,
        Some(Difference::Gas { expected: 1, .. })
    ));
}

#[test]
fn older_forms_are_accepted() {
    // No total_gas, no format_version, sends as a buffer value and as a hex string.
    let program = example("checksum");
    let sum = {
        let text = record(example("checksum"), vec![message(1, b"xyz")]);
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        let bytes: Vec<u8> = json["sends"][0]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b.as_u64().unwrap() as u8)
            .collect();
        (bytes, json["logs"].clone())
    };
    let inbox = r#"[{"Tuple":[{"Int":"3"},{"Int":"1"},{"Buffer":"78797a"}]}]"#;
    for send in [
        format!("\"0x{}\"", hex::encode(&sum.0)),
        format!("{{\"Buffer\":\"{}\"}}", hex::encode(&sum.0)),
    ] {
        let text = format!(r#"{{"inbox":{inbox},"logs":{},"sends":[{send}]}}"#, sum.1);
        let report = replay_text(program.clone(), &text);
        assert!(report.matches(), "{send}: {:?}", report.first_difference);
        assert_eq!(report.expected_gas, None);
    }
}

#[test]
fn malformed_recordings_are_refused_with_a_position() {
    let program = example("echo");
    let cases = [
        ("[1, 2]", "line 1, column 1", "JSON object"),
        ("{\"logs\": []}", "line 1, column 1", "missing \"inbox\""),
        (
            "{\"inbox\": [], \"sends\": [[1, 256]]}",
            "line 1, column 29",
            "not a byte",
        ),
        (
            "{\"format_version\": 2, \"inbox\": []}",
            "line 1",
            "format_version 2",
        ),
        ("{\"inbox\": [{\"Int\": \"zz\"}]}", "line 1", "hex"),
        ("{\"inbox\": [", "line 1", ""),
    ];
    for (text, at, what) in cases {
        let err = parse_aoslog(text.as_bytes(), &program.code, &ValueLimits::default())
            .map(|_: Recording| ())
            .unwrap_err()
            .to_string();
        assert!(err.contains(at) && err.contains(what), "{text}: {err}");
    }
}
