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
