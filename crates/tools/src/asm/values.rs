//! Value literals in assembly: numbers, tuples, buffers and label references, parsed
//! without recursion so that any nesting depth up to the limit is safe.

use std::collections::HashMap;

use avm_code::Program;
use avm_value::{Buffer, Int, Tuple, Value, ValueLimits};

use super::lexer::{Pos, Tok, Token};
use super::AsmError;
use crate::labels::END;

/// Reads one value from a token slice.
pub(super) struct ValueParser<'a> {
    labels: &'a HashMap<String, u64>,
    len: u64,
    /// The instruction whose immediate this is (None for the static value).
    referrer: Option<u64>,
    limits: &'a ValueLimits,
}

/// A tuple being read.
struct Open {
    items: Vec<Value>,
    pos: Pos,
}

impl<'a> ValueParser<'a> {
    pub(super) fn new(
        labels: &'a HashMap<String, u64>,
        len: u64,
        referrer: Option<u64>,
        limits: &'a ValueLimits,
    ) -> Self {
        ValueParser {
            labels,
            len,
            referrer,
            limits,
        }
    }

    /// The value at the start of `tokens` and how many tokens it took.
    pub(super) fn parse(&self, tokens: &[Token], start: Pos) -> Result<(Value, usize), AsmError> {
        let mut open: Vec<Open> = Vec::new();
        let mut i = 0;
        loop {
            let Some(token) = tokens.get(i) else {
                let pos = open.last().map_or(start, |o| o.pos);
                return Err(AsmError::at(
                    pos,
                    if open.is_empty() {
                        "expected a value"
                    } else {
                        "this `(` is never closed"
                    },
                ));
            };
            i += 1;
            let value = match &token.tok {
                Tok::Open => {
                    if open.len() >= self.limits.max_depth {
                        return Err(AsmError::at(
                            token.pos,
                            format!("values nest deeper than {}", self.limits.max_depth),
                        ));
                    }
                    open.push(Open {
                        items: Vec::new(),
                        pos: token.pos,
                    });
                    if tokens.get(i).is_some_and(|t| t.tok == Tok::Close) {
                        i += 1;
                        self.close(&mut open)
                    } else {
                        continue;
                    }
                }
                Tok::Number(text) => parse_int(text, token.pos)?,
                Tok::Ident(name) if name == "buffer" => {
                    let (buffer, used) = self.buffer(&tokens[i..], token.pos)?;
                    i += used;
                    Value::Buffer(buffer)
                }
                Tok::Ident(name) => self.code_point(name, token.pos)?,
                _ => return Err(AsmError::at(token.pos, "expected a value")),
            };
            let mut value = value;
            loop {
                let Some(top) = open.last_mut() else {
                    return Ok((value, i));
                };
                if top.items.len() == 8 {
                    return Err(AsmError::at(token.pos, "a tuple holds at most 8 values"));
                }
                top.items.push(value);
                match tokens.get(i).map(|t| &t.tok) {
                    Some(Tok::Comma) => {
                        i += 1;
                        if tokens.get(i).is_some_and(|t| t.tok == Tok::Close) {
                            i += 1;
                            value = self.close(&mut open);
                            continue;
                        }
                        break;
                    }
                    Some(Tok::Close) => {
                        i += 1;
                        value = self.close(&mut open);
                    }
                    Some(_) => {
                        return Err(AsmError::at(
                            tokens[i].pos,
                            format!(
                                "expected `,` or `)` in the tuple opened at {}:{}",
                                top.pos.line, top.pos.column
                            ),
                        ))
                    }
                    None => return Err(AsmError::at(top.pos, "this `(` is never closed")),
                }
            }
        }
    }

    fn close(&self, open: &mut Vec<Open>) -> Value {
        let items = open.pop().map(|o| o.items).unwrap_or_default();
        match Tuple::new(items) {
            Ok(t) => Value::Tuple(t),
            // At most 8 items are ever collected (checked as they are added).
            Err(_) => Value::Tuple(Tuple::default()),
        }
    }

    /// `(...)` after `buffer`: stretches of hex bytes, each optionally after its byte
    /// offset (`4096: 0xff`); without one, a stretch continues where the last ended.
    fn buffer(&self, tokens: &[Token], pos: Pos) -> Result<(Buffer, usize), AsmError> {
        let expected = |at: Pos| {
            AsmError::at(
                at,
                "expected `buffer(0x...)`, `buffer()` or `buffer(offset: 0x..., ...)`",
            )
        };
        if tokens.first().map(|t| &t.tok) != Some(&Tok::Open) {
            return Err(expected(pos));
        }
        let mut buffer = Buffer::new();
        let mut at_offset: u128 = 0;
        let mut total: u128 = 0;
        let mut i = 1;
        loop {
            match tokens.get(i).map(|t| &t.tok) {
                Some(Tok::Close) => return Ok((buffer, i + 1)),
                Some(Tok::Number(_)) => {}
                _ => return Err(expected(tokens.get(i).map_or(pos, |t| t.pos))),
            }
            if tokens.get(i + 1).map(|t| &t.tok) == Some(&Tok::Colon) {
                let offset = parse_u64(&tokens[i])?;
                at_offset = u128::from(offset);
                i += 2;
            }
            let Some(Token {
                tok: Tok::Number(text),
                pos: at,
            }) = tokens.get(i)
            else {
                return Err(expected(tokens.get(i).map_or(pos, |t| t.pos)));
            };
            let bytes = hex_bytes(text, *at)?;
            total += bytes.len() as u128;
            if total > self.limits.max_buffer_len {
                return Err(AsmError::at(
                    *at,
                    format!(
                        "buffer longer than the limit of {} bytes",
                        self.limits.max_buffer_len
                    ),
                ));
            }
            let end = at_offset + bytes.len() as u128;
            if end > u128::from(u64::MAX) + 1 {
                return Err(AsmError::at(*at, "buffer bytes beyond offset 2^64"));
            }
            buffer = if at_offset == 0 && buffer.packed_len() == 0 {
                Buffer::from_bytes(&bytes)
            } else {
                buffer.set_bytes(at_offset as u64, &bytes)
            };
            at_offset = end;
            i += 1;
            match tokens.get(i).map(|t| &t.tok) {
                Some(Tok::Comma) => i += 1,
                Some(Tok::Close) => {}
                _ => return Err(expected(tokens.get(i).map_or(pos, |t| t.pos))),
            }
        }
    }

    /// The code point a label names, checked to be usable here.
    fn code_point(&self, name: &str, pos: Pos) -> Result<Value, AsmError> {
        let target = if name == END {
            self.len
        } else {
            *self
                .labels
                .get(name)
                .ok_or_else(|| AsmError::at(pos, format!("unknown label `{name}`")))?
        };
        if let Some(referrer) = self.referrer {
            if target <= referrer {
                return Err(AsmError::at(
                    pos,
                    format!(
                        "`{name}` is instruction {target}, not after this one ({referrer}): an \
                         immediate can only name later code, because a code point's hash \
                         covers the code after it (put it in `.static`, or use pcpush)"
                    ),
                ));
            }
        }
        Ok(Value::CodePoint(Program::code_point_of(
            self.len as usize,
            target as usize,
        )))
    }
}

/// An integer literal: decimal, `0x` hex, or a negative decimal (two's complement).
fn parse_int(text: &str, pos: Pos) -> Result<Value, AsmError> {
    let (negative, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let clean: String = body.chars().filter(|c| *c != '_').collect();
    if clean.is_empty() || clean == "0x" {
        return Err(AsmError::at(pos, format!("`{text}` is not a number")));
    }
    let parsed = match clean.strip_prefix("0x") {
        Some(hex) if !negative => Int::from_str_radix(hex, 16),
        Some(_) => return Err(AsmError::at(pos, "negative numbers are written in decimal")),
        None => Int::from_str_radix(&clean, 10),
    };
    let n = parsed.map_err(|_| {
        AsmError::at(
            pos,
            format!("`{text}` is not a 256-bit integer (decimal, or hex after 0x)"),
        )
    })?;
    if !negative {
        return Ok(Value::Int(n));
    }
    if n > Int::from(1u8) << 255 {
        return Err(AsmError::at(
            pos,
            format!("`{text}` is below -2^255, the smallest signed 256-bit integer"),
        ));
    }
    Ok(Value::Int(n.wrapping_neg()))
}

/// A byte offset: decimal or 0x hex.
fn parse_u64(token: &Token) -> Result<u64, AsmError> {
    let Tok::Number(text) = &token.tok else {
        return Err(AsmError::at(token.pos, "expected a byte offset"));
    };
    let clean: String = text.chars().filter(|c| *c != '_').collect();
    let parsed = match clean.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => clean.parse(),
    };
    parsed.map_err(|_| {
        AsmError::at(
            token.pos,
            format!("`{text}` is not a byte offset below 2^64"),
        )
    })
}

/// The bytes of a `0x` hex literal.
fn hex_bytes(text: &str, at: Pos) -> Result<Vec<u8>, AsmError> {
    let digits: String = text
        .strip_prefix("0x")
        .ok_or_else(|| AsmError::at(at, "buffer bytes are written in hex: 0x..."))?
        .chars()
        .filter(|c| *c != '_')
        .collect();
    if digits.len() % 2 != 0 {
        return Err(AsmError::at(
            at,
            "buffer hex needs an even number of digits",
        ));
    }
    hex::decode(&digits).map_err(|e| AsmError::at(at, format!("bad buffer hex: {e}")))
}
