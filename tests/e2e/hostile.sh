#!/bin/bash
# hostile.sh: hostile guests end to end, one scenario per attack class (docs/security.md,
# "Hostile-guest scenarios"): the hostile guest attacks while a neighbour guest works, and
# each scenario asserts that every daemon still runs, the attacker got Xen's defined
# errors (or was stalled or ended), the neighbour's result is right, and memory stays
# within its bounds; malformed kernel images go through xl create. HOSTILE_SECS (default
# 3) sets the length of storms, races and floods.
. "$(dirname "$0")/lib.sh"
need_kvm hostile
for g in hostile xsclient pingpong selftest; do
    [ -f "$GUESTS/$g" ] || { skip hostile "guest $g is not built (make all)"; exit 0; }
done
start_stack
S=${HOSTILE_SECS:-3}
DAEMONS="pvisord xenstored xenconsoled blkback netback"
XCD_LOG=$PVISOR_RUNDIR/xenconsoled.log

pid_of() { cat "$PVISOR_RUNDIR/$1.pid" 2>/dev/null; }
rss_of() { awk '/^VmRSS/ {print $2}' "/proc/$(pid_of "$1")/status" 2>/dev/null; }
fds_of() { ls "/proc/$(pid_of "$1")/fd" 2>/dev/null | wc -l; }
cpu_of() { awk '{print $14 + $15}' "/proc/$(pid_of "$1")/stat" 2>/dev/null; } # clock ticks
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }
# ASan keeps freed memory in its quarantine: RSS figures mean little in such builds.
asan() { type asan_build >/dev/null 2>&1 && asan_build; }
# cfg NAME GUEST [VCPUS]: a config file; a crashed domain stays listed (on_crash = preserve)
cfg() {
    printf 'name = "%s"\nkernel = "%s"\nmemory = 16\nvcpus = %s\non_poweroff = "destroy"\non_crash = "preserve"\n' \
        "$1" "$GUESTS/$2" "${3:-1}" >"$PVISOR_RUNDIR/$1.cfg"
    echo "$PVISOR_RUNDIR/$1.cfg"
}
# start NAME GUEST VCPUS EXTRA [-p]: xl create, a FAIL line if that fails
start() {
    if ! xl create ${5:+"$5"} "$(cfg "$1" "$2" "$3")" "extra=\"$4\"" >"$PVISOR_RUNDIR/$1.create" 2>&1; then
        fail "$1: xl create" "$(tail -2 "$PVISOR_RUNDIR/$1.create" | tr '\n' ' ')"
        return 1
    fi
}
# dmesg_of NAME: the console_io lines of domain NAME (for guests that broke their console ring)
dmesg_of() { xl dmesg 2>/dev/null | sed -n "s/^.*(d$2) //p"; }

daemons_alive() {
    local dead=""
    for d in $DAEMONS; do daemon_alive "$d" || dead+="$d "; done
    if [ -z "$dead" ]; then pass "$1: every daemon still runs"; else fail "$1: every daemon still runs" "dead: $dead"; fi
}
# judge SCENARIO MODE OUTPUT: the attacker finished its mode with no UNEXPECTED result
judge() {
    local sum
    sum=$(grep -o "hostile: $2: [0-9]* cases, [0-9]* unexpected" <<<"$3")
    if grep -q "^hostile: $2 done" <<<"$3" && [[ "$sum" == *", 0 unexpected" ]]; then
        pass "$1: the attacker got the defined results (${sum#"hostile: $2: "})"
    else
        fail "$1: the attacker got the defined results" \
            "${sum:-no summary}: $(grep -E 'UNEXPECTED|FAIL' <<<"$3" | head -3 | tr '\n' ' ')"
    fi
}
# attacker NAME MODE SECONDS: waits for the attacker to power off and judges its console log
attacker() {
    run_guest "$1" "$3" || return 1
    judge "$2" "$2" "$(out_of "$1")"
}
# xs_neighbour SCENARIO NAME: an xsclient neighbour passed its checks and every loop round
xs_neighbour() {
    run_guest "$2" 60 || return 1
    local o sum loop
    o=$(out_of "$2")
    sum=$(grep -o "xsclient: [0-9]* passed, [0-9]* failed" <<<"$o")
    loop=$(grep -o "xsclient: loop done, [0-9]* ok, [0-9]* failed" <<<"$o")
    if [[ "$sum" == *", 0 failed" && "$loop" == *", 0 failed" && "$loop" != *" 0 ok"* ]]; then
        pass "$1: the neighbour's xenstore and console kept working (${sum#xsclient: }; ${loop#xsclient: })"
    else
        fail "$1: the neighbour kept working" "${sum:-no summary} / ${loop:-no loop} $(grep FAIL <<<"$o" | head -2 | tr '\n' ' ')"
    fi
}
selftest_neighbour() {
    run_guest "$2" 60 || return 1
    local sum
    sum=$(out_of "$2" | grep -o "selftest: [0-9]* passed, [0-9]* failed")
    if [[ "$sum" == *", 0 failed" ]]; then pass "$1: the neighbour's selftest passed (${sum#selftest: })"; else fail "$1: the neighbour's selftest" "${sum:-no summary}"; fi
}
# pp_create TAG ROUNDS: two pingpong guests TAGa and TAGb, created paused and told of each
# other in xenstore (as pingpong.sh); pp_go TAG unpauses them; pp_result TAG checks both
# ended with N verified rounds and prints A's microseconds per round trip.
pp_create() {
    start "$1a" pingpong 1 "rounds=$2" -p && start "$1b" pingpong 1 "rounds=$2" -p || return 1
    local a b
    a=$(domid_of "$1a") b=$(domid_of "$1b")
    xenstore-write "/local/domain/$a/pingpong/peer" "$b" "/local/domain/$b/pingpong/peer" "$a" &&
        xenstore-chmod -r "/local/domain/$a/pingpong" "n$a" "r$b" &&
        xenstore-chmod -r "/local/domain/$b/pingpong" "n$b" "r$a"
}
pp_go() { xl unpause "$1a" && xl unpause "$1b"; }
pp_result() {
    run_guest "$1a" 60 && run_guest "$1b" 10 || return 1
    local la lb
    la=$(out_of "$1a" | grep -o "pingpong: [0-9]* rounds OK.*")
    lb=$(out_of "$1b" | grep -o "pingpong: [0-9]* rounds OK.*")
    [ -n "$la" ] && [ -n "$lb" ] || return 1
    sed -n 's/.* \([0-9]*\) us per round trip.*/\1/p' <<<"$la"
}

# Baselines once a first guest came and went: daemons open some handles on first use.
T_ALL=$(date +%s%N)
fdx=$(fds_of xenconsoled)
start warmup hostile 1 "mode=none"
run_guest warmup 20
wait_for 10 sh -c "[ \$(ls /proc/$(pid_of xenconsoled)/fd | wc -l) -le $fdx ]"
rss0_pvisord=$(rss_of pvisord) rss0_xenstored=$(rss_of xenstored) rss0_xenconsoled=$(rss_of xenconsoled)
fds0_pvisord=$(fds_of pvisord) fds0_xenstored=$(fds_of xenstored) fds0_xenconsoled=$(fds_of xenconsoled)

# ---- 1. bad hypercall pointers and counts (neighbour: selftest) -------------------------------------
t=$(date +%s%N)
start nb1 selftest 1 ""
start a-ptrs hostile 1 "mode=hcall-ptrs"
start a-counts hostile 1 "mode=hcall-counts"
attacker a-ptrs hcall-ptrs 30
attacker a-counts hcall-counts 30
selftest_neighbour hcall-ptrs nb1
daemons_alive hcall-ptrs
echo "# hcall-ptrs + hcall-counts: $(ms_since "$t") ms"

# ---- 2. the longest hypercall: destroy must not wait for it ------------------------------------------
t=$(date +%s%N)
start a-stall hostile 1 "mode=hcall-stall secs=5"
start nb2 selftest 1 ""
if wait_for 20 has a-stall "entering multicalls"; then
    sleep 1
    t1=$(date +%s%N)
    timeout 60 xl destroy a-stall >/dev/null 2>&1
    ms=$(ms_since "$t1")
    if [ "$ms" -lt 3000 ] && gone a-stall && ! has a-stall "multicall 1:"; then
        pass "hcall-stall: xl destroy of a vCPU inside a multicall of 2^30 mmu_update entries took ${ms} ms"
    else
        fail "hcall-stall: xl destroy during a huge multicall" "${ms} ms, $(xl list 2>&1 | grep a-stall)"
    fi
else
    fail "hcall-stall: attacker entered its multicall" "$(out_of a-stall | tail -2 | tr '\n' ' ')"
fi
selftest_neighbour hcall-stall nb2
daemons_alive hcall-stall
echo "# hcall-stall: $(ms_since "$t") ms"

# ---- 3. event storms: a pingpong pair's round trips and xenstored's service -----------------------------
t=$(date +%s%N)
pp_create pb 1000 && pp_go pb
base=$(pp_result pb)
start a-storm hostile 1 "mode=evtchn-storm secs=$((S + 2))"
wait_for 10 has a-storm "storming ports"
cx0=$(cpu_of xenstored) cc0=$(cpu_of xenconsoled) tc=$(date +%s%N)
pp_create ps 2000 && pp_go ps
xs_ms=0
for i in $(seq 1 20); do
    t1=$(date +%s%N)
    xenstore-write /hostile/probe "$i" >/dev/null 2>&1 || xs_ms=99999
    m=$(ms_since "$t1")
    [ "$m" -gt "$xs_ms" ] && xs_ms=$m
done
storm=$(pp_result ps)
wall=$(ms_since "$tc") cx=$(($(cpu_of xenstored) - cx0)) cc=$(($(cpu_of xenconsoled) - cc0))
attacker a-storm evtchn-storm 30
echo "# evtchn-storm: $(out_of a-storm | grep -o '[0-9]* sends in.*')"
if [ -n "$base" ] && [ -n "$storm" ] && [ "$storm" -le $((base * 10 + 2000)) ]; then
    pass "evtchn-storm: the neighbours' 2000 verified round trips took ${storm} us each (${base} us without the storm)"
else
    fail "evtchn-storm: neighbour round trips" "${storm:-failed} us during the storm, ${base:-failed} us before"
fi
if [ "$xs_ms" -lt 2000 ]; then pass "evtchn-storm: xenstore requests from dom0 still answered (slowest ${xs_ms} ms)"; else fail "evtchn-storm: xenstore from dom0" "slowest ${xs_ms} ms"; fi
tick=$(getconf CLK_TCK)
if [ $((cx * 1000 / tick)) -lt $((wall / 2)) ] && [ $((cc * 1000 / tick)) -lt $((wall / 2)) ]; then
    pass "evtchn-storm: xenstored and xenconsoled used $((cx * 1000 / tick)) and $((cc * 1000 / tick)) ms of CPU in ${wall} ms"
else
    fail "evtchn-storm: daemons' CPU" "xenstored $((cx * 1000 / tick)) ms, xenconsoled $((cc * 1000 / tick)) ms in ${wall} ms"
fi
daemons_alive evtchn-storm
echo "# evtchn-storm: $(ms_since "$t") ms"

# ---- 4. port exhaustion: the neighbours bind their channel meanwhile -----------------------------------
t=$(date +%s%N)
pp_create pe 1000
start a-ports hostile 1 "mode=port-exhaust secs=$S peer=$(domid_of pea)"
if wait_for 15 has a-ports "holding them"; then
    pp_go pe
    if us=$(pp_result pe); then pass "port-exhaust: a neighbour pair bound a channel and did 1000 verified round trips meanwhile (${us} us each)"; else fail "port-exhaust: neighbour pair" "$(out_of pea | tail -2 | tr '\n' ' ')"; fi
else
    fail "port-exhaust: the attacker filled its port table" "$(out_of a-ports | tail -3 | tr '\n' ' ')"
    pp_go pe
fi
attacker a-ports port-exhaust 30
echo "# port-exhaust: $(out_of a-ports | grep -o '[0-9]* ports taken')"
daemons_alive port-exhaust
echo "# port-exhaust: $(ms_since "$t") ms"

# ---- 5. grant map/unmap races on two vCPUs -------------------------------------------------------------
t=$(date +%s%N)
start a-race hostile 2 "mode=grant-race secs=$S"
pp_create pr 2000 && pp_go pr
attacker a-race grant-race 30
echo "# grant-race: $(out_of a-race | grep -o '[0-9]* maps (.*')"
if us=$(pp_result pr); then pass "grant-race: a neighbour pair mapped its grant and did 2000 verified round trips (${us} us each)"; else fail "grant-race: neighbour pair" "$(out_of pra | tail -2 | tr '\n' ' ')"; fi
daemons_alive grant-race
echo "# grant-race: $(ms_since "$t") ms"

# ---- 6. grant copy bounds and xenstore quota/watch abuse against a neighbour --------------------------
t=$(date +%s%N)
start nb6 xsclient 1 "loop=$((S + 2))"
wait_for 10 has nb6 "looping for"
nb=$(domid_of nb6)
start a-copy hostile 1 "mode=grant-copy peer=$nb"
start a-quota hostile 1 "mode=xs-quota peer=$nb secs=$S"
qid=$(domid_of a-quota)
attacker a-copy grant-copy 30
attacker a-quota xs-quota 30
echo "# xs-quota: $(out_of a-quota | grep -oE '[0-9]+ (nodes|watches|transactions|events)[^-]*' | tr '\n' ';')"
xs_neighbour grant-copy/xs-quota nb6
quota_log=$(grep -c "quota" "$PVISOR_RUNDIR/xenstored.log" 2>/dev/null)
if [ "$quota_log" -ge 3 ]; then pass "xs-quota: xenstored logged the quotas that were hit ($quota_log lines)"; else fail "xs-quota: quota hits logged" "$quota_log lines"; fi
if [ -n "$qid" ] && wait_for 5 sh -c "! xenstore-exists /local/domain/$qid"; then
    pass "xs-quota: the attacker's nodes went with its domain"
else
    fail "xs-quota: the attacker's nodes went with its domain" "/local/domain/${qid:-?} is still there"
fi
daemons_alive grant-copy/xs-quota
echo "# grant-copy + xs-quota: $(ms_since "$t") ms"

# ---- 7. xenstore ring attacks: oversized messages, index corruption, a client that never reads ----------
t=$(date +%s%N)
start nb7 xsclient 1 "loop=$S fast=1"
wait_for 10 has nb7 "looping for"
start a-xsring hostile 1 "mode=xs-ring secs=$S"
xid=$(domid_of a-xsring)
attacker a-xsring xs-ring 30
echo "# xs-ring: $(out_of a-xsring | grep -o 'never reading replies.*')"
xs_neighbour xs-ring nb7
n=$(grep -c "domain $xid: xenstore ring:" "$PVISOR_RUNDIR/xenstored.log" 2>/dev/null)
if [ "$n" -ge 5 ]; then pass "xs-ring: xenstored logged why it stopped serving the ring ($n times)"; else fail "xs-ring: reasons logged" "$n lines"; fi
daemons_alive xs-ring
echo "# xs-ring: $(ms_since "$t") ms"

# ---- 8. console ring index corruption ------------------------------------------------------------------
t=$(date +%s%N)
start nb8 xsclient 1 "loop=$S"
start a-cring hostile 1 "mode=console-ring secs=$S"
id=$(domid_of a-cring)
if wait_for 15 grep -q "(a-cring): output ring indexes out of range" "$XCD_LOG"; then
    pass "console-ring: xenconsoled disconnected that console with a reason ($(grep -o '(a-cring): output ring.*' "$XCD_LOG" | head -1 | cut -c1-90)...)"
else
    fail "console-ring: disconnected with a reason" "$(tail -2 "$XCD_LOG" | tr '\n' ' ')"
fi
run_guest a-cring 30 && judge console-ring console-ring "$(dmesg_of a-cring "$id")"
if has a-cring "hostile: console-ring: still consumed"; then pass "console-ring: a guest-written out_cons is ignored (xenconsoled keeps its own index)"; else fail "console-ring: out_cons ignored" "the hand-written line is not in the log"; fi
xs_neighbour console-ring nb8
daemons_alive console-ring
echo "# console-ring: $(ms_since "$t") ms"

# ---- 9. double fetches: requests changed while pvisord and xenstored read them ---------------------------
t=$(date +%s%N)
start nb9 xsclient 1 "loop=$((S + 1)) fast=1"
wait_for 10 has nb9 "looping for"
start a-df hostile 2 "mode=double-fetch secs=$S"
attacker a-df double-fetch 30
echo "# double-fetch: $(out_of a-df | grep -o 'xenstore header.*')"
xs_neighbour double-fetch nb9
daemons_alive double-fetch
echo "# double-fetch: $(ms_since "$t") ms"

# ---- 10. console flooding: the ring and console_io at full speed ----------------------------------------
t=$(date +%s%N)
start nb10 xsclient 1 "loop=$((S + 1))"
wait_for 10 has nb10 "looping for"
nbid=$(domid_of nb10)
hv0=$(stat -c %s "$PVISOR_RUNDIR/pvisord.log") xr0=$(rss_of xenconsoled) pr0=$(rss_of pvisord)
start a-flood hostile 1 "mode=console-flood secs=$((S + 1))"
attacker a-flood console-flood 60
echo "# console-flood: $(out_of a-flood | grep -oE '[0-9]+ (lines|bytes) [^(]*' | tr '\n' ';')"
hv=$(($(stat -c %s "$PVISOR_RUNDIR/pvisord.log") - hv0)) xr=$(($(rss_of xenconsoled) - xr0)) pr=$(($(rss_of pvisord) - pr0))
if [ $hv -lt $((512 * 1024)) ] && grep -q "console output over the limit" "$PVISOR_RUNDIR/pvisord.log"; then
    pass "console-flood: the hypervisor log grew ${hv} bytes, the limit was logged"
else
    fail "console-flood: hypervisor log bounded" "grew $hv bytes"
fi
if xl dmesg | grep -q "domain $nbid (nb10) created"; then pass "console-flood: xl dmesg still has the neighbour's lines"; else fail "console-flood: xl dmesg kept older lines" "the neighbour's creation line is gone"; fi
sz=$(stat -c %s "$PVISOR_RUNDIR/console/a-flood.log" 2>/dev/null || echo 0)
if [ "$sz" -le $((1024 * 1024 + 4096)) ] && { asan || { [ $xr -lt 2048 ] && [ $pr -lt 8192 ]; }; }; then
    pass "console-flood: its console log ${sz} bytes, xenconsoled RSS +${xr} KiB, pvisord RSS +${pr} KiB"
else
    fail "console-flood: memory and log bounds" "log $sz bytes, xenconsoled +${xr} KiB, pvisord +${pr} KiB"
fi
xs_neighbour console-flood nb10
daemons_alive console-flood
echo "# console-flood: $(ms_since "$t") ms"

# ---- 11. malformed kernel images ---------------------------------------------------------------------
t=$(date +%s%N)
IMG=$PVISOR_RUNDIR/images
mkdir -p "$IMG"
python3 - "$GUESTS/hello" "$IMG" <<'EOF'
import os, struct, sys
good, out = open(sys.argv[1], "rb").read(), sys.argv[2]
def w(name, data):
    open(os.path.join(out, name), "wb").write(data)
def patched(name, *edits):
    b = bytearray(good)
    for fmt, off, val in edits:
        struct.pack_into(fmt, b, off, val)
    w(name, bytes(b))
phoff, = struct.unpack_from("<Q", good, 32)
phsz, phnum = struct.unpack_from("<HH", good, 54)
ph = [phoff + i * phsz for i in range(phnum)]
load = [p for p in ph if struct.unpack_from("<I", good, p)[0] == 1][0]
note = [p for p in ph if struct.unpack_from("<I", good, p)[0] == 4][0]
noff, nsz = struct.unpack_from("<Q", good, note + 8)[0], struct.unpack_from("<Q", good, note + 32)[0]
w("empty", b"")
w("garbage", bytes((i * 131 + 7) & 255 for i in range(65536)))
w("truncated-header", good[:40])
w("truncated-phdrs", good[:phoff + 20])
w("truncated-half", good[:len(good) // 2])
patched("huge-memsz", ("<Q", load + 40, 1 << 62))
patched("filesz-past-eof", ("<Q", load + 32, 1 << 30))
patched("offset-past-eof", ("<Q", load + 8, 1 << 40))
patched("upper-half", ("<Q", load + 16, 0xffff800000000000), ("<Q", load + 24, 0xffff800000000000))
patched("wrapping", ("<Q", load + 16, 0xfffffffffffff000), ("<Q", load + 24, 0xfffffffffffff000))
patched("phnum-65535", ("<H", 56, 0xffff))
patched("phentsize-1", ("<H", 54, 1))
patched("elf32", ("<B", 4, 1))
patched("arm64", ("<H", 18, 183))
patched("note-descsz-huge", ("<I", noff + 4, 0xfffffff0))
# the ENTRY note pointing at the zeroed .bss: the image builds and the guest runs into a fault
last = [p for p in ph if struct.unpack_from("<I", good, p)[0] == 1][-1]
bss = struct.unpack_from("<Q", good, last + 16)[0] + struct.unpack_from("<Q", good, last + 32)[0]
at = noff
while at < noff + nsz:
    namesz, descsz, typ = struct.unpack_from("<III", good, at)
    desc = at + 12 + ((namesz + 3) & ~3)
    if typ == 1:
        patched("entry-in-bss", ("<Q", desc, bss))
    at = desc + ((descsz + 3) & ~3)
EOF
truncate -s 3G "$IMG/sparse-3g"
mkdir -p "$IMG/a-directory"
start nb11 xsclient 1 "loop=2"
pr0=$(rss_of pvisord)
refused=0 crashed=0 bad=""
for f in "$IMG"/*; do
    n=$(basename "$f")
    printf 'name = "elf"\nkernel = "%s"\nmemory = 16\non_crash = "preserve"\n' "$f" >"$PVISOR_RUNDIR/elf.cfg"
    out=$(timeout 20 xl create "$PVISOR_RUNDIR/elf.cfg" 2>&1)
    rc=$?
    if [ $rc != 0 ]; then
        if grep -q "cannot build domain 'elf': kernel $f: ." <<<"$out" && gone elf; then
            refused=$((refused + 1))
            echo "# bad-elf: $n: $(grep -o "kernel $f: .*" <<<"$out" | sed "s|kernel $f: ||" | cut -c1-110)"
        else
            bad+="$n: rc=$rc '$(grep -v Parsing <<<"$out" | head -1)'; "
        fi
    elif wait_for 10 sh -c "xl dmesg | grep -q '(elf) shut down: crash'" && ! gone elf; then
        crashed=$((crashed + 1)) # it built: the guest must end with a crash report
    else
        bad+="$n: accepted and not crashed ($(xl list elf 2>&1 | tail -1)); "
    fi
    xl destroy elf >/dev/null 2>&1
    wait_for 5 gone elf
done
if [ -z "$bad" ]; then
    pass "bad-elf: $refused malformed images refused with a message naming the problem, $crashed built and crashed with a report"
else
    fail "bad-elf: every malformed image refused or crashed" "$bad"
fi
if [ "$(xl list | grep -vcE '^(Name|Domain-0|nb11) ')" = 0 ]; then pass "bad-elf: no domain left behind"; else fail "bad-elf: no domain left behind" "$(xl list | tail -n +3 | tr '\n' ' ')"; fi
pr=$(($(rss_of pvisord) - pr0))
if asan || [ $pr -lt 4096 ]; then pass "bad-elf: pvisord RSS +${pr} KiB"; else fail "bad-elf: pvisord memory" "+${pr} KiB"; fi
xs_neighbour bad-elf nb11
daemons_alive bad-elf
echo "# bad-elf: $(ms_since "$t") ms"

# ---- afterwards: nothing left, resources back to baseline ------------------------------------------------
wait_for 10 sh -c "[ \$(xl list | wc -l) -le 2 ]"
if [ "$(xl list | wc -l)" -le 2 ]; then pass "all: every domain is gone"; else fail "all: every domain is gone" "$(xl list | tail -n +3 | tr '\n' ' ')"; fi
for d in pvisord xenstored xenconsoled; do
    f0=fds0_$d r0=rss0_$d
    if wait_for 10 sh -c "[ \$(ls /proc/$(pid_of $d)/fd | wc -l) -le ${!f0} ]"; then
        pass "all: $d fds back to baseline (${!f0}); RSS ${!r0} -> $(rss_of $d) KiB"
    else
        fail "all: $d fds back to baseline" "${!f0} -> $(fds_of $d)"
    fi
done
grow() { echo $(($(rss_of "$1") - $2)); }
if asan; then
    skip "all: daemons' memory within bounds" "an ASan build (freed memory stays in its quarantine)"
elif [ "$(grow pvisord "$rss0_pvisord")" -lt 32768 ] && [ "$(grow xenstored "$rss0_xenstored")" -lt 8192 ] &&
    [ "$(grow xenconsoled "$rss0_xenconsoled")" -lt 4096 ]; then
    pass "all: daemons' memory within bounds (pvisord +$(grow pvisord "$rss0_pvisord") KiB, xenstored +$(grow xenstored "$rss0_xenstored") KiB, xenconsoled +$(grow xenconsoled "$rss0_xenconsoled") KiB)"
else
    fail "all: daemons' memory within bounds" "pvisord +$(grow pvisord "$rss0_pvisord"), xenstored +$(grow xenstored "$rss0_xenstored"), xenconsoled +$(grow xenconsoled "$rss0_xenconsoled") KiB"
fi
daemons_alive all
echo "# hostile: $(ms_since "$T_ALL") ms in all"
exit $((E2E_FAILS > 0))
