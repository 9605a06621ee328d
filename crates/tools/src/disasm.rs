//! The disassembler: a [`Program`] back to assembly text that assembles to the same
//! program (the same code point hashes and static value).
//!
//! Each instruction is one line; named instructions (see [`Labels`]) get a label line
//! before them; a trailing comment gives the instruction index and, when the program
//! has debug information, the source line it came from.

use std::fmt::Write;

use avm_code::Program;

use crate::text::{mnemonic_of, write_value_text};
use crate::Labels;

/// Column where the `; #index` comments start.
const COMMENT_COLUMN: usize = 40;

/// The assembly text of `program`.
pub fn disassemble(program: &Program) -> String {
    let labels = Labels::for_program(program);
    let code = &program.code;
    let len = u64::from(code.program_len());
    let mut out = String::new();
    let _ = writeln!(out, "; {len} instructions");
    out.push_str(".static ");
    write_value_text(&program.static_value, &labels, usize::MAX, &mut out);
    out.push_str("\n\n");
    for index in 0..=len {
        for name in labels.names_of(index) {
            let _ = writeln!(out, "{name}:");
        }
        let Some(insn) = code
            .program_code_point(index)
            .and_then(|cp| code.instruction(cp))
            .filter(|_| index < len)
        else {
            continue;
        };
        let start = out.len();
        out.push_str("    ");
        out.push_str(&mnemonic_of(insn));
        if let Some(value) = &insn.immediate {
            out.push(' ');
            write_value_text(value, &labels, usize::MAX, &mut out);
        }
        let width = out.len() - start;
        out.extend(std::iter::repeat_n(
            ' ',
            COMMENT_COLUMN.saturating_sub(width).max(1),
        ));
        let _ = write!(out, "; #{index}");
        if let Some(location) = program.location(index) {
            let _ = write!(out, " {}", program.debug.describe(location));
        }
        out.push('\n');
    }
    out
}
