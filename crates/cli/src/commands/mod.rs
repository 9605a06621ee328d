//! One module per subcommand.

pub mod challenge;
pub mod checkpoints;
pub mod hash;
pub mod info;
pub mod prove;
pub mod resume;
pub mod run;
pub mod verify;
