//! A party's own run, seen at AVMGas offsets: the cut at gas g is the first state
//! whose gas used is at least g, or unreachable if the run halts, errors, blocks, or
//! would read more than the assertion's messages first.
//!
//! Snapshots of the machine are kept at the offsets asked for, so each round runs only
//! the chunk in dispute from its start (about N·(1 + 1/400 + ...) gas for N disputed),
//! never the whole run again.

use std::collections::BTreeMap;

use avm_machine::{Machine, RunLimits, RuntimeEnv, Status, StepOutcome, StopReason};
use avm_prover::classic::execution_state;
use avm_value::{Hash, Value};
use avm_verifier::classic::ExecutionState;

use super::hash::cut_hash_or_unreachable;

/// The cut at one offset: the state reached (None: unreachable) and the steps taken to
/// reach it (or to where the run stopped).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cut {
    /// The first state whose gas used reaches the offset, if the run reaches it.
    pub state: Option<ExecutionState>,
    /// Steps from the machine's creation to that state (or to the stop).
    pub steps: u64,
}

impl Cut {
    /// The cut hash the contract compares (zero when unreachable).
    pub fn hash(&self) -> Hash {
        cut_hash_or_unreachable(self.state.as_ref())
    }
}

/// A machine's run over an inbox limited to a message count, with snapshots at cuts.
#[derive(Clone)]
pub struct ClassicExecution {
    inbox: Vec<Value>,
    snapshots: BTreeMap<u64, (Machine, Cut)>,
    base: u64,
    executed: u64,
}

impl ClassicExecution {
    /// The run of `start` reading at most `max_messages` of `inbox`.
    pub fn new(mut start: Machine, inbox: &[Value], max_messages: u64) -> ClassicExecution {
        let limit = usize::try_from(max_messages).unwrap_or(usize::MAX);
        let inbox: Vec<Value> = inbox.iter().take(limit).cloned().collect();
        let base = start.gas_used();
        let cut = Cut {
            state: Some(execution_state(&mut start)),
            steps: start.steps(),
        };
        let mut snapshots = BTreeMap::new();
        snapshots.insert(base, (start, cut));
        ClassicExecution {
            inbox,
            snapshots,
            base,
            executed: 0,
        }
    }

    /// The gas at which the run starts.
    pub fn base(&self) -> u64 {
        self.base
    }

    /// Steps executed so far (re-runs included).
    pub fn steps_executed(&self) -> u64 {
        self.executed
    }

    /// The inbox the run reads (already limited).
    pub fn inbox(&self) -> &[Value] {
        &self.inbox
    }

    /// The cut at `gas`.
    pub fn cut_at(&mut self, gas: u64) -> Cut {
        self.cuts_at(&[gas]).pop().unwrap_or(Cut {
            state: None,
            steps: 0,
        })
    }

    /// The cuts at ascending `offsets`, each run from the nearest snapshot at or
    /// before it; a snapshot is kept at each.
    pub fn cuts_at(&mut self, offsets: &[u64]) -> Vec<Cut> {
        let mut out = Vec::with_capacity(offsets.len());
        let mut current: Option<(u64, Machine, Cut)> = None;
        for &gas in offsets {
            if let Some((_, cut)) = self.snapshots.get(&gas) {
                out.push(*cut);
                continue;
            }
            let reuse = matches!(&current, Some((at, _, _)) if *at <= gas);
            if !reuse {
                let Some((&at, (m, c))) = self.snapshots.range(..=gas).next_back() else {
                    // Before the run's start: the start itself is the first state.
                    let start = self.snapshots.get(&self.base).map(|(_, c)| *c);
                    out.push(start.unwrap_or(Cut {
                        state: None,
                        steps: 0,
                    }));
                    continue;
                };
                current = Some((at, m.clone(), *c));
            }
            let Some((at, machine, cut)) = current.as_mut() else {
                continue;
            };
            if cut.state.is_some() {
                *cut = self.advance(machine, gas);
            }
            *at = gas;
            out.push(*cut);
            self.snapshots.insert(gas, (machine.clone(), *cut));
        }
        out
    }

    /// The machine in the cut state at `gas` (None if unreachable).
    pub fn machine_at(&mut self, gas: u64) -> Option<Machine> {
        let cut = self.cut_at(gas);
        cut.state?;
        self.snapshots.get(&gas).map(|(m, _)| m.clone())
    }

    /// Forgets snapshots outside `[from, to]`, except the start.
    pub fn keep_only(&mut self, from: u64, to: u64) {
        let base = self.base;
        self.snapshots
            .retain(|gas, _| *gas == base || (from..=to).contains(gas));
    }

    /// Runs `machine` to the first state whose gas used is at least `gas`.
    fn advance(&mut self, machine: &mut Machine, gas: u64) -> Cut {
        let before = machine.steps();
        let consumed = usize::try_from(machine.inbox_position().consumed).unwrap_or(usize::MAX);
        let mut env =
            RuntimeEnv::with_inbox(self.inbox.get(consumed..).unwrap_or_default().to_vec());
        let reached = run_to_gas(machine, &mut env, gas);
        self.executed = self
            .executed
            .saturating_add(machine.steps().saturating_sub(before));
        Cut {
            state: reached.then(|| execution_state(machine)),
            steps: machine.steps(),
        }
    }

    /// Runs from the start until the machine stops (halt, ErrorStop, blocked on the
    /// limited inbox) or its gas used reaches `budget`, and returns that gas.
    pub fn stop_gas(&self, budget: Option<u64>) -> u64 {
        let Some((machine, _)) = self.snapshots.get(&self.base) else {
            return self.base;
        };
        let mut machine = machine.clone();
        // A start taken mid-run has read some messages already: it reads on from there.
        let consumed = usize::try_from(machine.inbox_position().consumed).unwrap_or(usize::MAX);
        let mut env =
            RuntimeEnv::with_inbox(self.inbox.get(consumed..).unwrap_or_default().to_vec());
        let limits = RunLimits {
            max_steps: None,
            max_gas: budget.map(|b| b.saturating_sub(1)),
        };
        loop {
            match machine.run(&mut env, &limits).reason {
                StopReason::Breakpoint | StopReason::StepLimit | StopReason::Paused => continue,
                StopReason::GasLimit => {
                    machine.step(&mut env);
                    break;
                }
                StopReason::Halted | StopReason::ErrorStop | StopReason::Blocked => break,
            }
        }
        machine.gas_used()
    }
}

/// Runs `machine` on `env` to the first state whose gas used is at least `gas` (the
/// cut the Challenge and Rollup contracts mean by a gas figure); false if it stops
/// first: halts, errors, or blocks on `env`'s inbox.
pub fn run_to_gas(machine: &mut Machine, env: &mut RuntimeEnv, gas: u64) -> bool {
    loop {
        if machine.gas_used() >= gas {
            return true;
        }
        if machine.status() != Status::Running {
            return false;
        }
        let limits = RunLimits {
            max_steps: None,
            max_gas: Some(gas.saturating_sub(1)),
        };
        match machine.run(env, &limits).reason {
            StopReason::Halted | StopReason::ErrorStop | StopReason::Blocked => return false,
            StopReason::GasLimit => match machine.step(env) {
                StepOutcome::Blocked | StepOutcome::Stopped => return false,
                StepOutcome::Executed | StepOutcome::Faulted(_) | StepOutcome::Breakpoint => {}
            },
            StopReason::Breakpoint | StopReason::StepLimit | StopReason::Paused => {}
        }
    }
}
