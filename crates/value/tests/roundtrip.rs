//! Marshaling and value JSON round trips (property tests), malformed input, and values
//! deep enough to overflow any recursive implementation.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use avm_value::json::JsonReader;
use avm_value::{
    code_point_hash, marshal, parse_value, tuple_digest, unmarshal, value_hash, value_to_json,
    values_equal, Buffer, CodeBuilder, CodePointNames, CodePointParts, CodePointRef, CodeView,
    Hash, Int, NoCode, ResolveCodePoint, Tuple, UnmarshalErrorKind, Value, ValueLimits,
};
use proptest::prelude::*;

/// A minimal code store: every code point interned is kept with its parts.
#[derive(Default)]
struct TestCode {
    points: Vec<(u8, Option<Value>, Hash, Hash)>,
}

impl CodeView for TestCode {
    fn code_point_hash(&self, cp: CodePointRef) -> Hash {
        self.points[cp.pc as usize].3
    }
    fn code_point_parts(&self, cp: CodePointRef) -> CodePointParts<'_> {
        let (opcode, imm, next, _) = &self.points[cp.pc as usize];
        CodePointParts {
            opcode: *opcode,
            immediate: imm.as_ref(),
            next_hash: *next,
        }
    }
}

impl CodeBuilder for TestCode {
    fn intern_code_point(
        &mut self,
        opcode: u8,
        immediate: Option<Value>,
        next: Hash,
    ) -> CodePointRef {
        let imm_hash = immediate.as_ref().map(|v| value_hash(v, self));
        let hash = code_point_hash(opcode, imm_hash.as_ref(), &next);
        self.points.push((opcode, immediate, next, hash));
        CodePointRef::new(0, self.points.len() as u32 - 1)
    }
}

impl ResolveCodePoint for TestCode {
    fn resolve_internal(&self, index: u64) -> Result<CodePointRef, String> {
        if (index as usize) < self.points.len() {
            Ok(CodePointRef::new(0, index as u32))
        } else {
            Err("no such code point".into())
        }
    }
}

impl CodePointNames for TestCode {
    fn internal_index(&self, cp: CodePointRef) -> Option<u64> {
        Some(u64::from(cp.pc))
    }
}

/// A value tree description that proptest can generate and shrink.
#[derive(Clone, Debug)]
enum Shape {
    Int([u8; 32]),
    Buffer(Vec<u8>),
    CodePoint(u8, Option<Box<Shape>>, [u8; 32]),
    Tuple(Vec<Shape>),
}

fn shape() -> impl Strategy<Value = Shape> {
    let leaf = prop_oneof![
        any::<[u8; 32]>().prop_map(Shape::Int),
        (0u64..1000).prop_map(|n| Shape::Int(Int::from(n).to_be_bytes())),
        proptest::collection::vec(any::<u8>(), 0..80).prop_map(Shape::Buffer),
        (any::<u8>(), any::<[u8; 32]>()).prop_map(|(op, next)| Shape::CodePoint(op, None, next)),
    ];
    leaf.prop_recursive(4, 48, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..=8).prop_map(Shape::Tuple),
            (any::<u8>(), inner, any::<[u8; 32]>()).prop_map(|(op, imm, next)| Shape::CodePoint(
                op,
                Some(Box::new(imm)),
                next
            )),
        ]
    })
}

fn build(shape: &Shape, code: &mut TestCode) -> Value {
    match shape {
        Shape::Int(b) => Value::Int(Int::from_be_bytes(*b)),
        Shape::Buffer(bytes) => Value::Buffer(Buffer::from_bytes(bytes)),
        Shape::CodePoint(op, imm, next) => {
            let imm = imm.as_ref().map(|s| build(s, code));
            Value::CodePoint(code.intern_code_point(*op, imm, Hash(*next)))
        }
        Shape::Tuple(items) => {
            Value::Tuple(Tuple::new(items.iter().map(|s| build(s, code)).collect()).unwrap())
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn unmarshal_inverts_marshal(s in shape()) {
        let mut code = TestCode::default();
        let value = build(&s, &mut code);
        let limits = ValueLimits::default();
        let bytes = marshal(&value, &code, &limits).unwrap();
        let back = unmarshal(&bytes, &mut code, &limits).unwrap();
        prop_assert_eq!(value_hash(&back, &code), value_hash(&value, &code));
        prop_assert!(values_equal(&back, &value, &code));
        prop_assert_eq!(marshal(&back, &code, &limits).unwrap(), bytes);
    }

    #[test]
    fn value_json_round_trips(s in shape()) {
        let mut code = TestCode::default();
        let value = build(&s, &mut code);
        let text = value_to_json(&value, &code);
        let back = parse_value(text.as_bytes(), &code, &ValueLimits::default()).unwrap();
        prop_assert_eq!(value_hash(&back, &code), value_hash(&value, &code));
        prop_assert_eq!(value_to_json(&back, &code), text);
    }

    #[test]
    fn unmarshal_never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = unmarshal(&bytes, &mut TestCode::default(), &ValueLimits::default());
    }

    #[test]
    fn unmarshal_of_a_truncated_value_is_an_error(s in shape(), cut in any::<prop::sample::Index>()) {
        let mut code = TestCode::default();
        let value = build(&s, &mut code);
        let bytes = marshal(&value, &code, &ValueLimits::default()).unwrap();
        let cut = cut.index(bytes.len());
        let err = unmarshal(&bytes[..cut], &mut code, &ValueLimits::default()).unwrap_err();
        prop_assert_eq!(err.kind, UnmarshalErrorKind::UnexpectedEnd);
    }
}

#[test]
fn malformed_bytes_are_named_precisely() {
    let mut code = TestCode::default();
    let limits = ValueLimits::default();
    let err = unmarshal(&[0x0d], &mut code, &limits).unwrap_err();
    assert_eq!(
        (err.offset, err.kind),
        (0, UnmarshalErrorKind::UnknownType(0x0d))
    );
    let err = unmarshal(&[0x01, 0x02, 0x00], &mut code, &limits).unwrap_err();
    assert_eq!(err.kind, UnmarshalErrorKind::UnknownOperationKind(2));
    let mut huge = vec![12u8];
    huge.extend_from_slice(&[0xff; 32]);
    let err = unmarshal(&huge, &mut code, &limits).unwrap_err();
    assert!(matches!(err.kind, UnmarshalErrorKind::BufferTooLong { .. }));
    let err = unmarshal(&[0x03, 0x03], &mut code, &limits).unwrap_err();
    assert_eq!(
        (err.offset, err.kind),
        (1, UnmarshalErrorKind::TrailingBytes(1))
    );
    let mut padded = vec![12u8];
    padded.extend_from_slice(&Int::from(2u8).to_be_bytes::<32>());
    padded.extend_from_slice(&[7, 0]);
    let err = unmarshal(&padded, &mut code, &limits).unwrap_err();
    assert_eq!(err.kind, UnmarshalErrorKind::BufferNotCanonical);
    let deep = [0x04u8; 200];
    let tight = ValueLimits {
        max_depth: 50,
        ..limits
    };
    let err = unmarshal(&deep, &mut code, &tight).unwrap_err();
    assert_eq!(err.kind, UnmarshalErrorKind::TooDeep(50));
}

fn million_chain() -> Value {
    let mut chain = Value::none();
    for i in 0..1_000_000u64 {
        chain = Value::Tuple(Tuple::pair(Value::int(i), chain));
    }
    chain
}

/// A stack of a million items is such a chain; everything must work on it.
#[test]
fn a_million_deep_chain_hashes_marshals_compares_and_drops() {
    let chain = million_chain();
    let other = million_chain();
    let h = value_hash(&chain, &NoCode);
    assert_eq!(h, value_hash(&other, &NoCode));
    let Value::Tuple(t) = &chain else {
        unreachable!()
    };
    assert_eq!(tuple_digest(t, &NoCode).size, Int::from(2_000_001u32));
    assert!(values_equal(&chain, &other, &NoCode));
    let bytes = marshal(&chain, &NoCode, &ValueLimits::default()).unwrap();
    assert_eq!(bytes.len(), 1_000_000 * 34 + 1);
    let mut code = TestCode::default();
    let back = unmarshal(&bytes, &mut code, &ValueLimits::UNLIMITED).unwrap();
    assert_eq!(value_hash(&back, &code), h);
    let text = value_to_json(&chain, &NoCode);
    let mut r = JsonReader::new(text.as_bytes(), usize::MAX);
    r.skip_value().unwrap();
    let parsed = parse_value(text.as_bytes(), &NoCode, &ValueLimits::UNLIMITED).unwrap();
    assert_eq!(value_hash(&parsed, &NoCode), h);
    let refused = parse_value(text.as_bytes(), &NoCode, &ValueLimits::default()).unwrap_err();
    assert!(
        refused.message.contains("deeper than the limit"),
        "{refused}"
    );
    drop((chain, other, back, parsed));
}

/// Sparse buffers: runs at arbitrary offsets up to 2^63.
fn sparse_buffer() -> impl Strategy<Value = Buffer> {
    proptest::collection::vec(
        (0u64..1 << 63, proptest::collection::vec(any::<u8>(), 0..40)),
        0..6,
    )
    .prop_map(|runs| {
        runs.iter().fold(Buffer::new(), |b, (offset, bytes)| {
            b.set_bytes(*offset, bytes)
        })
    })
}

/// Text that is mostly value JSON, so that the reader's error paths are reached.
fn json_like_text() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("{".to_owned()),
        Just("}".to_owned()),
        Just("[".to_owned()),
        Just("]".to_owned()),
        Just(",".to_owned()),
        Just(":".to_owned()),
        Just("\"Int\"".to_owned()),
        Just("\"Tuple\"".to_owned()),
        Just("\"Buffer\"".to_owned()),
        Just("\"Runs\"".to_owned()),
        Just("\"CodePoint\"".to_owned()),
        Just("\"Internal\"".to_owned()),
        "\"[0-9a-fx]{0,70}\"",
        "-?[0-9]{1,22}(\\.[0-9])?",
        "[ \\\\\"a-z\u{0}-\u{7f}]{0,3}",
    ];
    proptest::collection::vec(token, 0..40).prop_map(|t| t.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn sparse_buffers_round_trip_through_json_in_little_space(b in sparse_buffer()) {
        let value = Value::Buffer(b);
        let text = value_to_json(&value, &NoCode);
        prop_assert!(text.len() < 2_000, "{} bytes of JSON", text.len());
        let back = parse_value(text.as_bytes(), &NoCode, &ValueLimits::default()).unwrap();
        prop_assert_eq!(value_hash(&back, &NoCode), value_hash(&value, &NoCode));
    }

    #[test]
    fn the_json_reader_gives_a_value_or_an_error_on_any_text(text in json_like_text()) {
        if let Ok(value) = parse_value(text.as_bytes(), &NoCode, &ValueLimits::default()) {
            let again = value_to_json(&value, &NoCode);
            let back = parse_value(again.as_bytes(), &NoCode, &ValueLimits::default()).unwrap();
            prop_assert_eq!(value_hash(&back, &NoCode), value_hash(&value, &NoCode));
        }
    }
}

/// A log holding a buffer with byte 2^40 set must be writable: it is written as runs,
/// and reading it materialises only what was stored.
#[test]
fn a_buffer_with_a_far_byte_is_written_as_runs() {
    let b = Buffer::new().set(1 << 40, 7).set(3, 1);
    let text = value_to_json(&Value::Buffer(b.clone()), &NoCode);
    assert_eq!(
        text,
        r#"{"Buffer":{"Runs":[["3","01"],["10000000000","07"]]}}"#
    );
    let back = parse_value(text.as_bytes(), &NoCode, &ValueLimits::default()).unwrap();
    assert_eq!(
        value_hash(&back, &NoCode),
        value_hash(&Value::Buffer(b), &NoCode)
    );
}

#[test]
fn buffer_runs_are_charged_against_the_buffer_bound() {
    let runs: Vec<String> = (0..100u64)
        .map(|i| format!(r#"["{:x}","ff"]"#, i << 30))
        .collect();
    let text = format!(r#"{{"Buffer":{{"Runs":[{}]}}}}"#, runs.join(","));
    let tight = ValueLimits {
        max_buffer_len: 50 * 2048,
        ..ValueLimits::default()
    };
    let err = parse_value(text.as_bytes(), &NoCode, &tight).unwrap_err();
    assert!(err.message.contains("max buffer bytes"), "{err}");
    assert!(parse_value(text.as_bytes(), &NoCode, &ValueLimits::default()).is_ok());
    for bad in [
        r#"{"Buffer":{"Runs":[["ffffffffffffffff","0102"]]}}"#,
        r#"{"Buffer":{"Runs":[["1"]]}}"#,
        r#"{"Buffer":{"Runs":[["1","01","02"]]}}"#,
        r#"{"Buffer":{"Spans":[]}}"#,
        r#"{"Buffer":{"Runs":[],"x":1}}"#,
    ] {
        assert!(
            parse_value(bad.as_bytes(), &NoCode, &tight).is_err(),
            "{bad}"
        );
    }
}
