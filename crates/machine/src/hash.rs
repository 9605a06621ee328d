//! The machine hash: what a one-step proof, a checkpoint and a challenge commit to.
//!
//! - Halted: the Integer 0. ErrorStop: the Integer 1.
//! - Running, no pending message: keccak of seven 32-byte words, exactly as the deployed
//!   verifier (Machine.sol) and the C++ AVM (MachineStateKeys::machineHash) lay them out:
//!   current CodePoint hash, data stack hash, aux stack hash, register hash, static
//!   hash, AVMGas remaining (big-endian), Error CodePoint hash.
//! - Running with a pending message (which only `inboxpeek`, kept from the spec though
//!   the deployed AVM dropped it, can create): the same seven words followed by the
//!   pending message's value hash, eight words in all. Machines without a pending
//!   message therefore hash exactly as deployed machines do.
//!
//! Nothing is hashed while executing; this computes the hash on demand, reusing cached
//! tuple digests and stack prefix digests, so asking after every step costs only what
//! changed.

use avm_value::{keccak256, value_hash, CodeView, Hash, Int, StackDigest};

use crate::{Machine, Status};

/// The state words that make up a running machine's hash, in hashing order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MachineHashParts {
    /// Hash of the current code point.
    pub pc_hash: Hash,
    /// Hash of the data stack.
    pub stack_hash: Hash,
    /// Hash of the aux stack.
    pub aux_stack_hash: Hash,
    /// Hash of the register value.
    pub register_hash: Hash,
    /// Hash of the static value.
    pub static_hash: Hash,
    /// AVMGas remaining.
    pub gas_remaining: Int,
    /// Hash of the Error CodePoint register.
    pub err_pc_hash: Hash,
    /// Hash of the pending message, if there is one.
    pub pending_hash: Option<Hash>,
}

impl MachineHashParts {
    /// The machine hash of a running machine with these parts.
    pub fn hash(&self) -> Hash {
        let mut data = [0u8; 32 * 8];
        let words = [
            self.pc_hash,
            self.stack_hash,
            self.aux_stack_hash,
            self.register_hash,
            self.static_hash,
            Hash::from_int(&self.gas_remaining),
            self.err_pc_hash,
        ];
        // In bounds: `data` holds 8 words; the 7 fixed ones fill words 0..7 and the
        // pending hash word 7.
        for (i, w) in words.iter().enumerate() {
            data[32 * i..32 * (i + 1)].copy_from_slice(&w.0);
        }
        match self.pending_hash {
            None => keccak256(&data[..32 * 7]),
            Some(p) => {
                data[32 * 7..].copy_from_slice(&p.0);
                keccak256(&data)
            }
        }
    }
}

/// Both stacks of a machine with their digests current, and its code: what a
/// checkpoint store needs to store stacks as shared chains of pairs.
pub struct StorageView<'a> {
    /// The data stack (see [`crate::Stack::digests_below`]).
    pub stack: &'a crate::Stack,
    /// The aux stack.
    pub aux: &'a crate::Stack,
    /// The code.
    pub code: &'a avm_code::Code,
}

/// The hash of a machine that is not running: 0 for Halted, 1 for ErrorStop.
pub fn stopped_hash(status: Status) -> Option<Hash> {
    match status {
        Status::Running => None,
        Status::Halted => Some(Hash::ZERO),
        Status::ErrorStop => Some(Hash::from_int(&Int::from(1u8))),
    }
}

impl Machine {
    /// The parts of the hash of a running machine (computed whatever the status).
    pub fn hash_parts(&mut self) -> MachineHashParts {
        let static_hash = match self.static_hash {
            Some(h) => h,
            None => {
                let h = value_hash(&self.static_value, &self.code);
                self.static_hash = Some(h);
                h
            }
        };
        MachineHashParts {
            pc_hash: self.code.code_point_hash(self.pc),
            stack_hash: self.stack.digest(&self.code).hash,
            aux_stack_hash: self.aux.digest(&self.code).hash,
            register_hash: value_hash(&self.register, &self.code),
            static_hash,
            gas_remaining: self.gas_remaining,
            err_pc_hash: self.code.code_point_hash(self.err_pc),
            pending_hash: self.pending.as_ref().map(|p| value_hash(p, &self.code)),
        }
    }

    /// The digest of the data stack without its top `count` items (what a one-step
    /// proof shows below the items an instruction pops).
    pub fn stack_digest_below(&mut self, count: usize) -> StackDigest {
        let keep = self.stack.len().saturating_sub(count);
        self.stack.digest_of_bottom(keep, &self.code)
    }

    /// The digest of the aux stack without its top `count` items.
    pub fn aux_digest_below(&mut self, count: usize) -> StackDigest {
        let keep = self.aux.len().saturating_sub(count);
        self.aux.digest_of_bottom(keep, &self.code)
    }

    /// Both stacks with their digests computed, and the code: what a checkpoint store
    /// needs to store stacks as shared chains of pairs.
    pub fn storage_view(&mut self) -> StorageView<'_> {
        self.stack.digest(&self.code);
        self.aux.digest(&self.code);
        StorageView {
            stack: &self.stack,
            aux: &self.aux,
            code: &self.code,
        }
    }

    /// The machine hash.
    pub fn hash(&mut self) -> Hash {
        match stopped_hash(self.status) {
            Some(h) => h,
            None => self.hash_parts().hash(),
        }
    }
}
