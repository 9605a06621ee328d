//! One module per subcommand.

pub mod hash;
pub mod info;
pub mod prove;
pub mod run;
pub mod verify;
