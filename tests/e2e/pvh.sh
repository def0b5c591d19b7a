#!/bin/bash
# pvh.sh: end-to-end PVH guests: Debian's GRUB (i386-xen_pvh, built here with grub-mkimage)
# echoing and halting, GRUB's prompt driven through `xl console`, our own hello and selftest
# built for PVH, and clear refusals of images of the wrong type.
. "$(dirname "$0")/lib.sh"
need_kvm pvh
start_stack
W=$PVISOR_RUNDIR/pvh
mkdir -p "$W"

# cfg NAME KERNEL [EXTRA...]: writes $W/NAME.cfg for a PVH domain.
cfg() {
    local name=$1 kernel=$2; shift 2
    { echo "name = \"$name\""; echo 'type = "pvh"'; echo "kernel = \"$kernel\""
      echo 'memory = 32'; echo 'vcpus = 1'; echo 'on_poweroff = "destroy"'
      echo 'on_crash = "destroy"'; for l in "$@"; do echo "$l"; done; } > "$W/$name.cfg"
}

# ---- our own guests built for PVH --------------------------------------------------------
if [ -x "$GUESTS/hello-pvh" ]; then
    cfg hellopvh "$GUESTS/hello-pvh"
    out=$(timeout 60 xl create -c "$W/hellopvh.cfg" 2>&1); rc=$?
    if [ $rc = 0 ] && grep -q "hello from a pvisor PVH guest: Xen 4.17" <<<"$out"; then
        pass "hello (PVH) prints version and powers off"
    else
        fail "hello (PVH) prints version and powers off" "rc=$rc: $(tail -3 <<<"$out" | tr '\n' ' ')"
    fi
    # the PVH image keeps its PV notes: the same file boots as type = "pv"
    out=$(timeout 60 xl create -c "$W/hellopvh.cfg" 'type="pv"' 'name="hellodual"' 2>&1); rc=$?
    if [ $rc = 0 ] && grep -q "hello from a pvisor PV guest" <<<"$out"; then
        pass "hello-pvh also boots as type=pv"
    else
        fail "hello-pvh also boots as type=pv" "rc=$rc: $(tail -3 <<<"$out" | tr '\n' ' ')"
    fi
    cfg sleeppvh "$GUESTS/hello-pvh" 'extra = "sleep=1"'
    out=$(timeout 60 xl create -c "$W/sleeppvh.cfg" 2>&1); rc=$?
    if [ $rc = 0 ] && grep -q "hello: slept 1 s" <<<"$out"; then
        pass "hello (PVH) sleeps on its timer (vector upcalls, hlt)"
    else
        fail "hello (PVH) sleeps on its timer" "rc=$rc: $(tail -3 <<<"$out" | tr '\n' ' ')"
    fi
else
    fail "hello (PVH)" "$GUESTS/hello-pvh was not built"
fi
if [ -x "$GUESTS/selftest-pvh" ]; then
    cfg selftestpvh "$GUESTS/selftest-pvh"
    out=$(timeout 120 xl create -c "$W/selftestpvh.cfg" 2>&1); rc=$?
    summary=$(grep -o "selftest: [0-9]* passed, [0-9]* failed" <<<"$out" | tail -1)
    if [ $rc = 0 ] && [[ "$summary" =~ ", 0 failed" ]]; then
        pass "selftest (PVH) ($summary)"
    else
        fail "selftest (PVH)" "rc=$rc ${summary:-no summary}: $(grep 'not ok' <<<"$out" | head -5 | tr '\n' ';')"
    fi
else
    fail "selftest (PVH)" "$GUESTS/selftest-pvh was not built"
fi

# ---- the wrong type is refused with a reason ----------------------------------------------
cfg wrongtype "$GUESTS/hello" # a PV-only kernel as type = "pvh"
out=$(timeout 20 xl create "$W/wrongtype.cfg" 2>&1); rc=$?
if [ $rc != 0 ] && grep -q 'not a PVH image' <<<"$out"; then
    pass "a PV kernel as type=pvh is refused with the reason"
else
    fail "a PV kernel as type=pvh is refused" "rc=$rc: $out"
fi

# ---- Debian's GRUB -------------------------------------------------------------------------
MKIMAGE=$(command -v grub-mkimage || true)
GRUBDIR=/usr/lib/grub/i386-xen_pvh
if [ -z "$MKIMAGE" ] || [ ! -d "$GRUBDIR" ]; then
    skip "grub pvh" "grub-mkimage or $GRUBDIR missing (apt-get install grub-common grub-xen-bin)"
    exit 0
fi

printf 'echo "hello from grub on pvisor"\nhalt\n' > "$W/echo.cfg"
if "$MKIMAGE" -O i386-xen_pvh -o "$W/grub-echo" -c "$W/echo.cfg" -p /boot/grub echo halt \
    > "$W/mkimage.out" 2>&1; then
    cfg grubecho "$W/grub-echo"
    out=$(timeout 60 xl create -c "$W/grubecho.cfg" 2>&1); rc=$?
    if [ $rc = 0 ] && grep -q "hello from grub on pvisor" <<<"$out"; then
        pass "grub: embedded config echoes a line"
    else
        fail "grub: embedded config echoes a line" "rc=$rc: $(tail -3 <<<"$out" | tr '\n' ' ')"
    fi
    if grep -q "shut down (poweroff)" <<<"$out" && wait_for 10 gone grubecho; then
        pass "grub: halt powers the domain off"
    else
        fail "grub: halt powers the domain off" "$(tail -2 <<<"$out" | tr '\n' ' ')"
    fi
else
    fail "grub-mkimage (echo image)" "$(tail -2 "$W/mkimage.out")"
fi

printf 'set prefix=(memdisk)/boot/grub\n' > "$W/prompt.cfg"
if "$MKIMAGE" -O i386-xen_pvh -o "$W/grub-prompt" -c "$W/prompt.cfg" -p /boot/grub \
    normal echo halt help > "$W/mkimage.out" 2>&1; then
    cfg grubprompt "$W/grub-prompt"
    xl create "$W/grubprompt.cfg" > "$W/create.out" 2>&1
    log=$PVISOR_RUNDIR/console/grubprompt.log
    if xl list -l grubprompt 2>/dev/null | grep -q '"type": *"pvh"'; then
        pass "xl list -l shows type pvh"
    else
        fail "xl list -l shows type pvh" "$(xl list -l grubprompt 2>&1 | grep -i type | head -2)"
    fi
    if wait_for 30 grep -q 'grub>' "$log"; then
        pass "grub: reaches its prompt"
    else
        fail "grub: reaches its prompt" "$(tail -c 300 "$log" 2>/dev/null | tr -d '\033' | tr '\r\n' '  ')"
    fi
    # Type through xl console (its stdin); its stdout shows what GRUB answers.
    co=$W/console.out
    { sleep 0.5; printf 'echo hi from the console\r'
      for _ in $(seq 100); do grep -q 'hi from the console' "$co" 2>/dev/null && break; sleep 0.1; done
      printf 'help\r'
      for _ in $(seq 100); do grep -q 'insmod MODULE' "$co" 2>/dev/null && break; sleep 0.1; done
      printf 'halt\r'; sleep 5; } | timeout 30 xl console grubprompt > "$co" 2>&1
    if grep -q '^hi from the console' <(tr -d '\r' < "$co" | sed 's/\x1b\[[0-9;?]*[A-Za-z]//g'); then
        pass "grub: 'echo' typed through xl console runs"
    else
        fail "grub: 'echo' typed through xl console runs" "$(tail -c 300 "$co" | tr -d '\033' | tr '\r\n' '  ')"
    fi
    if grep -q 'insmod MODULE' "$co"; then
        pass "grub: 'help' lists commands"
    else
        fail "grub: 'help' lists commands" "$(tail -c 300 "$co" | tr -d '\033' | tr '\r\n' '  ')"
    fi
    if wait_for 10 gone grubprompt && xl dmesg 2>/dev/null | grep -q "(grubprompt) shut down: poweroff"; then
        pass "grub: 'halt' powers off"
    else
        fail "grub: 'halt' powers off" "$(xl list 2>&1 | tail -2 | tr '\n' ' ')"
    fi
else
    fail "grub-mkimage (prompt image)" "$(tail -2 "$W/mkimage.out")"
fi

# GRUB's PV disk driver (32-bit: blkif x86_32-abi) reads an ext2 image served by blkback.
if command -v mke2fs >/dev/null; then
    mkdir -p "$W/root" && echo "hello from a pvisor disk" > "$W/root/hello.txt"
    printf 'ls\ncat (xen/xvda)/hello.txt\nhalt\n' > "$W/disk.cfg"
    if mke2fs -q -t ext2 -d "$W/root" "$W/disk.img" 4M > "$W/mkfs.out" 2>&1 &&
       "$MKIMAGE" -O i386-xen_pvh -o "$W/grub-disk" -c "$W/disk.cfg" -p /boot/grub \
           echo halt ls cat ext2 > "$W/mkimage.out" 2>&1; then
        cfg grubdisk "$W/grub-disk" "disk = [ 'format=raw, vdev=xvda, access=ro, target=$W/disk.img' ]"
        out=$(timeout 60 xl create -c "$W/grubdisk.cfg" 2>&1 | tr -d '\r'); rc=$?
        if grep -q '(xen/xvda)' <<<"$out"; then
            pass "grub: ls shows (xen/xvda), the disk blkback serves"
        else
            fail "grub: ls shows (xen/xvda)" "rc=$rc: $(tail -3 <<<"$out" | tr '\n' ' ')"
        fi
        if grep -q '^hello from a pvisor disk' <<<"$out" &&
           grep -q 'connected (1 ring page(s), x86_32-abi)' "$PVISOR_RUNDIR/blkback.log"; then
            pass "grub: cat (xen/xvda)/hello.txt prints the file (32-bit blkif ring)"
        else
            fail "grub: cat prints the file" "$(tail -3 <<<"$out" | tr '\n' ' ') / $(grep connected "$PVISOR_RUNDIR/blkback.log" | tail -1)"
        fi
    else
        fail "grub disk image" "$(tail -2 "$W/mkfs.out" "$W/mkimage.out" | tr '\n' ' ')"
    fi
else
    skip "grub disk" "mke2fs is missing (apt-get install e2fsprogs)"
fi

if xl dmesg 2>/dev/null | grep -q "crashed"; then
    fail "no PVH guest crashed" "$(xl dmesg | grep -A2 crashed | head -6 | tr '\n' ' ')"
else
    pass "no PVH guest crashed"
fi
exit 0
