//! Value JSON: the text form of values used by .mexe files, inbox files and logs.
//!
//! - `{"Int": "3e0"}`: hex digits, no `0x` needed (it is accepted), lowercase when printed;
//! - `{"Tuple": [v, ...]}`: at most 8 items;
//! - `{"CodePoint": {"Internal": i}}`: instruction `i` of the loaded program (the value
//!   `2^64 - 1` names the error code point, as the Mini compiler writes it);
//! - `{"Buffer": "hex"}`: the buffer's bytes (trailing zeros may be left out);
//! - `{"Buffer": {"Runs": [["offset", "hex"], ...]}}`: a sparse buffer, as its non-zero
//!   stretches (offsets in hex). Buffers whose packed length exceeds
//!   [`DENSE_BUFFER_LIMIT`] are written this way, so that a program which sets byte
//!   2^40 of a buffer can still have its logs written, in space proportional to the
//!   data it stored.
//!
//! Code created at run time has no instruction index; such a code point prints as
//! `{"CodePoint": {"Hash": "0x.."}}`, which is informative but cannot be read back.

use crate::json::{JsonError, JsonKind, JsonReader};
use crate::{value_hash, Buffer, CodePointRef, CodeView, Int, Tuple, Value, ValueLimits};

/// How `{"CodePoint": {"Internal": i}}` is read: which code point instruction `i` is.
pub trait ResolveCodePoint {
    /// The code point named by instruction index `index`, or why there is none.
    fn resolve_internal(&self, index: u64) -> Result<CodePointRef, String>;
}

/// How a code point is written: the instruction index naming it, when it has one.
pub trait CodePointNames: CodeView {
    /// The instruction index naming `cp`, if it is loaded program code.
    fn internal_index(&self, cp: CodePointRef) -> Option<u64>;
}

impl ResolveCodePoint for crate::NoCode {
    fn resolve_internal(&self, index: u64) -> Result<CodePointRef, String> {
        Err(format!(
            "code point Internal {index} cannot be resolved: no program is loaded here"
        ))
    }
}

impl CodePointNames for crate::NoCode {
    fn internal_index(&self, _cp: CodePointRef) -> Option<u64> {
        None
    }
}

/// Parses an integer written as hex digits (with or without `0x`).
pub fn parse_hex_int(text: &str) -> Result<Int, String> {
    let digits = text.strip_prefix("0x").unwrap_or(text);
    if let Some(n) = plain_hex_int(digits) {
        return Ok(n);
    }
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!("expected hex digits for an Int, got \"{text}\""));
    }
    let significant = digits.trim_start_matches('0');
    if significant.len() > 64 {
        return Err(format!("Int \"{text}\" does not fit in 256 bits"));
    }
    Int::from_str_radix(
        if significant.is_empty() {
            "0"
        } else {
            significant
        },
        16,
    )
    .map_err(|e| format!("bad Int \"{text}\": {e}"))
}

/// Hex digits (at least one, at most 64 after leading zeros) as an integer; None for
/// anything else, which [`parse_hex_int`] explains.
fn plain_hex_int(digits: &str) -> Option<Int> {
    let significant = digits.trim_start_matches('0');
    if digits.is_empty() || significant.len() > 64 {
        return None;
    }
    let mut limbs = [0u64; 4];
    for (i, b) in significant.bytes().rev().enumerate() {
        let digit = char::from(b).to_digit(16)?;
        limbs[i / 16] |= u64::from(digit) << (4 * (i % 16));
    }
    Some(Int::from_limbs(limbs))
}

fn parse_buffer(text: &str, limits: &ValueLimits) -> Result<Buffer, String> {
    let digits = text.strip_prefix("0x").unwrap_or(text);
    if (digits.len() / 2) as u128 > limits.max_buffer_len {
        return Err(format!(
            "Buffer of {} bytes exceeds the limit of {} bytes (max buffer bytes)",
            digits.len() / 2,
            limits.max_buffer_len
        ));
    }
    let bytes = hex::decode(digits).map_err(|e| format!("bad Buffer hex: {e}"))?;
    Ok(Buffer::from_bytes(&bytes))
}

/// Buffers up to this packed length are written as one hex string; longer ones as runs.
pub const DENSE_BUFFER_LIMIT: u128 = 64 << 10;

/// What one run of a sparse buffer is charged against [`ValueLimits::max_buffer_len`]
/// beyond its bytes: the tree nodes on its path, so that many tiny far-apart runs
/// cannot materialise unbounded memory.
const RUN_OVERHEAD: u128 = 2048;

/// Reads `{"Runs": [["offset", "hex"], ...]}` after the reader has entered the object.
fn read_buffer_runs(r: &mut JsonReader<'_>, limits: &ValueLimits) -> Result<Buffer, JsonError> {
    let at = r.position();
    if r.next_key()?.as_deref() != Some("Runs") {
        return Err(r.error_at(
            at,
            "expected a hex string or {\"Runs\": [[\"offset\", \"hex\"], ...]} for a Buffer",
        ));
    }
    let mut buffer = Buffer::new();
    let mut charged: u128 = 0;
    r.begin_array()?;
    while r.next_item()? {
        r.begin_array()?;
        let at = r.position();
        if !r.next_item()? {
            return Err(r.error_at(at, "a Buffer run is [\"offset\", \"hex\"]"));
        }
        let offset_text = r.string()?;
        let offset = parse_hex_int(&offset_text)
            .ok()
            .and_then(|n| u64::try_from(n).ok())
            .ok_or_else(|| r.error_at(at, format!("bad Buffer run offset \"{offset_text}\"")))?;
        let at = r.position();
        if !r.next_item()? {
            return Err(r.error_at(at, "a Buffer run is [\"offset\", \"hex\"]"));
        }
        let text = r.string()?;
        let digits = text.strip_prefix("0x").unwrap_or(&text);
        charged = charged
            .saturating_add((digits.len() / 2) as u128)
            .saturating_add(RUN_OVERHEAD);
        if charged > limits.max_buffer_len {
            return Err(r.error_at(
                at,
                format!(
                    "Buffer runs exceed the limit of {} bytes (max buffer bytes; each run counts {RUN_OVERHEAD} extra)",
                    limits.max_buffer_len
                ),
            ));
        }
        let bytes =
            hex::decode(digits).map_err(|e| r.error_at(at, format!("bad Buffer hex: {e}")))?;
        if u128::from(offset) + bytes.len() as u128 > 1u128 << 64 {
            return Err(r.error_at(at, "a Buffer run ends beyond byte 2^64"));
        }
        let at = r.position();
        if r.next_item()? {
            return Err(r.error_at(at, "a Buffer run is [\"offset\", \"hex\"]"));
        }
        buffer = buffer.set_bytes(offset, &bytes);
    }
    let at = r.position();
    if r.next_key()?.is_some() {
        return Err(r.error_at(at, "a sparse Buffer has only \"Runs\""));
    }
    Ok(buffer)
}

/// Reads one value at the reader's position.
pub fn read_value(
    r: &mut JsonReader<'_>,
    names: &impl ResolveCodePoint,
    limits: &ValueLimits,
) -> Result<Value, JsonError> {
    let mut open_tuples: Vec<Vec<Value>> = Vec::new();
    loop {
        if let Some(leaf) = read_common_leaf(r, names) {
            if let Some(value) = close_tuples(r, &mut open_tuples, leaf)? {
                return Ok(value);
            }
            continue;
        }
        let at = r.position();
        r.begin_object()?;
        let Some(key) = r.next_key()? else {
            return Err(r.error_at(
                at,
                "expected {\"Int\"|\"Tuple\"|\"CodePoint\"|\"Buffer\": ...}, found {}",
            ));
        };
        let done = match key.as_ref() {
            "Int" => {
                let at = r.position();
                let text = r.string()?;
                let n = parse_hex_int(&text).map_err(|e| r.error_at(at, e))?;
                r.end_object()?;
                Value::Int(n)
            }
            "Buffer" => {
                let at = r.position();
                let b = if r.peek()? == JsonKind::Object {
                    r.begin_object()?;
                    read_buffer_runs(r, limits)?
                } else {
                    let text = r.string()?;
                    parse_buffer(&text, limits).map_err(|e| r.error_at(at, e))?
                };
                r.end_object()?;
                Value::Buffer(b)
            }
            "CodePoint" => {
                r.begin_object()?;
                let at = r.position();
                match r.next_key()?.as_deref() {
                    Some("Internal") => {}
                    _ => {
                        return Err(r.error_at(at, "expected {\"Internal\": index} in a CodePoint"))
                    }
                }
                let at = r.position();
                let index = r.u64()?;
                r.end_object()?;
                r.end_object()?;
                Value::CodePoint(
                    names
                        .resolve_internal(index)
                        .map_err(|e| r.error_at(at, e))?,
                )
            }
            "Tuple" => {
                r.begin_array()?;
                if r.next_item()? {
                    open_tuples.push(Vec::new());
                    continue;
                }
                r.end_object()?;
                Value::Tuple(Tuple::empty())
            }
            other => {
                return Err(r.error_at(
                    at,
                    format!(
                        "unknown value kind \"{other}\" (expected Int, Tuple, CodePoint or Buffer)"
                    ),
                ))
            }
        };
        if let Some(value) = close_tuples(r, &mut open_tuples, done)? {
            return Ok(value);
        }
    }
}

/// The common shapes `{"Int": "hex"}`, `{"Tuple": []}` and
/// `{"CodePoint": {"Internal": i}}`, read in one step; None for anything else, including
/// anything wrong (which the caller reads piece by piece, reporting what is wrong).
fn read_common_leaf(r: &mut JsonReader<'_>, names: &impl ResolveCodePoint) -> Option<Value> {
    if let Some(n) = r.try_string_member("Int", |text| parse_hex_int(text).ok()) {
        return Some(Value::Int(n));
    }
    if r.try_empty_array_member("Tuple") {
        return Some(Value::Tuple(Tuple::empty()));
    }
    r.try_u64_member_of_member("CodePoint", "Internal", |index| {
        names.resolve_internal(index).ok()
    })
    .map(Value::CodePoint)
}

/// Puts a finished value into the innermost open tuple, closing every tuple that ends
/// there: the whole value once no tuple is left open, or None while one still is.
fn close_tuples(
    r: &mut JsonReader<'_>,
    open_tuples: &mut Vec<Vec<Value>>,
    mut done: Value,
) -> Result<Option<Value>, JsonError> {
    loop {
        let Some(items) = open_tuples.last_mut() else {
            return Ok(Some(done));
        };
        items.push(done);
        let at = r.position();
        if r.next_item()? {
            if items.len() == crate::MAX_TUPLE_LEN {
                return Err(r.error_at(at, "a Tuple holds at most 8 values"));
            }
            return Ok(None);
        }
        let items = open_tuples.pop().unwrap_or_default();
        r.end_object()?;
        done = Value::Tuple(Tuple::new(items).map_err(|e| r.error_at(at, e.to_string()))?);
    }
}

/// Parses a whole JSON document holding one value.
pub fn parse_value(
    text: &[u8],
    names: &impl ResolveCodePoint,
    limits: &ValueLimits,
) -> Result<Value, JsonError> {
    let mut r = JsonReader::for_values(text, limits, 2);
    let v = read_value(&mut r, names, limits)?;
    r.finish()?;
    Ok(v)
}

enum Piece<'a> {
    Value(&'a Value),
    Text(&'static str),
}

/// Appends the JSON text of `value` to `out`, without recursion.
pub fn write_value(value: &Value, names: &impl CodePointNames, out: &mut String) {
    use std::fmt::Write;
    let mut pieces = vec![Piece::Value(value)];
    while let Some(piece) = pieces.pop() {
        let v = match piece {
            Piece::Text(t) => {
                out.push_str(t);
                continue;
            }
            Piece::Value(v) => v,
        };
        match v {
            Value::Int(n) => {
                let _ = write!(out, "{{\"Int\":\"{n:x}\"}}");
            }
            Value::Buffer(b) if b.packed_len() > DENSE_BUFFER_LIMIT => {
                out.push_str("{\"Buffer\":{\"Runs\":[");
                for (i, (offset, bytes)) in b.runs().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    let _ = write!(out, "[\"{offset:x}\",\"{}\"]", hex::encode(bytes));
                }
                out.push_str("]}}");
            }
            Value::Buffer(b) => {
                out.push_str("{\"Buffer\":\"");
                let mut chunk = [0u8; 4096];
                let len = b.packed_len();
                let mut offset: u128 = 0;
                while offset < len {
                    let n = ((len - offset) as usize).min(chunk.len());
                    b.read(offset as u64, &mut chunk[..n]);
                    out.push_str(&hex::encode(&chunk[..n]));
                    offset += n as u128;
                }
                out.push_str("\"}");
            }
            Value::CodePoint(cp) => match names.internal_index(*cp) {
                Some(i) => {
                    let _ = write!(out, "{{\"CodePoint\":{{\"Internal\":{i}}}}}");
                }
                None => {
                    let h = value_hash(v, names);
                    let _ = write!(out, "{{\"CodePoint\":{{\"Hash\":\"{h}\"}}}}");
                }
            },
            Value::Tuple(t) => {
                out.push_str("{\"Tuple\":[");
                pieces.push(Piece::Text("]}"));
                for (i, item) in t.items().iter().enumerate().rev() {
                    pieces.push(Piece::Value(item));
                    if i > 0 {
                        pieces.push(Piece::Text(","));
                    }
                }
            }
        }
    }
}

/// The JSON text of `value`.
pub fn value_to_json(value: &Value, names: &impl CodePointNames) -> String {
    let mut out = String::new();
    write_value(value, names, &mut out);
    out
}
