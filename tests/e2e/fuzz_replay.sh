#!/bin/bash
# fuzz_replay.sh: replays every fuzz target's checked-in corpus and regression inputs
# (tests/fuzz/corpus/T, tests/fuzz/regress/T) through a normal build of the target, so a
# bug a fuzzer once found stays fixed. No /dev/kvm needed; `make fuzz` does the fuzzing.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
case "${BUILD:-build}" in /*) OUT=$BUILD ;; *) OUT=$ROOT/${BUILD:-build} ;; esac
for dir in "$ROOT"/tests/fuzz/corpus/*/; do
    t=$(basename "$dir")
    bin=$OUT/tests/fuzz/replay-$t
    if [ ! -x "$bin" ]; then
        echo "FAIL: fuzz replay $t: $bin is not built (make all)"
        continue
    fi
    if out=$("$bin" "$dir" "$ROOT/tests/fuzz/regress/$t" 2>&1); then
        echo "PASS: fuzz replay $t: ${out##*$'\n'}"
    else
        echo "FAIL: fuzz replay $t: $(tail -3 <<<"$out" | tr '\n' ' ')"
    fi
done
