//! Honest proofs of arbitrary steps, checked against claims an attacker edited: every
//! counter (to 0, ±1, u64::MAX or any value) and every hash and accumulator of both
//! the pre- and the post-state claim. The executor is the oracle: from what the step
//! did (gas charged, message read, value logged, bytes sent, machine hash reached) it
//! gives the one post-state claim that may follow the edited pre-state claim, or none
//! when a counter would pass u64::MAX. The verifier accepts nothing else.
#![no_main]

use avm_fuzz::{accumulators, Bytes};
use avm_machine::RuntimeEnv;
use avm_prover::{claim, prove_step};
use avm_testkit::claims::{successor, Effect};
use avm_value::{keccak256, value_hash, Hash};
use avm_verifier::{verify, Claim};
use libfuzzer_sys::fuzz_target;

fn counter(bytes: &mut Bytes<'_>, truth: u64) -> u64 {
    match bytes.byte() % 8 {
        0 => 0,
        1 => truth.wrapping_add(1),
        2 => truth.wrapping_sub(1),
        3 => u64::MAX,
        4 => u64::MAX - u64::from(bytes.byte()),
        5 => {
            let mut word = [0u8; 8];
            for (w, b) in word.iter_mut().zip(bytes.take(8)) {
                *w = *b;
            }
            u64::from_le_bytes(word)
        }
        _ => truth,
    }
}

fn hash(bytes: &mut Bytes<'_>, truth: Hash) -> Hash {
    match bytes.byte() % 4 {
        0 => {
            let mut h = truth.0;
            let bit = usize::from(bytes.byte());
            h[bit / 8] ^= 1 << (bit % 8);
            Hash(h)
        }
        1 => Hash::ZERO,
        _ => truth,
    }
}

fn edit(bytes: &mut Bytes<'_>, c: &mut Claim) {
    c.steps = counter(bytes, c.steps);
    c.gas_used = counter(bytes, c.gas_used);
    c.inbox_consumed = counter(bytes, c.inbox_consumed);
    c.machine_hash = hash(bytes, c.machine_hash);
    c.inbox_acc = hash(bytes, c.inbox_acc);
    c.send_acc = hash(bytes, c.send_acc);
    c.log_acc = hash(bytes, c.log_acc);
}

fuzz_target!(|data: &[u8]| {
    let mut bytes = Bytes(data);
    let Some((mut machine, inbox)) = bytes.case() else {
        return;
    };
    let accs = accumulators(&machine, &inbox);
    let mut env = RuntimeEnv::with_inbox(inbox.clone());
    for _ in 0..usize::from(bytes.byte() % 16) {
        machine.step(&mut env);
    }
    let Ok(step) = prove_step(&mut machine, &inbox) else {
        return;
    };
    let (logs, sends, left, gas) = (
        env.logs().len(),
        env.sends().len(),
        env.inbox.len(),
        machine.gas_used(),
    );
    machine.step(&mut env);
    let honest = claim(&mut machine);
    let effect = Effect {
        gas: machine.gas_used() - gas,
        message: (env.inbox.len() < left).then(|| {
            let index = usize::try_from(step.pre().inbox_consumed).unwrap_or(usize::MAX);
            value_hash(&inbox[index], machine.code())
        }),
        log: env.logs().get(logs).map(|l| value_hash(&l.value, machine.code())),
        send: env.sends().get(sends).map(|s| keccak256(&s.value)),
        machine_hash: honest.machine_hash,
    };
    assert_eq!(successor(&step.pre(), &effect), Some(honest), "the oracle");
    assert_eq!(verify(&step.pre(), &step.proof, &accs).ok(), Some(honest), "honest claims");

    let mut pre = step.pre();
    edit(&mut bytes, &mut pre);
    let truth = successor(&pre, &effect);
    let mut post = truth.unwrap_or(honest);
    if bytes.byte() % 2 == 0 {
        edit(&mut bytes, &mut post);
    }
    // A rejection is always allowed for an edited claim (never for the honest one,
    // checked above); an acceptance must give the true successor, so the claimed
    // post-state passes only when it is that successor.
    if let Ok(got) = verify(&pre, &step.proof, &accs) {
        assert_eq!(Some(got), truth, "accepted a claim that is not the true successor");
        if got == post {
            assert_eq!(Some(post), truth, "accepted a false post-state claim");
        }
    }
});
