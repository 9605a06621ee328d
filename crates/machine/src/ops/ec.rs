//! 0x80-0x83: the precompiles. The curve arithmetic is in `avm_primitives::ec`; this
//! module reads operands and writes results in the deployed AVM's orders: ecadd and
//! ecmul leave x on top and y below it.

use avm_code::opcode::{ECPAIRING_GAS_PER_PAIR, ECPAIRING_MAX_PAIRS};
use avm_primitives::ec::{self, G1, G2};
use avm_value::{Int, Value};

use super::{int_at, replace_top, Fault, Flow, OpResult};

/// `ecrecover`: A = r, B = s, C = recovery id, D = message hash; pushes the address.
pub(crate) fn ecrecover(stack: &mut Vec<Value>) -> OpResult {
    let address = ec::ecrecover(
        int_at(stack, 0)?,
        int_at(stack, 1)?,
        int_at(stack, 2)?,
        int_at(stack, 3)?,
    );
    replace_top(stack, 4, Value::Int(address))
}

/// Writes a G1 point as (x on top, y below) over the top `pops` items.
fn push_point(stack: &mut Vec<Value>, pops: usize, (x, y): G1) -> OpResult {
    stack.truncate(stack.len().saturating_sub(pops));
    stack.push(Value::Int(y));
    stack.push(Value::Int(x));
    Ok(Flow::Next)
}

/// `ecadd`: (A, B) + (C, D).
pub(crate) fn ecadd(stack: &mut Vec<Value>) -> OpResult {
    let p = (*int_at(stack, 0)?, *int_at(stack, 1)?);
    let q = (*int_at(stack, 2)?, *int_at(stack, 3)?);
    let sum = ec::bn_add(&p, &q).ok_or(Fault::BadInput)?;
    push_point(stack, 4, sum)
}

/// `ecmul`: C * (A, B).
pub(crate) fn ecmul(stack: &mut Vec<Value>) -> OpResult {
    let p = (*int_at(stack, 0)?, *int_at(stack, 1)?);
    let product = ec::bn_mul(&p, int_at(stack, 2)?).ok_or(Fault::BadInput)?;
    push_point(stack, 3, product)
}

/// The AVMGas `ecpairing` charges beyond its base cost: 500000 per pair, counting the
/// 2-tuples of the list on top of the stack (at most 30), as the deployed AVM counts
/// them before looking inside.
pub(crate) fn ecpairing_extra_gas(stack: &[Value]) -> u64 {
    let mut node = stack.last();
    let mut gas = 0;
    for _ in 0..ECPAIRING_MAX_PAIRS {
        match node {
            Some(Value::Tuple(t)) if t.len() == 2 => {
                gas += ECPAIRING_GAS_PER_PAIR;
                node = t.get(1);
            }
            _ => break,
        }
    }
    gas
}

/// A pair of the `ecpairing` list: a 6-tuple of integers.
fn pair_of(value: &Value) -> Result<(G1, G2), Fault> {
    let Value::Tuple(t) = value else {
        return Err(Fault::WrongType);
    };
    let mut ints = [Int::ZERO; 6];
    if t.len() != 6 {
        return Err(Fault::WrongType);
    }
    for (slot, item) in ints.iter_mut().zip(t.items()) {
        *slot = *item.as_int().ok_or(Fault::WrongType)?;
    }
    let [x, y, x0, x1, y0, y1] = ints;
    Ok(((x, y), [x0, x1, y0, y1]))
}

/// `ecpairing`: A is a list of pairs as nested 2-tuples `(pair, rest)` ending in the
/// empty tuple, each pair a 6-tuple (G1 x, G1 y, G2 x.c0, x.c1, y.c0, y.c1); at most 30
/// pairs. Pushes 1 if the product of the pairings is one, else 0.
pub(crate) fn ecpairing(stack: &mut Vec<Value>) -> OpResult {
    let mut pairs = Vec::new();
    let mut node = stack.last().ok_or(Fault::StackUnderflow)?;
    for _ in 0..ECPAIRING_MAX_PAIRS {
        let Value::Tuple(list) = node else {
            return Err(Fault::WrongType);
        };
        match list.items() {
            [] => break,
            [pair, rest] => {
                pairs.push(pair_of(pair)?);
                node = rest;
            }
            _ => return Err(Fault::WrongType),
        }
    }
    if !matches!(node, Value::Tuple(t) if t.is_empty()) {
        return Err(Fault::WrongType);
    }
    let one = ec::bn_pairing(&pairs).ok_or(Fault::BadInput)?;
    replace_top(stack, 1, Value::Int(Int::from(one as u8)))
}
