//! The data stack and the aux stack: a vector for execution, a tuple chain for hashing.
//!
//! The spec defines a stack as None or the 2-tuple (top, rest), and the machine hash
//! commits to that tuple's hash. Storing stacks that way would allocate on every push,
//! so execution works on a plain vector and the hash is derived when asked: digests of
//! prefixes of the stack are cached (see the `prefix` module for which), and the
//! executor only lowers a "valid up to" mark before each instruction (by the number of
//! items the opcode may pop, from the opcode table). Hashing then redoes just the part
//! of the stack that changed since the last time, not the whole stack.

use avm_value::{CodeView, StackDigest, Value};

use crate::prefix::PrefixDigests;

/// A stack of values with a cache of prefix digests.
#[derive(Clone, Default, Debug)]
pub struct Stack {
    values: Vec<Value>,
    digests: PrefixDigests,
}

impl Stack {
    /// An empty stack.
    pub fn new() -> Stack {
        Stack::default()
    }

    /// A stack holding `values`, bottom first.
    pub fn from_values(values: Vec<Value>) -> Stack {
        Stack {
            values,
            digests: PrefixDigests::default(),
        }
    }

    /// Number of items.
    #[inline]
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether the stack is empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The items, bottom first.
    #[inline]
    pub fn values(&self) -> &[Value] {
        &self.values
    }

    /// Declares that items at index `keep` and above may change; cached digests of
    /// longer prefixes are no longer trusted.
    #[inline(always)]
    pub fn touch(&mut self, keep: usize) {
        self.digests.lower(keep);
    }

    /// The vector of items, for the executor. Callers must [`Stack::touch`] first
    /// with the lowest index they may modify or remove.
    #[inline(always)]
    pub(crate) fn items_mut(&mut self) -> &mut Vec<Value> {
        &mut self.values
    }

    /// Pushes a value (pushing never invalidates cached digests).
    #[inline(always)]
    pub fn push(&mut self, value: Value) {
        self.values.push(value);
    }

    /// The item `depth` places below the top (0 is the top).
    #[inline]
    pub fn peek(&self, depth: usize) -> Option<&Value> {
        let n = self.values.len();
        if depth < n {
            self.values.get(n - 1 - depth)
        } else {
            None
        }
    }

    /// Removes items above index `len` (keeps the bottom `len`).
    pub fn truncate(&mut self, len: usize) {
        self.touch(len);
        self.values.truncate(len);
    }

    /// Removes everything.
    pub fn clear(&mut self) {
        self.truncate(0);
    }

    /// The digest of the bottom `count` items as a stack (the whole stack when
    /// `count == len()`), computing only what changed since last asked.
    pub fn digest_of_bottom(&mut self, count: usize, code: &impl CodeView) -> StackDigest {
        self.digests.bottom(&self.values, count, code)
    }

    /// The digests of the bottom `start..=end` items as stacks, for the `start` below
    /// `end` nearest to it whose digest is cached: what storing the stack as a chain of
    /// pairs walks down, a run at a time. `None` unless the digests up to `end` are
    /// current (they are right after [`Stack::digest`]).
    pub fn digests_below(
        &self,
        end: usize,
        code: &impl CodeView,
    ) -> Option<(usize, Vec<StackDigest>)> {
        self.digests.run_below(&self.values, end, code)
    }

    /// The digest of the whole stack.
    pub fn digest(&mut self, code: &impl CodeView) -> StackDigest {
        self.digest_of_bottom(self.values.len(), code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use avm_value::{tuple_digest, NoCode, Tuple};

    fn as_tuple(values: &[Value]) -> Tuple {
        let mut t = Tuple::empty();
        for v in values {
            t = Tuple::pair(v.clone(), Value::Tuple(t));
        }
        t
    }

    #[test]
    fn digest_equals_the_hash_of_the_nested_pair_representation() {
        let mut stack = Stack::new();
        assert_eq!(
            stack.digest(&NoCode).hash,
            tuple_digest(&Tuple::empty(), &NoCode).hash
        );
        for i in 0..5u64 {
            stack.push(Value::int(i));
        }
        stack.push(Value::Tuple(Tuple::pair(Value::int(7), Value::none())));
        let expected = tuple_digest(&as_tuple(stack.values()), &NoCode);
        let got = stack.digest(&NoCode);
        assert_eq!((got.hash, got.size), (expected.hash, expected.size));
    }

    #[test]
    fn cached_prefixes_are_redone_after_touch() {
        let mut stack = Stack::new();
        for i in 0..10u64 {
            stack.push(Value::int(i));
        }
        stack.digest(&NoCode);
        // Replace the item at index 4: the executor touches first.
        stack.touch(4);
        stack.items_mut()[4] = Value::int(99);
        let expected = tuple_digest(&as_tuple(stack.values()), &NoCode).hash;
        assert_eq!(stack.digest(&NoCode).hash, expected);
        stack.truncate(3);
        let expected = tuple_digest(&as_tuple(stack.values()), &NoCode).hash;
        assert_eq!(stack.digest(&NoCode).hash, expected);
    }

    /// The digest of every prefix of `values`, computed one push at a time.
    fn naive_prefixes(values: &[Value]) -> Vec<StackDigest> {
        let mut out = vec![StackDigest::empty()];
        for v in values {
            let below = out[out.len() - 1];
            out.push(below.push(
                &avm_value::value_hash(v, &NoCode),
                &avm_value::value_size(v, &NoCode),
            ));
        }
        out
    }

    #[test]
    fn every_prefix_digest_is_right_through_growth_shrinking_and_edits() {
        let mut stack = Stack::new();
        let mut state = 7u64;
        let mut next = move |bound: u64| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) % bound
        };
        for round in 0..1000u64 {
            match next(10) {
                0..=4 => {
                    for _ in 0..next(40) {
                        stack.push(Value::int(round * 1000 + next(1000)));
                    }
                }
                5 | 6 => {
                    let len = stack.len() as u64;
                    stack.truncate(len.saturating_sub(next(60)) as usize);
                }
                7 if !stack.is_empty() => {
                    let at = next(stack.len() as u64) as usize;
                    stack.touch(at);
                    stack.items_mut()[at] = Value::int(next(1 << 20));
                }
                8 => {
                    // Touched but left as it was, as `dup` and `swap` of equal items do.
                    let len = stack.len() as u64;
                    stack.touch(len.saturating_sub(next(8)) as usize);
                }
                _ => {}
            }
            let expected = naive_prefixes(stack.values());
            let len = stack.len() as u64;
            for _ in 0..3 {
                let count = len.saturating_sub(next(80)) as usize;
                assert_eq!(stack.digest_of_bottom(count, &NoCode), expected[count]);
            }
            if round % 50 == 0 {
                assert_eq!(stack.digest(&NoCode), expected[stack.len()]);
                let mut end = stack.len();
                while end > 0 {
                    let (start, run) = stack.digests_below(end, &NoCode).unwrap();
                    assert!(start < end);
                    assert_eq!(&run[..], &expected[start..=end]);
                    end = start;
                }
            }
        }
    }
}
