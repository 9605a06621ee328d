//! Code point references in a .mexe, read before the instruction count is known.
//!
//! `{"CodePoint": {"Internal": i}}` names instruction `i`, whose code point is `len - i`
//! in segment 0, so resolving it needs the count of instructions, which a one-pass
//! reader learns only at the end of the code. Until then a code point holds the index
//! itself, and [`settle`] turns the few immediates that hold one into their final form.

use std::cell::Cell;

use avm_value::{CodePointRef, ResolveCodePoint, Tuple, Value};

/// Resolves `Internal` references while reading, checking they point forward.
pub(crate) struct ForwardRefs {
    /// The instruction count, or None when reading in one pass: then a code point holds
    /// the instruction index it names (u32::MAX for the error code point) until
    /// [`settle`] turns it into its pc, once the count is known.
    pub(crate) len: Option<u64>,
    /// The instruction whose immediate is being read (None for the static value).
    pub(crate) referrer: Option<u64>,
    /// Whether a code point was read since this was last cleared.
    pub(crate) named: Cell<bool>,
}

/// The placeholder pc of the error code point while the instruction count is unknown.
const DEFERRED_ERROR_CODE_POINT: u32 = u32::MAX;

impl ResolveCodePoint for ForwardRefs {
    fn resolve_internal(&self, index: u64) -> Result<CodePointRef, String> {
        self.named.set(true);
        let Some(len) = self.len else {
            return self.defer(index);
        };
        if index == u64::MAX {
            return Ok(CodePointRef::new(0, 0));
        }
        if index > len {
            return Err(format!(
                "code point Internal {index} is past the end of the code ({len} instructions)"
            ));
        }
        self.check_forward(index)?;
        // index <= len < 2^32 was checked by the caller when counting instructions.
        Ok(CodePointRef::new(0, (len - index) as u32))
    }
}

impl ForwardRefs {
    fn check_forward(&self, index: u64) -> Result<(), String> {
        match self.referrer {
            Some(j) if index <= j => Err(format!(
                "instruction {j} names instruction {index}, which does not come after it \
                 (a code point's hash covers the code after it, so references only point forward)"
            )),
            _ => Ok(()),
        }
    }

    /// A placeholder holding the index itself, for [`settle`].
    fn defer(&self, index: u64) -> Result<CodePointRef, String> {
        if index == u64::MAX {
            return Ok(CodePointRef::new(0, DEFERRED_ERROR_CODE_POINT));
        }
        let index = u32::try_from(index)
            .ok()
            .filter(|i| *i != DEFERRED_ERROR_CODE_POINT)
            .ok_or_else(|| format!("code point Internal {index} is past the end of the code"))?;
        self.check_forward(u64::from(index))?;
        Ok(CodePointRef::new(0, index))
    }
}

/// `value` with every placeholder of [`ForwardRefs::defer`] replaced by the code point of
/// a program of `len` instructions, rebuilt without recursion; None if one names an
/// instruction past the end.
pub(crate) fn settle(value: &Value, len: u32) -> Option<Value> {
    enum Step<'v> {
        Visit(&'v Value),
        /// Gather the last `n` finished values into a tuple.
        Gather(usize),
    }
    let mut steps = vec![Step::Visit(value)];
    let mut done: Vec<Value> = Vec::new();
    while let Some(step) = steps.pop() {
        match step {
            Step::Visit(Value::CodePoint(cp)) => {
                let pc = match cp.pc {
                    DEFERRED_ERROR_CODE_POINT => 0,
                    index => len.checked_sub(index)?,
                };
                done.push(Value::CodePoint(CodePointRef::new(0, pc)));
            }
            Step::Visit(Value::Tuple(t)) if !t.is_empty() => {
                steps.push(Step::Gather(t.len()));
                steps.extend(t.items().iter().rev().map(Step::Visit));
            }
            Step::Visit(other) => done.push(other.clone()),
            Step::Gather(n) => {
                let items = done.split_off(done.len().checked_sub(n)?);
                done.push(Value::Tuple(Tuple::new(items).ok()?));
            }
        }
    }
    done.pop()
}
