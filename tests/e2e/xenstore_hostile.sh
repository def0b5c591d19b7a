#!/bin/bash
# xenstore_hostile.sh: hostile clients against xenstored: oversized and bogus messages,
# garbage, clients that never read, unprivileged callers, quotas. The daemon and every
# other client must carry on.
. "$(dirname "$0")/../../xenstore/tests/e2e-lib.sh"

if ! start_xsd; then
    fail "xenstored starts" "see $XSD_LOG"
    exit 1
fi

timeout 60 $PY - <<'PYEOF'
import os, socket, struct, time, errno

PATH = os.environ["XENSTORED_PATH"]
READ, WRITE, MKDIR, ERROR, WATCH, TSTART, CONTROL, INTRODUCE, GDP, SETP, DIR = \
    2, 11, 12, 16, 4, 6, 0, 8, 10, 14, 1

def ok(name, cond, why="unexpected result"):
    print(("PASS: " + name) if cond else ("FAIL: %s: %s" % (name, why)))

def conn():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(PATH)
    s.settimeout(5)
    return s

def send(s, typ, payload=b"", req=1, tx=0, length=None):
    n = len(payload) if length is None else length
    s.sendall(struct.pack("<IIII", typ, req, tx, n) + payload)

def recvn(s, n):
    buf = b""
    while len(buf) < n:
        d = s.recv(n - len(buf))
        if not d:
            raise EOFError
        buf += d
    return buf

def recv(s):
    typ, req, tx, n = struct.unpack("<IIII", recvn(s, 16))
    return typ, req, tx, recvn(s, n)

def call(s, typ, payload=b"", tx=0):
    send(s, typ, payload, tx=tx)
    while True:
        t, _, _, body = recv(s)
        if t != 15:  # skip watch events
            return t, body.rstrip(b"\0")

def closed(s):
    """True once the daemon has closed s (pending replies are drained)."""
    end = time.time() + 5
    try:
        while time.time() < end:
            if s.recv(65536) == b"":
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False
    return False

def healthy():
    s = conn()
    r = call(s, WRITE, b"/health\0ok")
    s.close()
    return r == (WRITE, b"OK")

witness = conn()  # a well-behaved client that stays connected throughout

s = conn(); send(s, READ, length=4097)
try:
    s.sendall(b"x" * 4097)  # the daemon may already have dropped us after the header
except (BrokenPipeError, ConnectionResetError):
    pass
ok("payload length 4097 disconnects the sender", closed(s))
s = conn(); send(s, READ, length=0xFFFFFFFF)
ok("payload length 0xFFFFFFFF disconnects the sender", closed(s))

s = conn()
ok("unterminated string gets EINVAL", call(s, READ, b"/health") == (ERROR, b"EINVAL"))
ok("bad tx_id gets ENOENT", call(s, READ, b"/\0", tx=424242) == (ERROR, b"ENOENT"))
ok("unknown message type gets ENOSYS", call(s, 1234, b"x\0") == (ERROR, b"ENOSYS"))
ok("bad path characters get EINVAL", call(s, READ, b"/a b\0") == (ERROR, b"EINVAL"))
big = b"/max\0" + b"v" * (4096 - 5)
ok("a payload of exactly 4096 bytes is accepted", call(s, WRITE, big) == (WRITE, b"OK"))
ok("...and reads back whole", call(s, READ, b"/max\0") == (READ, b"v" * 4091))
ok("connection survives all of that", call(s, GDP, b"3\0") == (GDP, b"/local/domain/3"))
s.close()

s = conn()
try:
    s.sendall(os.urandom(65536))
except OSError:
    pass
s.close()
ok("garbage bytes: daemon carries on", healthy())

# A client that writes requests and never reads replies: it stalls, nobody else does.
stuck = conn(); stuck.setblocking(False)
sent = 0
try:
    for i in range(200000):
        stuck.send(struct.pack("<IIII", GDP, i, 0, 2) + b"1\0"); sent += 1
except BlockingIOError:
    pass
t0 = time.time()
ok("a client that never reads replies does not block others (%d requests)" % sent,
   healthy() and time.time() - t0 < 5)
stuck.close()

# A watcher that never reads its events is dropped once its queue is full.
lazy = conn()
send(lazy, WATCH, b"/flood\0t\0")
w = conn()
good = 0
for batch in range(30):
    for i in range(100):
        send(w, WRITE, b"/flood/k\0%d" % i, req=i)
    good += sum(recv(w)[0] == WRITE for _ in range(100))
ok("a writer is not slowed by a stuck watcher", good == 3000)
ok("a watcher that never reads is disconnected", closed(lazy))
w.close()

# Unprivileged callers (CONTROL restrict makes a socket act like a guest's ring).
d0 = conn()
for home, owner in ((b"/local/domain/5", b"n5"), (b"/local/domain/6", b"n6")):
    call(d0, MKDIR, home + b"\0"); call(d0, SETP, home + b"\0" + owner + b"\0")
call(d0, WRITE, b"/local/domain/6/secret\0s")
u = conn()
ok("restrict to domain 5", call(u, CONTROL, b"restrict\0" b"5\0") == (CONTROL, b"OK"))
ok("domU INTRODUCE gets EACCES", call(u, INTRODUCE, b"9\0" b"1\0" b"1\0") == (ERROR, b"EACCES"))
ok("domU CONTROL gets EACCES", call(u, CONTROL, b"quota\0") == (ERROR, b"EACCES"))
ok("domU reading another domain's node gets EACCES",
   call(u, READ, b"/local/domain/6/secret\0") == (ERROR, b"EACCES"))
ok("domU listing dom0's tree gets EACCES", call(u, DIR, b"/local/domain/0\0") == (ERROR, b"EACCES"))
ok("domU relative write lands in its home", call(u, WRITE, b"rel\0x") == (WRITE, b"OK") and
   call(d0, READ, b"/local/domain/5/rel\0") == (READ, b"x"))
ok("domU node-size quota gets E2BIG",
   call(u, WRITE, b"big\0" + b"x" * 2049) == (ERROR, b"E2BIG"))

# Quotas: nodes (1000 per domain: home + rel exist), watches (128), transactions (10).
replies = []
for b in range(0, 998, 100):
    n = min(100, 998 - b)
    for i in range(b, b + n):
        send(u, MKDIR, b"n%d\0" % i, req=i)
    replies += [recv(u) for _ in range(n)]
ok("998 more nodes fit the 1000-node quota", all(r[0] == MKDIR for r in replies))
ok("node 1001 gets EQUOTA", call(u, MKDIR, b"one-too-many\0") == (ERROR, b"EQUOTA"))
wres = [call(u, WATCH, b"w%d\0t\0" % i) for i in range(129)]
ok("128 watches fit, the 129th gets EQUOTA",
   all(r[0] == WATCH for r in wres[:128]) and wres[128] == (ERROR, b"EQUOTA"))
tres = [call(u, TSTART, b"\0") for _ in range(11)]
ok("10 transactions fit, the 11th gets EQUOTA",
   all(r[0] == TSTART for r in tres[:10]) and tres[10] == (ERROR, b"EQUOTA"))
u.close()

many = [conn() for _ in range(300)]
ok("300 concurrent clients are served",
   all(call(c, GDP, b"1\0") == (GDP, b"/local/domain/1") for c in many))
for c in many:
    c.close()
ok("a well-behaved client connected throughout still works",
   call(witness, READ, b"/health\0") == (READ, b"ok"))
ok("node accounting is consistent afterwards", call(d0, CONTROL, b"check\0") == (CONTROL, b"OK"))
PYEOF
[ $? = 0 ] || fail "hostile client script" "exited non-zero"

alive && pass "xenstored survived" || fail "xenstored survived" "it exited; see its log"
for q in "quota nodes=1000" "quota watches=128" "quota transactions=10" "quota node-size=2048" \
    "output-queue"; do
    if grep -q "$q" "$XSD_LOG"; then pass "log names the quota: $q"; else
        fail "log names the quota: $q" "not in $XSD_LOG"; fi
done
grep -q "payload length 4294967295 > 4096" "$XSD_LOG" && pass "log says why a client was dropped" ||
    fail "log says why a client was dropped" "no reason in the log"
