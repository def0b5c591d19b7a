#!/bin/bash
# net.sh: end-to-end: netback + netfront. Two nettest guests on one bridge ping each other
# 1,000 times without loss and move UDP; a vif is detached while traffic flows; a guest that
# never reads keeps netback's queue and memory bounded; malformed tx requests are dropped with
# counters while neighbours keep full connectivity; xl network-attach/-list; and (in a private
# network namespace, net_tap.sh) a guest reaches the host through a TAP device.
. "$(dirname "$0")/lib.sh"
need_kvm net
for g in nettest nethostile; do
    [ -f "$GUESTS/$g" ] || { skip net "guest $g is not built (make all)"; exit 0; }
done
start_stack

cfg() { guest_cfg "$1" "$2" "$3" vif "${@:4}"; } # cfg NAME KERNEL EXTRA [VIF-SPEC...]
stats() { ctl_stats netback; }
# vif_stat DOMAIN KEY: one counter of the domain's first vif.
vif_stat() {
    local id
    id=$(domid_of "$1")
    stats | awk -v d="vif $id/0" -v k="$2" '$1" "$2 == d { for (i = 3; i <= NF; i++) { split($i, a, "="); if (a[1] == k) print a[2] } }'
}
up() { has "$1" "nettest: up ip="; }
# boot NAME EXTRA [VIF...]: creates a nettest guest and waits until its vif is up.
boot() {
    local name=$1 extra=$2
    shift 2
    xl create "$(cfg "$name" nettest "$extra" "$@")" >/dev/null || { fail "$name: xl create"; return 1; }
    wait_for 30 up "$name" || { fail "$name: vif up within 30 s" "$(out_of "$name" | tail -3 | tr '\n' ' ')"; return 1; }
}

if ! daemon_alive netback; then
    fail "net: netback runs after pvisor start" "$(tail -3 "$PVISOR_RUNDIR/start.out")"
    exit 1
fi
pass "net: pvisor start started netback (control socket answers: $(stats | tail -1))"

# ---- 1. two guests on one bridge: 1,000 pings, no loss; UDP -------------------------------------
boot na "ip=10.0.0.1/24 udp-sink=9000" "mac=00:16:3e:00:00:01,bridge=br0"
boot nb "ip=10.0.0.2/24 ping=10.0.0.1 count=1000 interval=0" "mac=00:16:3e:00:00:02,bridge=br0"
run_guest nb 120
if has nb "ping: 1000 sent, 1000 received"; then
    pass "net: guest-to-guest ping: $(out_of nb | grep '^ping:' | tail -1)"
else
    fail "net: 1,000 pings without loss" "$(out_of nb | tail -3 | tr '\n' ' ')"
fi
xl create "$(cfg nc nettest "ip=10.0.0.3/24 udp-send=10.0.0.1:9000,bytes=1000000,size=1000" "bridge=br0")" >/dev/null
run_guest nc 120
if has nc "udp-send: 1000 packets" && wait_for 10 has na "udp-sink: .*[1-9][0-9]* packets"; then
    pass "net: UDP: $(out_of nc | grep '^udp-send:' | tail -1); sink: $(out_of na | grep '^udp-sink:' | tail -1)"
else
    fail "net: UDP from nc to na" "$(out_of nc | tail -2 | tr '\n' ' ') / $(out_of na | grep udp-sink | tail -1)"
fi
ml=$(xl network-list na 2>&1)
if echo "$ml" | grep -q "00:16:3e:00:00:01" && xl list -l na 2>/dev/null | grep -q "00:16:3e:00:00:01"; then
    pass "net: xl network-list and list -l show na's vif"
else
    fail "net: xl network-list na" "$ml"
fi

# ---- 2. network-attach on a running guest, detach while traffic flows ----------------------------
boot nd "ip=10.0.1.1/24 udp-sink=9000" "mac=00:16:3e:00:01:01,bridge=br1"
if xl network-attach nd "mac=00:16:3e:00:01:02,bridge=br1" >/dev/null 2>&1 &&
   wait_for 10 sh -c "xl network-list nd | grep -q 00:16:3e:00:01:02"; then
    pass "net: xl network-attach added a second vif to a running guest"
else
    fail "net: xl network-attach" "$(xl network-list nd 2>&1 | tail -2 | tr '\n' ' ')"
fi
boot ne "ip=10.0.0.5/24 udp-send=10.0.0.1:9000,bytes=2000000000,size=1400 timeout=120" "bridge=br0"
sleep 1
if xl network-detach ne 0 >/dev/null 2>&1 && wait_for 15 sh -c "! xenstore-ls /local/domain/0/backend/vif/$(domid_of ne) 2>/dev/null | grep -q mac"; then
    pass "net: network-detach of a vif under a UDP flood completed"
else
    fail "net: network-detach while traffic flows" "$(xl network-list ne 2>&1 | tail -2 | tr '\n' ' ')"
fi
if daemon_alive netback && ! stats | grep -q "^vif $(domid_of ne)/0 "; then
    pass "net: netback alive, the detached vif is gone from it"
else
    fail "net: netback after detach" "$(stats | tail -3 | tr '\n' ' ')"
fi
xl destroy ne >/dev/null 2>&1

# ---- 3. a guest that never reads; a guest that floods; bounded memory ----------------------------
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$(cat "$PVISOR_RUNDIR/netback.pid")/status"; }
rss0=$(rss)
xl create "$(cfg nr nethostile "mode=noread" "mac=00:16:3e:00:00:0a,bridge=br0")" >/dev/null
xl create "$(cfg nf nethostile "mode=flood" "mac=00:16:3e:00:00:0b,bridge=br0")" >/dev/null
sleep 8
q=$(vif_stat nr rxq_bytes); qmax=$(vif_stat nr rxq_max); peak=$(vif_stat nr rxq_peak); drop=$(vif_stat nr rx_dropped)
rss1=$(rss)
if [ -n "$q" ] && [ "$peak" -le "$qmax" ] && [ "${drop:-0}" -gt 0 ] && [ $((rss1 - rss0)) -lt 32768 ]; then
    pass "net: a guest that never reads: queue ${q}/${qmax} bytes (peak $peak), $drop frames dropped, netback RSS ${rss0} -> ${rss1} KiB"
else
    fail "net: bounded queue for a guest that never reads" "q=$q peak=$peak max=$qmax drop=$drop rss $rss0 -> $rss1"
fi
boot ng "ip=10.0.0.7/24 ping=10.0.0.1 count=200 interval=0" "bridge=br0"
run_guest ng 120
if has ng "ping: 200 sent, 200 received"; then
    pass "net: neighbours keep full connectivity during the flood: $(out_of ng | grep '^ping:' | tail -1)"
else
    fail "net: ping during a flood" "$(out_of ng | tail -2 | tr '\n' ' ')"
fi
xl destroy nf >/dev/null 2>&1
xl destroy nr >/dev/null 2>&1

# ---- 4. malformed tx requests ------------------------------------------------------------------
xl create "$(cfg nh nethostile "mode=badtx" "mac=00:16:3e:00:00:0c,bridge=br0")" >/dev/null
if wait_for 30 has nh "nethostile: done"; then
    errs=$(vif_stat nh tx_errors)
    if [ "${errs:-0}" -gt 0 ] && grep -q "vif $(domid_of nh)/0: tx: " "$PVISOR_RUNDIR/netback.log"; then
        pass "net: malformed tx requests dropped: tx_errors=$errs, logged ($(grep -c "vif $(domid_of nh)/0: tx" "$PVISOR_RUNDIR/netback.log") lines)"
    else
        fail "net: malformed tx counted and logged" "tx_errors=$errs $(stats | grep "vif $(domid_of nh)/0")"
    fi
else
    fail "net: nethostile badtx ran" "$(out_of nh | tail -3 | tr '\n' ' ')"
fi
boot ni "ip=10.0.0.9/24 ping=10.0.0.1 count=200 interval=0" "bridge=br0"
run_guest ni 120
if has ni "ping: 200 sent, 200 received" && daemon_alive netback; then
    pass "net: after the malformed requests netback runs and neighbours ping without loss"
else
    fail "net: connectivity after malformed tx" "$(out_of ni | tail -2 | tr '\n' ' ')"
fi
xl destroy nh >/dev/null 2>&1
for g in na nd; do xl destroy "$g" >/dev/null 2>&1; done
if wait_for 10 sh -c '[ -z "$(xenstore-ls /local/domain/0/backend/vif 2>/dev/null)" ]'; then
    pass "net: every vif is gone from xenstore once its guest is"
else
    fail "net: vifs removed with their guests" "$(xenstore-ls /local/domain/0/backend/vif 2>&1 | head -3 | tr '\n' ' ')"
fi

exit $((E2E_FAILS > 0))
