//! The effect of each instruction on the values a proof shows. A is the top of the
//! working stack (the immediate, if any), B the item below it, C below that.
//!
//! Every handler decides a guest Error ([`Outcome::Fault`]) before changing anything
//! but the popped items, as the machine's handlers do; the verifier then removes the
//! popped items. A handler rejects the proof (Err) when the proof does not show what
//! the instruction reads.

use avm_code::opcode::{ECPAIRING_GAS_PER_PAIR, ECPAIRING_MAX_PAIRS, SEND_SIZE_LIMIT};
use avm_code::Opcode;
use avm_primitives::{ec, hash_functions, int};
use avm_value::{empty_tuple_digest, error_code_point_hash, keccak256, keccak_pair, Hash, Int};

use crate::merkle;
use crate::verify::{Outcome, StepState};
use crate::{code_point, Extra, InboxOracle, ProofValue, Rejection};

type Step = Result<Outcome, Rejection>;

/// The items of a tuple, None if the value is no tuple, or a rejection if the proof
/// does not open it.
fn items<'v>(
    value: &'v ProofValue,
    what: &'static str,
) -> Result<Option<&'v [ProofValue]>, Rejection> {
    match value {
        ProofValue::Tuple(items) => Ok(Some(items)),
        ProofValue::ClosedTuple { .. } => Err(Rejection::NotOpened(what)),
        _ => Ok(None),
    }
}

/// Whether a value is the empty tuple (decidable from a closed tuple's digest too).
fn is_empty_tuple(value: &ProofValue) -> bool {
    match value {
        ProofValue::Tuple(items) => items.is_empty(),
        ProofValue::ClosedTuple { inner, size } => {
            let d = empty_tuple_digest();
            *inner == d.inner && *size == d.size
        }
        _ => false,
    }
}

/// Equality as `eq` decides it: integers by value, other values of one type by hash,
/// values of different types are unequal.
fn equal(a: &ProofValue, b: &ProofValue) -> bool {
    match (a, b) {
        (ProofValue::Int(x), ProofValue::Int(y)) => x == y,
        _ => a.kind() == b.kind() && a.hash() == b.hash(),
    }
}

/// An index operand as a slot number below `len`.
fn slot(index: &Int, len: usize) -> Option<usize> {
    usize::try_from(*index).ok().filter(|i| *i < len)
}

/// The AVMGas `ecpairing` charges beyond its base cost (500000 per 2-tuple node of
/// the list on top, at most 30), which the proof must show.
pub(crate) fn ecpairing_extra_gas(stack: &[ProofValue]) -> Result<u64, Rejection> {
    let mut node = stack.last();
    let mut gas = 0;
    for _ in 0..ECPAIRING_MAX_PAIRS {
        match node.map(|n| items(n, "the ecpairing list")).transpose()? {
            Some(Some([_, rest])) => {
                // At most ECPAIRING_MAX_PAIRS (30) * 500000: never reached.
                gas = u64::checked_add(gas, ECPAIRING_GAS_PER_PAIR)
                    .ok_or(Rejection::CounterOverflow("gas used"))?;
                node = Some(rest);
            }
            _ => break,
        }
    }
    Ok(gas)
}

impl<I: InboxOracle> StepState<'_, I> {
    fn top(&self, depth: usize) -> Option<&ProofValue> {
        depth
            .checked_add(1)
            .and_then(|n| self.stack.len().checked_sub(n))
            .and_then(|i| self.stack.get(i))
    }

    fn int(&self, depth: usize) -> Option<Int> {
        self.top(depth).and_then(ProofValue::as_int).copied()
    }

    /// Pops `n` items and pushes `results` (in push order).
    fn replace(&mut self, n: usize, results: impl IntoIterator<Item = ProofValue>) -> Step {
        self.stack.truncate(self.stack.len().saturating_sub(n));
        self.stack.extend(results);
        Ok(Outcome::Next)
    }

    fn push(&mut self, value: ProofValue) -> Step {
        self.replace(0, [value])
    }

    fn int_result(&mut self, n: usize, value: Option<Int>) -> Step {
        match value {
            Some(v) => self.replace(n, [ProofValue::Int(v)]),
            None => Ok(Outcome::Fault),
        }
    }

    /// A two-integer instruction: `f(A, B)` (None raises an Error).
    fn binary(&mut self, f: impl FnOnce(&Int, &Int) -> Option<Int>) -> Step {
        let value = match (self.int(0), self.int(1)) {
            (Some(a), Some(b)) => f(&a, &b),
            _ => None,
        };
        self.int_result(2, value)
    }

    fn total(&mut self, f: impl FnOnce(&Int, &Int) -> Int) -> Step {
        self.binary(|a, b| Some(f(a, b)))
    }

    fn ternary(&mut self, f: impl FnOnce(&Int, &Int, &Int) -> Option<Int>) -> Step {
        let value = match (self.int(0), self.int(1), self.int(2)) {
            (Some(a), Some(b), Some(c)) => f(&a, &b, &c),
            _ => None,
        };
        self.int_result(3, value)
    }

    fn unary(&mut self, f: impl FnOnce(&Int) -> Int) -> Step {
        let value = self.int(0).map(|a| f(&a));
        self.int_result(1, value)
    }

    fn extra(&mut self) -> &Extra {
        self.extra_used = true;
        &self.proof.extra
    }

    fn reads(&mut self) -> Result<Vec<avm_value::LeafPath>, Rejection> {
        match self.extra() {
            Extra::Reads(paths) => Ok(paths.clone()),
            _ => Err(Rejection::Extra("a buffer read needs leaf paths")),
        }
    }
}

/// Applies `op` to the step state.
pub(crate) fn execute<I: InboxOracle>(s: &mut StepState<'_, I>, op: Opcode) -> Step {
    match op {
        Opcode::Add => s.total(int::add),
        Opcode::Mul => s.total(int::mul),
        Opcode::Sub => s.total(int::sub),
        Opcode::Div => s.binary(int::div),
        Opcode::Sdiv => s.binary(int::sdiv),
        Opcode::Mod => s.binary(int::modulo),
        Opcode::Smod => s.binary(int::smod),
        Opcode::AddMod => s.ternary(int::addmod),
        Opcode::MulMod => s.ternary(int::mulmod),
        Opcode::Exp => s.total(int::exp),
        Opcode::SignExtend => s.total(int::signextend),
        Opcode::Lt => s.total(int::lt),
        Opcode::Gt => s.total(int::gt),
        Opcode::Slt => s.total(int::slt),
        Opcode::Sgt => s.total(int::sgt),
        Opcode::Eq => {
            let result = match (s.top(0), s.top(1)) {
                (Some(a), Some(b)) => equal(a, b),
                _ => return Ok(Outcome::Fault),
            };
            s.replace(2, [ProofValue::Int(int::from_bool(result))])
        }
        Opcode::IsZero => s.unary(int::iszero),
        Opcode::And => s.total(int::and),
        Opcode::Or => s.total(int::or),
        Opcode::Xor => s.total(int::xor),
        Opcode::Not => s.unary(int::not),
        Opcode::Byte => s.total(int::byte),
        Opcode::Shl => s.total(int::shl),
        Opcode::Shr => s.total(int::shr),
        Opcode::Sar => s.total(int::sar),

        Opcode::Hash => {
            let h = s.top(0).map(ProofValue::hash).unwrap_or_default();
            s.replace(1, [ProofValue::Int(h.to_int())])
        }
        Opcode::Type => {
            let kind = s.top(0).map_or(0, |v| v.kind() as u8);
            s.replace(1, [ProofValue::Int(Int::from(kind))])
        }
        Opcode::EthHash2 => s.total(int::ethhash2),
        Opcode::KeccakF => keccakf(s),
        Opcode::Sha256F => s.ternary(|a, b, c| Some(hash_functions::sha256f(a, b, c))),
        Opcode::Ripemd160F => s.ternary(|a, b, c| Some(hash_functions::ripemd160f(a, b, c))),
        Opcode::Blake2F => blake2f(s),

        Opcode::Pop | Opcode::DebugPrint => s.replace(1, []),
        Opcode::Spush => s.push(s.proof.static_value.clone()),
        Opcode::Rpush => s.push(s.register.clone()),
        Opcode::Rset => {
            s.register = s.stack.pop().unwrap_or_default();
            Ok(Outcome::Next)
        }
        Opcode::Jump => match s.top(0) {
            Some(ProofValue::CodePoint(dest)) => {
                let dest = *dest;
                s.replace(1, [])?;
                Ok(Outcome::Jump(dest))
            }
            _ => Ok(Outcome::Fault),
        },
        Opcode::Cjump => match (s.top(0), s.int(1)) {
            (Some(ProofValue::CodePoint(dest)), Some(cond)) => {
                let dest = *dest;
                s.replace(2, [])?;
                Ok(if cond.is_zero() {
                    Outcome::Next
                } else {
                    Outcome::Jump(dest)
                })
            }
            _ => Ok(Outcome::Fault),
        },
        Opcode::StackEmpty => {
            let empty = s.stack.is_empty() && s.stack_rest == avm_value::StackDigest::empty();
            s.push(ProofValue::Int(int::from_bool(empty)))
        }
        Opcode::PcPush => s.push(ProofValue::CodePoint(s.pc)),
        Opcode::AuxPush => {
            let value = s.stack.pop().unwrap_or_default();
            s.aux.push(value);
            Ok(Outcome::Next)
        }
        Opcode::AuxPop => {
            let value = s.aux.pop().unwrap_or_default();
            s.push(value)
        }
        Opcode::AuxStackEmpty => {
            let empty = s.aux.is_empty() && s.aux_rest == avm_value::StackDigest::empty();
            s.push(ProofValue::Int(int::from_bool(empty)))
        }
        Opcode::Nop | Opcode::Breakpoint => Ok(Outcome::Next),
        Opcode::ErrPush => s.push(ProofValue::CodePoint(s.err)),
        Opcode::ErrSet => match s.top(0) {
            Some(ProofValue::CodePoint(h)) => {
                s.err = *h;
                s.replace(1, [])
            }
            _ => Ok(Outcome::Fault),
        },

        Opcode::Dup0 => dup(s, 0),
        Opcode::Dup1 => dup(s, 1),
        Opcode::Dup2 => dup(s, 2),
        Opcode::Swap1 => swap(s, 1),
        Opcode::Swap2 => swap(s, 2),

        Opcode::Tget => tuple_get(s),
        Opcode::Tset => tuple_set(s),
        Opcode::Tlen => match s.top(0).map(|v| items(v, "the tlen operand")).transpose()? {
            Some(Some(items)) => {
                let len = Int::from(items.len());
                s.replace(1, [ProofValue::Int(len)])
            }
            _ => Ok(Outcome::Fault),
        },
        Opcode::Xget => aux_get(s),
        Opcode::Xset => aux_set(s),

        Opcode::Log => {
            let value = s.stack.pop().unwrap_or_default();
            s.post.log_acc = keccak_pair(&s.post.log_acc, &value.hash());
            Ok(Outcome::Next)
        }
        Opcode::Send => send(s),
        Opcode::InboxPeek => {
            let Some(a) = s.top(0).cloned() else {
                return Ok(Outcome::Fault);
            };
            if a.as_int().is_none() {
                return Ok(Outcome::Fault);
            }
            if s.pending.is_none() {
                s.pending = Some(s.take_message()?);
            }
            let matches = match s
                .pending
                .as_ref()
                .map(|p| items(p, "the pending message"))
                .transpose()?
            {
                Some(Some(items)) => items.get(1).is_some_and(|b| equal(&a, b)),
                _ => false,
            };
            s.replace(1, [ProofValue::Int(int::from_bool(matches))])
        }
        Opcode::Inbox => {
            let message = match s.pending.take() {
                Some(pending) => pending,
                None => s.take_message()?,
            };
            s.push(message)
        }
        Opcode::Error => Ok(Outcome::Fault),
        Opcode::Halt => Ok(Outcome::Halt),
        Opcode::SetGas => match s.int(0) {
            Some(gas) => {
                s.gas = gas;
                s.replace(1, [])
            }
            None => Ok(Outcome::Fault),
        },
        Opcode::PushGas => s.push(ProofValue::Int(s.gas)),
        Opcode::ErrCodePoint => s.push(ProofValue::CodePoint(error_code_point_hash())),
        Opcode::PushInsn => match (s.int(0), s.top(1)) {
            (Some(op), Some(ProofValue::CodePoint(next))) => {
                let h = code_point(op.as_limbs()[0] as u8, None, next);
                s.replace(2, [ProofValue::CodePoint(h)])
            }
            _ => Ok(Outcome::Fault),
        },
        Opcode::PushInsnImm => match (s.int(0), s.top(1), s.top(2)) {
            (Some(op), Some(imm), Some(ProofValue::CodePoint(next))) => {
                let h = code_point(op.as_limbs()[0] as u8, Some(imm), next);
                s.replace(3, [ProofValue::CodePoint(h)])
            }
            _ => Ok(Outcome::Fault),
        },
        Opcode::Sideload => match s.int(0) {
            Some(_) => s.replace(1, [ProofValue::none()]),
            None => Ok(Outcome::Fault),
        },

        Opcode::EcRecover => {
            let value = match (s.int(0), s.int(1), s.int(2), s.int(3)) {
                (Some(r), Some(sig), Some(v), Some(m)) => Some(ec::ecrecover(&r, &sig, &v, &m)),
                _ => None,
            };
            s.int_result(4, value)
        }
        Opcode::EcAdd => {
            let sum = match (s.int(0), s.int(1), s.int(2), s.int(3)) {
                (Some(a), Some(b), Some(c), Some(d)) => ec::bn_add(&(a, b), &(c, d)),
                _ => None,
            };
            point_result(s, 4, sum)
        }
        Opcode::EcMul => {
            let product = match (s.int(0), s.int(1), s.int(2)) {
                (Some(a), Some(b), Some(c)) => ec::bn_mul(&(a, b), &c),
                _ => None,
            };
            point_result(s, 3, product)
        }
        Opcode::EcPairing => ecpairing(s),

        Opcode::NewBuffer => s.push(ProofValue::Buffer(merkle::zero_root(0))),
        Opcode::GetBuffer8 => buffer_get(s, 1),
        Opcode::GetBuffer64 => buffer_get(s, 8),
        Opcode::GetBuffer256 => buffer_get(s, 32),
        Opcode::SetBuffer8 => buffer_set(s, 1),
        Opcode::SetBuffer64 => buffer_set(s, 8),
        Opcode::SetBuffer256 => buffer_set(s, 32),
    }
}

fn point_result<I: InboxOracle>(
    s: &mut StepState<'_, I>,
    pops: usize,
    point: Option<ec::G1>,
) -> Step {
    match point {
        Some((x, y)) => s.replace(pops, [ProofValue::Int(y), ProofValue::Int(x)]),
        None => Ok(Outcome::Fault),
    }
}

/// Pushes a copy of the item `depth` below A.
fn dup<I: InboxOracle>(s: &mut StepState<'_, I>, depth: usize) -> Step {
    let value = s.top(depth).cloned().unwrap_or_default();
    s.push(value)
}

/// Swaps A with the item `depth` below it.
fn swap<I: InboxOracle>(s: &mut StepState<'_, I>, depth: usize) -> Step {
    let top = s.stack.len().checked_sub(1);
    match top.and_then(|top| Some((top, top.checked_sub(depth)?))) {
        Some((top, other)) => {
            s.stack.swap(top, other);
            Ok(Outcome::Next)
        }
        // The verifier faults an underflowing step before it gets here.
        None => Ok(Outcome::Fault),
    }
}

fn keccakf<I: InboxOracle>(s: &mut StepState<'_, I>) -> Step {
    let Some(value) = s.top(0) else {
        return Ok(Outcome::Fault);
    };
    let Some(items) = items(value, "the keccakf operand")? else {
        return Ok(Outcome::Fault);
    };
    let ints: Vec<&Int> = items.iter().filter_map(ProofValue::as_int).collect();
    let Ok(input) = <[&Int; 7]>::try_from(ints.as_slice()) else {
        return Ok(Outcome::Fault);
    };
    if items.len() != 7 {
        return Ok(Outcome::Fault);
    }
    let out = hash_functions::keccakf(input).map(ProofValue::Int).to_vec();
    s.replace(1, [ProofValue::Tuple(out)])
}

fn tuple_get<I: InboxOracle>(s: &mut StepState<'_, I>) -> Step {
    let (Some(index), Some(tuple)) = (s.int(0), s.top(1)) else {
        return Ok(Outcome::Fault);
    };
    let Some(items) = items(tuple, "the tget tuple")? else {
        return Ok(Outcome::Fault);
    };
    match slot(&index, items.len()).and_then(|i| items.get(i)) {
        Some(value) => {
            let value = value.clone();
            s.replace(2, [value])
        }
        None => Ok(Outcome::Fault),
    }
}

fn tuple_set<I: InboxOracle>(s: &mut StepState<'_, I>) -> Step {
    let (Some(index), Some(tuple), Some(value)) = (s.int(0), s.top(1), s.top(2)) else {
        return Ok(Outcome::Fault);
    };
    let Some(items) = items(tuple, "the tset tuple")? else {
        return Ok(Outcome::Fault);
    };
    let mut updated = items.to_vec();
    match slot(&index, updated.len()).and_then(|i| updated.get_mut(i)) {
        Some(item) => {
            *item = value.clone();
            s.replace(3, [ProofValue::Tuple(updated)])
        }
        None => Ok(Outcome::Fault),
    }
}

fn aux_get<I: InboxOracle>(s: &mut StepState<'_, I>) -> Step {
    let (Some(index), Some(tuple)) = (s.int(0), s.aux.last()) else {
        return Ok(Outcome::Fault);
    };
    let Some(items) = items(tuple, "the xget tuple")? else {
        return Ok(Outcome::Fault);
    };
    match slot(&index, items.len()).and_then(|i| items.get(i)) {
        Some(value) => {
            let value = value.clone();
            s.replace(1, [value])
        }
        None => Ok(Outcome::Fault),
    }
}

fn aux_set<I: InboxOracle>(s: &mut StepState<'_, I>) -> Step {
    let (Some(index), Some(value), Some(tuple)) = (s.int(0), s.top(1), s.aux.last()) else {
        return Ok(Outcome::Fault);
    };
    let Some(items) = items(tuple, "the xset tuple")? else {
        return Ok(Outcome::Fault);
    };
    let mut updated = items.to_vec();
    match slot(&index, updated.len()).and_then(|i| updated.get_mut(i)) {
        Some(item) => *item = value.clone(),
        None => return Ok(Outcome::Fault),
    }
    // s.aux.last() was Some above, so this always finds the tuple.
    let Some(top) = s.aux.last_mut() else {
        return Ok(Outcome::Fault);
    };
    *top = ProofValue::Tuple(updated);
    s.replace(2, [])
}

fn ecpairing<I: InboxOracle>(s: &mut StepState<'_, I>) -> Step {
    let mut pairs = Vec::new();
    let Some(mut node) = s.top(0) else {
        return Ok(Outcome::Fault);
    };
    for _ in 0..ECPAIRING_MAX_PAIRS {
        let Some(list) = items(node, "an ecpairing list node")? else {
            return Ok(Outcome::Fault);
        };
        match list {
            [] => break,
            [pair, rest] => {
                let Some(pair) = items(pair, "an ecpairing pair")? else {
                    return Ok(Outcome::Fault);
                };
                let ints: Vec<Int> = pair
                    .iter()
                    .filter_map(ProofValue::as_int)
                    .copied()
                    .collect();
                let [x, y, x0, x1, y0, y1] = ints.as_slice() else {
                    return Ok(Outcome::Fault);
                };
                if pair.len() != 6 {
                    return Ok(Outcome::Fault);
                }
                pairs.push(((*x, *y), [*x0, *x1, *y0, *y1]));
                node = rest;
            }
            _ => return Ok(Outcome::Fault),
        }
    }
    if !is_empty_tuple(node) {
        return Ok(Outcome::Fault);
    }
    let value = ec::bn_pairing(&pairs).map(int::from_bool);
    s.int_result(1, value)
}

/// The offset operand A, if `width` bytes from it stay below 2^64.
fn offset<I: InboxOracle>(s: &StepState<'_, I>, width: u64) -> Option<u64> {
    let offset = u64::try_from(s.int(0)?).ok()?;
    offset.checked_add(width.checked_sub(1)?)?;
    Some(offset)
}

fn buffer_root<I: InboxOracle>(s: &StepState<'_, I>, depth: usize) -> Option<Hash> {
    match s.top(depth) {
        Some(ProofValue::Buffer(root)) => Some(*root),
        _ => None,
    }
}

fn buffer_get<I: InboxOracle>(s: &mut StepState<'_, I>, width: u64) -> Step {
    let (Some(at), Some(root)) = (offset(s, width), buffer_root(s, 1)) else {
        return Ok(Outcome::Fault);
    };
    let paths = s.reads()?;
    let mut bytes = [0u8; 32];
    // Width is 1, 8 or 32 (the only values `execute` passes).
    let out = usize::try_from(width)
        .ok()
        .and_then(|w| bytes.len().checked_sub(w))
        .and_then(|start| bytes.get_mut(start..))
        .ok_or(Rejection::BufferProof(
            "a buffer read must be of 1 to 32 bytes",
        ))?;
    merkle::read_bytes(&root, at, out, &paths)?;
    s.replace(2, [ProofValue::Int(Int::from_be_bytes(bytes))])
}

fn buffer_set<I: InboxOracle>(s: &mut StepState<'_, I>, width: u64) -> Step {
    let (Some(at), Some(value), Some(root)) = (offset(s, width), s.int(1), buffer_root(s, 2))
    else {
        return Ok(Outcome::Fault);
    };
    let fits = match width {
        1 => value <= Int::from(u8::MAX),
        8 => value <= Int::from(u64::MAX),
        _ => true,
    };
    if !fits {
        return Ok(Outcome::Fault);
    }
    let bytes = value.to_be_bytes::<32>();
    // Width is 1, 8 or 32 (the only values `execute` passes).
    let data = usize::try_from(width)
        .ok()
        .and_then(|w| bytes.len().checked_sub(w))
        .and_then(|start| bytes.get(start..))
        .ok_or(Rejection::BufferProof(
            "a buffer write of more than 32 bytes",
        ))?;
    let Extra::Write {
        first,
        second,
        normal,
    } = s.extra().clone()
    else {
        return Err(Rejection::Extra(
            "a buffer write needs leaf paths and a canonical form",
        ));
    };
    let new_root = merkle::write_bytes(&root, at, data, &first, second.as_ref(), &normal)?;
    s.replace(3, [ProofValue::Buffer(new_root)])
}

fn send<I: InboxOracle>(s: &mut StepState<'_, I>) -> Step {
    let size = s.int(0).and_then(|n| u64::try_from(n).ok());
    let (Some(size), Some(root)) = (size, buffer_root(s, 1)) else {
        return Ok(Outcome::Fault);
    };
    if size == 0 || size > SEND_SIZE_LIMIT {
        return Ok(Outcome::Fault);
    }
    match s.extra().clone() {
        Extra::SendData(data) => {
            if data.len() as u64 != size || merkle::root_of_bytes(&data) != root {
                return Err(Rejection::SendData);
            }
            s.post.send_acc = keccak_pair(&s.post.send_acc, &keccak256(&data));
            s.replace(2, [])
        }
        Extra::SendOverflow { index, path } => {
            let (_, leaf) = merkle::read_leaf(&root, index, &path)?;
            // A byte whose position does not fit a u128 (none: index < 2^64) is past it.
            let past_size = leaf.iter().enumerate().any(|(k, b)| {
                let position = u128::from(index)
                    .checked_mul(32)
                    .and_then(|p| p.checked_add(k as u128));
                *b != 0 && position.is_none_or(|p| p >= u128::from(size))
            });
            if !past_size {
                return Err(Rejection::SendData);
            }
            Ok(Outcome::Fault)
        }
        _ => Err(Rejection::Extra(
            "a send needs its data or an overflowing leaf",
        )),
    }
}

fn blake2f<I: InboxOracle>(s: &mut StepState<'_, I>) -> Step {
    let Some(root) = buffer_root(s, 0) else {
        return Ok(Outcome::Fault);
    };
    let paths = s.reads()?;
    if paths.len() != 7 {
        return Err(Rejection::Extra("blake2f reads 7 leaves"));
    }
    let mut input = [0u8; 224];
    // paths.len() == 7 was checked above, and 7 leaves fill the 224 bytes.
    for ((i, path), chunk) in paths.iter().enumerate().zip(input.chunks_exact_mut(32)) {
        let (_, leaf) = merkle::read_leaf(&root, i as u64, path)?;
        chunk.copy_from_slice(&leaf);
    }
    let mut block = [0u8; 213];
    block.copy_from_slice(&input[..213]);
    match hash_functions::blake2f(&block) {
        Some(out) => s.replace(1, [ProofValue::Buffer(merkle::root_of_bytes(&out))]),
        None => Ok(Outcome::Fault),
    }
}
