//! The byte layout of the embedded chain's records in its data dir: fixed-width
//! big-endian integers and length-prefixed byte strings, read back with bounds
//! checked (a data dir is untrusted input: a damaged record is an error, never a
//! panic).

use avm_value::Hash;

use crate::chain::types::{Log, RevertReason, TxStatus};

/// Longest byte string a record may hold (a contract's code, a transaction's input).
const MAX_BYTES: usize = 64 << 20;

/// Why a record could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a damaged record: {0}")]
pub(crate) struct Damaged(pub String);

/// Writes a record.
#[derive(Default)]
pub(crate) struct Writer {
    pub buf: Vec<u8>,
}

impl Writer {
    pub fn u8(&mut self, v: u8) -> &mut Self {
        self.buf.push(v);
        self
    }
    pub fn u64(&mut self, v: u64) -> &mut Self {
        self.buf.extend_from_slice(&v.to_be_bytes());
        self
    }
    pub fn u128(&mut self, v: u128) -> &mut Self {
        self.buf.extend_from_slice(&v.to_be_bytes());
        self
    }
    pub fn word(&mut self, v: &[u8; 32]) -> &mut Self {
        self.buf.extend_from_slice(v);
        self
    }
    pub fn address(&mut self, v: &[u8; 20]) -> &mut Self {
        self.buf.extend_from_slice(v);
        self
    }
    pub fn bytes(&mut self, v: &[u8]) -> &mut Self {
        self.u64(v.len() as u64);
        self.buf.extend_from_slice(v);
        self
    }
    pub fn opt_address(&mut self, v: &Option<[u8; 20]>) -> &mut Self {
        match v {
            Some(a) => self.u8(1).address(a),
            None => self.u8(0),
        }
    }
    pub fn opt_u64(&mut self, v: Option<u64>) -> &mut Self {
        match v {
            Some(n) => self.u8(1).u64(n),
            None => self.u8(0),
        }
    }
    pub fn opt_u128(&mut self, v: Option<u128>) -> &mut Self {
        match v {
            Some(n) => self.u8(1).u128(n),
            None => self.u8(0),
        }
    }
    pub fn status(&mut self, v: TxStatus) -> &mut Self {
        self.u8(match v {
            TxStatus::Ok => 1,
            TxStatus::Revert => 0,
        })
    }
    pub fn revert(&mut self, v: &Option<RevertReason>) -> &mut Self {
        match v {
            None => self.u8(0),
            Some(RevertReason::Message(m)) => self.u8(1).bytes(m.as_bytes()),
            Some(RevertReason::Data(d)) => self.u8(2).bytes(d),
            Some(RevertReason::Halt(h)) => self.u8(3).bytes(h.as_bytes()),
        }
    }
    pub fn log(&mut self, log: &Log) -> &mut Self {
        self.address(&log.address).u64(log.topics.len() as u64);
        for topic in &log.topics {
            self.word(&topic.0);
        }
        self.bytes(&log.data)
            .u64(log.block)
            .word(&log.tx_hash.0)
            .u64(log.log_index)
    }
}

/// Reads a record.
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    what: &'static str,
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8], what: &'static str) -> Reader<'a> {
        Reader { bytes, what }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], Damaged> {
        if self.bytes.len() < n {
            return Err(Damaged(format!("{} ends early", self.what)));
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N], Damaged> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }
    pub fn u8(&mut self) -> Result<u8, Damaged> {
        Ok(self.array::<1>()?[0])
    }
    pub fn u64(&mut self) -> Result<u64, Damaged> {
        Ok(u64::from_be_bytes(self.array()?))
    }
    pub fn u128(&mut self) -> Result<u128, Damaged> {
        Ok(u128::from_be_bytes(self.array()?))
    }
    pub fn word(&mut self) -> Result<[u8; 32], Damaged> {
        self.array()
    }
    pub fn hash(&mut self) -> Result<Hash, Damaged> {
        Ok(Hash(self.word()?))
    }
    pub fn address(&mut self) -> Result<[u8; 20], Damaged> {
        self.array()
    }
    /// A count of items of at least `item_size` bytes each, checked against what is
    /// left, so a damaged count cannot make a reader allocate without bound.
    pub fn count(&mut self, item_size: usize) -> Result<usize, Damaged> {
        let n = usize::try_from(self.u64()?).map_err(|_| Damaged("a huge count".into()))?;
        if n.saturating_mul(item_size.max(1)) > self.bytes.len() {
            return Err(Damaged(format!("{}: a count past its end", self.what)));
        }
        Ok(n)
    }
    pub fn bytes(&mut self) -> Result<Vec<u8>, Damaged> {
        let n = self.count(1)?;
        if n > MAX_BYTES {
            return Err(Damaged(format!("{}: a {n}-byte string", self.what)));
        }
        Ok(self.take(n)?.to_vec())
    }
    pub fn string(&mut self) -> Result<String, Damaged> {
        String::from_utf8(self.bytes()?).map_err(|_| Damaged(format!("{}: not UTF-8", self.what)))
    }
    pub fn flag(&mut self) -> Result<bool, Damaged> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            other => Err(Damaged(format!("{}: flag {other}", self.what))),
        }
    }
    pub fn opt_address(&mut self) -> Result<Option<[u8; 20]>, Damaged> {
        Ok(if self.flag()? {
            Some(self.address()?)
        } else {
            None
        })
    }
    pub fn opt_u64(&mut self) -> Result<Option<u64>, Damaged> {
        Ok(if self.flag()? {
            Some(self.u64()?)
        } else {
            None
        })
    }
    pub fn opt_u128(&mut self) -> Result<Option<u128>, Damaged> {
        Ok(if self.flag()? {
            Some(self.u128()?)
        } else {
            None
        })
    }
    pub fn status(&mut self) -> Result<TxStatus, Damaged> {
        Ok(if self.flag()? {
            TxStatus::Ok
        } else {
            TxStatus::Revert
        })
    }
    pub fn revert(&mut self) -> Result<Option<RevertReason>, Damaged> {
        Ok(match self.u8()? {
            0 => None,
            1 => Some(RevertReason::Message(self.string()?)),
            2 => Some(RevertReason::Data(self.bytes()?)),
            3 => Some(RevertReason::Halt(self.string()?)),
            other => return Err(Damaged(format!("{}: revert tag {other}", self.what))),
        })
    }
    pub fn log(&mut self) -> Result<Log, Damaged> {
        let address = self.address()?;
        let topics = self.count(32)?;
        if topics > 4 {
            return Err(Damaged(format!(
                "{}: a log with {topics} topics",
                self.what
            )));
        }
        let topics = (0..topics)
            .map(|_| self.hash())
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Log {
            address,
            topics,
            data: self.bytes()?,
            block: self.u64()?,
            tx_hash: self.hash()?,
            log_index: self.u64()?,
        })
    }
    /// Fails unless the record was read to its end.
    pub fn end(&self) -> Result<(), Damaged> {
        if self.bytes.is_empty() {
            Ok(())
        } else {
            Err(Damaged(format!("{}: bytes after its end", self.what)))
        }
    }
}
