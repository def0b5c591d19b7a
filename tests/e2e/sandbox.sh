#!/bin/bash
# sandbox.sh: the dom0 daemons confine themselves after set-up: seccomp filter on, no
# capabilities, no_new_privs; they keep serving through xenstored restarts and SIGHUP;
# PVISOR_NO_SANDBOX=1 turns it off. (Forbidden calls killing: tests/unit/test_sandbox.c.)
. "$(dirname "$0")/lib.sh"
need_kvm sandbox
DAEMONS="xenstored xenconsoled blkback"

status_of() { # status_of DAEMON FIELD: the field's value in /proc/PID/status
    awk -v k="$2:" '$1 == k { print $2 }' "/proc/$(cat "$PVISOR_RUNDIR/$1.pid")/status"
}
log_of() { # the daemon's log (xenstored's own file or the launcher's)
    cat "$PVISOR_RUNDIR/$1.log" "$PVISOR_RUNDIR/xenstored/xenstored.log" 2>/dev/null | grep "$1"
}
filter_skipped() { log_of "$1" | grep -q "seccomp filter skipped"; }

start_stack
for d in $DAEMONS; do
    if ! daemon_alive "$d"; then
        fail "$d: running" "not started"
        continue
    fi
    nnp=$(status_of "$d" NoNewPrivs) eff=$(status_of "$d" CapEff) bnd=$(status_of "$d" CapBnd)
    [ "$nnp" = 1 ] && pass "$d: no_new_privs" || fail "$d: no_new_privs" "NoNewPrivs=$nnp"
    [ "$eff" = 0000000000000000 ] && pass "$d: no capabilities" || fail "$d: no capabilities" "CapEff=$eff"
    [ "$bnd" = 0000000000000000 ] && pass "$d: empty bounding set" || fail "$d: empty bounding set" "CapBnd=$bnd"
    if filter_skipped "$d"; then
        skip "$d: seccomp filter" "$(log_of "$d" | grep -o 'skipped in this .* build')"
    else
        sec=$(status_of "$d" Seccomp)
        [ "$sec" = 2 ] && pass "$d: seccomp filter" || fail "$d: seccomp filter" "Seccomp=$sec"
    fi
    check "$d: says so in its log" bash -c "cat '$PVISOR_RUNDIR'/*.log '$PVISOR_RUNDIR'/xenstored/*.log 2>/dev/null | grep -q '$d.*sandbox: 0 capabilities kept'"
done
check "pvisord keeps its privileges" test "$(status_of pvisord Seccomp)" = 0

# Steady-state work after the filter: store traffic, log reopening, reconnections.
check "xenstore write/read" bash -c 'xenstore-write /sandbox/x 42 && [ "$(xenstore-read /sandbox/x)" = 42 ]'
kill -HUP "$(cat "$PVISOR_RUNDIR/xenstored.pid")"
sleep 0.3
check "xenstored survives SIGHUP (log reopened)" daemon_alive xenstored
kill -TERM "$(cat "$PVISOR_RUNDIR/xenstored.pid")"
wait_for 10 bash -c '! kill -0 '"$(cat "$PVISOR_RUNDIR/xenstored.pid")"
"$BIN/pvisor" start >/dev/null 2>&1
check "xenstored restarted sandboxed" test "$(status_of xenstored NoNewPrivs)" = 1
check "state kept across the restart" bash -c '[ "$(xenstore-read /sandbox/x)" = 42 ]'
check "blkback reconnects to xenstored" wait_for 10 bash -c "grep -c 'connected to xenstored' '$PVISOR_RUNDIR/blkback.log' | grep -q '^[1-9]'"
sleep 1.5 # xenconsoled retries every second
for d in xenconsoled blkback; do
    check "$d alive after xenstored's restart" daemon_alive "$d"
done
for d in $DAEMONS; do
    if log_of "$d" | grep -q "blocked system call"; then
        fail "$d: no blocked system call" "$(log_of "$d" | grep "blocked system call")"
    fi
done

# Debugging switch.
"$BIN/pvisor" stop >/dev/null 2>&1
if ! PVISOR_NO_SANDBOX=1 "$BIN/pvisor" start >"$PVISOR_RUNDIR/start.out" 2>&1; then
    fail "stack start with PVISOR_NO_SANDBOX=1" "$(tail -3 "$PVISOR_RUNDIR/start.out")"
    exit 1
fi
for d in $DAEMONS; do
    check "$d: PVISOR_NO_SANDBOX=1 leaves it unconfined" test "$(status_of "$d" Seccomp)" = 0
done
exit 0
