//! The text form of values in assembly, disassembly, traces and the debugger.
//!
//! - integers: decimal below 2^64, negative decimals for the two's complement of
//!   small numbers (`-1` is 2^256 - 1), `0x` hex otherwise;
//! - tuples: `(a, b, c)`, the empty tuple `()`;
//! - buffers: `buffer(0x0102)`, the empty buffer `buffer()`, sparse ones as
//!   `buffer(0x01, 4096: 0xff)` (non-zero stretches, each after its byte offset);
//! - code points: the instruction's name from [`Labels`] (`end` for the error code
//!   point behind the last instruction).
//!
//! Formatting is iterative, so any nesting depth prints; with a limit, output stops
//! after about that many characters and ends in `…`.

use std::fmt::Write;

use avm_code::{mnemonic_for_byte, Instruction, Opcode};
use avm_value::{Int, Value};

use crate::Labels;

/// Formats `value`, without a length limit.
pub fn format_value(value: &Value, labels: &Labels) -> String {
    let mut out = String::new();
    write_value_text(value, labels, usize::MAX, &mut out);
    out
}

/// Formats `value`, cutting the text after about `limit` characters.
pub fn format_value_short(value: &Value, labels: &Labels, limit: usize) -> String {
    let mut out = String::new();
    write_value_text(value, labels, limit, &mut out);
    out
}

/// The mnemonic an instruction is written with: `push` for `nop` with a value (how
/// assembly pushes values), the opcode table's name otherwise, `unknown_0xNN` for a
/// byte that is no opcode.
pub fn mnemonic_of(insn: &Instruction) -> String {
    if insn.opcode == Opcode::Nop as u8 && insn.immediate.is_some() {
        crate::asm::PUSH.to_owned()
    } else {
        mnemonic_for_byte(insn.opcode)
    }
}

/// Writes a quantity that is never negative (such as gas remaining): decimal below
/// 2^64, hex above.
pub fn format_unsigned(n: &Int) -> String {
    match u64::try_from(*n) {
        Ok(small) => small.to_string(),
        Err(_) => format!("0x{n:x}"),
    }
}

/// Writes an integer: decimal below 2^64, a negative decimal for the two's complement
/// of a number below 2^64 (`-1`), hex otherwise.
pub fn format_int(n: &Int) -> String {
    if let Ok(small) = u64::try_from(*n) {
        return small.to_string();
    }
    if let Ok(negated) = u64::try_from(n.wrapping_neg()) {
        return format!("-{negated}");
    }
    format!("0x{n:x}")
}

enum Piece<'a> {
    Value(&'a Value),
    Text(&'static str),
}

/// Appends the text of `value` to `out`, stopping after about `limit` characters.
pub fn write_value_text(value: &Value, labels: &Labels, limit: usize, out: &mut String) {
    let stop_at = out.len().saturating_add(limit);
    let mut pieces = vec![Piece::Value(value)];
    while let Some(piece) = pieces.pop() {
        if out.len() > stop_at {
            out.push('…');
            return;
        }
        let value = match piece {
            Piece::Text(text) => {
                out.push_str(text);
                continue;
            }
            Piece::Value(value) => value,
        };
        match value {
            Value::Int(n) => out.push_str(&format_int(n)),
            Value::CodePoint(cp) => out.push_str(&labels.describe(*cp)),
            Value::Buffer(b) => write_buffer(b, stop_at, out),
            Value::Tuple(t) => {
                out.push('(');
                pieces.push(Piece::Text(")"));
                for (i, item) in t.items().iter().enumerate().rev() {
                    pieces.push(Piece::Value(item));
                    if i > 0 {
                        pieces.push(Piece::Text(", "));
                    }
                }
            }
        }
    }
}

/// `buffer(0x..)` for data from offset 0, `buffer(off: 0x.., ...)` for sparse data.
fn write_buffer(buffer: &avm_value::Buffer, stop_at: usize, out: &mut String) {
    out.push_str("buffer(");
    for (i, (offset, bytes)) in buffer.runs().enumerate() {
        if out.len() > stop_at {
            out.push('…');
            break;
        }
        if i > 0 {
            out.push_str(", ");
        }
        if i > 0 || offset > 0 {
            let _ = write!(out, "{offset}: ");
        }
        out.push_str("0x");
        out.push_str(&hex::encode(bytes));
    }
    out.push(')');
}
