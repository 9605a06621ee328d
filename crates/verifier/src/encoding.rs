//! The compact binary form of claims and proofs (version 1).
//!
//! ```text
//! proof   := version:u8 (=1) opcode:u8 flags:u8 [immediate:value] next:hash
//!            n:u8 value*n rest:digest  n:u8 value*n aux_rest:digest
//!            register:value static:value gas:word err:hash [pending:value] extra
//! flags   := bit 0: has immediate, bit 1: has pending message
//! value   := 0x00 word | 0x01 hash (code point) | 0x02 hash word (closed tuple)
//!          | 0x03+n value*n (tuple, n <= 8) | 0x0c hash (buffer root)
//! digest  := inner:hash size:word (the preimage of a stack's hash)
//! extra   := 0x00 | 0x01 value (message) | 0x02 n:u8 path*n (reads)
//!          | 0x03 path has_second:u8 [path] height:u32 left:hash right:hash (write)
//!          | 0x04 len:u16 bytes (send data) | 0x05 index:u64 path (send overflow)
//! path    := leaf:32 bytes n:u8 hash*n
//! claim   := machine_hash:hash inbox_consumed:u64 inbox_acc:hash send_acc:hash
//!            log_acc:hash gas_used:u64 steps:u64
//! ```
//! Integers are big-endian. Decoding checks every length and bounds nesting and total
//! size, so hostile bytes give a [`Rejection::Malformed`], never a panic.

use avm_value::{Hash, Int, LeafPath, StackDigest, MAX_TUPLE_LEN};

use crate::{Claim, Extra, Normalization, Proof, ProofValue, Rejection};

/// The proof format version this crate writes and reads.
pub const PROOF_VERSION: u8 = 1;

/// The largest proof accepted, in bytes.
pub const MAX_PROOF_BYTES: usize = 1 << 16;

/// The deepest nesting of values accepted in a proof (ecpairing's list needs 32).
pub const MAX_VALUE_DEPTH: usize = 40;

const TAG_INT: u8 = 0;
const TAG_CODE_POINT: u8 = 1;
const TAG_CLOSED_TUPLE: u8 = 2;
const TAG_TUPLE: u8 = 3;
const TAG_BUFFER: u8 = 12;

/// Appends encodings to a byte vector.
#[derive(Default)]
pub struct Writer {
    /// The bytes written so far.
    pub bytes: Vec<u8>,
}

impl Writer {
    fn u8(&mut self, b: u8) {
        self.bytes.push(b);
    }
    fn hash(&mut self, h: &Hash) {
        self.bytes.extend_from_slice(&h.0);
    }
    fn int(&mut self, n: &Int) {
        self.bytes.extend_from_slice(&n.to_be_bytes::<32>());
    }
    fn u64(&mut self, n: u64) {
        self.bytes.extend_from_slice(&n.to_be_bytes());
    }
    fn value(&mut self, v: &ProofValue) {
        match v {
            ProofValue::Int(n) => {
                self.u8(TAG_INT);
                self.int(n);
            }
            ProofValue::CodePoint(h) => {
                self.u8(TAG_CODE_POINT);
                self.hash(h);
            }
            ProofValue::ClosedTuple { inner, size } => {
                self.u8(TAG_CLOSED_TUPLE);
                self.hash(inner);
                self.int(size);
            }
            ProofValue::Tuple(items) => {
                // A tuple the verifier reads holds at most MAX_TUPLE_LEN (8) items, so the
                // tag is 3 to 11; wrapping keeps a longer one from panicking the writer
                // (its bytes then decode as something else, or are rejected).
                self.u8(TAG_TUPLE.wrapping_add(items.len() as u8));
                for item in items {
                    self.value(item);
                }
            }
            ProofValue::Buffer(root) => {
                self.u8(TAG_BUFFER);
                self.hash(root);
            }
        }
    }
    fn digest(&mut self, d: &StackDigest) {
        self.hash(&d.inner);
        self.int(&d.size);
    }
    fn path(&mut self, p: &LeafPath) {
        self.bytes.extend_from_slice(&p.leaf);
        self.u8(p.siblings.len() as u8);
        for s in &p.siblings {
            self.hash(s);
        }
    }

    /// Encodes a claim (152 bytes).
    pub fn claim(&mut self, c: &Claim) {
        self.hash(&c.machine_hash);
        self.u64(c.inbox_consumed);
        self.hash(&c.inbox_acc);
        self.hash(&c.send_acc);
        self.hash(&c.log_acc);
        self.u64(c.gas_used);
        self.u64(c.steps);
    }

    /// Encodes a proof.
    pub fn proof(&mut self, p: &Proof) {
        self.u8(PROOF_VERSION);
        self.u8(p.opcode);
        self.u8(u8::from(p.immediate.is_some()) | (u8::from(p.pending.is_some()) << 1));
        if let Some(imm) = &p.immediate {
            self.value(imm);
        }
        self.hash(&p.next_hash);
        self.u8(p.stack.len() as u8);
        p.stack.iter().for_each(|v| self.value(v));
        self.digest(&p.stack_rest);
        self.u8(p.aux.len() as u8);
        p.aux.iter().for_each(|v| self.value(v));
        self.digest(&p.aux_rest);
        self.value(&p.register);
        self.value(&p.static_value);
        self.int(&p.gas_remaining);
        self.hash(&p.err_pc_hash);
        if let Some(pending) = &p.pending {
            self.value(pending);
        }
        match &p.extra {
            Extra::None => self.u8(0),
            Extra::Message(m) => {
                self.u8(1);
                self.value(m);
            }
            Extra::Reads(paths) => {
                self.u8(2);
                self.u8(paths.len() as u8);
                paths.iter().for_each(|path| self.path(path));
            }
            Extra::Write {
                first,
                second,
                normal,
            } => {
                self.u8(3);
                self.path(first);
                self.u8(u8::from(second.is_some()));
                if let Some(second) = second {
                    self.path(second);
                }
                self.bytes.extend_from_slice(&normal.height.to_be_bytes());
                self.hash(&normal.left);
                self.hash(&normal.right);
            }
            Extra::SendData(data) => {
                self.u8(4);
                self.bytes
                    .extend_from_slice(&(data.len() as u16).to_be_bytes());
                self.bytes.extend_from_slice(data);
            }
            Extra::SendOverflow { index, path } => {
                self.u8(5);
                self.u64(*index);
                self.path(path);
            }
        }
    }
}

/// Reads encodings from bytes, failing cleanly on anything malformed.
pub struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

fn malformed(pos: usize, what: &str) -> Rejection {
    Rejection::Malformed(format!("{what} at byte {pos}"))
}

impl<'a> Reader<'a> {
    /// A reader over `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes, pos: 0 }
    }

    /// Bytes not yet read.
    pub fn remaining(&self) -> usize {
        // pos never passes bytes.len() (see `take`), so this never saturates.
        self.bytes.len().saturating_sub(self.pos)
    }

    /// The bytes not yet read.
    pub fn rest(&self) -> &'a [u8] {
        self.bytes.get(self.pos..).unwrap_or_default()
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], Rejection> {
        let (s, end) = self
            .pos
            .checked_add(n)
            .and_then(|end| Some((self.bytes.get(self.pos..end)?, end)))
            .ok_or_else(|| malformed(self.pos, "unexpected end"))?;
        self.pos = end;
        Ok(s)
    }
    fn u8(&mut self) -> Result<u8, Rejection> {
        let [b] = self.array()?;
        Ok(b)
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N], Rejection> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }
    fn hash(&mut self) -> Result<Hash, Rejection> {
        Ok(Hash(self.array()?))
    }
    fn int(&mut self) -> Result<Int, Rejection> {
        Ok(Int::from_be_bytes(self.array::<32>()?))
    }
    fn u64(&mut self) -> Result<u64, Rejection> {
        Ok(u64::from_be_bytes(self.array()?))
    }
    fn value(&mut self, depth: usize) -> Result<ProofValue, Rejection> {
        if depth > MAX_VALUE_DEPTH {
            return Err(malformed(self.pos, "values nested too deep"));
        }
        let at = self.pos;
        Ok(match self.u8()? {
            TAG_INT => ProofValue::Int(self.int()?),
            TAG_CODE_POINT => ProofValue::CodePoint(self.hash()?),
            TAG_CLOSED_TUPLE => ProofValue::ClosedTuple {
                inner: self.hash()?,
                size: self.int()?,
            },
            TAG_BUFFER => ProofValue::Buffer(self.hash()?),
            t => {
                let Some(n) = t
                    .checked_sub(TAG_TUPLE)
                    .map(usize::from)
                    .filter(|n| *n <= MAX_TUPLE_LEN)
                else {
                    return Err(malformed(at, &format!("unknown value tag 0x{t:02x}")));
                };
                let deeper = depth
                    .checked_add(1)
                    .ok_or_else(|| malformed(self.pos, "values nested too deep"))?;
                let mut items = Vec::with_capacity(n);
                for _ in 0..n {
                    items.push(self.value(deeper)?);
                }
                ProofValue::Tuple(items)
            }
        })
    }
    fn values(&mut self) -> Result<Vec<ProofValue>, Rejection> {
        let n = self.u8()?;
        (0..n).map(|_| self.value(0)).collect()
    }
    fn digest(&mut self) -> Result<StackDigest, Rejection> {
        let inner = self.hash()?;
        Ok(StackDigest::from_preimage(inner, self.int()?))
    }
    fn path(&mut self) -> Result<LeafPath, Rejection> {
        let leaf = self.array::<32>()?;
        let n = self.u8()?;
        if usize::from(n) > crate::merkle::MAX_DEPTH {
            return Err(malformed(self.pos, "leaf path longer than any buffer tree"));
        }
        let siblings = (0..n).map(|_| self.hash()).collect::<Result<_, _>>()?;
        Ok(LeafPath { leaf, siblings })
    }

    /// Decodes a claim.
    pub fn claim(&mut self) -> Result<Claim, Rejection> {
        Ok(Claim {
            machine_hash: self.hash()?,
            inbox_consumed: self.u64()?,
            inbox_acc: self.hash()?,
            send_acc: self.hash()?,
            log_acc: self.hash()?,
            gas_used: self.u64()?,
            steps: self.u64()?,
        })
    }

    /// Decodes a proof.
    pub fn proof(&mut self) -> Result<Proof, Rejection> {
        if self.remaining() > MAX_PROOF_BYTES {
            return Err(malformed(self.pos, "proof larger than the limit"));
        }
        let version = self.u8()?;
        if version != PROOF_VERSION {
            return Err(Rejection::Malformed(format!(
                "proof format version {version}; this verifier reads version {PROOF_VERSION}"
            )));
        }
        let opcode = self.u8()?;
        let flags_at = self.pos;
        let flags = self.u8()?;
        if flags > 3 {
            return Err(malformed(flags_at, "unknown flags"));
        }
        let immediate = if flags & 1 == 1 {
            Some(self.value(0)?)
        } else {
            None
        };
        let next_hash = self.hash()?;
        let stack = self.values()?;
        let stack_rest = self.digest()?;
        let aux = self.values()?;
        let aux_rest = self.digest()?;
        let register = self.value(0)?;
        let static_value = self.value(0)?;
        let gas_remaining = self.int()?;
        let err_pc_hash = self.hash()?;
        let pending = if flags & 2 == 2 {
            Some(self.value(0)?)
        } else {
            None
        };
        let at = self.pos;
        let extra = match self.u8()? {
            0 => Extra::None,
            1 => Extra::Message(self.value(0)?),
            2 => {
                let n = self.u8()?;
                Extra::Reads((0..n).map(|_| self.path()).collect::<Result<_, _>>()?)
            }
            3 => {
                let first = self.path()?;
                let flag_at = self.pos;
                let second = match self.u8()? {
                    0 => None,
                    1 => Some(self.path()?),
                    _ => return Err(malformed(flag_at, "bad second-path flag")),
                };
                Extra::Write {
                    first,
                    second,
                    normal: Normalization {
                        height: u32::from_be_bytes(self.array()?),
                        left: self.hash()?,
                        right: self.hash()?,
                    },
                }
            }
            4 => {
                let len = u16::from_be_bytes(self.array()?);
                Extra::SendData(self.take(usize::from(len))?.to_vec())
            }
            5 => Extra::SendOverflow {
                index: self.u64()?,
                path: self.path()?,
            },
            t => return Err(malformed(at, &format!("unknown extra tag {t}"))),
        };
        Ok(Proof {
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
            pending,
            extra,
        })
    }

    /// Requires that every byte was read.
    pub fn finish(&self) -> Result<(), Rejection> {
        if self.remaining() == 0 {
            Ok(())
        } else {
            Err(malformed(self.pos, "trailing bytes"))
        }
    }
}

impl Proof {
    /// The binary form.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::default();
        w.proof(self);
        w.bytes
    }

    /// Decodes a proof that fills `bytes` exactly.
    pub fn from_bytes(bytes: &[u8]) -> Result<Proof, Rejection> {
        let mut r = Reader::new(bytes);
        let proof = r.proof()?;
        r.finish()?;
        Ok(proof)
    }
}

impl Claim {
    /// The binary form (152 bytes).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::default();
        w.claim(self);
        w.bytes
    }
}
