//! A line-oriented debugger: one command per line in, plain text out, so it serves a
//! person at a terminal and a script on a pipe alike.
//!
//! Commands (`help` lists them): `step [N]`, `next`, `continue`, `break WHERE`,
//! `delete [ID]`, `breakpoints`, `print stack|aux|register|static|gas|pc|sends|logs`,
//! `hash`, `inbox VALUE`, `list [N]`, `info`, `quit`. WHERE is an instruction index
//! (`12` or `#12`), a label (`loop`, `L40`) or a source line (`fib.avm:7`). An empty
//! line repeats the last `step`, `next` or `continue`.

mod commands;
mod places;

use std::collections::BTreeMap;
use std::io::{BufRead, Write};

use avm_code::{DebugInfo, Program};
use avm_machine::{Machine, RuntimeEnv};
use avm_value::{CodePointRef, Value, ValueLimits};

use crate::Labels;

/// A breakpoint: where, and how the user named it.
#[derive(Clone, Debug)]
struct Breakpoint {
    at: CodePointRef,
}

/// A debugging session over one machine.
pub struct Debugger {
    machine: Machine,
    env: RuntimeEnv,
    labels: Labels,
    debug: DebugInfo,
    breakpoints: BTreeMap<u32, Breakpoint>,
    next_id: u32,
    last_run_command: Option<String>,
    /// Bounds on values typed in with `inbox`.
    pub limits: ValueLimits,
    /// A cap on the machine's total steps, so `continue` cannot spin forever when a
    /// script drives the debugger (None: no cap).
    pub max_steps: Option<u64>,
}

/// What a command did.
#[derive(Debug)]
pub struct Reply {
    /// Text for the user (may be empty).
    pub text: String,
    /// The session is over.
    pub quit: bool,
}

impl Debugger {
    /// A session on a fresh machine for `program`, with `inbox` queued.
    pub fn new(program: Program, inbox: Vec<Value>) -> Debugger {
        let labels = Labels::for_program(&program);
        let debug = program.debug.clone();
        Debugger {
            machine: Machine::new(program),
            env: RuntimeEnv::with_inbox(inbox),
            labels,
            debug,
            breakpoints: BTreeMap::new(),
            next_id: 1,
            last_run_command: None,
            limits: ValueLimits::default(),
            max_steps: None,
        }
    }

    /// The machine being debugged.
    pub fn machine(&self) -> &Machine {
        &self.machine
    }

    /// Reads commands from `input` until `quit` or the end of input, writing replies
    /// to `out`; with `prompt`, shows `(avm) ` before each command.
    pub fn run_session(
        &mut self,
        input: impl BufRead,
        out: &mut impl Write,
        prompt: bool,
    ) -> std::io::Result<()> {
        writeln!(out, "{}", self.where_text())?;
        let mut lines = input.lines();
        loop {
            if prompt {
                write!(out, "(avm) ")?;
                out.flush()?;
            }
            let Some(line) = lines.next() else { break };
            let reply = self.execute(&line?);
            if !reply.text.is_empty() {
                writeln!(out, "{}", reply.text.trim_end())?;
            }
            out.flush()?;
            if reply.quit {
                break;
            }
        }
        Ok(())
    }
}
