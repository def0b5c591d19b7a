#!/bin/bash
# block.sh: end-to-end: blkback + blkfront. disktest writes its pattern and the host finds
# it in the image; the host writes it and disktest verifies it (and finds a corrupted
# sector); a read-only disk refuses writes (guest reports the error, image unchanged);
# block-attach/-detach/-list on a running guest; blkback killed -9 and restarted under a
# write + flush load (the guest carries on, every flushed pass is in the image); a hostile
# frontend gets errors or a disconnect while a neighbour keeps its disk; two guests at once.
. "$(dirname "$0")/lib.sh"
need_kvm block
for g in disktest blkhostile; do
    [ -f "$GUESTS/$g" ] || { skip block "guest $g is not built (make all)"; exit 0; }
done
start_stack

DISKPAT=$OUT/tests/diskpat
IMG=$PVISOR_RUNDIR/img
mkdir -p "$IMG"
SIZE=${BLOCK_TEST_MB:-8}M

cfg() { guest_cfg "$1" "$2" "$3" disk "${@:4}"; } # cfg NAME KERNEL EXTRA [DISK-SPEC...]
stats() { ctl_stats blkback; } # blkback's counters: one line per vbd
blkback_alive() { daemon_alive blkback; }

if ! blkback_alive; then
    fail "block: blkback runs after pvisor start" "$(tail -3 "$PVISOR_RUNDIR/start.out")"
    exit 1
fi
pass "block: pvisor start started blkback (control socket answers: $(stats | tail -1))"

# ---- 1. guest writes, host checks ----------------------------------------------------------------
truncate -s "$SIZE" "$IMG/w.img"
xl create "$(cfg dtw disktest "mode=write seed=7" "format=raw, vdev=xvda, access=rw, target=$IMG/w.img")" >/dev/null
run_guest dtw 120
bytes=$(( ${SIZE%M} * 1024 * 1024 ))
if has dtw "disktest: OK $bytes" && "$DISKPAT" verify "$IMG/w.img" 7 >/dev/null; then
    pass "block: disktest mode=write filled $SIZE; the host image holds the pattern of seed 7"
else
    fail "block: guest write -> host image" "$(out_of dtw | grep disktest | tail -2 | tr '\n' ' ') / $("$DISKPAT" verify "$IMG/w.img" 7)"
fi
# discard: the last MiB becomes a hole (zeroes), the rest keeps the pattern
truncate -s "$SIZE" "$IMG/t.img"
xl create "$(cfg dtt disktest "mode=write seed=8 discard=1" "format=raw, vdev=xvda, access=rw, target=$IMG/t.img")" >/dev/null
run_guest dtt 120
first=$(( (${SIZE%M} - 1) * 2048 ))
if has dtt "disktest: discarded 2048 sectors from sector $first" && has dtt 'disktest: OK' &&
   "$DISKPAT" verify "$IMG/t.img" 8 | grep -q "sector $first differs" &&
   tail -c 1048576 "$IMG/t.img" | cmp -s - <(head -c 1048576 /dev/zero); then
    pass "block: DISCARD of the last MiB reads back as zeroes on the host, the rest keeps its data"
else
    fail "block: discard" "$(out_of dtt | grep disktest | tail -2 | tr '\n' ' ')"
fi
info=$(out_of dtw | grep -m1 'disktest: xvda')
if grep -q 'rw' <<<"$info" && grep -q 'persistent=1' <<<"$info"; then
    pass "block: the frontend saw a writable disk with persistent grants ($info)"
else
    fail "block: disk info line" "$info"
fi

# ---- 2. host writes, guest verifies; a corrupted sector is found ----------------------------------------
truncate -s "$SIZE" "$IMG/v.img"
"$DISKPAT" write "$IMG/v.img" 11
xl create "$(cfg dtv disktest "mode=verify seed=11" "format=raw, vdev=xvda, access=ro, target=$IMG/v.img")" >/dev/null
run_guest dtv 120
if has dtv "disktest: OK $bytes"; then
    pass "block: host wrote seed 11; disktest mode=verify read it back over a read-only disk"
else
    fail "block: host write -> guest verify" "$(out_of dtv | grep disktest | tail -2 | tr '\n' ' ')"
fi
printf 'XXXX' | dd of="$IMG/v.img" bs=1 seek=$((1234 * 512 + 100)) conv=notrunc status=none
xl create "$(cfg dtc disktest "mode=verify seed=11" "$IMG/v.img,raw,xvda,ro")" >/dev/null
run_guest dtc 120
if has dtc "disktest: FAIL.*sector 1234"; then
    pass "block: verify finds the sector the host corrupted (positional disk spec)"
else
    fail "block: corrupted sector found" "$(out_of dtc | grep disktest | tail -2 | tr '\n' ' ')"
fi

# ---- 3. read-only disk refuses writes -------------------------------------------------------------------------
before=$(sha256sum <"$IMG/v.img")
xl create "$(cfg dtro disktest "mode=write seed=3" "format=raw, vdev=xvda, access=ro, target=$IMG/v.img")" >/dev/null
run_guest dtro 60
if has dtro "disktest: FAIL" && [ "$(sha256sum <"$IMG/v.img")" = "$before" ]; then
    pass "block: write to a read-only disk fails in the guest ($(out_of dtro | grep -m1 'disktest: FAIL')), image unchanged"
else
    fail "block: read-only disk" "$(out_of dtro | grep disktest | tail -2 | tr '\n' ' ')"
fi

# ---- 4. attach, list, detach on a running guest --------------------------------------------------------------------
truncate -s "$SIZE" "$IMG/a.img"
xl create "$(cfg dta disktest "mode=rw seed=21 wait=60")" >/dev/null
wait_for 20 has dta 'disktest: waiting' || true
if out=$(xl block-attach dta "format=raw, vdev=xvdb, access=rw, target=$IMG/a.img" 2>&1); then
    pass "block: xl block-attach on a running guest"
else
    fail "block: xl block-attach" "$out"
fi
list=$(xl block-list dta 2>&1)
if grep -qE "^51728 +0 +$(domid_of dta) " <<<"$list"; then
    pass "block: xl block-list shows the attached disk ($(tail -1 <<<"$list" | tr -s ' '))"
else
    fail "block: xl block-list" "$list"
fi
run_guest dta 120
if has dta 'disktest: OK' && "$DISKPAT" verify "$IMG/a.img" 21 >/dev/null; then
    pass "block: the guest found the hot-plugged disk, wrote and verified it"
else
    fail "block: hot-plugged disk used" "$(out_of dta | grep disktest | tail -3 | tr '\n' ' ')"
fi

truncate -s "$SIZE" "$IMG/d.img"
xl create "$(cfg dtd disktest "mode=rw seed=5 passes=1000" "format=raw, vdev=xvda, access=rw, target=$IMG/d.img")" >/dev/null
wait_for 60 has dtd 'disktest: pass 1 flushed'
d=$(domid_of dtd)
if out=$(xl block-detach dtd xvda 2>&1); then
    pass "block: xl block-detach while the guest writes"
else
    fail "block: xl block-detach" "$out"
fi
if [ -z "$(xenstore-ls "/local/domain/0/backend/vbd/$d" 2>/dev/null)" ] &&
   ! xl block-list dtd 2>/dev/null | grep -q 51712 && ! stats | grep -q "^vbd $d/"; then
    pass "block: after detach the backend and blkback forgot the disk"
else
    fail "block: detach cleanup" "$(xl block-list dtd 2>&1 | tr '\n' ' ') $(stats | grep "^vbd $d/")"
fi
run_guest dtd 60
if has dtd 'disktest: FAIL'; then
    pass "block: the guest saw its disk go away ($(out_of dtd | grep -m1 'disktest: FAIL'))"
else
    fail "block: guest after detach" "$(out_of dtd | tail -2 | tr '\n' ' ')"
fi

# ---- 5. blkback killed and restarted under a write + flush load -------------------------------------------------------
truncate -s 64M "$IMG/k.img"
PASSES=12
xl create "$(cfg dtk disktest "mode=rw seed=100 passes=$PASSES" "format=raw, vdev=xvda, access=rw, target=$IMG/k.img")" >/dev/null
wait_for 60 has dtk 'disktest: pass 1 flushed'
kill -9 "$(cat "$PVISOR_RUNDIR/blkback.pid")"
flushed=$(out_of dtk | grep -c 'flushed')
sleep 0.5
if "$BIN/pvisor" start >"$PVISOR_RUNDIR/restart.out" 2>&1 && blkback_alive; then
    pass "block: blkback killed -9 after $flushed of $PASSES flushed passes, restarted by pvisor start"
else
    fail "block: blkback restart" "$(tail -3 "$PVISOR_RUNDIR/restart.out")"
fi
run_guest dtk 240
last=$((100 + PASSES - 1))
st=$(out_of dtk | grep -m1 'disktest: stats')
if has dtk "disktest: OK" && [ "$(out_of dtk | grep -c 'flushed')" = $PASSES ] &&
   "$DISKPAT" verify "$IMG/k.img" $last >/dev/null && [ "$flushed" -lt $PASSES ] &&
   grep -qE 'reconnects=[1-9]' <<<"$st"; then
    pass "block: the guest reconnected and finished $PASSES verified passes; the image holds the last flushed pass (seed $last) ($(grep -oE 'reconnects=[0-9]+ reissued=[0-9]+' <<<"$st"))"
else
    fail "block: survive a blkback restart" "$(out_of dtk | grep disktest | tail -3 | tr '\n' ' ') / $("$DISKPAT" verify "$IMG/k.img" $last)"
fi
if grep -q 'waiting for its frontend to reconnect' "$PVISOR_RUNDIR/blkback.log" 2>/dev/null; then
    pass "block: the restarted blkback asked the connected frontend for a new handshake"
else
    fail "block: restart handshake logged" "$(grep 'vbd' "$PVISOR_RUNDIR/blkback.log" | tail -3 | tr '\n' ' ')"
fi

# ---- 6. a hostile frontend next to a working guest --------------------------------------------------------------------
truncate -s "$SIZE" "$IMG/h.img"
"$DISKPAT" write "$IMG/h.img" 1
hbefore=$(sha256sum <"$IMG/h.img")
truncate -s "$SIZE" "$IMG/n.img"
xl create "$(cfg nb disktest "mode=rw seed=9 passes=3" "format=raw, vdev=xvda, access=rw, target=$IMG/n.img")" >/dev/null
xl create "$(cfg bh blkhostile "" "format=raw, vdev=xvda, access=ro, target=$IMG/h.img")" >/dev/null
run_guest bh 120
hout=$(out_of bh)
for a in segs12 zero-segs bad-sector bad-seg-bounds bad-gref ro-write bad-op indirect-too-many; do
    line=$(grep -m1 "blkhostile: $a:" <<<"$hout")
    if grep -qE ": (error|eopnotsupp|disconnected)" <<<"$line" && ! grep -qE ': (ok|okay)' <<<"$line"; then
        pass "block: hostile $a -> ${line#*: $a: }"
    else
        fail "block: hostile $a refused" "${line:-no output}"
    fi
done
line=$(grep -m1 'blkhostile: prod-overrun:' <<<"$hout")
if grep -q 'disconnected' <<<"$line"; then
    pass "block: hostile prod-overrun -> that frontend disconnected"
else
    fail "block: ring overrun disconnects" "${line:-no output}"
fi
run_guest nb 180
if has nb 'disktest: OK' && blkback_alive && [ "$(sha256sum <"$IMG/h.img")" = "$hbefore" ]; then
    pass "block: neighbour finished 3 verified passes meanwhile; blkback alive; the hostile guest's image unchanged"
else
    fail "block: neighbour and blkback after the attacks" "$(out_of nb | grep disktest | tail -2 | tr '\n' ' ')"
fi
if grep -q 'ring overrun' "$PVISOR_RUNDIR/blkback.log" && grep -q 'refused' "$PVISOR_RUNDIR/blkback.log"; then
    pass "block: blkback logged the refusals and the overrun"
else
    fail "block: refusals logged" "$(grep bh "$PVISOR_RUNDIR/blkback.log" | tail -2)"
fi

# ---- 7. two guests at once, and destroy cleans up -------------------------------------------------------------------
truncate -s "$SIZE" "$IMG/p1.img" "$IMG/p2.img"
xl create "$(cfg p1 disktest "mode=rw seed=31" "format=raw, vdev=xvda, access=rw, target=$IMG/p1.img")" >/dev/null
xl create "$(cfg p2 disktest "mode=rw seed=32" "format=raw, vdev=xvda, access=rw, target=$IMG/p2.img")" >/dev/null
run_guest p1 120
run_guest p2 120
if has p1 'disktest: OK' && has p2 'disktest: OK' && "$DISKPAT" verify "$IMG/p1.img" 31 >/dev/null &&
   "$DISKPAT" verify "$IMG/p2.img" 32 >/dev/null; then
    pass "block: two guests wrote and verified their own disks at the same time"
else
    fail "block: two guests" "$(out_of p1 | tail -1) / $(out_of p2 | tail -1)"
fi
if wait_for 10 sh -c "[ -z \"\$(xenstore-ls /local/domain/0/backend/vbd 2>/dev/null)\" ]" &&
   wait_for 10 sh -c "! python3 -c 'import socket,sys
s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b\"stats\n\"); sys.exit(0 if b\"vbd \" in s.recv(65536) else 1)' $PVISOR_RUNDIR/blkback.sock"; then
    pass "block: every vbd is gone from xenstore and blkback once its guest is"
else
    fail "block: cleanup after guests" "$(xenstore-ls /local/domain/0/backend/vbd 2>&1 | head -3) $(stats | head -3)"
fi
# ---- 8. the fallbacks: grant copy, synchronous I/O, one-page ring, no indirect requests -------------------------------
kill "$(cat "$PVISOR_RUNDIR/blkback.pid")"
wait_for 10 sh -c "! kill -0 $(cat "$PVISOR_RUNDIR/blkback.pid") 2>/dev/null"
"$BIN/blkback" --rundir "$PVISOR_RUNDIR" --foreground --verbose --no-uring --no-persistent --no-direct \
    --max-ring-order 0 --max-indirect 0 >>"$PVISOR_RUNDIR/blkback.log" 2>&1 &
echo $! >"$PVISOR_RUNDIR/blkback.pid"
wait_for 10 test -S "$PVISOR_RUNDIR/blkback.sock"
truncate -s "$SIZE" "$IMG/f.img"
xl create "$(cfg dtf disktest "mode=rw seed=41 passes=4" "format=raw, vdev=xvda, access=rw, target=$IMG/f.img")" >/dev/null
run_guest dtf 120
how=$(grep -o 'connected: 1 ring page(s), [0-9]* slots, 64-bit layout, grant copy, sync I/O' "$PVISOR_RUNDIR/blkback.log" | tail -1)
if has dtf 'persistent=0 indirect=0 ring-pages=1' && has dtf 'disktest: OK' &&
   "$DISKPAT" verify "$IMG/f.img" 44 >/dev/null && [ -n "$how" ]; then
    pass "block: blkback --no-uring --no-persistent --max-ring-order 0 --max-indirect 0 serves the guest ($how)"
else
    fail "block: fallback paths" "$(out_of dtf | grep disktest | tail -2 | tr '\n' ' ') / $(grep connected "$PVISOR_RUNDIR/blkback.log" | tail -1)"
fi
exit 0
