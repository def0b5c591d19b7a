#!/bin/sh
# demo.sh: a first tour: private pvisor stack, hello with its console, smp, the echo guest
# answering input through xenconsoled, disktest on a PV disk (blkback), two guests pinging
# over netback, list, destroy, stop.
# usage: examples/demo.sh   (after `make`; BUILD=dir if the build is elsewhere)
set -eu
cd "$(dirname "$0")/.."
B=${BUILD:-build}/bin
for f in "$B/pvisor" "$B/pvisord" "$B/xl"; do
    [ -x "$f" ] || { echo "demo: $f is missing: run make first" >&2; exit 1; }
done
PVISOR_RUNDIR=$(mktemp -d /tmp/pvisor-demo.XXXXXX)
export PVISOR_RUNDIR
DISK=$PVISOR_RUNDIR/disk.img
trap '"$B/pvisor" stop >/dev/null 2>&1 || true; rm -rf "$PVISOR_RUNDIR"' EXIT
trap 'exit 130' INT TERM

step() {
    printf '\n$ %s\n' "$*" | sed "s|$B/||"
    "$@"
}

step "$B/pvisor" start
step timeout 60 "$B/xl" create -c examples/hello.cfg
step timeout 60 "$B/xl" create -c examples/smp.cfg
# input too: the echo guest answers each line through xenconsoled, "quit" powers it off
printf 'hello, console\nquit\n' | step timeout 60 "$B/xl" create -c examples/echo.cfg
# a disk: disktest writes a pattern over a 16 MiB image through blkfront/blkback, reads it back
step truncate -s 16M "$DISK"
step timeout 120 "$B/xl" create -c examples/disk.cfg "disk=['format=raw, vdev=xvda, access=rw, target=$DISK']"
# a network: two nettest guests on netback's embedded switch xenbr0; the second pings the first
step "$B/xl" create examples/net.cfg
step timeout 60 "$B/xl" create -c examples/net.cfg 'name="net2"' \
    'extra="ip=10.0.0.2/24 ping=10.0.0.1 count=5"' "vif=['bridge=xenbr0']"
step "$B/xl" network-list net
step "$B/xl" destroy net
step "$B/xl" create -q -p examples/hello.cfg 'name="hello-paused"'
step "$B/xl" list
step "$B/xl" destroy hello-paused
step "$B/xl" list
step "$B/pvisor" stop
