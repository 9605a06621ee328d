//! Arbitrary moves against the referee. An arbitrary machine and inbox, then a game in
//! which one side moves as the fuzzer's bytes say (claims near or far from the truth,
//! dissections of any length, any part index, proofs of other steps or altered ones)
//! and the other is honest: the referee never panics and the honest party wins. Then
//! raw moves straight at a referee, in and out of turn: each is accepted, refused
//! without effect (out of turn), or refused as a loss for the party that made it.
#![no_main]

use avm_challenge::{
    play_with, start_claim, Assertion, Chaos, Dispute, HonestParty, MoveError, Party, Phase,
    Referee, Role,
};
use avm_fuzz::{accumulators, Bytes};
use avm_verifier::Proof;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut bytes = Bytes(data);
    let Some((machine, inbox)) = bytes.case() else {
        return;
    };
    let steps = u64::from(bytes.byte() % 48) + 1;
    let degree = u64::from(bytes.byte() % 9);
    let chaos_asserts = bytes.byte() % 2 == 0;
    let dispute = if bytes.byte() % 2 == 0 {
        Dispute::Always
    } else {
        Dispute::IfItDisagrees
    };
    let split = usize::from(bytes.byte()) * 2;
    let script = bytes.take(split).to_vec();
    let raw = bytes.take(usize::MAX).to_vec();

    let honest = || HonestParty::new(machine.clone(), inbox.clone(), degree);
    let start = start_claim(&machine);
    let accs = accumulators(&machine, &inbox);
    let truth = honest().claim_at(steps);
    let mut chaos = Chaos::new(honest(), script);
    let mut truthful = honest();
    let (asserter, challenger): (&mut dyn Party, &mut dyn Party) = if chaos_asserts {
        (&mut chaos, &mut truthful)
    } else {
        (&mut truthful, &mut chaos)
    };
    let report = play_with(
        start,
        steps,
        degree,
        accs.clone(),
        asserter,
        challenger,
        dispute,
    );
    if !chaos_asserts {
        assert_eq!(
            report.winner,
            Role::Asserter,
            "honest asserter: {}",
            report.reason
        );
    } else if report.assertion.end != truth {
        assert_eq!(
            report.winner,
            Role::Challenger,
            "honest challenger: {}",
            report.reason
        );
    }

    // Raw moves, in and out of turn.
    let mut bytes = Bytes(&raw);
    let mut party = honest();
    let assertion = Assertion {
        steps: u64::from(bytes.byte() % 48),
        end: party.claim_at(u64::from(bytes.byte() % 48)),
    };
    let mut referee = Referee::new(start, &assertion, degree, accs);
    for _ in 0..bytes.byte() % 32 {
        let before = referee.phase().clone();
        let over = referee.winner().is_some();
        let (mover, result) = match bytes.byte() % 4 {
            0 => {
                let n = usize::from(bytes.byte() % 12);
                let claims = (0..n)
                    .map(|_| party.claim_at(u64::from(bytes.byte() % 48)))
                    .collect();
                (Role::Asserter, referee.dissect(claims))
            }
            1 => {
                let index = match bytes.byte() % 3 {
                    0 => usize::MAX,
                    _ => usize::from(bytes.byte() % 12),
                };
                (Role::Challenger, referee.choose(index))
            }
            2 => {
                let step = u64::from(bytes.byte() % 48);
                let pre = party.claim_at(step);
                let mut proof: Option<Proof> = party.prove(step, &pre);
                if bytes.byte() % 3 == 0 {
                    let n = usize::from(bytes.byte());
                    proof = Proof::from_bytes(bytes.take(n)).ok();
                }
                (Role::Challenger, referee.prove(proof.as_ref()).map(|_| ()))
            }
            _ => {
                let winner = referee.forfeit("timed out");
                assert_eq!(referee.winner(), Some(winner));
                if let Phase::Over {
                    winner: earlier, ..
                } = before
                {
                    assert_eq!(winner, earlier);
                }
                continue;
            }
        };
        match result {
            Err(MoveError::NotYourTurn(_)) => assert_eq!(referee.phase(), &before),
            Err(_) => {
                assert!(!over);
                assert_eq!(referee.winner(), Some(mover.other()));
            }
            Ok(()) => assert!(!over),
        }
    }
});
