//! Ready-to-run records: what the execution engine needs to know about each code point,
//! worked out once when the instruction is added to its segment (at load, and when code
//! is created at run time), so that a step does not consult the opcode table again.
//!
//! Each record also describes the basic block that starts at its code point: the run of
//! instructions that follow one another until one that may jump ([`BlockRole::Ends`],
//! included) or one that must run alone ([`BlockRole::Alone`], excluded). The engine
//! checks a block's AVMGas and stack depth once on entry; every instruction in it then
//! runs without those checks. Records are built tail first, as segments are: a block
//! starting at `pc` is the instruction at `pc` followed by the block starting at
//! `pc - 1`, so each record follows from the previous one in O(1).

use crate::opcode::{BlockRole, Opcode, OPCODES};
use crate::Instruction;

/// A run of instructions the engine may execute as one (a super-instruction): the
/// pairs that copy a tuple only to read one of its slots, where executing them one by
/// one would share the tuple and release it again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fused {
    /// Nothing to fuse here.
    No,
    /// `dup0` then `tget` with an immediate index: pushes that slot of the top tuple.
    Dup0TgetImm,
    /// `dup1` then `tget`: only a marker, for the pattern below.
    Dup1Tget,
    /// `dup1`, `dup1`, `tget`: pushes slot A of tuple B (A on top), leaving both.
    Dup1Dup1Tget,
}

impl Fused {
    /// The instructions a fused run covers (0 for none).
    #[inline]
    pub fn instructions(self) -> u32 {
        match self {
            Fused::No | Fused::Dup1Tget => 0,
            Fused::Dup0TgetImm => 2,
            Fused::Dup1Dup1Tget => 3,
        }
    }
}

/// The engine's view of one code point and of the block that starts there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ready {
    /// The opcode (`error` for bytes that are no opcode).
    pub op: Opcode,
    /// Whether the instruction has an immediate.
    pub imm: bool,
    /// The super-instruction starting here, if any (within the block).
    pub fused: Fused,
    /// Instructions in the block that starts here; 0 if this one must run alone.
    pub block_len: u32,
    /// AVMGas of the whole block (this instruction's cost plus the rest's).
    pub block_gas: u64,
    /// Data stack items the block needs on entry so that no instruction in it
    /// underflows (immediates counted as pushed by their instruction).
    pub need: u32,
    /// Aux stack items the block needs on entry.
    pub aux_need: u32,
}

impl Ready {
    /// The record of a segment's tail, which executes as an error: it runs alone.
    pub const TAIL: Ready = Ready {
        op: Opcode::Error,
        imm: false,
        fused: Fused::No,
        block_len: 0,
        block_gas: 0,
        need: 0,
        aux_need: 0,
    };

    /// The record of `insn`, placed in front of a code point whose record is `next`.
    pub fn new(insn: &Instruction, next: &Ready) -> Ready {
        // In bounds: OPCODES has 256 rows, one per u8.
        let Some(info) = OPCODES[usize::from(insn.opcode)] else {
            return Ready::TAIL;
        };
        let alone = Ready {
            op: info.opcode,
            imm: insn.immediate.is_some(),
            ..Ready::TAIL
        };
        let imm = u32::from(insn.immediate.is_some());
        let pops = u32::from(info.pops);
        let own_need = pops.saturating_sub(imm);
        let (len, gas, need, aux_need) = match info.block {
            BlockRole::Alone => return alone,
            BlockRole::Ends => (1, info.gas, own_need, u32::from(info.aux_pops)),
            BlockRole::Within if next.block_len == 0 => {
                (1, info.gas, own_need, u32::from(info.aux_pops))
            }
            BlockRole::Within => {
                // What the rest of the block needs, seen from before this instruction:
                // it leaves `imm + pushes - pops` more items for the rest.
                let after = i64::from(next.need) - i64::from(imm + u32::from(info.pushes))
                    + i64::from(pops);
                let aux_after = i64::from(next.aux_need) - i64::from(info.aux_pushes)
                    + i64::from(info.aux_pops);
                let (Ok(len), Some(gas), Ok(need), Ok(aux_need)) = (
                    u32::try_from(u64::from(next.block_len) + 1),
                    next.block_gas.checked_add(info.gas),
                    u32::try_from(after.max(i64::from(own_need))),
                    u32::try_from(aux_after.max(i64::from(info.aux_pops))),
                ) else {
                    return Ready {
                        fused: Fused::No,
                        block_len: 1,
                        block_gas: info.gas,
                        need: own_need,
                        aux_need: u32::from(info.aux_pops),
                        ..alone
                    };
                };
                (len, gas, need, aux_need)
            }
        };
        let within = |n: u32| len >= n;
        let fused = match (info.opcode, insn.immediate.is_some(), next.op, next.imm) {
            (Opcode::Dup0, false, Opcode::Tget, true) if within(2) => Fused::Dup0TgetImm,
            (Opcode::Dup1, false, Opcode::Tget, false) if within(2) => Fused::Dup1Tget,
            (Opcode::Dup1, false, Opcode::Dup1, false)
                if within(3) && next.fused == Fused::Dup1Tget =>
            {
                Fused::Dup1Dup1Tget
            }
            _ => Fused::No,
        };
        Ready {
            op: info.opcode,
            imm: insn.immediate.is_some(),
            fused,
            block_len: len,
            block_gas: gas,
            need,
            aux_need,
        }
    }

    /// The AVMGas of this instruction alone (its table cost).
    #[inline]
    pub fn own_gas(&self) -> u64 {
        self.op.info().gas
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use avm_value::Value;

    fn chain(insns: &[Instruction]) -> Vec<Ready> {
        // `insns` in execution order; records are built from the tail up.
        let mut records = vec![Ready::TAIL];
        for insn in insns.iter().rev() {
            let next = *records.last().unwrap_or(&Ready::TAIL);
            records.push(Ready::new(insn, &next));
        }
        records.reverse();
        records
    }

    /// The depth a block needs, found by simulating its instructions one by one.
    fn simulated_need(insns: &[Instruction]) -> (u32, u32) {
        let (mut depth, mut need, mut aux_depth, mut aux_need) = (0i64, 0i64, 0i64, 0i64);
        for insn in insns {
            let info = crate::info_for_byte(insn.opcode);
            depth += i64::from(insn.immediate.is_some());
            need = need.max(i64::from(info.pops) - depth);
            aux_need = aux_need.max(i64::from(info.aux_pops) - aux_depth);
            depth += i64::from(info.pushes) - i64::from(info.pops);
            aux_depth += i64::from(info.aux_pushes) - i64::from(info.aux_pops);
        }
        (need as u32, aux_need as u32)
    }

    #[test]
    fn a_block_runs_to_its_jump_and_stops_before_what_runs_alone() {
        let imm = |op, n| Instruction::with_immediate(op, Value::int(n));
        let code = [
            imm(0x01, 2),             // add 2: needs one item
            Instruction::basic(0x43), // swap1
            imm(0x53, 0),             // xget 0: needs one aux item
            Instruction::basic(0x30), // pop
            Instruction::basic(0x34), // jump: ends the block
            Instruction::basic(0x01), // add
            Instruction::basic(0x72), // inbox: alone
        ];
        let records = chain(&code);
        assert_eq!(records[0].block_len, 5);
        assert_eq!(records[0].block_gas, 3 + 1 + 3 + 1 + 4);
        assert_eq!(
            (records[0].need, records[0].aux_need),
            simulated_need(&code[..5])
        );
        assert_eq!(records[4].block_len, 1);
        assert_eq!(records[5].block_len, 1, "add before inbox: its own block");
        assert_eq!(records[6].block_len, 0);
        assert_eq!(records[7], Ready::TAIL);
    }

    #[test]
    fn super_instructions_are_found_only_within_a_block() {
        let code = [
            Instruction::basic(0x41),                         // dup1
            Instruction::basic(0x41),                         // dup1
            Instruction::basic(0x50),                         // tget
            Instruction::basic(0x40),                         // dup0
            Instruction::with_immediate(0x50, Value::int(1)), // tget 1
            Instruction::basic(0x40),                         // dup0
            Instruction::basic(0x72),                         // inbox: alone
        ];
        let records = chain(&code);
        let fused: Vec<Fused> = records.iter().map(|r| r.fused).collect();
        assert_eq!(
            fused[..7],
            [
                Fused::Dup1Dup1Tget,
                Fused::Dup1Tget,
                Fused::No,
                Fused::Dup0TgetImm,
                Fused::No,
                Fused::No,
                Fused::No
            ]
        );
    }

    #[test]
    fn the_need_of_every_suffix_matches_a_simulation() {
        // A deterministic mix of every opcode, with and without immediates.
        let mut code = Vec::new();
        for (i, row) in OPCODES.iter().flatten().enumerate() {
            if row.block == BlockRole::Within {
                code.push(match i % 3 {
                    0 => Instruction::with_immediate(row.byte, Value::int(1)),
                    _ => Instruction::basic(row.byte),
                });
            }
        }
        let records = chain(&code);
        for start in 0..code.len() {
            let record = records[start];
            assert_eq!(record.block_len as usize, code.len() - start);
            let (need, aux_need) = simulated_need(&code[start..]);
            assert_eq!(
                (record.need, record.aux_need),
                (need, aux_need),
                "from {start}"
            );
        }
    }
}
