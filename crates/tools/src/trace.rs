//! The tracer: one JSON object per line for every step (or every step in a range of
//! the program), written as the machine runs so a trace of any length streams.
//!
//! Each line describes the machine just before the step:
//! `{"step":0,"segment":0,"pc":12,"insn":3,"opcode":"push","immediate":"7",
//! "gas_used":0,"gas_remaining":"0xff…","stack_depth":1,"aux_depth":0,"top":"3"}`.
//! `pc` counts down within a segment as in the C++ AVM; `insn` is the instruction's
//! index in the program (as the disassembler numbers it), null for code created at
//! run time; `immediate` is present only when the instruction has one; `top` is the
//! top of the data stack (null if empty). Values are in the assembly syntax, cut after
//! 200 characters.

use std::io::Write;
use std::ops::Range;

use avm_code::{mnemonic_for_byte, Opcode};
use avm_machine::{Control, Machine, Observer};

use crate::text::{format_unsigned, format_value_short, mnemonic_of};
use crate::Labels;

/// Longest value text in a trace line.
const VALUE_LIMIT: usize = 200;

/// Writes the trace of a run to `W`.
pub struct Tracer<W: Write> {
    out: W,
    labels: Labels,
    range: Option<Range<u64>>,
    line: String,
    error: Option<std::io::Error>,
    written: u64,
}

impl<W: Write> Tracer<W> {
    /// A tracer of every step (`range` None) or of the steps whose instruction index
    /// lies in `range`.
    pub fn new(out: W, labels: Labels, range: Option<Range<u64>>) -> Self {
        Tracer {
            out,
            labels,
            range,
            line: String::new(),
            error: None,
            written: 0,
        }
    }

    /// Lines written so far.
    pub fn lines_written(&self) -> u64 {
        self.written
    }

    /// Flushes the output and returns the first write error, if any (writing stops the
    /// run at the first error, so nothing is silently lost).
    pub fn finish(mut self) -> std::io::Result<W> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        self.out.flush()?;
        Ok(self.out)
    }

    fn format_line(&mut self, machine: &Machine, insn: Option<u64>) {
        use std::fmt::Write as _;
        let pc = machine.pc();
        let (mnemonic, immediate) = match machine.code().instruction(pc) {
            Some(i) => (mnemonic_of(i), i.immediate.as_ref()),
            None => (mnemonic_for_byte(Opcode::Error as u8), None),
        };
        let line = &mut self.line;
        line.clear();
        let _ = write!(
            line,
            "{{\"step\":{},\"segment\":{},\"pc\":{},\"insn\":",
            machine.steps(),
            pc.segment,
            pc.pc
        );
        match insn {
            Some(i) => {
                let _ = write!(line, "{i}");
            }
            None => line.push_str("null"),
        }
        let _ = write!(line, ",\"opcode\":\"{mnemonic}\"");
        if let Some(value) = immediate {
            line.push_str(",\"immediate\":");
            push_json_string(line, &format_value_short(value, &self.labels, VALUE_LIMIT));
        }
        let _ = write!(
            line,
            ",\"gas_used\":{},\"gas_remaining\":\"{}\",\"stack_depth\":{},\"aux_depth\":{},\"top\":",
            machine.gas_used(),
            format_unsigned(machine.gas_remaining()),
            machine.stack().len(),
            machine.aux_stack().len()
        );
        match machine.stack().peek(0) {
            Some(top) => {
                push_json_string(line, &format_value_short(top, &self.labels, VALUE_LIMIT))
            }
            None => line.push_str("null"),
        }
        line.push_str("}\n");
    }
}

/// Appends `text` as a JSON string.
fn push_json_string(out: &mut String, text: &str) {
    match serde_json::to_string(text) {
        Ok(quoted) => out.push_str(&quoted),
        Err(_) => out.push_str("\"\""),
    }
}

impl<W: Write> Observer for Tracer<W> {
    fn before_step(&mut self, machine: &Machine) -> Control {
        let insn = self.labels.program_index(machine.pc());
        if let Some(range) = &self.range {
            if !insn.is_some_and(|i| range.contains(&i)) {
                return Control::Continue;
            }
        }
        self.format_line(machine, insn);
        match self.out.write_all(self.line.as_bytes()) {
            Ok(()) => {
                self.written += 1;
                Control::Continue
            }
            Err(e) => {
                self.error = Some(e);
                Control::Pause
            }
        }
    }
}

/// Parses a range of instruction indexes: `A..B` (B excluded), `A..`, `..B` or `A`.
pub fn parse_range(text: &str) -> Result<Range<u64>, String> {
    let number = |s: &str, default: u64| -> Result<u64, String> {
        if s.is_empty() {
            return Ok(default);
        }
        s.trim()
            .parse()
            .map_err(|_| format!("`{s}` is not an instruction index"))
    };
    match text.split_once("..") {
        Some((a, b)) => Ok(number(a, 0)?..number(b, u64::MAX)?),
        None => {
            let a = number(text, 0)?;
            Ok(a..a.saturating_add(1))
        }
    }
}
