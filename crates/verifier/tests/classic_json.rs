//! Classic proof files (upstream's shape: one step object or an array) are read
//! strictly: every field present, none other, each error naming its place.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use avm_verifier::classic::{ClassicJsonError, ClassicStep};

const STATE: &str = r#"{"machineHash": [1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,2],
 "inboxAcc": [0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0],
 "inboxCount": 3, "gasUsed": 10, "sendCount": 0, "logCount": 1,
 "sendAcc": [0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0],
 "logAcc": [0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]}"#;

fn step(after: &str, extra: &str) -> String {
    format!(
        r#"{{"Assertion": {{"beforeState": {STATE}, "afterState": {after}}}, "Proof": "0x3b00", "BufferProof": "0x"{extra}}}"#
    )
}

/// The field an error names, failing the test if the text parses.
fn field_error(text: &str) -> String {
    match ClassicStep::parse_file(text) {
        Err(ClassicJsonError::Field { field, problem }) => format!("{field}: {problem}"),
        other => panic!("{text}: {other:?}"),
    }
}

#[test]
fn a_step_reads_as_an_object_or_in_an_array() {
    let one = step(STATE, "");
    let steps = ClassicStep::parse_file(&one).unwrap();
    assert_eq!(steps.len(), 1);
    let s = &steps[0];
    assert_eq!(s.proof, [0x3b, 0x00]);
    assert_eq!(s.before.machine_hash.0[31], 2);
    assert_eq!(
        (s.before.inbox_count, s.before.gas_used, s.before.log_count),
        (3, 10, 1)
    );
    assert!(s.buffer_proof.is_empty());
    assert_eq!(
        ClassicStep::parse_file(&format!("[{one}, {one}]"))
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn another_shape_is_refused_with_its_place() {
    assert!(field_error(&step(STATE, r#", "Extra": 1"#)).starts_with("Extra"));
    let short_hash = STATE.replacen("[1,0,", "[", 1);
    assert!(field_error(&step(&short_hash, "")).starts_with("Assertion.afterState.machineHash"));
    let big_byte = STATE.replacen("[1,0,", "[256,0,", 1);
    assert!(field_error(&step(&big_byte, "")).contains("machineHash"));
    let negative = STATE.replace("\"gasUsed\": 10", "\"gasUsed\": -1");
    let one = step(STATE, "");
    let second = field_error(&format!("[{one}, {}]", step(&negative, "")));
    assert!(
        second.starts_with("[1].Assertion.afterState.gasUsed"),
        "{second}"
    );
    let no_prefix = one.replace("\"0x3b00\"", "\"3b00\"");
    assert!(field_error(&no_prefix).starts_with("Proof"));
    assert!(field_error("3").starts_with("step"));
}

#[test]
fn ambiguous_or_broken_json_is_refused_before_its_shape() {
    // A key twice is read one way by one reader and another way by the next.
    let doubled = step(STATE, "").replacen('{', r#"{"Proof": "0x00", "#, 1);
    assert!(matches!(
        ClassicStep::parse_file(&doubled),
        Err(ClassicJsonError::Syntax(e)) if e.contains("duplicate key \"Proof\"")
    ));
    assert!(matches!(
        ClassicStep::parse_file("[1,"),
        Err(ClassicJsonError::Syntax(_))
    ));
}
