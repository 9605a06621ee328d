//! A whole Classic game before the native referee: the challenger moves first, each
//! move is mined in the next block, and the game ends as on L1, by `timeout()` once
//! the party on turn has no move (a proof zeroed the state, its move reverted, or it
//! stays silent) and its blocks have run out.

use avm_value::Hash;

use super::hash::{cut_hash, ClassicAssertion};
use super::moves::ClassicMove;
use super::party::ClassicParty;
use super::referee::{Accepted, ClassicReferee};
use super::revert::ClassicRevert;
use super::segment::{Bisection, CLASSIC_DEGREE};
use crate::referee::Role;

/// The parameters `startChallenge` takes besides the assertion.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GameConfig {
    /// The bisection degree (the tester serves 400).
    pub degree: u64,
    /// The asserter's time, in blocks.
    pub asserter_time_left: u64,
    /// The challenger's time, in blocks.
    pub challenger_time_left: u64,
    /// The block in which the challenge starts.
    pub start_block: u64,
}

impl Default for GameConfig {
    fn default() -> GameConfig {
        GameConfig {
            degree: CLASSIC_DEGREE,
            asserter_time_left: 10,
            challenger_time_left: 10,
            start_block: 1,
        }
    }
}

/// One transaction of a game.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MoveRecord {
    /// Who sent it.
    pub by: Role,
    /// The block it was mined in.
    pub block: u64,
    /// The call.
    pub mv: ClassicMove,
    /// What the referee made of it.
    pub result: Result<Accepted, ClassicRevert>,
}

/// How a Classic game went.
#[derive(Clone, Debug)]
pub struct ClassicGameReport {
    /// The assertion disputed.
    pub assertion: ClassicAssertion,
    /// Whether the challenger disputed it (if not, there is no game and the asserter
    /// stands).
    pub disputed: bool,
    /// The winner, as `timeout()` recorded it.
    pub winner: Role,
    /// Every transaction, reverted ones included.
    pub moves: Vec<MoveRecord>,
    /// Accepted bisections.
    pub bisections: u64,
    /// Steps the asserter executed.
    pub asserter_steps: u64,
    /// Steps the challenger executed.
    pub challenger_steps: u64,
}

/// No game is longer than this many transactions (each bisection divides the segment
/// by up to the degree, so a real one takes a few dozen at most).
const MAX_MOVES: usize = 1_000;

/// Plays `assertion` out between `asserter` and `challenger` on the native referee.
pub fn play_classic(
    assertion: &ClassicAssertion,
    config: &GameConfig,
    asserter: &mut dyn ClassicParty,
    challenger: &mut dyn ClassicParty,
) -> ClassicGameReport {
    let mut report = ClassicGameReport {
        assertion: *assertion,
        disputed: false,
        winner: Role::Asserter,
        moves: Vec::new(),
        bisections: 0,
        asserter_steps: 0,
        challenger_steps: 0,
    };
    let (Some(execution_hash), Some(segment)) = (assertion.execution_hash(), assertion.segment())
    else {
        // An after-state with less gas than the before-state: no rollup takes it.
        report.disputed = true;
        report.winner = Role::Challenger;
        return report;
    };
    if !challenger.disputes(assertion) {
        report.asserter_steps = asserter.steps_executed();
        report.challenger_steps = challenger.steps_executed();
        return report;
    }
    report.disputed = true;
    let mut referee = ClassicReferee::new(
        execution_hash,
        assertion.max_message_count(),
        config.asserter_time_left,
        config.challenger_time_left,
        config.start_block,
        config.degree,
    );
    let mut prev = Bisection {
        segment,
        cuts: vec![cut_hash(&assertion.before), cut_hash(&assertion.after)],
    };
    let mut block = config.start_block;
    while report.moves.len() < MAX_MOVES {
        let turn = referee.turn();
        let party: &mut dyn ClassicParty = match turn {
            Role::Asserter => &mut *asserter,
            Role::Challenger => &mut *challenger,
        };
        let mv = if referee.challenge_state() == Hash::default() {
            None
        } else {
            party.respond(&prev, referee.degree())
        };
        let moved = match mv {
            Some(mv) => {
                block = block.saturating_add(1);
                let result = referee.apply(turn, block, &mv);
                let ok = result.is_ok();
                if let Ok(Accepted::Bisected(b)) = &result {
                    prev = b.clone();
                    report.bisections = report.bisections.saturating_add(1);
                }
                report.moves.push(MoveRecord {
                    by: turn,
                    block,
                    mv,
                    result,
                });
                ok
            }
            None => false,
        };
        if !moved {
            // The party on turn has no (legal) move: its opponent waits out its
            // blocks and calls timeout().
            block = block.max(referee.timeout_block());
            let result = referee.apply(turn.other(), block, &ClassicMove::Timeout);
            let winner = match &result {
                Ok(Accepted::Decided { winner }) => Some(*winner),
                _ => None,
            };
            report.moves.push(MoveRecord {
                by: turn.other(),
                block,
                mv: ClassicMove::Timeout,
                result,
            });
            if let Some(winner) = winner {
                report.winner = winner;
                break;
            }
        }
    }
    report.asserter_steps = asserter.steps_executed();
    report.challenger_steps = challenger.steps_executed();
    report
}
