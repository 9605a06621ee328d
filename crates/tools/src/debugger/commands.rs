//! The debugger's commands.

use std::collections::HashSet;
use std::fmt::Write;

use avm_code::Program;
use avm_machine::{Control, Machine, Observer, RunLimits, Stack, Status, StopReason};
use avm_value::CodePointRef;

use super::{Breakpoint, Debugger, Reply};
use crate::asm::parse_value_text;
use crate::text::{format_unsigned, format_value_short};

/// Longest value text `print` shows.
const PRINT_LIMIT: usize = 2000;
/// Most stack items `print stack` shows.
const STACK_ITEMS: usize = 32;

const HELP: &str = "\
step [N]         execute N instructions (default 1)            (s)
next             run to the instruction after this one          (n)
continue         run to a breakpoint, halt, error or empty inbox (c)
break WHERE      stop at WHERE: #12 (instruction), a label, or file:line   (b)
delete [ID]      remove breakpoint ID, or all
breakpoints      list breakpoints
print WHAT       stack | aux | register | static | gas | pc | sends | logs   (p)
hash             the machine hash
inbox VALUE      queue an inbox message, e.g. inbox (1, buffer(0x0102))
list [N]         show N instructions from here (default 8)      (l)
info             status, counters and queues
quit             end the session                                (q)
An empty line repeats the last step, next or continue.";

/// Pauses a run at breakpoints (and at one extra place, for `next`), but never before
/// the first step, so a run can leave the breakpoint it stands on.
struct Stops<'a> {
    at: &'a HashSet<CodePointRef>,
    also: Option<CodePointRef>,
    first: bool,
}

impl Observer for Stops<'_> {
    fn before_step(&mut self, machine: &Machine) -> Control {
        if std::mem::take(&mut self.first) {
            return Control::Continue;
        }
        let pc = machine.pc();
        if self.at.contains(&pc) || self.also == Some(pc) {
            Control::Pause
        } else {
            Control::Continue
        }
    }
}

impl Debugger {
    /// Executes one command line.
    pub fn execute(&mut self, line: &str) -> Reply {
        let mut line = line.trim().to_owned();
        if line.is_empty() {
            match &self.last_run_command {
                Some(last) => line = last.clone(),
                None => return reply(String::new()),
            }
        }
        let (command, rest) = match line.split_once(char::is_whitespace) {
            Some((c, r)) => (c, r.trim()),
            None => (line.as_str(), ""),
        };
        let text = match command {
            "step" | "s" | "next" | "n" | "continue" | "c" => {
                self.last_run_command = Some(line.clone());
                match command {
                    "step" | "s" => self.step(rest),
                    "next" | "n" => self.run_until(true),
                    _ => self.run_until(false),
                }
            }
            "break" | "b" => self.add_breakpoint(rest),
            "delete" | "d" => self.delete(rest),
            "breakpoints" => self.list_breakpoints(),
            "print" | "p" => self.print(rest),
            "hash" => self.machine.hash().to_string(),
            "inbox" => self.queue_message(rest),
            "list" | "l" => self.list(rest),
            "info" => self.info(),
            "help" | "h" | "?" => HELP.to_owned(),
            "quit" | "q" | "exit" => {
                return Reply {
                    text: String::new(),
                    quit: true,
                }
            }
            other => format!("unknown command `{other}` (try `help`)"),
        };
        reply(text)
    }

    fn step(&mut self, count: &str) -> String {
        let count: u64 = if count.is_empty() {
            1
        } else {
            match count.parse() {
                Ok(n) => n,
                Err(_) => return format!("`{count}` is not a number of steps"),
            }
        };
        let start = self.machine.steps();
        let mut blocked = false;
        while self.machine.steps() - start < count {
            if self.machine.status() != Status::Running || self.at_step_cap() {
                break;
            }
            if self.machine.step(&mut self.env) == avm_machine::StepOutcome::Blocked {
                blocked = true;
                break;
            }
        }
        let mut out = String::new();
        if blocked {
            out.push_str("blocked: waiting for an inbox message (queue one with `inbox VALUE`)\n");
        } else if self.at_step_cap() {
            out.push_str("stopped at the step limit\n");
        }
        out.push_str(&self.where_text());
        out
    }

    fn at_step_cap(&self) -> bool {
        self.max_steps
            .is_some_and(|max| self.machine.steps() >= max)
    }

    /// `continue`, or `next` (which also stops at the following instruction).
    fn run_until(&mut self, next: bool) -> String {
        if self.machine.status() != Status::Running {
            return self.where_text();
        }
        let at: HashSet<CodePointRef> = self.breakpoints.values().map(|b| b.at).collect();
        let here = self.machine.pc();
        let also = (next && here.pc > 0).then(|| CodePointRef::new(here.segment, here.pc - 1));
        let mut stops = Stops {
            at: &at,
            also,
            first: true,
        };
        let limits = RunLimits {
            max_steps: self.max_steps,
            max_gas: None,
        };
        let report = self
            .machine
            .run_observed(&mut self.env, &limits, &mut stops);
        let pc = self.machine.pc();
        let mut out = match report.reason {
            StopReason::Paused => match self.breakpoints.iter().find(|(_, b)| b.at == pc) {
                Some((id, _)) => format!("breakpoint {id}\n"),
                None => String::new(),
            },
            StopReason::Breakpoint => "breakpoint instruction\n".to_owned(),
            StopReason::Blocked => {
                "blocked: waiting for an inbox message (queue one with `inbox VALUE`)\n".to_owned()
            }
            StopReason::StepLimit => "stopped at the step limit\n".to_owned(),
            StopReason::Halted | StopReason::ErrorStop | StopReason::GasLimit => String::new(),
        };
        let _ = write!(
            out,
            "{}\n(ran {} steps, {} gas)",
            self.where_text(),
            report.steps,
            report.gas
        );
        out
    }

    fn add_breakpoint(&mut self, place: &str) -> String {
        if place.is_empty() {
            return "break where? give #INDEX, a label or FILE:LINE".to_owned();
        }
        match self.resolve_place(place) {
            Ok(index) => {
                let len = self.labels.instruction_count() as usize;
                let at = Program::code_point_of(len, index as usize);
                let id = self.next_id;
                self.next_id += 1;
                self.breakpoints.insert(id, Breakpoint { at });
                format!("breakpoint {id} at {}", self.describe_instruction(at))
            }
            Err(e) => e,
        }
    }

    fn delete(&mut self, id: &str) -> String {
        if id.is_empty() {
            let n = self.breakpoints.len();
            self.breakpoints.clear();
            return format!("deleted {n} breakpoints");
        }
        match id
            .parse::<u32>()
            .ok()
            .and_then(|i| self.breakpoints.remove(&i))
        {
            Some(_) => format!("deleted breakpoint {id}"),
            None => format!("no breakpoint {id}"),
        }
    }

    fn list_breakpoints(&self) -> String {
        if self.breakpoints.is_empty() {
            return "no breakpoints".to_owned();
        }
        self.breakpoints
            .iter()
            .map(|(id, b)| format!("{id}: {}", self.describe_instruction(b.at)))
            .collect::<Vec<_>>()
            .join("\n")
            + &format!("\n({} breakpoints)", self.breakpoints.len())
    }

    fn print(&mut self, what: &str) -> String {
        let short = |v| format_value_short(v, &self.labels, PRINT_LIMIT);
        match what {
            "stack" => self.print_stack(self.machine.stack(), "stack"),
            "aux" => self.print_stack(self.machine.aux_stack(), "aux stack"),
            "register" | "reg" => short(self.machine.register()),
            "static" => short(self.machine.static_value()),
            "gas" => format!(
                "gas used {}, remaining {}",
                self.machine.gas_used(),
                format_unsigned(self.machine.gas_remaining())
            ),
            "pc" => self.where_text(),
            "sends" => self
                .env
                .sends()
                .iter()
                .enumerate()
                .map(|(i, s)| format!("{i}: 0x{} (step {})", hex::encode(&s.value), s.at.step))
                .chain(std::iter::once(format!(
                    "({} sends)",
                    self.env.sends().len()
                )))
                .collect::<Vec<_>>()
                .join("\n"),
            "logs" => self
                .env
                .logs()
                .iter()
                .enumerate()
                .map(|(i, l)| format!("{i}: {} (step {})", short(&l.value), l.at.step))
                .chain(std::iter::once(format!("({} logs)", self.env.logs().len())))
                .collect::<Vec<_>>()
                .join("\n"),
            "" => "print what? stack, aux, register, static, gas, pc, sends or logs".to_owned(),
            other => format!(
                "cannot print `{other}`: try stack, aux, register, static, gas, pc, sends or logs"
            ),
        }
    }

    fn print_stack(&self, stack: &Stack, name: &str) -> String {
        if stack.is_empty() {
            return format!("{name} is empty");
        }
        let mut out = String::new();
        for depth in 0..stack.len().min(STACK_ITEMS) {
            if let Some(value) = stack.peek(depth) {
                let _ = writeln!(
                    out,
                    "{depth:>3}: {}",
                    format_value_short(value, &self.labels, PRINT_LIMIT)
                );
            }
        }
        if stack.len() > STACK_ITEMS {
            let _ = writeln!(out, "     ... {} more", stack.len() - STACK_ITEMS);
        }
        let _ = write!(out, "({} items, top first)", stack.len());
        out
    }

    fn queue_message(&mut self, text: &str) -> String {
        if text.is_empty() {
            return "inbox what? give a value, e.g. inbox (1, buffer(0x0102))".to_owned();
        }
        match parse_value_text(text, &self.labels, &self.limits) {
            Ok(value) => {
                self.env.push_message(value);
                format!("queued; {} message(s) waiting", self.env.inbox.len())
            }
            Err(e) => format!("bad value: column {}: {}", e.column, e.message),
        }
    }

    fn list(&self, count: &str) -> String {
        let count: u32 = count.parse().unwrap_or(8);
        let pc = self.machine.pc();
        let mut out = Vec::new();
        let mut cp = pc;
        for _ in 0..count {
            if self.machine.code().instruction(cp).is_none() {
                break;
            }
            let mark = if cp == pc { "=>" } else { "  " };
            out.push(format!("{mark} {}", self.describe_instruction(cp)));
            if cp.pc == 0 {
                break;
            }
            cp = CodePointRef::new(cp.segment, cp.pc - 1);
        }
        if out.is_empty() {
            return self.where_text();
        }
        out.join("\n")
    }

    fn info(&mut self) -> String {
        let m = &self.machine;
        let position = m.inbox_position();
        format!(
            "status {}\n{}\nsteps {}, gas used {}\ninbox: {} consumed, {} waiting\n{} sends, {} logs, {} breakpoints",
            m.status().name(),
            self.where_text(),
            m.steps(),
            m.gas_used(),
            position.consumed,
            self.env.inbox.len(),
            self.env.sends().len(),
            self.env.logs().len(),
            self.breakpoints.len()
        )
    }
}

fn reply(text: String) -> Reply {
    Reply { text, quit: false }
}
