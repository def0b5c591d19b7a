#!/bin/bash
# run.sh: `make bench`: every figure next to the substrate's own limit, measured in the same
# run on a private stack (PVISOR_RUNDIR from tests/e2e/lib.sh, stopped on any exit).
# usage: tests/bench/run.sh [--quick] [--no-docs] [--cpus LIST|all]
#   --quick      fewer repetitions and 20 instead of 100 concurrent domains (< 1 minute)
#   --no-docs    do not rewrite the results section of docs/performance.md (full runs do)
#   --cpus LIST  CPUs the whole run (stack, guests, baselines) is pinned to with taskset;
#                default: the last CPU (wake-ups become context switches: reproducible);
#                "all": no pinning (wake-ups cross CPUs: figures swing with CPU idle states)
# Output: the table on stdout, $BUILD/bench/results.json, $BUILD/bench/results.md and the raw
# samples in $BUILD/bench/samples.txt; logs of each part in $BUILD/bench/logs/.
QUICK=0 DOCS=1 CPUS=${BENCH_PINNED:-$(($(getconf _NPROCESSORS_ONLN) - 1))}
args=("$@")
while [ $# -gt 0 ]; do
    case "$1" in
    --quick) QUICK=1 ;;
    --no-docs) DOCS=0 ;;
    --cpus) CPUS=${2:?--cpus needs a CPU list or 'all'}; shift ;;
    -h | --help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench: unknown option '$1' (try --help)" >&2; exit 2 ;;
    esac
    shift
done
if [ "$CPUS" != all ] && [ -z "${BENCH_PINNED:-}" ]; then
    if command -v taskset >/dev/null; then
        BENCH_PINNED=$CPUS exec taskset -c "$CPUS" "$0" "${args[@]}"
    fi
    echo "bench: taskset not found: running unpinned" >&2
    CPUS=all
fi
. "$(dirname "$0")/../e2e/lib.sh"
need_kvm bench

if [ $QUICK = 1 ]; then
    ROUNDS=1 REPS=3 N=300 N_EVT=200 N_XS=300 N_GXS=100 MANY=20 FAN_REPS=3 MODE=quick
else
    ROUNDS=3 REPS=3 N=2000 N_EVT=1000 N_XS=2000 N_GXS=300 MANY=100 FAN_REPS=9 MODE=full
fi
FAN=1000
TOOLS=$OUT/tests/bench
RES=$OUT/bench
LOGS=$RES/logs
SAMPLES=$RES/samples.txt
CFG=$ROOT/examples/hello.cfg
BENCH_GUEST=$GUESTS/bench
mkdir -p "$LOGS"
rm -f "$LOGS"/*.log
: >"$SAMPLES"

for f in rawkvm dom0bench lifebench report hostio hostnet; do
    [ -x "$TOOLS/$f" ] || { echo "bench: $TOOLS/$f is missing: run make first" >&2; exit 1; }
done
for g in "$BENCH_GUEST" "$GUESTS/diskbench" "$GUESTS/netbench"; do
    [ -f "$g" ] || { echo "bench: $g is missing: run make first" >&2; exit 1; }
done

info() { echo "INFO $1 $2" >>"$SAMPLES"; }
note() { printf '  %-44s' "$1" >&2; }
# part NAME CMD...: runs one measurement, keeps its SAMPLE lines, reports failures.
part() {
    local name=$1; shift
    local k=1 t0=$SECONDS
    while [ -f "$LOGS/$name.$k.log" ]; do k=$((k + 1)); done
    local log=$LOGS/$name.$k.log
    note "$name ($k)"
    if "$@" >"$log" 2>&1 && grep -q '^SAMPLE ' "$log" && ! grep -q 'FAILED' "$log"; then
        tr -d '\r' <"$log" | grep '^SAMPLE ' >>"$SAMPLES"
        echo "ok ($((SECONDS - t0)) s)" >&2
    else
        echo "FAILED (see $log)" >&2
        fail "bench: $name" "$(tr -d '\r' <"$log" | tail -3 | tr '\n' ' ')"
    fi
}

# guest NAME EXTRA: the bench guest through `xl create -c` (it prints SAMPLE lines, powers off).
guest() {
    timeout 300 xl create -q -c "$CFG" "name=\"$1\"" "kernel=\"$BENCH_GUEST\"" "extra=\"$2\"" </dev/null
}

# port_line WHAT CMD...: polls CMD's output (up to 10 s) for "bench: WHAT port=P", prints P.
port_line() {
    local what=$1 line; shift
    for _ in $(seq 1 100); do
        line=$("$@" 2>/dev/null | tr -d '\r' | grep -m1 "bench: $what port=")
        [ -n "$line" ] && { sed 's/.*port=\([0-9]*\).*/\1/' <<<"$line"; return 0; }
        sleep 0.1
    done
    return 1
}

# domU<->domU: server (role a) first, then the client on the port it printed.
evt_domu() {
    local style=$1 srv=bench-ea-$1 cli=bench-eb-$1 port a rc=0
    rm -f "$LOGS/evt-$style-a.out"
    guest "$srv" "mode=evtchn role=a peer=+1 style=$style reps=$REPS n=$N_EVT" >"$LOGS/evt-$style-a.out" 2>&1 &
    local spid=$!
    if port=$(port_line evtchn cat "$LOGS/evt-$style-a.out"); then
        a=$(domid_of "$srv")
        guest "$cli" "mode=evtchn role=b peer=$a port=$port style=$style reps=$REPS n=$N_EVT" || rc=1
    else
        echo "no port line from $srv"
        rc=1
    fi
    [ $rc = 0 ] || xl destroy "$srv" 2>/dev/null # do not leave it waiting for its peer
    wait $spid || rc=1
    cat "$LOGS/evt-$style-a.out"
    return $rc
}

# dom0<->domU: the guest serves, dom0bench measures.
evt_dom0() {
    local style=$1 name=bench-d0-$1 port d rc
    xl create -q "$CFG" "name=\"$name\"" "kernel=\"$BENCH_GUEST\"" "extra=\"mode=dom0evt style=$style\"" || return 1
    port=$(port_line dom0evt timeout 2 xl console "$name" </dev/null) || { echo "no port line from $name"; xl destroy "$name"; return 1; }
    d=$(domid_of "$name")
    "$TOOLS/dom0bench" evtchn "$d" "$port" "$REPS" "$N_EVT" "d0_$style"
    rc=$?
    xl destroy "$name"
    return $rc
}

# Block: diskbench in a guest on a disk image, and hostio on the same file (O_DIRECT, as
# blkback opens it). diskbench prints "diskbench: TEST qd=N ops=N bytes=N ns=N" per test.
BLK_TESTS="randread4k:1 randread4k:32 seqread1m:1 seqwrite1m:1"
blk_host() {
    local t
    for t in $BLK_TESTS; do "$TOOLS/hostio" "${t%:*}" "${t#*:}" "$BLK_SECS" "$REPS" "$BLK_IMG" || return 1; done
}
blk_guest() {
    local r t line out vals
    declare -A acc=()
    for r in $(seq 1 "$REPS"); do
        for t in $BLK_TESTS; do
            out=$(timeout 300 xl create -q -c "$BLK_CFG" "name=\"bench-blk-$r\"" \
                "extra=\"test=${t%:*} qd=${t#*:} seconds=$BLK_SECS\"" </dev/null | tr -d '\r')
            line=$(grep -m1 "^diskbench: ${t%:*} qd=${t#*:} " <<<"$out") || { echo "$out"; return 1; }
            acc[$t]+=" $(awk '{ for (i = 3; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
                 if ($2 == "randread4k") printf "%.1f", v["ops"] / (v["ns"] / 1e9);
                 else printf "%.1f", v["bytes"] * 1e3 / v["ns"] }' <<<"$line")"
        done
    done
    for t in $BLK_TESTS; do
        vals=${acc[$t]}
        case $t in randread*) u=ops/s ;; *) u=MB/s ;; esac
        echo "SAMPLE blk_${t%:*}_qd${t#*:} $u$vals"
    done
}

# Network: two netbench guests on one netback switch, and hostnet between two host processes
# over loopback. netbench prints "netbench: TEST pkts=N bytes=N ns=N [rtt_ns_avg=N]".
net_host() {
    "$TOOLS/hostnet" udp 1400 "$NET_SECS" "$REPS" && "$TOOLS/hostnet" udp 64 "$NET_SECS" "$REPS" &&
        "$TOOLS/hostnet" rr "$NET_RR" "$REPS"
}
# net_pair SERVER-EXTRA CLIENT-EXTRA: the client's and the server's netbench lines.
net_pair() {
    local spid
    timeout 120 xl create -q -c "$NET_CFG" 'name="nbs"' "extra=\"ip=10.77.0.1/24 $1\"" \
        </dev/null >"$LOGS/net-server.out" 2>&1 &
    spid=$!
    timeout 120 xl create -q -c "$NET_CFG" 'name="nbc"' "extra=\"ip=10.77.0.2/24 peer=10.77.0.1 $2\"" \
        </dev/null 2>&1 | tr -d '\r' | grep '^netbench:'
    case "$1" in *role=echo*) xl destroy nbs >/dev/null 2>&1 ;; esac
    wait $spid
    tr -d '\r' <"$LOGS/net-server.out" | grep '^netbench:'
}
# kv LINE KEY: a key=value field of a netbench line.
kv() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }
# rate LINE SCALE FIELD: FIELD * SCALE / ns.
rate() { awk -v x="$(kv "$1" "$3")" -v t="$(kv "$1" ns)" -v k="$2" 'BEGIN { printf "%.1f", x * k / t }'; }
net_guest() {
    local r out rx mb="" kp="" kp64="" rr=""
    for r in $(seq 1 "$REPS"); do
        out=$(net_pair "role=sink" "role=send size=1400 seconds=$NET_SECS")
        rx=$(grep -m1 'udp_rx' <<<"$out") || { echo "$out"; return 1; }
        mb="$mb $(rate "$rx" 1e3 bytes)" kp="$kp $(rate "$rx" 1e6 pkts)"
        out=$(net_pair "role=sink" "role=send size=64 seconds=$NET_SECS")
        rx=$(grep -m1 'udp_rx' <<<"$out") || { echo "$out"; return 1; }
        kp64="$kp64 $(rate "$rx" 1e6 pkts)"
        out=$(net_pair "role=echo" "role=rr size=64 count=$NET_RR")
        rx=$(grep -m1 'netbench: rr ' <<<"$out") || { echo "$out"; return 1; }
        rr="$rr $(awk -v a="$(kv "$rx" rtt_ns_avg)" 'BEGIN { printf "%.1f", a / 1e3 }')"
    done
    echo "SAMPLE net_udp_1400 MB/s$mb"
    echo "SAMPLE net_udp_1400_pps kpps$kp"
    echo "SAMPLE net_udp_64_pps kpps$kp64"
    echo "SAMPLE net_udp_rr us$rr"
}

# ---- machine ------------------------------------------------------------------------
substrate=kvm
[ -d /sys/module/kvm_pvm ] && substrate="kvm (pvm)"
[ -d /sys/module/kvm_intel ] && [ "$substrate" = kvm ] && substrate="kvm (vmx)"
[ -d /sys/module/kvm_amd ] && [ "$substrate" = kvm ] && substrate="kvm (svm)"
commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$ROOT" diff --quiet HEAD 2>/dev/null || commit="$commit + local changes"
info date "$(date -u '+%Y-%m-%d %H:%M UTC')"
info mode "$MODE"
info reps "$((ROUNDS * REPS))"
info cpu "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
info cpus "$(getconf _NPROCESSORS_ONLN)"
info memory "$(awk '/^MemTotal/ { printf "%.0f GiB RAM", $2 / 1048576 }' /proc/meminfo)"
info kernel "$(uname -r)"
info substrate "$substrate"
info commit "$commit"
info load "$(cut -d' ' -f1-3 /proc/loadavg)"
info many "$MANY"
info pinning "$([ "$CPUS" = all ] && echo "none" || echo "CPU $CPUS (taskset)")"

echo "bench: $MODE run, $ROUNDS x $REPS repetitions (median ± median absolute deviation), CPUs: $CPUS; stack in $PVISOR_RUNDIR" >&2
ulimit -n 8192 2>/dev/null || true # xenstored serves 1,000 watcher connections
start_stack

# The figures and their baselines alternate: ROUNDS rounds of (baseline, figures), then the
# baselines once more; the report pools every run of a measurement (REPS values each), so
# a change of the machine's load during the run shows on both sides.
baselines() {
    part raw-exit "$TOOLS/rawkvm" exit "$REPS" "$N"
    part raw-copy1 "$TOOLS/rawkvm" copy "$REPS" $((N / 4 + 1)) 1
    part raw-copy32 "$TOOLS/rawkvm" copy "$REPS" $((N / 16 + 1)) 32
    part raw-pingpong "$TOOLS/rawkvm" pingpong "$REPS" "$N_EVT"
    part raw-evfd "$TOOLS/rawkvm" evfd "$REPS" "$N_EVT"
    part raw-create "$TOOLS/rawkvm" create "$REPS"
}
for round in $(seq 1 "$ROUNDS"); do
    echo "round $round of $ROUNDS" >&2
    baselines
    part core guest bench-core-$round "mode=core reps=$REPS n=$N"
    part evt-block evt_domu block
    part evt-poll evt_domu poll
    part d0-block evt_dom0 block
    part d0-poll evt_dom0 poll
    part xs-dom0 "$TOOLS/dom0bench" xs "$REPS" "$N_XS" # its baseline interleaved inside
    part xs-guest guest bench-xs-$round "mode=xs reps=$REPS n=$N_GXS"
    part first-byte "$TOOLS/lifebench" firstbyte "$REPS" "$CFG"
    part create-destroy "$TOOLS/lifebench" destroy "$REPS" "$CFG" 'extra="sleep=600"'
done
BLK_IMG=$PVISOR_RUNDIR/bench-disk.img BLK_CFG=$PVISOR_RUNDIR/diskbench.cfg
BLK_SECS=$([ $QUICK = 1 ] && echo 1 || echo 2)
truncate -s 256M "$BLK_IMG" && "$TOOLS/hostio" seqwrite1m 1 1 1 "$BLK_IMG" >/dev/null # allocate it
cat >"$BLK_CFG" <<EOF
type = "pv"
kernel = "$GUESTS/diskbench"
memory = 64
disk = [ 'format=raw, vdev=xvda, access=rw, target=$BLK_IMG' ]
on_poweroff = "destroy"
EOF
for round in $(seq 1 "$ROUNDS"); do
    part blk-host blk_host
    part blk-guest blk_guest
done
NET_CFG=$PVISOR_RUNDIR/netbench.cfg NET_SECS=$([ $QUICK = 1 ] && echo 1 || echo 3)
NET_RR=$([ $QUICK = 1 ] && echo 500 || echo 3000)
cat >"$NET_CFG" <<EOF
type = "pv"
kernel = "$GUESTS/netbench"
memory = 64
vif = [ 'bridge=benchbr' ]
on_poweroff = "destroy"
EOF
for round in $(seq 1 "$ROUNDS"); do
    part net-host net_host
    part net-guest net_guest
done
echo "closing baselines" >&2
baselines
part xs-fanout "$TOOLS/dom0bench" fanout "$FAN" "$FAN_REPS"
part raw-mem "$TOOLS/rawkvm" mem "$MANY"
part many "$TOOLS/lifebench" many "$MANY" "$CFG" 'extra="sleep=3600"'

echo >&2
"$TOOLS/report" "$SAMPLES" "$RES/results.json" "$RES/results.md" || fail "bench: report" "report failed"
[ $QUICK = 1 ] && echo "(quick run: $MANY domains, the creation row compares #16-20 with #1-5)"
echo "results: $RES/results.json, $RES/results.md; samples: $SAMPLES"

# A full run keeps docs/performance.md current: its section between the markers.
DOC=$ROOT/docs/performance.md
if [ $QUICK = 0 ] && [ $DOCS = 1 ] && [ "$E2E_FAILS" = 0 ] && grep -q '^<!-- bench-results:begin' "$DOC" 2>/dev/null; then
    awk -v res="$RES/results.md" '
        /^<!-- bench-results:begin/ { print; while ((getline l < res) > 0) print l; skip = 1; next }
        /^<!-- bench-results:end/ { skip = 0 }
        !skip { print }' "$DOC" >"$DOC.tmp" && mv "$DOC.tmp" "$DOC" && echo "updated $DOC"
fi
exit $((E2E_FAILS > 0))
