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
use avm_value::Value;

/// A run of instructions the engine may execute as one (a super-instruction): the
/// pairs that copy a tuple only to read one of its slots, where executing them one by
/// one would share the tuple and release it again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fused {
    /// Nothing to fuse here.
    No,
    /// `dup0` then `tget` with an immediate slot number: pushes that slot of the top
    /// tuple.
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

/// The kind of an instruction's immediate, which decides its [`Form`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Imm {
    None,
    /// An integer below 8: a tuple slot number.
    Slot(u8),
    Int,
    CodePoint,
    Other,
}

impl Imm {
    fn of(immediate: Option<&Value>) -> Imm {
        match immediate {
            None => Imm::None,
            Some(Value::Int(n)) => match n.as_limbs() {
                [i, 0, 0, 0] if *i < 8 => Imm::Slot(*i as u8),
                _ => Imm::Int,
            },
            Some(Value::CodePoint(_)) => Imm::CodePoint,
            Some(Value::Tuple(_) | Value::Buffer(_)) => Imm::Other,
        }
    }
}

/// The engine's fast form of an instruction: its opcode together with the kind of
/// its immediate, worked out at load so that the engine dispatches on one byte. A form
/// that names an immediate (`...Imm`, `...Slot`) is only given to instructions that
/// have one of that kind; a slot number is kept in [`Ready::slot`]. Instructions
/// without a fast form are [`Form::General`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Form {
    General,
    Nop,
    NopImm,
    Pop,
    PopImm,
    Dup0,
    Dup1,
    Dup2,
    Rpush,
    Swap1,
    Swap2,
    Swap1Imm,
    AuxPush,
    AuxPushImm,
    AuxPop,
    Tget,
    TgetSlot,
    XgetSlot,
    XsetSlot,
    TsetSlot,
    Jump,
    JumpImm,
    CjumpImm,
    IsZero,
    Eq,
    Gt,
    Lt,
    And,
    Or,
    Add,
    Sub,
    EqImm,
    GtImm,
    LtImm,
    AndImm,
    AddImm,
    SubImm,
    Type,
    /// `dup0` starting [`Fused::Dup0TgetImm`].
    Dup0TgetSlot,
    /// `dup1` starting [`Fused::Dup1Dup1Tget`].
    Dup1Dup1Tget,
}

impl Form {
    /// Whether this form starts a super-instruction ([`Ready::fused`] says which).
    #[inline(always)]
    pub fn is_fused(self) -> bool {
        matches!(self, Form::Dup0TgetSlot | Form::Dup1Dup1Tget)
    }

    /// The form of `op` with an immediate of kind `imm`.
    fn of(op: Opcode, imm: Imm) -> Form {
        use Imm::{CodePoint, Int, None, Slot};
        match (op, imm) {
            (Opcode::Nop, None) => Form::Nop,
            (Opcode::Nop, _) => Form::NopImm,
            (Opcode::Pop, None) => Form::Pop,
            (Opcode::Pop, _) => Form::PopImm,
            (Opcode::Dup0, None) => Form::Dup0,
            (Opcode::Dup1, None) => Form::Dup1,
            (Opcode::Dup2, None) => Form::Dup2,
            (Opcode::Rpush, None) => Form::Rpush,
            (Opcode::Swap1, None) => Form::Swap1,
            (Opcode::Swap2, None) => Form::Swap2,
            (Opcode::Swap1, _) => Form::Swap1Imm,
            (Opcode::AuxPush, None) => Form::AuxPush,
            (Opcode::AuxPush, _) => Form::AuxPushImm,
            (Opcode::AuxPop, None) => Form::AuxPop,
            (Opcode::Tget, None) => Form::Tget,
            (Opcode::Tget, Slot(_)) => Form::TgetSlot,
            (Opcode::Xget, Slot(_)) => Form::XgetSlot,
            (Opcode::Xset, Slot(_)) => Form::XsetSlot,
            (Opcode::Tset, Slot(_)) => Form::TsetSlot,
            (Opcode::Jump, None) => Form::Jump,
            (Opcode::Jump, CodePoint) => Form::JumpImm,
            (Opcode::Cjump, CodePoint) => Form::CjumpImm,
            (Opcode::IsZero, None) => Form::IsZero,
            (Opcode::Eq, None) => Form::Eq,
            (Opcode::Gt, None) => Form::Gt,
            (Opcode::Lt, None) => Form::Lt,
            (Opcode::And, None) => Form::And,
            (Opcode::Or, None) => Form::Or,
            (Opcode::Add, None) => Form::Add,
            (Opcode::Sub, None) => Form::Sub,
            (Opcode::Eq, Slot(_) | Int) => Form::EqImm,
            (Opcode::Gt, Slot(_) | Int) => Form::GtImm,
            (Opcode::Lt, Slot(_) | Int) => Form::LtImm,
            (Opcode::And, Slot(_) | Int) => Form::AndImm,
            (Opcode::Add, Slot(_) | Int) => Form::AddImm,
            (Opcode::Sub, Slot(_) | Int) => Form::SubImm,
            (Opcode::Type, None) => Form::Type,
            _ => Form::General,
        }
    }
}

/// The engine's view of one code point and of the block that starts there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ready {
    /// The opcode (`error` for bytes that are no opcode).
    pub op: Opcode,
    /// Its fast form.
    pub form: Form,
    /// The immediate's value if it is an integer below 8 (a tuple slot number); else 0.
    pub slot: u8,
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
        form: Form::General,
        slot: 0,
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
        let kind = Imm::of(insn.immediate.as_ref());
        let slot = match kind {
            Imm::Slot(i) => i,
            _ => 0,
        };
        let form = Form::of(info.opcode, kind);
        let alone = Ready {
            op: info.opcode,
            form,
            slot,
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
        let fused = match (form, next.form) {
            (Form::Dup0, Form::TgetSlot) if within(2) => Fused::Dup0TgetImm,
            (Form::Dup1, Form::Tget) if within(2) => Fused::Dup1Tget,
            (Form::Dup1, Form::Dup1) if within(3) && next.fused == Fused::Dup1Tget => {
                Fused::Dup1Dup1Tget
            }
            _ => Fused::No,
        };
        // A super-instruction's first instruction is dispatched as such.
        let form = match fused {
            Fused::Dup0TgetImm => Form::Dup0TgetSlot,
            Fused::Dup1Dup1Tget => Form::Dup1Dup1Tget,
            Fused::No | Fused::Dup1Tget => form,
        };
        Ready {
            op: info.opcode,
            form,
            slot,
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

// A record per code point: growing it grows every loaded program's memory.
const _: () = assert!(std::mem::size_of::<Ready>() == 24);

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
    fn a_form_names_an_immediate_only_of_the_kind_it_reads() {
        use avm_value::{CodePointRef, Tuple};
        let next = Ready::TAIL;
        let form = |op: u8, imm: Option<Value>| {
            let insn = match imm {
                Some(v) => Instruction::with_immediate(op, v),
                None => Instruction::basic(op),
            };
            let r = Ready::new(&insn, &next);
            (r.form, r.slot)
        };
        let tget = 0x50;
        assert_eq!(form(tget, None), (Form::Tget, 0));
        assert_eq!(form(tget, Some(Value::int(7))), (Form::TgetSlot, 7));
        // 8 is no slot, and neither is a number with high bits: the general handler
        // raises the Error.
        assert_eq!(form(tget, Some(Value::int(8))), (Form::General, 0));
        let high = avm_value::Int::from_limbs([1, 0, 0, 1]);
        assert_eq!(form(tget, Some(Value::Int(high))), (Form::General, 0));
        assert_eq!(form(tget, Some(Value::none())), (Form::General, 0));
        // A jump's immediate must be a code point to be taken without its handler.
        let jump = 0x34;
        let cp = Value::CodePoint(CodePointRef::new(0, 3));
        assert_eq!(form(jump, Some(cp.clone())).0, Form::JumpImm);
        assert_eq!(form(jump, Some(Value::int(3))).0, Form::General);
        // Integer operations take any integer immediate, and nothing else.
        let eq = 0x14;
        assert_eq!(form(eq, Some(Value::int(1 << 40))).0, Form::EqImm);
        assert_eq!(form(eq, Some(Value::int(2))).0, Form::EqImm);
        assert_eq!(form(eq, Some(cp)).0, Form::General);
        // nop, pop and auxpush push whatever their immediate is.
        let pair = Value::Tuple(Tuple::pair(Value::int(1), Value::none()));
        assert_eq!(form(0x3b, Some(pair.clone())).0, Form::NopImm);
        assert_eq!(form(0x30, Some(pair.clone())).0, Form::PopImm);
        assert_eq!(form(0x38, Some(pair)).0, Form::AuxPushImm);
        // An opcode without a fast form, and bytes that are no opcode.
        assert_eq!(form(0x70, None).0, Form::General);
        assert_eq!(form(0xff, None).0, Form::General);
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
