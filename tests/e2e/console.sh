#!/bin/bash
# console.sh: end-to-end: the PV console through xenconsoled: output via the pty and the log
# file, input round trips (pipes and a real pseudo-terminal with Ctrl-]), a 100-KiB burst,
# hostile rings, destroy while attached, a flooding guest (log bound, flat memory, a
# responsive neighbour), the fallback without xenconsoled, and a restart of xenconsoled.
# CONSOLE_FLOOD_SECS (default 60) sets the length of the flood.
. "$(dirname "$0")/lib.sh"
need_kvm console
if ! command -v python3 >/dev/null; then skip console "python3 is needed for the pty test"; exit 0; fi
start_stack
EX=$ROOT/examples
T=$PVISOR_RUNDIR/t
mkdir -p "$T"
FLOOD=${CONSOLE_FLOOD_SECS:-60}
XCD_LOG=$PVISOR_RUNDIR/xenconsoled.log

xcd_pid() { cat "$PVISOR_RUNDIR/xenconsoled.pid" 2>/dev/null; }
# xcd CMD: one request on xenconsoled's control socket, the answer on stdout
xcd() {
    python3 - "$PVISOR_RUNDIR/xenconsoled.sock" "$1" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode() + b"\n")
out = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    out += b
sys.stdout.write(out.decode(errors="replace"))
EOF
}
fds_of() { ls "/proc/$1/fd" 2>/dev/null | wc -l; }
rss_of() { awk '/VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null; }
# attach NAME TAG: `xl console NAME` in the background, input from the fifo $T/TAG.in (kept
# open: send TAG LINE writes to it, detach TAG closes it), output in $T/TAG.out and .err
attach() {
    rm -f "$T/$2.in"; mkfifo "$T/$2.in"
    xl console "$1" <"$T/$2.in" >"$T/$2.out" 2>"$T/$2.err" &
    eval "ATT_$2=$!"
    exec {fd}>"$T/$2.in"
    eval "FD_$2=$fd"
}
send() { local fd; eval "fd=\$FD_$1"; printf '%s\n' "$2" >&"$fd"; }
detach() { local fd; eval "fd=\$FD_$1"; exec {fd}>&-; }
has() { grep -qa -- "$2" "$T/$1.out"; }

if [ ! -x "$BIN/xenconsoled" ] || [ -z "$(xcd_pid)" ]; then
    fail "xenconsoled runs" "not started by pvisor start: $(cat "$PVISOR_RUNDIR/start.out")"
    exit 1
fi
pass "xenconsoled started by pvisor start"

# --- output since boot, input, log file, domain gone ends xl console -----------------
xl create "$EX/echo.cfg" >/dev/null 2>&1
wait_for 10 grep -qs "echo: ready" "$PVISOR_RUNDIR/console/echo.log"
attach echo e1
if wait_for 10 has e1 "echo: ready"; then pass "output since boot shown on attach"; else fail "output since boot shown on attach" "$(head -c 300 "$T/e1.out" "$T/e1.err")"; fi
send e1 "hello console"
if wait_for 10 has e1 "HELLO CONSOLE"; then pass "input reaches the guest and comes back (pipe)"; else fail "input round trip (pipe)" "$(tail -c 300 "$T/e1.out")"; fi
if grep -q "HELLO CONSOLE" "$PVISOR_RUNDIR/console/echo.log"; then pass "log file has the output"; else fail "log file has the output" "$(ls "$PVISOR_RUNDIR/console")"; fi
send e1 "quit"
wait_for 10 sh -c "! kill -0 $ATT_e1 2>/dev/null"
wait "$ATT_e1"; rc=$?
detach e1
if [ $rc = 0 ] && grep -q "is gone" "$T/e1.err" && has e1 "echo: bye"; then
    pass "guest gone while attached: xl console ends cleanly with a message"
else
    fail "guest gone while attached" "rc=$rc $(cat "$T/e1.err")"
fi

# --- a real terminal: raw mode, round trip, Ctrl-] detaches, terminal restored -----------
xl create "$EX/echo.cfg" 'name="tty"' >/dev/null 2>&1
out=$(timeout 30 python3 - <<'EOF' 2>&1
import os, pty, select, sys, termios, time
pid, fd = pty.fork()
if pid == 0:
    os.execvp("xl", ["xl", "console", "tty"])
buf = b""
def expect(s, t=10):
    global buf
    end = time.time() + t
    while s not in buf and time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                buf += os.read(fd, 4096)
            except OSError:
                break
    return s in buf
ok = expect(b"echo: ready")
raw = not (termios.tcgetattr(fd)[3] & termios.ICANON)
os.write(fd, b"typed line\r")
echoed = expect(b"TYPED LINE")
os.write(fd, b"\x1d")
_, st = os.waitpid(pid, 0)
lflag = termios.tcgetattr(fd)[3]
restored = bool(lflag & termios.ICANON) and bool(lflag & termios.ECHO)
print("ready=%s raw=%s echoed=%s exit=%d restored=%s" % (ok, raw, echoed, os.waitstatus_to_exitcode(st), restored))
EOF
)
if [[ "$out" == *"ready=True raw=True echoed=True exit=0 restored=True"* ]]; then
    pass "pty: raw terminal, typed line echoed, Ctrl-] detaches, terminal restored"
else
    fail "pty: raw terminal, round trip, Ctrl-] detach" "$out"
fi
if xl list tty >/dev/null 2>&1; then pass "detach leaves the domain running"; else fail "detach leaves the domain running" "gone"; fi
xl destroy tty >/dev/null 2>&1

# --- a 100-KiB burst while attached arrives complete and in order -------------------------
xl create "$EX/echo.cfg" 'name="burst"' >/dev/null 2>&1
attach burst b1
wait_for 10 has b1 "echo: ready"
send b1 "burst 102400"
if wait_for 30 has b1 "burst: done 1600 lines"; then
    n=$(grep -ac '^burst [0-9]\{8\} [a-zA-Z0-9]*$' "$T/b1.out")
    seq=$(grep -ao '^burst [0-9]\{8\}' "$T/b1.out" | awk '{ if ($2 + 0 != i) bad = 1; i++ } END { print bad ? "gap" : "ok" }')
    if [ "$n" = 1600 ] && [ "$seq" = ok ]; then pass "100-KiB burst: 1600 lines, none lost, in order"; else fail "100-KiB burst" "$n lines, sequence $seq"; fi
else
    fail "100-KiB burst" "no end marker; $(grep -ac '^burst ' "$T/b1.out") lines"
fi
detach b1
xl destroy burst >/dev/null 2>&1
wait "$ATT_b1" 2>/dev/null

# --- hostile rings: disconnected, logged, the others still served --------------------------
xl create "$EX/echo.cfg" 'name="good"' >/dev/null 2>&1
xl create "$EX/echo.cfg" 'name="badout"' 'extra="corrupt=out"' >/dev/null 2>&1
xl create "$EX/echo.cfg" 'name="badin"' 'extra="corrupt=in"' >/dev/null 2>&1
if wait_for 10 grep -q "(badout): output ring indexes out of range" "$XCD_LOG"; then pass "corrupt out_prod: disconnected with a log line"; else fail "corrupt out_prod: disconnected" "$(tail -3 "$XCD_LOG")"; fi
if wait_for 10 grep -q "(badin): input ring indexes out of range" "$XCD_LOG"; then pass "corrupt in_cons: disconnected with a log line"; else fail "corrupt in_cons: disconnected" "$(tail -3 "$XCD_LOG")"; fi
attach good g1
wait_for 10 has g1 "echo: ready"
send g1 "still served"
if wait_for 10 has g1 "STILL SERVED" && kill -0 "$(xcd_pid)"; then pass "another guest is still served"; else fail "another guest is still served" "$(tail -c 200 "$T/g1.out")"; fi
st=$(xcd status)
if grep -q " badout disconnected " <<<"$st" && grep -q " good live " <<<"$st"; then pass "status: bad console disconnected, good one live"; else fail "status after corruption" "$st"; fi
err=$(timeout 10 xl console badout </dev/null 2>&1 >/dev/null)
if grep -q "disconnected" <<<"$err"; then pass "xl console on a disconnected console says why"; else fail "xl console on a disconnected console" "$err"; fi
detach g1
for d in good badout badin; do xl destroy $d >/dev/null 2>&1; done
wait "$ATT_g1" 2>/dev/null

# --- destroy mid-stream: xl console ends, xenconsoled healthy, fds back to baseline ---------
pid=$(xcd_pid)
no_consoles() { [ "$(xcd status | head -1)" = "ok 0" ]; }
wait_for 10 no_consoles
fd0=$(fds_of "$pid")
xl create "$EX/echo.cfg" 'name="mid"' 'extra="flood=30"' >/dev/null 2>&1
attach mid m1
wait_for 10 has m1 "flood 00001000"
xl destroy mid >/dev/null 2>&1
if wait_for 10 sh -c "! kill -0 $ATT_m1 2>/dev/null"; then
    wait "$ATT_m1"; rc=$?
    if [ $rc = 0 ] && grep -q "is gone" "$T/m1.err"; then pass "destroy mid-stream: xl console ends with a message"; else fail "destroy mid-stream: xl console" "rc=$rc $(cat "$T/m1.err")"; fi
else
    fail "destroy mid-stream: xl console" "still running 10 s after the destroy"
fi
detach m1
if wait_for 10 sh -c "[ \$(ls /proc/$pid/fd | wc -l) -le $fd0 ]" && kill -0 "$pid"; then
    pass "destroy mid-stream: xenconsoled alive, fds back to baseline ($fd0)"
else
    fail "destroy mid-stream: fds back to baseline" "$fd0 -> $(fds_of "$pid")"
fi

# --- a guest flooding for $FLOOD s: log bounded, memory flat, neighbour responsive ----------
xl create "$EX/echo.cfg" 'name="resp"' >/dev/null 2>&1
attach resp r1
wait_for 10 has r1 "echo: ready"
xl create "$EX/echo.cfg" 'name="flood"' "extra=\"flood=$FLOOD\"" >/dev/null 2>&1
t_end=$((SECONDS + FLOOD)); i=0; worst=0; lost=0; rss0=
while [ $SECONDS -lt $t_end ]; do
    sleep 2
    [ -z "$rss0" ] && rss0=$(rss_of "$pid")
    i=$((i + 1))
    t0=$(date +%s%N)
    send r1 "ping $i"
    if wait_for 5 has r1 "PING $i\$"; then
        ms=$((($(date +%s%N) - t0) / 1000000)); [ $ms -gt $worst ] && worst=$ms
    else
        lost=$((lost + 1))
    fi
done
rss1=$(rss_of "$pid")
if [ $lost = 0 ] && [ $worst -lt 2000 ]; then pass "flood: the neighbour answered $i pings, worst round trip ${worst} ms (0.1 s polling)"; else fail "flood: neighbour responsive" "$lost of $i pings unanswered, worst ${worst} ms"; fi
if wait_for 20 grep -qs "flood: done" "$PVISOR_RUNDIR/console/flood.log"; then pass "flood: the flooding guest finished ($(grep -ao 'flood: done.*' "$PVISOR_RUNDIR/console/flood.log"))"; else fail "flood: guest finished" "no end line"; fi
sz=$(stat -c %s "$PVISOR_RUNDIR/console/flood.log"); sz1=$(stat -c %s "$PVISOR_RUNDIR/console/flood.log.1" 2>/dev/null || echo 0)
limit=$((1024 * 1024 + 4096))
if [ "$sz" -le $limit ] && [ "$sz1" -le $limit ] && [ "$sz1" -gt 0 ]; then pass "flood: log within its bound (${sz} + ${sz1} bytes, rotated)"; else fail "flood: log bound" "$sz + $sz1 bytes"; fi
if asan_build; then skip "flood: xenconsoled memory flat" "AddressSanitizer build (${rss0} -> ${rss1} KiB; freed memory sits in its quarantine)"
elif [ -n "$rss0" ] && [ $((rss1 - rss0)) -lt 1024 ]; then pass "flood: xenconsoled memory flat (${rss0} -> ${rss1} KiB)"; else fail "flood: xenconsoled memory flat" "${rss0} -> ${rss1} KiB"; fi
detach r1
for d in resp flood; do xl destroy $d >/dev/null 2>&1; done
wait "$ATT_r1" 2>/dev/null

# --- clear errors --------------------------------------------------------------------------
err=$(xl console nosuch 2>&1); rc=$?
if [ $rc = 1 ] && grep -q "no domain 'nosuch'" <<<"$err"; then pass "xl console on a non-existent domain: clear error"; else fail "xl console nosuch" "rc=$rc $err"; fi

# --- without xenconsoled: the console_io log, with a note; then a restart --------------------
kill "$(xcd_pid)"
wait_for 10 sh -c "! kill -0 $pid 2>/dev/null"
out=$(timeout 60 xl create -c "$EX/hello.cfg" 'name="nocons"' 2>&1 </dev/null); rc=$?
if [ $rc = 0 ] && grep -q "hello from a pvisor PV guest" <<<"$out" && grep -q "xenconsoled is not running" <<<"$out"; then
    pass "no xenconsoled: create -c shows the console_io log with a note"
else
    fail "no xenconsoled: fallback" "rc=$rc $(tail -3 <<<"$out")"
fi
xl create "$EX/echo.cfg" 'name="survivor"' >/dev/null 2>&1
sleep 1
"$BIN/pvisor" start >/dev/null 2>&1
attach survivor s1
send s1 "after restart"
if wait_for 15 has s1 "AFTER RESTART" && has s1 "echo: ready"; then pass "xenconsoled restarted: a running guest's console is picked up, boot output included"; else fail "xenconsoled restart" "$(tail -c 300 "$T/s1.out") $(cat "$T/s1.err")"; fi
detach s1
xl destroy survivor >/dev/null 2>&1
wait "$ATT_s1" 2>/dev/null
exit 0
