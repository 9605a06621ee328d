//! `avm challenge --protocol classic`: the game on the deployed Challenge contract in
//! an embedded EVM, every strategy in both roles (the honest party wins as the tester
//! recorded it), transcripts written with --transcript replaying with
//! --check-transcript, and a tampered one failing with its first difference.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};

mod common;
use common::{avm, json};

fn temp(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli_challenge_classic");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

const MATH: &str = "../shared/fixtures/classic/machine-cases/opcodetestmath.mexe";
const ARBOS: &str = "../shared/fixtures/arbos/arbos-v58.mexe";
const BOOT: &str = "../shared/fixtures/arbos/benchmarks/boot.aoslog";
const STRATEGIES: [&str; 6] = [
    "lie-at",
    "wrong-final",
    "wrong-intermediate",
    "picks-agreed",
    "forged-proof",
    "silent",
];

#[test]
fn the_honest_party_wins_every_classic_game_and_its_transcript_replays() {
    for (program, replay) in [(MATH, None), (ARBOS, Some(BOOT))] {
        for strategy in STRATEGIES {
            for liar in ["asserter", "challenger"] {
                let name = format!(
                    "{}-{strategy}-{liar}.json",
                    Path::new(program).file_stem().unwrap().to_string_lossy()
                );
                let path = temp(&name);
                let path_text = path.display().to_string();
                let mut args = vec!["challenge", program, "--protocol", "classic"];
                if let Some(log) = replay {
                    args.extend(["--replay", log]);
                }
                args.extend([
                    "--liar",
                    liar,
                    "--strategy",
                    strategy,
                    "--transcript",
                    &path_text,
                    "--json",
                ]);
                let report = json(&args);
                let honest = if liar == "asserter" {
                    "challenger"
                } else {
                    "asserter"
                };
                assert_eq!(report["winner"], honest, "{name}: {report}");
                assert_eq!(report["disputed"], true);
                let moves = report["moves"].as_array().unwrap();
                assert_eq!(moves.last().unwrap()["function"], "timeout", "{name}");
                for m in moves {
                    if m["by"] == honest {
                        assert_eq!(m["accepted"], true, "{name}: {m}");
                    }
                    assert!(m["gas"].as_u64().unwrap() > 21_000);
                }
                let check = json(&["challenge", "--check-transcript", &path_text, "--json"]);
                assert_eq!(check["replays"], true);
                assert_eq!(check["winner"], honest, "{name}");
                assert_eq!(
                    check["move_gas"].as_array().unwrap().len(),
                    moves.len(),
                    "{name}"
                );
            }
        }
    }
}

#[test]
fn a_tampered_transcript_fails_with_its_first_difference() {
    let path = temp("tampered.json");
    let path_text = path.display().to_string();
    json(&[
        "challenge",
        MATH,
        "--protocol",
        "classic",
        "--liar",
        "challenger",
        "--transcript",
        &path_text,
        "--json",
    ]);
    let text = std::fs::read_to_string(&path).unwrap();
    let mut transcript: serde_json::Value = serde_json::from_str(&text).unwrap();
    transcript["winner"] = "challenger".into();
    std::fs::write(&path, transcript.to_string()).unwrap();
    let out = avm(&["challenge", "--check-transcript", &path_text]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("does not replay: winner: recorded challenger, replayed asserter"),
        "{err}"
    );
}

#[test]
fn classic_options_are_checked() {
    let refused = |args: &[&str], says: &str| {
        let out = avm(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{args:?}: {err}");
    };
    refused(
        &[
            "challenge",
            MATH,
            "--protocol",
            "classic",
            "--liar",
            "asserter",
            "--strategy",
            "stops-at",
        ],
        "not a Classic strategy",
    );
    refused(
        &["challenge", MATH, "--protocol", "classic", "--gas", "9..3"],
        "B must exceed A",
    );
    refused(
        &[
            "challenge",
            MATH,
            "--protocol",
            "classic",
            "--hardfork",
            "frontier",
        ],
        "unknown",
    );
    refused(&["challenge", MATH], "--steps N is required");
    refused(
        &[
            "challenge",
            MATH,
            "--steps",
            "9",
            "--liar",
            "asserter",
            "--strategy",
            "silent",
        ],
        "Classic strategy",
    );
    refused(
        &[
            "challenge",
            MATH,
            "--protocol",
            "classic",
            "--inbox",
            "examples/echo-inbox.json",
        ],
        "a Classic inbox holds L1 messages",
    );
    // A gas range: the assertion covers it.
    let report = json(&[
        "challenge",
        MATH,
        "--protocol",
        "classic",
        "--gas",
        "100..400",
        "--liar",
        "asserter",
        "--json",
    ]);
    assert_eq!(report["winner"], "challenger");
    assert!(report["assertion"]["start_gas"].as_u64().unwrap() >= 100);
    assert!(report["assertion"]["end_gas"].as_u64().unwrap() <= 400 + 100);
}
