//! The block engine: runs a machine a basic block at a time.
//!
//! Each code point carries a [`Ready`] record, made when its instruction was added to
//! its segment, describing the block that starts there: how many instructions follow
//! one another, their total AVMGas, and how deep both stacks must be for none of them
//! to underflow. On entry to a block the engine checks once what the per-step rules
//! (step.rs, the reference engine) check before every instruction: the step limit, the
//! gas cap, AVMGas remaining, and the stack depths. If all pass, no instruction in the
//! block can underflow, run out of gas or pass a limit, so the engine charges the whole
//! block, marks the stack digests once, and runs the instructions back to back. If any
//! check fails, or the instruction must run alone, the reference engine takes one step.
//!
//! Each record also names the instruction's fast form ([`avm_code::Form`]): its opcode
//! together with the kind of its immediate, and a slot number where the immediate is
//! one, so the engine dispatches on one byte and reads the instruction's immediate only
//! for the forms that use its value. When fast forms end a block, the next block starts
//! right there if it is admitted under the same limits, without going back to the run
//! loop.
//!
//! An instruction inside a block can still raise an Error (a wrong operand type,
//! division by zero): the engine then gives back the AVMGas of the instructions it did
//! not reach and lets the reference rules finish that step, so every observable result
//! (steps, gas used, AVMGas remaining, stacks, registers, hashes) is the one the
//! reference engine produces. The differential tests run both side by side.

mod forms;

use avm_code::Ready;
use avm_value::Int;

use crate::ops::Flow;
use crate::step::execute;
use crate::{Environment, Machine, RunLimits, RunReport, StepOutcome, StopReason};
use forms::Fast;

/// Why [`Machine::run_fast_forms`] returned.
enum Leave {
    /// The block ended with this outcome of its last step.
    Ended(StepOutcome),
    /// The block ended by fast forms alone, its last step executed: the machine is at
    /// the code point that follows it (or that it jumped to), where the next block may
    /// start without going back to the run loop.
    Passed,
    /// The instruction at the current code point needs its general handler.
    General(avm_code::Opcode, Option<avm_value::Value>),
}

impl Machine {
    /// Runs with the block engine; see the module documentation.
    pub(crate) fn run_blocks(
        &mut self,
        env: &mut impl Environment,
        limits: &RunLimits,
    ) -> RunReport {
        let max_steps = limits.max_steps.unwrap_or(u64::MAX);
        self.drive(limits, |m, gas_cap| {
            match m.block_here(max_steps, gas_cap) {
                Some(ready) => Ok(m.run_block(ready, env, max_steps, gas_cap)),
                None => m.step_within(env, gas_cap).ok_or(StopReason::GasLimit),
            }
        })
    }

    /// The block starting at the current code point, if it may run as a block now:
    /// within the step limit and the gas cap, paid for by the low 64 bits of AVMGas
    /// remaining, and with both stacks deep enough.
    #[inline(always)]
    fn block_here(&self, max_steps: u64, gas_cap: u64) -> Option<Ready> {
        let ready = *self
            .code
            .segment(self.pc.segment)?
            .ready()
            .get(self.pc.pc as usize)?;
        let fits = ready.block_len != 0
            && u64::from(ready.block_len) <= max_steps - self.steps
            // checked, not saturating: a gas_used near u64::MAX (a restored machine can
            // have one) saturates step by step in the reference rules, which a refund
            // after a saturated block charge would not reproduce.
            && self
                .gas_used
                .checked_add(ready.block_gas)
                .is_some_and(|used| used <= gas_cap)
            && self.gas_remaining.as_limbs()[0] >= ready.block_gas
            && self.stack.len() >= ready.need as usize
            && self.aux.len() >= ready.aux_need as usize;
        fits.then_some(ready)
    }

    /// Runs the block `ready` describes, which [`Machine::block_here`] admitted, and
    /// the blocks after it while fast forms end each one and the next is admitted
    /// under the same limits (what the run loop would do, without going back to it:
    /// nothing a fast form does can change the machine's status); returns the outcome
    /// of the last step.
    #[inline(always)]
    fn run_block(
        &mut self,
        ready: Ready,
        env: &mut impl Environment,
        max_steps: u64,
        gas_cap: u64,
    ) -> StepOutcome {
        let mut left = self.enter_block(&ready);
        loop {
            let (op, immediate) = match self.run_fast_forms(&mut left) {
                Leave::Ended(outcome) => return outcome,
                Leave::Passed => match self.block_here(max_steps, gas_cap) {
                    Some(next) => {
                        left = self.enter_block(&next);
                        continue;
                    }
                    None => return StepOutcome::Executed,
                },
                Leave::General(op, immediate) => (op, immediate),
            };
            let has_immediate = immediate.is_some();
            if let Some(value) = immediate {
                self.stack.push(value);
            }
            let result = execute(self, op, env);
            match result {
                Ok(Flow::Next) if left != 0 => {
                    self.pc.pc -= 1;
                    self.steps += 1;
                }
                result => {
                    if left != 0 || result.is_err() {
                        self.refund_rest_of_block();
                    }
                    let info = op.info();
                    return self.complete(
                        result,
                        info.gas,
                        has_immediate,
                        usize::from(info.pops),
                        usize::from(info.aux_pops),
                    );
                }
            }
        }
    }

    /// Charges the block `ready` describes and marks the stack items it may change;
    /// returns its instruction count.
    #[inline(always)]
    fn enter_block(&mut self, ready: &Ready) -> u32 {
        let [low, a, b, c] = *self.gas_remaining.as_limbs();
        self.gas_remaining = Int::from_limbs([low - ready.block_gas, a, b, c]);
        // No overflow: Machine::block_here checked gas_used + block_gas.
        self.gas_used += ready.block_gas;
        self.stack.touch(self.stack.len() - ready.need as usize);
        self.aux.touch(self.aux.len() - ready.aux_need as usize);
        ready.block_len
    }

    /// Runs instructions of the current block by their fast forms while they have
    /// one; returns the block's outcome if it ended, or the opcode and immediate of the
    /// instruction at the current code point that needs its general handler (`left`
    /// counts it).
    #[inline(always)]
    fn run_fast_forms(&mut self, left: &mut u32) -> Leave {
        let Some(segment) = self.code.segment(self.pc.segment) else {
            // Unreachable: a block lies within one segment, above its tail, and nothing
            // in a block changes code.
            return Leave::Ended(StepOutcome::Executed);
        };
        let (ready, insns) = (segment.ready(), segment.instructions());
        // The code point and the step count live in locals while the block runs and are
        // written back when it leaves this loop.
        let mut pc = self.pc.pc;
        let mut done = 0u64;
        let outcome = loop {
            *left -= 1;
            let (Some(record), Some(insn)) = (ready.get(pc as usize), insns.get(pc as usize))
            else {
                // Unreachable, as above.
                break Leave::Ended(StepOutcome::Executed);
            };
            let fused = match record.form.is_fused() {
                true => record.fused.instructions(),
                false => 0,
            };
            if fused != 0 && fused <= *left + 1 {
                // In bounds: a fused run lies within the block, above the segment's tail.
                let second = ready.get((pc as usize).wrapping_sub(1));
                if second
                    .is_some_and(|second| forms::run_fused(record.fused, second, &mut self.stack))
                {
                    // The fused instructions are all in this block (the loader only
                    // fuses within one), so pc stays above the segment's tail.
                    *left -= fused - 1;
                    pc -= fused;
                    done += u64::from(fused);
                    if *left == 0 {
                        break Leave::Passed;
                    }
                    continue;
                }
            }
            let fast = forms::run(
                record,
                &insn.immediate,
                &self.code,
                &self.register,
                &mut self.stack,
                &mut self.aux,
            );
            match fast {
                Fast::Next => {
                    pc -= 1;
                    done += 1;
                    if *left == 0 {
                        break Leave::Passed;
                    }
                }
                Fast::Jump(dest) => {
                    self.steps += done + 1;
                    self.pc = dest;
                    return Leave::Passed;
                }
                Fast::General => break Leave::General(record.op, insn.immediate.clone()),
            }
        };
        self.pc.pc = pc;
        self.steps += done;
        outcome
    }

    /// Gives back the AVMGas charged for the instructions of the current block after
    /// the current one, which will not run as part of it.
    fn refund_rest_of_block(&mut self) {
        let ready = self
            .code
            .segment(self.pc.segment)
            .and_then(|s| s.ready().get(self.pc.pc as usize));
        let Some(ready) = ready else { return };
        let rest = ready.block_gas.saturating_sub(ready.own_gas());
        let [low, a, b, c] = *self.gas_remaining.as_limbs();
        self.gas_remaining = Int::from_limbs([low + rest, a, b, c]);
        self.gas_used -= rest;
    }
}
