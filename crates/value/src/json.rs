//! A small pull reader for JSON text, built for untrusted AVM files.
//!
//! .mexe executables, inbox files and replay logs are JSON. This reader walks them
//! without recursion (so 10^6-deep nesting is an error message, not a stack overflow),
//! borrows strings that need no unescaping (fast loading of large programs), skips
//! fields a caller does not need, and reports every error with its line and column.

use std::borrow::Cow;

mod scan;

pub use scan::Probe;
use scan::{plain_run_end, plain_u64};

/// What went wrong, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct JsonError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in bytes).
    pub column: usize,
    /// What was expected or wrong.
    pub message: String,
}

/// The kind of the next JSON value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonKind {
    /// `{`
    Object,
    /// `[`
    Array,
    /// `"..."`
    String,
    /// A number.
    Number,
    /// `true` or `false`.
    Bool,
    /// `null`.
    Null,
}

impl JsonKind {
    fn name(self) -> &'static str {
        match self {
            JsonKind::Object => "an object",
            JsonKind::Array => "an array",
            JsonKind::String => "a string",
            JsonKind::Number => "a number",
            JsonKind::Bool => "a boolean",
            JsonKind::Null => "null",
        }
    }
}

#[derive(Clone, Copy)]
struct Container {
    object: bool,
    /// No element has been read yet.
    first: bool,
    /// Where this object's keys start in [`JsonReader::keys`].
    keys_from: usize,
}

/// Objects with more keys than this look up duplicates in a hash set; smaller ones
/// (nearly all: an instruction of a .mexe has three) scan their few keys.
const SCAN_KEYS: usize = 16;

/// A cursor over JSON text. Containers are entered with [`JsonReader::begin_object`] /
/// [`JsonReader::begin_array`] and walked with [`JsonReader::next_key`] /
/// [`JsonReader::next_item`], which also consume the separators and the closing bracket.
pub struct JsonReader<'a> {
    src: &'a [u8],
    /// The longest prefix of `src` that is valid UTF-8 (all of it for a good document):
    /// strings inside it are borrowed without validating them again.
    text: &'a str,
    pos: usize,
    /// The open containers, innermost last.
    open: Vec<Container>,
    /// The keys read so far in every open object, outermost object first. A key that
    /// appears twice in one object makes the document ambiguous (readers disagree on
    /// which value wins), so it is an error.
    keys: Vec<Cow<'a, str>>,
    /// The keys of open objects that have more than [`SCAN_KEYS`] keys, by depth.
    many_keys: std::collections::HashSet<(usize, Cow<'a, str>)>,
    max_depth: usize,
    /// The value nesting bound `max_depth` was derived from, for the error message.
    value_depth: Option<usize>,
}

impl<'a> JsonReader<'a> {
    /// A reader over `src`, refusing containers nested deeper than `max_depth`.
    pub fn new(src: &'a [u8], max_depth: usize) -> Self {
        let text = match std::str::from_utf8(src) {
            Ok(text) => text,
            Err(e) => std::str::from_utf8(&src[..e.valid_up_to()]).unwrap_or_default(),
        };
        JsonReader {
            src,
            text,
            pos: 0,
            open: Vec::new(),
            keys: Vec::new(),
            many_keys: std::collections::HashSet::new(),
            max_depth,
            value_depth: None,
        }
    }

    /// A reader for a document of values under `limits`: each tuple level takes two
    /// JSON levels (`{"Tuple": [`), and `outer` levels are allowed around the values.
    /// Too deep a document is reported in terms of the value depth bound.
    pub fn for_values(src: &'a [u8], limits: &crate::ValueLimits, outer: usize) -> Self {
        let mut r = Self::new(
            src,
            limits.max_depth.saturating_mul(2).saturating_add(outer),
        );
        r.value_depth = Some(limits.max_depth);
        r
    }

    /// An error at the current position.
    pub fn error(&self, message: impl Into<String>) -> JsonError {
        self.error_at(self.pos, message)
    }

    /// An error at byte offset `pos`.
    pub fn error_at(&self, pos: usize, message: impl Into<String>) -> JsonError {
        let before = &self.src[..pos.min(self.src.len())];
        let line = before.iter().filter(|b| **b == b'\n').count() + 1;
        let column = pos
            - before
                .iter()
                .rposition(|b| *b == b'\n')
                .map_or(0, |i| i + 1)
            + 1;
        JsonError {
            line,
            column,
            message: message.into(),
        }
    }

    /// The byte offset of the next value (after white space).
    pub fn position(&mut self) -> usize {
        self.skip_ws();
        self.pos
    }

    fn skip_ws(&mut self) {
        while let Some(b) = self.src.get(self.pos) {
            if matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    fn peek_byte(&mut self) -> Option<u8> {
        self.skip_ws();
        self.src.get(self.pos).copied()
    }

    fn expect_byte(&mut self, want: u8) -> Result<(), JsonError> {
        match self.peek_byte() {
            Some(b) if b == want => {
                self.pos += 1;
                Ok(())
            }
            Some(b) => Err(self.error(format!(
                "expected '{}', found '{}'",
                want as char,
                printable(b)
            ))),
            None => Err(self.error(format!("expected '{}', found end of input", want as char))),
        }
    }

    /// The kind of the next value.
    pub fn peek(&mut self) -> Result<JsonKind, JsonError> {
        match self.peek_byte() {
            Some(b'{') => Ok(JsonKind::Object),
            Some(b'[') => Ok(JsonKind::Array),
            Some(b'"') => Ok(JsonKind::String),
            Some(b'-' | b'0'..=b'9') => Ok(JsonKind::Number),
            Some(b't' | b'f') => Ok(JsonKind::Bool),
            Some(b'n') => Ok(JsonKind::Null),
            Some(b) => Err(self.error(format!("expected a JSON value, found '{}'", printable(b)))),
            None => Err(self.error("expected a JSON value, found end of input")),
        }
    }

    fn expect_kind(&mut self, want: JsonKind) -> Result<(), JsonError> {
        let got = self.peek()?;
        if got != want {
            return Err(self.error(format!("expected {}, found {}", want.name(), got.name())));
        }
        Ok(())
    }

    fn open(&mut self, bracket: u8, kind: JsonKind) -> Result<(), JsonError> {
        self.expect_kind(kind)?;
        if self.open.len() >= self.max_depth {
            return Err(self.error(match self.value_depth {
                Some(depth) => {
                    format!("values nest deeper than the limit of {depth} tuples (max value depth)")
                }
                None => format!(
                    "JSON nests deeper than the limit of {} levels",
                    self.max_depth
                ),
            }));
        }
        self.expect_byte(bracket)?;
        self.open.push(Container {
            object: kind == JsonKind::Object,
            first: true,
            keys_from: self.keys.len(),
        });
        Ok(())
    }

    /// Enters an object.
    pub fn begin_object(&mut self) -> Result<(), JsonError> {
        self.open(b'{', JsonKind::Object)
    }

    /// Enters an array.
    pub fn begin_array(&mut self) -> Result<(), JsonError> {
        self.open(b'[', JsonKind::Array)
    }

    /// Moves to the next element of the innermost container: true if there is one
    /// (ready to be read), false if the container closed (and was consumed).
    fn advance(&mut self, close: u8) -> Result<bool, JsonError> {
        let next = self.peek_byte();
        if next == Some(close) {
            self.pos += 1;
            self.close();
            return Ok(false);
        }
        let Some(container) = self.open.last_mut() else {
            return Err(self.error("not inside a container"));
        };
        if container.first {
            container.first = false;
        } else if next == Some(b',') {
            self.pos += 1;
        } else {
            self.expect_byte(b',')?;
        }
        Ok(true)
    }

    /// Leaves the innermost container, forgetting its keys.
    fn close(&mut self) {
        let Some(container) = self.open.pop() else {
            return;
        };
        let from = container.keys_from;
        if self.keys.len().saturating_sub(from) >= SCAN_KEYS {
            let depth = self.open.len();
            for key in self.keys.drain(from..) {
                self.many_keys.remove(&(depth, key));
            }
        } else {
            self.keys.truncate(from);
        }
    }

    /// Records `key` as read in the innermost object: false if it was read before.
    fn first_time(&mut self, key: Cow<'a, str>) -> bool {
        let depth = self.open.len().saturating_sub(1);
        let from = self.open.last().map_or(0, |c| c.keys_from);
        let own = self.keys.get(from..).unwrap_or_default();
        let fresh = if own.len() < SCAN_KEYS {
            !own.contains(&key)
        } else {
            if own.len() == SCAN_KEYS {
                let earlier: Vec<_> = own.iter().map(|k| (depth, k.clone())).collect();
                self.many_keys.extend(earlier);
            }
            self.many_keys.insert((depth, key.clone()))
        };
        if fresh {
            self.keys.push(key);
        }
        fresh
    }

    /// The next key of the current object (its value is read next), or None when the
    /// object has ended. A key the object already had is an error: JSON with duplicate
    /// keys means different things to different readers.
    pub fn next_key(&mut self) -> Result<Option<Cow<'a, str>>, JsonError> {
        if !self.advance(b'}')? {
            return Ok(None);
        }
        let at = self.position();
        let key = self.string()?;
        if !self.first_time(key.clone()) {
            return Err(self.error_at(at, format!("duplicate key \"{key}\" in one object")));
        }
        self.expect_byte(b':')?;
        Ok(Some(key))
    }

    /// Whether the current array has another item (read it next).
    pub fn next_item(&mut self) -> Result<bool, JsonError> {
        self.advance(b']')
    }

    /// Requires the current object to have no more keys, and leaves it.
    pub fn end_object(&mut self) -> Result<(), JsonError> {
        let at = self.position();
        match self.next_key()? {
            None => Ok(()),
            Some(key) => Err(self.error_at(at, format!("unexpected extra key \"{key}\""))),
        }
    }

    /// A string, unescaped.
    pub fn string(&mut self) -> Result<Cow<'a, str>, JsonError> {
        let at = self.position();
        if let Some((s, end)) = self.plain_string(at) {
            self.pos = end;
            return Ok(Cow::Borrowed(s));
        }
        self.expect_kind(JsonKind::String)?;
        self.pos += 1;
        let start = self.pos;
        // Fast path: no escapes.
        self.pos = plain_run_end(self.src, start);
        while let Some(&b) = self.src.get(self.pos) {
            match b {
                b'"' => {
                    let s = match self.text.get(start..self.pos) {
                        Some(s) => s,
                        None => std::str::from_utf8(&self.src[start..self.pos])
                            .map_err(|_| self.error_at(start, "string is not valid UTF-8"))?,
                    };
                    self.pos += 1;
                    return Ok(Cow::Borrowed(s));
                }
                b'\\' => break,
                0..=0x1f => return Err(self.error("control character inside a string")),
                _ => self.pos += 1,
            }
        }
        let mut out: Vec<u8> = self.src[start..self.pos].to_vec();
        loop {
            let Some(&b) = self.src.get(self.pos) else {
                return Err(self.error("unterminated string"));
            };
            self.pos += 1;
            match b {
                b'"' => break,
                b'\\' => self.escape(&mut out)?,
                0..=0x1f => return Err(self.error("control character inside a string")),
                _ => out.push(b),
            }
        }
        String::from_utf8(out)
            .map(Cow::Owned)
            .map_err(|_| self.error_at(start, "string is not valid UTF-8"))
    }

    /// The string starting at `at` if it has no escape or control byte and is valid
    /// UTF-8, and where it ends.
    fn plain_string(&self, at: usize) -> Option<(&'a str, usize)> {
        if self.src.get(at) != Some(&b'"') {
            return None;
        }
        let plain = |b: &u8| !matches!(b, b'"' | b'\\' | 0..=0x1f);
        // Keys and small numbers end within a few bytes; longer strings go eight at a time.
        let mut end = at + 1;
        while end < at + 16 && self.src.get(end).is_some_and(plain) {
            end += 1;
        }
        if end == at + 16 {
            end = plain_run_end(self.src, end);
        }
        while self.src.get(end).is_some_and(plain) {
            end += 1;
        }
        if self.src.get(end) != Some(&b'"') {
            return None;
        }
        Some((self.text.get(at + 1..end)?, end + 1))
    }

    /// A look ahead from the next value (see [`Probe`]).
    pub fn probe(&mut self) -> Probe<'a> {
        let at = self.position();
        Probe {
            room: self.max_depth.saturating_sub(self.open.len()),
            ..Probe::new(self.src, at)
        }
    }

    /// Moves past what `probe` matched, if it was started here; returns whether it was.
    pub fn accept(&mut self, probe: Probe<'a>) -> bool {
        let here = self.position() == probe.start && std::ptr::eq(self.src, probe.src);
        if here {
            self.pos = probe.pos;
        }
        here
    }

    /// Moves past what `probe` matched, which must be the start of an object up to the
    /// value of its last key, `keys` being its keys in order: the reader then stands
    /// where reading `{`, the keys and their values piece by piece would leave it, about
    /// to read the last key's value. Returns false, and reads nothing, if `probe` was
    /// not started here, no object may open here, or `keys` are not a few distinct keys.
    pub fn accept_in_object(&mut self, probe: Probe<'a>, keys: &[&'a str]) -> bool {
        let distinct = keys.iter().enumerate().all(|(i, k)| !keys[..i].contains(k));
        let fits = probe.fits(1).is_some() && !keys.is_empty() && keys.len() < SCAN_KEYS;
        if !(distinct && fits && self.accept(probe)) {
            return false;
        }
        self.open.push(Container {
            object: true,
            first: false,
            keys_from: self.keys.len(),
        });
        self.keys.extend(keys.iter().map(|k| Cow::Borrowed(*k)));
        true
    }

    /// Whether `levels` more containers may be opened.
    fn room_for(&self, levels: usize) -> bool {
        self.open.len() + levels <= self.max_depth
    }

    /// If the next value is `{"key": "text"}` with no escape in the text, and `parse`
    /// accepts the text, reads it and returns what `parse` made of it. Otherwise reads
    /// nothing: the caller then reads the value piece by piece, which reports whatever
    /// is wrong with it. (Values of this shape are most of a large program.)
    pub fn try_string_member<T>(
        &mut self,
        key: &str,
        parse: impl FnOnce(&'a str) -> Option<T>,
    ) -> Option<T> {
        if !self.room_for(1) {
            return None;
        }
        let mut p = Probe::new(self.src, self.pos);
        p.open_member(key)?;
        p.ws();
        let (text, end) = self.plain_string(p.pos)?;
        p.pos = end;
        p.byte(b'}')?;
        let value = parse(text)?;
        self.pos = p.pos;
        Some(value)
    }

    /// If the next value is spelled exactly `literal`, skips it and returns true;
    /// otherwise reads nothing. `literal` must be one complete JSON value that nests
    /// `depth` containers and has no key twice in one object (what reading it piece by
    /// piece would check): a value a caller meets very often, spelled as its writer
    /// spells it.
    pub fn try_literal(&mut self, literal: &[u8], depth: usize) -> bool {
        let at = self.position();
        let found = self.room_for(depth) && self.src.get(at..at + literal.len()) == Some(literal);
        if found {
            self.pos = at + literal.len();
        }
        found
    }

    /// If the next value is `{"key": []}`, reads it and returns true; otherwise reads
    /// nothing, like [`JsonReader::try_string_member`].
    pub fn try_empty_array_member(&mut self, key: &str) -> bool {
        if !self.room_for(2) {
            return false;
        }
        let mut p = Probe::new(self.src, self.pos);
        let found = (|| {
            p.open_member(key)?;
            p.byte(b'[')?;
            p.byte(b']')?;
            p.byte(b'}')
        })();
        if found.is_some() {
            self.pos = p.pos;
        }
        found.is_some()
    }

    /// If the next value is `{"outer": {"inner": n}}` with `n` plain digits that fit in
    /// 64 bits, and `accept` takes `n`, reads it and returns what `accept` made of it;
    /// otherwise reads nothing, like [`JsonReader::try_string_member`].
    pub fn try_u64_member_of_member<T>(
        &mut self,
        outer: &str,
        inner: &str,
        accept: impl FnOnce(u64) -> Option<T>,
    ) -> Option<T> {
        if !self.room_for(2) {
            return None;
        }
        let mut p = Probe::new(self.src, self.pos);
        p.open_member(outer)?;
        p.open_member(inner)?;
        p.ws();
        let (n, end) = plain_u64(self.src, p.pos)?;
        p.pos = end;
        p.byte(b'}')?;
        p.byte(b'}')?;
        let value = accept(n)?;
        self.pos = p.pos;
        Some(value)
    }

    fn escape(&mut self, out: &mut Vec<u8>) -> Result<(), JsonError> {
        let Some(&b) = self.src.get(self.pos) else {
            return Err(self.error("unterminated escape"));
        };
        self.pos += 1;
        let c = match b {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let hi = self.hex4()?;
                let code = if (0xd800..0xdc00).contains(&hi) {
                    if self.src.get(self.pos..self.pos + 2) != Some(b"\\u") {
                        return Err(self.error("unpaired surrogate in \\u escape"));
                    }
                    self.pos += 2;
                    let lo = self.hex4()?;
                    if !(0xdc00..0xe000).contains(&lo) {
                        return Err(self.error("invalid low surrogate in \\u escape"));
                    }
                    0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00)
                } else {
                    hi
                };
                char::from_u32(code).ok_or_else(|| self.error("invalid \\u escape"))?
            }
            other => return Err(self.error(format!("invalid escape '\\{}'", printable(other)))),
        };
        let mut buf = [0u8; 4];
        out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        Ok(())
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let digits = self
            .src
            .get(self.pos..self.pos + 4)
            .and_then(|d| std::str::from_utf8(d).ok())
            .and_then(|d| u32::from_str_radix(d, 16).ok())
            .ok_or_else(|| self.error("expected 4 hex digits in \\u escape"))?;
        self.pos += 4;
        Ok(digits)
    }

    /// The text of a number, validated as JSON number syntax.
    pub fn number_text(&mut self) -> Result<&'a str, JsonError> {
        self.expect_kind(JsonKind::Number)?;
        let start = self.pos;
        let src = self.src;
        let mut i = start;
        if src.get(i) == Some(&b'-') {
            i += 1;
        }
        let digits = |mut i: usize| {
            while src.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            i
        };
        let int_end = digits(i);
        if int_end == i {
            return Err(self.error("malformed number"));
        }
        i = int_end;
        if src.get(i) == Some(&b'.') {
            let frac_end = digits(i + 1);
            if frac_end == i + 1 {
                return Err(self.error_at(i, "malformed number"));
            }
            i = frac_end;
        }
        if matches!(src.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(src.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            let exp_end = digits(i);
            if exp_end == i {
                return Err(self.error_at(i, "malformed number"));
            }
            i = exp_end;
        }
        self.pos = i;
        // Only ASCII bytes were accepted above.
        std::str::from_utf8(&src[start..i]).map_err(|_| self.error_at(start, "malformed number"))
    }

    /// A non-negative integer that fits in 64 bits.
    pub fn u64(&mut self) -> Result<u64, JsonError> {
        let at = self.position();
        if let Some((n, end)) = plain_u64(self.src, at) {
            self.pos = end;
            return Ok(n);
        }
        let text = self.number_text()?;
        text.parse::<u64>().map_err(|_| {
            self.error_at(
                at,
                format!("expected an unsigned 64-bit integer, found {text}"),
            )
        })
    }

    /// `true` or `false`.
    pub fn bool(&mut self) -> Result<bool, JsonError> {
        self.expect_kind(JsonKind::Bool)?;
        if self.src[self.pos..].starts_with(b"true") {
            self.pos += 4;
            Ok(true)
        } else if self.src[self.pos..].starts_with(b"false") {
            self.pos += 5;
            Ok(false)
        } else {
            Err(self.error("malformed literal"))
        }
    }

    /// `null`.
    pub fn null(&mut self) -> Result<(), JsonError> {
        self.expect_kind(JsonKind::Null)?;
        if self.src[self.pos..].starts_with(b"null") {
            self.pos += 4;
            Ok(())
        } else {
            Err(self.error("malformed literal"))
        }
    }

    /// Reads and discards one value of any shape, without recursion.
    pub fn skip_value(&mut self) -> Result<(), JsonError> {
        let base = self.open.len();
        loop {
            match self.peek()? {
                JsonKind::Object => self.begin_object()?,
                JsonKind::Array => self.begin_array()?,
                JsonKind::String => {
                    self.string()?;
                }
                JsonKind::Number => {
                    self.number_text()?;
                }
                JsonKind::Bool => {
                    self.bool()?;
                }
                JsonKind::Null => self.null()?,
            }
            // Close finished containers until one has another element to read.
            loop {
                if self.open.len() == base {
                    return Ok(());
                }
                let in_object = self.open.last().is_some_and(|c| c.object);
                let more = if in_object {
                    self.next_key()?.is_some()
                } else {
                    self.next_item()?
                };
                if more {
                    break;
                }
            }
        }
    }

    /// Requires that only white space remains.
    pub fn finish(&mut self) -> Result<(), JsonError> {
        match self.peek_byte() {
            None => Ok(()),
            Some(b) => Err(self.error(format!(
                "unexpected '{}' after the end of the document",
                printable(b)
            ))),
        }
    }
}

/// Checks that `src` is one JSON document, nested at most `max_depth` levels, with no
/// key twice in one object. Files read with a general JSON library (which would keep
/// one of two equal keys silently) pass through this first.
pub fn check_unambiguous(src: &[u8], max_depth: usize) -> Result<(), JsonError> {
    let mut reader = JsonReader::new(src, max_depth);
    reader.skip_value()?;
    reader.finish()
}

fn printable(b: u8) -> String {
    if b.is_ascii_graphic() {
        (b as char).to_string()
    } else {
        format!("\\x{b:02x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_objects_arrays_and_scalars() {
        let text = br#" {"a": [1, 2.5e3, "x\"y\u00e9"], "b": {"c": null, "d": true}, "e": 18446744073709551615} "#;
        let mut r = JsonReader::new(text, 64);
        r.begin_object().unwrap();
        assert_eq!(r.next_key().unwrap().unwrap(), "a");
        r.begin_array().unwrap();
        assert!(r.next_item().unwrap());
        assert_eq!(r.u64().unwrap(), 1);
        assert!(r.next_item().unwrap());
        assert_eq!(r.number_text().unwrap(), "2.5e3");
        assert!(r.next_item().unwrap());
        assert_eq!(r.string().unwrap(), "x\"y\u{e9}");
        assert!(!r.next_item().unwrap());
        assert_eq!(r.next_key().unwrap().unwrap(), "b");
        r.skip_value().unwrap();
        assert_eq!(r.next_key().unwrap().unwrap(), "e");
        assert_eq!(r.u64().unwrap(), u64::MAX);
        assert!(r.next_key().unwrap().is_none());
        r.finish().unwrap();
    }

    #[test]
    fn errors_carry_line_and_column() {
        let mut r = JsonReader::new(b"[1,\n  2,\n  ]", 8);
        r.begin_array().unwrap();
        assert!(r.next_item().unwrap());
        r.u64().unwrap();
        assert!(r.next_item().unwrap());
        r.u64().unwrap();
        assert!(r.next_item().unwrap());
        let err = r.u64().unwrap_err();
        assert_eq!((err.line, err.column), (3, 3));
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let text: Vec<u8> = std::iter::repeat_n(b'[', 1_000_000).collect();
        let mut r = JsonReader::new(&text, 1000);
        let err = r.skip_value().unwrap_err();
        assert!(err.message.contains("deeper than the limit"), "{err}");
    }

    #[test]
    fn skip_handles_strings_with_brackets() {
        let text = br#"{"k": ["]", {"x": "}\\"}], "n": 5}"#;
        let mut r = JsonReader::new(text, 8);
        r.begin_object().unwrap();
        r.next_key().unwrap();
        r.skip_value().unwrap();
        assert_eq!(r.next_key().unwrap().unwrap(), "n");
        assert_eq!(r.u64().unwrap(), 5);
    }

    fn read_all(text: &[u8]) -> Result<(), JsonError> {
        check_unambiguous(text, 64)
    }

    #[test]
    fn a_key_twice_in_one_object_is_refused_with_its_place() {
        let err = read_all(b"{\"code\": [1],\n \"code\": [2]}").unwrap_err();
        assert_eq!((err.line, err.column), (2, 2));
        assert!(err.message.contains("duplicate key \"code\""), "{err}");
    }

    #[test]
    fn keys_spelled_with_escapes_are_compared_unescaped() {
        let err = read_all(br#"{"ab": 1, "a\u0062": 2}"#).unwrap_err();
        assert!(err.message.contains("duplicate key \"ab\""), "{err}");
    }

    #[test]
    fn equal_keys_in_different_objects_are_fine() {
        read_all(br#"{"a": {"a": 1, "b": {"a": 2}}, "b": [{"a": 1}, {"a": 2}]}"#).unwrap();
    }

    #[test]
    fn duplicates_are_found_in_objects_with_many_keys() {
        for n in [SCAN_KEYS - 1, SCAN_KEYS, SCAN_KEYS + 1, 1000] {
            for dup in [0, n / 2, n - 1] {
                let mut text = String::from("{");
                for i in 0..n {
                    text.push_str(&format!("\"k{i}\": {i}, "));
                }
                text.push_str(&format!("\"k{dup}\": 0}}"));
                let err = read_all(text.as_bytes()).unwrap_err();
                assert!(
                    err.message.contains(&format!("\"k{dup}\"")),
                    "{n} {dup}: {err}"
                );
                // Without the repeated key the same object reads.
                let ok = text.replace(&format!("\"k{dup}\": 0}}"), "\"last\": 0}");
                read_all(ok.as_bytes()).unwrap();
            }
        }
    }

    #[test]
    fn sibling_objects_with_many_keys_do_not_see_each_other() {
        let object = |tag: &str| {
            let keys: Vec<String> = (0..40).map(|i| format!("\"k{i}\": \"{tag}\"")).collect();
            format!("{{{}}}", keys.join(","))
        };
        let text = format!(
            "[{}, {}, {{\"x\": {}}}]",
            object("a"),
            object("b"),
            object("c")
        );
        read_all(text.as_bytes()).unwrap();
    }

    #[test]
    fn long_strings_are_checked_at_every_byte() {
        let long = "0123456789abcdef".repeat(5);
        for (i, bad) in [(0, b'\n'), (17, 0x01), (63, 0x1f)] {
            let mut text = format!("\"{long}\"").into_bytes();
            text[1 + i] = bad;
            let err = JsonReader::new(&text, 4).string().unwrap_err();
            assert_eq!(err.column, 2 + i, "{err}");
            assert!(err.message.contains("control character"), "{err}");
        }
        let mut text = format!("[\"{long}\", \"{long}\"]").into_bytes();
        let second = text.len() - 2 - long.len();
        text[second + 40] = 0xff;
        let mut r = JsonReader::new(&text, 4);
        r.begin_array().unwrap();
        assert!(r.next_item().unwrap());
        assert_eq!(r.string().unwrap(), long);
        assert!(r.next_item().unwrap());
        let err = r.string().unwrap_err();
        assert_eq!(
            (err.column, err.message.as_str()),
            (second + 1, "string is not valid UTF-8")
        );
        let escaped = JsonReader::new(br#""0123456789\u00e9abcdef""#, 4)
            .string()
            .unwrap();
        assert_eq!(escaped, "0123456789\u{e9}abcdef");
    }

    #[test]
    fn unsigned_integers_read_digits_and_refuse_the_rest() {
        let read = |text: &str| JsonReader::new(text.as_bytes(), 4).u64();
        assert_eq!(read(" 007").unwrap(), 7);
        assert_eq!(read("18446744073709551615").unwrap(), u64::MAX);
        for bad in ["18446744073709551616", "-1", "1.5", "1e3", "\"1\"", "x"] {
            let err = read(bad).unwrap_err();
            assert_eq!(err.column, 1, "{bad}: {err}");
        }
        let mut r = JsonReader::new(b"[12,3]", 4);
        r.begin_array().unwrap();
        assert!(r.next_item().unwrap());
        assert_eq!(r.u64().unwrap(), 12);
        assert!(r.next_item().unwrap());
        assert_eq!(r.u64().unwrap(), 3);
        assert!(!r.next_item().unwrap());
    }

    #[test]
    fn common_shapes_are_read_in_one_step_or_not_at_all() {
        let hex = |t: &str| Some(t.to_owned());
        let mut r = JsonReader::new(b" { \"Int\" :\n\"1f\" } ,", 4);
        assert_eq!(r.try_string_member("Int", hex).as_deref(), Some("1f"));
        assert_eq!(r.position(), 18);
        for text in [
            &br#"{"Int": "1f", "x": 1}"#[..],
            br#"{"In\u0074": "1f"}"#,
            br#"{"Int ": "1f"}"#,
            br#"{"Int": "1\u0066"}"#,
            br#"{"Int": 5}"#,
            br#"["Int"]"#,
        ] {
            let mut r = JsonReader::new(text, 4);
            assert_eq!(r.try_string_member("Int", hex), None);
            assert_eq!(r.position(), 0);
        }
        let refuse = |_: &str| None::<()>;
        assert_eq!(
            JsonReader::new(br#"{"Int": "zz"}"#, 4).try_string_member("Int", refuse),
            None
        );

        let mut r = JsonReader::new(br#"{"Tuple": [ ]}"#, 2);
        assert!(r.try_empty_array_member("Tuple"));
        r.finish().unwrap();
        let mut r = JsonReader::new(br#"{"CodePoint": {"Internal": 12}}"#, 2);
        assert_eq!(
            r.try_u64_member_of_member("CodePoint", "Internal", Some),
            Some(12)
        );
        r.finish().unwrap();
        let mut r = JsonReader::new(br#"{"CodePoint": {"Internal": 1.5}}"#, 2);
        assert_eq!(
            r.try_u64_member_of_member("CodePoint", "Internal", Some),
            None
        );
    }

    #[test]
    fn common_shapes_leave_the_depth_limit_to_the_careful_path() {
        let mut r = JsonReader::new(br#"[{"Int": "1"}]"#, 1);
        r.begin_array().unwrap();
        assert!(r.next_item().unwrap());
        assert_eq!(r.try_string_member("Int", Some), None);
        assert!(r.begin_object().unwrap_err().message.contains("deeper"));
        for (text, depth) in [
            (&br#"{"Tuple": []}"#[..], 1),
            (br#"{"CodePoint": {"Internal": 1}}"#, 1),
        ] {
            let mut r = JsonReader::new(text, depth);
            assert!(!r.try_empty_array_member("Tuple"));
            assert_eq!(
                r.try_u64_member_of_member("CodePoint", "Internal", Some),
                None
            );
            assert_eq!(r.position(), 0);
        }
    }

    #[test]
    fn a_probe_reads_nothing_until_accepted_where_it_started() {
        let text = br#" {"a": 12, "b": {"c":null}, "b": 1}"#;
        let mut r = JsonReader::new(text, 3);
        let mut p = r.probe();
        assert_eq!(p.byte(b'{'), Some(()));
        assert_eq!(p.key("a"), Some(()));
        assert_eq!(p.u64(), Some(12));
        assert_eq!(p.byte(b','), Some(()));
        assert_eq!(p.key("b"), Some(()));
        assert_eq!(p.literal(br#"{"c":null}"#), Some(()));
        assert_eq!(p.fits(3), Some(()));
        assert_eq!(p.fits(4), None);
        assert_eq!(r.position(), 1, "probing reads nothing");
        let mut moved = JsonReader::new(text, 3);
        moved.begin_object().unwrap();
        assert!(
            !moved.accept(r.probe()),
            "a probe from elsewhere is refused"
        );
        assert!(r.accept(p));
        assert!(r.finish().is_err());
    }

    #[test]
    fn entering_an_object_by_probe_keeps_its_keys_for_the_duplicate_check() {
        let text = br#"{"a": 1, "b": [2], "a": 3}"#;
        let mut r = JsonReader::new(text, 4);
        let mut p = r.probe();
        p.byte(b'{').unwrap();
        p.key("a").unwrap();
        p.u64().unwrap();
        p.byte(b',').unwrap();
        p.key("b").unwrap();
        let again = r.probe();
        assert!(!r.accept_in_object(again, &["a", "a"]));
        assert!(r.accept_in_object(p, &["a", "b"]));
        r.skip_value().unwrap();
        let err = r.next_key().unwrap_err();
        let careful = check_unambiguous(text, 4).unwrap_err();
        assert_eq!(err, careful);
        let mut shallow = JsonReader::new(text, 0);
        let p = shallow.probe();
        assert!(!shallow.accept_in_object(p, &["a"]));
    }

    #[test]
    fn a_literal_is_skipped_only_where_the_depth_limit_allows_it() {
        let text = br#"[{"x":[]}]"#;
        let mut r = JsonReader::new(text, 2);
        r.begin_array().unwrap();
        assert!(r.next_item().unwrap());
        assert!(!r.try_literal(br#"{"x":[]}"#, 2));
        assert!(!r.try_literal(br#"{"x":[1]}"#, 1));
        let mut r = JsonReader::new(text, 3);
        r.begin_array().unwrap();
        assert!(r.next_item().unwrap());
        assert!(r.try_literal(br#"{"x":[]}"#, 2));
        assert!(!r.next_item().unwrap());
        r.finish().unwrap();
    }
}
