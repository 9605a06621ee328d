//! The opcode table's AVMGas column against the AVM specification's, typed in
//! independently (crates/testkit/src/spec_gas.rs): every opcode costs what the spec
//! says, except where the deployed system differs, and each such difference is listed
//! there with its evidence.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[allow(dead_code)]
#[path = "../../testkit/src/spec_gas.rs"]
mod spec_gas;

use avm_code::opcode::{ECPAIRING_GAS_PER_PAIR, ECPAIRING_MAX_PAIRS, ERROR_GAS};
use avm_code::OPCODES;

#[test]
fn every_opcode_costs_what_the_spec_says_or_what_the_deployed_system_charges() {
    let mut wrong = Vec::new();
    for byte in 0..=255u8 {
        let ours = OPCODES[byte as usize].map(|info| (info.mnemonic, info.gas));
        let spec = spec_gas::SPEC
            .iter()
            .find(|(b, _, _)| *b == byte)
            .map(|(_, m, _)| *m)
            .or_else(|| {
                spec_gas::DEPLOYED
                    .iter()
                    .find(|(b, _, _, _)| *b == byte)
                    .map(|(_, m, _, _)| *m)
            })
            .map(|m| (m, spec_gas::deployed_gas_of_byte(byte).unwrap()));
        if ours != spec {
            wrong.push(format!("{byte:#04x}: ours {ours:?}, spec {spec:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert_eq!(spec_gas::SPEC.len(), 78, "rows typed in from the spec");
}

#[test]
fn the_error_and_ecpairing_constants_are_the_specs() {
    assert_eq!(Some(ERROR_GAS), spec_gas::spec_gas("error"));
    assert_eq!(ECPAIRING_GAS_PER_PAIR, spec_gas::ECPAIRING_PER_PAIR);
    assert_eq!(ECPAIRING_MAX_PAIRS, 30);
}
