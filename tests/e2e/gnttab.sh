#!/bin/bash
# gnttab.sh: end-to-end grant tables and dom0 event channels: a dom0 process (gntprobe)
# binds the gntdom0 guest's port, maps/copies its grants, checks Xen's GNTST_ codes,
# revocation, 2 x 100,000 map/unmap cycles, port exhaustion and destruction.
. "$(dirname "$0")/lib.sh"
need_kvm gnttab
start_stack
CYCLES=${GNTTAB_CYCLES:-100000}

xl create "$ROOT/examples/hello.cfg" 'name="gnt"' "kernel=\"$GUESTS/gntdom0\"" >/dev/null 2>&1
line=
for _ in $(seq 1 50); do
    line=$(timeout 2 xl console gnt </dev/null 2>/dev/null | grep -m1 "gntdom0: ready")
    [ -n "$line" ] && break
    sleep 0.2
done
if [ -z "$line" ]; then
    fail "gnttab: guest ready" "no ready line: $(timeout 2 xl console gnt </dev/null 2>&1 | tail -3)"
    exit 1
fi
pass "gnttab: guest ready"
dom=$(domid_of gnt)
val() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<"$line"; }
timeout 600 "$OUT/tests/gntprobe" "$dom" "$(val a)" "$(val b)" "$(val c)" "$(val port)" "$CYCLES"
rc=$?
[ $rc = 0 ] || fail "gnttab: probe" "exit status $rc"
if "$BIN/pvisor" status >/dev/null 2>&1; then pass "gnttab: pvisord still serving"; else fail "gnttab: pvisord still serving" "status failed"; fi
exit $((E2E_FAILS > 0))
