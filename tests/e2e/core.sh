#!/bin/bash
# core.sh: end-to-end: hello, selftest, lifecycle (list/pause/unpause/destroy), crash
# isolation, SMP on 2 and 4 vCPUs, and 100 create/destroy cycles back to baseline.
. "$(dirname "$0")/lib.sh"
need_kvm core
start_stack
EX=$ROOT/examples

# hello: output and poweroff
out=$(timeout 60 xl create -c "$EX/hello.cfg" 2>&1); rc=$?
if [ $rc = 0 ] && grep -q "hello from a pvisor PV guest: Xen 4.17" <<<"$out"; then
    pass "hello prints version and powers off"
else
    fail "hello prints version and powers off" "rc=$rc: $(tail -2 <<<"$out")"
fi

# selftest: every hypercall check passes
if [ -x "$GUESTS/selftest" ]; then
    out=$(timeout 120 xl create -c "$EX/selftest.cfg" 2>&1); rc=$?
    summary=$(grep -o "selftest: [0-9]* passed, [0-9]* failed" <<<"$out" | tail -1)
    if [ $rc = 0 ] && [[ "$summary" =~ ", 0 failed" ]]; then
        pass "selftest ($summary)"
    else
        fail "selftest" "rc=$rc ${summary:-no summary}: $(grep 'not ok' <<<"$out" | head -5 | tr '\n' ';')"
    fi
else
    fail "selftest" "build/guests/selftest was not built"
fi

# lifecycle on a guest that sleeps
xl create "$EX/hello.cfg" 'name="life"' 'extra="sleep=120"' >/dev/null 2>&1
if wait_for 10 sh -c "xl list | grep -q '^life '"; then pass "create: listed"; else fail "create: listed" "$(xl list 2>&1)"; fi
state() { xl list life 2>/dev/null | awk '$1 == "life" { print $5 }'; }
xl pause life >/dev/null 2>&1
if [[ "$(state)" == *p* ]]; then pass "pause shows p"; else fail "pause shows p" "state=$(state)"; fi
xl unpause life >/dev/null 2>&1
if [[ "$(state)" != *p* ]]; then pass "unpause"; else fail "unpause" "state=$(state)"; fi
json=$(xl list -l life 2>&1)
if grep -q '"domid"' <<<"$json"; then pass "list -l gives JSON"; else fail "list -l gives JSON" "$json"; fi
xl destroy life >/dev/null 2>&1
if wait_for 5 sh -c "! xl list | grep -q '^life '"; then pass "destroy"; else fail "destroy" "still listed"; fi

# crash isolation: a neighbour keeps running through another domain's crash
xl create "$EX/hello.cfg" 'name="neighbour"' 'extra="sleep=3"' >/dev/null 2>&1
out=$(timeout 60 xl create -c "$EX/crash.cfg" 2>&1); rc=$?
if [ $rc != 0 ] && grep -q "crashed" <<<"$out"; then pass "crash: xl reports it"; else fail "crash: xl reports it" "rc=$rc"; fi
if xl dmesg 2>/dev/null | grep -q "#UD (ud2)"; then pass "crash: report in xl dmesg"; else fail "crash: report in xl dmesg" "no #UD line"; fi
if xl list >/dev/null 2>&1; then pass "crash: pvisord unharmed"; else fail "crash: pvisord unharmed" "xl list failed"; fi
nid=$(domid_of neighbour)
# its output: xenconsoled's log of it, or (without xenconsoled) its console_io lines in xl dmesg
neighbour_done() {
    grep -qs 'hello: slept 3 s' "$PVISOR_RUNDIR/console/neighbour.log" ||
        xl dmesg 2>/dev/null | grep -q "(d$nid) hello: slept 3 s"
}
if [ -n "$nid" ] && wait_for 20 neighbour_done; then
    pass "crash: neighbour unaffected"
else
    fail "crash: neighbour unaffected" "neighbour (id ${nid:-none}) did not finish its sleep"
fi

# SMP
for n in 2 4; do
    out=$(timeout 60 xl create -c "$EX/smp.cfg" vcpus=$n "name=\"smp$n\"" 2>&1); rc=$?
    if [ $rc = 0 ] && grep -q "smp: $n vcpus OK" <<<"$out"; then pass "smp on $n vCPUs"; else fail "smp on $n vCPUs" "rc=$rc: $(tail -1 <<<"$out")"; fi
done

# churn: 100 create/destroy cycles leave pvisord's fds, threads and memory at baseline
pid=$(cat "$PVISOR_RUNDIR/pvisord.pid")
snap() { echo "$(ls /proc/$pid/fd | wc -l) $(ls /proc/$pid/task | wc -l) $(awk '/VmRSS/ {print $2}' /proc/$pid/status)"; }
xl create "$EX/hello.cfg" 'name="warm"' 'extra="sleep=60"' >/dev/null 2>&1; xl destroy warm >/dev/null 2>&1
# baseline: no domains and no clients left, so only pvisord's main thread remains
for _ in $(seq 50); do read -r fd0 th0 rss0 <<<"$(snap)"; [ "$th0" = 1 ] && break; sleep 0.1; done
ok=0
for i in $(seq 1 100); do
    xl create "$EX/hello.cfg" 'name="churn"' 'extra="sleep=60"' >/dev/null 2>&1 && xl destroy churn >/dev/null 2>&1 && ok=$((ok + 1))
done
# xl's background monitors disconnect once their domain is gone: give them a moment.
for _ in $(seq 50); do read -r fd1 th1 rss1 <<<"$(snap)"; [ "$fd1" = "$fd0" ] && [ "$th1" = "$th0" ] && break; sleep 0.1; done
if [ $ok = 100 ]; then pass "churn: 100 create/destroy cycles"; else fail "churn: 100 create/destroy cycles" "$ok succeeded"; fi
if [ "$fd1" = "$fd0" ] && [ "$th1" = "$th0" ]; then pass "churn: fds and threads at baseline ($fd0 fds, $th0 threads)"; else fail "churn: fds and threads at baseline" "fds $fd0->$fd1 threads $th0->$th1"; fi
if asan_build; then skip "churn: RSS within 8 MiB of baseline" "AddressSanitizer build (${rss0}->${rss1} KiB; freed memory sits in its quarantine)"
elif [ $((rss1 - rss0)) -lt 8192 ]; then pass "churn: RSS within 8 MiB of baseline (${rss0}->${rss1} KiB)"; else fail "churn: RSS within 8 MiB" "${rss0}->${rss1} KiB"; fi
exit 0
