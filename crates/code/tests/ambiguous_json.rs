//! JSON with a key twice in one object means different things to different readers
//! (the first value, the last, or both). Every loader refuses it with an error that
//! names the key and its place, instead of silently picking one reading.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use avm_code::{parse_mexe, LoadOptions};
use avm_value::{parse_value, NoCode, ValueLimits};

fn echo_text() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/echo.mexe"))
        .unwrap()
}

/// Asserts that `text` is refused as an executable because of `key`.
fn refused_for(text: &str, key: &str) {
    let err = parse_mexe(text.as_bytes(), &LoadOptions::default()).unwrap_err();
    assert!(
        err.message.contains(&format!("duplicate key \"{key}\"")),
        "expected a duplicate \"{key}\" error, got: {err}"
    );
}

#[test]
fn the_echo_program_loads_as_it_is() {
    parse_mexe(echo_text().as_bytes(), &LoadOptions::default()).unwrap();
}

#[test]
fn a_second_code_array_is_refused() {
    // The reproduction: echo.mexe with its code array given twice used to load
    // mis-linked (code points counted against the first array, both appended).
    let text = echo_text();
    let start = text.find("\"code\":").unwrap();
    let array = &text[start..text.rfind(']').unwrap() + 1];
    let doubled = text.replacen(array, &format!("{array}, {array}"), 1);
    refused_for(&doubled, "code");
}

#[test]
fn a_second_static_value_is_refused() {
    let text = echo_text().replacen(
        "\"static_val\": {\"Tuple\": []}",
        "\"static_val\": {\"Tuple\": []}, \"static_val\": {\"Int\": \"1\"}",
        1,
    );
    refused_for(&text, "static_val");
}

#[test]
fn an_instruction_with_two_opcodes_is_refused() {
    let text = echo_text().replacen("{\"opcode\": 97,", "{\"opcode\": 97, \"opcode\": 48,", 1);
    refused_for(&text, "opcode");
}

#[test]
fn a_value_with_two_kinds_is_refused() {
    for text in [
        r#"{"Int": "1", "Int": "2"}"#,
        r#"{"Tuple": [{"Int": "1"}], "Tuple": []}"#,
        r#"{"Buffer": {"Runs": [], "Runs": [["0", "01"]]}}"#,
    ] {
        let err = parse_value(text.as_bytes(), &NoCode, &ValueLimits::default()).unwrap_err();
        assert!(err.message.contains("duplicate key"), "{text}: {err}");
    }
}
