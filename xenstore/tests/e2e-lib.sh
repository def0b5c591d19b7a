# e2e-lib.sh: helpers sourced by tests/e2e/xenstore*.sh: private run dir, daemon control,
# PASS/FAIL/SKIP reporting. Everything is cleaned up on any exit; every wait is bounded.
set -u
XS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
case "${BUILD:-build}" in /*) BIN=$BUILD/bin ;; *) BIN=$XS_ROOT/${BUILD:-build}/bin ;; esac
PY=/usr/bin/python3 # Debian's python3 (python3-pyxs lives there)
PVISOR_RUNDIR=$(mktemp -d /tmp/pvisor-xs.XXXXXX)
export PVISOR_RUNDIR
export XENSTORED_PATH=$PVISOR_RUNDIR/xenstored/socket
XSD_LOG=$PVISOR_RUNDIR/xenstored/xenstored.log
XSD_PID=

xs_cleanup() {
    [ -n "$XSD_PID" ] && kill -9 "$XSD_PID" 2>/dev/null
    rm -rf "$PVISOR_RUNDIR"
}
trap xs_cleanup EXIT
trap 'exit 130' INT TERM

pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1: $2"; }
skip() { echo "SKIP: $1: $2"; }

# check NAME CMD...: PASS if the command succeeds, else FAIL with its output.
check() {
    local name=$1 out
    shift
    if out=$("$@" 2>&1); then pass "$name"; else fail "$name" "$(echo "$out" | tail -3 | tr '\n' ' ')"; fi
}

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
