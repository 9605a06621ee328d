//! Producing one-step proofs from a machine.
//!
//! Proving is separate from execution: the executor hashes nothing it does not need,
//! and the prover reads the machine only when a proof is asked for. A proof of step k
//! therefore costs running to step k once (from the start or a checkpoint), then O(1)
//! per proof: the values the instruction touches are shown, and the rest of each stack
//! is summarised by a digest the machine caches between proofs.
//!
//! [`prove_step`] proves the machine's next instruction; the caller then executes it
//! with [`avm_machine::Machine::step`] as usual, and [`claim`] of the machine afterwards
//! is the post-state claim the verifier must compute.

mod buffer;
pub mod classic;
mod values;

use avm_code::{info_for_byte, Opcode};
use avm_machine::{Charge, Machine, Status};
use avm_value::{error_code_point_hash, CodeView, Value};
use avm_verifier::{Claim, Extra, Proof};

pub use values::proof_value;

/// Why a step cannot be proven.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProveError {
    /// The machine is halted or in ErrorStop.
    #[error("the machine is {0}: there is no next step to prove")]
    NotRunning(&'static str),
    /// The step reads an inbox message that has not arrived.
    #[error("the next step reads inbox message {0}, which the inbox does not hold: it blocks, and a blocked step has no proof")]
    Blocked(u64),
    /// The current code point came from marshaled bytes without the code behind it.
    #[error("the current code point's code is not known (it was read from marshaled bytes), so its step cannot be proven")]
    UnknownCode,
}

/// A proof of a machine's next step, with the claim it starts from.
///
/// The proof determines the pre-state machine hash (the verifier recomputes it), so the
/// claim's hash is not computed while proving but by [`StepProof::pre`], when asked:
/// proving at every step then costs what the proof shows, not a machine hash per step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepProof {
    /// The proof.
    pub proof: Proof,
    /// The pre-state claim with its machine hash left at zero.
    counters: Claim,
}

impl StepProof {
    /// The pre-state claim: the counters and accumulators of the machine proven, and the
    /// machine hash the proof shows (a Keccak of each stack's shown items and of the
    /// machine's words, computed at each call).
    pub fn pre(&self) -> Claim {
        Claim {
            machine_hash: avm_verifier::pre_state_hash(&self.proof),
            ..self.counters
        }
    }
}

/// The claim describing `machine` now.
pub fn claim(machine: &mut Machine) -> Claim {
    Claim {
        machine_hash: machine.hash(),
        ..counters(machine)
    }
}

/// The claim describing `machine` now, but for its machine hash (left at zero).
fn counters(machine: &Machine) -> Claim {
    let inbox = machine.inbox_position();
    let outputs = machine.outputs();
    Claim {
        machine_hash: avm_value::Hash::ZERO,
        inbox_consumed: inbox.consumed,
        inbox_acc: inbox.acc,
        send_acc: outputs.send_acc,
        log_acc: outputs.log_acc,
        gas_used: machine.gas_used(),
        steps: machine.steps(),
    }
}

/// Proves the machine's next step. `inbox` is the whole inbox the machine reads from
/// (message `k` is the k-th message it consumes), needed when the step reads one.
///
/// `sideload` is proven as the spec defines it (it pushes the empty tuple); a run in
/// which the environment supplied another value differs from the proven step there.
pub fn prove_step(machine: &mut Machine, inbox: &[Value]) -> Result<StepProof, ProveError> {
    match machine.status() {
        Status::Running => {}
        other => return Err(ProveError::NotRunning(other.name())),
    }
    let pc = machine.pc();
    let (opcode, immediate) = match machine.code().instruction(pc) {
        Some(insn) => (insn.opcode, insn.immediate.clone()),
        None => return Err(ProveError::UnknownCode),
    };
    if pc.pc == 0 && machine.code().code_point_hash(pc) != error_code_point_hash() {
        return Err(ProveError::UnknownCode);
    }
    let next_hash = match avm_code::Code::next(pc) {
        Some(next) => machine.code().code_point_hash(next),
        None => avm_value::Hash::ZERO,
    };
    let info = info_for_byte(opcode);
    let valid = Opcode::from_byte(opcode).is_some();
    let (pop_expansion, aux_expansion) = if valid {
        (info.pop_expansion, info.aux_expansion)
    } else {
        (&[][..], &[][..])
    };
    let has_immediate = immediate.is_some();
    let depth_of = |operand: usize| pop_expansion.get(operand).copied().unwrap_or(0);

    let code = machine.code();
    let real_pops = pop_expansion
        .len()
        .saturating_sub(usize::from(has_immediate));
    let values = machine.stack().values();
    let shown = real_pops.min(values.len());
    // In bounds: shown <= values.len().
    let stack = values[values.len() - shown..]
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let operand = shown - 1 - i + usize::from(has_immediate);
            values::proof_value(v, depth_of(operand), code)
        })
        .collect::<Vec<_>>();
    let aux_values = machine.aux_stack().values();
    let aux_shown = aux_expansion.len().min(aux_values.len());
    // In bounds: aux_shown <= aux_values.len().
    let aux = aux_values[aux_values.len() - aux_shown..]
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let operand = aux_shown - 1 - i;
            values::proof_value(v, aux_expansion.get(operand).copied().unwrap_or(0), code)
        })
        .collect::<Vec<_>>();
    let immediate_value = immediate
        .as_ref()
        .map(|imm| values::proof_value(imm, depth_of(0), code));
    let register = values::proof_value(machine.register(), 0, code);
    let static_value = values::proof_value(machine.static_value(), 0, code);
    let pending = machine
        .pending_message()
        .map(|p| values::proof_value(p, 1, code));
    let err_pc_hash = code.code_point_hash(machine.error_code_point());
    let extra = match machine.next_charge() {
        Some(Charge::Runs(_)) if valid => extra_for(machine, opcode, immediate.as_ref(), inbox)?,
        _ => Extra::None,
    };

    let counters = counters(machine);
    let stack_rest = machine.stack_digest_below(shown);
    let aux_rest = machine.aux_digest_below(aux_shown);
    Ok(StepProof {
        counters,
        proof: Proof {
            opcode,
            immediate: immediate_value,
            next_hash,
            stack,
            stack_rest,
            aux,
            aux_rest,
            register,
            static_value,
            gas_remaining: *machine.gas_remaining(),
            err_pc_hash,
            pending,
            extra,
        },
    })
}

/// The operand `index` places from the top of the working stack (the immediate first).
fn operand<'a>(
    machine: &'a Machine,
    immediate: Option<&'a Value>,
    index: usize,
) -> Option<&'a Value> {
    match (immediate, index) {
        (Some(imm), 0) => Some(imm),
        (Some(_), i) => machine.stack().peek(i - 1),
        (None, i) => machine.stack().peek(i),
    }
}

/// The data a step reads beyond the machine state, for an instruction that runs.
fn extra_for(
    machine: &Machine,
    opcode: u8,
    immediate: Option<&Value>,
    inbox: &[Value],
) -> Result<Extra, ProveError> {
    let arg = |i| operand(machine, immediate, i);
    let next_message = || {
        let count = machine.inbox_position().consumed;
        let message = usize::try_from(count).ok().and_then(|i| inbox.get(i));
        match message {
            Some(m) => Ok(Extra::Message(values::proof_value(m, 1, machine.code()))),
            None => Err(ProveError::Blocked(count)),
        }
    };
    let Some(op) = Opcode::from_byte(opcode) else {
        return Ok(Extra::None);
    };
    Ok(match op {
        Opcode::Inbox if machine.pending_message().is_none() => next_message()?,
        Opcode::InboxPeek
            if machine.pending_message().is_none() && matches!(arg(0), Some(Value::Int(_))) =>
        {
            next_message()?
        }
        Opcode::GetBuffer8 => buffer::read(arg(0), arg(1), 1),
        Opcode::GetBuffer64 => buffer::read(arg(0), arg(1), 8),
        Opcode::GetBuffer256 => buffer::read(arg(0), arg(1), 32),
        Opcode::SetBuffer8 => buffer::write(arg(0), arg(1), arg(2), 1),
        Opcode::SetBuffer64 => buffer::write(arg(0), arg(1), arg(2), 8),
        Opcode::SetBuffer256 => buffer::write(arg(0), arg(1), arg(2), 32),
        Opcode::Send => buffer::send(arg(0), arg(1)),
        Opcode::Blake2F => buffer::blake2f(arg(0)),
        _ => Extra::None,
    })
}
