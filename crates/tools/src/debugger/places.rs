//! Naming places in code for the debugger: parsing breakpoint locations and describing
//! the instruction at a code point.

use avm_value::CodePointRef;

use super::Debugger;
use crate::text::{format_value_short, mnemonic_of};

/// Longest value text shown in a listing line.
const LISTING_VALUE_LIMIT: usize = 80;

impl Debugger {
    /// The instruction index a breakpoint location names.
    pub(super) fn resolve_place(&self, place: &str) -> Result<u64, String> {
        let len = self.labels.instruction_count();
        let digits = place.strip_prefix('#').unwrap_or(place);
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            let index: u64 = digits
                .parse()
                .map_err(|_| format!("`{place}` is too large"))?;
            if index >= len {
                return Err(format!(
                    "the program has instructions #0 to #{}",
                    len.saturating_sub(1)
                ));
            }
            return Ok(index);
        }
        if let Some((file, line)) = place.rsplit_once(':') {
            let line: u64 = line
                .parse()
                .map_err(|_| format!("`{place}`: expected FILE:LINE"))?;
            return self.first_instruction_of_line(file, line);
        }
        self.labels
            .index_of(place)
            .filter(|i| *i < len)
            .ok_or_else(|| format!("no instruction, label or source line `{place}`"))
    }

    /// The first instruction compiled from `file:line` (1-based line).
    fn first_instruction_of_line(&self, file: &str, line: u64) -> Result<u64, String> {
        let matches_file = |id: u64| {
            self.debug
                .file_names
                .get(&id)
                .is_some_and(|name| name == file || name.ends_with(&format!("/{file}")))
        };
        self.debug
            .locations
            .iter()
            .position(|loc| loc.is_some_and(|l| l.line + 1 == line && matches_file(l.file_id)))
            .map(|i| i as u64)
            .ok_or_else(|| {
                if self.debug.locations.is_empty() {
                    "this program has no source line information".to_owned()
                } else {
                    format!("no instruction comes from {file}:{line}")
                }
            })
    }

    /// `#index name: mnemonic immediate  (file:line)` for the instruction at `cp`.
    pub(super) fn describe_instruction(&self, cp: CodePointRef) -> String {
        let mut out = match self.labels.program_index(cp) {
            Some(index) => {
                let mut s = format!("#{index}");
                if let Some(name) = self.labels.name_of(index) {
                    s.push(' ');
                    s.push_str(name);
                    s.push(':');
                }
                s
            }
            None => format!("<code {}:{}>:", cp.segment, cp.pc),
        };
        match self.machine.code().instruction(cp) {
            Some(insn) => {
                out.push(' ');
                out.push_str(&mnemonic_of(insn));
                if let Some(value) = &insn.immediate {
                    out.push(' ');
                    out.push_str(&format_value_short(
                        value,
                        &self.labels,
                        LISTING_VALUE_LIMIT,
                    ));
                }
            }
            None => out.push_str(" (error code point: running it is an error)"),
        }
        if let Some(location) = self
            .labels
            .program_index(cp)
            .and_then(|i| self.debug.locations.get(i as usize).copied().flatten())
        {
            out.push_str(&format!("  ({})", self.debug.describe(location)));
        }
        out
    }

    /// Where the machine is: the next instruction, or why it cannot run.
    pub(super) fn where_text(&self) -> String {
        use avm_machine::Status;
        match self.machine.status() {
            Status::Halted => format!("halted after {} steps", self.machine.steps()),
            Status::ErrorStop => format!("stopped in error after {} steps", self.machine.steps()),
            Status::Running => format!("=> {}", self.describe_instruction(self.machine.pc())),
        }
    }
}
