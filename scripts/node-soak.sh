#!/usr/bin/env bash
# The long form of the node's crash test: `avm node` killed with SIGKILL 5 times (or
# AVM_SOAK_KILLS) in the middle of a stream of 1,000 transactions (or AVM_SOAK_TXS),
# restarted on its data dir each time, then checked: every served receipt unchanged,
# one chain of blocks, no nonce skipped or used twice, the L1 holding every message.
# Prints the run's figures (CI runs the short form: 2 kills over 200 transactions).
set -euo pipefail
cd "$(dirname "$0")/.."
export AVM_SOAK_KILLS="${AVM_SOAK_KILLS:-5}"
export AVM_SOAK_TXS="${AVM_SOAK_TXS:-1000}"
cargo test --release -p avm-cli --test node_crash -- --nocapture 2>&1 | grep -E "^soak:|test result|panicked|left|right"
