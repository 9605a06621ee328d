//! The one Classic move loop, with the referee as a parameter ([`ClassicJudge`]): the
//! native rules ([`ClassicReferee`]) or the deployed contract (crates/l1). The
//! challenger moves first, each move is mined in the next block, and the game ends as
//! on L1, by `timeout()` once the party on turn has no move (a proof zeroed the state,
//! its move reverted, or it stays silent) and its blocks have run out.

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

/// The largest time budget a game takes, in blocks (about 1,600 years of 12-second
/// blocks): beyond it the blocks a timeout needs leave 64-bit block numbers and
/// timestamps.
pub const MAX_TIME_LEFT: u64 = u32::MAX as u64;

/// The most moves one party can have to make in a game over a segment of `length`
/// AVMGas at `degree`: every bisection cuts a chunk into `min(length, degree)` parts,
/// the first (the largest) `length / n + length % n` long, until a chunk is one
/// AVMGas (or one step) and is proven; the parties alternate, the challenger first,
/// and each move costs its sender at least one block of its time.
pub fn most_moves_per_party(length: u64, degree: u64) -> u64 {
    let degree = degree.max(2);
    let mut chunk = length;
    let mut bisections: u64 = 0;
    while chunk > 1 {
        let parts = chunk.min(degree);
        // `parts` is at least 2 here: the divisions cannot fail.
        chunk = chunk
            .checked_div(parts)
            .unwrap_or_default()
            .saturating_add(chunk.checked_rem(parts).unwrap_or_default());
        bisections = bisections.saturating_add(1);
    }
    // Bisections and the proof, shared out: the challenger moves first.
    bisections.saturating_add(1).div_ceil(2)
}

/// Why a game's time budgets cannot make a fair game.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BudgetError {
    /// A party has fewer blocks than moves it may have to make.
    #[error(
        "the {role} has {have} blocks to move in, but a game over {length} AVMGas may take \
         {need} moves of it (one block each): it could lose by timeout however right it is"
    )]
    TooSmall {
        /// Whose budget.
        role: &'static str,
        /// The budget.
        have: u64,
        /// The moves it may have to make.
        need: u64,
        /// The disputed segment's length.
        length: u64,
    },
    /// A budget so large the blocks a timeout needs leave 64 bits.
    #[error("the {role} has {have} blocks to move in: more than the {max} the referee chain's 64-bit block numbers and timestamps allow")]
    TooLarge {
        /// Whose budget.
        role: &'static str,
        /// The budget.
        have: u64,
        /// The largest one taken.
        max: u64,
    },
}

impl GameConfig {
    /// Checks that both parties have the time to make every move a game over a
    /// segment of `length` AVMGas may ask of them, and no more time than the chain's
    /// blocks can count.
    pub fn check_budgets(&self, length: u64) -> Result<(), BudgetError> {
        let need = most_moves_per_party(length, self.degree);
        for (role, have) in [
            ("asserter", self.asserter_time_left),
            ("challenger", self.challenger_time_left),
        ] {
            if have < need {
                return Err(BudgetError::TooSmall {
                    role,
                    have,
                    need,
                    length,
                });
            }
            if have > MAX_TIME_LEFT {
                return Err(BudgetError::TooLarge {
                    role,
                    have,
                    max: MAX_TIME_LEFT,
                });
            }
        }
        Ok(())
    }
}

/// A referee of Classic games: what the move loop needs from one.
pub trait ClassicJudge {
    /// What the referee says of a move (at least whether it was accepted).
    type Verdict;
    /// Why the referee could not judge (its chain failed, say).
    type Error;

    /// Starts the challenge over `execution_hash` (in `config.start_block`).
    fn start(
        &mut self,
        execution_hash: Hash,
        max_message_count: u64,
        config: &GameConfig,
    ) -> Result<(), Self::Error>;

    /// Sends `mv` from `by` in block `block`.
    fn apply(
        &mut self,
        by: Role,
        block: u64,
        mv: &ClassicMove,
    ) -> Result<Self::Verdict, Self::Error>;

    /// Whether the verdict accepts the move.
    fn accepted(verdict: &Self::Verdict) -> bool;

    /// The first block in which `timeout()` succeeds against the party on turn.
    fn timeout_block(&mut self) -> Result<u64, Self::Error>;

    /// The winner, once decided.
    fn winner(&mut self) -> Result<Option<Role>, Self::Error>;

    /// The error for a game that ended undecided (`timeout()` refused when it should
    /// pass, or too many moves).
    fn undecided(why: String) -> Self::Error;
}

/// One transaction of a game, with the referee's verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Played<V> {
    /// Who sent it.
    pub by: Role,
    /// The block it was mined in.
    pub block: u64,
    /// The call.
    pub mv: ClassicMove,
    /// What the referee made of it.
    pub verdict: V,
}

/// A game played before a judge.
#[derive(Clone, Debug)]
pub struct Game<V> {
    /// Whether the challenger disputed the assertion (if not, there is no game and
    /// the asserter stands).
    pub disputed: bool,
    /// Every transaction, refused ones included.
    pub moves: Vec<Played<V>>,
    /// Accepted bisections.
    pub bisections: u64,
    /// The winner.
    pub winner: Role,
}

/// No game is longer than this many transactions (each bisection divides the segment
/// by up to the degree, so a real one takes a few dozen at most).
pub const MAX_MOVES: usize = 1_000;

/// Plays `assertion` out between `asserter` and `challenger` before `judge`. The
/// assertion must have an execution hash (its end not before its start).
pub fn play<J: ClassicJudge>(
    judge: &mut J,
    assertion: &ClassicAssertion,
    config: &GameConfig,
    asserter: &mut dyn ClassicParty,
    challenger: &mut dyn ClassicParty,
) -> Result<Game<J::Verdict>, J::Error> {
    let mut game = Game {
        disputed: false,
        moves: Vec::new(),
        bisections: 0,
        winner: Role::Asserter,
    };
    let (Some(execution_hash), Some(segment)) = (assertion.execution_hash(), assertion.segment())
    else {
        return Err(J::undecided(
            "the assertion ends before it starts: no challenge can be made over it".into(),
        ));
    };
    if !challenger.disputes(assertion) {
        return Ok(game);
    }
    game.disputed = true;
    judge.start(execution_hash, assertion.max_message_count(), config)?;
    let mut prev = Bisection {
        segment,
        cuts: vec![cut_hash(&assertion.before), cut_hash(&assertion.after)],
    };
    let mut turn = Role::Challenger;
    let mut proven = false;
    let mut block = config.start_block;
    while game.moves.len() < MAX_MOVES {
        let party: &mut dyn ClassicParty = match turn {
            Role::Asserter => &mut *asserter,
            Role::Challenger => &mut *challenger,
        };
        let mv = if proven {
            None
        } else {
            party.respond(&prev, config.degree)
        };
        if let Some(mv) = mv {
            block = block.saturating_add(1);
            let verdict = judge.apply(turn, block, &mv)?;
            let accepted = J::accepted(&verdict);
            if accepted {
                match &mv {
                    ClassicMove::Bisect(b) => {
                        prev = Bisection {
                            segment: b.chunk.segment,
                            cuts: b.chain_hashes.clone(),
                        };
                        game.bisections = game.bisections.saturating_add(1);
                    }
                    _ => proven = true,
                }
            }
            game.moves.push(Played {
                by: turn,
                block,
                mv,
                verdict,
            });
            if accepted {
                turn = turn.other();
                continue;
            }
        }
        // The party on turn has no (legal) move: its opponent waits out its blocks
        // and calls timeout().
        block = block.max(judge.timeout_block()?);
        let verdict = judge.apply(turn.other(), block, &ClassicMove::Timeout)?;
        let accepted = J::accepted(&verdict);
        game.moves.push(Played {
            by: turn.other(),
            block,
            mv: ClassicMove::Timeout,
            verdict,
        });
        if !accepted {
            return Err(J::undecided(format!(
                "timeout() refused in block {block}, the first the referee should allow it"
            )));
        }
        break;
    }
    game.winner = judge
        .winner()?
        .ok_or_else(|| J::undecided(format!("undecided after {} moves", game.moves.len())))?;
    Ok(game)
}

/// The native referee as a judge (it is made when the game starts).
#[derive(Debug, Default)]
pub struct NativeJudge {
    /// The referee, once the challenge started.
    pub referee: Option<ClassicReferee>,
}

impl ClassicJudge for NativeJudge {
    type Verdict = Result<Accepted, ClassicRevert>;
    type Error = String;

    fn start(
        &mut self,
        execution_hash: Hash,
        max_message_count: u64,
        config: &GameConfig,
    ) -> Result<(), String> {
        self.referee = Some(ClassicReferee::new(
            execution_hash,
            max_message_count,
            config.asserter_time_left,
            config.challenger_time_left,
            config.start_block,
            config.degree,
        ));
        Ok(())
    }

    fn apply(
        &mut self,
        by: Role,
        block: u64,
        mv: &ClassicMove,
    ) -> Result<Result<Accepted, ClassicRevert>, String> {
        let referee = self.referee.as_mut().ok_or("no challenge started")?;
        Ok(referee.apply(by, block, mv))
    }

    fn accepted(verdict: &Result<Accepted, ClassicRevert>) -> bool {
        verdict.is_ok()
    }

    fn timeout_block(&mut self) -> Result<u64, String> {
        Ok(self
            .referee
            .as_ref()
            .ok_or("no challenge started")?
            .timeout_block())
    }

    fn winner(&mut self) -> Result<Option<Role>, String> {
        Ok(self.referee.as_ref().and_then(ClassicReferee::winner))
    }

    fn undecided(why: String) -> String {
        why
    }
}

impl<J: ClassicJudge + ?Sized> ClassicJudge for &mut J {
    type Verdict = J::Verdict;
    type Error = J::Error;

    fn start(
        &mut self,
        execution_hash: Hash,
        max_message_count: u64,
        config: &GameConfig,
    ) -> Result<(), J::Error> {
        (**self).start(execution_hash, max_message_count, config)
    }

    fn apply(&mut self, by: Role, block: u64, mv: &ClassicMove) -> Result<J::Verdict, J::Error> {
        (**self).apply(by, block, mv)
    }

    fn accepted(verdict: &J::Verdict) -> bool {
        J::accepted(verdict)
    }

    fn timeout_block(&mut self) -> Result<u64, J::Error> {
        (**self).timeout_block()
    }

    fn winner(&mut self) -> Result<Option<Role>, J::Error> {
        (**self).winner()
    }

    fn undecided(why: String) -> J::Error {
        J::undecided(why)
    }
}

/// A judge with the native referee judging every move beside it: the judge's verdict
/// decides, the native one is kept for comparison.
#[derive(Debug)]
pub struct WithNative<J> {
    /// The judge that decides.
    pub judge: J,
    /// The native referee beside it.
    pub native: NativeJudge,
}

impl<J> WithNative<J> {
    /// `judge` with a native referee beside it.
    pub fn new(judge: J) -> WithNative<J> {
        WithNative {
            judge,
            native: NativeJudge::default(),
        }
    }
}

impl<J: ClassicJudge> ClassicJudge for WithNative<J> {
    type Verdict = (J::Verdict, Result<Accepted, ClassicRevert>);
    type Error = J::Error;

    fn start(
        &mut self,
        execution_hash: Hash,
        max_message_count: u64,
        config: &GameConfig,
    ) -> Result<(), J::Error> {
        self.native
            .start(execution_hash, max_message_count, config)
            .map_err(J::undecided)?;
        self.judge.start(execution_hash, max_message_count, config)
    }

    fn apply(&mut self, by: Role, block: u64, mv: &ClassicMove) -> Result<Self::Verdict, J::Error> {
        let native = self.native.apply(by, block, mv).map_err(J::undecided)?;
        Ok((self.judge.apply(by, block, mv)?, native))
    }

    fn accepted(verdict: &Self::Verdict) -> bool {
        J::accepted(&verdict.0)
    }

    fn timeout_block(&mut self) -> Result<u64, J::Error> {
        self.judge.timeout_block()
    }

    fn winner(&mut self) -> Result<Option<Role>, J::Error> {
        self.judge.winner()
    }

    fn undecided(why: String) -> J::Error {
        J::undecided(why)
    }
}

/// One transaction of a game before the native referee.
pub type MoveRecord = Played<Result<Accepted, ClassicRevert>>;

/// How a Classic game before the native referee went.
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

/// Plays `assertion` out between `asserter` and `challenger` on the native referee.
/// An assertion ending before it starts is lost by the asserter (no rollup takes it).
pub fn play_classic(
    assertion: &ClassicAssertion,
    config: &GameConfig,
    asserter: &mut dyn ClassicParty,
    challenger: &mut dyn ClassicParty,
) -> ClassicGameReport {
    let mut judge = NativeJudge::default();
    let outcome = if assertion.execution_hash().is_none() {
        Err(String::new())
    } else {
        play(&mut judge, assertion, config, asserter, challenger)
    };
    let (disputed, winner, moves, bisections) = match outcome {
        Ok(game) => (game.disputed, game.winner, game.moves, game.bisections),
        // Only an assertion ending before it starts, or a referee refusing its own
        // timeout (which the native one never does), gets here.
        Err(_) => (true, Role::Challenger, Vec::new(), 0),
    };
    ClassicGameReport {
        assertion: *assertion,
        disputed,
        winner,
        moves,
        bisections,
        asserter_steps: asserter.steps_executed(),
        challenger_steps: challenger.steps_executed(),
    }
}
