#!/bin/sh
# Peak resident memory of `avm run` on every fixture program, beside its file size.
# Usage: scripts/peak-rss.sh [AVM_BINARY]   (build with `cargo build --release` first)
# Prints: program, file KiB, peak RSS KiB, steps, status, items left on both stacks. Loops are capped at 2e7 steps
# and 1e9 AVMGas so every program ends.
set -eu
avm=${1:-target/release/avm}
fixtures=../shared/fixtures/classic
printf '%-52s %9s %9s %10s %-10s %s\n' program file_KiB peak_KiB steps status stack_items
for f in "$fixtures"/*.mexe "$fixtures"/machine-cases/*.mexe "$fixtures"/speedtest/*.mexe; do
    out=$( { /usr/bin/time -f 'RSS %M' "$avm" run "$f" --json --max-steps 20000000 --max-gas 1000000000 2>&1 >&3; } 3>/tmp/avm-rss-$$.json )
    rss=$(printf '%s\n' "$out" | sed -n 's/^RSS //p')
    steps=$(sed -n 's/.*"steps":\([0-9]*\).*/\1/p' /tmp/avm-rss-$$.json)
    status=$(sed -n 's/.*"status":"\([a-z_]*\)".*/\1/p' /tmp/avm-rss-$$.json)
    items=$(sed -n 's/.*"stack_items":\([0-9]*\),"aux_stack_items":\([0-9]*\).*/\1+\2/p' /tmp/avm-rss-$$.json)
    size=$(( $(wc -c < "$f") / 1024 ))
    printf '%-52s %9s %9s %10s %-10s %s\n' "${f#$fixtures/}" "$size" "$rss" "$steps" "$status" "$items"
done
rm -f /tmp/avm-rss-$$.json
