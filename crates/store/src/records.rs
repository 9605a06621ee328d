//! Code chunks, segment tables and checkpoint records.
//!
//! ```text
//! code chunk    := prev:hash n:u32 (opcode:u8 has_imm:u8 [ref] hash)*n
//!                  instructions bottom to top; stored under the top one's CodePoint
//!                  hash; `prev` is the hash of the code point below the bottom one
//! segment table := n:u32 (len:u32 top:hash tail_kind:u8 [tail:hash])*n
//!                  stored under keccak of itself; tail_kind 0 is the error code point
//! checkpoint    := version:u8 seq:u64 machine_hash status:u8 pc_seg:u32 pc:u32
//!                  stack:hash aux:hash register:ref static:ref gas:word
//!                  err_seg:u32 err_pc:u32 has_pending:u8 [pending:ref]
//!                  inbox_consumed:u64 inbox_acc send_count:u64 send_acc
//!                  log_count:u64 log_acc steps:u64 gas_used:u64 bytes:u64
//!                  program_len:u32 segments:u32 tables:u32 table:hash*tables
//! ```

use avm_machine::{InboxPosition, OutputAccumulators, Status};
use avm_value::{CodePointRef, Hash, Int};

use crate::codec::{In, Ref};
use crate::error::{bad_count, corrupt, RecordKind};
use crate::StoreError;

/// Instructions per stored code chunk.
pub(crate) const CHUNK: usize = 512;

/// Segments per stored segment table chunk.
pub(crate) const TABLE_CHUNK: usize = 512;

/// The format version of checkpoint records.
pub(crate) const RECORD_VERSION: u8 = 1;

/// How to find a segment's code: its length, the hash of its top code point (the key
/// of its top chunk), and its tail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SegmentEntry {
    pub(crate) len: u32,
    pub(crate) top: Hash,
    /// None for the error code point; otherwise the opaque tail's hash.
    pub(crate) opaque_tail: Option<Hash>,
}

pub(crate) fn read_segment_table(bytes: &[u8]) -> Result<Vec<SegmentEntry>, StoreError> {
    let mut r = In::new(bytes, "segment table");
    let n = r.u32()?;
    if n == 0 || n as usize > TABLE_CHUNK {
        return Err(bad_count(
            RecordKind::SegmentTable,
            n,
            1,
            TABLE_CHUNK as u64,
        ));
    }
    let mut entries = Vec::with_capacity(n as usize);
    for _ in 0..n {
        let len = r.u32()?;
        let top = r.hash()?;
        let opaque_tail = match r.u8()? {
            0 => None,
            1 => Some(r.hash()?),
            k => return Err(corrupt(format!("unknown tail kind {k}"))),
        };
        entries.push(SegmentEntry {
            len,
            top,
            opaque_tail,
        });
    }
    r.done()?;
    Ok(entries)
}

/// A decoded code chunk: the hash below it and its instructions, bottom first.
pub(crate) struct Chunk {
    pub(crate) prev: Hash,
    pub(crate) insns: Vec<(u8, Option<Ref>, Hash)>,
}

pub(crate) fn read_chunk(bytes: &[u8]) -> Result<Chunk, StoreError> {
    let mut r = In::new(bytes, "code chunk");
    let prev = r.hash()?;
    let n = r.u32()?;
    if n == 0 || n as usize > CHUNK {
        return Err(bad_count(RecordKind::CodeChunk, n, 1, CHUNK as u64));
    }
    let mut insns = Vec::with_capacity(n as usize);
    for _ in 0..n {
        let opcode = r.u8()?;
        let immediate = match r.u8()? {
            0 => None,
            1 => Some(r.value_ref()?),
            k => return Err(corrupt(format!("unknown immediate flag {k}"))),
        };
        insns.push((opcode, immediate, r.hash()?));
    }
    r.done()?;
    Ok(Chunk { prev, insns })
}

/// Everything a checkpoint records about a machine, with values as references.
#[derive(Clone, Debug)]
pub(crate) struct Record {
    pub(crate) seq: u64,
    pub(crate) machine_hash: Hash,
    pub(crate) status: Status,
    pub(crate) pc: CodePointRef,
    pub(crate) stack: Hash,
    pub(crate) aux: Hash,
    pub(crate) register: Ref,
    pub(crate) static_value: Ref,
    pub(crate) gas_remaining: Int,
    pub(crate) err_pc: CodePointRef,
    pub(crate) pending: Option<Ref>,
    pub(crate) inbox: InboxPosition,
    pub(crate) outputs: OutputAccumulators,
    pub(crate) steps: u64,
    pub(crate) gas_used: u64,
    pub(crate) bytes: u64,
    pub(crate) program_len: u32,
    pub(crate) segments: u32,
    pub(crate) tables: Vec<Hash>,
}

fn status_byte(s: Status) -> u8 {
    match s {
        Status::Running => 0,
        Status::Halted => 1,
        Status::ErrorStop => 2,
    }
}

pub(crate) fn read_record(bytes: &[u8]) -> Result<Record, StoreError> {
    let mut r = In::new(bytes, "checkpoint");
    let version = r.u8()?;
    if version != RECORD_VERSION {
        return Err(corrupt(format!(
            "checkpoint record version {version} is not {RECORD_VERSION}"
        )));
    }
    let seq = r.u64()?;
    let machine_hash = r.hash()?;
    let status = match r.u8()? {
        0 => Status::Running,
        1 => Status::Halted,
        2 => Status::ErrorStop,
        s => return Err(corrupt(format!("unknown machine status {s}"))),
    };
    let pc = CodePointRef::new(r.u32()?, r.u32()?);
    let stack = r.hash()?;
    let aux = r.hash()?;
    let register = r.value_ref()?;
    let static_value = r.value_ref()?;
    let gas_remaining = r.int()?;
    let err_pc = CodePointRef::new(r.u32()?, r.u32()?);
    let pending = match r.u8()? {
        0 => None,
        _ => Some(r.value_ref()?),
    };
    let inbox = InboxPosition {
        consumed: r.u64()?,
        acc: r.hash()?,
    };
    let outputs = OutputAccumulators {
        send_count: r.u64()?,
        send_acc: r.hash()?,
        log_count: r.u64()?,
        log_acc: r.hash()?,
    };
    let steps = r.u64()?;
    let gas_used = r.u64()?;
    let bytes_written = r.u64()?;
    let program_len = r.u32()?;
    let segments = r.u32()?;
    let n_tables = r.u32()?;
    let tables = (0..n_tables).map(|_| r.hash()).collect::<Result<_, _>>()?;
    r.done()?;
    Ok(Record {
        seq,
        machine_hash,
        status,
        pc,
        stack,
        aux,
        register,
        static_value,
        gas_remaining,
        err_pc,
        pending,
        inbox,
        outputs,
        steps,
        gas_used,
        bytes: bytes_written,
        program_len,
        segments,
        tables,
    })
}

pub(crate) fn write_ref(out: &mut crate::codec::Out, r: &Ref) {
    match r {
        Ref::Int(n) => {
            let bytes = n.to_be_bytes::<32>();
            let start = bytes.iter().position(|b| *b != 0).unwrap_or(32);
            out.u8(0);
            out.u8((32 - start) as u8);
            // In bounds: start is a position in the 32 bytes, or 32.
            out.0.extend_from_slice(&bytes[start..]);
        }
        Ref::CodePoint(cp) => {
            out.u8(1);
            out.u32(cp.segment);
            out.u32(cp.pc);
        }
        Ref::Tuple(h) => {
            out.u8(3);
            out.hash(h);
        }
        Ref::Buffer(h) => {
            out.u8(12);
            out.hash(h);
        }
    }
}

pub(crate) fn write_record(r: &Record) -> Vec<u8> {
    let mut out = crate::codec::Out::default();
    out.u8(RECORD_VERSION);
    out.u64(r.seq);
    out.hash(&r.machine_hash);
    out.u8(status_byte(r.status));
    out.u32(r.pc.segment);
    out.u32(r.pc.pc);
    out.hash(&r.stack);
    out.hash(&r.aux);
    write_ref(&mut out, &r.register);
    write_ref(&mut out, &r.static_value);
    out.int(&r.gas_remaining);
    out.u32(r.err_pc.segment);
    out.u32(r.err_pc.pc);
    match &r.pending {
        None => out.u8(0),
        Some(p) => {
            out.u8(1);
            write_ref(&mut out, p);
        }
    }
    out.u64(r.inbox.consumed);
    out.hash(&r.inbox.acc);
    out.u64(r.outputs.send_count);
    out.hash(&r.outputs.send_acc);
    out.u64(r.outputs.log_count);
    out.hash(&r.outputs.log_acc);
    out.u64(r.steps);
    out.u64(r.gas_used);
    out.u64(r.bytes);
    out.u32(r.program_len);
    out.u32(r.segments);
    out.u32(r.tables.len() as u32);
    for t in &r.tables {
        out.hash(t);
    }
    out.0
}
