//! Playing a challenge between two parties before a referee.

use std::time::Instant;

use avm_verifier::InboxAccumulators;

use crate::party::Party;
use crate::referee::{cut_points, Assertion, Phase, Referee, Role, Round};

/// How a game went.
#[derive(Clone, Debug)]
pub struct GameReport {
    /// The assertion played over.
    pub assertion: Assertion,
    /// Whether the challenger disputed the assertion at all.
    pub disputed: bool,
    /// Who won (the asserter when there was no dispute).
    pub winner: Role,
    /// Why.
    pub reason: String,
    /// The dissection rounds.
    pub rounds: Vec<Round>,
    /// Bytes sent to the referee.
    pub bytes: u64,
    /// Steps the asserter executed.
    pub asserter_steps: u64,
    /// Steps the challenger executed.
    pub challenger_steps: u64,
    /// Wall time of the whole game, in seconds.
    pub seconds: f64,
}

/// When the challenger starts a dispute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dispute {
    /// When its own end claim differs from the assertion's.
    IfItDisagrees,
    /// Always: it audits the asserter's dissections even of a correct end claim (a
    /// wrong intermediate claim is then caught like a wrong end).
    Always,
}

/// Plays a challenge over `steps` steps from the parties' common start, dissecting
/// into `degree` parts, with the referee knowing the inbox's accumulators.
pub fn play(
    steps: u64,
    degree: u64,
    inbox: InboxAccumulators,
    asserter: &mut dyn Party,
    challenger: &mut dyn Party,
) -> GameReport {
    play_with(
        steps,
        degree,
        inbox,
        asserter,
        challenger,
        Dispute::IfItDisagrees,
    )
}

/// [`play`], choosing when the challenger disputes.
pub fn play_with(
    steps: u64,
    degree: u64,
    inbox: InboxAccumulators,
    asserter: &mut dyn Party,
    challenger: &mut dyn Party,
    dispute: Dispute,
) -> GameReport {
    let started = Instant::now();
    let assertion = Assertion {
        start: asserter.claim_at(0),
        steps,
        end: asserter.claim_at(steps),
    };
    let challenger_end = challenger.claim_at(steps);
    let mut report = GameReport {
        assertion,
        disputed: challenger_end != assertion.end || dispute == Dispute::Always,
        winner: Role::Asserter,
        reason: "the challenger agrees with the assertion".into(),
        rounds: Vec::new(),
        bytes: 0,
        asserter_steps: 0,
        challenger_steps: 0,
        seconds: 0.0,
    };
    if report.disputed {
        let mut referee = Referee::new(&assertion, degree, inbox);
        loop {
            match referee.phase().clone() {
                Phase::Dissect(segment) => {
                    let cuts = cut_points(segment.from, segment.to, degree.max(2));
                    let claims = asserter.dissect(&segment, &cuts);
                    if let Err(e) = referee.dissect(claims) {
                        referee.forfeit(&e.to_string());
                    }
                }
                Phase::Choose { segment, claims } => {
                    let cuts = cut_points(segment.from, segment.to, degree.max(2));
                    match challenger.choose(&segment, &cuts, &claims) {
                        None => {
                            referee.forfeit("it agrees with every part");
                        }
                        Some(i) => {
                            if let Err(e) = referee.choose(i) {
                                referee.forfeit(&e.to_string());
                            }
                        }
                    }
                }
                Phase::Prove(segment) => {
                    let proof = challenger.prove(segment.from, &segment.start);
                    if let Err(e) = referee.prove(proof.as_ref()) {
                        referee.forfeit(&e.to_string());
                    }
                }
                Phase::Over { winner, reason } => {
                    report.winner = winner;
                    report.reason = reason;
                    break;
                }
            }
        }
        report.rounds = referee.rounds().to_vec();
        report.bytes = referee.bytes_exchanged();
    }
    report.asserter_steps = asserter.steps_executed();
    report.challenger_steps = challenger.steps_executed();
    report.seconds = started.elapsed().as_secs_f64();
    report
}

/// The number of dissection rounds a dispute over `steps` steps takes at `degree`
/// when every chosen part is a longest one: ceil(log_degree(steps)).
pub fn expected_rounds(steps: u64, degree: u64) -> u32 {
    let degree = degree.max(2);
    let mut len = steps;
    let mut rounds = 0;
    while len > 1 {
        len = len.div_ceil(degree);
        rounds += 1;
    }
    rounds
}
