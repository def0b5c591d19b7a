#!/bin/bash
# net_tap.sh: end-to-end: a guest reaches the host through a TAP device. The whole stack runs
# in a private network namespace (unshare -n) with a Linux bridge xenbr0 at 10.9.0.1: netback
# must put the vif on it as TAP vifD.0; the guest pings the host and the host's kernel answers.
# A type=tap vif without a host bridge becomes a standalone TAP device with the given vifname.
if [ "${NET_TAP_INNER:-}" != 1 ]; then
    . "$(dirname "$0")/lib.sh"
    need_kvm net_tap
    [ -f "$GUESTS/nettest" ] || { skip net_tap "guest nettest is not built (make all)"; exit 0; }
    if ! unshare -n true 2>/dev/null; then
        skip net_tap "cannot create a private network namespace here (unshare -n needs CAP_SYS_ADMIN)"
        exit 0
    fi
    if [ ! -c /dev/net/tun ]; then
        skip net_tap "/dev/net/tun is missing (no tun module)"
        exit 0
    fi
    NET_TAP_INNER=1 PVISOR_RUNDIR_OVERRIDE=$PVISOR_RUNDIR exec unshare -n bash "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
if ! { ip link add xenbr0 type bridge && ip addr add 10.9.0.1/24 dev xenbr0 &&
       ip link set xenbr0 up && ip link set lo up; } 2>"$PVISOR_RUNDIR/ip.err"; then
    skip net_tap "cannot create a Linux bridge in the namespace: $(cat "$PVISOR_RUNDIR/ip.err")"
    exit 0
fi
start_stack

cat >"$PVISOR_RUNDIR/t.cfg" <<EOF2
name = "nt"
type = "pv"
kernel = "$GUESTS/nettest"
extra = "ip=10.9.0.2/24 ping=10.9.0.1 count=50 interval=10"
memory = 32
on_poweroff = "destroy"
vif = [ 'mac=00:16:3e:09:00:02,bridge=xenbr0' ]
EOF2
xl create "$PVISOR_RUNDIR/t.cfg" >/dev/null
id=$(domid_of nt)
if wait_for 20 sh -c "ip -o link show master xenbr0 | grep -q 'vif$id.0'"; then
    pass "net_tap: netback created TAP vif$id.0 on the host bridge xenbr0"
else
    fail "net_tap: TAP on the host bridge" "$(ip -o link | tail -3 | tr '\n' ' ') $(tail -2 "$PVISOR_RUNDIR/netback.log" 2>/dev/null)"
fi
run_guest nt 60
if has nt "ping: 50 sent, 50 received"; then
    pass "net_tap: the guest pings the host through its TAP device: $(out_of nt | grep '^ping:')"
else
    fail "net_tap: guest -> host ping" "$(out_of nt | tail -3 | tr '\n' ' ')"
fi
if wait_for 10 sh -c "! ip link show vif$id.0 >/dev/null 2>&1"; then
    pass "net_tap: the TAP device is gone with its guest"
else
    fail "net_tap: TAP removed with the guest" "$(ip -o link | grep vif)"
fi

# type=tap without a host bridge: the TAP device named by vifname (made persistent and
# addressed by the host beforehand, as an operator would; netback attaches to it).
cat >"$PVISOR_RUNDIR/s.cfg" <<EOF2
name = "ns"
type = "pv"
kernel = "$GUESTS/nettest"
extra = "ip=10.8.0.2/24 ping=10.8.0.1 count=20 interval=10"
memory = 32
on_poweroff = "destroy"
vif = [ 'type=tap,vifname=pvtap0,bridge=none' ]
EOF2
ip tuntap add dev pvtap0 mode tap && ip addr add 10.8.0.1/24 dev pvtap0
xl create "$PVISOR_RUNDIR/s.cfg" >/dev/null
if wait_for 20 sh -c "ip link show pvtap0 | grep -q 'state UP\|LOWER_UP'"; then
    run_guest ns 60
    if has ns "ping: 20 sent, 20 received"; then
        pass "net_tap: type=tap vifname=pvtap0: a standalone TAP device the host addresses; $(out_of ns | grep '^ping:')"
    else
        fail "net_tap: standalone TAP ping" "$(out_of ns | tail -3 | tr '\n' ' ')"
    fi
else
    fail "net_tap: standalone TAP pvtap0 created" "$(tail -3 "$PVISOR_RUNDIR/netback.log" 2>/dev/null)"
    xl destroy ns >/dev/null 2>&1
fi
exit $((E2E_FAILS > 0))
