//! Tools for people who write and audit AVM code.
//!
//! - [`assemble`] and [`disassemble`]: AVM assembly (docs/assembly.md) to programs and
//!   back, with the same program hash after a round trip;
//! - [`Tracer`]: one JSON line per step, for a pc range if asked;
//! - [`Debugger`]: a line-oriented debugger that works from a terminal or a pipe;
//! - [`Profiler`]: AVMGas and steps per source line or code region, as a table and a
//!   flamegraph;
//! - [`replay`]: re-running recorded inbox logs (`.aoslog`) and comparing the outputs.
//!
//! All of them name code the same way, through [`Labels`], and print values in the
//! assembly syntax ([`text`]).

pub mod asm;
mod debugger;
mod disasm;
mod labels;
pub mod profile;
pub mod replay;
pub mod text;
pub mod trace;

pub use asm::{assemble, AsmError};
pub use debugger::{Debugger, Reply};
pub use disasm::disassemble;
pub use labels::{Labels, END};
pub use profile::{Profile, Profiler};
pub use trace::Tracer;
