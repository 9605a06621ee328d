//! One module per subcommand.

pub mod hash;
pub mod info;
pub mod run;
