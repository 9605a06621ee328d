//! Loading .mexe executables in every dialect real Arbitrum programs use.
//!
//! An executable is a JSON object with `code` (an array of instructions) and
//! `static_val` (the Static value), plus whatever else its compiler wrote. Two dialects
//! occur in practice and both load:
//! - classic files: `{"version": 2, "code": [{"opcode": 59, "immediate": ...}], ...}`;
//! - Mini compiler output: `{"opcode": {"AVMOpcode": 59}, "immediate": ...,
//!   "debug_info": {"location": ...}}` (or `"location"` directly), with `globals`,
//!   `file_name_chart`, `arbos_version`, `exported_funcs` and more beside the code.
//!
//! Immediates and the static value are value JSON. `{"CodePoint": {"Internal": i}}` names
//! instruction `i`; since a code point's hash includes the hash of the code after it,
//! an instruction can only name instructions after itself (the static value may name any).
//! Index `len` and `2^64 - 1` name the error code point behind the last instruction.
//!
//! Every problem is reported with the file name, line and column; nothing panics.

use std::borrow::Cow;
use std::cell::Cell;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use avm_value::json::{JsonError, JsonKind, JsonReader};
use avm_value::{read_value, CodePointRef, Value, ValueLimits};

use crate::forward_refs::{settle, ForwardRefs};
use crate::program_code::build_code;
use crate::{Code, Instruction};

/// Where an instruction came from in its source program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SourceLocation {
    /// 0-based line, as the Mini compiler writes it.
    pub line: u64,
    /// 0-based column.
    pub column: u64,
    /// Key into [`DebugInfo::file_names`].
    pub file_id: u64,
}

/// Debugging facts a compiler left in the executable.
#[derive(Clone, Debug, Default)]
pub struct DebugInfo {
    /// Source location of each instruction, by instruction index (empty if none given).
    pub locations: Vec<Option<SourceLocation>>,
    /// File names by file id.
    pub file_names: BTreeMap<u64, String>,
    /// Names of instructions, by name: what `avm asm` keeps of the source's labels (the
    /// `labels` object of the file, which other loaders ignore).
    pub labels: BTreeMap<String, u64>,
}

impl DebugInfo {
    /// The label names of each labelled instruction, by instruction index.
    pub fn labels_by_index(&self) -> BTreeMap<u64, Vec<&str>> {
        let mut by_index: BTreeMap<u64, Vec<&str>> = BTreeMap::new();
        for (name, index) in &self.labels {
            by_index.entry(*index).or_default().push(name);
        }
        by_index
    }

    /// `file:line` (1-based line) of a location, for people.
    pub fn describe(&self, location: SourceLocation) -> String {
        let file = self
            .file_names
            .get(&location.file_id)
            .map(String::as_str)
            .unwrap_or("?");
        format!("{file}:{}", location.line + 1)
    }
}

/// A loaded executable.
#[derive(Clone, Debug)]
pub struct Program {
    /// The code store, with the program as segment 0.
    pub code: Code,
    /// The Static value.
    pub static_value: Value,
    /// Debug information, if the file had any.
    pub debug: DebugInfo,
    /// The `arbos_version` field, if present.
    pub arbos_version: Option<u64>,
}

impl Program {
    /// Number of instructions.
    pub fn instruction_count(&self) -> u32 {
        self.code.program_len()
    }

    /// The first instruction, where execution starts.
    pub fn entry(&self) -> CodePointRef {
        CodePointRef::new(0, self.code.program_len())
    }

    /// A program made of `instructions` (in execution order) and a static value, as
    /// an assembler or a test builds one. A `CodePoint` immediate must name a later
    /// instruction, by [`Program::code_point_of`].
    pub fn from_instructions(
        instructions: Vec<Instruction>,
        static_value: Value,
    ) -> Result<Program, crate::CodeError> {
        Ok(Program {
            code: build_code(instructions)?,
            static_value,
            debug: DebugInfo::default(),
            arbos_version: None,
        })
    }

    /// The code point of instruction `index` in a program of `len` instructions
    /// (`index == len` is the error code point behind the last one).
    pub fn code_point_of(len: usize, index: usize) -> CodePointRef {
        CodePointRef::new(0, len.saturating_sub(index) as u32)
    }

    /// The source location of instruction `index`, if known.
    pub fn location(&self, index: u64) -> Option<SourceLocation> {
        self.debug
            .locations
            .get(usize::try_from(index).ok()?)
            .copied()
            .flatten()
    }
}

/// Why an executable could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be read, or is larger than [`LoadOptions::max_file_bytes`].
    #[error(transparent)]
    Read(#[from] crate::ReadFileError),
    /// The file is not a valid executable.
    #[error("{path}: {error}")]
    Invalid {
        /// The file.
        path: String,
        /// What is wrong, and where.
        error: JsonError,
    },
}

/// Options for loading untrusted executables.
#[derive(Clone, Copy, Debug)]
pub struct LoadOptions {
    /// Bounds on the values in the file.
    pub limits: ValueLimits,
    /// Largest file accepted, in bytes (the CLI's `--max-file-bytes`).
    pub max_file_bytes: u64,
}

impl LoadOptions {
    /// File size allowed by default (256 MiB): the 75k-instruction ArbOS build is 9 MB.
    pub const DEFAULT_MAX_FILE_BYTES: u64 = 256 << 20;
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            limits: ValueLimits::default(),
            max_file_bytes: Self::DEFAULT_MAX_FILE_BYTES,
        }
    }
}

/// Reads and loads the executable at `path`.
pub fn load_mexe(path: &Path, options: &LoadOptions) -> Result<Program, LoadError> {
    let name = path.display().to_string();
    let bytes = crate::read_file_bounded(path, options.max_file_bytes, "--max-file-bytes")?;
    parse_mexe(&bytes, options).map_err(|error| LoadError::Invalid { path: name, error })
}

/// Counts the instructions without building them (the first of two passes).
fn count_instructions(bytes: &[u8], limits: &ValueLimits) -> Result<u64, JsonError> {
    let mut r = JsonReader::for_values(bytes, limits, 8);
    let at = r.position();
    if r.peek()? != JsonKind::Object {
        return Err(r.error_at(at, "an executable must be a JSON object"));
    }
    r.begin_object()?;
    while let Some(key) = r.next_key()? {
        if key == "code" {
            if r.peek()? != JsonKind::Array {
                return Err(r.error("\"code\" must be an array of instructions"));
            }
            r.begin_array()?;
            let mut n = 0u64;
            while r.next_item()? {
                r.skip_value()?;
                n += 1;
            }
            if n >= u64::from(u32::MAX) {
                return Err(
                    r.error_at(at, format!("{n} instructions exceed the limit of 2^32 - 1"))
                );
            }
            return Ok(n);
        }
        r.skip_value()?;
    }
    Err(r.error_at(
        at,
        "missing \"code\": an executable needs an array of instructions",
    ))
}

/// Loads an executable from its JSON text.
///
/// The file is read once, naming code points by index until the instruction count is
/// known. A file that fails that reading is read again the careful way, counting the
/// instructions first, so that it is refused with the same error as ever.
pub fn parse_mexe(bytes: &[u8], options: &LoadOptions) -> Result<Program, JsonError> {
    read_program(bytes, options, None).or_else(|_| {
        let len = count_instructions(bytes, &options.limits)?;
        read_program(bytes, options, Some(len))
    })
}

/// Reads a program whose instruction count is `len`, or in one pass if None.
fn read_program(
    bytes: &[u8],
    options: &LoadOptions,
    len: Option<u64>,
) -> Result<Program, JsonError> {
    let limits = &options.limits;
    let mut r = JsonReader::for_values(bytes, limits, 8);
    let mut refs = ForwardRefs {
        len,
        referrer: None,
        named: Cell::new(false),
    };
    let mut insns: Vec<Instruction> = Vec::new();
    // Instructions whose immediates hold code points (placeholders in one pass).
    let mut naming = Vec::new();
    let mut shared = SharedImmediates {
        src: bytes,
        seen: HashMap::new(),
    };
    let mut debug = DebugInfo::default();
    let mut static_value = None;
    let mut arbos_version = None;
    let mut has_locations = false;
    let mut has_code = false;
    let mut static_names_code = false;
    let start = r.position();
    r.begin_object()?;
    while let Some(key) = r.next_key()? {
        match key.as_ref() {
            "code" => {
                has_code = true;
                insns.reserve(len.unwrap_or(0) as usize);
                r.begin_array()?;
                while r.next_item()? {
                    if let Some(opcode) = read_plain_instruction(&mut r) {
                        insns.push(Instruction::basic(opcode));
                        if has_locations {
                            debug.locations.push(None);
                        }
                        continue;
                    }
                    refs.referrer = Some(insns.len() as u64);
                    refs.named.set(false);
                    let (insn, location) = read_instruction(&mut r, &refs, limits, &mut shared)?;
                    if refs.named.get() {
                        naming.push(insns.len());
                    }
                    if location.is_some() && !has_locations {
                        has_locations = true;
                        debug.locations.resize(insns.len(), None);
                    }
                    insns.push(insn);
                    if has_locations {
                        debug.locations.push(location);
                    }
                }
                refs.referrer = None;
            }
            "static_val" => {
                refs.named.set(false);
                static_value = Some(read_value(&mut r, &refs, limits)?);
                static_names_code = refs.named.get();
            }
            "file_name_chart" => debug.file_names = read_file_names(&mut r)?,
            "labels" => debug.labels = read_labels(&mut r)?,
            "arbos_version" => arbos_version = Some(r.u64()?),
            _ => r.skip_value()?,
        }
    }
    r.finish()?;
    let mut static_value = static_value.ok_or_else(|| {
        r.error_at(
            start,
            "missing \"static_val\": an executable needs a static value",
        )
    })?;
    let len = match len {
        Some(len) => len,
        None => {
            let count = u32::try_from(insns.len())
                .ok()
                .filter(|n| *n < u32::MAX && has_code)
                .ok_or_else(|| r.error_at(start, "no code, or too much"))?;
            let past_end = || r.error_at(start, "a code point is past the end of the code");
            for i in naming {
                if let Some(imm) = insns.get_mut(i).and_then(|insn| insn.immediate.as_mut()) {
                    *imm = settle(imm, count).ok_or_else(past_end)?;
                }
            }
            if static_names_code {
                static_value = settle(&static_value, count).ok_or_else(past_end)?;
            }
            u64::from(count)
        }
    };
    if !debug.locations.is_empty() {
        debug.locations.resize(insns.len(), None);
    }
    debug.labels.retain(|_, index| *index <= len);
    let code = build_code(insns).map_err(|e| r.error_at(start, e.to_string()))?;
    Ok(Program {
        code,
        static_value,
        debug,
        arbos_version,
    })
}

/// The debug information the Mini compiler writes for most instructions.
const NO_DEBUG_INFO: &[u8] = br#"{"location":null,"attributes":{"breakpoint":false}}"#;

/// `{"opcode": n, "immediate": null}`, or the same with the usual Mini debug_info: half
/// the instructions of a program, read in one step. None for anything else (read piece
/// by piece, which reports whatever is wrong).
fn read_plain_instruction(r: &mut JsonReader<'_>) -> Option<u8> {
    let mut p = r.probe();
    p.fits(1)?;
    p.byte(b'{')?;
    p.key("opcode")?;
    let opcode = u8::try_from(p.u64()?).ok()?;
    p.byte(b',')?;
    p.key("immediate")?;
    p.literal(b"null")?;
    if p.byte(b',').is_some() {
        p.fits(3)?;
        p.key("debug_info")?;
        p.literal(NO_DEBUG_INFO)?;
    }
    p.byte(b'}')?;
    r.accept(p).then_some(opcode)
}

/// Tuple immediates already read, by their text: ArbOS repeats a few dozen of them
/// thousands of times, and one shared tuple is hashed once.
struct SharedImmediates<'a> {
    src: &'a [u8],
    seen: HashMap<&'a [u8], Value>,
}

impl<'a> SharedImmediates<'a> {
    /// `value`, read from `src[from..to]`, or an equal tuple read before from the same
    /// text. Only tuples without code points are shared: a code point's meaning is
    /// checked against the instruction holding it.
    fn share(&mut self, from: usize, to: usize, value: Value, names_code: bool) -> Value {
        let shareable = matches!(&value, Value::Tuple(t) if !t.is_empty()) && !names_code;
        match self.src.get(from..to) {
            Some(text) if shareable => self.seen.entry(text).or_insert(value).clone(),
            _ => value,
        }
    }
}

fn read_instruction<'a>(
    r: &mut JsonReader<'a>,
    refs: &ForwardRefs,
    limits: &ValueLimits,
    shared: &mut SharedImmediates<'a>,
) -> Result<(Instruction, Option<SourceLocation>), JsonError> {
    let at = r.position();
    let mut opcode = None;
    let mut immediate = None;
    let mut location = None;
    if let Some(n) = enter_usual_instruction(r) {
        opcode = Some(n);
        immediate = read_immediate(r, refs, limits, shared)?;
    } else {
        if r.peek()? != JsonKind::Object {
            return Err(r.error_at(
                at,
                "an instruction must be an object with \"opcode\" and \"immediate\"",
            ));
        }
        r.begin_object()?;
    }
    while let Some(key) = r.next_key()? {
        match key.as_ref() {
            "opcode" => opcode = Some(read_opcode(r)?),
            "immediate" => immediate = read_immediate(r, refs, limits, shared)?,
            "debug_info" if r.try_literal(NO_DEBUG_INFO, 2) => location = None,
            "debug_info" => location = read_debug_info(r)?,
            "location" => location = read_location(r)?,
            _ => r.skip_value()?,
        }
    }
    let opcode = opcode.ok_or_else(|| r.error_at(at, "instruction has no \"opcode\""))?;
    Ok((Instruction { opcode, immediate }, location))
}

/// Enters an instruction that starts `{"opcode": n, "immediate":` in one step, leaving
/// the reader at the immediate; None (having read nothing) for any other start.
fn enter_usual_instruction(r: &mut JsonReader<'_>) -> Option<u8> {
    let mut p = r.probe();
    p.byte(b'{')?;
    p.key("opcode")?;
    let opcode = u8::try_from(p.u64()?).ok()?;
    p.byte(b',')?;
    p.key("immediate")?;
    r.accept_in_object(p, &["opcode", "immediate"])
        .then_some(opcode)
}

/// An immediate: null for none, or a value.
fn read_immediate<'a>(
    r: &mut JsonReader<'a>,
    refs: &ForwardRefs,
    limits: &ValueLimits,
    shared: &mut SharedImmediates<'a>,
) -> Result<Option<Value>, JsonError> {
    if r.peek()? == JsonKind::Null {
        r.null()?;
        return Ok(None);
    }
    let from = r.position();
    let value = read_value(r, refs, limits)?;
    let to = r.position();
    Ok(Some(shared.share(from, to, value, refs.named.get())))
}

fn read_opcode(r: &mut JsonReader<'_>) -> Result<u8, JsonError> {
    let at = r.position();
    let number = match r.peek()? {
        JsonKind::Number => r.u64()?,
        JsonKind::Object => {
            r.begin_object()?;
            let key_at = r.position();
            let key: Option<Cow<'_, str>> = r.next_key()?;
            match key.as_deref() {
                Some("AVMOpcode") => {}
                Some(other) => {
                    return Err(r.error_at(
                        key_at,
                        format!("unknown opcode form \"{other}\" (expected a number or {{\"AVMOpcode\": n}})"),
                    ))
                }
                None => return Err(r.error_at(key_at, "empty opcode object")),
            }
            let n = r.u64()?;
            r.end_object()?;
            n
        }
        _ => {
            return Err(r.error_at(
                at,
                "unknown opcode form (expected a number or {\"AVMOpcode\": n})",
            ))
        }
    };
    u8::try_from(number)
        .map_err(|_| r.error_at(at, format!("opcode {number} is out of range 0..=255")))
}

fn read_debug_info(r: &mut JsonReader<'_>) -> Result<Option<SourceLocation>, JsonError> {
    if r.peek()? != JsonKind::Object {
        r.skip_value()?;
        return Ok(None);
    }
    r.begin_object()?;
    let mut location = None;
    while let Some(key) = r.next_key()? {
        if key == "location" {
            location = read_location(r)?;
        } else {
            r.skip_value()?;
        }
    }
    Ok(location)
}

fn read_location(r: &mut JsonReader<'_>) -> Result<Option<SourceLocation>, JsonError> {
    if r.peek()? != JsonKind::Object {
        r.skip_value()?;
        return Ok(None);
    }
    r.begin_object()?;
    let mut loc = SourceLocation {
        line: 0,
        column: 0,
        file_id: 0,
    };
    while let Some(key) = r.next_key()? {
        let field = match key.as_ref() {
            "line" => &mut loc.line,
            "column" => &mut loc.column,
            "file_id" => &mut loc.file_id,
            _ => {
                r.skip_value()?;
                continue;
            }
        };
        *field = r.u64()?;
    }
    Ok(Some(loc))
}

fn read_labels(r: &mut JsonReader<'_>) -> Result<BTreeMap<String, u64>, JsonError> {
    let mut labels = BTreeMap::new();
    if r.peek()? != JsonKind::Object {
        r.skip_value()?;
        return Ok(labels);
    }
    r.begin_object()?;
    while let Some(name) = r.next_key()? {
        let name = name.into_owned();
        labels.insert(name, r.u64()?);
    }
    Ok(labels)
}

fn read_file_names(r: &mut JsonReader<'_>) -> Result<BTreeMap<u64, String>, JsonError> {
    let mut names = BTreeMap::new();
    if r.peek()? != JsonKind::Object {
        r.skip_value()?;
        return Ok(names);
    }
    r.begin_object()?;
    loop {
        let at = r.position();
        let Some(key) = r.next_key()? else { break };
        let id: u64 = key
            .parse()
            .map_err(|_| r.error_at(at, format!("file id \"{key}\" is not a number")))?;
        names.insert(id, r.string()?.into_owned());
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;
    use avm_value::{value_hash, CodeView};

    fn both_ways(text: &str) -> [Result<Program, JsonError>; 2] {
        let options = LoadOptions::default();
        let counted = count_instructions(text.as_bytes(), &options.limits)
            .and_then(|len| read_program(text.as_bytes(), &options, Some(len)));
        [read_program(text.as_bytes(), &options, None), counted]
    }

    #[test]
    fn one_pass_names_the_same_code_points_as_two() {
        let cp = |i: u64| format!(r#"{{"CodePoint": {{"Internal": {i}}}}}"#);
        let text = format!(
            r#"{{"static_val": {{"Tuple": [{}, {{"Tuple": [{}, {{"Int": "7"}}]}}]}},
              "code": [{{"opcode": 51, "immediate": {{"Tuple": [{}, {{"Tuple": [{}]}}]}}}},
                       {{"opcode": 52, "immediate": {}}},
                       {{"opcode": 59, "immediate": null}}]}}"#,
            cp(0),
            cp(u64::MAX),
            cp(2),
            cp(3),
            cp(18446744073709551615),
        );
        let [one, two] = both_ways(&text).map(|p| p.unwrap());
        for p in [&one, &two] {
            assert_eq!(p.instruction_count(), 3);
        }
        let hashes = |p: &Program| {
            let code: Vec<_> = (0..=3)
                .map(|pc| p.code.code_point_hash(CodePointRef::new(0, pc)))
                .collect();
            (code, value_hash(&p.static_value, &p.code))
        };
        assert_eq!(hashes(&one), hashes(&two));
        let shown = |p: &Program| format!("{:?}", (&p.static_value, p.code.segment(0)));
        assert_eq!(shown(&one), shown(&two), "placeholders are settled");
    }

    #[test]
    fn code_points_past_the_end_fail_one_pass_and_are_refused() {
        let text = r#"{"code": [{"opcode": 52, "immediate": {"CodePoint": {"Internal": 2}}}], "static_val": {"Int": "0"}}"#;
        assert!(both_ways(text).iter().all(Result::is_err));
        let err = parse_mexe(text.as_bytes(), &LoadOptions::default()).unwrap_err();
        assert!(
            err.message
                .contains("past the end of the code (1 instructions)"),
            "{err}"
        );
    }

    #[test]
    fn instructions_read_in_one_step_are_those_read_piece_by_piece() {
        let debug = r#"{"location":null,"attributes":{"breakpoint":false}}"#;
        let text = format!(
            r#"{{"code": [{{"opcode": 1, "immediate": null}}, {{ "opcode" :2 ,"immediate":null,"debug_info":{debug} }},
                {{"opcode": 3, "immediate": {{"Int": "5"}}, "debug_info": {debug}}},
                {{"immediate": null, "opcode": 4}}, {{"opcode": {{"AVMOpcode": 5}}, "immediate": null}}],
              "static_val": {{"Tuple": []}}}}"#
        );
        let program = parse_mexe(text.as_bytes(), &LoadOptions::default()).unwrap();
        let code = program.code.segment(0).unwrap();
        let opcodes: Vec<u8> = code.instructions().iter().rev().map(|i| i.opcode).collect();
        assert_eq!(opcodes, [1, 2, 3, 4, 5, 0]);
        for bad in [
            r#"{"opcode": 1, "immediate": null, "opcode": 2}"#,
            r#"{"opcode": 1, "immediate": {"Int": "5"}, "immediate": null}"#,
            r#"{"opcode": 256, "immediate": null}"#,
            r#"{"opcode": 1, "immediate": null, "debug_info": {"location":null,"location":null}}"#,
        ] {
            let text = format!(r#"{{"code": [{bad}], "static_val": {{"Tuple": []}}}}"#);
            let err = parse_mexe(text.as_bytes(), &LoadOptions::default()).unwrap_err();
            let options = LoadOptions::default();
            let careful = count_instructions(text.as_bytes(), &options.limits)
                .and_then(|len| read_program(text.as_bytes(), &options, Some(len)))
                .unwrap_err();
            assert_eq!(err, careful, "{bad}");
            assert!(
                err.message.contains("duplicate") || err.message.contains("256"),
                "{err}"
            );
        }
    }
}
