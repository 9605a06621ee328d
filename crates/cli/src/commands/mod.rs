//! One module per subcommand.

pub mod asm;
pub mod bench;
pub mod challenge;
pub mod challenge_classic;
pub mod checkpoints;
pub mod debug;
pub mod disasm;
pub mod hash;
pub mod info;
pub mod l1;
pub mod node;
pub mod profile;
pub mod prove;
pub mod replay;
pub mod resume;
pub mod run;
pub mod verify;
pub mod verify_classic;
