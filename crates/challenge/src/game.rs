//! Playing a challenge between two parties before a referee.

use std::time::Instant;

use avm_machine::Machine;
use avm_verifier::{Claim, InboxAccumulators};

use crate::party::Party;
use crate::referee::{Assertion, Phase, Referee, Role, Round};
use crate::segment::cut_points;

/// How a game went.
#[derive(Clone, Debug)]
pub struct GameReport {
    /// The agreed start the game was played from.
    pub start: Claim,
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

/// The agreed start of a game over `machine`. Both parties and the referee know the
/// program and where it stands (on chain: the last confirmed state), so the start is
/// computed from it, never taken from either party's word.
pub fn start_claim(machine: &Machine) -> Claim {
    avm_prover::claim(&mut machine.clone())
}

/// Plays a challenge over `steps` steps from the agreed `start`, dissecting into
/// `degree` parts, with the referee knowing the inbox's accumulators.
pub fn play(
    start: Claim,
    steps: u64,
    degree: u64,
    inbox: InboxAccumulators,
    asserter: &mut dyn Party,
    challenger: &mut dyn Party,
) -> GameReport {
    play_with(
        start,
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
    start: Claim,
    steps: u64,
    degree: u64,
    inbox: InboxAccumulators,
    asserter: &mut dyn Party,
    challenger: &mut dyn Party,
    dispute: Dispute,
) -> GameReport {
    let started = Instant::now();
    let assertion = Assertion {
        steps,
        end: asserter.claim_at(steps),
    };
    let challenger_end = challenger.claim_at(steps);
    let mut report = GameReport {
        start,
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
        let mut referee = Referee::new(start, &assertion, degree, inbox);
        let (winner, reason) = referee_loop(&mut referee, asserter, challenger);
        report.winner = winner;
        report.reason = reason;
        report.rounds = referee.rounds().to_vec();
        report.bytes = referee.bytes_exchanged();
    }
    report.asserter_steps = asserter.steps_executed();
    report.challenger_steps = challenger.steps_executed();
    report.seconds = started.elapsed().as_secs_f64();
    report
}

/// Asks the party whose turn it is for its move until the game is over. A refused
/// move ends the game inside the referee, so its error needs no handling here.
fn referee_loop(
    referee: &mut Referee,
    asserter: &mut dyn Party,
    challenger: &mut dyn Party,
) -> (Role, String) {
    loop {
        match referee.phase().clone() {
            Phase::Dissect(segment) => {
                let cuts = cut_points(segment.from, segment.to, referee.degree());
                let claims = asserter.dissect(&segment, &cuts);
                let _refused_and_lost = referee.dissect(claims);
            }
            Phase::Choose { segment, claims } => {
                let cuts = cut_points(segment.from, segment.to, referee.degree());
                match challenger.choose(&segment, &cuts, &claims) {
                    None => {
                        referee.forfeit("it agrees with every part");
                    }
                    Some(i) => {
                        let _refused_and_lost = referee.choose(i);
                    }
                }
            }
            Phase::Prove(segment) => {
                let proof = challenger.prove(segment.from, &segment.start);
                let _refused_and_lost = referee.prove(proof.as_ref());
            }
            Phase::Over { winner, reason } => return (winner, reason),
        }
    }
}

/// The number of dissection rounds a dispute over `steps` steps takes at `degree`
/// when every chosen part is a longest one: ceil(log_degree(steps)).
pub fn expected_rounds(steps: u64, degree: u64) -> u32 {
    let degree = degree.max(2);
    let mut len = steps;
    let mut rounds: u32 = 0;
    while len > 1 {
        len = len.div_ceil(degree);
        rounds = rounds.saturating_add(1);
    }
    rounds
}
