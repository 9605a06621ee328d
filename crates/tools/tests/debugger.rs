//! A scripted debugging session: the debugger driven line by line, as from a pipe.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use avm_testkit::spec_gas::total_gas;
use avm_tools::Debugger;
use common::example;

/// examples/fibonacci.avm: the instructions before the loop head, and one round of the
/// loop (from `loop:` to `cjump`); it logs 20 numbers, so runs 20 rounds, then `halt`.
const ENTRY: [&str; 4] = ["rset", "push", "push", "push"];
const ROUND: [&str; 11] = [
    "dup0", "log", "dup1", "add", "swap1", "swap2", "add", "swap2", "dup2", "rpush", "cjump",
];
const ROUNDS: usize = 20;

fn session(script: &str) -> String {
    let mut debugger = Debugger::new(example("fibonacci"), Vec::new());
    debugger.max_steps = Some(10_000);
    let mut out = Vec::new();
    debugger
        .run_session(script.as_bytes(), &mut out, false)
        .unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn breakpoints_stepping_and_printing_follow_the_program() {
    let out = session(
        "break loop\ncontinue\nprint stack\ncontinue\n\nprint stack\nprint register\nstep 2\nprint logs\nquit\nstep\n",
    );
    // Steps and gas from the spec's cost of each instruction, not from a past run.
    let (entry_gas, round_gas) = (total_gas(&ENTRY), total_gas(&ROUND));
    let (entry_steps, round_steps) = (ENTRY.len(), ROUND.len());
    // The (0-based) step of the `log` of round r.
    let log_step = |r: usize| ENTRY.len() + 1 + r * ROUND.len();
    let (log0, log1, log2) = (log_step(0), log_step(1), log_step(2));
    let expected = format!(
        "\
=> #0 rset loop  (fibonacci.avm:7)
breakpoint 1 at #4 loop: dup0  (fibonacci.avm:13)
breakpoint 1
=> #4 loop: dup0  (fibonacci.avm:13)
(ran {entry_steps} steps, {entry_gas} gas)
  0: 0
  1: 1
  2: 20
(3 items, top first)
breakpoint 1
=> #4 loop: dup0  (fibonacci.avm:13)
(ran {round_steps} steps, {round_gas} gas)
breakpoint 1
=> #4 loop: dup0  (fibonacci.avm:13)
(ran {round_steps} steps, {round_gas} gas)
  0: 1
  1: 2
  2: 18
(3 items, top first)
loop
=> #6 dup1  (fibonacci.avm:15)
0: 0 (step {log0})
1: 1 (step {log1})
2: 1 (step {log2})
(3 logs)
"
    );
    assert_eq!(out, expected);
}

#[test]
fn next_steps_over_and_source_lines_labels_and_indexes_are_breakpoints() {
    let out = session(
        "next\nnext\nbreak fibonacci.avm:22\nbreak #11\nbreak L99\nbreakpoints\ncontinue\ncontinue\ndelete 1\ndelete\ncontinue\n",
    );
    let rset = total_gas(&["rset"]);
    assert!(
        out.contains(&format!(
            "=> #1 push 20  (fibonacci.avm:8)\n(ran 1 steps, {rset} gas)"
        )),
        "{out}"
    );
    assert!(out.contains("=> #2 push 1  (fibonacci.avm:9)"), "{out}");
    assert!(
        out.contains("breakpoint 1 at #13 rpush  (fibonacci.avm:22)"),
        "{out}"
    );
    assert!(
        out.contains("breakpoint 2 at #11 swap2  (fibonacci.avm:20)"),
        "{out}"
    );
    assert!(
        out.contains("no instruction, label or source line `L99`"),
        "{out}"
    );
    assert!(out.contains("breakpoint 2\n=> #11 swap2"), "{out}");
    assert!(out.contains("breakpoint 1\n=> #13 rpush"), "{out}");
    let steps = ENTRY.len() + ROUNDS * ROUND.len() + 1;
    assert!(
        out.contains(&format!(
            "deleted breakpoint 1\ndeleted 1 breakpoints\nhalted after {steps} steps"
        )),
        "{out}"
    );
}

#[test]
fn inbox_hash_info_and_mistakes() {
    let mut debugger = Debugger::new(example("echo"), Vec::new());
    let mut run = |line: &str| debugger.execute(line).text;
    assert!(run("continue").starts_with("blocked: waiting for an inbox message"));
    assert_eq!(
        run("inbox (0, 5, buffer(0x0102))"),
        "queued; 1 message(s) waiting"
    );
    assert!(run("continue").starts_with("blocked"));
    assert!(run("print logs").starts_with("0: (0, 5, buffer(0x0102)) (step 3)"));
    assert!(run("inbox (1, 2").starts_with("bad value: column 1: this `(` is never closed"));
    assert!(run("info").contains("inbox: 1 consumed, 0 waiting"));
    let hash = run("hash");
    assert_eq!(hash.len(), 66);
    assert!(hash.starts_with("0x"));
    assert!(run("frobnicate").contains("unknown command"));
    assert!(run("break").starts_with("break where?"));
    assert!(run("break 99").contains("instructions #0 to #5"));
    assert!(run("print").starts_with("print what?"));
    assert!(debugger.execute("quit").quit);
}

/// ENTRY and ROUND are what examples/fibonacci.avm says, read from its text.
#[test]
fn the_counted_instructions_are_those_of_the_example_source() {
    let text = std::fs::read_to_string(common::examples().join("fibonacci.avm")).unwrap();
    let mnemonics: Vec<&str> = text
        .lines()
        .map(|l| l.split(';').next().unwrap())
        .map(|l| l.rsplit(':').next().unwrap())
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    let expected: Vec<&str> = ENTRY
        .iter()
        .chain(&ROUND)
        .copied()
        .chain(["halt"])
        .collect();
    assert_eq!(mnemonics, expected);
    assert!(text.contains("push 20"), "{ROUNDS} rounds");
}
