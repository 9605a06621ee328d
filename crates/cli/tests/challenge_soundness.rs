//! `avm challenge` where it used to hide unsoundness: a lie at step 0 (the start) is
//! played as asked, not raised to step 1, and `--steps` past the point where the run
//! halts, errors to a stop or blocks on its inbox asserts the run up to there (its
//! stopped state repeated), instead of being refused. The honest party wins in both
//! roles.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::{avm, json};

const ECHO: &str = "examples/echo.mexe";
const ECHO_INBOX: &str = "examples/echo-inbox.json";
const HALTS_AT_49: &str = "../shared/fixtures/classic/machine-cases/opcodeteststack.mexe";
const ERRORS_AT_21: &str = "../shared/fixtures/classic/machine-cases/buffer_test.mexe";
const LOOP: &str = "../shared/fixtures/classic/speedtest/dup2_dup2_dup2_tset_0_1.mexe";

/// A challenge of `program` (with `inbox`) over `steps` steps, `liar` lying at `at`.
fn lie_at(
    program: &str,
    inbox: Option<&str>,
    steps: u64,
    liar: &str,
    at: u64,
) -> serde_json::Value {
    let (steps, at) = (steps.to_string(), at.to_string());
    let mut args = vec![program, "--steps", &steps, "--degree", "3"];
    if let Some(inbox) = inbox {
        args.extend(["--inbox", inbox]);
    }
    args.extend(["--liar", liar, "--lie-at", &at, "--json"]);
    args.insert(0, "challenge");
    json(&args)
}

fn honest_winner(liar: &str) -> &'static str {
    if liar == "asserter" {
        "challenger"
    } else {
        "asserter"
    }
}

#[test]
fn a_lie_at_step_0_is_played_and_the_honest_party_wins() {
    for liar in ["asserter", "challenger"] {
        for (program, inbox) in [(LOOP, None), (ECHO, Some(ECHO_INBOX)), (HALTS_AT_49, None)] {
            let out = lie_at(program, inbox, 100, liar, 0);
            assert_eq!(out["strategy"], "lie-at-0", "{out}");
            assert_eq!(out["winner"], honest_winner(liar), "{program}: {out}");
            assert_eq!(out["disputed"], true);
        }
    }
}

#[test]
fn steps_past_a_block_assert_the_run_up_to_the_block() {
    // Without an inbox, echo blocks at its first `inbox`, after 2 steps; with three
    // messages it blocks after 20.
    for (inbox, stop) in [(None, 2u64), (Some(ECHO_INBOX), 20)] {
        let mut args = vec!["challenge", ECHO, "--steps", "100", "--json"];
        if let Some(inbox) = inbox {
            args.extend(["--inbox", inbox]);
        }
        let honest = json(&args);
        assert_eq!(honest["disputed"], false, "{honest}");
        assert_eq!(honest["stopped"], "blocked");
        assert_eq!(honest["executed_steps"], stop);
        for liar in ["asserter", "challenger"] {
            for at in [0, 1, stop - 1, stop, stop + 1, 99, 100] {
                let out = lie_at(ECHO, inbox, 100, liar, at);
                assert_eq!(
                    out["winner"],
                    honest_winner(liar),
                    "{liar} lying at {at} (block at {stop}): {out}"
                );
            }
        }
    }
}

#[test]
fn steps_past_a_halt_or_an_error_assert_the_run_up_to_the_stop() {
    for (program, stop, how) in [
        (HALTS_AT_49, 49u64, "halted"),
        (ERRORS_AT_21, 21, "errorstop"),
    ] {
        let steps = stop * 3;
        let honest = json(&[
            "challenge",
            program,
            "--steps",
            &steps.to_string(),
            "--json",
        ]);
        assert_eq!(honest["disputed"], false, "{honest}");
        assert_eq!(honest["stopped"], how);
        assert_eq!(honest["executed_steps"], stop);
        for liar in ["asserter", "challenger"] {
            for at in [0, stop - 1, stop, stop + 1, steps] {
                let out = lie_at(program, None, steps, liar, at);
                assert_eq!(
                    out["winner"],
                    honest_winner(liar),
                    "{program}: {liar} lying at {at}: {out}"
                );
            }
            let steps = steps.to_string();
            let out = json(&[
                "challenge",
                program,
                "--steps",
                &steps,
                "--liar",
                liar,
                "--strategy",
                "wrong-final",
                "--json",
            ]);
            assert_eq!(out["winner"], honest_winner(liar), "{out}");
        }
    }
}

#[test]
fn a_degree_beyond_the_referees_limit_is_refused() {
    let out = avm(&["challenge", LOOP, "--steps", "10", "--degree", "100000"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--degree"));
}

#[test]
fn a_liar_claiming_a_stop_that_did_not_happen_or_steps_that_never_ran_loses() {
    // Echo blocks after 20 steps with its three messages. Claiming it stopped at 10
    // is a lie; claiming it kept counting steps past 20 is a lie.
    for (strategy, at, name) in [
        ("stops-at", "10", "stops-at-10"),
        ("never-stops", "5", "never-stops-from-5"),
        ("never-stops", "30", "never-stops-from-30"),
    ] {
        for liar in ["asserter", "challenger"] {
            let out = json(&[
                "challenge",
                ECHO,
                "--inbox",
                ECHO_INBOX,
                "--steps",
                "64",
                "--liar",
                liar,
                "--strategy",
                strategy,
                "--lie-at",
                at,
                "--json",
            ]);
            assert_eq!(out["strategy"], name, "{out}");
            assert_eq!(out["disputed"], true, "{out}");
            assert_eq!(out["winner"], honest_winner(liar), "{strategy} {at}: {out}");
        }
    }
}
