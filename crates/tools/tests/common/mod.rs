//! Shared by the tools' tests: the example programs of the repository.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use avm_code::Program;
use avm_tools::assemble;
use avm_value::ValueLimits;

/// The repository's examples directory.
pub fn examples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

/// Assembles `examples/NAME.avm`.
pub fn example(name: &str) -> Program {
    let path = examples().join(format!("{name}.avm"));
    let text = std::fs::read_to_string(&path).unwrap();
    assemble(&text, &format!("{name}.avm"), &ValueLimits::default())
        .unwrap_or_else(|e| panic!("{}:{e}", path.display()))
}
