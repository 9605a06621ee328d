//! The cache of a stack's prefix digests: sparse deep in the stack, dense near the top.
//!
//! The machine hash needs the digest of the whole stack, and a one-step proof the digest
//! of the stack below the items the instruction pops: both are digests of a prefix (the
//! bottom `n` items). Keeping the digest of every prefix (96 bytes each) would cost more
//! than the values themselves (40 bytes each), so the cache keeps one digest every
//! [`CHECKPOINT`] items, and every prefix only in a window of fewer than [`WINDOW`]
//! prefixes at the top of what it holds, where consecutive steps ask. A prefix below the
//! window is recomputed from the checkpoint beneath it (at most `CHECKPOINT - 1` pushes)
//! and the window moves down there.
//!
//! The executor marks items as possibly changed by the instructions' pop counts, though
//! many instructions (`dup`, `swap` of equal items) leave them as they were. Each window
//! digest therefore keeps the item it was built on (a copy, shared for tuples), and a
//! digest above the mark is kept while the items beneath it are still the same ones.

use avm_value::{value_hash, value_size, CodeView, StackDigest, Value};

/// Every prefix whose length is a multiple of this keeps its digest, however deep.
const CHECKPOINT: usize = 16;

/// The window is cut back to its top half when it reaches this many digests.
const WINDOW: usize = 4 * CHECKPOINT;

/// A digest in the window, with the top item it covers.
#[derive(Clone, Debug)]
struct Entry {
    digest: StackDigest,
    item: Value,
}

/// Whether `a` and `b` are certainly the same value: equal integers or code point
/// handles, or one shared tuple. Holding `a` keeps a tuple alive, so its address cannot
/// be reused by another.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Tuple(x), Value::Tuple(y)) => x.ptr_eq(y),
        (Value::CodePoint(x), Value::CodePoint(y)) => x == y,
        _ => false,
    }
}

/// Cached digests of the prefixes of one stack (the items live in the stack).
#[derive(Clone, Default, Debug)]
pub(crate) struct PrefixDigests {
    /// `checkpoints[j]` is the digest of the bottom `(j + 1) * CHECKPOINT` items; there
    /// is one for every multiple of CHECKPOINT up to `top()`.
    checkpoints: Vec<StackDigest>,
    /// `window[i]` is the digest of the bottom `base + i + 1` items.
    window: Vec<Entry>,
    /// Where the window starts: a multiple of CHECKPOINT.
    base: usize,
    /// Stored digests of prefixes at most this long are correct (never above `top()`).
    valid: usize,
}

impl PrefixDigests {
    /// Declares that items at index `keep` and above may change.
    #[inline(always)]
    pub(crate) fn lower(&mut self, keep: usize) {
        self.valid = self.valid.min(keep);
    }

    /// The longest prefix whose digest is stored.
    fn top(&self) -> usize {
        self.base + self.window.len()
    }

    /// The stored digest of the bottom `len` items, if the cache holds it.
    fn stored(&self, len: usize) -> Option<StackDigest> {
        if len == 0 {
            Some(StackDigest::empty())
        } else if len > self.base {
            self.window.get(len - self.base - 1).map(|e| e.digest)
        } else if len % CHECKPOINT == 0 {
            self.checkpoints.get(len / CHECKPOINT - 1).copied()
        } else {
            None
        }
    }

    /// Forgets digests of prefixes longer than `valid`, but for window digests whose
    /// items are still the same ones as in `values`.
    fn drop_invalid(&mut self, values: &[Value]) {
        let valid = self.valid.min(values.len());
        if valid < self.base {
            self.checkpoints.truncate(valid / CHECKPOINT);
            self.base = valid / CHECKPOINT * CHECKPOINT;
            self.window.clear();
        } else {
            let mut keep = valid - self.base;
            while let (Some(entry), Some(item)) =
                (self.window.get(keep), values.get(self.base + keep))
            {
                if !same(&entry.item, item) {
                    break;
                }
                keep += 1;
            }
            self.window.truncate(keep);
            self.checkpoints.truncate(self.top() / CHECKPOINT);
        }
        self.valid = self.top();
    }

    /// Moves the window down to start at the checkpoint `base`, forgetting all above it.
    fn restart_window_at(&mut self, base: usize) {
        self.base = base;
        self.window.clear();
        self.checkpoints.truncate(base / CHECKPOINT);
        self.valid = base;
    }

    /// Computes the digests of prefixes up to `count` items on top of the stored ones.
    fn extend(&mut self, values: &[Value], count: usize, code: &impl CodeView) {
        while self.top() < count {
            let len = self.top();
            // The digest at `top()` is stored: the window's last, or the checkpoint
            // (or empty stack) at `base` when the window is empty.
            let (Some(below), Some(item)) = (self.stored(len), values.get(len)) else {
                break;
            };
            let digest = below.push(&value_hash(item, code), &value_size(item, code));
            self.window.push(Entry {
                digest,
                item: item.clone(),
            });
            if (len + 1) % CHECKPOINT == 0 {
                self.checkpoints.push(digest);
            }
            if self.window.len() >= WINDOW {
                self.window.drain(..WINDOW / 2);
                self.base += WINDOW / 2;
            }
        }
        self.valid = self.top();
    }

    /// The digest of the bottom `count` items of `values` (all when `count` is larger),
    /// computing only what is not cached.
    pub(crate) fn bottom(
        &mut self,
        values: &[Value],
        count: usize,
        code: &impl CodeView,
    ) -> StackDigest {
        let count = count.min(values.len());
        self.drop_invalid(values);
        if count < self.base && count % CHECKPOINT != 0 {
            self.restart_window_at(count / CHECKPOINT * CHECKPOINT);
        }
        self.extend(values, count, code);
        // Stored: count is now either at most `top()` and inside the window, or a
        // checkpoint at or below `base`, or 0.
        self.stored(count).unwrap_or_else(StackDigest::empty)
    }

    /// The digests of the prefixes of `start..=end` items of `values`, where `start` is
    /// the nearest prefix below `end` whose digest the cache holds; `None` unless the
    /// digests up to `end` are cached and current.
    pub(crate) fn run_below(
        &self,
        values: &[Value],
        end: usize,
        code: &impl CodeView,
    ) -> Option<(usize, Vec<StackDigest>)> {
        if end > self.valid || end > values.len() {
            return None;
        }
        let start = if end > self.base {
            self.base
        } else {
            end.saturating_sub(1) / CHECKPOINT * CHECKPOINT
        };
        let mut digest = self.stored(start)?;
        let mut run = Vec::with_capacity(end - start + 1);
        run.push(digest);
        for item in values.get(start..end)? {
            let len = start + run.len();
            digest = match self.stored(len) {
                Some(d) => d,
                None => digest.push(&value_hash(item, code), &value_size(item, code)),
            };
            run.push(digest);
        }
        Some((start, run))
    }
}
