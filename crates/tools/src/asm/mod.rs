//! The assembler: AVM assembly text (docs/assembly.md) to a [`Program`].
//!
//! Two passes over the tokens: the first numbers the instructions and binds labels, so
//! the second can turn every label into its code point while it builds the values.
//! Because a code point's hash covers the code after it, an immediate may only name a
//! later instruction; the static value may name any.

mod lexer;
mod values;

use std::collections::{BTreeMap, HashMap};

use avm_code::{DebugInfo, Instruction, Opcode, Program, SourceLocation, OPCODES};
use avm_value::{Tuple, Value, ValueLimits};

pub use lexer::Pos;
use lexer::{tokenize, Tok, Token};
use values::ValueParser;

/// A mistake in assembly source, with where it is.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{line}:{column}: {message}")]
pub struct AsmError {
    /// Line, from 1.
    pub line: u32,
    /// Column, from 1.
    pub column: u32,
    /// What is wrong.
    pub message: String,
}

impl AsmError {
    pub(crate) fn at(pos: Pos, message: impl Into<String>) -> AsmError {
        AsmError {
            line: pos.line,
            column: pos.column,
            message: message.into(),
        }
    }
}

/// The mnemonic accepted for `nop` with an immediate, which is how a value is pushed.
pub const PUSH: &str = "push";

/// Assembles `source`; `file_name` goes into the program's debug information, which
/// records each instruction's line and the label names.
pub fn assemble(source: &str, file_name: &str, limits: &ValueLimits) -> Result<Program, AsmError> {
    let tokens = tokenize(source)?;
    let lines = split_lines(&tokens);
    let labels = bind_labels(&lines)?;
    let len = labels.instruction_count;
    let mut instructions = Vec::with_capacity(len as usize);
    let mut locations = Vec::with_capacity(len as usize);
    let mut static_value: Option<Value> = None;
    for line in &lines {
        let rest = skip_label_definitions(line);
        let Some(first) = rest.first() else { continue };
        match &first.tok {
            Tok::Directive(name) if name == "static" => {
                if static_value.is_some() {
                    return Err(AsmError::at(first.pos, "the static value is already set"));
                }
                let Some(value_start) = rest.get(1) else {
                    return Err(AsmError::at(first.pos, "`.static` needs a value"));
                };
                let parser = ValueParser::new(&labels.by_name, len, None, limits);
                let (value, used) = parser.parse(&rest[1..], value_start.pos)?;
                expect_line_end(&rest[1 + used..])?;
                static_value = Some(value);
            }
            Tok::Directive(name) => {
                return Err(AsmError::at(
                    first.pos,
                    format!("unknown directive `.{name}` (the only one is `.static`)"),
                ))
            }
            Tok::Ident(mnemonic) => {
                let index = instructions.len() as u64;
                let opcode = opcode_for(mnemonic, first.pos)?;
                let immediate = if rest.len() > 1 {
                    let parser = ValueParser::new(&labels.by_name, len, Some(index), limits);
                    let (value, used) = parser.parse(&rest[1..], rest[1].pos)?;
                    expect_line_end(&rest[1 + used..])?;
                    Some(value)
                } else if mnemonic == PUSH {
                    return Err(AsmError::at(first.pos, "`push` needs a value"));
                } else {
                    None
                };
                instructions.push(Instruction { opcode, immediate });
                locations.push(Some(SourceLocation {
                    line: u64::from(first.pos.line - 1),
                    column: u64::from(first.pos.column - 1),
                    file_id: 0,
                }));
            }
            _ => {
                return Err(AsmError::at(
                    first.pos,
                    "expected an instruction, a label or a directive",
                ))
            }
        }
    }
    let static_value = static_value.unwrap_or_else(|| Value::Tuple(Tuple::default()));
    let mut program = Program::from_instructions(instructions, static_value)
        .map_err(|e| AsmError::at(Pos { line: 1, column: 1 }, e.to_string()))?;
    program.debug = DebugInfo {
        locations,
        file_names: BTreeMap::from([(0, file_name.to_owned())]),
        labels: labels.by_name.into_iter().collect(),
    };
    Ok(program)
}

/// Reads one value written in the assembly syntax (as the debugger's `inbox` command
/// takes it); labels are those of `labels`.
pub fn parse_value_text(
    text: &str,
    labels: &crate::Labels,
    limits: &ValueLimits,
) -> Result<Value, AsmError> {
    let tokens: Vec<Token> = tokenize(text)?
        .into_iter()
        .filter(|t| t.tok != Tok::Newline)
        .collect();
    let parser = ValueParser::new(labels.names(), labels.instruction_count(), None, limits);
    let (value, used) = parser.parse(&tokens, Pos { line: 1, column: 1 })?;
    expect_line_end(&tokens[used..])?;
    Ok(value)
}

/// The source lines, as token slices without the newline.
fn split_lines(tokens: &[Token]) -> Vec<&[Token]> {
    tokens
        .split(|t| t.tok == Tok::Newline)
        .filter(|line| !line.is_empty())
        .collect()
}

/// The tokens of a line after its `name:` label definitions.
fn skip_label_definitions(mut line: &[Token]) -> &[Token] {
    while let [Token {
        tok: Tok::Ident(_), ..
    }, Token {
        tok: Tok::Colon, ..
    }, rest @ ..] = line
    {
        line = rest;
    }
    line
}

/// Labels bound to instruction indexes by the first pass.
struct BoundLabels {
    by_name: HashMap<String, u64>,
    instruction_count: u64,
}

/// Names that cannot be labels because values use them.
const RESERVED: [&str; 2] = [crate::labels::END, "buffer"];

fn bind_labels(lines: &[&[Token]]) -> Result<BoundLabels, AsmError> {
    let mut by_name = HashMap::new();
    let mut defined_at: HashMap<String, Pos> = HashMap::new();
    let mut count: u64 = 0;
    for line in lines {
        let mut rest = *line;
        while let [Token {
            tok: Tok::Ident(name),
            pos,
        }, Token {
            tok: Tok::Colon, ..
        }, tail @ ..] = rest
        {
            if RESERVED.contains(&name.as_str()) {
                return Err(AsmError::at(
                    *pos,
                    format!("`{name}` is reserved and cannot be a label"),
                ));
            }
            if let Some(first) = defined_at.get(name) {
                return Err(AsmError::at(
                    *pos,
                    format!("label `{name}` is already defined at line {}", first.line),
                ));
            }
            defined_at.insert(name.clone(), *pos);
            by_name.insert(name.clone(), count);
            rest = tail;
        }
        if let Some(Token {
            tok: Tok::Ident(_), ..
        }) = rest.first()
        {
            count += 1;
        }
    }
    Ok(BoundLabels {
        by_name,
        instruction_count: count,
    })
}

fn expect_line_end(rest: &[Token]) -> Result<(), AsmError> {
    match rest.first() {
        None => Ok(()),
        Some(t) => Err(AsmError::at(
            t.pos,
            "expected the end of the line (an instruction takes at most one value)",
        )),
    }
}

/// The opcode byte of a mnemonic: a name from the opcode table, `push` (`nop` with a
/// value) or `unknown_0xNN` for a byte that is no opcode.
fn opcode_for(mnemonic: &str, pos: Pos) -> Result<u8, AsmError> {
    if mnemonic == PUSH {
        return Ok(Opcode::Nop as u8);
    }
    if let Some(op) = Opcode::from_mnemonic(mnemonic) {
        return Ok(op as u8);
    }
    if let Some(hex) = mnemonic.strip_prefix("unknown_0x") {
        if let Ok(byte) = u8::from_str_radix(hex, 16) {
            if hex.len() == 2 && OPCODES[byte as usize].is_none() {
                return Ok(byte);
            }
        }
    }
    let mut message = format!("unknown instruction `{mnemonic}`");
    if let Some(near) = nearest_mnemonic(mnemonic) {
        message.push_str(&format!("; did you mean `{near}`?"));
    }
    Err(AsmError::at(pos, message))
}

/// The mnemonic closest to a misspelt one, if one is close.
fn nearest_mnemonic(word: &str) -> Option<&'static str> {
    OPCODES
        .iter()
        .flatten()
        .map(|info| info.mnemonic)
        .chain([PUSH])
        .map(|m| (edit_distance(word, m), m))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, m)| m)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(previous + 1);
        }
    }
    row[b.len()]
}
