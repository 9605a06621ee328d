#!/usr/bin/env bash
# Builds `avm` with profile-guided optimisation into target/pgo/avm: an instrumented
# build runs a training set (ArbOS v58 booting and replaying nulltx_100, and every
# speedtest program under a gas cap of 20 M), and the final build lays out and inlines
# the code by what that run did. The trade-off, measured (docs/performance.md): ArbOS
# replays 14-20% faster than the plain release build on the logs left out of the
# training, but some speedtest programs run slower (the alt_bn128 precompiles and div
# by up to a quarter), which is why the plain build stays the default. For packaging a
# binary that mostly runs ArbOS (a validator, a node); two release builds, 5-12 minutes
# on 2 cores.
# Usage: scripts/build-pgo.sh   (needs rustup, to add the llvm-tools component once)
set -euo pipefail
cd "$(dirname "$0")/.."
fixtures=../shared/fixtures
out=target/pgo
for f in "$fixtures/arbos/arbos-v58.mexe" "$fixtures/classic/speedtest"; do
    [ -e "$f" ] || { echo "build-pgo: the training set needs $f" >&2; exit 1; }
done

rustup component add llvm-tools >/dev/null
profdata=$(find "$(rustc --print sysroot)" -name llvm-profdata -type f | head -n 1)
[ -n "$profdata" ] || { echo "build-pgo: llvm-profdata not found in the toolchain" >&2; exit 1; }

echo "== instrumented build" >&2
rm -rf "$out/profiles"
RUSTFLAGS="-Cprofile-generate=$PWD/$out/profiles" \
    cargo build --release -p avm-cli --target-dir "$out/generate"
# Build scripts ran instrumented too: only the training's profiles count.
rm -rf "$out/profiles"

echo "== training" >&2
trainee="$out/generate/release/avm"
for log in boot nulltx_100; do
    "$trainee" replay "$fixtures/arbos/arbos-v58.mexe" "$fixtures/arbos/benchmarks/$log.aoslog" >/dev/null
done
"$trainee" bench "$fixtures/classic/speedtest" --max-gas 20000000 >/dev/null
"$profdata" merge -o "$out/avm.profdata" "$out/profiles"

echo "== optimised build" >&2
RUSTFLAGS="-Cprofile-use=$PWD/$out/avm.profdata" \
    cargo build --release -p avm-cli --target-dir "$out/use"
cp "$out/use/release/avm" "$out/avm"
echo "build-pgo: $out/avm" >&2
