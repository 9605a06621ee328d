//! Verifying a Classic step: decode the bytes into our own proof, let our verifier
//! decide the step, and decide natively only what our proof cannot carry in Classic's
//! terms (reading and writing buffer leaves proven the C++ way, and a `send` shown
//! too long by a leaf proof).

use avm_code::info_for_byte;
use avm_value::{error_code_point_hash, keccak256, keccak_pair, Hash, Int, StackDigest};

/// The `inbox` opcode's byte, as the opcode table holds it.
const INBOX: u8 = avm_code::Opcode::Inbox as u8;

use super::buffer::{self, Parts};
use super::decode::decode;
use super::inbox::{InboxSuffix, L1InboxOracle, NoL1Inbox};
use super::ExecutionState;
use crate::verify::{errorstop_hash, fold_stack};
use crate::{verify, Claim, Extra, InboxAccumulators, InboxOracle, Proof, ProofValue, Rejection};

/// Our verifier's view of the one message an `inbox` step reads: the accumulator
/// before it (whatever the claim holds) and after it.
struct OneMessage {
    count: u64,
    before: Hash,
    after: Hash,
}

impl InboxOracle for OneMessage {
    fn acc_after(&self, count: u64) -> Option<Hash> {
        if count == self.count {
            Some(self.before)
        } else if Some(count) == self.count.checked_add(1) {
            Some(self.after)
        } else {
            None
        }
    }
}

/// Our claim for a Classic state (the step count is not part of Classic states).
fn claim_of(state: &ExecutionState) -> Claim {
    Claim {
        machine_hash: state.machine_hash,
        inbox_consumed: state.inbox_count,
        inbox_acc: state.inbox_acc,
        send_acc: state.send_acc,
        log_acc: state.log_acc,
        gas_used: state.gas_used,
        steps: 0,
    }
}

/// The Classic state after a step from `before` that our verifier concluded in `post`.
///
/// The counts of sends and logs are the claim's (`executeStep` sees only the
/// accumulators), but a count that would pass u64::MAX describes no real execution:
/// the claim is refused, never wrapped or left stuck at the maximum.
fn state_of(before: &ExecutionState, post: &Claim) -> Result<ExecutionState, Rejection> {
    let bump = |count: u64, changed: bool, name: &'static str| {
        count
            .checked_add(u64::from(changed))
            .ok_or(Rejection::CounterOverflow(name))
    };
    Ok(ExecutionState {
        machine_hash: post.machine_hash,
        inbox_acc: post.inbox_acc,
        inbox_count: post.inbox_consumed,
        gas_used: post.gas_used,
        send_count: bump(
            before.send_count,
            post.send_acc != before.send_acc,
            "send count",
        )?,
        log_count: bump(
            before.log_count,
            post.log_acc != before.log_acc,
            "log count",
        )?,
        send_acc: post.send_acc,
        log_acc: post.log_acc,
    })
}

/// The machine hash of a running machine with these words (no pending message: the
/// Classic machine has none).
fn machine_hash(proof: &Proof, pc: &Hash, stack: &StackDigest, gas: &Int) -> Hash {
    let aux = fold_stack(&proof.aux, &proof.aux_rest);
    let mut data = Vec::with_capacity(32 * 7);
    for word in [
        *pc,
        stack.hash,
        aux.hash,
        proof.register.hash(),
        proof.static_value.hash(),
    ] {
        data.extend_from_slice(&word.0);
    }
    data.extend_from_slice(&gas.to_be_bytes::<32>());
    data.extend_from_slice(&proof.err_pc_hash.0);
    keccak256(&data)
}

/// The post-state of a buffer instruction whose checks our verifier passed (it stopped
/// only for want of data it reads), given what it pushes (None: it raises an Error).
fn finish(pre: &Claim, proof: &Proof, result: Option<ProofValue>) -> Result<Claim, Rejection> {
    let info = info_for_byte(proof.opcode);
    let cost = info.gas;
    let mut items = proof.stack.clone();
    items.extend(proof.immediate.clone());
    items.truncate(items.len().saturating_sub(usize::from(info.pops)));
    let gas = proof
        .gas_remaining
        .checked_sub(Int::from(cost))
        .ok_or(Rejection::Extra("the instruction cannot pay its cost"))?;
    let machine_hash = match result {
        Some(value) => {
            items.push(value);
            let stack = fold_stack(&items, &proof.stack_rest);
            machine_hash(proof, &proof.next_hash, &stack, &gas)
        }
        None if proof.err_pc_hash == error_code_point_hash() => errorstop_hash(),
        None => {
            let stack = fold_stack(&items, &proof.stack_rest);
            machine_hash(proof, &proof.err_pc_hash, &stack, &gas)
        }
    };
    Ok(Claim {
        machine_hash,
        gas_used: pre
            .gas_used
            .checked_add(cost)
            .ok_or(Rejection::CounterOverflow("gas used"))?,
        steps: pre
            .steps
            .checked_add(1)
            .ok_or(Rejection::CounterOverflow("step count"))?,
        ..*pre
    })
}

/// The machine hash a Classic proof shows: its instruction's code point, the stacks
/// with the values shown on top of what lies below them, and the rest of the machine.
fn shown_machine_hash(proof: &Proof) -> Hash {
    let pc = crate::code_point(proof.opcode, proof.immediate.as_ref(), &proof.next_hash);
    let stack = fold_stack(&proof.stack, &proof.stack_rest);
    machine_hash(proof, &pc, &stack, &proof.gas_remaining)
}

/// Decides the step `shown` proves from `before` as our verifier decides `ours`, a
/// proof of another machine whose step has the same effects (the contract's reading of
/// `shown`): `shown` must be of the machine `before` names.
fn decide_as(
    before: &ExecutionState,
    shown: &Proof,
    ours: &Proof,
) -> Result<ExecutionState, Rejection> {
    let computed = shown_machine_hash(shown);
    if computed != before.machine_hash {
        return Err(Rejection::PreStateMismatch {
            claimed: before.machine_hash,
            computed,
        });
    }
    let pre = Claim {
        machine_hash: shown_machine_hash(ours),
        ..claim_of(before)
    };
    let post = verify(&pre, ours, &InboxAccumulators::default())?;
    state_of(before, &post)
}

/// A step of an opcode our machine has and the deployed contracts do not
/// ([`super::not_in_classic`]), decided as OneStepProof decides it: as an invalid opcode, which
/// pops nothing, costs the error gas and raises an Error, exactly like `error` (the
/// instruction's own byte enters only its code point's hash, not the step's effects).
fn as_invalid_opcode(before: &ExecutionState, proof: Proof) -> Result<ExecutionState, Rejection> {
    let ours = Proof {
        opcode: avm_code::Opcode::Error as u8,
        ..proof.clone()
    };
    decide_as(before, &proof, &ours)
}

/// A step whose proof shows fewer data stack values than the instruction pops, decided
/// as OneStepProof's `executeOp` decides it: the data stack below them must be empty
/// (STACK_MISSING) and at most the aux values the instruction pops shown (AUX_MANY),
/// but the aux stack below them is not looked at; the step costs the error gas and
/// raises an Error, dropping the values shown (so both stacks keep only what lies
/// below them). That is the step of `error` on the machine with nothing shown.
fn data_underflow(before: &ExecutionState, proof: Proof) -> Result<ExecutionState, Rejection> {
    let info = info_for_byte(proof.opcode);
    if proof.aux.len() > usize::from(info.aux_pops) || proof.stack_rest != StackDigest::empty() {
        return Err(Rejection::StackShape {
            stack: if proof.stack_rest != StackDigest::empty() {
                "data stack"
            } else {
                "aux stack"
            },
            shown: proof.stack.len(),
            pops: usize::from(info.pops),
        });
    }
    let ours = Proof {
        opcode: avm_code::Opcode::Error as u8,
        immediate: None,
        stack: Vec::new(),
        aux: Vec::new(),
        extra: Extra::None,
        ..proof.clone()
    };
    decide_as(before, &proof, &ours)
}

/// `ecpairing`'s list with each cell or point that OneStepProof's walk reads as "not a
/// tuple" because it is shown as a hash preimage replaced by the integer 0 (which it
/// reads the same way); whether any was.
fn open_pairing_list(list: &mut ProofValue) -> bool {
    let closed = |v: &ProofValue| matches!(v, ProofValue::ClosedTuple { .. });
    let mut changed = false;
    let mut cell = list;
    // The walk reads at most MAX_PAIRING_COUNT (30) cells, then the one after them.
    for _ in 0..=avm_code::opcode::ECPAIRING_MAX_PAIRS {
        if closed(cell) {
            *cell = ProofValue::Int(Int::ZERO);
            return true;
        }
        let ProofValue::Tuple(items) = cell else {
            return changed;
        };
        let [point, rest] = items.as_mut_slice() else {
            return changed;
        };
        if closed(point) {
            *point = ProofValue::Int(Int::ZERO);
            changed = true;
        }
        cell = rest;
    }
    changed
}

/// Where a tuple operand of `tget`, `tset`, `tlen`, `keccakf`, `xget` or `xset`, or a cell or
/// point of `ecpairing`'s list, is shown as a hash preimage (type 2) rather than
/// opened: OneStepProof's `isTuple` is false for it, so the instruction raises an Error
/// as for any value there that is not a tuple (`ecpairing` after paying for the pairs
/// before it). Returns the proof with those values replaced by the integer 0, which
/// our verifier decides the same way (the operand is dropped either way), or None.
fn closed_tuple_operand(proof: &Proof) -> Option<Proof> {
    let closed = |v: &ProofValue| matches!(v, ProofValue::ClosedTuple { .. });
    let zero = ProofValue::Int(Int::ZERO);
    let mut ours = proof.clone();
    match proof.opcode {
        // The data operand: tget and tset's second, tlen's and keccakf's first (the
        // immediate first).
        0x50..=0x52 | 0x23 => {
            let index = usize::from(matches!(proof.opcode, 0x50 | 0x51));
            if !operand(proof, index).is_some_and(closed) {
                return None;
            }
            if proof.immediate.is_some() && index == 0 {
                ours.immediate = Some(zero);
            } else {
                let from_top = index.saturating_sub(usize::from(proof.immediate.is_some()));
                let at = proof.stack.len().checked_sub(from_top.checked_add(1)?)?;
                *ours.stack.get_mut(at)? = zero;
            }
        }
        // The aux stack's top.
        0x53 | 0x54 => {
            if !proof.aux.last().is_some_and(closed) {
                return None;
            }
            *ours.aux.last_mut()? = zero;
        }
        0x83 => {
            let list = match ours.immediate.as_mut() {
                Some(imm) => imm,
                None => ours.stack.last_mut()?,
            };
            if !open_pairing_list(list) {
                return None;
            }
        }
        _ => return None,
    }
    Some(ours)
}

/// The operand `index` places from the top (the immediate first).
fn operand(proof: &Proof, index: usize) -> Option<&ProofValue> {
    let mut items = proof.stack.iter().chain(proof.immediate.as_ref()).rev();
    items.nth(index)
}

fn int_operand(proof: &Proof, index: usize) -> Result<Int, Rejection> {
    operand(proof, index)
        .and_then(ProofValue::as_int)
        .copied()
        .ok_or(Rejection::Extra("a buffer operand changed type"))
}

fn buffer_operand(proof: &Proof, index: usize) -> Result<Hash, Rejection> {
    match operand(proof, index) {
        Some(ProofValue::Buffer(root)) => Ok(*root),
        _ => Err(Rejection::Extra("a buffer operand changed type")),
    }
}

fn offset_operand(proof: &Proof) -> Result<u64, Rejection> {
    u64::try_from(int_operand(proof, 0)?).map_err(|_| Rejection::Extra("offset past 2^64"))
}

/// A read of `width` bytes, as getbuffer8/64/256 do.
fn read(proof: &Proof, parts: &Parts, width: usize) -> Result<ProofValue, Rejection> {
    let root = buffer_operand(proof, 1)?;
    let at = offset_operand(proof)?;
    let first = buffer::read_leaf(&root, at / 32, parts.leaf(0))?;
    let start = (at % 32) as usize;
    let mut bytes = [0u8; 64];
    let (low, high) = bytes.split_at_mut(32);
    low.copy_from_slice(&first);
    if start.saturating_add(width) > 32 {
        let next = (at / 32)
            .checked_add(1)
            .ok_or(Rejection::BufferProof("a buffer read past byte 2^64 - 1"))?;
        high.copy_from_slice(&buffer::read_leaf(&root, next, parts.leaf(1))?);
    }
    let mut word = [0u8; 32];
    let read = bytes
        .get(start..start.saturating_add(width))
        .ok_or(Rejection::BufferProof("a buffer read past its leaves"))?;
    word.get_mut(32usize.saturating_sub(width)..)
        .ok_or(Rejection::BufferProof("a buffer read past its leaves"))?
        .copy_from_slice(read);
    Ok(ProofValue::Int(Int::from_be_bytes(word)))
}

/// A write of the low `width` bytes of the value, as setbuffer8/64/256 do.
fn write(proof: &Proof, parts: &Parts, width: usize) -> Result<ProofValue, Rejection> {
    let root = buffer_operand(proof, 2)?;
    let at = offset_operand(proof)?;
    let value = int_operand(proof, 1)?.to_be_bytes::<32>();
    let data = value
        .get(32usize.saturating_sub(width)..)
        .ok_or(Rejection::BufferProof(
            "a buffer write of more than 32 bytes",
        ))?;
    let start = (at % 32) as usize;
    let in_first = 32usize.saturating_sub(start).min(data.len());
    let (first, second) = data.split_at(in_first);
    let index = at / 32;
    let mut new_root =
        buffer::write_leaf(&root, index, start, first, parts.leaf(0), parts.normal(0))?;
    if !second.is_empty() {
        let next = index
            .checked_add(1)
            .ok_or(Rejection::BufferProof("a buffer write past byte 2^64 - 1"))?;
        new_root = buffer::write_leaf(&new_root, next, 0, second, parts.leaf(1), parts.normal(1))?;
    }
    Ok(ProofValue::Buffer(new_root))
}

/// Checks the Classic proof of one step from `before` and returns the state after it.
///
/// `proof` and `buffer_proof` are `executeStep`'s `proof` and `bproof`. The step's
/// machine proof is decoded into our own [`Proof`] and decided by [`verify`]; for the
/// buffer instructions, whose Merkle proofs the C++ AVM writes in its own way (a leaf
/// beyond the tree is proven by the leaf at the same index modulo the tree's width; a
/// write's second leaf is proven in the canonical tree after the first), the leaves
/// are checked here and the instruction's result computed from them.
///
/// Bytes after the machine proof are ignored, as the contracts ignore them, except for
/// `send` (its data) and `inbox` (its inbox suffix). Without the inbox contracts'
/// accumulators a step that reads a message is rejected: see [`verify_step_with_inbox`].
pub fn verify_step(
    before: &ExecutionState,
    proof: &[u8],
    buffer_proof: &[u8],
) -> Result<ExecutionState, Rejection> {
    verify_step_with_inbox(before, proof, buffer_proof, &NoL1Inbox)
}

/// [`verify_step`] with the inbox contracts' accumulators, so that `inbox` steps can be
/// decided.
///
/// An `inbox` step's proof carries, after the machine proof, the inbox suffix (see
/// [`InboxSuffix`]); it is checked as `OneStepProof` checks it, with `before`'s
/// `inboxCount` as the messages read, and the machine then receives the message. As on
/// L1, the before-state's `inboxAcc` is not consulted; the after-state's is the
/// SequencerInbox's running accumulator after the message's batch item (what the
/// Classic node reports as the inbox accumulator once the message is read). An `inbox`
/// step that does not read (its machine cannot pay for it) ignores the suffix, as the
/// contract does.
pub fn verify_step_with_inbox(
    before: &ExecutionState,
    proof: &[u8],
    buffer_proof: &[u8],
    inbox: &impl L1InboxOracle,
) -> Result<ExecutionState, Rejection> {
    let decoded = decode(proof)?;
    if super::not_in_classic(decoded.proof.opcode) {
        let opcode = decoded.proof.opcode;
        return as_invalid_opcode(before, decoded.proof).map_err(|_| Rejection::NotClassic(opcode));
    }
    let pops = usize::from(info_for_byte(decoded.proof.opcode).pops);
    let shown = decoded
        .proof
        .stack
        .len()
        .saturating_add(usize::from(decoded.proof.immediate.is_some()));
    if shown < pops {
        return data_underflow(before, decoded.proof);
    }
    if let Some(ours) = closed_tuple_operand(&decoded.proof) {
        return decide_as(before, &decoded.proof, &ours);
    }
    let mut ours = decoded.proof;
    let pre = claim_of(before);
    let no_inbox = InboxAccumulators::default();
    let post = match verify(&pre, &ours, &no_inbox) {
        Err(Rejection::Extra(why)) => match ours.opcode {
            // send: its data follows the machine proof, or a leaf shows the buffer longer.
            0x70 => {
                let size = offset_operand(&ours)?;
                if decoded.tail.is_empty() {
                    // No data: a leaf must show the buffer longer than the size.
                    let parts = Parts::parse(buffer_proof)?;
                    let root = buffer_operand(&ours, 1)?;
                    if !buffer::longer_than(&root, size, parts.leaf(0))? {
                        return Err(Rejection::SendData);
                    }
                    finish(&pre, &ours, None)?
                } else {
                    let data = usize::try_from(size)
                        .ok()
                        .and_then(|n| decoded.tail.get(..n))
                        .ok_or(Rejection::SendData)?;
                    ours.extra = Extra::SendData(data.to_vec());
                    verify(&pre, &ours, &no_inbox)?
                }
            }
            0xa1..=0xa3 => {
                let width = match ours.opcode {
                    0xa1 => 1,
                    0xa2 => 8,
                    _ => 32,
                };
                let value = read(&ours, &Parts::parse(buffer_proof)?, width)?;
                finish(&pre, &ours, Some(value))?
            }
            0xa4..=0xa6 => {
                let width = match ours.opcode {
                    0xa4 => 1,
                    0xa5 => 8,
                    _ => 32,
                };
                let value = write(&ours, &Parts::parse(buffer_proof)?, width)?;
                finish(&pre, &ours, Some(value))?
            }
            INBOX => {
                let (suffix, _) = InboxSuffix::parse(decoded.tail)
                    .map_err(|e| Rejection::Malformed(format!("Classic proof: {e}")))?;
                let checked = suffix
                    .check(&Int::from(before.inbox_count), inbox)
                    .map_err(|e| Rejection::Extra(e.reason()))?;
                let oracle = OneMessage {
                    count: before.inbox_count,
                    before: before.inbox_acc,
                    after: keccak_pair(&before.inbox_acc, &checked.value.hash()),
                };
                ours.extra = Extra::Message(checked.value);
                let mut post = verify(&pre, &ours, &oracle)?;
                post.inbox_acc = checked.item_acc;
                post
            }
            _ => return Err(Rejection::Extra(why)),
        },
        other => other?,
    };
    state_of(before, &post)
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]
mod tests {
    use super::*;
    use crate::classic::ClassicStep;

    fn fixture_step(file: &str, index: usize) -> ClassicStep {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/fixtures/classic/proofs")
            .join(file);
        let text = std::fs::read_to_string(path).expect("fixture");
        ClassicStep::parse_file(&text).unwrap().swap_remove(index)
    }

    /// The before-state of the machine a Classic proof shows, with `opcode` at its pc.
    fn shown_state(step: &ClassicStep, opcode: u8) -> (ExecutionState, Vec<u8>) {
        let mut proof = step.proof.clone();
        proof[0] = opcode;
        let decoded = decode(&proof).unwrap().proof;
        let stack = fold_stack(&decoded.stack, &decoded.stack_rest);
        let pc = crate::code_point(opcode, decoded.immediate.as_ref(), &decoded.next_hash);
        let before = ExecutionState {
            machine_hash: machine_hash(&decoded, &pc, &stack, &decoded.gas_remaining),
            ..step.before
        };
        (before, proof)
    }

    #[test]
    fn an_opcode_the_contracts_lack_is_decided_as_an_invalid_opcode() {
        // Found by the L1 differential test: OneStepProof accepts a proof of
        // ripemd160f, blake2f or inboxpeek as an invalid opcode (an Error, like
        // `error`), where we refused every proof of one.
        let step = fixture_step("opcodetestmath.mexe-proofs.json", 0); // with an immediate
        let (error_before, error_proof) = shown_state(&step, avm_code::Opcode::Error as u8);
        let as_error = verify_step(&error_before, &error_proof, &[]).unwrap();
        assert_eq!(as_error.gas_used, step.before.gas_used + 5);
        for opcode in crate::classic::opcodes_not_in_classic() {
            let (before, proof) = shown_state(&step, opcode);
            let after = verify_step(&before, &proof, &[]).unwrap();
            assert_eq!(after, as_error, "{opcode:#04x}");
            // A proof of another machine is refused, as any.
            assert_eq!(
                verify_step(&step.before, &proof, &[]),
                Err(Rejection::NotClassic(opcode))
            );
        }
    }

    /// An `xget` (one data value, one aux value popped) with nothing shown: the data
    /// stack below empty, the aux stack below `aux_rest`, `aux` shown.
    fn xget_underflow(aux: &[Int], aux_rest: &StackDigest, data_rest: &StackDigest) -> Vec<u8> {
        let mut bytes = vec![0x53, 0, u8::try_from(aux.len()).unwrap()];
        for value in aux {
            bytes.push(0);
            bytes.extend(value.to_be_bytes::<32>());
        }
        bytes.extend([0u8; 32]); // next code point
        for digest in [data_rest, aux_rest] {
            bytes.extend(digest.inner.0);
            bytes.extend(digest.size.to_be_bytes::<32>());
        }
        bytes.extend([0u8; 33]); // register: the integer 0
        bytes.extend([0u8; 33]); // static: the integer 0
        bytes.extend(Int::from(100u64).to_be_bytes::<32>()); // gas
        bytes.extend([0x44u8; 32]); // an error handler
        bytes.push(0);
        bytes
    }

    #[test]
    fn a_data_underflow_does_not_look_at_the_aux_stack() {
        // Found by the L1 differential test: when the data stack underflows,
        // OneStepProof raises the Error without checking that the aux values the
        // instruction would pop are shown (or the aux stack empty); we refused.
        let seven = avm_value::keccak256(&Int::from(7u64).to_be_bytes::<32>());
        let aux_rest = StackDigest::empty().push(&seven, &Int::from(1u64));
        let empty = StackDigest::empty();
        let proof = xget_underflow(&[], &aux_rest, &empty);
        let decoded = decode(&proof).unwrap().proof;
        let pc = crate::code_point(0x53, None, &decoded.next_hash);
        let before = ExecutionState {
            machine_hash: machine_hash(&decoded, &pc, &empty, &decoded.gas_remaining),
            gas_used: 10,
            ..ExecutionState::default()
        };
        let after = verify_step(&before, &proof, &[]).unwrap();
        // The Error: to the handler, stacks as they were, the error gas paid.
        let expected = machine_hash(&decoded, &Hash([0x44; 32]), &empty, &Int::from(95u64));
        assert_eq!(after.machine_hash, expected);
        assert_eq!(after.gas_used, 15);
        // Showing that aux value instead: the same step of the same machine, except
        // that the contract drops the values shown, so the aux stack ends empty.
        let shown = xget_underflow(&[Int::from(7u64)], &empty, &empty);
        let dropped = verify_step(&before, &shown, &[]).unwrap();
        let no_aux = Proof {
            aux: vec![],
            aux_rest: empty,
            ..decode(&shown).unwrap().proof
        };
        assert_eq!(
            dropped.machine_hash,
            machine_hash(&no_aux, &Hash([0x44; 32]), &empty, &Int::from(95u64))
        );
        // More aux values than it pops (AUX_MANY), or a data stack below that is not
        // empty (STACK_MISSING): refused.
        let two = xget_underflow(&[Int::from(7u64), Int::from(8u64)], &empty, &empty);
        assert!(verify_step(&before, &two, &[]).is_err());
        let data = xget_underflow(&[], &aux_rest, &aux_rest);
        assert!(verify_step(&before, &data, &[]).is_err());
    }

    /// A step of `opcode` whose one operand is `operand` (marshaled), above an empty
    /// stack, with `gas` AVMGas left.
    fn one_operand(opcode: u8, operand: &[u8], gas: u64) -> (ExecutionState, Vec<u8>) {
        let mut bytes = vec![opcode, 1, 0];
        bytes.extend(operand);
        bytes.extend([0u8; 32]); // next code point
        for digest in [StackDigest::empty(), StackDigest::empty()] {
            bytes.extend(digest.inner.0);
            bytes.extend(digest.size.to_be_bytes::<32>());
        }
        bytes.extend([0u8; 66]); // register and static: the integer 0
        bytes.extend(Int::from(gas).to_be_bytes::<32>());
        bytes.extend([0x44u8; 32]); // an error handler
        bytes.push(0);
        let before = ExecutionState {
            machine_hash: shown_machine_hash(&decode(&bytes).unwrap().proof),
            ..ExecutionState::default()
        };
        (before, bytes)
    }

    fn tlen(operand: &[u8]) -> (ExecutionState, Vec<u8>) {
        one_operand(0x52, operand, 100)
    }

    fn closed_tuple() -> Vec<u8> {
        let mut closed = vec![2u8];
        closed.extend([0x33u8; 32]);
        closed.extend(Int::from(3u64).to_be_bytes::<32>());
        closed
    }

    #[test]
    fn an_ecpairing_point_or_cell_shown_as_a_hash_preimage_is_not_a_tuple() {
        // Found by the L1 differential test (an opcode swapped for ecpairing): the
        // contract's walk of the list stops at a cell shown as a hash preimage, and
        // rejects such a point, after paying for the pairs walked; we refused.
        let gas = 10_000_000;
        let decide = |list: &[u8]| {
            let (before, proof) = one_operand(0x83, list, gas);
            verify_step(&before, &proof, &[]).unwrap()
        };
        // [closed point, []]: one pair paid for, then the Error.
        let mut closed_point = vec![5u8];
        closed_point.extend(closed_tuple());
        closed_point.push(3);
        let mut int_point = vec![5u8, 0];
        int_point.extend([0u8; 32]);
        int_point.push(3);
        let after = decide(&closed_point);
        assert_eq!(after, decide(&int_point));
        assert_eq!(after.gas_used, 1_000 + 500_000);
        // [6-int point, closed rest]: one pair walked, then a cell that is no tuple.
        let mut closed_cell = vec![5u8, 9];
        for _ in 0..6 {
            closed_cell.push(0);
            closed_cell.extend([0u8; 32]);
        }
        closed_cell.extend(closed_tuple());
        let after = decide(&closed_cell);
        assert_eq!(after.gas_used, 1_000 + 500_000);
        // A closed list itself: no pair walked.
        assert_eq!(decide(&closed_tuple()).gas_used, 1_000);
    }

    #[test]
    fn a_tuple_shown_as_a_hash_preimage_is_not_a_tuple() {
        // Found by the L1 differential test: OneStepProof's `isTuple` is false for a
        // tuple shown as its hash preimage (type 2), so tget, tset, tlen, xget and
        // xset raise an Error on it; we refused the proof.
        // keccakf too (found the same way, with an opcode swapped for it).
        let (before, proof) = one_operand(0x23, &closed_tuple(), 1_000);
        let (int_before, int_proof) = one_operand(0x23, &[0u8; 33], 1_000);
        assert_eq!(
            verify_step(&before, &proof, &[]).unwrap(),
            verify_step(&int_before, &int_proof, &[]).unwrap()
        );
        let (before, proof) = tlen(&closed_tuple());
        let after = verify_step(&before, &proof, &[]).unwrap();
        // As for an integer operand: to the handler, the operand dropped, 2 gas paid.
        let (int_before, int_proof) = tlen(&[0u8; 33]);
        let int_after = verify_step(&int_before, &int_proof, &[]).unwrap();
        assert_eq!(after.machine_hash, int_after.machine_hash);
        assert_eq!(after.gas_used, 2);
        // An opened tuple is a tuple: its length is pushed.
        let (open_before, open_proof) = tlen(&[3u8]);
        let open_after = verify_step(&open_before, &open_proof, &[]).unwrap();
        assert_ne!(open_after.machine_hash, after.machine_hash);
    }

    /// Upstream's recorded `log` step of buffer_test.mexe (step 16).
    fn log_step() -> ClassicStep {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/fixtures/classic/proofs/buffer_test.mexe-proofs.json");
        let text = std::fs::read_to_string(path).expect("fixture");
        let step = ClassicStep::parse_file(&text).unwrap().swap_remove(16);
        assert_eq!(step.after.log_count, step.before.log_count + 1);
        step
    }

    #[test]
    fn a_count_that_would_pass_u64_max_is_refused_not_stuck() {
        // The contract sees no counts, so it cannot refuse such a claim; ours does
        // (issue 20: a counter never wraps or sticks). The differential test judges
        // the proofs apart from the claim's counts.
        let step = log_step();
        let mut before = step.before;
        before.log_count = u64::MAX;
        assert_eq!(
            verify_step(&before, &step.proof, &step.buffer_proof),
            Err(Rejection::CounterOverflow("log count"))
        );
        // A count that does not move may be anything.
        before.log_count = step.before.log_count;
        before.send_count = u64::MAX;
        let after = verify_step(&before, &step.proof, &step.buffer_proof).unwrap();
        assert_eq!(after.send_count, u64::MAX);
        assert_eq!(
            ExecutionState {
                send_count: step.after.send_count,
                ..after
            },
            step.after
        );
        // Gas is what the contract checks: past u64::MAX the step is refused.
        before.gas_used = u64::MAX;
        assert!(verify_step(&before, &step.proof, &step.buffer_proof).is_err());
    }
}
