//! The verifier: from a pre-state claim and a proof to the post-state claim.
//!
//! It rebuilds the pre-state machine hash from the proof alone and compares it with the
//! claim, then applies the instruction's rules (immediate, underflow, AVMGas, the
//! opcode's effect, Errors) to the values the proof shows, and hashes the result. It
//! uses the opcode table, value hashing and the instruction primitives, never the
//! executor: like the L1 contract it stands on its own. Work and memory are bounded by
//! the proof's size.

use avm_code::{info_for_byte, Opcode};
use avm_value::{error_code_point_hash, keccak256, keccak_pair, Hash, Int, StackDigest};

use crate::{code_point, Claim, Extra, InboxOracle, Proof, ProofValue, Rejection, ERROR_GAS};

/// The machine hash of a halted machine.
pub fn halted_hash() -> Hash {
    Hash::ZERO
}

/// The machine hash of a machine in ErrorStop.
pub fn errorstop_hash() -> Hash {
    Hash::from_int(&Int::ONE)
}

/// How control continues after an instruction.
#[derive(Debug)]
pub(crate) enum Outcome {
    Next,
    Jump(Hash),
    Halt,
    Fault,
}

/// The words of a running machine's hash (see avm-machine's hash module for the layout,
/// which this mirrors independently).
struct Words {
    pc: Hash,
    stack: Hash,
    aux: Hash,
    register: Hash,
    static_hash: Hash,
    gas: Int,
    err: Hash,
    pending: Option<Hash>,
}

impl Words {
    fn hash(&self) -> Hash {
        let mut data = Vec::with_capacity(32 * 8);
        for w in [
            self.pc,
            self.stack,
            self.aux,
            self.register,
            self.static_hash,
        ] {
            data.extend_from_slice(&w.0);
        }
        data.extend_from_slice(&self.gas.to_be_bytes::<32>());
        data.extend_from_slice(&self.err.0);
        if let Some(p) = self.pending {
            data.extend_from_slice(&p.0);
        }
        keccak256(&data)
    }
}

/// The digest of `rest` with `items` (bottom first) pushed on it.
pub(crate) fn fold_stack(items: &[ProofValue], rest: &StackDigest) -> StackDigest {
    items.iter().fold(*rest, |acc, item| {
        let (hash, size) = item.digest();
        acc.push(&hash, &size)
    })
}

/// The state of the step being verified.
pub(crate) struct StepState<'a, I: InboxOracle> {
    pub(crate) proof: &'a Proof,
    pub(crate) inbox: &'a I,
    /// The top of the data stack the instruction works on (popped items, the immediate,
    /// then whatever it pushes), bottom first.
    pub(crate) stack: Vec<ProofValue>,
    pub(crate) aux: Vec<ProofValue>,
    pub(crate) register: ProofValue,
    pub(crate) gas: Int,
    pub(crate) err: Hash,
    pub(crate) pending: Option<ProofValue>,
    pub(crate) pc: Hash,
    /// The data stack below the popped items.
    pub(crate) stack_rest: StackDigest,
    /// The aux stack below the popped items.
    pub(crate) aux_rest: StackDigest,
    pub(crate) post: Claim,
    /// Whether the instruction read the proof's extra data.
    pub(crate) extra_used: bool,
}

fn check_shape(
    stack: &'static str,
    shown: usize,
    rest: &StackDigest,
    pops: usize,
) -> Result<(), Rejection> {
    if shown == pops || (shown < pops && *rest == StackDigest::empty()) {
        Ok(())
    } else {
        Err(Rejection::StackShape { stack, shown, pops })
    }
}

/// The gas used after charging `cost`: a claim whose counter would pass u64::MAX is
/// rejected rather than saturated (a saturated counter would let `u64::MAX` "stay" at
/// `u64::MAX` and match a false post-state).
fn charge(gas_used: u64, cost: u64) -> Result<u64, Rejection> {
    gas_used
        .checked_add(cost)
        .ok_or(Rejection::CounterOverflow("gas used"))
}

/// What a proof alone says about the state it starts from.
struct PreState {
    /// The hash of the current code point.
    pc: Hash,
    /// The data stack below the shown items (from the proof's preimage only).
    stack_rest: StackDigest,
    /// The aux stack below the shown items.
    aux_rest: StackDigest,
    /// The hash of the static value.
    static_hash: Hash,
    /// The machine hash.
    machine_hash: Hash,
}

fn pre_state(proof: &Proof) -> PreState {
    let pc = code_point(proof.opcode, proof.immediate.as_ref(), &proof.next_hash);
    // Only the preimages of the stack digests are trusted, never a carried hash.
    let stack_rest = StackDigest::from_preimage(proof.stack_rest.inner, proof.stack_rest.size);
    let aux_rest = StackDigest::from_preimage(proof.aux_rest.inner, proof.aux_rest.size);
    let static_hash = proof.static_value.hash();
    let words = Words {
        pc,
        stack: fold_stack(&proof.stack, &stack_rest).hash,
        aux: fold_stack(&proof.aux, &aux_rest).hash,
        register: proof.register.hash(),
        static_hash,
        gas: proof.gas_remaining,
        err: proof.err_pc_hash,
        pending: proof.pending.as_ref().map(ProofValue::hash),
    };
    PreState {
        pc,
        stack_rest,
        aux_rest,
        static_hash,
        machine_hash: words.hash(),
    }
}

/// The machine hash of the running state `proof` shows: the hash a pre-state claim must
/// hold for [`verify`] to accept the proof. A prover can therefore leave the claim's
/// hash out of each proof and compute it from the proof only where one is needed.
pub fn pre_state_hash(proof: &Proof) -> Hash {
    pre_state(proof).machine_hash
}

/// Verifies `proof` against the pre-state claim `pre` and the inbox, and returns the
/// post-state claim.
pub fn verify(pre: &Claim, proof: &Proof, inbox: &impl InboxOracle) -> Result<Claim, Rejection> {
    if pre.machine_hash == halted_hash() || pre.machine_hash == errorstop_hash() {
        return Err(Rejection::NotRunning(pre.machine_hash));
    }
    let PreState {
        pc,
        stack_rest,
        aux_rest,
        static_hash,
        machine_hash: computed,
    } = pre_state(proof);
    if computed != pre.machine_hash {
        return Err(Rejection::PreStateMismatch {
            claimed: pre.machine_hash,
            computed,
        });
    }

    let info = info_for_byte(proof.opcode);
    let opcode = Opcode::from_byte(proof.opcode);
    let pops = usize::from(info.pops);
    let aux_pops = usize::from(info.aux_pops);
    let has_immediate = proof.immediate.is_some();
    check_shape(
        "data stack",
        proof.stack.len(),
        &stack_rest,
        pops.saturating_sub(has_immediate as usize),
    )?;
    check_shape("aux stack", proof.aux.len(), &aux_rest, aux_pops)?;

    let mut stack = proof.stack.clone();
    stack.extend(proof.immediate.clone());
    let mut s = StepState {
        proof,
        inbox,
        stack,
        aux: proof.aux.clone(),
        register: proof.register.clone(),
        gas: proof.gas_remaining,
        err: proof.err_pc_hash,
        pending: proof.pending.clone(),
        pc,
        stack_rest,
        aux_rest,
        post: Claim {
            steps: pre
                .steps
                .checked_add(1)
                .ok_or(Rejection::CounterOverflow("step count"))?,
            ..*pre
        },
        extra_used: false,
    };
    let len = s.stack.len();
    let aux_len = s.aux.len();
    let error_gas = Int::from(ERROR_GAS);

    let outcome = if len < pops || aux_len < aux_pops {
        s.gas = s.gas.checked_sub(error_gas).unwrap_or(Int::MAX);
        s.post.gas_used = charge(s.post.gas_used, ERROR_GAS)?;
        Outcome::Fault
    } else {
        let cost = match opcode {
            // A cost past u64::MAX would take the gas used past it too.
            Some(Opcode::EcPairing) => info
                .gas
                .checked_add(crate::ops::ecpairing_extra_gas(&s.stack)?)
                .ok_or(Rejection::CounterOverflow("gas used"))?,
            Some(_) => info.gas,
            None => ERROR_GAS,
        };
        match s.gas.checked_sub(Int::from(cost)) {
            None => {
                s.gas = Int::MAX;
                s.post.gas_used = charge(s.post.gas_used, ERROR_GAS)?;
                Outcome::Fault
            }
            Some(rest) => {
                s.gas = rest;
                s.post.gas_used = charge(s.post.gas_used, cost)?;
                match opcode {
                    None => Outcome::Fault,
                    Some(op) => crate::ops::execute(&mut s, op)?,
                }
            }
        }
    };

    if !matches!(proof.extra, Extra::None) && !s.extra_used {
        return Err(Rejection::Extra(
            "the step does not read the data the proof carries",
        ));
    }
    let mut halted = false;
    let mut errorstop = false;
    match outcome {
        Outcome::Next => s.pc = proof.next_hash,
        Outcome::Jump(dest) => s.pc = dest,
        Outcome::Halt => halted = true,
        Outcome::Fault => {
            s.stack.truncate(len.saturating_sub(pops));
            s.aux.truncate(aux_len.saturating_sub(aux_pops));
            if s.err == error_code_point_hash() {
                errorstop = true;
            } else {
                s.pc = s.err;
            }
        }
    }
    s.post.machine_hash = if halted {
        halted_hash()
    } else if errorstop {
        errorstop_hash()
    } else {
        Words {
            pc: s.pc,
            stack: fold_stack(&s.stack, &s.stack_rest).hash,
            aux: fold_stack(&s.aux, &s.aux_rest).hash,
            register: s.register.hash(),
            static_hash,
            gas: s.gas,
            err: s.err,
            pending: s.pending.as_ref().map(ProofValue::hash),
        }
        .hash()
    };
    Ok(s.post)
}

impl<I: InboxOracle> StepState<'_, I> {
    /// Takes the next inbox message shown in the proof, checking it against the inbox.
    pub(crate) fn take_message(&mut self) -> Result<ProofValue, Rejection> {
        let Extra::Message(message) = &self.proof.extra else {
            return Err(Rejection::Extra("an inbox read needs the message"));
        };
        self.extra_used = true;
        let count = self.post.inbox_consumed;
        if self.inbox.acc_after(count) != Some(self.post.inbox_acc) {
            return Err(Rejection::InboxAccumulator(count));
        }
        let after = count
            .checked_add(1)
            .ok_or(Rejection::CounterOverflow("inbox message count"))?;
        let next = self
            .inbox
            .acc_after(after)
            .ok_or(Rejection::InboxExhausted(count))?;
        let acc = keccak_pair(&self.post.inbox_acc, &message.hash());
        if acc != next {
            return Err(Rejection::WrongMessage);
        }
        self.post.inbox_consumed = after;
        self.post.inbox_acc = acc;
        Ok(message.clone())
    }
}
