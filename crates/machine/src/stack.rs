//! The data stack and the aux stack: a vector for execution, a tuple chain for hashing.
//!
//! The spec defines a stack as None or the 2-tuple (top, rest), and the machine hash
//! commits to that tuple's hash. Storing stacks that way would allocate on every push,
//! so execution works on a plain vector and the hash is derived when asked: the
//! digest (hash and size) of every prefix of the stack is cached, and the executor only
//! lowers a "valid up to" mark before each instruction (by the number of items the
//! opcode may pop, from the opcode table). Hashing then redoes just the part of the stack
//! that changed since the last time, not the whole stack.

use avm_value::{value_hash, value_size, CodeView, StackDigest, Value};

/// A stack of values with a cache of prefix digests.
#[derive(Clone, Default, Debug)]
pub struct Stack {
    values: Vec<Value>,
    /// `prefix[k]` is the digest of the stack made of `values[..=k]`.
    prefix: Vec<StackDigest>,
    /// How many entries of `prefix` are still correct.
    valid: usize,
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
            prefix: Vec::new(),
            valid: 0,
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
        self.valid = self.valid.min(keep);
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
    /// `count == len()`), computing only prefixes that changed since last asked.
    pub fn digest_of_bottom(&mut self, count: usize, code: &impl CodeView) -> StackDigest {
        let count = count.min(self.values.len());
        self.prefix.truncate(self.valid.min(self.values.len()));
        while self.prefix.len() < count {
            let k = self.prefix.len();
            let below = self
                .prefix
                .last()
                .copied()
                .unwrap_or_else(StackDigest::empty);
            // In bounds: k = prefix.len() < count <= values.len().
            let item = &self.values[k];
            let digest = below.push(&value_hash(item, code), &value_size(item, code));
            self.prefix.push(digest);
        }
        self.valid = self.prefix.len();
        // In bounds: the loop above left prefix.len() >= count = n.
        match count {
            0 => StackDigest::empty(),
            n => self.prefix[n - 1],
        }
    }

    /// The digest of every prefix (`digests[k]` covers items `0..=k`), if all are
    /// cached (they are right after [`Stack::digest`]).
    pub fn prefix_digests(&self) -> Option<&[StackDigest]> {
        let n = self.values.len();
        // In bounds: prefix.len() >= n is checked before slicing.
        (self.valid >= n && self.prefix.len() >= n).then(|| &self.prefix[..n])
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
}
