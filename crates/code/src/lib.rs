//! AVM code: what instructions exist, how code is stored and hashed, and how programs
//! are loaded.
//!
//! - [`opcode`]: the single table of opcodes (byte, mnemonic, pops, aux pops, gas,
//!   pushes, and where the block engine may run it).
//! - [`Ready`]: the record the execution engine runs each code point from.
//! - [`Segment`]: an instruction array executed by index, with the CodePoint hash of
//!   every index computed once as code is added.
//! - [`Code`]: all segments of a machine; loaded code and code created at run time.
//! - [`mexe`]: the .mexe loader for every dialect found in real programs, and
//!   [`write_mexe`], its inverse.

mod code;
mod file;
mod forward_refs;
pub mod mexe;
mod mexe_writer;
pub mod opcode;
mod program_code;
mod ready;
mod segment;

pub use code::{Code, CodeError};
pub use file::{read_file_bounded, ReadFileError};
pub use mexe::{load_mexe, parse_mexe, DebugInfo, LoadError, LoadOptions, Program, SourceLocation};
pub use mexe_writer::write_mexe;
pub use opcode::{
    category_of, classic_op, info_for_byte, mnemonic_for_byte, BlockRole, ClassicOp, OpInfo,
    Opcode, CLASSIC_INVALID_VERIFIER, OPCODES,
};
pub use ready::{Form, Fused, Ready};
pub use segment::{Instruction, Segment};
