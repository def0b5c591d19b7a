#!/bin/bash
# xenstore_ring.sh: guests talk to xenstored over their store ring: own nodes, watches and
# transactions (xsclient), refusals, the layout xl writes, control/shutdown (xl shutdown,
# -F), a hostile guest corrupting its ring, SIGKILL + restart of xenstored under a live
# guest, release on destroy, and domains that died while xenstored was down.
. "$(dirname "$0")/lib.sh"
need_kvm xenstore_ring
for g in xsclient hello; do
    [ -x "$GUESTS/$g" ] || { fail "guest $g built" "$GUESTS/$g is missing"; exit 1; }
done
start_stack
XSD_PID=$PVISOR_RUNDIR/xenstored.pid
[ -s "$XSD_PID" ] || { fail "xenstored runs" "pvisor start did not start it"; exit 1; }

cfg() { # cfg NAME GUEST: a config file for a guest image
    printf 'name = "%s"\nkernel = "%s"\nmemory = 16\n' "$1" "$GUESTS/$2" >"$PVISOR_RUNDIR/$1.cfg"
    echo "$PVISOR_RUNDIR/$1.cfg"
}
# bg NAME GUEST [KEY=VALUE...]: start a guest with its console (`xl create -c`) copied
# to $PVISOR_RUNDIR/NAME.out in the background; glog NAME shows it.
bg() {
    local n=$1 g=$2; shift 2
    xl create -c "$(cfg "$n" "$g")" "$@" >"$PVISOR_RUNDIR/$n.out" 2>&1 </dev/null &
    wait_for 10 sh -c "xl list 2>/dev/null | grep -q '^$n '"
}
glog() { cat "$PVISOR_RUNDIR/$1.out" 2>/dev/null; }
has_line() { glog "$1" | grep -q -- "$2"; }
xsd_log() { cat "$PVISOR_RUNDIR/xenstored/xenstored.log" "$PVISOR_RUNDIR/xenstored.log" 2>/dev/null; }
start_xsd() { "$BIN/xenstored" --rundir "$PVISOR_RUNDIR" --pidfile "$XSD_PID"; }
kill_xsd() { kill -9 "$(cat "$XSD_PID")" 2>/dev/null; sleep 0.3; }

# A bystander that sleeps (and obeys control/shutdown).
bg other hello 'extra="sleep=120"'
OTHER=$(domid_of other)
[ -n "$OTHER" ] || { fail "create a second guest" "$(xl list 2>&1)"; exit 1; }

# --- the layout xl writes ---------------------------------------------------------------
H=/local/domain/$OTHER
vm=$(xenstore-read $H/vm 2>&1)
ok=1; why=""
for kv in "name=other" "domid=$OTHER" "console/type=xenconsoled" "console/output=pty" \
          "console/limit=1048576" "memory/target=16384" "memory/static-max=16384" \
          "cpu/0/availability=online" "control/shutdown=" \
          "control/platform-feature-xs_reset_watches=1"; do
    got=$(xenstore-read "$H/${kv%%=*}" 2>&1)
    [ "$got" = "${kv#*=}" ] || { ok=0; why+="${kv%%=*}='$got' "; }
done
for k in store/ring-ref store/port console/ring-ref console/port; do
    [[ "$(xenstore-read $H/$k 2>&1)" =~ ^[0-9]+$ ]] || { ok=0; why+="$k not a number "; }
done
[[ "$vm" =~ ^/vm/[0-9a-f-]{36}$ ]] && [ "$(xenstore-read $vm/name 2>&1)" = other ] ||
    { ok=0; why+="vm=$vm "; }
[ $ok = 1 ] && pass "xl create writes Xen's layout" || fail "xl create writes Xen's layout" "$why"
perms=$(xenstore-ls -p $H 2>&1)
if xenstore-ls -p /local/domain 2>&1 | grep -q "^$OTHER = .*(n$OTHER)" &&
   grep -q "^store = .*(n0,r$OTHER)" <<<"$perms" &&
   grep -q "^ shutdown = .*(n$OTHER)" <<<"$perms" && grep -q "^name = .*(n0,r$OTHER)" <<<"$perms"; then
    pass "permissions: the guest owns its home, reads what the toolstack states"
else
    fail "permissions" "$(head -12 <<<"$perms" | tr '\n' ';')"
fi
if xsd_log | grep -q "domain $OTHER: xenstore ring connected"; then
    pass "INTRODUCE connects the guest's ring"
else
    fail "INTRODUCE connects the guest's ring" "$(xsd_log | tail -3)"
fi

# --- a guest reads, writes and watches its own nodes; refusals ---------------------------
out=$(timeout 60 xl create -c "$(cfg xsc xsclient)" "extra=\"peer=$H/name\"" 2>&1); rc=$?
summary=$(grep -o "xsclient: [0-9]* passed, [0-9]* failed" <<<"$out")
if [ $rc = 0 ] && [[ "$summary" =~ ", 0 failed" ]] && ! grep -q FAIL <<<"$out"; then
    pass "guest reads, writes, watches, transacts over its ring ($summary)"
else
    fail "guest over its ring" "rc=$rc ${summary:-no summary}: $(grep FAIL <<<"$out" | head -4 | tr '\n' ';')"
fi
for what in "reading another domain's node is EACCES" "writing another domain's node is EACCES" \
            "INTRODUCE is EACCES" "writing outside its home is EACCES"; do
    grep -q "ok - $what" <<<"$out" && pass "refused: $what" || fail "refused: $what" "not seen"
done
if [ "$(xenstore-read $H/name 2>&1)" = other ]; then pass "the other guest's node is untouched"
else fail "the other guest's node is untouched" "$(xenstore-read $H/name 2>&1)"; fi

# --- a hostile guest corrupts its ring; others carry on ----------------------------------
bg busy xsclient 'extra="loop=12"'
wait_for 10 has_line busy "loop 5 ok"
out=$(timeout 60 xl create -c "$(cfg evil xsclient)" 'extra="corrupt=1"' 2>&1)
if grep -q "ring error field = 2" <<<"$out" && grep -q "read after corruption: -5 EIO" <<<"$out"; then
    pass "corrupted ring indexes: that guest is cut off (error=RINGIDX, EIO)"
else
    fail "corrupted ring indexes" "$(grep -E 'corrupt|error' <<<"$out" | tr '\n' ';')"
fi
if xsd_log | grep -q "xenstore ring: req_prod .* ahead of req_cons"; then
    pass "xenstored logs the bad index"
else
    fail "xenstored logs the bad index" "$(xsd_log | tail -3 | tr '\n' ';')"
fi
grep -q "ok - read after reconnecting" <<<"$out" && pass "the guest recovers with Xen's ring reconnection" ||
    fail "ring reconnection" "$(tail -3 <<<"$out" | tr '\n' ';')"
wait_for 30 has_line busy "loop done"
done_line=$(glog busy | grep "loop done")
if [[ "$done_line" =~ ", 0 failed" ]] && kill -0 "$(cat "$XSD_PID")" 2>/dev/null; then
    pass "xenstored and the other guests carry on ($done_line)"
else
    fail "others carry on" "${done_line:-no loop summary}; xenstored $(kill -0 "$(cat "$XSD_PID")" 2>&1 && echo alive || echo dead)"
fi

# --- kill -9 xenstored under a live guest, restart it -------------------------------------
bg survivor xsclient 'extra="loop=25"'
SURV=$(domid_of survivor)
wait_for 15 has_line survivor "loop 10 ok"
kill_xsd
sleep 1 # the guest keeps sending meanwhile
start_xsd 2>/dev/null || fail "xenstored restarts" "$(xsd_log | tail -3)"
xenstore-write /local/domain/$SURV/data/poke after-restart
# events: once when set, once when the restarted daemon restores it, once for the poke
pokes() { [ "$(glog survivor | grep -c 'event data/poke poke')" -ge 3 ]; }
if wait_for 10 pokes; then
    pass "after kill -9 + restart the guest's watch still fires"
else
    fail "watch after restart" "$(glog survivor | tail -3 | tr '\n' ';')"
fi
if [ "$(xenstore-read $H/name 2>&1)" = other ] && [ "$(xenstore-read /local/domain/$SURV/data/greeting 2>&1)" = "hello from $SURV" ]; then
    pass "store contents survive the restart"
else
    fail "store contents survive the restart" "$(xenstore-read $H/name 2>&1)"
fi
wait_for 40 has_line survivor "loop done"
done_line=$(glog survivor | grep "loop done")
if [[ "$done_line" =~ ", 0 failed" ]]; then
    pass "the guest keeps working over its ring across the restart ($done_line)"
else
    fail "ring across restart" "${done_line:-no summary}: $(glog survivor | grep FAIL | head -3 | tr '\n' ';')"
fi

# A guest with a request always in flight, through three kill -9 + restarts: nothing in
# the ring may be lost (every request gets its answer).
bg hammer xsclient 'extra="loop=15 fast=1"'
wait_for 15 has_line hammer "loop 500 ok"
for i in 1 2 3; do
    kill_xsd
    start_xsd 2>/dev/null || fail "xenstored restarts ($i)" "$(xsd_log | tail -2)"
    sleep 1
done
wait_for 40 has_line hammer "loop done"
done_line=$(glog hammer | grep "loop done")
if [[ "$done_line" =~ ", 0 failed" ]]; then
    pass "in-flight requests survive three kill -9 + restarts ($done_line)"
else
    fail "in-flight requests across restarts" "${done_line:-no summary}: $(glog hammer | grep FAIL | head -3 | tr '\n' ';')"
fi

# --- control/shutdown ---------------------------------------------------------------------
out=$(timeout 30 xl shutdown -w other 2>&1); rc=$?
wait_for 5 has_line other "shut down (poweroff)"
if [ $rc = 0 ] && has_line other 'control/shutdown = "poweroff"' && [ -z "$(domid_of other)" ]; then
    pass "xl shutdown -w: the guest powers off through control/shutdown"
else
    fail "xl shutdown -w" "rc=$rc $out / $(glog other | tail -2 | tr '\n' ';')"
fi
if ! xenstore-exists $H 2>/dev/null && ! xenstore-exists "$vm" 2>/dev/null; then
    pass "its /local/domain/$OTHER and $vm are removed"
else
    fail "nodes removed after shutdown" "$(xenstore-ls $H 2>&1 | head -3)"
fi
if xsd_log | grep -q "domain $OTHER released"; then pass "the domain is RELEASEd"
else fail "the domain is RELEASEd" "$(xsd_log | tail -2)"; fi

bg deaf xsclient 'extra="idle=60"'
wait_for 10 has_line deaf "idle for"
t0=$SECONDS
out=$(timeout 40 xl shutdown -F -w deaf 2>&1); rc=$?
if [ $rc = 0 ] && grep -q "did not acknowledge control/shutdown" <<<"$out" && [ -z "$(domid_of deaf)" ]; then
    pass "xl shutdown -F: a guest that ignores control/shutdown is shut down by the hypervisor ($((SECONDS - t0)) s)"
else
    fail "xl shutdown -F" "rc=$rc: $out"
fi

# --- destroy releases; a domain that died while xenstored was down ------------------------
xl create "$(cfg gone hello)" 'extra="sleep=60"' >/dev/null 2>&1
GONE=$(domid_of gone)
xl destroy gone >/dev/null 2>&1
if ! xenstore-exists /local/domain/$GONE 2>/dev/null && xsd_log | grep -q "domain $GONE released"; then
    pass "xl destroy releases the domain"
else
    fail "xl destroy releases the domain" "$(xenstore-ls /local/domain 2>&1 | head -3)"
fi
xl create "$(cfg stale hello)" 'extra="sleep=60"' >/dev/null 2>&1
STALE=$(domid_of stale)
kill_xsd
xl destroy stale >/dev/null 2>&1
start_xsd 2>/dev/null
if wait_for 5 sh -c "! $BIN/xenstore-exists /local/domain/$STALE" && xsd_log | grep -q "domain $STALE is gone: releasing it"; then
    pass "a domain that died while xenstored was down is released at restart"
else
    fail "stale domain released at restart" "$(xsd_log | grep "domain $STALE" | tail -2 | tr '\n' ';')"
fi

# --- without xenstored, xl create still works (warns once) --------------------------------
kill_xsd
out=$(timeout 60 xl create -c "$ROOT/examples/hello.cfg" 'name="noxs"' 2>&1); rc=$?
if [ $rc = 0 ] && grep -q "hello from a pvisor PV guest" <<<"$out" &&
   [ "$(grep -c 'xenstored is not running' <<<"$out")" = 1 ]; then
    pass "xl create without xenstored works and warns once"
else
    fail "xl create without xenstored" "rc=$rc: $(tail -3 <<<"$out" | tr '\n' ';')"
fi
start_xsd 2>/dev/null
exit 0
