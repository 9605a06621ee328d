//! Assembler error messages point at the line and column of the mistake and say what
//! is wrong; values are read without recursion, so hostile nesting is an error, not a
//! crash.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use avm_tools::{assemble, AsmError};
use avm_value::{Int, Value, ValueLimits};

fn error_of(source: &str) -> AsmError {
    match assemble(source, "t.avm", &ValueLimits::default()) {
        Ok(_) => panic!("assembled without error:\n{source}"),
        Err(e) => e,
    }
}

#[test]
fn each_mistake_is_reported_where_it_is() {
    let cases: &[(&str, u32, u32, &str)] = &[
        (
            "add\nadd\n  ad\n",
            3,
            3,
            "unknown instruction `ad`; did you mean `add`?",
        ),
        ("push\n", 1, 1, "`push` needs a value"),
        ("push (1, 2\nhalt\n", 2, 1, "in the tuple opened at 1:6"),
        ("push (1, 2", 1, 6, "never closed"),
        ("push (1 2)\n", 1, 9, "expected `,` or `)`"),
        ("push (1,2,3,4,5,6,7,8,9)\n", 1, 23, "at most 8 values"),
        ("jump nowhere\n", 1, 6, "unknown label `nowhere`"),
        ("top:\n  push 1\n  jump top\n", 3, 8, "not after this one"),
        ("a:\nnop\na: halt\n", 3, 1, "already defined at line 1"),
        ("end: halt\n", 1, 1, "reserved"),
        (
            "push 0x1ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff\n",
            1,
            6,
            "not a 256-bit integer",
        ),
        ("push 12ab\n", 1, 6, "not a 256-bit integer"),
        (
            "push -0x5\n",
            1,
            6,
            "negative numbers are written in decimal",
        ),
        ("push buffer(0x123)\n", 1, 13, "even number of digits"),
        ("push buffer(1)\n", 1, 13, "written in hex"),
        ("push 1 2\n", 1, 8, "end of the line"),
        (".static 1\n.static 2\n", 2, 1, "already set"),
        (".globals 1\n", 1, 1, "unknown directive"),
        ("halt # comment\n", 1, 6, "unexpected character `#`"),
        ("unknown_0x01\n", 1, 1, "unknown instruction"),
        (
            "push buffer(18446744073709551615: 0x0102)\n",
            1,
            35,
            "beyond offset 2^64",
        ),
    ];
    for (source, line, column, message) in cases {
        let e = error_of(source);
        assert!(
            e.line == *line && e.column == *column && e.message.contains(message),
            "{source:?}: got `{e}`, wanted {line}:{column} ... {message}"
        );
    }
}

#[test]
fn deep_nesting_is_refused_at_the_limit_and_accepted_below_it() {
    let limits = ValueLimits {
        max_depth: 100,
        ..ValueLimits::default()
    };
    let deep = |n: usize| format!("push {}1{}\n", "(".repeat(n), ")".repeat(n));
    assert!(assemble(&deep(100), "t.avm", &limits).is_ok());
    let e = assemble(&deep(101), "t.avm", &limits).unwrap_err();
    assert!(e.message.contains("nest deeper than 100"), "{e}");
    // Far past the default limit: an error, not a stack overflow.
    let e = error_of(&deep(1_000_000));
    assert!(e.message.contains("nest deeper"), "{e}");
}

#[test]
fn literals_mean_what_the_grammar_says() {
    let source = "\
.static (1, -1, 0xff, 1_000, buffer(), buffer(0x00ff), buffer(0x01, 64: 0x02), ((), (7,)))
halt
";
    let program = assemble(source, "t.avm", &ValueLimits::default()).unwrap();
    let items = program.static_value.as_tuple().unwrap().items().to_vec();
    let int = |v: &Value| *v.as_int().unwrap();
    assert_eq!(int(&items[0]), Int::from(1u8));
    assert_eq!(int(&items[1]), Int::MAX);
    assert_eq!(int(&items[2]), Int::from(255u16));
    assert_eq!(int(&items[3]), Int::from(1000u16));
    assert_eq!(items[4].as_buffer().unwrap().packed_len(), 0);
    let b = items[5].as_buffer().unwrap();
    assert_eq!((b.get(0), b.get(1), b.packed_len()), (0, 255, 2));
    let b = items[6].as_buffer().unwrap();
    assert_eq!((b.get(0), b.get(64), b.packed_len()), (1, 2, 65));
    let nested = items[7].as_tuple().unwrap().items();
    assert!(nested[0].as_tuple().unwrap().is_empty());
    assert_eq!(nested[1].as_tuple().unwrap().len(), 1);
}
