//! The AVMGas column of the AVM specification (docs/AVM_Specification.md in
//! OffchainLabs/arbitrum-classic, "Instructions"), typed in by hand from the spec so
//! that tests can compute expected gas without asking the implementation's own opcode
//! table. Where the deployed system charges something else, [`DEPLOYED`] says so and
//! why; [`deployed_gas`] applies those differences.
//!
//! This file uses only `std`, so test crates that do not depend on avm-testkit can
//! include it with `#[path = ".../testkit/src/spec_gas.rs"] mod spec_gas;`.

/// `(byte, mnemonic, AVMGas)` exactly as the spec's table lists them. `ecpairing`'s
/// cost is `1000 + 500000 * min(k, 30)` for `k` pairs: its base is listed here, and
/// [`ECPAIRING_PER_PAIR`] is the rest.
pub const SPEC: &[(u8, &str, u64)] = &[
    (0x01, "add", 3),
    (0x02, "mul", 3),
    (0x03, "sub", 3),
    (0x04, "div", 4),
    (0x05, "sdiv", 7),
    (0x06, "mod", 4),
    (0x07, "smod", 7),
    (0x08, "addmod", 4),
    (0x09, "mulmod", 4),
    (0x0a, "exp", 25),
    (0x0b, "signextend", 7),
    (0x10, "lt", 2),
    (0x11, "gt", 2),
    (0x12, "slt", 2),
    (0x13, "sgt", 2),
    (0x14, "eq", 2),
    (0x15, "iszero", 1),
    (0x16, "and", 2),
    (0x17, "or", 2),
    (0x18, "xor", 2),
    (0x19, "not", 1),
    (0x1a, "byte", 4),
    (0x1b, "shl", 4),
    (0x1c, "shr", 4),
    (0x1d, "sar", 4),
    (0x20, "hash", 7),
    (0x21, "type", 3),
    (0x22, "ethhash2", 8),
    (0x23, "keccakf", 600),
    (0x24, "sha256f", 250),
    (0x30, "pop", 1),
    (0x31, "spush", 1),
    (0x32, "rpush", 1),
    (0x33, "rset", 2),
    (0x34, "jump", 4),
    (0x35, "cjump", 4),
    (0x36, "stackempty", 2),
    (0x37, "pcpush", 1),
    (0x38, "auxpush", 1),
    (0x39, "auxpop", 1),
    (0x3a, "auxstackempty", 2),
    (0x3b, "nop", 1),
    (0x3c, "errpush", 1),
    (0x3d, "errset", 1),
    (0x40, "dup0", 1),
    (0x41, "dup1", 1),
    (0x42, "dup2", 1),
    (0x43, "swap1", 1),
    (0x44, "swap2", 1),
    (0x50, "tget", 2),
    (0x51, "tset", 40),
    (0x52, "tlen", 2),
    (0x53, "xget", 3),
    (0x54, "xset", 41),
    (0x60, "breakpoint", 100),
    (0x61, "log", 100),
    (0x70, "send", 100),
    (0x71, "inboxpeek", 40),
    (0x72, "inbox", 40),
    (0x73, "error", 5),
    (0x74, "halt", 10),
    (0x75, "setgas", 1),
    (0x76, "pushgas", 1),
    (0x77, "errcodepoint", 25),
    (0x78, "pushinsn", 25),
    (0x79, "pushinsnimm", 25),
    (0x7b, "sideload", 10),
    (0x80, "ecrecover", 20000),
    (0x81, "ecadd", 3500),
    (0x82, "ecmul", 82000),
    (0x83, "ecpairing", 1000),
    (0xa0, "newbuffer", 10),
    (0xa1, "getbuffer8", 10),
    (0xa2, "getbuffer64", 10),
    (0xa3, "getbuffer256", 10),
    (0xa4, "setbuffer8", 100),
    (0xa5, "setbuffer64", 100),
    (0xa6, "setbuffer256", 100),
];

/// `ecpairing` costs this much per pair on top of its base (at most 30 pairs count).
pub const ECPAIRING_PER_PAIR: u64 = 500_000;

/// `(byte, mnemonic, AVMGas, why)`: where the deployed system differs from the spec's
/// table, or has opcodes the table lacks.
pub const DEPLOYED: &[(u8, &str, u64, &str)] = &[
    (
        0xa0,
        "newbuffer",
        1,
        "the C++ AVM charges 1 (../shared/conformance.md; the C++ gasUsed of the five \
         newbuffer steps in fixtures/classic/proofs shows it)",
    ),
    (
        0x25,
        "ripemd160f",
        250,
        "not in the spec; the arb-os emulator's cost (ArbOS v58 uses it)",
    ),
    (
        0x26,
        "blake2f",
        600,
        "not in the spec; the arb-os emulator's cost (ArbOS v58 uses it)",
    ),
    (
        0x90,
        "debugprint",
        1,
        "not in the spec; the C++ AVM's debug print (no fixture executes it)",
    ),
];

/// The cost the spec gives `mnemonic` (`push` is `nop` with an immediate).
pub fn spec_gas(mnemonic: &str) -> Option<u64> {
    let mnemonic = if mnemonic == "push" { "nop" } else { mnemonic };
    SPEC.iter()
        .find(|(_, m, _)| *m == mnemonic)
        .map(|(_, _, gas)| *gas)
}

/// The cost of `mnemonic` in the deployed system: the spec's, unless [`DEPLOYED`]
/// lists it.
pub fn deployed_gas(mnemonic: &str) -> Option<u64> {
    DEPLOYED
        .iter()
        .find(|(_, m, _, _)| *m == mnemonic)
        .map(|(_, _, gas, _)| *gas)
        .or_else(|| spec_gas(mnemonic))
}

/// [`deployed_gas`] by opcode byte.
pub fn deployed_gas_of_byte(byte: u8) -> Option<u64> {
    DEPLOYED
        .iter()
        .find(|(b, _, _, _)| *b == byte)
        .map(|(_, _, gas, _)| *gas)
        .or_else(|| {
            SPEC.iter()
                .find(|(b, _, _)| *b == byte)
                .map(|(_, _, gas)| *gas)
        })
}

/// The deployed cost of a sequence of instructions, by mnemonic; panics on a mnemonic
/// that is no opcode.
pub fn total_gas(mnemonics: &[&str]) -> u64 {
    mnemonics
        .iter()
        .map(|m| deployed_gas(m).unwrap_or_else(|| panic!("no opcode `{m}`")))
        .sum()
}
