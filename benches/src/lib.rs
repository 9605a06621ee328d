//! Shared helpers for the benchmarks: where the fixtures are, and loading them.

use std::path::{Path, PathBuf};

use avm_code::{load_mexe, LoadOptions, Program};

/// The Arbitrum Classic fixtures (../shared/fixtures/classic from the repository root).
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures/classic")
}

/// Loads a fixture executable; benchmarks cannot run without it.
pub fn load_fixture(rel: &str) -> Program {
    match load_mexe(&fixtures().join(rel), &LoadOptions::default()) {
        Ok(p) => p,
        Err(e) => panic!("fixture {rel}: {e}"),
    }
}

/// The repository's examples directory.
pub fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples")
}

/// Assembles `examples/NAME.avm`; benchmarks cannot run without it.
pub fn example(name: &str) -> Program {
    let path = examples().join(format!("{name}.avm"));
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => panic!("{}: {e}", path.display()),
    };
    match avm_tools::assemble(
        &text,
        &format!("{name}.avm"),
        &avm_value::ValueLimits::default(),
    ) {
        Ok(p) => p,
        Err(e) => panic!("{}:{e}", path.display()),
    }
}
