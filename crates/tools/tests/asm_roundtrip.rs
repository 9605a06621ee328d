//! Disassembling then assembling gives back the same program: every code point hash and
//! the static value's hash, for every fixture executable and for random programs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use avm_code::{load_mexe, write_mexe, LoadOptions, Program};
use avm_testkit::{fixtures, random_program, Rng};
use avm_tools::{assemble, disassemble};
use avm_value::{value_hash, ValueLimits};

fn program_hashes(program: &Program) -> (Vec<avm_value::Hash>, avm_value::Hash) {
    let segment = program.code.segments().next().unwrap();
    (
        segment.hashes().to_vec(),
        value_hash(&program.static_value, &program.code),
    )
}

fn assert_round_trip(program: &Program, name: &str) {
    let text = disassemble(program);
    let again = assemble(&text, name, &ValueLimits::UNLIMITED)
        .unwrap_or_else(|e| panic!("{name}: reassembly failed at {e}"));
    assert_eq!(
        program.instruction_count(),
        again.instruction_count(),
        "{name}"
    );
    assert!(
        program_hashes(program) == program_hashes(&again),
        "{name}: hashes differ after a round trip"
    );
    // The text is a fixed point: disassembling the reassembled program gives it back,
    // apart from the source locations the assembler adds.
    let strip = |t: &str| -> String {
        t.lines()
            .map(|l| l.split(" ; #").next().unwrap_or(l).trim_end().to_owned())
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(strip(&text), strip(&disassemble(&again)), "{name}");
}

fn fixture_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            fixture_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "mexe") {
            out.push(path);
        }
    }
}

#[test]
fn every_fixture_survives_disassembly_and_reassembly() {
    let mut files = Vec::new();
    fixture_files(&fixtures(), &mut files);
    assert!(files.len() >= 70, "fixtures missing: {}", files.len());
    for path in files {
        let program = load_mexe(&path, &LoadOptions::default()).unwrap();
        assert_round_trip(&program, &path.display().to_string());
    }
}

#[test]
fn random_programs_survive_disassembly_and_reassembly() {
    let mut rng = Rng(0x5eed_a5a5);
    for case in 0..300 {
        let program = random_program(&mut rng);
        assert_round_trip(&program, &format!("random program {case}"));
    }
}

#[test]
fn assembled_programs_keep_labels_and_lines_through_the_mexe_file() {
    let source = "\
; count down from 3
.static (start, 7)
start:
    push 3
loop:
    push -1          ; decrement
    add
    dup0
    iszero
    cjump done
    ; can't jump backward by label from an immediate, so use the static value
    spush
    push 0
    tget
    pop
    halt
done:
    halt
";
    let program = assemble(source, "count.avm", &ValueLimits::default()).unwrap();
    assert_eq!(program.instruction_count(), 12);
    let loaded =
        avm_code::parse_mexe(write_mexe(&program).as_bytes(), &LoadOptions::default()).unwrap();
    assert_eq!(program_hashes(&program), program_hashes(&loaded));
    assert_eq!(loaded.debug.labels.get("loop"), Some(&1));
    assert_eq!(loaded.debug.labels.get("done"), Some(&11));
    let location = loaded.location(5).unwrap();
    assert_eq!(loaded.debug.describe(location), "count.avm:10");
    let text = disassemble(&loaded);
    assert!(text.contains("done:\n    halt"), "{text}");
    assert!(text.contains(".static (start, 7)"), "{text}");
    assert!(text.contains("    cjump done"), "{text}");
}
