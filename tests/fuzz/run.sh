#!/bin/bash
# run.sh: `make fuzz`: runs every libFuzzer target for FUZZ_SECONDS (default 60) each, starting
# from its checked-in corpus (tests/fuzz/corpus/TARGET; new inputs go to a work copy in
# $BUILD/fuzz/work, never into the tree). A crash stops with the input's path: fix the bug,
# then keep the input as tests/fuzz/regress/TARGET/NAME so `make check` replays it forever.
# usage: tests/fuzz/run.sh TARGET...   (env: BUILD, FUZZ_SECONDS, FUZZ_JOBS)
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
case "${BUILD:-build}" in /*) OUT=$BUILD ;; *) OUT=$ROOT/${BUILD:-build} ;; esac
SECS=${FUZZ_SECONDS:-60}
rc=0
for t in "$@"; do
    bin=$OUT/fuzz/$t work=$OUT/fuzz/work/$t log=$OUT/fuzz/$t.log
    mkdir -p "$work"
    cp -n "$ROOT/tests/fuzz/corpus/$t"/* "$work"/ 2>/dev/null
    seeds=("$work")
    [ -d "$ROOT/tests/fuzz/regress/$t" ] && seeds+=("$ROOT/tests/fuzz/regress/$t")
    "$bin" -max_total_time="$SECS" -print_final_stats=1 -artifact_prefix="$OUT/fuzz/crash-$t-" \
        -timeout=10 -rss_limit_mb=2048 "${seeds[@]}" >"$log" 2>&1
    st=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    if [ $st = 0 ]; then
        printf 'fuzz %-8s %12s executions in %s s, clean (corpus %s inputs)\n' "$t" "${execs:-?}" \
            "$SECS" "$(ls "$work" | wc -l)"
    else
        crash=$(grep -o "$OUT/fuzz/crash-$t-[0-9a-f]*" "$log" | tail -1)
        echo "fuzz $t: FAILED after ${execs:-?} executions: input ${crash:-?} (log $log)"
        grep -m3 -E 'ERROR|runtime error|SUMMARY' "$log" | sed 's/^/    /'
        rc=1
    fi
done
exit $rc
