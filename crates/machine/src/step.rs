//! The step engine: one instruction, with the spec's rules for immediates, stack
//! underflow, AVMGas, blocking and Errors, as the deployed AVM applies them
//! (MachineState::runOne in machinestate.cpp).
//!
//! For the instruction at the current code point:
//! 1. Its immediate, if any, is pushed.
//! 2. If either stack holds fewer items than the opcode pops: an Error; the `error`
//!    cost (5) is charged (AVMGas remaining becomes MaxUint256 if it was below 5).
//! 3. The cost is the table's (plus 500000 per pair for `ecpairing`); 5 for bytes that
//!    are no opcode. If AVMGas remaining is below it, remaining becomes MaxUint256, an
//!    Error is raised without executing, and gas_used grows by 5, as the C++ counts it.
//! 4. Otherwise the cost is deducted and the instruction runs. One that blocks (an
//!    empty inbox) is undone entirely: gas refunded, immediate removed, no step counted.
//! 5. An Error removes what the opcode pops (what is there, on underflow) from each
//!    stack; then, if the Error CodePoint register holds the error code point, the
//!    machine enters ErrorStop, else execution continues at the register's code point.

use avm_code::{info_for_byte, Opcode, OPCODES};
use avm_value::{error_code_point_hash, CodeView, Int};

use crate::ops::{self, Fault, Flow, OpResult};
use crate::{Environment, Machine, Status};

pub use avm_code::opcode::ERROR_GAS;

/// What one call to [`Machine::step`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepOutcome {
    /// An instruction ran to completion.
    Executed,
    /// An instruction raised an Error (now handled: a jump to the handler, or
    /// ErrorStop).
    Faulted(Fault),
    /// A `breakpoint` ran; the caller gets control back.
    Breakpoint,
    /// The instruction is blocked on an empty inbox; nothing changed.
    Blocked,
    /// The machine is halted or in ErrorStop and cannot step.
    Stopped,
}

/// What the next step will be charged, and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Charge {
    /// A stack holds too few items: an Error, charged as `error`.
    Underflow,
    /// AVMGas remaining is below the cost: an Error, counted as `error` in gas_used.
    OutOfGas,
    /// The instruction runs (or, for bytes that are no opcode, raises an Error) at this
    /// cost.
    Runs(u64),
}

impl Charge {
    /// What gas_used grows by.
    pub fn gas(self) -> u64 {
        match self {
            Charge::Underflow | Charge::OutOfGas => ERROR_GAS,
            Charge::Runs(cost) => cost,
        }
    }
}

impl Machine {
    /// How the next step will be charged, or None if the machine is not running.
    pub fn next_charge(&self) -> Option<Charge> {
        if self.status != Status::Running {
            return None;
        }
        let (opcode, has_immediate) = match self.code.instruction(self.pc) {
            Some(insn) => (insn.opcode, insn.immediate.is_some()),
            None => (0, false),
        };
        let info = info_for_byte(opcode);
        let len = self.stack.len() + usize::from(has_immediate);
        if len < usize::from(info.pops) || self.aux.len() < usize::from(info.aux_pops) {
            return Some(Charge::Underflow);
        }
        let cost = self.cost(opcode, has_immediate);
        if self.gas_remaining < Int::from(cost) {
            Some(Charge::OutOfGas)
        } else {
            Some(Charge::Runs(cost))
        }
    }

    /// The AVMGas the next step would add to gas_used (0 if it cannot run).
    pub fn next_step_gas(&self) -> u64 {
        self.next_charge().map_or(0, Charge::gas)
    }

    /// The cost of `opcode` with the current stack (the immediate, if any, counted as
    /// pushed when `immediate_pending`).
    fn cost(&self, opcode: u8, immediate_pending: bool) -> u64 {
        // In bounds: OPCODES has 256 rows, one per u8.
        match OPCODES[opcode as usize] {
            None => ERROR_GAS,
            Some(info) if info.opcode == Opcode::EcPairing => {
                let extra = if immediate_pending {
                    match self
                        .code
                        .instruction(self.pc)
                        .and_then(|i| i.immediate.as_ref())
                    {
                        Some(imm) => ops::ec::ecpairing_extra_gas(std::slice::from_ref(imm)),
                        None => 0,
                    }
                } else {
                    ops::ec::ecpairing_extra_gas(self.stack.values())
                };
                info.gas + extra
            }
            Some(info) => info.gas,
        }
    }

    /// Executes one instruction.
    pub fn step(&mut self, env: &mut impl Environment) -> StepOutcome {
        self.step_within(env, u64::MAX)
            .unwrap_or(StepOutcome::Stopped)
    }

    /// Executes one instruction unless it would take gas_used above `gas_cap`; None
    /// means it did not run (and nothing changed) for that reason.
    #[inline(always)]
    pub(crate) fn step_within(
        &mut self,
        env: &mut impl Environment,
        gas_cap: u64,
    ) -> Option<StepOutcome> {
        if self.status != Status::Running {
            return Some(StepOutcome::Stopped);
        }
        let (opcode, immediate) = match self.code.instruction(self.pc) {
            Some(insn) => (insn.opcode, insn.immediate.as_ref()),
            None => (0, None),
        };
        let has_immediate = immediate.is_some();
        // In bounds: OPCODES has 256 rows, one per u8.
        let row = OPCODES[opcode as usize].as_ref();
        let info = row.unwrap_or(Opcode::Error.info());
        let pops = usize::from(info.pops);
        let aux_pops = usize::from(info.aux_pops);
        let len = self.stack.len() + usize::from(has_immediate);
        let aux_len = self.aux.len();
        if len < pops || aux_len < aux_pops {
            if self.gas_used.saturating_add(ERROR_GAS) > gas_cap {
                return None;
            }
            if let Some(value) = immediate {
                self.stack.push(value.clone());
            }
            match self.gas_remaining.checked_sub(Int::from(ERROR_GAS)) {
                Some(rest) => self.gas_remaining = rest,
                None => self.gas_remaining = Int::MAX,
            }
            self.gas_used = self.gas_used.saturating_add(ERROR_GAS);
            return Some(self.raise(Fault::StackUnderflow, pops, aux_pops));
        }
        let cost = match row {
            Some(info) if info.opcode == Opcode::EcPairing => self.cost(opcode, has_immediate),
            Some(info) => info.gas,
            None => ERROR_GAS,
        };
        let rest = remaining_after(&self.gas_remaining, cost);
        let charge = if rest.is_some() { cost } else { ERROR_GAS };
        if self.gas_used.saturating_add(charge) > gas_cap {
            return None;
        }
        if let Some(value) = immediate {
            self.stack.push(value.clone());
        }
        let Some(rest) = rest else {
            self.gas_remaining = Int::MAX;
            self.gas_used = self.gas_used.saturating_add(ERROR_GAS);
            return Some(self.raise(Fault::OutOfGas, pops, aux_pops));
        };
        self.gas_remaining = rest;
        self.gas_used = self.gas_used.saturating_add(cost);
        self.stack.touch(len - pops);
        self.aux.touch(aux_len - aux_pops);
        let Some(info) = row else {
            return Some(self.raise(Fault::InvalidOpcode, pops, aux_pops));
        };
        let result = execute(self, info.opcode, env);
        Some(self.complete(result, cost, has_immediate, pops, aux_pops))
    }

    /// Finishes a step whose instruction ran (its cost charged, its immediate pushed):
    /// moves to the next code point, jumps, halts, undoes a blocked step, or raises
    /// the instruction's Error.
    #[inline(always)]
    pub(crate) fn complete(
        &mut self,
        result: OpResult,
        cost: u64,
        has_immediate: bool,
        pops: usize,
        aux_pops: usize,
    ) -> StepOutcome {
        match result {
            Ok(Flow::Next) => {
                self.pc.pc = self.pc.pc.saturating_sub(1);
                self.steps += 1;
                StepOutcome::Executed
            }
            Ok(Flow::Jump(dest)) => {
                self.pc = dest;
                self.steps += 1;
                StepOutcome::Executed
            }
            Ok(Flow::Halt) => {
                self.status = Status::Halted;
                self.steps += 1;
                StepOutcome::Executed
            }
            Ok(Flow::Breakpoint) => {
                self.pc.pc = self.pc.pc.saturating_sub(1);
                self.steps += 1;
                StepOutcome::Breakpoint
            }
            Ok(Flow::Block) => {
                self.gas_remaining = self.gas_remaining.wrapping_add(Int::from(cost));
                self.gas_used -= cost;
                if has_immediate {
                    self.stack.items_mut().pop();
                }
                StepOutcome::Blocked
            }
            Err(fault) => self.raise(fault, pops, aux_pops),
        }
    }

    /// Raises an Error: removes the popped items (all there are, on underflow) and
    /// continues at the error handler, or enters ErrorStop if there is none.
    pub(crate) fn raise(&mut self, fault: Fault, pops: usize, aux_pops: usize) -> StepOutcome {
        let len = self.stack.len();
        self.stack.truncate(len.saturating_sub(pops));
        let aux_len = self.aux.len();
        self.aux.truncate(aux_len.saturating_sub(aux_pops));
        if self.code.code_point_hash(self.err_pc) == error_code_point_hash() {
            self.status = Status::ErrorStop;
        } else {
            self.pc = self.err_pc;
        }
        self.steps += 1;
        StepOutcome::Faulted(fault)
    }
}

/// AVMGas remaining after paying `cost`, or None if there is not enough. The common
/// case (the low 64 bits cover the cost) touches one limb.
#[inline(always)]
fn remaining_after(remaining: &Int, cost: u64) -> Option<Int> {
    let [low, a, b, c] = *remaining.as_limbs();
    if low >= cost {
        Some(Int::from_limbs([low - cost, a, b, c]))
    } else {
        remaining.checked_sub(Int::from(cost))
    }
}

/// Runs the handler of `op`; the immediate is pushed and gas is charged.
pub(crate) fn execute(m: &mut Machine, op: Opcode, env: &mut impl Environment) -> OpResult {
    use avm_primitives::int;
    use ops::{arith, buffer, ec, flow, hashing, system, tuple};
    let stack = m.stack.items_mut();
    match op {
        Opcode::Add => arith::total(stack, int::add),
        Opcode::Mul => arith::total(stack, int::mul),
        Opcode::Sub => arith::total(stack, int::sub),
        Opcode::Div => arith::binary(stack, int::div),
        Opcode::Sdiv => arith::binary(stack, int::sdiv),
        Opcode::Mod => arith::binary(stack, int::modulo),
        Opcode::Smod => arith::binary(stack, int::smod),
        Opcode::AddMod => arith::ternary(stack, int::addmod),
        Opcode::MulMod => arith::ternary(stack, int::mulmod),
        Opcode::Exp => arith::total(stack, int::exp),
        Opcode::SignExtend => arith::total(stack, int::signextend),

        Opcode::Lt => arith::total(stack, int::lt),
        Opcode::Gt => arith::total(stack, int::gt),
        Opcode::Slt => arith::total(stack, int::slt),
        Opcode::Sgt => arith::total(stack, int::sgt),
        Opcode::Eq => arith::eq(m.stack.items_mut(), &m.code),
        Opcode::IsZero => arith::unary(stack, int::iszero),
        Opcode::And => arith::total(stack, int::and),
        Opcode::Or => arith::total(stack, int::or),
        Opcode::Xor => arith::total(stack, int::xor),
        Opcode::Not => arith::unary(stack, int::not),
        Opcode::Byte => arith::total(stack, int::byte),
        Opcode::Shl => arith::total(stack, int::shl),
        Opcode::Shr => arith::total(stack, int::shr),
        Opcode::Sar => arith::total(stack, int::sar),

        Opcode::Hash => hashing::hash(m.stack.items_mut(), &m.code),
        Opcode::Type => hashing::type_of(stack),
        Opcode::EthHash2 => arith::total(stack, int::ethhash2),
        Opcode::KeccakF => hashing::keccakf(stack),
        Opcode::Sha256F => hashing::sha256f(stack),
        Opcode::Ripemd160F => hashing::ripemd160f(stack),
        Opcode::Blake2F => hashing::blake2f(stack),

        Opcode::Pop => flow::pop(m),
        Opcode::Spush => flow::spush(m),
        Opcode::Rpush => flow::rpush(m),
        Opcode::Rset => flow::rset(m),
        Opcode::Jump => flow::jump(m),
        Opcode::Cjump => flow::cjump(m),
        Opcode::StackEmpty => flow::stackempty(m),
        Opcode::PcPush => flow::pcpush(m),
        Opcode::AuxPush => flow::auxpush(m),
        Opcode::AuxPop => flow::auxpop(m),
        Opcode::AuxStackEmpty => flow::auxstackempty(m),
        Opcode::Nop => Ok(Flow::Next),
        Opcode::ErrPush => flow::errpush(m),
        Opcode::ErrSet => flow::errset(m),

        Opcode::Dup0 => flow::dup(m, 0),
        Opcode::Dup1 => flow::dup(m, 1),
        Opcode::Dup2 => flow::dup(m, 2),
        Opcode::Swap1 => flow::swap(m, 1),
        Opcode::Swap2 => flow::swap(m, 2),

        Opcode::Tget => tuple::tget(m),
        Opcode::Tset => tuple::tset(m),
        Opcode::Tlen => tuple::tlen(m),
        Opcode::Xget => tuple::xget(m),
        Opcode::Xset => tuple::xset(m),

        Opcode::Breakpoint => Ok(Flow::Breakpoint),
        Opcode::Log => system::log(m, env),

        Opcode::Send => system::send(m, env),
        Opcode::InboxPeek => system::inboxpeek(m, env),
        Opcode::Inbox => system::inbox(m, env),
        Opcode::Error => Err(Fault::InvalidOpcode),
        Opcode::Halt => Ok(Flow::Halt),
        Opcode::SetGas => flow::setgas(m),
        Opcode::PushGas => flow::pushgas(m),
        Opcode::ErrCodePoint => system::errcodepoint(m),
        Opcode::PushInsn => system::pushinsn(m),
        Opcode::PushInsnImm => system::pushinsnimm(m),
        Opcode::Sideload => system::sideload(m, env),

        Opcode::EcRecover => ec::ecrecover(stack),
        Opcode::EcAdd => ec::ecadd(stack),
        Opcode::EcMul => ec::ecmul(stack),
        Opcode::EcPairing => ec::ecpairing(stack),

        Opcode::DebugPrint => system::debugprint(m, env),

        Opcode::NewBuffer => buffer::newbuffer(m),
        Opcode::GetBuffer8 => buffer::get(m, 1),
        Opcode::GetBuffer64 => buffer::get(m, 8),
        Opcode::GetBuffer256 => buffer::get(m, 32),
        Opcode::SetBuffer8 => buffer::set(m, 1),
        Opcode::SetBuffer64 => buffer::set(m, 8),
        Opcode::SetBuffer256 => buffer::set(m, 32),
    }
}
