//! Shared by the fuzz targets: turning fuzzer bytes into programs, inboxes and machines
//! with every kind of value, so that coverage-guided mutation explores the executor.

use avm_code::{Instruction, Program};
use avm_machine::Machine;
use avm_value::{value_hash, Buffer, CodePointRef, Int, Tuple, Value};
use avm_verifier::InboxAccumulators;

/// Reads fuzzer bytes; zeros once they run out.
pub struct Bytes<'a>(pub &'a [u8]);

impl Bytes<'_> {
    /// The next byte.
    pub fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((b, rest)) => {
                self.0 = rest;
                *b
            }
            None => 0,
        }
    }

    /// The next `n` bytes (fewer if the input ends).
    pub fn take(&mut self, n: usize) -> &[u8] {
        let n = n.min(self.0.len());
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        head
    }

    /// A value, nesting at most `depth` tuples, naming code points of a program of
    /// `len` instructions at indexes above `after` (an immediate's hash can only cover
    /// later code).
    pub fn value(&mut self, depth: u32, len: usize, after: usize) -> Value {
        match self.byte() % 6 {
            0 | 1 => Value::int(u64::from(self.byte())),
            2 => {
                let mut word = [0u8; 32];
                let bytes = self.take(32);
                word[32 - bytes.len()..].copy_from_slice(bytes);
                Value::Int(Int::from_be_bytes(word))
            }
            3 if depth > 0 => {
                let n = usize::from(self.byte() % 9);
                let items: Vec<Value> = (0..n).map(|_| self.value(depth - 1, len, after)).collect();
                Value::Tuple(Tuple::new(items).unwrap_or_default())
            }
            4 if after < len => {
                let span = len - after;
                let index = after + 1 + usize::from(self.byte()) % span;
                Value::CodePoint(Program::code_point_of(len, index))
            }
            5 => {
                let n = usize::from(self.byte() % 48);
                let offset = if self.byte() % 4 == 0 {
                    u64::from(self.byte()) << (self.byte() % 58)
                } else {
                    0
                };
                let data = self.take(n).to_vec();
                Value::Buffer(Buffer::new().set_bytes(offset, &data))
            }
            _ => Value::Tuple(Tuple::default()),
        }
    }

    /// A program of 1..=64 instructions with arbitrary opcode bytes and immediates, and
    /// an arbitrary static value.
    pub fn program(&mut self) -> Option<Program> {
        let len = usize::from(self.byte() % 64) + 1;
        let mut insns = Vec::with_capacity(len);
        for i in 0..len {
            let opcode = self.byte();
            let immediate = (self.byte() % 3 == 0).then(|| self.value(2, len, i));
            insns.push(Instruction { opcode, immediate });
        }
        let static_value = self.value(3, len, 0);
        Program::from_instructions(insns, static_value).ok()
    }

    /// Up to three inbox messages, tuples (kind, block number, data).
    pub fn inbox(&mut self, len: usize) -> Vec<Value> {
        (0..self.byte() % 4)
            .map(|_| {
                let kind = self.value(1, len, len);
                let data = self.value(2, len, len);
                Value::Tuple(Tuple::from_array([
                    kind,
                    Value::int(u64::from(self.byte())),
                    data,
                ]))
            })
            .collect()
    }

    /// A machine for a program with non-empty stacks, register and gas when the bytes
    /// say so.
    pub fn machine(&mut self, program: Program) -> Machine {
        let len = program.instruction_count() as usize;
        let mut parts = Machine::new(program).to_parts();
        parts.stack = (0..self.byte() % 5)
            .map(|_| self.value(2, len, 0))
            .collect();
        parts.aux_stack = (0..self.byte() % 3)
            .map(|_| self.value(2, len, 0))
            .collect();
        parts.register = self.value(2, len, 0);
        if self.byte() % 8 == 0 {
            parts.gas_remaining = Int::from(self.byte());
        }
        if self.byte() % 8 == 0 {
            parts.err_pc = CodePointRef::new(0, u32::from(self.byte()) % (len as u32 + 1));
        }
        Machine::from_parts(parts)
    }

    /// A machine for an arbitrary program, with the inbox it will read: what the
    /// executor, prover and verifier targets all start from.
    pub fn case(&mut self) -> Option<(Machine, Vec<Value>)> {
        let program = self.program()?;
        let len = program.instruction_count() as usize;
        let inbox = self.inbox(len);
        Some((self.machine(program), inbox))
    }
}

/// The inbox accumulators a verifier needs for `inbox` read by `machine`.
pub fn accumulators(machine: &Machine, inbox: &[Value]) -> InboxAccumulators {
    InboxAccumulators::from_message_hashes(inbox.iter().map(|m| value_hash(m, machine.code())))
}
