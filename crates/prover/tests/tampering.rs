//! A proof altered anywhere, or paired with the wrong pre-state claim, is rejected or
//! yields a post-state claim other than the honest one; and no bytes make the verifier
//! panic.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use avm_code::{load_mexe, LoadOptions};
use avm_machine::{Machine, RuntimeEnv};
use avm_prover::{claim, prove_step, StepProof};
use avm_value::{value_hash, Buffer, Hash, Int, Tuple, Value};
use avm_verifier::{verify, Claim, Extra, InboxAccumulators, Proof, ProofValue};
use proptest::prelude::*;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/classic")
}

/// Honest (pre, proof, post) triples from several fixture programs.
fn honest_steps() -> (Vec<(StepProof, Claim)>, InboxAccumulators) {
    let message = Value::Tuple(
        Tuple::new(vec![
            Value::int(0),
            Value::int(7),
            Value::int(1),
            Value::Buffer(Buffer::from_bytes(b"hi")),
        ])
        .unwrap(),
    );
    let inbox = vec![message.clone(), message];
    let mut out = Vec::new();
    let mut accs = InboxAccumulators::default();
    for rel in [
        "machine-cases/bufferopcodetest.mexe",
        "machine-cases/opcodetesttuple.mexe",
        "machine-cases/opcodetestmath.mexe",
        "machine-cases/inbox.mexe",
        "machine-cases/opcodeecpairing.mexe",
        "speedtest/keccakf_1_1.mexe",
    ] {
        let mut m =
            Machine::new(load_mexe(&fixtures().join(rel), &LoadOptions::default()).unwrap());
        accs =
            InboxAccumulators::from_message_hashes(inbox.iter().map(|v| value_hash(v, m.code())));
        let mut env = RuntimeEnv::with_inbox(inbox.clone());
        for _ in 0..120 {
            let Ok(step) = prove_step(&mut m, &inbox) else {
                break;
            };
            m.step(&mut env);
            out.push((step, claim(&mut m)));
        }
    }
    (out, accs)
}

fn bump(h: &Hash) -> Hash {
    let mut b = h.0;
    b[31] ^= 1;
    Hash(b)
}

fn tamper_value(v: &mut ProofValue) {
    match v {
        ProofValue::Int(n) => *n = n.wrapping_add(Int::ONE),
        ProofValue::CodePoint(h) | ProofValue::Buffer(h) => *h = bump(h),
        ProofValue::ClosedTuple { inner, .. } => *inner = bump(inner),
        ProofValue::Tuple(items) => match items.first_mut() {
            Some(first) => tamper_value(first),
            None => items.push(ProofValue::Int(Int::ZERO)),
        },
    }
}

/// Every single alteration of `proof` we know how to make, each with a name.
fn alterations(proof: &Proof) -> Vec<(&'static str, Proof)> {
    let mut out = Vec::new();
    let mut p = proof.clone();
    p.opcode = p.opcode.wrapping_add(1);
    out.push(("opcode", p));
    let mut p = proof.clone();
    p.next_hash = bump(&p.next_hash);
    out.push(("next hash", p));
    if let Some(mut imm) = proof.immediate.clone() {
        tamper_value(&mut imm);
        let mut p = proof.clone();
        p.immediate = Some(imm);
        out.push(("immediate", p));
    }
    for i in 0..proof.stack.len() {
        let mut p = proof.clone();
        tamper_value(&mut p.stack[i]);
        out.push(("stack operand", p));
    }
    let mut p = proof.clone();
    p.stack_rest.inner = bump(&p.stack_rest.inner);
    out.push(("stack hash", p));
    let mut p = proof.clone();
    p.stack_rest.size = p.stack_rest.size.wrapping_add(Int::ONE);
    out.push(("stack size", p));
    let mut p = proof.clone();
    p.aux_rest.inner = bump(&p.aux_rest.inner);
    out.push(("aux stack hash", p));
    let mut p = proof.clone();
    tamper_value(&mut p.register);
    out.push(("register", p));
    let mut p = proof.clone();
    p.gas_remaining = p.gas_remaining.wrapping_sub(Int::ONE);
    out.push(("gas", p));
    let mut p = proof.clone();
    p.err_pc_hash = bump(&p.err_pc_hash);
    out.push(("error code point", p));
    match &proof.extra {
        Extra::Message(m) => {
            let mut m = m.clone();
            tamper_value(&mut m);
            let mut p = proof.clone();
            p.extra = Extra::Message(m);
            out.push(("inbox message", p));
        }
        Extra::Reads(paths) => {
            for i in 0..paths.len() {
                let mut p = proof.clone();
                if let Extra::Reads(paths) = &mut p.extra {
                    paths[i].leaf[0] ^= 1;
                    if let Some(s) = paths[i].siblings.first_mut() {
                        *s = bump(s);
                    }
                }
                out.push(("merkle path", p));
            }
        }
        Extra::Write { .. } => {
            let mut p = proof.clone();
            if let Extra::Write { first, normal, .. } = &mut p.extra {
                first.leaf[5] ^= 0x10;
                normal.left = bump(&normal.left);
            }
            out.push(("merkle write", p));
        }
        _ => {}
    }
    let mut p = proof.clone();
    p.extra = Extra::SendData(vec![1, 2, 3]);
    out.push(("extra data", p));
    out
}

#[test]
fn altered_proofs_and_wrong_claims_never_give_the_honest_post_state() {
    let (steps, accs) = honest_steps();
    assert!(steps.len() > 300);
    let mut checked = 0;
    for (step, honest) in &steps {
        let pre = step.pre();
        assert_eq!(verify(&pre, &step.proof, &accs).as_ref(), Ok(honest));
        for (what, altered) in alterations(&step.proof) {
            if let Ok(post) = verify(&pre, &altered, &accs) {
                assert_ne!(post, *honest, "altered {what} verified to the honest claim");
            }
            checked += 1;
        }
        let mut wrong = pre;
        wrong.machine_hash = bump(&wrong.machine_hash);
        assert!(
            verify(&wrong, &step.proof, &accs).is_err(),
            "wrong pre-state machine hash"
        );
        let mut wrong = pre;
        wrong.inbox_acc = bump(&wrong.inbox_acc);
        if let Ok(post) = verify(&wrong, &step.proof, &accs) {
            assert_ne!(post, *honest);
        }
    }
    assert!(checked > 3000, "{checked}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn random_bytes_never_panic_the_decoder_or_verifier(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        if let Ok(proof) = Proof::from_bytes(&bytes) {
            let _ = verify(&Claim { machine_hash: Hash::ZERO, inbox_consumed: 0, inbox_acc: Hash::ZERO,
                send_acc: Hash::ZERO, log_acc: Hash::ZERO, gas_used: 0, steps: 0 }, &proof, &InboxAccumulators::default());
        }
    }
}

#[test]
fn mutated_honest_proof_bytes_never_panic() {
    let (steps, accs) = honest_steps();
    let mut seed = 0x1234_5678_9abc_def1u64;
    for (step, honest) in steps.iter().take(400) {
        let bytes = step.proof.to_bytes();
        let pre = step.pre();
        for _ in 0..20 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let mut mutated = bytes.clone();
            let at = (seed as usize) % mutated.len();
            mutated[at] ^= 1 << (seed % 8);
            if seed % 5 == 0 {
                mutated.truncate(at);
            }
            if let Ok(proof) = Proof::from_bytes(&mutated) {
                if let Ok(post) = verify(&pre, &proof, &accs) {
                    if proof != step.proof {
                        assert_ne!(post, *honest, "a changed proof gave the honest claim");
                    }
                }
            }
        }
    }
}
