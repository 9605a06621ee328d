//! The profiler: where a run spends its AVMGas and steps.
//!
//! Every step's gas is charged to the instruction that took it. A report groups
//! instructions into rows ([`Grouping`]): by source line (from the executable's debug
//! information) where there is one, or by code region, which runs from a named
//! instruction (see [`Labels`]) to the next one, so jump targets, functions and loops
//! become rows. Code created at run time is charged to its segment. The rows add up to
//! exactly the gas the run used.
//!
//! The same data gives a flamegraph: stacks `region;line;opcode` (or `region;opcode`
//! without debug information) weighted by gas.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;

use avm_code::{mnemonic_for_byte, DebugInfo, Opcode};
use avm_machine::{Control, Machine, Observer, StepOutcome};
use avm_value::CodePointRef;

use crate::text::mnemonic_of;
use crate::Labels;

/// Steps and gas charged to one place.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cost {
    /// Steps executed.
    pub steps: u64,
    /// AVMGas charged.
    pub gas: u64,
}

impl Cost {
    fn add(&mut self, other: Cost) {
        self.steps += other.steps;
        self.gas += other.gas;
    }
}

/// How a report groups instructions into rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Grouping {
    /// By source line where the executable records one (else by region).
    Line,
    /// By code region: from one named instruction to the next.
    Region,
}

/// Collects the cost of each instruction during a run.
#[derive(Debug, Default)]
pub struct Profiler {
    /// Cost by program instruction index.
    program: Vec<Cost>,
    /// Cost of code outside the program, by code point.
    other: HashMap<CodePointRef, Cost>,
    /// The step in flight: where it started and the gas used before it.
    pending: Option<(CodePointRef, u64)>,
    /// Instructions in the program.
    len: u64,
}

impl Profiler {
    /// A profiler for a program of `len` instructions.
    pub fn new(len: u64) -> Self {
        Profiler {
            program: vec![Cost::default(); len as usize + 1],
            len,
            ..Profiler::default()
        }
    }

    /// Total cost observed.
    pub fn total(&self) -> Cost {
        let mut total = Cost::default();
        for cost in self.program.iter().chain(self.other.values()) {
            total.add(*cost);
        }
        total
    }

    fn cost_at(&mut self, cp: CodePointRef) -> &mut Cost {
        let pc = u64::from(cp.pc);
        if cp.segment == 0 && pc <= self.len {
            let index = (self.len - pc) as usize;
            if let Some(cost) = self.program.get_mut(index) {
                return cost;
            }
        }
        self.other.entry(cp).or_default()
    }

    /// The report of what was observed, named with `labels` and `debug`, with rows
    /// grouped `by` source line or region.
    pub fn report(
        &self,
        machine: &Machine,
        labels: &Labels,
        debug: &DebugInfo,
        by: Grouping,
    ) -> Profile {
        let mut rows: BTreeMap<String, Cost> = BTreeMap::new();
        let mut stacks: BTreeMap<String, u64> = BTreeMap::new();
        let code = machine.code();
        let mut charge = |unit: String, frames: String, opcode: String, cost: Cost| {
            if cost.steps == 0 && cost.gas == 0 {
                return;
            }
            rows.entry(unit).or_default().add(cost);
            *stacks.entry(format!("{frames};{}", opcode)).or_default() += cost.gas;
        };
        for (index, cost) in self.program.iter().enumerate() {
            let index = index as u64;
            let opcode = code
                .program_code_point(index)
                .and_then(|cp| code.instruction(cp))
                .map_or_else(|| mnemonic_for_byte(Opcode::Error as u8), mnemonic_of);
            let region = match labels.region_of(index) {
                Some((_, name)) => name.to_owned(),
                None => "(entry)".to_owned(),
            };
            let location = debug
                .locations
                .get(index as usize)
                .copied()
                .flatten()
                .map(|loc| debug.describe(loc));
            match location {
                Some(line) => {
                    let frames = format!("{region};{line}");
                    let unit = match by {
                        Grouping::Line => line,
                        Grouping::Region => region,
                    };
                    charge(unit, frames, opcode, *cost);
                }
                None => charge(region.clone(), region, opcode, *cost),
            }
        }
        for (cp, cost) in &self.other {
            let unit = format!("<code segment {}>", cp.segment);
            let opcode = code
                .instruction(*cp)
                .map_or_else(|| mnemonic_for_byte(Opcode::Error as u8), mnemonic_of);
            charge(unit.clone(), unit, opcode, *cost);
        }
        let mut rows: Vec<(String, Cost)> = rows.into_iter().collect();
        rows.sort_by(|a, b| b.1.gas.cmp(&a.1.gas).then(b.1.steps.cmp(&a.1.steps)));
        Profile {
            rows,
            stacks,
            total: self.total(),
        }
    }
}

impl Observer for Profiler {
    #[inline]
    fn before_step(&mut self, machine: &Machine) -> Control {
        self.pending = Some((machine.pc(), machine.gas_used()));
        Control::Continue
    }

    fn after_step(&mut self, machine: &Machine, outcome: StepOutcome) {
        let Some((pc, gas_before)) = self.pending.take() else {
            return;
        };
        let steps = match outcome {
            StepOutcome::Blocked | StepOutcome::Stopped => 0,
            _ => 1,
        };
        let gas = machine.gas_used().saturating_sub(gas_before);
        self.cost_at(pc).add(Cost { steps, gas });
    }
}

/// A finished profile.
#[derive(Clone, Debug)]
pub struct Profile {
    /// Units (source lines or regions) with their cost, most gas first.
    pub rows: Vec<(String, Cost)>,
    /// Folded flamegraph stacks with the gas of each.
    pub stacks: BTreeMap<String, u64>,
    /// The sum of all rows.
    pub total: Cost,
}

impl Profile {
    /// The table of the `limit` costliest units, with a total line.
    pub fn table(&self, limit: usize) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        let _ = writeln!(out, "{:>14} {:>7} {:>12}  where", "gas", "gas %", "steps");
        let percent = |gas: u64| {
            if self.total.gas == 0 {
                0.0
            } else {
                gas as f64 * 100.0 / self.total.gas as f64
            }
        };
        for (unit, cost) in self.rows.iter().take(limit) {
            let _ = writeln!(
                out,
                "{:>14} {:>6.2}% {:>12}  {unit}",
                cost.gas,
                percent(cost.gas),
                cost.steps
            );
        }
        if self.rows.len() > limit {
            let rest = self.rows[limit..]
                .iter()
                .fold(Cost::default(), |mut acc, (_, c)| {
                    acc.add(*c);
                    acc
                });
            let _ = writeln!(
                out,
                "{:>14} {:>6.2}% {:>12}  ({} more)",
                rest.gas,
                percent(rest.gas),
                rest.steps,
                self.rows.len() - limit
            );
        }
        let _ = writeln!(
            out,
            "{:>14} {:>6.2}% {:>12}  total",
            self.total.gas, 100.0, self.total.steps
        );
        out
    }

    /// The folded stacks, one `frames gas` line each (the input format of flamegraph
    /// tools).
    pub fn folded(&self) -> Vec<String> {
        self.stacks
            .iter()
            .filter(|(_, gas)| **gas > 0)
            .map(|(stack, gas)| format!("{stack} {gas}"))
            .collect()
    }

    /// Writes the flamegraph SVG of the gas profile.
    pub fn write_flamegraph(&self, title: &str, out: impl Write) -> std::io::Result<()> {
        let lines = self.folded();
        if lines.is_empty() {
            return Err(std::io::Error::other(
                "the run used no gas, so there is nothing to draw",
            ));
        }
        let mut options = inferno::flamegraph::Options::default();
        options.title = title.to_owned();
        options.count_name = "AVMGas".to_owned();
        options.hash = true;
        options.deterministic = true;
        inferno::flamegraph::from_lines(&mut options, lines.iter().map(String::as_str), out)
    }
}
