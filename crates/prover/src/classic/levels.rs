//! How deep the C++ AVM marshals each popped value in a Classic proof.
//!
//! These are the facts of `InstructionStackPops` / `InstructionAuxStackPops` in
//! upstream's avm_values/opcodes.hpp: per popped value (the top first), the nesting
//! level at which tuples are opened (0 shows a tuple by its hash preimage). Our own
//! opcode table holds the levels our proofs need, which differ (the C++ AVM opens the
//! integer operands of arithmetic at level 1, which matters when a program passes a
//! tuple there); the Classic bytes must follow the C++ table. Opcodes the C++ AVM does
//! not know (`ripemd160f`, `blake2f`, `inboxpeek`, unassigned bytes) take the row of
//! `error`: nothing popped.

/// The data-stack and aux-stack levels of an opcode byte, top value first.
pub(crate) fn levels(opcode: u8) -> (&'static [u8], &'static [u8]) {
    let data: &'static [u8] = match opcode {
        // add, mul, sub, div, sdiv, mod, smod, exp, signextend
        0x01..=0x07 | 0x0a | 0x0b => &[1, 1],
        // addmod, mulmod
        0x08 | 0x09 => &[1, 1, 1],
        // lt, gt, slt, sgt
        0x10..=0x13 => &[1, 1],
        // eq
        0x14 => &[0, 0],
        // iszero, not
        0x15 | 0x19 => &[1],
        // and, or, xor, byte, shl, shr, sar
        0x16..=0x18 | 0x1a..=0x1d => &[1, 1],
        // hash
        0x20 => &[0],
        // type, keccakf
        0x21 | 0x23 => &[1],
        // ethhash2
        0x22 => &[1, 1],
        // sha256f
        0x24 => &[1, 1, 1],
        // pop, rset, jump, auxpush
        0x30 | 0x33 | 0x34 | 0x38 => &[0],
        // cjump
        0x35 => &[1, 1],
        // errset
        0x3d => &[1],
        // dup0
        0x40 => &[0],
        // dup1, swap1
        0x41 | 0x43 => &[0, 0],
        // dup2, swap2
        0x42 | 0x44 => &[0, 0, 0],
        // tget
        0x50 => &[1, 1],
        // tset
        0x51 => &[1, 1, 0],
        // tlen, xget
        0x52 | 0x53 => &[1],
        // xset
        0x54 => &[1, 0],
        // log, debugprint
        0x61 | 0x90 => &[0],
        // send
        0x70 => &[1, 1],
        // setgas, sideload
        0x75 | 0x7b => &[1],
        // pushinsn
        0x78 => &[1, 1],
        // pushinsnimm
        0x79 => &[1, 0, 1],
        // ecrecover, ecadd
        0x80 | 0x81 => &[1, 1, 1, 1],
        // ecmul
        0x82 => &[1, 1, 1],
        // ecpairing: the pair list, 32 levels deep
        0x83 => &[32],
        // getbuffer8/64/256
        0xa1..=0xa3 => &[1, 1],
        // setbuffer8/64/256
        0xa4..=0xa6 => &[1, 1, 1],
        _ => &[],
    };
    let aux: &'static [u8] = match opcode {
        // auxpop
        0x39 => &[0],
        // xget, xset
        0x53 | 0x54 => &[1],
        _ => &[],
    };
    (data, aux)
}
