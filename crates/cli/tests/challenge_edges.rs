//! The edges an audit of the Classic game found, each reproduced through the CLI from
//! the repository root with the expected behaviour: a clear error (exit 2) that names
//! what is wrong, never a panic, never a game played to a liar's win, never a word that
//! says what did not happen.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::PathBuf;

mod common;
use common::{avm, json};

const MATH: &str = "../shared/fixtures/classic/machine-cases/opcodetestmath.mexe";
const HALT: &str = "../shared/fixtures/classic/machine-cases/opcodehalt.mexe";
const ECHO: &str = "examples/echo.mexe";

/// `avm challenge` on MATH, the Classic game with an asserter lying about the end,
/// followed by `extra`.
fn lying_asserter<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "challenge",
        MATH,
        "--protocol",
        "classic",
        "--liar",
        "asserter",
        "--strategy",
        "wrong-final",
    ];
    args.extend_from_slice(extra);
    args
}

fn temp(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli_challenge_edges");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn refused(args: &[&str], why: &str) {
    let out = avm(args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(err.contains(why), "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// An inbox file of one L2 message (kind 3 from 0xa11ce) with `gas_price` (hex) and
/// `data`.
fn inbox(name: &str, gas_price: &str, data: &[u8]) -> String {
    inbox_of(name, gas_price, data, 1)
}

/// [`inbox`] with the message `count` times.
fn inbox_of(name: &str, gas_price: &str, data: &[u8], count: usize) -> String {
    let path = temp(name);
    let one = format!(
        r#"{{"Tuple":[{{"Int":"3"}},{{"Int":"64"}},{{"Int":"3e8"}},{{"Int":"a11ce"}},{{"Int":"0"}},{{"Int":"{gas_price}"}},{{"Int":"{:x}"}},{{"Buffer":"{}"}}]}}"#,
        data.len(),
        hex::encode(data)
    );
    std::fs::write(&path, format!("[{}]", vec![one; count].join(","))).unwrap();
    path.display().to_string()
}

#[test]
fn a_gas_price_no_l1_transaction_can_pay_is_named_not_a_panic() {
    let f = inbox(
        "gas-price.json",
        "ffffffffffffffffffffffffffffffff",
        b"hello",
    );
    refused(
        &["challenge", ECHO, "--inbox", &f, "--protocol", "classic"],
        "inbox message 0: gas price 340282366920938463463374607431768211455 is more than an L1 transaction can pay",
    );
    // A transcript whose gasPrice no 30 M gas transaction can pay.
    let t = temp("gas-price-transcript.json");
    let t_text = t.display().to_string();
    json(&lying_asserter(&["--transcript", &t_text, "--json"]));
    let mut transcript: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&t).unwrap()).unwrap();
    transcript["transactions"][3]["gasPrice"] = "0x100000000000000000000000000".into();
    std::fs::write(&t, transcript.to_string()).unwrap();
    refused(&["challenge", "--check-transcript", &t_text], "gasPrice");
}

#[test]
fn a_message_too_large_to_prove_is_refused_up_front() {
    let f = inbox("large.json", "0", &vec![7u8; 117_964]);
    refused(
        &[
            "challenge",
            ECHO,
            "--inbox",
            &f,
            "--protocol",
            "classic",
            "--liar",
            "challenger",
            "--lie-at",
            "3",
        ],
        "can prove an inbox step reading at most 107520 bytes",
    );
    // 100 KB is proven, and the honest asserter wins.
    let f = inbox("100k.json", "0", &vec![7u8; 100_000]);
    let report = json(&[
        "challenge",
        ECHO,
        "--inbox",
        &f,
        "--protocol",
        "classic",
        "--liar",
        "challenger",
        "--lie-at",
        "3",
        "--json",
    ]);
    assert_eq!(report["winner"], "asserter");
    let proofs: Vec<&serde_json::Value> = report["moves"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["function"] == "oneStepProveExecution")
        .collect();
    assert_eq!(proofs.len(), 1);
    assert_eq!(proofs[0]["accepted"], true);
}

#[test]
fn time_budgets_too_small_or_too_large_are_refused() {
    refused(&lying_asserter(&["--time-left", "0"]), "blocks to move in");
    // Three messages: a run over 400 AVMGas, so two bisections and a proof, two moves
    // of the challenger's.
    let f = inbox_of("budget.json", "0", b"hello", 3);
    refused(
        &[
            "challenge",
            ECHO,
            "--inbox",
            &f,
            "--protocol",
            "classic",
            "--liar",
            "challenger",
            "--time-left",
            "1",
        ],
        "blocks to move in",
    );
    refused(
        &lying_asserter(&["--time-left", "18446744073709551615"]),
        "64-bit",
    );
    // The least a party needs is enough.
    let report = json(&lying_asserter(&["--time-left", "2", "--json"]));
    assert_eq!(report["winner"], "challenger");
}

#[test]
fn no_dispute_and_a_lie_past_the_end_are_said_as_they_are() {
    let t = temp("no-dispute.json");
    let _ = std::fs::remove_file(&t);
    let t_text = t.display().to_string();
    let out = avm(&[
        "challenge",
        HALT,
        "--protocol",
        "classic",
        "--transcript",
        &t_text,
    ]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("no challenge was started"), "{text}");
    assert!(!text.contains("winner"), "{text}");
    assert!(
        text.contains("not written: no challenge was started"),
        "{text}"
    );
    assert!(!t.exists());
    let report = json(&["challenge", HALT, "--protocol", "classic", "--json"]);
    assert_eq!(report["winner"], serde_json::Value::Null);
    assert_eq!(report["disputed"], false);

    let out = avm(&[
        "challenge",
        MATH,
        "--protocol",
        "classic",
        "--liar",
        "asserter",
        "--lie-at",
        "999999",
    ]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("past the run's end"), "{text}");
    assert!(!text.contains("the asserter lies"), "{text}");
}

#[test]
fn classic_proofs_of_inbox_steps_carry_the_l1_inbox_or_are_refused() {
    // The example inbox holds no L1 messages: Classic proofs of its inbox steps
    // cannot carry an L1 inbox suffix, so the command says what it lacks.
    let out_file = temp("echo-proofs.json");
    let out_text = out_file.display().to_string();
    refused(
        &[
            "prove",
            ECHO,
            "--inbox",
            "examples/echo-inbox.json",
            "--format",
            "classic",
            "--steps",
            "0..",
            "-o",
            &out_text,
        ],
        "inbox message 0 is not a Classic L1 message",
    );
    // L1 messages: every step verifies, natively and on the contracts, against the
    // L1 inbox they were delivered to.
    let messages = inbox_of("l1-messages.json", "3b9aca00", b"hello", 3);
    let out = avm(&[
        "prove", ECHO, "--inbox", &messages, "--format", "classic", "--steps", "0..", "-o",
        &out_text,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let steps: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&out_file).unwrap()).unwrap();
    let inbox_steps = steps
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| {
            s["Proof"]
                .as_str()
                .is_some_and(|p| p.starts_with("0x72") || p.starts_with("72"))
        })
        .count();
    assert_eq!(
        inbox_steps, 4,
        "three messages and the end-of-block message"
    );
    let native = json(&["verify", &out_text, "--inbox", &messages, "--json"]);
    assert_eq!(native["valid"], true, "{native}");
    let l1 = json(&["verify", &out_text, "--inbox", &messages, "--evm", "--json"]);
    assert_eq!(l1["valid"], true, "{l1}");
    // Without the inbox, the inbox steps cannot be checked, and the verdict says why.
    let out = avm(&["verify", &out_text]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("give the messages with --inbox"));
}

/// The audit's attack on a transcript, through the CLI: the lying asserter's game
/// with the challenger given 0 blocks, every move dropped and an asserter `timeout()`
/// in the next block (its gas figure taken from what the checker reports). It replays
/// exactly, but the check says it was not fair, with and without the program.
#[test]
fn a_transcript_of_an_unfair_clock_is_called_unfair() {
    let t = temp("unfair.json");
    let t_text = t.display().to_string();
    let report = json(&lying_asserter(&["--transcript", &t_text, "--json"]));
    assert_eq!(report["winner"], "challenger");
    // The honest game checks, and the program names the challenger as the truthful one.
    let fair = json(&[
        "challenge",
        "--check-transcript",
        &t_text,
        "--program",
        MATH,
        "--json",
    ]);
    assert_eq!(fair["fair"], true, "{fair}");
    assert_eq!(fair["truthful"], "challenger");
    assert!(fair["disputed"]["execution_hash"]
        .as_str()
        .unwrap()
        .starts_with("0x"));
    assert_eq!(fair["disputed"]["challenger_time_left"], 10);

    let mut transcript: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&t).unwrap()).unwrap();
    let txs = transcript["transactions"].as_array_mut().unwrap();
    let start = txs
        .iter()
        .position(|tx| tx["label"] == "startChallenge")
        .unwrap();
    let input = txs[start]["input"].as_str().unwrap().to_owned();
    // The sixth argument word (challengerTimeLeft) set to 0.
    let at = 2 + 8 + 64 * 5;
    let zeroed = format!("{}{}{}", &input[..at], "0".repeat(64), &input[at + 64..]);
    txs[start]["input"] = zeroed.into();
    let block = txs[start]["block"].as_u64().unwrap() + 1;
    let timestamp = txs[start]["timestamp"].as_u64().unwrap() + 12;
    let asserter = transcript["asserter"].clone();
    let challenge = transcript["challenge"].clone();
    let txs = transcript["transactions"].as_array_mut().unwrap();
    txs.truncate(start + 1);
    txs.push(serde_json::json!({
        "block": block, "timestamp": timestamp, "from": asserter, "to": challenge,
        "input": "0x70dea79a", "value": "0x0", "status": "ok", "gasUsed": 0,
        "label": "asserter timeout",
    }));
    transcript["winner"] = "asserter".into();
    std::fs::write(&t, transcript.to_string()).unwrap();
    // The checker reports the gas each changed transaction takes; put it in, as the
    // audit did, until the transcript replays exactly.
    for _ in 0..4 {
        let first = avm(&["challenge", "--check-transcript", &t_text]);
        let err = String::from_utf8_lossy(&first.stderr).to_string();
        let Some(at) = err.find("gasUsed recorded") else {
            break;
        };
        let index: usize = err[..at]
            .rsplit("transaction ")
            .next()
            .and_then(|t| t.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{err}"));
        let replayed: u64 = err
            .rsplit("replayed ")
            .next()
            .and_then(|g| g.trim().parse().ok())
            .unwrap_or_else(|| panic!("{err}"));
        transcript["transactions"][index]["gasUsed"] = replayed.into();
        std::fs::write(&t, transcript.to_string()).unwrap();
    }

    let out = avm(&["challenge", "--check-transcript", &t_text]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("replays exactly"), "{text}");
    assert!(text.contains("the challenger had 0 blocks"), "{text}");
    let out = avm(&["challenge", MATH, "--check-transcript", &t_text]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("the asserter won, but the challenger's claim was true"),
        "{text}"
    );
}

/// A transcript is an input file like any other: read only up to `--max-file-bytes`,
/// also from a device that never ends.
#[test]
fn a_transcript_is_read_within_the_file_bound() {
    let t = temp("bounded-transcript.json");
    let t_text = t.display().to_string();
    std::fs::write(&t, vec![b' '; 4096]).unwrap();
    refused(
        &[
            "--max-file-bytes",
            "1000",
            "challenge",
            "--check-transcript",
            &t_text,
        ],
        "--max-file-bytes",
    );
    refused(
        &[
            "--max-file-bytes",
            "1000",
            "challenge",
            "--check-transcript",
            "/dev/zero",
        ],
        "larger than the limit of 1000 bytes",
    );
}
