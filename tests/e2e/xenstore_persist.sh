#!/bin/bash
# xenstore_persist.sh: SIGKILL xenstored under a write load, restart it, and find every
# acknowledged write, transaction and permission; compaction and restarts keep state.
. "$(dirname "$0")/../../xenstore/tests/e2e-lib.sh"

X=$BIN/xenstore
if ! start_xsd; then
    fail "xenstored starts" "see $XSD_LOG"
    exit 1
fi
"$X" write /keep/a 1 /keep/b 2 && "$X" chmod /keep/a n0 r5 b7 || fail "setup" "writes failed"
$PY - <<'PYEOF' || fail "setup" "introduce failed"
import os, socket, struct
s = socket.socket(socket.AF_UNIX); s.connect(os.environ["XENSTORED_PATH"])
s.sendall(struct.pack("<IIII", 8, 1, 0, 9) + b"7\0" b"4096\0" b"3\0")
assert s.recv(64)[16:] == b"OK\0"
PYEOF

"$BIN/xenstored" --rundir "$PVISOR_RUNDIR" 2>/dev/null
expect_eq "a second daemon on the same run directory is refused" 1 $?

# Writer: plain writes, and every 10th a two-node transaction; logs what was acknowledged.
acked=$PVISOR_RUNDIR/acked
timeout 20 $PY - "$acked" <<'PYEOF' &
import os, socket, struct, sys
log = open(sys.argv[1], "w", buffering=1)
s = socket.socket(socket.AF_UNIX); s.connect(os.environ["XENSTORED_PATH"])
def call(typ, payload, tx=0):
    s.sendall(struct.pack("<IIII", typ, 1, tx, len(payload)) + payload)
    hdr = s.recv(16, socket.MSG_WAITALL)
    if len(hdr) < 16:
        raise EOFError
    n = struct.unpack("<IIII", hdr)[3]
    return s.recv(n, socket.MSG_WAITALL).rstrip(b"\0") if n else b""
try:
    for i in range(10**6):
        if i % 10 == 0:
            tx = int(call(6, b"\0"))
            call(11, b"/load/tx%d/a\0A%d" % (i, i), tx)
            call(11, b"/load/tx%d/b\0B%d" % (i, i), tx)
            if call(7, b"T\0", tx) == b"OK":
                log.write("tx %d\n" % i)
        elif call(11, b"/load/k%d\0v%d" % (i, i)) == b"OK":
            log.write("w %d\n" % i)
except (EOFError, OSError, ValueError):
    pass
PYEOF
wpid=$!
count() { if [ -f "$acked" ]; then wc -l <"$acked"; else echo 0; fi; }
for _ in $(seq 50); do [ "$(count)" -gt 300 ] && break; sleep 0.05; done
"$X" write /mid/marker 1 # and compact while the load runs
$PY -c "
import os, socket, struct
s = socket.socket(socket.AF_UNIX); s.connect(os.environ['XENSTORED_PATH'])
s.sendall(struct.pack('<IIII', 0, 1, 0, 8) + b'compact\0'); s.recv(64)"
for _ in $(seq 20); do [ "$(count)" -gt 800 ] && break; sleep 0.05; done
kill9_xsd && pass "SIGKILL under load" || fail "SIGKILL under load" "daemon did not die"
wait $wpid
n=$(count)
[ "$n" -gt 100 ] && pass "load was running ($n acknowledged)" || fail "load was running" "$n acks"

start_xsd && pass "restart after SIGKILL" || { fail "restart after SIGKILL" "see $XSD_LOG"; exit 1; }
timeout 20 $PY - "$acked" <<'PYEOF'
import sys
from pyxs import Client
missing, torn, last = [], [], 0
with Client() as c:
    for line in open(sys.argv[1]):
        kind, i = line.split()
        last = max(last, int(i))
        if kind == "w" and c.read(b"/load/k" + i.encode(), None) != b"v" + i.encode():
            missing.append(line.strip())
        if kind == "tx":
            if (c.read(b"/load/tx%s/a" % i.encode(), None), c.read(b"/load/tx%s/b" % i.encode(), None)) != \
               (b"A" + i.encode(), b"B" + i.encode()):
                missing.append(line.strip())
    # Unacknowledged transactions (the one in flight) must be whole or absent.
    for i in range(0, last + 100, 10):
        got = [c.exists(b"/load/tx%d/%s" % (i, k)) for k in (b"a", b"b")]
        if got[0] != got[1]:
            torn.append(i)
    perms = c.get_perms(b"/keep/a")
print("PASS: every acknowledged write survived SIGKILL" if not missing else
      "FAIL: every acknowledged write survived SIGKILL: missing %s" % missing[:5])
print("PASS: transactions are all or nothing" if not torn else
      "FAIL: transactions are all or nothing: %s" % torn[:5])
print("PASS: permissions survived" if perms == [b"n0", b"r5", b"b7"] else
      "FAIL: permissions survived: %r" % perms)
PYEOF
expect_eq "a write made before compaction survived" 1 "$("$X" read /mid/marker)"
introduced=$($PY -c "
import os, socket, struct
s = socket.socket(socket.AF_UNIX); s.connect(os.environ['XENSTORED_PATH'])
s.sendall(struct.pack('<IIII', 17, 1, 0, 2) + b'7\0'); print(s.recv(64)[16:17].decode())")
expect_eq "introduced domains survived" T "$introduced"

stop_xsd && start_xsd || fail "clean restart" "see $XSD_LOG"
expect_eq "state survives a clean restart too" 2 "$("$X" read /keep/b)"
expect_eq "store.db stays private" 600 "$(stat -c %a "$PVISOR_RUNDIR/xenstored/store.db")"
