//! The honest party wins every game: over fixture and random programs, against every
//! way of lying, in both roles, at degrees 2, 8 and 64. Honest against honest there is
//! no dispute. Disputes take at most ceil(log_K N) rounds, and the honest party
//! re-executes a small constant multiple of N steps.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use avm_challenge::{
    expected_rounds, play_with, start_claim, Dispute, GameReport, HonestParty, Liar, Lie, Party,
    Role,
};
use avm_code::{load_mexe, LoadOptions};
use avm_machine::Machine;
use avm_testkit::{fixtures, random_inbox, random_program, Rng};
use avm_value::{value_hash, Tuple, Value};
use avm_verifier::InboxAccumulators;

struct Case {
    name: String,
    machine: Machine,
    inbox: Vec<Value>,
    steps: u64,
}

fn fixture(rel: &str, steps: u64) -> Case {
    let inbox: Vec<Value> = (0..3u64)
        .map(|i| Value::Tuple(Tuple::pair(Value::int(0), Value::int(i))))
        .collect();
    Case {
        name: rel.into(),
        machine: Machine::new(load_mexe(&fixtures().join(rel), &LoadOptions::default()).unwrap()),
        inbox,
        steps,
    }
}

fn cases() -> Vec<Case> {
    let mut cases = vec![
        fixture("speedtest/dup2_dup2_dup2_tset_0_1.mexe", 3_000),
        fixture("speedtest/add_2_1.mexe", 4_096),
        fixture("machine-cases/opcodetestmath.mexe", 700),
        fixture("machine-cases/inbox.mexe", 100),
    ];
    for seed in 1..=6u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        let program = random_program(&mut rng);
        let len = program.instruction_count() as usize;
        let inbox = random_inbox(&mut rng, len);
        let machine = Machine::new(program);
        cases.push(Case {
            name: format!("random program {seed}"),
            machine,
            inbox,
            // Random programs often halt, error or block well before: the games
            // assert their stopped state from there on.
            steps: 300,
        });
    }
    cases
}

fn game(case: &Case, degree: u64, liar: Option<(Role, Lie)>) -> GameReport {
    game_with(case, degree, liar, Dispute::IfItDisagrees)
}

fn game_with(case: &Case, degree: u64, liar: Option<(Role, Lie)>, dispute: Dispute) -> GameReport {
    let accs = InboxAccumulators::from_message_hashes(
        case.inbox
            .iter()
            .map(|m| value_hash(m, case.machine.code())),
    );
    let honest = || HonestParty::new(case.machine.clone(), case.inbox.clone(), degree);
    let mut asserter: Box<dyn Party> = match liar {
        Some((Role::Asserter, lie)) => Box::new(Liar::new(honest(), lie, case.steps)),
        _ => Box::new(honest()),
    };
    let mut challenger: Box<dyn Party> = match liar {
        Some((Role::Challenger, lie)) => Box::new(Liar::new(honest(), lie, case.steps)),
        _ => Box::new(honest()),
    };
    play_with(
        start_claim(&case.machine),
        case.steps,
        degree,
        accs,
        asserter.as_mut(),
        challenger.as_mut(),
        dispute,
    )
}

#[test]
fn honest_parties_agree_without_a_dispute() {
    for case in cases() {
        for degree in [2, 8, 64] {
            let report = game(&case, degree, None);
            assert!(!report.disputed, "{} at degree {degree}", case.name);
            assert_eq!(report.winner, Role::Asserter);
        }
    }
}

#[test]
fn the_honest_party_wins_against_every_liar_in_both_roles() {
    let mut games = 0;
    for case in cases() {
        // Ways an asserter's claims can lie; a challenger can also choose or prove
        // dishonestly.
        let asserter_lies = vec![
            Lie::WrongFinal,
            Lie::WrongIntermediate,
            Lie::At(1),
            Lie::At(case.steps / 2 + 1),
            Lie::At(case.steps),
        ];
        let mut challenger_lies = asserter_lies.clone();
        challenger_lies.extend([Lie::PicksAgreed, Lie::ForgedProof]);
        for degree in [2, 8, 64] {
            for role in [Role::Asserter, Role::Challenger] {
                let lies = match role {
                    Role::Asserter => &asserter_lies,
                    Role::Challenger => &challenger_lies,
                };
                for &lie in lies {
                    // An honest challenger audits even a correct end claim, so that a
                    // wrong intermediate claim is disputed too.
                    let dispute = match role {
                        Role::Asserter => Dispute::Always,
                        Role::Challenger => Dispute::IfItDisagrees,
                    };
                    let report = game_with(&case, degree, Some((role, lie)), dispute);
                    let honest = match role {
                        Role::Asserter => Role::Challenger,
                        Role::Challenger => Role::Asserter,
                    };
                    assert_eq!(
                        report.winner,
                        honest,
                        "{}: {} lying {} at degree {degree}: {}",
                        case.name,
                        role.name(),
                        lie.name(),
                        report.reason
                    );
                    if report.disputed {
                        let bound = expected_rounds(case.steps, degree) as usize;
                        assert!(
                            report.rounds.len() <= bound,
                            "{}: {} rounds",
                            case.name,
                            report.rounds.len()
                        );
                        let honest_steps = match role {
                            Role::Asserter => report.challenger_steps,
                            Role::Challenger => report.asserter_steps,
                        };
                        assert!(
                            honest_steps <= 3 * case.steps + 1,
                            "{}: honest party ran {honest_steps} steps for {}",
                            case.name,
                            case.steps
                        );
                    }
                    games += 1;
                }
            }
        }
    }
    assert!(games >= 350, "{games} games");
}

#[test]
fn a_dispute_over_k_to_the_m_steps_takes_exactly_m_rounds() {
    let case = fixture("speedtest/add_2_1.mexe", 4_096);
    for (degree, rounds) in [(2u64, 12usize), (8, 4), (64, 2)] {
        let report = game(&case, degree, Some((Role::Asserter, Lie::WrongFinal)));
        assert_eq!(report.winner, Role::Challenger);
        assert_eq!(report.rounds.len(), rounds, "degree {degree}");
        assert_eq!(expected_rounds(4_096, degree) as usize, rounds);
    }
}

#[test]
fn the_referee_refuses_out_of_turn_moves_and_a_malformed_move_loses() {
    use avm_challenge::{cut_points, Assertion, MoveError, Phase, Referee};
    let case = fixture("speedtest/add_2_1.mexe", 100);
    let start = start_claim(&case.machine);
    let mut honest = HonestParty::new(case.machine.clone(), vec![], 8);
    let end = honest.claim_at(100);
    let mut wrong_end = end;
    wrong_end.gas_used += 1;
    let assertion = Assertion {
        steps: 100,
        end: wrong_end,
    };
    let fresh = || Referee::new(start, &assertion, 8, InboxAccumulators::default());
    let segment = match fresh().phase().clone() {
        Phase::Dissect(s) => s,
        other => panic!("{other:?}"),
    };
    let cuts = cut_points(0, 100, 8);
    let mut claims = honest.dissect(&segment, &cuts);
    *claims.last_mut().unwrap() = wrong_end;

    // Out of turn: refused, and nothing changes.
    let mut referee = fresh();
    assert_eq!(
        referee.choose(0),
        Err(MoveError::NotYourTurn("the challenger"))
    );
    assert_eq!(
        referee.prove(None),
        Err(MoveError::NotYourTurn("the challenger"))
    );
    assert_eq!(referee.winner(), None);
    referee.dissect(claims.clone()).unwrap();
    assert_eq!(
        referee.dissect(vec![]),
        Err(MoveError::NotYourTurn("the asserter"))
    );
    assert_eq!(referee.winner(), None);

    // Each malformed move loses the game for the party that made it.
    let mut referee = fresh();
    assert_eq!(
        referee.dissect(vec![start, end]),
        Err(MoveError::WrongClaimCount {
            expected: 9,
            got: 2
        })
    );
    assert_eq!(referee.winner(), Some(Role::Challenger));

    let mut referee = fresh();
    let mut true_end = claims.clone();
    *true_end.last_mut().unwrap() = end;
    assert_eq!(referee.dissect(true_end), Err(MoveError::EndsDoNotMatch));
    assert_eq!(referee.winner(), Some(Role::Challenger));

    let mut referee = fresh();
    referee.dissect(claims.clone()).unwrap();
    assert_eq!(referee.choose(8), Err(MoveError::NoSuchPart(8)));
    assert_eq!(referee.winner(), Some(Role::Asserter));

    let mut referee = fresh();
    referee.dissect(claims.clone()).unwrap();
    assert_eq!(
        referee.choose(usize::MAX),
        Err(MoveError::NoSuchPart(usize::MAX))
    );
    assert_eq!(referee.winner(), Some(Role::Asserter));

    // A party that cannot move in time loses.
    let mut referee = fresh();
    referee.dissect(claims).unwrap();
    referee.choose(7).unwrap();
    assert_eq!(referee.forfeit("timed out"), Role::Challenger);
    assert_eq!(referee.winner(), Some(Role::Challenger));
}
