//! Tuples: immutable arrays of 0 to 8 values, shared by reference count.
//!
//! A tuple's hash is computed at most once and cached in the shared node, because the
//! contents never change while the node is shared. The one exception is a node owned
//! by a single handle: [`Tuple::set`] then writes in place and forgets the cached hash,
//! which is what makes copy-on-write tuple updates cheap in the common case.
//!
//! Dropping a tuple never recurses on the native stack: nodes whose last handle goes
//! away hand their uniquely owned children to an explicit work list.

use std::sync::{Arc, OnceLock};

use crate::{Hash, Int, Value};

/// The most slots a tuple can have.
pub const MAX_TUPLE_LEN: usize = 8;

/// The cached digest of a tuple: its hash and its size (the number of values in its
/// tree, counted with repetition), which parent tuples fold into their own hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TupleDigest {
    /// The tuple's value hash.
    pub hash: Hash,
    /// Keccak of the item count byte followed by the item hashes (the inner preimage).
    pub inner: Hash,
    /// 1 + the sizes of the items, wrapping at 2^256 as the deployed AVM does.
    pub size: Int,
}

struct Node<T: ?Sized> {
    digest: OnceLock<TupleDigest>,
    items: T,
}

type SharedNode = Arc<Node<[Value]>>;

/// A tuple value. The empty tuple (None) allocates nothing.
#[derive(Clone, Default)]
pub struct Tuple(Option<SharedNode>);

/// A tuple was asked to hold more than [`MAX_TUPLE_LEN`] values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a tuple holds at most 8 values, got {0}")]
pub struct TupleTooLong(pub usize);

fn node_from_array<const N: usize>(items: [Value; N]) -> SharedNode {
    Arc::new(Node {
        digest: OnceLock::new(),
        items,
    })
}

fn take_array<const N: usize>(items: Vec<Value>) -> [Value; N] {
    let mut it = items.into_iter();
    std::array::from_fn(|_| it.next().unwrap_or_default())
}

impl Tuple {
    /// The empty tuple, None.
    pub const fn empty() -> Tuple {
        Tuple(None)
    }

    /// A tuple holding `items` in order.
    pub fn new(items: Vec<Value>) -> Result<Tuple, TupleTooLong> {
        let node = match items.len() {
            0 => return Ok(Tuple(None)),
            1 => node_from_array::<1>(take_array(items)),
            2 => node_from_array::<2>(take_array(items)),
            3 => node_from_array::<3>(take_array(items)),
            4 => node_from_array::<4>(take_array(items)),
            5 => node_from_array::<5>(take_array(items)),
            6 => node_from_array::<6>(take_array(items)),
            7 => node_from_array::<7>(take_array(items)),
            8 => node_from_array::<8>(take_array(items)),
            n => return Err(TupleTooLong(n)),
        };
        Ok(Tuple(Some(node)))
    }

    /// A tuple of exactly two values, the shape of stacks and linked lists.
    pub fn pair(first: Value, second: Value) -> Tuple {
        Tuple(Some(node_from_array([first, second])))
    }

    /// A tuple of a fixed number of values (at most 8, checked when compiling).
    pub fn from_array<const N: usize>(items: [Value; N]) -> Tuple {
        const { assert!(N <= MAX_TUPLE_LEN) };
        if N == 0 {
            Tuple(None)
        } else {
            Tuple(Some(node_from_array(items)))
        }
    }

    /// The number of slots.
    #[inline]
    pub fn len(&self) -> usize {
        self.0.as_ref().map_or(0, |n| n.items.len())
    }

    /// Whether this is the empty tuple.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The slots in order.
    #[inline]
    pub fn items(&self) -> &[Value] {
        match &self.0 {
            Some(node) => &node.items,
            None => &[],
        }
    }

    /// The value in slot `index`, if there is such a slot.
    #[inline]
    pub fn get(&self, index: usize) -> Option<&Value> {
        self.items().get(index)
    }

    /// Replaces slot `index`, writing in place when this handle is the only one and
    /// copying the node otherwise. Returns the value back if there is no such slot.
    pub fn set(&mut self, index: usize, value: Value) -> Result<(), Value> {
        let Some(node) = &mut self.0 else {
            return Err(value);
        };
        if index >= node.items.len() {
            return Err(value);
        }
        // A node with other holders is copied; reading the count first spares the
        // shared case `Arc::get_mut`'s atomic compare-and-swap.
        let unique = match Arc::strong_count(node) {
            1 => Arc::get_mut(node),
            _ => None,
        };
        if let Some(unique) = unique {
            // In bounds: index < node.items.len() was checked above.
            unique.items[index] = value;
            unique.digest = OnceLock::new();
            return Ok(());
        }
        let mut value = Some(value);
        // In bounds: `slot` is only called by `from_fn` below for i < N, where N is
        // node.items.len() (a shared node holds 1 to MAX_TUPLE_LEN items).
        let mut slot = |i: usize| match i == index {
            true => value.take().unwrap_or_default(),
            false => node.items[i].clone(),
        };
        let copy = match node.items.len() {
            1 => node_from_array::<1>(std::array::from_fn(&mut slot)),
            2 => node_from_array::<2>(std::array::from_fn(&mut slot)),
            3 => node_from_array::<3>(std::array::from_fn(&mut slot)),
            4 => node_from_array::<4>(std::array::from_fn(&mut slot)),
            5 => node_from_array::<5>(std::array::from_fn(&mut slot)),
            6 => node_from_array::<6>(std::array::from_fn(&mut slot)),
            7 => node_from_array::<7>(std::array::from_fn(&mut slot)),
            _ => node_from_array::<8>(std::array::from_fn(&mut slot)),
        };
        *node = copy;
        Ok(())
    }

    /// The slots for writing in place, if this handle is the node's only one (the
    /// cached hash is forgotten); None if the node is shared or the tuple is empty.
    pub fn unique_items_mut(&mut self) -> Option<&mut [Value]> {
        let unique = Arc::get_mut(self.0.as_mut()?)?;
        unique.digest = OnceLock::new();
        Some(&mut unique.items)
    }

    /// The digest if it was already computed.
    #[inline]
    pub fn cached_digest(&self) -> Option<&TupleDigest> {
        match &self.0 {
            Some(node) => node.digest.get(),
            None => Some(empty_tuple_digest()),
        }
    }

    /// Records the digest (computed by the hashing module from the items' hashes).
    pub(crate) fn store_digest(&self, digest: TupleDigest) -> &TupleDigest {
        match &self.0 {
            Some(node) => node.digest.get_or_init(|| digest),
            None => empty_tuple_digest(),
        }
    }

    /// Whether two handles share one node (a cheap sufficient test for equality).
    pub fn ptr_eq(&self, other: &Tuple) -> bool {
        match (&self.0, &other.0) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        }
    }

    /// How many handles share this tuple's node (1 for the empty tuple).
    pub fn share_count(&self) -> usize {
        self.0.as_ref().map_or(1, Arc::strong_count)
    }
}

/// The digest of the empty tuple: inner = keccak(0x00), size 1.
pub fn empty_tuple_digest() -> &'static TupleDigest {
    static DIGEST: OnceLock<TupleDigest> = OnceLock::new();
    DIGEST.get_or_init(|| crate::hashing::digest_from_parts(&[], Int::from(1u8)))
}

impl Drop for Tuple {
    fn drop(&mut self) {
        let Some(mut node) = self.0.take() else {
            return;
        };
        // Only the last handle to a node frees it; everyone else just decrements. The
        // count is read first because `Arc::get_mut` costs two more atomic operations
        // on the common shared path. Should another holder let go in between, this
        // handle's drop frees the node the ordinary way, which only nests one level:
        // the node's child tuples go through this function again.
        if Arc::strong_count(&node) != 1 {
            return;
        }
        let Some(unique) = Arc::get_mut(&mut node) else {
            return;
        };
        let mut pending: Vec<SharedNode> = Vec::new();
        detach_unique_children(&mut unique.items, &mut pending);
        drop(node);
        while let Some(mut next) = pending.pop() {
            if let Some(unique) = Arc::get_mut(&mut next) {
                detach_unique_children(&mut unique.items, &mut pending);
            }
        }
    }
}

/// Moves out every child tuple node that would be freed together with its parent, so
/// the caller frees it iteratively instead of through nested drops.
fn detach_unique_children(items: &mut [Value], pending: &mut Vec<SharedNode>) {
    for item in items.iter_mut() {
        if let Value::Tuple(Tuple(slot)) = item {
            if slot.as_ref().is_some_and(|n| Arc::strong_count(n) == 1) {
                if let Some(child) = slot.take() {
                    pending.push(child);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(n: u64) -> Value {
        Value::Int(Int::from(n))
    }

    #[test]
    fn new_rejects_more_than_eight_items() {
        assert_eq!(Tuple::new(vec![int(0); 9]).err(), Some(TupleTooLong(9)));
        assert_eq!(Tuple::new(vec![int(0); 8]).unwrap().len(), 8);
        assert!(Tuple::new(vec![]).unwrap().is_empty());
    }

    #[test]
    fn set_copies_a_shared_node_and_writes_a_unique_one_in_place() {
        let mut a = Tuple::new(vec![int(1), int(2)]).unwrap();
        let b = a.clone();
        a.set(0, int(9)).unwrap();
        assert!(!a.ptr_eq(&b), "shared node must be copied");
        assert!(matches!(b.get(0), Some(Value::Int(v)) if *v == Int::from(1u8)));
        let before = a.clone();
        drop(before);
        let node_addr = a.items().as_ptr();
        a.set(1, int(7)).unwrap();
        assert_eq!(
            a.items().as_ptr(),
            node_addr,
            "unique node is updated in place"
        );
        assert!(a.set(2, int(0)).is_err());
    }

    #[test]
    fn dropping_a_million_deep_chain_does_not_overflow_the_stack() {
        let mut chain = Tuple::empty();
        for i in 0..1_000_000u64 {
            chain = Tuple::pair(int(i), Value::Tuple(chain));
        }
        drop(chain);
    }
}
