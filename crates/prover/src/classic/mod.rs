//! One-step proofs in the Classic wire format: the bytes the deployed Arbitrum Classic
//! contracts (OneStepProof, OneStepProof2, OneStepProofHash) read, exactly as the C++
//! AVM's `MachineState::marshalForProof` writes them.
//!
//! This is a second encoder over the same step facts as our own format (see the crate
//! root); neither reaches into the other. Layout of the machine proof (`Proof`):
//!
//! 1. the opcode byte; the number of data stack values shown (counting the immediate);
//!    the number of aux stack values shown;
//! 2. the popped data stack values, deepest first, each at the C++ AVM's level for its
//!    position (all at level 0 when the stack underflows), then the immediate;
//! 3. the popped aux stack values, deepest first;
//! 4. the machine: the hash of the code point after the current one; the hash preimages
//!    (inner hash, size) of the data and aux stacks below the popped values; the
//!    register and the static value at level 0; AVMGas remaining; the Error CodePoint's
//!    hash;
//! 5. a byte saying whether the instruction has an immediate;
//! 6. for a `send` whose buffer's data fits its size, that data (size bytes).
//!
//! The `BufferProof` holds Merkle proofs for the buffer instructions (see `buffer`).
//!
//! # The inbox suffix
//!
//! An `inbox` step on L1 needs, after the machine proof, a suffix the C++ validator
//! writes separately (ArbCore::genInboxProof) and OneStepProof.sol's `incrementInbox`
//! reads; [`prove_step`] returns the machine proof alone, [`prove_step_l1`] adds the
//! suffix for a machine fed a [`ClassicInbox`] (a model of the Bridge and the
//! SequencerInbox). Its layout (facts from the contract, see
//! `avm_verifier::classic::InboxSuffix`): the message's kind (1 byte), sender (20
//! bytes), L1 block number, L1 timestamp, inbox sequence number, L1 gas price and data
//! length (32 bytes each), the data; the sequencer batch number (32 bytes); a byte
//! saying whether the message is delayed (0 or 1); the sequencer accumulator before its
//! item (32 bytes); for a delayed message the range's first sequencer sequence number,
//! delayed start and delayed end (32 bytes each); then any later items of the batch,
//! each a byte 0 (a sequencer message: prefix hash and data hash, 32 bytes each) or 1
//! (a delayed range: start and end, 32 bytes each); and the byte 2. The message the
//! machine receives is the 8-tuple (kind, block, timestamp, sender, sequence number,
//! gas price, data length, data buffer), the sequence number of a delayed message
//! (its Bridge index) having its top bit set. The ExecutionState's `inboxAcc` is then
//! the SequencerInbox's running accumulator after the item holding the last message
//! read, which the machine itself does not know (see [`execution_state_l1`]).

mod buffer;
mod inbox;
mod marshal;

use avm_code::opcode::SEND_SIZE_LIMIT;
use avm_machine::{Environment, Machine, Status, StepOutcome};
use avm_value::Value;

pub use avm_verifier::classic::{ClassicJsonError, ClassicStep, ExecutionState};
pub use inbox::{
    execution_state_l1, prove_step_l1, prove_steps_l1, BatchPreview, BatchProof, BatchSection,
    ClassicInbox, ClassicInboxError,
};

use crate::ProveError;

/// The most bytes a Classic machine proof may take: far beyond any real step (an
/// `ecpairing` of 30 pairs takes about 7 KB), small enough that a value built to
/// explode when opened 32 levels deep is refused rather than exhausting memory.
pub const MAX_CLASSIC_PROOF_BYTES: usize = 1 << 22;

/// Why a step has no Classic proof.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClassicProveError {
    /// The step has no proof in any format (the machine is stopped, the step blocks,
    /// or its code is unknown).
    #[error(transparent)]
    Step(#[from] ProveError),
    /// The step runs an opcode the deployed Classic contracts do not have
    /// (`avm_verifier::classic::not_in_classic`): they would run it as invalid.
    #[error("the step runs {mnemonic} ({opcode:#04x}), which the deployed Classic contracts do not have")]
    NotClassic {
        /// The opcode byte.
        opcode: u8,
        /// Its name in our instruction set.
        mnemonic: String,
    },
    /// The machine holds a pending message (taken by `inboxpeek`, which the Classic
    /// AVM does not have), which the Classic machine hash cannot express.
    #[error("the machine holds a pending message, which the Classic format cannot express")]
    PendingMessage,
    /// The proof would be longer than the limit.
    #[error("the Classic proof of this step would pass {0} bytes")]
    TooLarge(usize),
    /// The L1 inbox has no suffix for the message an `inbox` step reads.
    #[error(transparent)]
    Inbox(#[from] ClassicInboxError),
}

/// The two byte strings of a Classic one-step proof of a machine's next step.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClassicProof {
    /// The machine proof (`proof` of `executeStep`).
    pub proof: Vec<u8>,
    /// The buffer proof (`bproof`), empty unless the step is a buffer instruction.
    pub buffer_proof: Vec<u8>,
}

/// The Classic ExecutionState of `machine` now (its machine hash, inbox position,
/// ArbGas used and output accumulators), as the C++ AVM reports it.
///
/// `inbox_acc` is our machine's inbox accumulator (keccak over the consumed messages'
/// value hashes); on an L1 chain it is the inbox contracts' accumulator instead, which
/// the machine does not know (both are zero until a message is read): see
/// [`execution_state_l1`].
pub fn execution_state(machine: &mut Machine) -> ExecutionState {
    let inbox = machine.inbox_position();
    let outputs = machine.outputs();
    ExecutionState {
        machine_hash: machine.hash(),
        inbox_acc: inbox.acc,
        inbox_count: inbox.consumed,
        gas_used: machine.gas_used(),
        send_count: outputs.send_count,
        log_count: outputs.log_count,
        send_acc: outputs.send_acc,
        log_acc: outputs.log_acc,
    }
}

/// Writes the Classic proof of `machine`'s next step without executing it.
///
/// `inbox` is the whole inbox the machine reads from (message k is the k-th it
/// consumes); an `inbox` step whose message is not there blocks and has no proof.
pub fn encode_step(
    machine: &mut Machine,
    inbox: &[Value],
) -> Result<ClassicProof, ClassicProveError> {
    match machine.status() {
        Status::Running => {}
        other => return Err(ProveError::NotRunning(other.name()).into()),
    }
    if machine.pending_message().is_some() {
        return Err(ClassicProveError::PendingMessage);
    }
    let pc = machine.pc();
    let (opcode, immediate) = match machine.code().instruction(pc) {
        Some(insn) => (insn.opcode, insn.immediate.clone()),
        None => return Err(ProveError::UnknownCode.into()),
    };
    if pc.pc == 0
        && avm_value::CodeView::code_point_hash(machine.code(), pc)
            != avm_value::error_code_point_hash()
    {
        return Err(ProveError::UnknownCode.into());
    }
    if avm_verifier::classic::not_in_classic(opcode) {
        return Err(ClassicProveError::NotClassic {
            opcode,
            mnemonic: avm_code::mnemonic_for_byte(opcode),
        });
    }
    if opcode == avm_code::Opcode::Inbox as u8 {
        let count = machine.inbox_position().consumed;
        if usize::try_from(count)
            .ok()
            .and_then(|i| inbox.get(i))
            .is_none()
        {
            return Err(ProveError::Blocked(count).into());
        }
    }
    let next_hash = match avm_code::Code::next(pc) {
        Some(next) => avm_value::CodeView::code_point_hash(machine.code(), next),
        None => avm_value::Hash::ZERO,
    };

    // The C++ AVM's proof levels (the opcode table's Classic column); a byte without
    // one takes the row of `error`: nothing popped.
    let (all_levels, aux_levels) =
        avm_code::classic_op(opcode).map_or((&[][..], &[][..]), |c| (c.pop_levels, c.aux_levels));
    // The immediate takes the first operand's level; the stack the rest.
    let (imm_level, stack_levels) = match (&immediate, all_levels.split_first()) {
        (Some(_), Some((first, rest))) => (*first, rest),
        _ => (0, all_levels),
    };

    let stack_len = machine.stack().len();
    let aux_len = machine.aux_stack().len();
    let shown = stack_levels.len().min(stack_len);
    let aux_shown = aux_levels.len().min(aux_len);
    let underflow = shown < stack_levels.len();
    let aux_underflow = aux_shown < aux_levels.len();
    let stack_rest = machine.stack_digest_below(shown);
    let aux_rest = machine.aux_digest_below(aux_shown);

    let limit = MAX_CLASSIC_PROOF_BYTES;
    // Room for a step showing an opened tuple and three closed ones, without growing.
    let mut out = Vec::with_capacity(1024);
    out.push(opcode);
    // At most 4 + 1 values: these fit a byte, as in the C++.
    out.push((shown + usize::from(immediate.is_some())) as u8);
    out.push(aux_shown as u8);

    let code = machine.code();
    let values = machine.stack().values();
    // In bounds: shown <= values.len(). Deepest first; the level of the value at
    // distance d from the top is stack_levels[d].
    for (i, value) in values[stack_len - shown..].iter().enumerate() {
        let depth_from_top = shown - 1 - i;
        let level = if underflow {
            0
        } else {
            stack_levels.get(depth_from_top).copied().unwrap_or(0)
        };
        marshal::marshal_for_proof(value, usize::from(level), code, &mut out, limit)?;
    }
    if let Some(imm) = &immediate {
        marshal::marshal_for_proof(imm, usize::from(imm_level), code, &mut out, limit)?;
    }
    let aux_values = machine.aux_stack().values();
    // In bounds: aux_shown <= aux_values.len().
    for (i, value) in aux_values[aux_len - aux_shown..].iter().enumerate() {
        let depth_from_top = aux_shown - 1 - i;
        let level = if aux_underflow {
            0
        } else {
            aux_levels.get(depth_from_top).copied().unwrap_or(0)
        };
        marshal::marshal_for_proof(value, usize::from(level), code, &mut out, limit)?;
    }

    out.extend_from_slice(&next_hash.0);
    let err_hash = avm_value::CodeView::code_point_hash(code, machine.error_code_point());
    let gas = *machine.gas_remaining();
    let buffer_parts = if underflow || aux_underflow {
        buffer::BufferParts::default()
    } else {
        let stack = machine.stack();
        let arg = |index: usize| match (&immediate, index) {
            (Some(imm), 0) => Some(imm),
            (Some(_), i) => stack.peek(i - 1),
            (None, i) => stack.peek(i),
        };
        buffer::buffer_parts(opcode, arg, SEND_SIZE_LIMIT)
    };
    for digest in [stack_rest, aux_rest] {
        out.extend_from_slice(&digest.inner.0);
        out.extend_from_slice(&digest.size.to_be_bytes::<32>());
    }
    // The register and static value at level 0, after the stack digests.
    marshal::marshal_for_proof(machine.register(), 0, code, &mut out, limit)?;
    marshal::marshal_for_proof(machine.static_value(), 0, code, &mut out, limit)?;
    out.extend_from_slice(&gas.to_be_bytes::<32>());
    out.extend_from_slice(&err_hash.0);
    out.push(u8::from(immediate.is_some()));
    out.extend_from_slice(&buffer_parts.send_data);
    if out.len() > limit {
        return Err(ClassicProveError::TooLarge(limit));
    }
    Ok(ClassicProof {
        proof: out,
        buffer_proof: buffer_parts.buffer_proof,
    })
}

/// Serves inbox message k as the k-th message consumed, and nothing else: the
/// environment a proven step runs in.
struct InboxSlice<'a> {
    inbox: &'a [Value],
    next: usize,
}

impl Environment for InboxSlice<'_> {
    fn next_message(&mut self) -> Option<Value> {
        let message = self.inbox.get(self.next).cloned();
        if message.is_some() {
            self.next = self.next.saturating_add(1);
        }
        message
    }
}

/// Proves `machine`'s next step in the Classic format and executes it: the state
/// before, the proof bytes, and the state after, as the C++ AVM writes them.
///
/// `inbox` is the whole inbox (message k is the k-th the machine consumes). `sideload`
/// pushes the empty tuple, as the spec (and the C++ AVM without sideloads) does. On an
/// error nothing is executed.
pub fn prove_step(
    machine: &mut Machine,
    inbox: &[Value],
) -> Result<ClassicStep, ClassicProveError> {
    let proof = encode_step(machine, inbox)?;
    let before = execution_state(machine);
    let consumed = machine.inbox_position().consumed;
    let mut env = InboxSlice {
        inbox,
        next: usize::try_from(consumed).unwrap_or(usize::MAX),
    };
    match machine.step(&mut env) {
        StepOutcome::Blocked => return Err(ProveError::Blocked(consumed).into()),
        StepOutcome::Stopped => return Err(ProveError::NotRunning(machine.status().name()).into()),
        StepOutcome::Executed | StepOutcome::Faulted(_) | StepOutcome::Breakpoint => {}
    }
    let after = execution_state(machine);
    Ok(ClassicStep {
        before,
        after,
        proof: proof.proof,
        buffer_proof: proof.buffer_proof,
    })
}

/// Proves and executes up to `count` consecutive steps (what upstream's proof files
/// hold), stopping early, without an error, where the run halts, enters ErrorStop or
/// blocks on the inbox.
pub fn prove_steps(
    machine: &mut Machine,
    inbox: &[Value],
    count: u64,
) -> Result<Vec<ClassicStep>, ClassicProveError> {
    let mut steps = Vec::new();
    for _ in 0..count {
        match prove_step(machine, inbox) {
            Ok(step) => steps.push(step),
            Err(ClassicProveError::Step(ProveError::NotRunning(_) | ProveError::Blocked(_))) => {
                break
            }
            Err(e) => return Err(e),
        }
    }
    Ok(steps)
}
