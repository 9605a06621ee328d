//! The interactive challenge: two parties who disagree about N steps of execution
//! narrow the disagreement to one step by bisection, and the one-step verifier decides.
//!
//! - [`Referee`]: the on-chain role; it holds only claims and hashes, enforces turns,
//!   rejects malformed moves (the party that made one loses) and runs the verifier at
//!   the end. The start of the game is the agreed state, never a party's word.
//! - [`Party`]: a side's strategy. [`HonestParty`] derives claims from its own runs,
//!   re-running only the disputed part from snapshots; [`Liar`] lies in one of several
//!   ways, and loses; [`Chaos`] moves as arbitrary bytes say, for fuzzing.
//! - [`play`]: a whole game, with rounds, bytes exchanged, steps and time.
//!
//! A machine that cannot step (halted, in ErrorStop, or blocked on an inbox message
//! the game's inbox does not hold) stays as it is: a run asserted over more steps than
//! it takes ends in its stopped state, repeated, with the step count it really took.

#![deny(clippy::arithmetic_side_effects, clippy::indexing_slicing)]

mod chaos;
pub mod classic;
mod error;
mod game;
mod liar;
mod party;
mod referee;
mod segment;

pub use chaos::Chaos;
pub use error::MoveError;
pub use game::{expected_rounds, play, play_with, start_claim, Dispute, GameReport};
pub use liar::{Liar, Lie};
pub use party::{HonestParty, Party};
pub use referee::{Assertion, Phase, Referee, Role, Round, MAX_DEGREE};
pub use segment::{cut_points, Segment};
