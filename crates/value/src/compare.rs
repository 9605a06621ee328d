//! Comparing values without a code store, and finding where two values differ.
//!
//! Replays compare what a machine emits with what was recorded. Recorded values name
//! code only by instruction index, which resolves to the same [`CodePointRef`] the
//! machine uses for its program, so handles can be compared as they are; everything
//! else compares by content. The walk is iterative, so any depth is safe, and stops at
//! the first difference (shared tuples are skipped without a look inside).

use crate::{Value, ValueType};

/// Where two values first differ: the path of tuple slots from the top, and the two
/// values found there.
#[derive(Clone, Debug)]
pub struct ValueDifference {
    /// Tuple slot indexes from the outermost value down to the differing pair.
    pub path: Vec<usize>,
    /// The first value's part at `path`.
    pub left: Value,
    /// The second value's part at `path`.
    pub right: Value,
}

/// The first place (depth first, slot order) where `left` and `right` differ, or None
/// if they are the same value: the same integers, buffer contents, code point handles
/// and tuple shapes.
pub fn first_difference(left: &Value, right: &Value) -> Option<ValueDifference> {
    // Each entry: the pair to compare and the path to it (as a length into `path`).
    let mut work: Vec<(&Value, &Value, usize, Option<usize>)> = vec![(left, right, 0, None)];
    let mut path: Vec<usize> = Vec::new();
    while let Some((a, b, depth, slot)) = work.pop() {
        path.truncate(depth);
        if let Some(slot) = slot {
            path.push(slot);
        }
        let same = match (a, b) {
            (Value::Int(x), Value::Int(y)) => x == y,
            (Value::CodePoint(x), Value::CodePoint(y)) => x == y,
            (Value::Buffer(x), Value::Buffer(y)) => x.root_hash() == y.root_hash(),
            (Value::Tuple(x), Value::Tuple(y)) => {
                if x.ptr_eq(y) {
                    true
                } else if x.len() != y.len() {
                    false
                } else {
                    let below = path.len();
                    for (i, (p, q)) in x.items().iter().zip(y.items()).enumerate().rev() {
                        work.push((p, q, below, Some(i)));
                    }
                    true
                }
            }
            _ => false,
        };
        if !same {
            return Some(ValueDifference {
                path,
                left: a.clone(),
                right: b.clone(),
            });
        }
    }
    None
}

/// Whether two values are the same (see [`first_difference`]).
pub fn same_value(left: &Value, right: &Value) -> bool {
    first_difference(left, right).is_none()
}

/// A short description of a value's kind, for messages: `Int`, `Tuple(3)`, ...
pub fn kind_of(value: &Value) -> String {
    match value {
        Value::Tuple(t) => format!("Tuple({})", t.len()),
        other => match other.value_type() {
            ValueType::Int => "Int".to_owned(),
            ValueType::CodePoint => "CodePoint".to_owned(),
            ValueType::Buffer => "Buffer".to_owned(),
            ValueType::Tuple => "Tuple".to_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::{Buffer, CodePointRef, Tuple};

    fn t(items: Vec<Value>) -> Value {
        Value::Tuple(Tuple::new(items).unwrap())
    }

    #[test]
    fn finds_the_first_differing_slot_depth_first() {
        let a = t(vec![
            Value::int(1),
            t(vec![Value::int(2), Value::int(3)]),
            Value::int(4),
        ]);
        let b = t(vec![
            Value::int(1),
            t(vec![Value::int(2), Value::int(9)]),
            Value::int(5),
        ]);
        let d = first_difference(&a, &b).unwrap();
        assert_eq!(d.path, vec![1, 1]);
        assert_eq!(d.left.as_int(), Some(&crate::Int::from(3u8)));
        assert_eq!(d.right.as_int(), Some(&crate::Int::from(9u8)));
        assert!(same_value(&a, &a.clone()));
        let shorter = t(vec![Value::int(1)]);
        assert_eq!(
            first_difference(&a, &shorter).unwrap().path,
            Vec::<usize>::new()
        );
    }

    #[test]
    fn kinds_buffers_and_code_points_compare_by_content_and_handle() {
        let buf = |b: &[u8]| Value::Buffer(Buffer::from_bytes(b));
        assert!(same_value(&buf(&[1, 2, 0]), &buf(&[1, 2])));
        assert!(!same_value(&buf(&[1, 2]), &buf(&[1, 3])));
        let cp = |pc| Value::CodePoint(CodePointRef::new(0, pc));
        assert!(same_value(&cp(4), &cp(4)));
        assert!(!same_value(&cp(4), &cp(5)));
        assert!(!same_value(&Value::int(0), &t(vec![])));
        assert_eq!(kind_of(&t(vec![Value::int(0)])), "Tuple(1)");
    }

    #[test]
    fn a_million_deep_pair_of_chains_compares_without_recursion() {
        let mut a = Value::int(0);
        let mut b = Value::int(0);
        for i in 0..1_000_000u64 {
            a = t(vec![a, Value::int(i)]);
            b = t(vec![b, Value::int(i)]);
        }
        assert!(same_value(&a, &b));
    }
}
