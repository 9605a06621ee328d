//! Reading the Classic machine proof (what Marshaling.sol and Machine.sol read) into
//! our own [`Proof`].
//!
//! Values: type 0 an integer (32 bytes); type 1 a code point (a flag that is 1 when an
//! immediate follows, the opcode, the immediate, the next hash), which we keep by its
//! hash; type 2 a tuple by its hash preimage (inner hash, size); types 3 to 11 a tuple
//! of 0 to 8 items; type 12 a buffer by its root. The machine proof is: opcode, count
//! of data stack values (with the immediate, which comes last), count of aux stack
//! values, the values, then the next code point's hash, the two stack preimages, the
//! register, the static value, AVMGas remaining, the Error CodePoint's hash, and the
//! immediate flag (0 or 1). What follows is returned as the tail (a `send`'s data).
//!
//! Parsing never recurses (a chain of code point immediates can be long) and refuses
//! tuples nested deeper than [`MAX_CLASSIC_TUPLE_DEPTH`]; every value takes at least
//! one byte of a bounded input, so memory stays linear in the input.

use avm_value::{Hash, Int, StackDigest};

use crate::{code_point, Extra, Proof, ProofValue, Rejection};

/// The deepest tuple nesting a Classic proof may show (the C++ AVM opens `ecpairing`'s
/// operand 32 levels deep; nothing else goes past 1).
pub const MAX_CLASSIC_TUPLE_DEPTH: usize = 64;

/// The longest machine proof or buffer proof accepted, in bytes.
pub const MAX_CLASSIC_PROOF_BYTES: usize = 1 << 22;

pub(crate) fn malformed(what: &str) -> Rejection {
    Rejection::Malformed(format!("Classic proof: {what}"))
}

/// A cursor over untrusted bytes.
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes }
    }

    pub(crate) fn u8(&mut self) -> Result<u8, Rejection> {
        let (first, rest) = self
            .bytes
            .split_first()
            .ok_or_else(|| malformed("ends early"))?;
        self.bytes = rest;
        Ok(*first)
    }

    pub(crate) fn word(&mut self) -> Result<[u8; 32], Rejection> {
        let (head, rest) = self
            .bytes
            .split_first_chunk::<32>()
            .ok_or_else(|| malformed("ends early"))?;
        self.bytes = rest;
        Ok(*head)
    }

    fn hash(&mut self) -> Result<Hash, Rejection> {
        self.word().map(Hash)
    }

    fn int(&mut self) -> Result<Int, Rejection> {
        self.word().map(Int::from_be_bytes)
    }

    pub(crate) fn rest(&self) -> &'a [u8] {
        self.bytes
    }

    /// One value.
    fn value(&mut self) -> Result<ProofValue, Rejection> {
        enum Frame {
            Tuple(usize, Vec<ProofValue>),
            CodePoint(u8),
        }
        let mut frames: Vec<Frame> = Vec::new();
        let mut tuple_depth = 0usize;
        loop {
            let typ = self.u8()?;
            let mut done = match typ {
                0 => ProofValue::Int(self.int()?),
                12 => ProofValue::Buffer(self.hash()?),
                2 => {
                    let inner = self.hash()?;
                    let size = self.int()?;
                    ProofValue::ClosedTuple { inner, size }
                }
                1 => {
                    let flag = self.u8()?;
                    let opcode = self.u8()?;
                    // As Marshaling.sol: only a flag of 1 announces an immediate.
                    if flag == 1 {
                        frames.push(Frame::CodePoint(opcode));
                        continue;
                    }
                    let next = self.hash()?;
                    ProofValue::CodePoint(code_point(opcode, None, &next))
                }
                3 => ProofValue::Tuple(Vec::new()),
                4..=11 => {
                    tuple_depth = tuple_depth.saturating_add(1);
                    if tuple_depth > MAX_CLASSIC_TUPLE_DEPTH {
                        return Err(malformed("tuples nested too deep"));
                    }
                    let len = usize::from(typ.saturating_sub(3));
                    frames.push(Frame::Tuple(len, Vec::with_capacity(len)));
                    continue;
                }
                _ => return Err(malformed("invalid type code")),
            };
            // Hand the finished value to the frames waiting for it.
            loop {
                match frames.last_mut() {
                    None => return Ok(done),
                    Some(Frame::Tuple(len, items)) => {
                        items.push(done);
                        if items.len() < *len {
                            break;
                        }
                        let items = std::mem::take(items);
                        frames.pop();
                        tuple_depth = tuple_depth.saturating_sub(1);
                        done = ProofValue::Tuple(items);
                    }
                    Some(Frame::CodePoint(opcode)) => {
                        let opcode = *opcode;
                        frames.pop();
                        let next = self.hash()?;
                        done = ProofValue::CodePoint(code_point(opcode, Some(&done), &next));
                    }
                }
            }
        }
    }
}

/// A Classic machine proof, read.
pub(crate) struct Decoded<'a> {
    /// Our proof of the same step, with no extra data.
    pub(crate) proof: Proof,
    /// The bytes after the immediate flag.
    pub(crate) tail: &'a [u8],
}

/// Reads a Classic machine proof.
pub(crate) fn decode(bytes: &[u8]) -> Result<Decoded<'_>, Rejection> {
    if bytes.len() > MAX_CLASSIC_PROOF_BYTES {
        return Err(malformed("longer than any step needs"));
    }
    let mut r = Reader::new(bytes);
    let opcode = r.u8()?;
    let stack_count = r.u8()?;
    let aux_count = r.u8()?;
    let mut stack = (0..stack_count)
        .map(|_| r.value())
        .collect::<Result<Vec<_>, _>>()?;
    let aux = (0..aux_count)
        .map(|_| r.value())
        .collect::<Result<Vec<_>, _>>()?;
    let next_hash = r.hash()?;
    let stack_rest = StackDigest::from_preimage(r.hash()?, r.int()?);
    let aux_rest = StackDigest::from_preimage(r.hash()?, r.int()?);
    let register = r.value()?;
    let static_value = r.value()?;
    let gas_remaining = r.int()?;
    let err_pc_hash = r.hash()?;
    let immediate = match r.u8()? {
        0 => None,
        1 => Some(
            stack
                .pop()
                .ok_or_else(|| malformed("an immediate with no value shown"))?,
        ),
        _ => return Err(malformed("the immediate flag is neither 0 nor 1")),
    };
    Ok(Decoded {
        proof: Proof {
            opcode,
            immediate,
            next_hash,
            stack,
            stack_rest,
            aux,
            aux_rest,
            register,
            static_value,
            gas_remaining,
            err_pc_hash,
            pending: None,
            extra: Extra::None,
        },
        tail: r.rest(),
    })
}

/// The length of the machine proof at the start of a Classic `proof` (what follows it
/// is a `send`'s data or an `inbox` step's inbox suffix), or why it does not decode.
pub fn machine_proof_len(bytes: &[u8]) -> Result<usize, Rejection> {
    let decoded = decode(bytes)?;
    Ok(bytes.len().saturating_sub(decoded.tail.len()))
}
