#!/bin/bash
# run-tests.sh: runs every Check unit suite given as arguments and every end-to-end
# script in tests/e2e/, counts individual results and ends with "N passed, N failed".
# An e2e script prints "PASS: name", "FAIL: name: why" or "SKIP: name: why" lines; a
# script that exits non-zero without printing FAIL counts as one failure.
# Environment: E2E_FILTER=glob (only matching scripts), E2E_TIMEOUT=seconds (default 300).
set -u
pass=0 fail=0 skip=0
failed_names=()
log_dir=${BUILD:-build}/test-logs
mkdir -p "$log_dir"
# Sanitizer builds (make SANITIZE=...): every process's reports go to $log_dir/sanitizers/
# (daemons' stderr goes away with their run directory) and any report counts as a failure;
# reports checked and explained are suppressed in tests/lsan.supp and tests/tsan.supp.
# Options the caller set win.
supp_dir=$(cd "$(dirname "$0")" && pwd)
san_dir=$(cd "$log_dir" && pwd)/sanitizers
rm -rf "$san_dir" && mkdir -p "$san_dir"
export ASAN_OPTIONS=${ASAN_OPTIONS:-log_path=$san_dir/asan}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-log_path=$san_dir/ubsan:print_stacktrace=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$supp_dir/lsan.supp}
export TSAN_OPTIONS=${TSAN_OPTIONS:-suppressions=$supp_dir/tsan.supp:log_path=$san_dir/tsan}

count_lines() { # $1 = log file, $2 = suite name
    local p f s
    p=$(grep -c '^PASS: ' "$1"); f=$(grep -c '^FAIL: ' "$1"); s=$(grep -c '^SKIP: ' "$1")
    pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
    while IFS= read -r l; do failed_names+=("$2: ${l#FAIL: }"); done < <(grep '^FAIL: ' "$1")
    grep '^SKIP: ' "$1" | sed "s|^|  [$2] |"
    NF=$f
}

for t in "$@"; do
    name=$(basename "$t"); log="$log_dir/unit-$name.log"
    CK_VERBOSITY=verbose CK_DEFAULT_TIMEOUT=60 "$t" > "$log" 2>&1
    rc=$?
    # Check's verbose lines: file:line:P:tcase:test:0: Passed  (F = failure, E = error)
    sed -n 's/^[^:]*:[0-9]*:P:[^:]*:\([^:]*\):.*/PASS: \1/p; s/^[^:]*:[0-9]*:[FE]:[^:]*:\([^:]*\):[^:]*: *\(.*\)/FAIL: \1: \2/p' \
        "$log" > "$log.res"
    count_lines "$log.res" "$name"; nf=$NF
    if [ "$rc" != 0 ] && [ "$nf" = 0 ]; then
        fail=$((fail + 1)); failed_names+=("$name: exited $rc (see $log)")
    fi
    printf '%-28s %s\n' "unit/$name" "$(grep -c '^PASS' "$log.res") passed, $nf failed"
done

for t in tests/e2e/*.sh; do
    [ -e "$t" ] || continue
    name=$(basename "$t" .sh)
    case "$name" in lib*) continue ;; esac
    # shellcheck disable=SC2254
    case "$name" in ${E2E_FILTER:-*}) ;; *) continue ;; esac
    log="$log_dir/e2e-$name.log"
    start=$(date +%s)
    timeout -k 10 "${E2E_TIMEOUT:-300}" bash "$t" > "$log" 2>&1
    rc=$?
    count_lines "$log" "$name"; nf=$NF
    if [ "$rc" != 0 ] && [ "$nf" = 0 ]; then
        fail=$((fail + 1)); failed_names+=("$name: exited $rc (see $log)")
        [ "$rc" = 124 ] && failed_names+=("$name: timed out after ${E2E_TIMEOUT:-300}s")
    fi
    printf '%-28s %s passed, %s failed, %s skipped (%ss)\n' "e2e/$name" \
        "$(grep -c '^PASS: ' "$log")" "$nf" "$(grep -c '^SKIP: ' "$log")" "$(( $(date +%s) - start ))"
done

san_reports=$(grep -lE 'ERROR: [A-Za-z]+Sanitizer|runtime error:|WARNING: ThreadSanitizer' \
    "$san_dir"/* 2>/dev/null | wc -l)
if [ "$san_reports" != 0 ]; then
    fail=$((fail + 1)); failed_names+=("sanitizers: $san_reports report(s) in $san_dir")
fi

if [ ${#failed_names[@]} -gt 0 ]; then
    echo "failures:"
    printf '  %s\n' "${failed_names[@]}"
fi
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
