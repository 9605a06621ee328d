//! Property tests: lies at random points, arbitrary moves from one side, and random
//! move fields thrown at the referee. No move makes the referee panic; a malformed move
//! is a typed rejection that loses the game for the party that made it; a move out of
//! turn changes nothing; and the honest party wins.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use avm_challenge::{
    play_with, start_claim, Assertion, Chaos, Dispute, HonestParty, Lie, MoveError, Party, Phase,
    Referee, Role,
};
use avm_value::Hash;
use avm_verifier::{Claim, Proof};
use common::{accumulators, asserter_lies, game, honest, runs, Run};
use proptest::prelude::*;

fn role(asserter: bool) -> Role {
    if asserter {
        Role::Asserter
    } else {
        Role::Challenger
    }
}

fn lie(kind: u8, at: u64) -> Lie {
    match kind % 7 {
        0 => Lie::At(at),
        1 => Lie::StopsAt(at),
        2 => Lie::NeverStops(at),
        3 => Lie::WrongFinal,
        4 => Lie::WrongIntermediate,
        5 => Lie::PicksAgreed,
        _ => Lie::ForgedProof,
    }
}

/// A claim chosen by `kind`: the true one at `step`, or one with fields from `seed`.
fn claim(party: &mut HonestParty, kind: u8, step: u64, seed: u64) -> Claim {
    let truth = party.claim_at(step);
    match kind % 5 {
        0 | 1 => truth,
        2 => Claim {
            steps: seed,
            ..truth
        },
        3 => Claim {
            machine_hash: Hash([seed as u8; 32]),
            ..truth
        },
        _ => Claim {
            machine_hash: Hash([seed as u8; 32]),
            inbox_consumed: seed >> 3,
            inbox_acc: Hash([(seed >> 8) as u8; 32]),
            send_acc: Hash::ZERO,
            log_acc: Hash::ZERO,
            gas_used: seed.rotate_left(17),
            steps: seed >> 1,
        },
    }
}

#[derive(Clone, Debug)]
enum Move {
    Dissect(Vec<(u8, u64, u64)>),
    Choose(usize),
    Prove(Option<(u64, u8)>),
    Forfeit,
}

fn moves() -> impl Strategy<Value = Vec<Move>> {
    let one = prop_oneof![
        prop::collection::vec((any::<u8>(), 0u64..40, any::<u64>()), 0..12).prop_map(Move::Dissect),
        prop_oneof![0usize..10, any::<usize>()].prop_map(Move::Choose),
        proptest::option::of((0u64..40, any::<u8>())).prop_map(Move::Prove),
        Just(Move::Forfeit),
    ];
    prop::collection::vec(one, 0..24)
}

fn proof(party: &mut HonestParty, step: u64, mutation: u8) -> Option<Proof> {
    let pre = party.claim_at(step);
    let mut proof = party.prove(step, &pre)?;
    match mutation % 4 {
        0 => proof.opcode = mutation,
        1 => proof.stack.clear(),
        2 => proof.extra = avm_verifier::Extra::None,
        _ => {}
    }
    Some(proof)
}

fn pick(runs: &[Run], index: usize) -> &Run {
    &runs[index % runs.len()]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn the_honest_party_wins_against_a_lie_at_any_point(
        index in 0usize..64,
        extra in 0u64..12,
        degree in 2u64..10,
        asserter in any::<bool>(),
        kind in any::<u8>(),
        at in 0u64..40,
    ) {
        let runs = runs();
        let run = pick(&runs, index);
        let steps = (run.stop + extra).max(1);
        let liar = role(asserter);
        let lie = lie(kind, at);
        let report = game(run, steps, degree, liar, lie);
        let expected = if liar == Role::Asserter && !asserter_lies(lie, run.stop, steps) {
            Role::Asserter
        } else {
            liar.other()
        };
        prop_assert_eq!(report.winner, expected, "{} {}: {}", run.name, lie.name(), report.reason);
    }

    #[test]
    fn the_honest_party_wins_against_arbitrary_moves(
        index in 0usize..64,
        steps in 1u64..60,
        degree in 2u64..10,
        chaos_asserts in any::<bool>(),
        audit in any::<bool>(),
        bytes in prop::collection::vec(any::<u8>(), 0..200),
    ) {
        let runs = runs();
        let run = pick(&runs, index);
        let mut chaos = Chaos::new(honest(run, degree), bytes);
        let mut truthful = honest(run, degree);
        let truth = honest(run, degree).claim_at(steps);
        let dispute = if audit { Dispute::Always } else { Dispute::IfItDisagrees };
        let (asserter, challenger): (&mut dyn Party, &mut dyn Party) = if chaos_asserts {
            (&mut chaos, &mut truthful)
        } else {
            (&mut truthful, &mut chaos)
        };
        let report = play_with(
            start_claim(&run.machine),
            steps,
            degree,
            accumulators(run),
            asserter,
            challenger,
            dispute,
        );
        if !chaos_asserts {
            prop_assert_eq!(report.winner, Role::Asserter, "{}", report.reason);
        } else if report.assertion.end != truth {
            prop_assert_eq!(report.winner, Role::Challenger, "{}", report.reason);
        }
    }

    #[test]
    fn random_moves_are_refused_by_type_and_never_panic(
        index in 0usize..64,
        steps in 0u64..40,
        degree in 0u64..10,
        end in (any::<u8>(), 0u64..40, any::<u64>()),
        moves in moves(),
    ) {
        let runs = runs();
        let run = pick(&runs, index);
        let mut party = honest(run, 4);
        let end = claim(&mut party, end.0, end.1, end.2);
        let assertion = Assertion { steps, end };
        let mut referee = Referee::new(start_claim(&run.machine), &assertion, degree, accumulators(run));
        for m in moves {
            let before = referee.phase().clone();
            let over = referee.winner().is_some();
            let (mover, result) = match m {
                Move::Dissect(picks) => {
                    let claims = picks.iter().map(|&(k, s, x)| claim(&mut party, k, s, x)).collect();
                    (Role::Asserter, referee.dissect(claims).map(|_| ()))
                }
                Move::Choose(i) => (Role::Challenger, referee.choose(i)),
                Move::Prove(p) => {
                    let proof = p.and_then(|(s, mutation)| proof(&mut party, s, mutation));
                    (Role::Challenger, referee.prove(proof.as_ref()).map(|_| ()))
                }
                Move::Forfeit => {
                    let winner = referee.forfeit("gave up");
                    prop_assert_eq!(Some(winner), referee.winner());
                    if let Phase::Over { winner: earlier, .. } = &before {
                        prop_assert_eq!(winner, *earlier);
                    }
                    continue;
                }
            };
            match result {
                Err(MoveError::NotYourTurn(_)) => prop_assert_eq!(referee.phase(), &before),
                Err(_) => {
                    prop_assert!(!over);
                    prop_assert_eq!(referee.winner(), Some(mover.other()));
                }
                Ok(()) => prop_assert!(!over),
            }
        }
    }
}
