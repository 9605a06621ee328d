//! The interactive challenge: two parties who disagree about N steps of execution
//! narrow the disagreement to one step by bisection, and the one-step verifier decides.
//!
//! - [`Referee`]: the on-chain role; it holds only claims and hashes, enforces turns,
//!   rejects malformed moves and runs the verifier at the end.
//! - [`Party`]: a side's strategy. [`HonestParty`] derives claims from its own runs,
//!   re-running only the disputed part from snapshots; [`Liar`] lies in one of several
//!   ways, and loses.
//! - [`play`]: a whole game, with rounds, bytes exchanged, steps and time.

mod game;
mod party;
mod referee;

pub use game::{expected_rounds, play, play_with, Dispute, GameReport};
pub use party::{HonestParty, Liar, Lie, Party};
pub use referee::{cut_points, Assertion, MoveError, Phase, Referee, Role, Round, Segment};
