//! Differential tampering: random mutations of honest Classic steps (proof bytes,
//! opcodes, buffer-proof bytes and parts, before-state fields and accumulators,
//! after-state fields, send data and inbox suffixes), each judged by the deployed
//! contracts in revm and by our native verifier. They must agree every time, twice:
//! on the step as claimed (`check_step` against `ClassicStep::verify_with_inbox`, the
//! after-state fields `executeStep` does not answer with, sendCount, logCount and
//! inboxAcc, left to the prover), and on what each computes from the before-state and
//! the proofs whatever the claim (both refuse, or both reach the same machine hash,
//! send and log accumulators, gas and messages read). A disagreement fails the test,
//! printing the step, the mutation and both verdicts.
//!
//! The honest steps come from the fixture programs, from random programs, and from
//! `inbox` steps of machines reading an L1 inbox fed through the Bridge and the
//! SequencerInbox (our verifier gets the same accumulators, as in `inbox_steps.rs`).
//! A changed machine proof is mostly of another machine than the claim's, which both
//! merely refuse; so half of them (and every opcode swap) are made the step of the
//! machine the contract computes from them, and both verifiers run its semantics.
//!
//! The random generator is deterministic, so a failure reproduces from its number;
//! `AVM_L1_MUTATIONS` and `AVM_L1_SEED` run a longer or another search. What these
//! searches found, each fixed in `avm_verifier::classic` with a unit test: buffer
//! writes read as OneStepProof2 reads them (a non-zero write's normalization unread,
//! and the rest of its `get`/`set`/`checkSize`), `ripemd160f`/`blake2f`/`inboxpeek`
//! as invalid opcodes, a data stack underflow not
//! looking at the aux stack, and tuples shown as hash preimages being no tuples to
//! `tget`, `tset`, `tlen`, `xget`, `xset`, `keccakf` and `ecpairing`'s walk.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod l1_inbox;

use l1_inbox::{fixtures, inboxes, Inboxes};

use std::path::{Path, PathBuf};
use std::time::Instant;

use avm_code::{load_mexe, LoadOptions, Program};
use avm_l1::{L1World, StepOutcome, Verdict};
use avm_machine::{Environment, Machine, Status};
use avm_prover::classic::{prove_step_l1, ClassicInbox, ClassicProveError};
use avm_prover::ProveError;
use avm_testkit::{random_program, random_value, Rng};
use avm_value::{Hash, Int, Value};
use avm_verifier::classic::{
    machine_proof_len, verify_step_with_inbox, ClassicStep, ClassicStepError, ExecutionState,
    L1InboxAccumulators,
};
use avm_verifier::Rejection;

/// Mutations tried (`AVM_L1_MUTATIONS` overrides, for a longer search).
const MUTATIONS: u64 = 20_000;

/// The number of mutations and the generator's seed: 20,000 from a fixed seed, unless
/// `AVM_L1_MUTATIONS` / `AVM_L1_SEED` say otherwise.
fn search() -> (u64, u64) {
    let var = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
    (
        var("AVM_L1_MUTATIONS").unwrap_or(MUTATIONS),
        var("AVM_L1_SEED").unwrap_or(0x5eed_d1ff_e7e2_4a11),
    )
}

/// Serves the inbox's messages in order from what the machine consumed: for steps
/// executed without a proof.
struct Serve<'a> {
    inbox: &'a [Value],
    next: usize,
}

impl Environment for Serve<'_> {
    fn next_message(&mut self) -> Option<Value> {
        let message = self.inbox.get(self.next).cloned();
        self.next += usize::from(message.is_some());
        message
    }
}

/// Honest steps of `machine` (up to `cap`), with the name of each; steps the Classic
/// format cannot express are executed without a proof.
fn collect(
    name: &str,
    mut machine: Machine,
    model: &ClassicInbox,
    cap: usize,
    out: &mut Vec<(String, ClassicStep)>,
) {
    for i in 0..cap {
        if machine.status() != Status::Running {
            return;
        }
        let opcode = machine.code().instruction(machine.pc()).map(|i| i.opcode);
        if matches!(opcode, Some(0x25 | 0x26 | 0x71)) || machine.pending_message().is_some() {
            let next = machine.inbox_position().consumed as usize;
            let mut env = Serve {
                inbox: model.values(),
                next,
            };
            if machine.step(&mut env) == avm_machine::StepOutcome::Blocked {
                return;
            }
            continue;
        }
        match prove_step_l1(&mut machine, model) {
            Ok(step) => out.push((format!("{name} step {i}"), step)),
            Err(ClassicProveError::Step(ProveError::Blocked(_))) => return,
            Err(e) => panic!("{name} step {i}: {e}"),
        }
    }
}

fn machine_cases() -> Vec<(String, Program)> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(fixtures().join("machine-cases"))
        .expect("machine-cases")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "mexe"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let program = load_mexe(&p, &LoadOptions::default())
                .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                program,
            )
        })
        .collect()
}

fn random_machine(seed: u64) -> Machine {
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let program = random_program(&mut rng);
    let len = program.instruction_count() as usize;
    let mut parts = Machine::new(program).to_parts();
    parts.stack = (0..rng.below(5))
        .map(|_| random_value(&mut rng, 0, len, 0))
        .collect();
    parts.aux_stack = (0..rng.below(3))
        .map(|_| random_value(&mut rng, 0, len, 0))
        .collect();
    parts.register = random_value(&mut rng, 0, len, 0);
    if rng.chance(10) {
        parts.gas_remaining = Int::from(rng.below(200));
    }
    Machine::from_parts(parts)
}

/// The honest steps mutations start from, sorted by kind so that rare kinds (buffer
/// instructions, sends, inbox reads) get their share.
struct Pool {
    buffer: Vec<(String, ClassicStep)>,
    send: Vec<(String, ClassicStep)>,
    inbox: Vec<(String, ClassicStep)>,
    hash: Vec<(String, ClassicStep)>,
    other: Vec<(String, ClassicStep)>,
    /// Steps of any kind whose buffer proof is not empty (copies).
    with_buffer_proof: Vec<(String, ClassicStep)>,
}

impl Pool {
    fn new(steps: Vec<(String, ClassicStep)>) -> Pool {
        let mut pool = Pool {
            buffer: vec![],
            send: vec![],
            inbox: vec![],
            hash: vec![],
            other: vec![],
            with_buffer_proof: vec![],
        };
        for (name, step) in steps {
            if !step.buffer_proof.is_empty() {
                pool.with_buffer_proof.push((name.clone(), step.clone()));
            }
            let list = match step.proof[0] {
                0xa1..=0xa6 => &mut pool.buffer,
                0x70 => &mut pool.send,
                0x72 => &mut pool.inbox,
                0x20..=0x24 => &mut pool.hash,
                _ => &mut pool.other,
            };
            list.push((name, step));
        }
        pool
    }

    fn pick_from<'a>(
        &self,
        rng: &mut Rng,
        lists: &[&'a Vec<(String, ClassicStep)>],
    ) -> &'a (String, ClassicStep) {
        let list = lists[rng.below(lists.len())];
        &list[rng.below(list.len())]
    }

    fn pick(&self, rng: &mut Rng) -> &(String, ClassicStep) {
        let list = match rng.below(100) {
            0..=29 => &self.buffer,
            30..=39 => &self.send,
            40..=54 => &self.inbox,
            55..=64 => &self.hash,
            _ => &self.other,
        };
        &list[rng.below(list.len())]
    }
}

fn random_byte_change(rng: &mut Rng, byte: &mut u8) -> String {
    let old = *byte;
    *byte = match rng.below(5) {
        0 => old ^ (1 << rng.below(8)),
        1 => old.wrapping_add(1),
        2 => old.wrapping_sub(1),
        3 => [0, 1, 2, 0x7f, 0x80, 0xff][rng.below(6)],
        _ => rng.word() as u8,
    };
    format!("{old:#04x} -> {:#04x}", *byte)
}

/// A position in `len` bytes, biased toward the start and the end.
fn position(rng: &mut Rng, len: usize) -> usize {
    match rng.below(4) {
        0 => rng.below(len.min(40)),
        1 => len - 1 - rng.below(len.min(40)),
        _ => rng.below(len),
    }
}

fn mutate_bytes(rng: &mut Rng, bytes: &mut Vec<u8>, protect_first: bool) -> String {
    let floor = usize::from(protect_first);
    match rng.below(10) {
        0..=5 if bytes.len() > floor => {
            let at = floor + position(rng, bytes.len() - floor);
            let change = random_byte_change(rng, &mut bytes[at]);
            format!("byte {at}: {change}")
        }
        6 if bytes.len() > floor => {
            let to = floor + rng.below(bytes.len() - floor);
            let cut = bytes.len() - to;
            bytes.truncate(to);
            format!("truncated by {cut} to {to} bytes")
        }
        7 => {
            let n = [1, 2, 31, 32, 33, 64][rng.below(6)];
            let fill = if rng.chance(50) { 0 } else { rng.word() as u8 };
            bytes.extend(std::iter::repeat_n(fill, n));
            format!("{n} bytes {fill:#04x} appended")
        }
        8 if bytes.len() > floor => {
            let at = floor + position(rng, bytes.len() - floor);
            bytes.remove(at);
            format!("byte {at} removed")
        }
        _ => {
            let at = floor + rng.below(bytes.len() + 1 - floor);
            let b = rng.word() as u8;
            bytes.insert(at, b);
            format!("byte {b:#04x} inserted at {at}")
        }
    }
}

fn flip_hash(rng: &mut Rng, h: &mut Hash) -> String {
    match rng.below(3) {
        0 => {
            let at = rng.below(32);
            h.0[at] ^= 1 << rng.below(8);
            format!("bit flipped in byte {at}")
        }
        1 => {
            *h = Hash::ZERO;
            "zeroed".into()
        }
        _ => {
            for b in &mut h.0 {
                *b = rng.word() as u8;
            }
            "random".into()
        }
    }
}

fn change_count(rng: &mut Rng, n: &mut u64) -> String {
    let old = *n;
    *n = match rng.below(5) {
        0 => old.wrapping_add(1),
        1 => old.wrapping_sub(1),
        2 => 0,
        3 => u64::MAX - rng.below(3) as u64,
        _ => rng.word() >> rng.below(64),
    };
    format!("{old} -> {n}")
}

fn mutate_state(rng: &mut Rng, state: &mut ExecutionState) -> String {
    match rng.below(8) {
        0 => format!("machineHash {}", flip_hash(rng, &mut state.machine_hash)),
        1 => format!("inboxAcc {}", flip_hash(rng, &mut state.inbox_acc)),
        2 => format!("inboxCount {}", change_count(rng, &mut state.inbox_count)),
        3 => format!("gasUsed {}", change_count(rng, &mut state.gas_used)),
        4 => format!("sendCount {}", change_count(rng, &mut state.send_count)),
        5 => format!("logCount {}", change_count(rng, &mut state.log_count)),
        6 => format!("sendAcc {}", flip_hash(rng, &mut state.send_acc)),
        _ => format!("logAcc {}", flip_hash(rng, &mut state.log_acc)),
    }
}

/// The four parts of a buffer proof as the contract reads them (word offsets in the
/// header's first five bytes, lengths as 8-bit differences), or None if it cannot.
fn parse_parts(bytes: &[u8]) -> Option<[Vec<[u8; 32]>; 4]> {
    let header = bytes.get(..5)?;
    let words: Vec<[u8; 32]> = bytes
        .chunks_exact(32)
        .map(|w| w.try_into().unwrap())
        .collect();
    let mut parts: [Vec<[u8; 32]>; 4] = Default::default();
    for (k, part) in parts.iter_mut().enumerate() {
        let start = usize::from(header[k]);
        let len = usize::from(header[k + 1].wrapping_sub(header[k]));
        *part = words.get(start..start + len)?.to_vec();
    }
    Some(parts)
}

/// A buffer proof holding `parts` one after the other from word `base` (words before
/// it filler, bytes 5..32 of the header `pad`); offsets past 255 wrap, as the
/// contract's 8-bit offsets do.
fn lay_out(parts: &[Vec<[u8; 32]>; 4], base: usize, pad: u8) -> Vec<u8> {
    let mut header = [pad; 32];
    let mut at = base;
    header[0] = at as u8;
    for (k, part) in parts.iter().enumerate() {
        at += part.len();
        header[k + 1] = at as u8;
    }
    let mut out = header.to_vec();
    for i in 1..base {
        out.extend([i as u8; 32]);
    }
    for part in parts {
        for word in part {
            out.extend(word);
        }
    }
    out
}

fn zero_tree(height: usize) -> Hash {
    let mut root = avm_value::keccak256(&[0u8; 32]);
    for _ in 0..height {
        root = avm_value::keccak_pair(&root, &root);
    }
    root
}

fn random_word(rng: &mut Rng) -> [u8; 32] {
    let mut w = [0u8; 32];
    for b in &mut w {
        *b = rng.word() as u8;
    }
    w
}

/// A mutation of a buffer proof that knows its parts: leaf proofs (1: part 0, 2: part
/// 2) and normalizations (1: part 1, 2: part 3) changed word by word, emptied,
/// shortened or lengthened, swapped, or laid out again (past word 255, or from the
/// header word itself).
fn mutate_parts(rng: &mut Rng, bytes: &[u8]) -> Option<(Vec<u8>, String)> {
    let mut parts = parse_parts(bytes)?;
    let k = rng.below(4);
    let name = [
        "leaf proof 1",
        "normalization 1",
        "leaf proof 2",
        "normalization 2",
    ][k];
    let part = &mut parts[k];
    let what = match rng.below(12) {
        0 => {
            part.clear();
            format!("{name} emptied")
        }
        1 if !part.is_empty() => {
            part.pop();
            format!("{name}: last word dropped")
        }
        2 => {
            let w = if rng.chance(50) {
                zero_tree(part.len().saturating_sub(1)).0
            } else {
                random_word(rng)
            };
            part.push(w);
            format!("{name}: a word appended")
        }
        3 | 4 if !part.is_empty() => {
            let j = rng.below(part.len());
            part[j] = random_word(rng);
            format!("{name}: word {j} random")
        }
        5 if !part.is_empty() => {
            let j = rng.below(part.len());
            let at = rng.below(32);
            part[j][at] ^= 1 << rng.below(8);
            format!("{name}: bit flipped in word {j} byte {at}")
        }
        // A normalization's height, and its right half the all-zero tree.
        6 | 7 if k % 2 == 1 && part.len() == 3 => {
            let h = rng.below(70);
            part[0] = [0; 32];
            part[0][31] = h as u8;
            if rng.chance(50) {
                let z = if rng.chance(50) {
                    h
                } else {
                    h.saturating_sub(1)
                };
                part[2] = zero_tree(z).0;
                format!("{name}: height {h}, right half the zero tree of height {z}")
            } else {
                format!("{name}: height {h}")
            }
        }
        8 => {
            let other = rng.below(4);
            parts.swap(k, other);
            format!("parts {k} and {other} swapped")
        }
        9 => {
            let total: usize = parts.iter().map(Vec::len).sum();
            // Straddle word 256 (the offsets wrap), or start at the header word.
            let base = if rng.chance(70) && total > 1 {
                256 - rng.below(total) - 1
            } else {
                0
            };
            let pad = rng.word() as u8;
            return Some((
                lay_out(&parts, base, pad),
                format!("laid out again from word {base} (header padding {pad:#04x})"),
            ));
        }
        _ => {
            let j = rng.below(5);
            let mut out = bytes.to_vec();
            let old = out[j];
            out[j] = old.wrapping_add(if rng.chance(50) { 1 } else { 255 });
            let what = format!("header offset {j}: {old} -> {}", out[j]);
            return Some((out, what));
        }
    };
    if parts.iter().map(Vec::len).sum::<usize>() > 250 {
        return None;
    }
    Some((lay_out(&parts, 1, 0), what))
}

/// One random mutation of `step`, and what it was.
/// The mutation families of [`mutate`] are numbered 0..100 (their share in percent).
const TAIL_FAMILIES: std::ops::RangeInclusive<usize> = 33..=39;
const BUFFER_PROOF_FAMILIES: std::ops::RangeInclusive<usize> = 40..=66;

fn mutate(rng: &mut Rng, family: usize, step: &ClassicStep) -> (ClassicStep, String) {
    let mut m = step.clone();
    let what = match family {
        // The machine proof, opcode kept (so the same contract judges it).
        0..=29 => format!("proof {}", mutate_bytes(rng, &mut m.proof, true)),
        // The opcode itself.
        30 => format!("opcode {}", random_byte_change(rng, &mut m.proof[0])),
        // Another instruction popping as many values (or any byte, now and then), so
        // that, made the proof of the machine it shows, its semantics meet operands
        // shown for another.
        31..=32 => {
            let (old, info) = (m.proof[0], avm_code::info_for_byte(m.proof[0]));
            let alike: Vec<u8> = (0..=255u8)
                .filter(|b| {
                    avm_code::OPCODES[usize::from(*b)]
                        .as_ref()
                        .is_some_and(|o| {
                            o.pops == info.pops && o.aux_pops == info.aux_pops && *b != old
                        })
                })
                .collect();
            m.proof[0] = if alike.is_empty() || rng.chance(10) {
                rng.word() as u8
            } else {
                alike[rng.below(alike.len())]
            };
            format!("opcode swapped: {old:#04x} -> {:#04x}", m.proof[0])
        }
        // The proof's tail: a send's data, an inbox step's suffix, or nothing read.
        33..=39 => {
            let machine_len = machine_proof_len(&step.proof).unwrap_or(0);
            if machine_len < m.proof.len() {
                let at = machine_len + rng.below(m.proof.len() - machine_len);
                let change = random_byte_change(rng, &mut m.proof[at]);
                format!(
                    "proof tail byte {} (proof byte {at}): {change}",
                    at - machine_len
                )
            } else {
                let n = 1 + rng.below(40);
                m.proof.extend((0..n).map(|_| rng.word() as u8));
                format!("proof tail: {n} random bytes appended")
            }
        }
        // The buffer proof's header (its first 5 bytes and the 27 after them).
        40..=47 if !m.buffer_proof.is_empty() => {
            let at = if rng.chance(60) {
                rng.below(5)
            } else {
                5 + rng.below(27.min(m.buffer_proof.len().saturating_sub(5)).max(1))
            };
            let at = at.min(m.buffer_proof.len() - 1);
            let change = random_byte_change(rng, &mut m.buffer_proof[at]);
            format!("buffer proof byte {at}: {change}")
        }
        40..=52 => match mutate_parts(rng, &m.buffer_proof) {
            Some((bytes, what)) => {
                m.buffer_proof = bytes;
                format!("buffer proof parts: {what}")
            }
            None => format!(
                "buffer proof {}",
                mutate_bytes(rng, &mut m.buffer_proof, false)
            ),
        },
        53..=64 => format!(
            "buffer proof {}",
            mutate_bytes(rng, &mut m.buffer_proof, false)
        ),
        65..=66 => {
            let n = m.buffer_proof.len();
            m.buffer_proof.clear();
            format!("buffer proof of {n} bytes emptied")
        }
        67..=82 => format!("before {}", mutate_state(rng, &mut m.before)),
        83..=96 => format!("after {}", mutate_state(rng, &mut m.after)),
        // Both ends moved together: what the contract does not see must not matter.
        _ => {
            let k = 1 + rng.below(1000) as u64;
            m.before.gas_used = m.before.gas_used.wrapping_add(k);
            m.after.gas_used = m.after.gas_used.wrapping_add(k);
            format!("gasUsed + {k} on both sides")
        }
    };
    (m, what)
}

/// What a verifier computes from a step's before-state and proofs: a refusal, or the
/// after-state fields `executeStep` answers with (machine hash, send and log
/// accumulators, gas, messages read).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Said {
    Refused(String),
    Accepted {
        machine_hash: Hash,
        send_acc: Hash,
        log_acc: Hash,
        gas_used: u64,
        inbox_count: u64,
    },
}

fn accepted(state: &ExecutionState) -> Said {
    Said::Accepted {
        machine_hash: state.machine_hash,
        send_acc: state.send_acc,
        log_acc: state.log_acc,
        gas_used: state.gas_used,
        inbox_count: state.inbox_count,
    }
}

/// What `executeStep` returns for the step's before-state and proofs, whatever its
/// after-state claims: the machine hash the proof shows and the after fields it
/// computes (as `Said::Accepted`), or why the call refused.
fn contract_result(world: &mut L1World, step: &ClassicStep) -> Result<(Hash, Said), String> {
    let Some(&opcode) = step.proof.first() else {
        return Err("empty proof".into());
    };
    let result = world
        .execute_step(
            opcode,
            Int::from(step.before.inbox_count),
            step.before.send_acc,
            step.before.log_acc,
            &step.proof,
            &step.buffer_proof,
        )
        .expect("EVM ran");
    let out = match result.outcome {
        StepOutcome::Reverted(reason) => return Err(reason.to_string()),
        StepOutcome::Returned(out) => out,
    };
    match (
        step.before.gas_used.checked_add(out.gas),
        u64::try_from(out.after_messages_read),
    ) {
        (Some(gas_used), Ok(inbox_count)) => Ok((
            out.fields[0],
            Said::Accepted {
                machine_hash: out.fields[1],
                send_acc: out.fields[2],
                log_acc: out.fields[3],
                gas_used,
                inbox_count,
            },
        )),
        _ => Err("gas or messages read past 2^64".into()),
    }
}

/// What `executeStep` computes from the step's before-state and proofs, whatever its
/// after-state claims: a revert, a proof of another machine than the before-state's,
/// or the after fields.
fn contract_computes(world: &mut L1World, step: &ClassicStep) -> Said {
    match contract_result(world, step) {
        Err(reason) => Said::Refused(reason),
        Ok((proven, _)) if proven != step.before.machine_hash => {
            Said::Refused(format!("a proof of machine {proven}"))
        }
        Ok((_, after)) => after,
    }
}

/// Makes `step` the step of the machine its proof shows, with the after-state the
/// contract computes (before-state's machine hash, after machine hash, output
/// accumulators, gas, messages read); false if the contract refuses the proof.
fn reanchor(world: &mut L1World, step: &mut ClassicStep) -> bool {
    let Ok((
        proven,
        Said::Accepted {
            machine_hash,
            send_acc,
            log_acc,
            gas_used,
            inbox_count,
        },
    )) = contract_result(world, step)
    else {
        return false;
    };
    step.before.machine_hash = proven;
    step.after.machine_hash = machine_hash;
    step.after.send_acc = send_acc;
    step.after.log_acc = log_acc;
    step.after.gas_used = gas_used;
    step.after.inbox_count = inbox_count;
    true
}

/// What our verifier computes from the same.
fn native_computes(step: &ClassicStep, accs: &L1InboxAccumulators) -> Said {
    // The counts of sends and logs are the claim's, which the contract never sees (we
    // refuse a claim whose count would pass u64::MAX; the contract cannot): judge the
    // proofs from a before-state whose counts cannot overflow.
    let before = ExecutionState {
        send_count: 0,
        log_count: 0,
        ..step.before
    };
    match verify_step_with_inbox(&before, &step.proof, &step.buffer_proof, accs) {
        Ok(after) => accepted(&after),
        Err(e) => Said::Refused(e.to_string()),
    }
}

/// Our verifier's verdict on the step as claimed: `ClassicStep::verify` with the L1
/// inbox, except that the after-state fields `executeStep` does not answer with (the
/// counts of sends and logs, the L1 inbox accumulator) are the prover's business, not
/// the contract's.
fn native_verdict(step: &ClassicStep, accs: &L1InboxAccumulators) -> Result<(), String> {
    match step.verify_with_inbox(accs) {
        Ok(()) => Ok(()),
        Err(ClassicStepError::AfterState { claimed, computed })
            if accepted(&claimed) == accepted(&computed) =>
        {
            Ok(())
        }
        // A claimed count that would pass u64::MAX: refused by us, out of the
        // contract's sight (like the counts themselves, above).
        Err(ClassicStepError::Rejected(Rejection::CounterOverflow("send count" | "log count"))) => {
            Ok(())
        }
        Err(e) => Err(e.to_string()),
    }
}

fn contract_verdict(world: &mut L1World, step: &ClassicStep) -> Result<(), String> {
    match world.check_step(step).expect("EVM ran") {
        Verdict::Accepted(_) => Ok(()),
        Verdict::Rejected(why, _) => Err(why.to_string()),
    }
}

/// What a mutation changed, for the tally: its description up to the details.
fn kind_of(what: &str) -> String {
    let words: Vec<&str> = what.split([' ', ':']).collect();
    let n = match words[0] {
        "before" | "after" | "proof" if words[1] == "tail" => 2,
        "before" | "after" => 2,
        "buffer" if words[2] == "parts" => 3,
        "buffer" => 2,
        _ => 1,
    };
    words[..n].join(" ")
}

fn agree(a: &Said, b: &Said) -> bool {
    matches!((a, b), (Said::Refused(_), Said::Refused(_))) || a == b
}

fn short_hex(bytes: &[u8]) -> String {
    let text = hex::encode(bytes);
    if text.len() > 600 {
        format!(
            "{}..{} ({} bytes)",
            &text[..300],
            &text[text.len() - 300..],
            bytes.len()
        )
    } else {
        text
    }
}

/// The honest steps mutations start from: every step of the fixture programs, of the
/// echo example reading the whole L1 inbox, and the first 60 of 400 random programs.
fn honest_steps(inboxes: &Inboxes) -> Vec<(String, ClassicStep)> {
    let mut steps = Vec::new();
    for (name, program) in machine_cases() {
        collect(
            &name,
            Machine::new(program),
            &inboxes.model,
            20_000,
            &mut steps,
        );
    }
    let echo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/echo.mexe");
    let echo = load_mexe(&echo, &LoadOptions::default()).unwrap();
    collect(
        "echo.mexe",
        Machine::new(echo),
        &inboxes.model,
        10_000,
        &mut steps,
    );
    for seed in 5_001..=5_400u64 {
        collect(
            &format!("random program {seed}"),
            random_machine(seed),
            &inboxes.model,
            60,
            &mut steps,
        );
    }
    steps
}

/// Both verifiers on one step: what they compute from its before-state and proofs,
/// and their verdicts on it as claimed. A disagreement is described, with the step.
struct Judged {
    /// Both accept the step as claimed.
    accepted: bool,
    /// Both compute the same after-state (possibly not the claimed one).
    computed: bool,
}

fn judge(
    world: &mut L1World,
    accs: &L1InboxAccumulators,
    step: &ClassicStep,
    describe: impl Fn() -> String,
) -> Result<Judged, String> {
    let contract = contract_computes(world, step);
    let native = native_computes(step, accs);
    let contract_verdict = contract_verdict(world, step);
    let native_verdict = native_verdict(step, accs);
    if agree(&contract, &native) && contract_verdict.is_ok() == native_verdict.is_ok() {
        return Ok(Judged {
            accepted: contract_verdict.is_ok(),
            computed: matches!(contract, Said::Accepted { .. }),
        });
    }
    Err(format!(
        "{}\n  contract computes {contract:?}, verdict {contract_verdict:?}\n  ours computes     {native:?}, verdict {native_verdict:?}\n  proof  0x{}\n  bproof 0x{}\n  before {:?}\n  after  {:?}",
        describe(),
        short_hex(&step.proof),
        short_hex(&step.buffer_proof),
        step.before,
        step.after,
    ))
}

#[test]
fn our_verifier_and_the_contract_agree_on_every_mutation() {
    let start = Instant::now();
    let mut inboxes = inboxes();
    let accs = inboxes.model.accumulators();
    let steps = honest_steps(&inboxes);
    let honest = steps.len();
    // The honest steps: both accept, with the same fields.
    for (name, step) in &steps {
        let judged = judge(&mut inboxes.world, &accs, step, || format!("honest {name}"))
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(judged.accepted, "honest {name} refused");
    }
    let pool = Pool::new(steps);
    println!(
        "{honest} honest steps ({} buffer, {} send, {} inbox, {} hash, {} other; {} with a buffer proof) in {:.1} s",
        pool.buffer.len(),
        pool.send.len(),
        pool.inbox.len(),
        pool.hash.len(),
        pool.other.len(),
        pool.with_buffer_proof.len(),
        start.elapsed().as_secs_f64()
    );
    assert!(pool.buffer.len() > 100 && pool.send.len() > 20 && pool.inbox.len() > 20);
    assert!(pool.with_buffer_proof.len() > 100);

    let (mutations, seed) = search();
    let mut rng = Rng(seed | 1);
    let mut disagreements = Vec::new();
    let (mut refused, mut accepted, mut other_after) = (0u64, 0u64, 0u64);
    let mut kinds = std::collections::BTreeMap::<String, [u64; 3]>::new();
    let mut reanchored = 0u64;
    let mut of_inbox_steps = 0u64;
    for n in 0..mutations {
        // Mutations of what only some steps read go mostly to those steps.
        let family = rng.below(100);
        let (name, step) = if BUFFER_PROOF_FAMILIES.contains(&family) && rng.chance(85) {
            pool.pick_from(&mut rng, &[&pool.with_buffer_proof])
        } else if TAIL_FAMILIES.contains(&family) && rng.chance(80) {
            pool.pick_from(&mut rng, &[&pool.send, &pool.inbox])
        } else {
            pool.pick(&mut rng)
        };
        of_inbox_steps += u64::from(step.proof[0] == 0x72);
        let (mut mutated, mut what) = mutate(&mut rng, family, step);
        // A changed machine proof is mostly of another machine: half the time, make it
        // the step of the machine the contract computes from it, so both verifiers
        // run its semantics rather than only refuse its before-state.
        if family < *BUFFER_PROOF_FAMILIES.start()
            && (rng.chance(50) || (31..=32).contains(&family))
            && reanchor(&mut inboxes.world, &mut mutated)
        {
            what.push_str(", of the machine it shows");
            reanchored += 1;
        }
        let describe = || {
            format!(
                "mutation {n} of {name} (opcode {:#04x}): {what}",
                step.proof[0]
            )
        };
        let kind = kinds.entry(kind_of(&what)).or_default();
        match judge(&mut inboxes.world, &accs, &mutated, describe) {
            Ok(j) if j.accepted => {
                accepted += 1;
                kind[1] += 1;
            }
            Ok(j) if j.computed => {
                other_after += 1;
                kind[2] += 1;
            }
            Ok(_) => {
                refused += 1;
                kind[0] += 1;
            }
            Err(e) => disagreements.push(e),
        }
    }
    for (kind, [refused, accepted, other]) in &kinds {
        println!("  {kind}: {refused} refused, {accepted} accepted, {other} another after-state");
    }
    println!(
        "{mutations} mutations (seed {seed:#x}; {of_inbox_steps} of inbox steps; {reanchored} made proofs of the machine they show): {refused} refused by both, {accepted} accepted by both, {other_after} proving the same other after-state to both, {} disagreements; {:.1} s in all",
        disagreements.len(),
        start.elapsed().as_secs_f64()
    );
    assert!(
        disagreements.is_empty(),
        "{} disagreements (the first 20):\n{}",
        disagreements.len(),
        disagreements
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        mutations >= 10_000,
        "the issue asks for at least 10,000 mutations"
    );
    assert!(
        of_inbox_steps > mutations / 20,
        "only {of_inbox_steps} of inbox steps"
    );
    assert!(refused > mutations / 4 && accepted > mutations / 10);
}

/// Each way OneStepProof2 reads a buffer proof that our verifier once read otherwise,
/// applied to every buffer write of the pool: the two must agree, and the contract's
/// reading must actually occur (accepted where the contract accepts).
#[test]
fn buffer_writes_are_read_as_the_contract_reads_them() {
    let mut inboxes = inboxes();
    let accs = inboxes.model.accumulators();
    let writes: Vec<(String, ClassicStep)> = honest_steps(&inboxes)
        .into_iter()
        .filter(|(_, s)| {
            matches!(s.proof[0], 0xa4..=0xa6) && parse_parts(&s.buffer_proof).is_some()
        })
        .collect();
    assert!(writes.len() > 100, "only {} buffer writes", writes.len());
    let mut tally = std::collections::BTreeMap::<&str, (u64, u64, u64)>::new();
    let mut disagreements = Vec::new();
    for (name, step) in &writes {
        let parts = parse_parts(&step.buffer_proof).unwrap();
        let mut variants: Vec<(&str, Vec<[u8; 32]>, usize)> = Vec::new();
        // The normalization of a write replaced by other words of the same length.
        if parts[1].len() == 3 {
            variants.push(("normalization 1 random", vec![[0x5a; 32]; 3], 1));
            let mut taller = parts[1].clone();
            let h = taller[0][31];
            taller[0][31] = h.saturating_add(1);
            variants.push(("normalization 1 one taller", taller.clone(), 1));
            taller[0][31] = 63;
            variants.push(("normalization 1 of height 63", taller.clone(), 1));
            taller[0][31] = 64;
            variants.push(("normalization 1 of height 64", taller, 1));
        }
        variants.push(("leaf proof 1 emptied", vec![], 0));
        let mut candidates: Vec<(&str, Vec<u8>)> = variants
            .into_iter()
            .map(|(what, part, k)| {
                let mut p = parts.clone();
                p[k] = part;
                (what, lay_out(&p, 1, 0))
            })
            .collect();
        let total: usize = parts.iter().map(Vec::len).sum();
        if total > 1 {
            // Laid out across word 256: offsets wrap in 8 bits.
            candidates.push((
                "parts laid across word 256",
                lay_out(&parts, 256 - total / 2, 0),
            ));
        }
        for (what, bproof) in candidates {
            let mutated = ClassicStep {
                buffer_proof: bproof,
                ..step.clone()
            };
            let describe = || format!("{name} (opcode {:#04x}): {what}", step.proof[0]);
            match judge(&mut inboxes.world, &accs, &mutated, describe) {
                Ok(j) => {
                    let entry = tally.entry(what).or_default();
                    entry.0 += 1;
                    entry.1 += u64::from(j.accepted);
                    entry.2 += u64::from(j.computed && !j.accepted);
                }
                Err(e) => disagreements.push(e),
            }
        }
    }
    for (what, (tried, accepted, other)) in &tally {
        println!(
            "{what}: {tried} tried, {accepted} accepted by both, {other} proving the same other after-state to both"
        );
    }
    assert!(
        disagreements.is_empty(),
        "{} disagreements (the first 20):\n{}",
        disagreements.len(),
        disagreements
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    // The contract's readings occur: writes whose normalization it never reads, and
    // proofs laid across word 256.
    assert!(tally["normalization 1 random"].1 > 0);
    assert!(tally["normalization 1 one taller"].1 > tally["normalization 1 random"].1);
    assert!(tally["parts laid across word 256"].1 > 0);
    // An empty leaf proof: the empty buffer written at leaf 0 becomes the two-leaf
    // tree [0, leaf] on L1, and for our verifier too.
    assert!(tally["leaf proof 1 emptied"].2 > 0);
}

/// Every byte of every buffer proof in upstream's proof files, changed one at a time:
/// both verifiers agree on each, and the bytes the contract never reads (bytes 5..32
/// of the header word; all of them in a step that never decodes its buffer proof) are
/// ignored by both.
#[test]
fn every_byte_of_upstreams_buffer_proofs_is_judged_alike() {
    let mut inboxes = inboxes();
    let accs = inboxes.model.accumulators();
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixtures().join("proofs"))
        .expect("proofs")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.to_string_lossy().ends_with(".mexe-proofs.json"))
        .collect();
    files.sort();
    let mut disagreements = Vec::new();
    let (mut steps, mut changed, mut ignored) = (0u64, 0u64, 0u64);
    for path in &files {
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let records = ClassicStep::parse_file(&std::fs::read_to_string(path).unwrap()).unwrap();
        for (i, step) in records.iter().enumerate() {
            if step.buffer_proof.is_empty() {
                continue;
            }
            steps += 1;
            let mut ignored_here = Vec::new();
            for at in 0..step.buffer_proof.len() {
                // The header's offsets both ways; other bytes one bit, varying.
                let changes: &[u8] = if at < 5 {
                    &[0x01, 0x80]
                } else {
                    &[1 << (at % 8)]
                };
                for &change in changes {
                    let mut mutated = step.clone();
                    mutated.buffer_proof[at] ^= change;
                    let describe = || {
                        format!(
                            "{file} step {i} (opcode {:#04x}): buffer proof byte {at} ^ {change:#04x}",
                            step.proof[0]
                        )
                    };
                    changed += 1;
                    match judge(&mut inboxes.world, &accs, &mutated, describe) {
                        Ok(j) if j.accepted => {
                            ignored += 1;
                            ignored_here.push(at);
                        }
                        Ok(_) => {}
                        Err(e) => disagreements.push(e),
                    }
                }
            }
            ignored_here.dedup();
            let header_padding = ignored_here
                .iter()
                .filter(|at| (5..32).contains(*at))
                .count();
            let elsewhere: Vec<usize> = ignored_here
                .iter()
                .copied()
                .filter(|at| !(5..32).contains(at))
                .collect();
            if !elsewhere.is_empty() {
                println!(
                    "{file} step {i} (opcode {:#04x}): {} of {} bytes read by neither, {} outside the header padding",
                    step.proof[0],
                    ignored_here.len(),
                    step.buffer_proof.len(),
                    elsewhere.len()
                );
            }
            // The header's padding is never read.
            assert_eq!(header_padding, 27, "{file} step {i}");
        }
    }
    println!(
        "{steps} steps with a buffer proof, {changed} changed bytes: {ignored} read by neither verifier, {} disagreements",
        disagreements.len()
    );
    assert!(
        disagreements.is_empty(),
        "{} disagreements (the first 20):\n{}",
        disagreements.len(),
        disagreements
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(steps >= 20, "only {steps} steps with a buffer proof");
}

/// A buffer whose root is a tree deeper than any buffer our machine makes (70 levels:
/// the contract puts no bound on a leaf proof's length): a `getbuffer8` proof
/// rewritten to read it, the before-state's machine hash being the one the contract
/// computes from the proof, is judged alike.
#[test]
fn a_buffer_deeper_than_ours_is_read_as_the_contract_reads_it() {
    let mut inboxes = inboxes();
    let accs = inboxes.model.accumulators();
    // getbuffer8 steps showing [buffer, offset] without an immediate, not erring.
    let reads: Vec<(String, ClassicStep)> = honest_steps(&inboxes)
        .into_iter()
        .filter(|(_, s)| {
            s.proof[..3] == [0xa1, 2, 0]
                && s.proof[3] == 12
                && s.proof[36] == 0
                && s.proof[37..61].iter().all(|b| *b == 0)
                && !s.buffer_proof.is_empty()
        })
        .collect();
    assert!(!reads.is_empty(), "no getbuffer8 step to rewrite");
    let mut accepted = 0;
    for (name, step) in &reads {
        let offset = u64::from_be_bytes(step.proof[61..69].try_into().unwrap());
        let leaf = [0x42u8; 32];
        let siblings: Vec<Hash> = (0..70u8).map(|i| Hash([i ^ 0x5c; 32])).collect();
        let mut root = avm_value::keccak256(&leaf);
        for (level, sibling) in siblings.iter().enumerate() {
            root = if level < 64 && (offset / 32) >> level & 1 == 1 {
                avm_value::keccak_pair(sibling, &root)
            } else {
                avm_value::keccak_pair(&root, sibling)
            };
        }
        let mut mutated = step.clone();
        mutated.proof[4..36].copy_from_slice(&root.0);
        let mut parts: [Vec<[u8; 32]>; 4] = Default::default();
        parts[0] = std::iter::once(leaf)
            .chain(siblings.iter().map(|h| h.0))
            .collect();
        mutated.buffer_proof = lay_out(&parts, 1, 0);
        // The before-state the rewritten proof is of, as the contract computes it.
        let result = inboxes
            .world
            .execute_step(
                0xa1,
                Int::from(step.before.inbox_count),
                step.before.send_acc,
                step.before.log_acc,
                &mutated.proof,
                &mutated.buffer_proof,
            )
            .unwrap();
        let StepOutcome::Returned(out) = result.outcome else {
            panic!(
                "{name}: the contract refuses the deep read: {:?}",
                result.outcome
            )
        };
        mutated.before.machine_hash = out.fields[0];
        mutated.after.machine_hash = out.fields[1];
        let describe = || format!("{name} rewritten to read a 70-level buffer");
        let judged =
            judge(&mut inboxes.world, &accs, &mutated, describe).unwrap_or_else(|e| panic!("{e}"));
        assert!(judged.accepted, "{name}: refused by both");
        accepted += 1;
    }
    println!("{accepted} getbuffer8 steps rewritten to read a 70-level buffer, accepted by both");
}

/// The opcodes our machine has and the deployed contracts do not (`ripemd160f`,
/// `blake2f`, `inboxpeek`) put into honest proofs that show no operand (or only an
/// immediate), the before-state's machine hash being the one the contract computes
/// from the proof: OneStepProof runs them as invalid opcodes (an Error), and so must we.
#[test]
fn opcodes_the_contracts_lack_are_judged_alike() {
    let mut inboxes = inboxes();
    let accs = inboxes.model.accumulators();
    let steps = honest_steps(&inboxes);
    let mut disagreements = Vec::new();
    let (mut tried, mut accepted) = (0u64, 0u64);
    for (name, step) in steps.iter().step_by(23) {
        let len = machine_proof_len(&step.proof).unwrap();
        let immediate = step.proof[len - 1] == 1;
        let shape = step.proof[2] == 0 && (step.proof[1] == u8::from(immediate));
        if !shape {
            continue;
        }
        for opcode in avm_verifier::classic::opcodes_not_in_classic() {
            let mut mutated = step.clone();
            mutated.proof[0] = opcode;
            let describe = || format!("{name} (opcode {:#04x}) as {opcode:#04x}", step.proof[0]);
            tried += 1;
            // The machine this proof is of: the one with that opcode at its pc.
            let result = inboxes
                .world
                .execute_step(
                    opcode,
                    Int::from(step.before.inbox_count),
                    step.before.send_acc,
                    step.before.log_acc,
                    &mutated.proof,
                    &mutated.buffer_proof,
                )
                .unwrap();
            if let StepOutcome::Returned(out) = result.outcome {
                mutated.before.machine_hash = out.fields[0];
                mutated.after.machine_hash = out.fields[1];
                mutated.after.gas_used = step.before.gas_used + out.gas;
            }
            match judge(&mut inboxes.world, &accs, &mutated, describe) {
                Ok(j) => accepted += u64::from(j.computed),
                Err(e) => disagreements.push(e),
            }
        }
    }
    println!("{tried} proofs of opcodes the contracts lack: {accepted} computed alike by both");
    // The contract accepts them (as invalid opcodes): so must we.
    assert!(accepted > tried / 2, "{accepted} of {tried}");
    assert!(
        disagreements.is_empty(),
        "{} disagreements (the first 5):\n{}",
        disagreements.len(),
        disagreements
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
