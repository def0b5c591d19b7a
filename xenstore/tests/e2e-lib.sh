# e2e-lib.sh: xenstored helpers for tests/e2e/xenstore*.sh, on top of tests/e2e/lib.sh (private
# run dir, PASS/FAIL/SKIP/check, cleanup of every pid file on any exit). Every wait is bounded.
. "$(dirname "${BASH_SOURCE[0]}")/../../tests/e2e/lib.sh"
PY=/usr/bin/python3 # Debian's python3 (python3-pyxs lives there)
XSD_LOG=$PVISOR_RUNDIR/xenstored/xenstored.log
XSD_PID=

# expect_eq NAME EXPECTED ACTUAL
expect_eq() {
    if [ "$2" == "$3" ]; then pass "$1"; else
        fail "$1" "expected [$(printf %q "$2")] got [$(printf %q "$3")]"
    fi
}

alive() { [ -n "$XSD_PID" ] && kill -0 "$XSD_PID" 2>/dev/null; }

# Start xenstored in the background (returns once it serves); extra args pass through.
start_xsd() {
    timeout 10 "$BIN/xenstored" --rundir "$PVISOR_RUNDIR" --pidfile "$PVISOR_RUNDIR/xsd.pid" "$@" ||
        return 1
    XSD_PID=$(cat "$PVISOR_RUNDIR/xsd.pid")
}

# wait_gone: up to 5 s for the daemon to exit.
wait_gone() {
    for _ in $(seq 50); do alive || { XSD_PID=; return 0; }; sleep 0.1; done
    return 1
}

stop_xsd() { alive && kill "$XSD_PID" && wait_gone; }
kill9_xsd() { alive && kill -9 "$XSD_PID" && wait_gone; }
