//! The code store and loader against the Arbitrum Classic fixtures: value hash vectors
//! computed by the production C++ AVM, and every executable it ships.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use avm_code::{load_mexe, LoadOptions};
use avm_value::{marshal, unmarshal, value_hash, CodeView, Hash, ValueLimits};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/classic")
}

fn all_mexe_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in ["", "machine-cases", "speedtest"] {
        for entry in std::fs::read_dir(fixtures().join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "mexe") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn every_value_hash_vector_matches_and_round_trips() {
    let text = std::fs::read_to_string(fixtures().join("value-hashes.json")).unwrap();
    let cases: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    assert_eq!(cases.len(), 15);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let bytes = hex::decode(case["value"].as_str().unwrap()).unwrap();
        let expected: Hash = case["hash"].as_str().unwrap().parse().unwrap();
        let mut code = avm_code::Code::new();
        let value = unmarshal(&bytes, &mut code, &ValueLimits::default())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(value_hash(&value, &code), expected, "hash of {name}");
        let again = marshal(&value, &code, &ValueLimits::default()).unwrap();
        assert_eq!(again, bytes, "marshal round trip of {name}");
    }
}

#[test]
fn every_fixture_executable_loads() {
    let files = all_mexe_files();
    assert!(files.len() >= 70, "found only {} executables", files.len());
    for path in files {
        let program = load_mexe(&path, &LoadOptions::default()).unwrap_or_else(|e| panic!("{e}"));
        let raw: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let count = raw["code"].as_array().unwrap().len();
        assert_eq!(
            program.instruction_count() as usize,
            count,
            "{}",
            path.display()
        );
    }
}

/// Hashes the C++ AVM's tests/machine.cpp expects for the initial ArbOS 2020 machine.
#[test]
fn arbos_2020_code_and_static_hashes_match_the_cpp_avm() {
    let program = load_mexe(&fixtures().join("arbos-2020.mexe"), &LoadOptions::default()).unwrap();
    assert_eq!(program.instruction_count(), 75_754);
    let dec = |s: &str| Hash::from_int(&s.parse().unwrap());
    assert_eq!(
        program.code.code_point_hash(program.entry()),
        dec("94370651106686220754648249265079798778273932128194559331492955050019282050496")
    );
    assert_eq!(
        value_hash(&program.static_value, &program.code),
        dec("113182352889449210665994027227588754290969798016938687372921424809289618385856")
    );
    assert_eq!(
        avm_value::error_code_point_hash(),
        dec("81755589384323691266272576345129881657705914621008081459572116739688988488432")
    );
}

#[test]
fn mini_compiler_debug_locations_are_kept() {
    let program = load_mexe(
        &fixtures().join("machine-cases/bufferopcodetest.mexe"),
        &LoadOptions::default(),
    )
    .unwrap();
    assert_eq!(
        program.debug.locations.len(),
        program.instruction_count() as usize
    );
    let loc = program.location(2).expect("instruction 2 has a location");
    assert_eq!((loc.line, loc.column), (5, 0));
    assert_eq!(
        program
            .debug
            .file_names
            .get(&loc.file_id)
            .map(String::as_str),
        Some("stdlib/bufferopcodetest.mini")
    );
}
