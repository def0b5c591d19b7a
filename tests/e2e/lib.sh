# lib.sh: shared helpers for end-to-end suites: private run directory, stack start/stop,
# bounded waits and PASS/FAIL/SKIP reporting. Source it; it cleans up on any exit.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
case "${BUILD:-build}" in /*) OUT=$BUILD ;; *) OUT=$ROOT/${BUILD:-build} ;; esac
BIN=$OUT/bin
GUESTS=$OUT/guests
export PVISOR_RUNDIR=${PVISOR_RUNDIR_OVERRIDE:-$(mktemp -d /tmp/pvisor-test.XXXXXX)}
export XENSTORED_PATH=$PVISOR_RUNDIR/xenstored/socket
export PATH=$BIN:$PATH
E2E_FAILS=0

pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1: ${2:-}"; E2E_FAILS=$((E2E_FAILS + 1)); }
skip() { echo "SKIP: $1: $2"; }
# check NAME CMD...: PASS if CMD succeeds, else FAIL with the last lines of its output.
check() {
    local name=$1; shift
    local out
    if out=$("$@" 2>&1); then pass "$name"; else fail "$name" "$(echo "$out" | tail -3 | tr '\n' ' ')"; fi
}

cleanup() {
    if [ -x "$BIN/pvisor" ]; then "$BIN/pvisor" stop >/dev/null 2>&1 || true; fi
    for p in "$PVISOR_RUNDIR"/*.pid "$PVISOR_RUNDIR"/*/*.pid; do
        [ -f "$p" ] && kill -9 "$(cat "$p")" 2>/dev/null
    done
    # keep logs of failed runs for the report
    if [ "$E2E_FAILS" != 0 ]; then
        for f in "$PVISOR_RUNDIR"/*.log; do
            [ -f "$f" ] && { echo "--- $f"; tail -40 "$f"; }
        done
    fi
    rm -rf "$PVISOR_RUNDIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# need_kvm NAME: prints a SKIP line and exits when guests cannot run here.
need_kvm() {
    if [ ! -c /dev/kvm ] || [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
        skip "$1" "/dev/kvm is not available (no KVM on this machine or no permission)"
        exit 0
    fi
}

start_stack() {
    if ! "$BIN/pvisor" start >"$PVISOR_RUNDIR/start.out" 2>&1; then
        fail "stack start" "$(tail -3 "$PVISOR_RUNDIR/start.out")"
        exit 1
    fi
}

# wait_for SECONDS CMD...: polls CMD every 0.1 s until it succeeds; 1 on timeout.
wait_for() {
    local t=$1; shift
    local end=$((SECONDS + t))
    while [ $SECONDS -lt $end ]; do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    return 1
}

# domid_of NAME: prints the domain id from `xl list`.
domid_of() { xl list 2>/dev/null | awk -v n="$1" '$1 == n { print $2 }'; }

# Guests: console output (xenconsoled's log), a pattern in it, gone from `xl list`.
out_of() { cat "$PVISOR_RUNDIR/console/$1.log" 2>/dev/null; }
has() { out_of "$1" | grep -qE "$2"; }
gone() { ! xl list 2>/dev/null | awk '{print $1}' | grep -qx "$1"; }
# run_guest NAME SECONDS: waits for NAME to power off; FAIL (and destroy it) if it does not.
run_guest() {
    if ! wait_for "$2" gone "$1"; then
        fail "$1: powered off within $2 s" "$(out_of "$1" | tail -3 | tr '\n' ' ')"
        xl destroy "$1" >/dev/null 2>&1
        return 1
    fi
}
# ctl_stats DAEMON: a backend's control-socket "stats" answer (one line per device, "end").
ctl_stats() {
    python3 -c 'import socket,sys
s=socket.socket(socket.AF_UNIX); s.settimeout(5); s.connect(sys.argv[1]); s.sendall(b"stats\n")
d=b""
while not d.endswith(b"end\n"):
    c=s.recv(4096)
    if not c: break
    d+=c
sys.stdout.write(d.decode())' "$PVISOR_RUNDIR/$1.sock"
}
# daemon_alive NAME: its pid file names a live process.
daemon_alive() { kill -0 "$(cat "$PVISOR_RUNDIR/$1.pid" 2>/dev/null)" 2>/dev/null; }

# asan_build: whether the binaries were built with make SANITIZE=address (memory figures
# mean little there: freed memory stays in ASan's quarantine).
asan_build() { ldd "$BIN/pvisord" 2>/dev/null | grep -q libasan; }
# guest_cfg NAME KERNEL EXTRA LIST [SPEC...]: writes a PV guest config (32 MiB, 1 vCPU,
# destroyed on poweroff and crash) whose LIST (disk, vif) holds the SPECs; prints its path.
guest_cfg() {
    local name=$1 kernel=$2 extra=$3 list=$4 f=$PVISOR_RUNDIR/$1.cfg specs="" s
    shift 4
    for s in "$@"; do specs="$specs${specs:+, }'$s'"; done
    cat >"$f" <<EOF
name = "$name"
type = "pv"
kernel = "$GUESTS/$kernel"
extra = "$extra"
memory = 32
vcpus = 1
on_poweroff = "destroy"
on_crash = "destroy"
$list = [ $specs ]
EOF
    echo "$f"
}
