//! Names for code: what the disassembler, debugger, tracer and profiler call an
//! instruction.
//!
//! An instruction gets a name when the program names it: a label kept by the assembler
//! (the executable's `labels`), or else `L<index>` when some code point value in the
//! program (an immediate or the static value) points at it. `end` is the error code
//! point behind the last instruction. Every tool uses this one table, so a name seen in
//! a disassembly works as a debugger breakpoint and as a profile row.

use std::collections::{BTreeMap, HashMap};

use avm_code::{Code, DebugInfo, Program};
use avm_value::{CodePointRef, Value};

/// The reserved name of the code point behind the last instruction (the error code
/// point of a freshly loaded program).
pub const END: &str = "end";

/// The names of a program's instructions.
#[derive(Clone, Debug, Default)]
pub struct Labels {
    /// The name each named instruction is shown with.
    primary: BTreeMap<u64, String>,
    /// Every name (user labels, generated ones, `end`) to its instruction index.
    by_name: HashMap<String, u64>,
    /// Number of instructions of the program.
    len: u64,
}

impl Labels {
    /// The names of `program`'s instructions.
    pub fn for_program(program: &Program) -> Labels {
        Labels::new(&program.code, &program.static_value, &program.debug)
    }

    /// The names of the instructions of a program given by its parts (for a machine,
    /// which owns the code and static value).
    pub fn new(code: &Code, static_value: &Value, debug: &DebugInfo) -> Labels {
        let len = u64::from(code.program_len());
        let mut labels = Labels {
            len,
            ..Labels::default()
        };
        for (name, index) in &debug.labels {
            labels.by_name.insert(name.clone(), *index);
            labels.primary.entry(*index).or_insert_with(|| name.clone());
        }
        for index in referenced_instructions(code, static_value) {
            if index >= len || labels.primary.contains_key(&index) {
                continue;
            }
            let mut name = format!("L{index}");
            while labels.by_name.contains_key(&name) {
                name.push('_');
            }
            labels.by_name.insert(name.clone(), index);
            labels.primary.insert(index, name);
        }
        labels.by_name.insert(END.to_owned(), len);
        labels
    }

    /// The name instruction `index` is shown with, if it has one.
    pub fn name_of(&self, index: u64) -> Option<&str> {
        if index == self.len {
            return Some(END);
        }
        self.primary.get(&index).map(String::as_str)
    }

    /// The instruction a name stands for.
    pub fn index_of(&self, name: &str) -> Option<u64> {
        self.by_name.get(name).copied()
    }

    /// The nearest named instruction at or before `index` (the region a profile
    /// charges it to), if any.
    pub fn region_of(&self, index: u64) -> Option<(u64, &str)> {
        self.primary
            .range(..=index)
            .next_back()
            .map(|(i, name)| (*i, name.as_str()))
    }

    /// Every name (user labels and generated ones) of instruction `index`, shown name
    /// first.
    pub fn names_of(&self, index: u64) -> Vec<&str> {
        let mut names: Vec<&str> = self
            .by_name
            .iter()
            .filter(|(name, i)| **i == index && name.as_str() != END)
            .map(|(name, _)| name.as_str())
            .collect();
        names.sort_unstable();
        if let Some(primary) = self.primary.get(&index) {
            names.retain(|n| *n != primary.as_str());
            names.insert(0, primary.as_str());
        }
        names
    }

    /// How to write code point `cp` of the program: its name, or `L<index>` for an
    /// unnamed instruction, or `<code s:p>` for code that is not the program's.
    pub fn describe(&self, cp: CodePointRef) -> String {
        match self.program_index(cp) {
            Some(index) => match self.name_of(index) {
                Some(name) => name.to_owned(),
                None => format!("L{index}"),
            },
            None => format!("<code {}:{}>", cp.segment, cp.pc),
        }
    }

    /// The instruction index of a code point of the program (segment 0).
    pub fn program_index(&self, cp: CodePointRef) -> Option<u64> {
        let pc = u64::from(cp.pc);
        (cp.segment == 0 && pc <= self.len).then(|| self.len - pc)
    }

    /// Every name with its instruction index.
    pub(crate) fn names(&self) -> &HashMap<String, u64> {
        &self.by_name
    }

    /// Number of instructions of the program.
    pub fn instruction_count(&self) -> u64 {
        self.len
    }
}

/// Instruction indexes that code point values in the program name.
fn referenced_instructions(code: &Code, static_value: &Value) -> Vec<u64> {
    let len = u64::from(code.program_len());
    let mut found = Vec::new();
    let mut work: Vec<&Value> = vec![static_value];
    for index in 0..len {
        if let Some(imm) = code
            .program_code_point(index)
            .and_then(|cp| code.instruction(cp))
            .and_then(|insn| insn.immediate.as_ref())
        {
            work.push(imm);
        }
    }
    while let Some(value) = work.pop() {
        match value {
            Value::CodePoint(cp) => {
                if let Some(index) = code.program_index(*cp) {
                    found.push(index);
                }
            }
            Value::Tuple(t) => work.extend(t.items()),
            Value::Int(_) | Value::Buffer(_) => {}
        }
    }
    found.sort_unstable();
    found.dedup();
    found
}
