//! The .mexe loader on hostile bytes (property tests that run in CI in seconds; the
//! `mexe` fuzz target runs the same property for longer): random bytes, every
//! truncation and random mutations of a real executable all give a program or a
//! typed error, and whatever loads writes out and reloads as the same program.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use avm_code::{parse_mexe, write_mexe, LoadOptions, Program};
use avm_value::{value_hash, CodeView, Hash};
use proptest::prelude::*;

fn echo_bytes() -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/echo.mexe")).unwrap()
}

/// What identifies a program: the hash of its entry code point and of its static value.
fn identity(program: &Program) -> (Hash, Hash) {
    (
        program.code.code_point_hash(program.entry()),
        value_hash(&program.static_value, &program.code),
    )
}

/// Loads `bytes`; if they load, writing and reloading must give the same program.
fn load_is_total(bytes: &[u8]) -> Result<(), TestCaseError> {
    let options = LoadOptions::default();
    if let Ok(program) = parse_mexe(bytes, &options) {
        let again = parse_mexe(write_mexe(&program).as_bytes(), &options)
            .map_err(|e| TestCaseError::fail(format!("a written program does not load: {e}")))?;
        prop_assert_eq!(identity(&program), identity(&again));
    }
    Ok(())
}

#[test]
fn every_truncation_of_a_real_executable_is_an_error() {
    let bytes = echo_bytes();
    for cut in 0..bytes.len() - 1 {
        let err = parse_mexe(&bytes[..cut], &LoadOptions::default())
            .err()
            .unwrap_or_else(|| panic!("cut at {cut} loaded"));
        // Everything before the cut is well formed, so the error is reported on the
        // last line the cut left, at or before its end: never somewhere else.
        let text = &bytes[..cut];
        let lines = text.iter().filter(|b| **b == b'\n').count() + 1;
        let last_line = text.len() - text.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        assert!(
            err.line == lines && err.column <= last_line + 1,
            "cut at {cut}: {err}"
        );
    }
    assert!(parse_mexe(&bytes, &LoadOptions::default()).is_ok());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn random_bytes_load_or_give_an_error(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        load_is_total(&bytes)?;
    }

    #[test]
    fn mutated_executables_load_or_give_an_error(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..6)
    ) {
        let mut bytes = echo_bytes();
        for (at, byte, kind) in edits {
            let i = at.index(bytes.len());
            match kind {
                0 => bytes[i] = byte,
                1 => bytes.insert(i, byte),
                _ => {
                    bytes.remove(i);
                }
            }
        }
        load_is_total(&bytes)?;
    }

    #[test]
    fn json_shaped_noise_in_immediates_loads_or_gives_an_error(
        opcode in 0u16..300,
        immediate in "(null|\\{\"Int\":\"[0-9a-f]{0,66}\"\\}|\\{\"Tuple\":\\[\\]\\}|\\{\"CodePoint\":\\{\"Internal\":[0-9]{1,20}\\}\\}|\\{\"Buffer\":\"[0-9a-f]{0,9}\"\\}|\\[\\]|7)",
        count in 1usize..4,
    ) {
        let insn = format!(r#"{{"opcode":{opcode},"immediate":{immediate}}}"#);
        let code = vec![insn; count].join(",");
        let text = format!(r#"{{"version":2,"code":[{code}],"static_val":{{"Tuple":[]}}}}"#);
        load_is_total(text.as_bytes())?;
    }
}
