#!/bin/bash
# pingpong.sh: end-to-end: two pingpong guests exchange 10,000 round trips over an
# interdomain event channel and a granted page, verifying every round; the granter cannot
# end the grant while the peer maps it (-EBUSY) and can once the peer unmapped.
# Rendezvous through xenstore: both are created paused, each gets pingpong/peer in its
# own tree (and ownership of its pingpong/ directory, readable by the peer); the smaller
# domid serves and publishes its port and grant reference there, the other reads them.
. "$(dirname "$0")/lib.sh"
need_kvm pingpong
start_stack

ROUNDS=${PINGPONG_ROUNDS:-10000}
CFG=$PVISOR_RUNDIR/pingpong.cfg
cat >"$CFG" <<EOF
type = "pv"
kernel = "$GUESTS/pingpong"
memory = 16
vcpus = 1
on_poweroff = "destroy"
on_crash = "destroy"
EOF

# gout NAME ID: guest NAME's (domain ID) console output: xenconsoled's log of it, else
# its console_io lines in `xl dmesg`.
gout() {
    local f=$PVISOR_RUNDIR/console/$1.log
    if [ -f "$f" ] && grep -q 'pingpong: domain' "$f"; then cat "$f"; return; fi
    xl dmesg 2>/dev/null | sed -n "s/^.*(d$2) //p"
}
has() { gout "$1" "$2" | grep -qE "$3"; }
finished() { has ppa "$a" "$1" && has ppb "$b" "$1"; }

for n in ppa ppb; do
    if ! out=$(xl create -p "$CFG" "name=\"$n\"" "extra=\"rounds=$ROUNDS\"" 2>&1); then
        fail "pingpong: create $n paused" "$out"
        exit 1
    fi
done
a=$(domid_of ppa) b=$(domid_of ppb)
if ! xenstore-write "/local/domain/$a/pingpong/peer" "$b" "/local/domain/$b/pingpong/peer" "$a" ||
   ! xenstore-chmod -r "/local/domain/$a/pingpong" "n$a" "r$b" ||
   ! xenstore-chmod -r "/local/domain/$b/pingpong" "n$b" "r$a"; then
    fail "pingpong: xenstore rendezvous nodes" "xenstore-write/chmod failed"
    exit 1
fi
pass "pingpong: ppa (d$a) and ppb (d$b) created paused, told of each other in xenstore"

start=$(date +%s%N)
xl unpause ppa && xl unpause ppb
wait_for 120 sh -c "! xl list | grep -qE '^pp[ab] '"
wait_for 5 finished 'pingpong: ([0-9]+ rounds OK|FAILED)'
ms=$((($(date +%s%N) - start) / 1000000))
aout=$(gout ppa "$a")
bout=$(gout ppb "$b")
[ -n "${PINGPONG_DEBUG:-}" ] && { echo "--- A"; echo "$aout"; echo "--- B"; echo "$bout"; }

if grep -q "pingpong: domain $a, peer $b, server (a), rendezvous by xenstore" <<<"$aout" &&
   grep -q "pingpong: domain $b, peer $a, client (b), rendezvous by xenstore" <<<"$bout"; then
    pass "pingpong: d$a serves, d$b is its client (rendezvous by xenstore)"
else
    fail "pingpong: roles from xenstore" "$(head -2 <<<"$aout" | tr '\n' ' ') / $(head -2 <<<"$bout" | tr '\n' ' ')"
fi
serving=$(grep -m1 'pingpong: serving ' <<<"$aout")
port=$(sed -n 's/.*port=\([0-9]*\).*/\1/p' <<<"$serving")
gref=$(sed -n 's/.*gref=\([0-9]*\).*/\1/p' <<<"$serving")
if [ -n "$port" ] && grep -q "pingpong: client of $a: port [0-9]*, gref $gref mapped" <<<"$bout"; then
    pass "pingpong: B found A's port $port and gref $gref in xenstore and mapped the grant"
else
    fail "pingpong: B maps A's grant" "$(grep -E 'serving|client of|FAILED' <<<"$aout$bout" | tr '\n' ' ')"
fi
for side in A:ppa:aout B:ppb:bout; do
    IFS=: read -r s n v <<<"$side"
    if grep -q "pingpong: $ROUNDS rounds OK" <<<"${!v}"; then
        pass "pingpong: $s completed $ROUNDS verified rounds ($(grep -o '([0-9.]* s, [0-9]* us per round trip)' <<<"${!v}"))"
    else
        fail "pingpong: $s completed $ROUNDS verified rounds" "$(grep -E 'FAILED|crash' <<<"${!v}" | head -3 | tr '\n' ' ')"
    fi
done
for c in "the client's map set GTF_reading|GTF_writing" \
         "end_access while the peer maps the page -> -EBUSY" \
         "end_access after the peer unmapped -> 0"; do
    if grep -qF "pingpong: check: $c OK" <<<"$aout"; then pass "pingpong: A: $c"; else fail "pingpong: A: $c" "not reported"; fi
done
if grep -qF "pingpong: check: a second unmap of the handle -> bad_handle OK" <<<"$bout"; then
    pass "pingpong: B: a second unmap of the handle -> bad_handle"
else
    fail "pingpong: B: a second unmap of the handle -> bad_handle" "not reported"
fi
pa=$(grep -c "pingpong: [0-9]*000 rounds$" <<<"$aout") pb=$(grep -c "pingpong: [0-9]*000 rounds$" <<<"$bout")
if [ "$pa" = $((ROUNDS / 1000)) ] && [ "$pb" = "$pa" ]; then
    pass "pingpong: both reported progress every 1000 rounds"
else
    fail "pingpong: progress lines" "A printed $pa, B $pb, want $((ROUNDS / 1000))"
fi
echo "# pingpong: $ROUNDS rounds, unpause to both powered off: ${ms} ms"
if ! xl list | grep -qE '^pp[ab] '; then pass "pingpong: both domains powered off"; else fail "pingpong: both domains powered off" "$(xl list 2>&1 | grep -E '^pp')"; fi
exit 0
