//! Opcodes our machine runs that the deployed Classic contracts do not have
//! (`ripemd160f`, `blake2f`, `inboxpeek`): the contracts run them as invalid opcodes,
//! so a step of one has no Classic proof. The prover says so (the verify_classic
//! fuzzer found an underflowing `ripemd160f` proven with the invalid opcode's shape and
//! then rejected), and the native verifier refuses a Classic proof of one that does not
//! show the claimed machine (one that does is decided as the contracts decide it, as an
//! invalid opcode: see `avm_verifier::classic`'s tests).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use avm_code::{Instruction, Program};
use avm_machine::Machine;
use avm_prover::classic::{prove_step, ClassicProveError};
use avm_value::Value;
use avm_verifier::classic::{opcodes_not_in_classic, verify_step, ClassicStep};
use avm_verifier::Rejection;

#[test]
fn the_prover_refuses_steps_the_contracts_cannot_prove() {
    for opcode in opcodes_not_in_classic() {
        let program = Program::from_instructions(
            vec![Instruction::basic(opcode), Instruction::basic(0x74)],
            Value::int(0),
        )
        .unwrap();
        let mut machine = Machine::new(program);
        let before = machine.hash();
        match prove_step(&mut machine, &[]) {
            Err(ClassicProveError::NotClassic { opcode: o, .. }) => assert_eq!(o, opcode),
            other => panic!("{opcode:#04x}: {other:?}"),
        }
        // Nothing was executed.
        assert_eq!(machine.hash(), before);
    }
}

#[test]
fn the_verifier_rejects_such_an_opcode_in_a_proof_of_another_machine() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/classic/proofs/opcodetestmath.mexe-proofs.json");
    let steps = ClassicStep::parse_file(&std::fs::read_to_string(path).unwrap()).unwrap();
    let step = &steps[0];
    assert!(step.verify().is_ok());
    for opcode in opcodes_not_in_classic() {
        let mut proof = step.proof.clone();
        proof[0] = opcode;
        assert_eq!(
            verify_step(&step.before, &proof, &step.buffer_proof),
            Err(Rejection::NotClassic(opcode))
        );
    }
}
