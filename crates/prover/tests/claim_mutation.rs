//! An attacker controls every field of the claims a proof is checked against. Starting
//! from honest steps (fixture programs, ArbOS v58, random programs), every claim field
//! is altered (each counter to 0, ±1 and u64::MAX; each hash and accumulator) and the
//! verifier must accept exactly the claims the executor says are true.
//!
//! The oracle is the executor, not the verifier: for each step it records what the
//! step did to the counters and accumulators (steps + 1, the gas it charged, the
//! message it read, the value it logged, the bytes it sent) and the machine hash it
//! reached. Applied to an altered pre-state claim, that gives the one post-state claim
//! that may be accepted; a counter that would pass u64::MAX gives none.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use avm_code::{load_mexe, LoadOptions, Program};
use avm_machine::{Machine, RuntimeEnv};
use avm_prover::{claim, prove_step};
use avm_testkit::claims::{successor, Effect};
use avm_testkit::{fixtures, random_program, Rng};
use avm_value::{keccak256, value_hash, Buffer, Hash, Tuple, Value};
use avm_verifier::{verify, Claim, InboxAccumulators, Proof, Rejection};
use proptest::prelude::*;

/// An honest step: the claim before, the proof, and what executing it did.
#[derive(Clone, Debug)]
struct Step {
    pre: Claim,
    proof: Proof,
    effect: Effect,
}

/// Runs `program` on `inbox` for up to `max` steps, recording each provable step.
fn record(program: Program, inbox: &[Value], max: usize, out: &mut Vec<Step>) {
    let mut machine = Machine::new(program);
    let mut env = RuntimeEnv::with_inbox(inbox.to_vec());
    for _ in 0..max {
        let Ok(step) = prove_step(&mut machine, inbox) else {
            break;
        };
        let pre = step.pre();
        let (logs, sends, left) = (env.logs().len(), env.sends().len(), env.inbox.len());
        let gas_before = machine.gas_used();
        machine.step(&mut env);
        let after = claim(&mut machine);
        let read = env.inbox.len() < left;
        let effect = Effect {
            gas: machine.gas_used() - gas_before,
            message: read.then(|| value_hash(&inbox[pre.inbox_consumed as usize], machine.code())),
            log: env
                .logs()
                .get(logs)
                .map(|l| value_hash(&l.value, machine.code())),
            send: env.sends().get(sends).map(|s| keccak256(&s.value)),
            machine_hash: after.machine_hash,
        };
        // The oracle must describe the honest step exactly, or it checks nothing.
        assert_eq!(successor(&pre, &effect), Some(after));
        out.push(Step {
            pre,
            proof: step.proof,
            effect,
        });
    }
}

fn message(tag: u64) -> Value {
    Value::Tuple(
        Tuple::new(vec![
            Value::int(0),
            Value::int(tag),
            Value::int(1),
            Value::Buffer(Buffer::from_bytes(b"claim")),
        ])
        .unwrap(),
    )
}

/// Honest steps from fixture programs (logs, sends, inbox reads, buffers, errors),
/// the start of ArbOS v58, and random programs; with the inbox they read.
fn honest_steps() -> (Vec<Step>, Vec<Value>) {
    let inbox: Vec<Value> = (1..=3).map(message).collect();
    let mut steps = Vec::new();
    let classic = fixtures();
    for rel in [
        "machine-cases/inbox.mexe",
        "machine-cases/bufferopcodetest.mexe",
        "machine-cases/opcodetestlogic.mexe",
        "machine-cases/opcodetesttuple.mexe",
        "machine-cases/opcodetestmath.mexe",
    ] {
        let program = load_mexe(&classic.join(rel), &LoadOptions::default()).unwrap();
        record(program, &inbox, 150, &mut steps);
    }
    let arbos = classic.join("../arbos/arbos-v58.mexe");
    let program = load_mexe(&arbos, &LoadOptions::default()).unwrap();
    record(program, &inbox, 300, &mut steps);
    let before_random = steps.len();
    for seed in 1..=40u64 {
        let mut rng = Rng(seed.wrapping_mul(0x2545_f491_4f6c_dd1d) | 1);
        let program = random_program(&mut rng);
        record(program, &inbox, 60, &mut steps);
    }
    assert!(
        steps.len() > before_random,
        "no random program step was recorded"
    );
    (steps, inbox)
}

fn accepts(step: &Step, accs: &InboxAccumulators, pre: &Claim, post: &Claim) -> bool {
    verify(pre, &step.proof, accs).is_ok_and(|got| got == *post)
}

fn flip(h: &Hash, bit: usize) -> Hash {
    let mut b = h.0;
    b[bit / 8 % 32] ^= 1 << (bit % 8);
    Hash(b)
}

/// The counter values an attacker tries: the extremes and the neighbours of the truth.
fn counter_values(truth: u64) -> Vec<u64> {
    vec![
        0,
        1,
        truth.wrapping_sub(1),
        truth.wrapping_add(1),
        u64::MAX - 1,
        u64::MAX,
    ]
}

type Field = fn(&mut Claim) -> &mut u64;

const COUNTERS: [(&str, Field); 3] = [
    ("steps", |c| &mut c.steps),
    ("gas_used", |c| &mut c.gas_used),
    ("inbox_consumed", |c| &mut c.inbox_consumed),
];

type HashField = fn(&mut Claim) -> &mut Hash;

const HASHES: [(&str, HashField); 4] = [
    ("machine_hash", |c| &mut c.machine_hash),
    ("inbox_acc", |c| &mut c.inbox_acc),
    ("send_acc", |c| &mut c.send_acc),
    ("log_acc", |c| &mut c.log_acc),
];

/// Checks every systematic alteration of one step's claims; returns how many.
fn check_step(step: &Step, accs: &InboxAccumulators) -> u64 {
    let honest_post = successor(&step.pre, &step.effect).unwrap();
    assert!(accepts(step, accs, &step.pre, &honest_post));
    let mut checks = 0;
    // A post-state claim other than the true one is refused.
    for (name, field) in COUNTERS {
        for v in counter_values(*field(&mut honest_post.clone())) {
            let mut post = honest_post;
            *field(&mut post) = v;
            assert_eq!(
                accepts(step, accs, &step.pre, &post),
                post == honest_post,
                "post {name} = {v}"
            );
            checks += 1;
        }
    }
    for (name, field) in HASHES {
        let mut post = honest_post;
        *field(&mut post) = flip(field(&mut post.clone()), 7);
        assert!(!accepts(step, accs, &step.pre, &post), "post {name}");
        checks += 1;
    }
    // An altered pre-state claim is accepted only with its own true successor, and
    // only where the proof can tell: a step that reads a message checks the count and
    // accumulator against the inbox, other steps carry them.
    let reads = step.effect.message.is_some();
    for (name, field) in COUNTERS {
        for v in counter_values(*field(&mut step.pre.clone())) {
            let mut pre = step.pre;
            *field(&mut pre) = v;
            match successor(&pre, &step.effect) {
                None => assert!(
                    verify(&pre, &step.proof, accs).is_err(),
                    "pre {name} = {v} overflows yet verifies"
                ),
                Some(truth) => {
                    let inbox_checked = reads && name == "inbox_consumed";
                    let expected = !inbox_checked || pre == step.pre;
                    assert_eq!(
                        accepts(step, accs, &pre, &truth),
                        expected,
                        "pre {name} = {v}"
                    );
                }
            }
            if pre != step.pre {
                assert!(
                    !accepts(step, accs, &pre, &honest_post),
                    "pre {name} = {v} with the honest post"
                );
            }
            checks += 2;
        }
    }
    for (name, field) in HASHES {
        let mut pre = step.pre;
        *field(&mut pre) = flip(field(&mut pre.clone()), 200);
        let got = successor(&pre, &step.effect).is_some_and(|t| accepts(step, accs, &pre, &t));
        let expected = match name {
            // The proof shows the machine: another machine hash never matches it.
            "machine_hash" => false,
            // A read checks the inbox accumulator; other steps only carry it.
            "inbox_acc" => step.effect.message.is_none(),
            _ => true,
        };
        assert_eq!(got, expected, "pre {name}");
        assert!(
            !accepts(step, accs, &pre, &honest_post),
            "pre {name} with the honest post"
        );
        checks += 2;
    }
    checks
}

#[test]
fn only_true_claims_are_accepted_for_every_altered_field() {
    let (steps, inbox) = honest_steps();
    assert!(steps.len() >= 1000, "only {} honest steps", steps.len());
    let accs = accumulators(&inbox);
    let mut checks = 0;
    for step in &steps {
        checks += check_step(step, &accs);
    }
    assert!(checks > 50_000, "{checks} checks");
}

/// The accumulators of the inbox every honest step was run with.
fn accumulators(inbox: &[Value]) -> InboxAccumulators {
    InboxAccumulators::from_message_hashes(inbox.iter().map(|m| value_hash(m, &avm_value::NoCode)))
}

#[test]
fn the_reproduction_counters_at_u64_max_are_refused() {
    let (steps, inbox) = honest_steps();
    let accs = accumulators(&inbox);
    for step in steps.iter().take(200) {
        let post = successor(&step.pre, &step.effect).unwrap();
        let mut pre = step.pre;
        pre.steps = u64::MAX;
        let mut wrapped = post;
        wrapped.steps = 0;
        assert_eq!(
            verify(&pre, &step.proof, &accs),
            Err(Rejection::CounterOverflow("step count"))
        );
        assert!(!accepts(step, &accs, &pre, &wrapped));
        if step.effect.gas > 0 {
            let mut pre = step.pre;
            pre.gas_used = u64::MAX;
            let mut stuck = post;
            stuck.gas_used = u64::MAX;
            assert_eq!(
                verify(&pre, &step.proof, &accs),
                Err(Rejection::CounterOverflow("gas used"))
            );
            assert!(!accepts(step, &accs, &pre, &stuck));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Random values in random fields of both claims: accepted only when the post-state
    /// claim is the true successor of the (possibly altered) pre-state claim.
    #[test]
    fn random_claims_are_accepted_only_when_true(
        pick in any::<prop::sample::Index>(),
        pre_counters in prop::array::uniform3(prop_oneof![Just(None), any::<u64>().prop_map(Some), Just(Some(u64::MAX))]),
        post_counters in prop::array::uniform3(prop_oneof![Just(None), any::<u64>().prop_map(Some), Just(Some(u64::MAX)), Just(Some(0))]),
        hash_flips in prop::array::uniform4(prop_oneof![Just(None), (0usize..256).prop_map(Some)]),
        post_flip in prop::option::of((0usize..4, 0usize..256)),
    ) {
        STEPS.with(|(steps, accs)| check_random(pick.get(steps), accs, pre_counters, post_counters, hash_flips, post_flip))?;
    }
}

/// One random case of the property above.
fn check_random(
    step: &Step,
    accs: &InboxAccumulators,
    pre_counters: [Option<u64>; 3],
    post_counters: [Option<u64>; 3],
    hash_flips: [Option<usize>; 4],
    post_flip: Option<(usize, usize)>,
) -> Result<(), TestCaseError> {
    {
        let mut pre = step.pre;
        for ((_, field), v) in COUNTERS.iter().zip(pre_counters) {
            if let Some(v) = v {
                *field(&mut pre) = v;
            }
        }
        for ((_, field), bit) in HASHES.iter().zip(hash_flips) {
            if let Some(bit) = bit {
                *field(&mut pre) = flip(field(&mut pre.clone()), bit);
            }
        }
        let Some(truth) = successor(&pre, &step.effect) else {
            prop_assert!(verify(&pre, &step.proof, accs).is_err());
            return Ok(());
        };
        let mut post = truth;
        for ((_, field), v) in COUNTERS.iter().zip(post_counters) {
            if let Some(v) = v {
                *field(&mut post) = v;
            }
        }
        if let Some((f, bit)) = post_flip {
            let field = HASHES[f].1;
            *field(&mut post) = flip(field(&mut post.clone()), bit);
        }
        if accepts(step, accs, &pre, &post) {
            prop_assert_eq!(post, truth);
        }
    }
    Ok(())
}

thread_local! {
    static STEPS: (Vec<Step>, InboxAccumulators) = {
        let (steps, inbox) = honest_steps();
        (steps, accumulators(&inbox))
    };
}
