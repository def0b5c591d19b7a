/*
 * netbench.c: network benchmark guest for `make bench` (UDP over netfront and the runtime's
 * IPv4 stack); every role prints one machine-readable result line and powers off.
 *
 * Command line: ip=A/P role=sink|send|echo|rr [peer=B] [port=P] [size=S] [seconds=S]
 *   [count=N] [timeout=S] [vif=DEVID]
 *   send  floods size-byte datagrams (default: the largest that fits the MTU) to peer:port
 *         for seconds (default 3), then sends end markers:
 *           netbench: udp_tx pkts=N bytes=B ns=T
 *   sink  counts datagrams on port from the first to the last (the end marker, or 1 s of
 *         silence; gives up after timeout without any):
 *           netbench: udp_rx pkts=N bytes=B ns=T
 *   echo  sends every datagram on port back to its sender, until seconds (default: until
 *         destroyed); at the end:  netbench: echo pkts=N bytes=B ns=T
 *   rr    count (default 10000) request/response round trips of size bytes (default 64)
 *         with an echo at peer:port, one at a time (a lost one is retried after 1 s), or
 *         as many as fit in seconds when seconds= is given:
 *           netbench: rr pkts=N bytes=B ns=T rtt_ns_avg=A
 * bytes are UDP payload bytes (both directions for rr); ns is Xen system time.
 * port defaults to 5001; timeout (default 30 s) bounds the handshake and the wait for the
 * peer.  Errors: "netbench: error: ...".
 */
#include <pvguest/net.h>
#include <pvguest/pvguest.h>

#define DEF_PORT    5001
#define END_MAGIC   "NBEND"
#define IDLE_END_NS NSEC_PER_SEC
#define RR_WAIT_NS  NSEC_PER_SEC
#define SLICE_NS    (100 * NSEC_PER_MSEC)

struct opts {
    struct net_config net;
    char role[8];
    uint32_t peer;
    uint16_t port;
    size_t size;
    uint64_t seconds_ns, timeout_ns;
    unsigned long count;
    int vif;
};

/* What the receive callback saw. */
struct counts {
    uint64_t pkts, bytes, first_ns, last_ns, dropped;
    bool ended;
    uint64_t rr_seq; /* rr: the sequence number the answer must carry */
    bool rr_got;
};

static struct net_if *nif;
static struct counts C;
static uint8_t buf[NETFRONT_MAX_FRAME];

static PV_NORETURN void fail(const char *fmt, ...) PV_PRINTF(1, 2);
static void fail(const char *fmt, ...)
{
    char msg[160];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    printk("netbench: error: %s\n", msg);
    pv_poweroff();
}

static const char *errname(int rc)
{
    const char *n = rc < 0 ? pv_errno_name(-rc) : NULL;
    return n ? n : "error";
}

static void result(const char *test, uint64_t pkts, uint64_t bytes, uint64_t ns)
{
    printk("netbench: %s pkts=%llu bytes=%llu ns=%llu\n", test, (unsigned long long)pkts,
           (unsigned long long)bytes, (unsigned long long)ns);
}

/* ---- set-up
 * -------------------------------------------------------------------------------------- */

static void parse(const char *cmdline, struct opts *o)
{
    char text[32];
    int rc = net_config_parse(cmdline, &o->net);

    if (rc < 0)
        fail("%s ip=A/P on the command line", rc == -ENOENT ? "no" : "bad");
    if (!pv_cmdline_get(cmdline, "role", o->role, sizeof(o->role)))
        fail("no role=sink|send|echo|rr");
    if (pv_cmdline_get(cmdline, "peer", text, sizeof(text)) &&
        !np_parse_ipv4(text, '\0', &o->peer, NULL))
        fail("bad peer=%s", text);
    unsigned long port = pv_cmdline_ulong(cmdline, "port", DEF_PORT);
    if (!port || port > 65535)
        fail("bad port=%lu", port);
    o->port = (uint16_t)port;
    o->size = pv_cmdline_ulong(cmdline, "size", 0);
    o->seconds_ns = pv_cmdline_ulong(cmdline, "seconds", 0) * NSEC_PER_SEC;
    o->timeout_ns = pv_cmdline_ulong(cmdline, "timeout", 30) * NSEC_PER_SEC;
    o->count = pv_cmdline_ulong(cmdline, "count", 0);
    o->vif = (int)pv_cmdline_ulong(cmdline, "vif", (unsigned long)-1);
}

static void bring_up(const struct opts *o)
{
    struct netfront_dev *dev;
    int rc = netfront_open(o->vif, o->timeout_ns, &dev);

    if (rc < 0)
        fail("cannot open the vif: %s", errname(rc));
    if ((rc = net_open(dev, &o->net, &nif)) < 0)
        fail("cannot start the stack: %s", errname(rc));
}

/* The datagram size for a role: size= capped to the MTU, else def (0: the MTU's). */
static size_t payload_size(const struct opts *o, size_t def)
{
    size_t room = net_mtu(nif) - NP_IP_HLEN - NP_UDP_HLEN;
    size_t s = o->size ? o->size : def ? def : room;

    return PV_MAX((size_t)8, PV_MIN(s, room));
}

static void need_peer(const struct opts *o)
{
    uint64_t deadline = pv_now_ns() + o->timeout_ns;
    uint8_t mac[6];
    int rc;

    if (!o->peer)
        fail("role=%s needs peer=B", o->role);
    do
        rc = net_resolve(nif, o->peer, mac, deadline - pv_now_ns());
    while (rc == -EHOSTUNREACH && pv_now_ns() < deadline);
    if (rc < 0)
        fail("cannot resolve the peer: %s", errname(rc));
}

/* Services the network for a slice; obeys control/shutdown. */
static void serve(uint64_t until)
{
    if (net_wait(nif, until) < 0)
        fail("the vif was detached");
    if (xenbus_shutdown_pending())
        (void)xenbus_shutdown_poll();
}

static void bind_port(const struct opts *o, net_udp_fn fn)
{
    int rc = net_udp_bind(nif, o->port, fn, NULL);

    if (rc < 0)
        fail("cannot bind port %u: %s", o->port, errname(rc));
}

/* ---- roles
 * --------------------------------------------------------------------------------------- */

/* Queues one datagram to the peer, waiting for room; false when the deadline passed. */
static bool queue_to_peer(const struct opts *o, const void *data, size_t len, uint64_t deadline)
{
    for (;;) {
        int rc = net_udp_queue(nif, o->peer, o->port, o->port, data, len);
        if (rc == 0)
            return true;
        if (rc != -EAGAIN)
            fail("send: %s", errname(rc));
        (void)net_flush(nif);
        if (pv_now_ns() >= deadline)
            return false;
        serve(PV_MIN(deadline, pv_now_ns() + SLICE_NS));
    }
}

static void role_send(const struct opts *o)
{
    size_t size = payload_size(o, 0);
    uint64_t pkts = 0, bytes = 0;

    need_peer(o);
    memset(buf, 0x5a, size);
    uint64_t t0 = pv_now_ns(), end = t0 + (o->seconds_ns ? o->seconds_ns : 3 * NSEC_PER_SEC);
    while (pv_now_ns() < end) {
        memcpy(buf, &pkts, sizeof(pkts)); /* a sequence number, never the end marker */
        if (!queue_to_peer(o, buf, size, end))
            break;
        pkts++;
        bytes += size;
        if (pkts % 32 == 0)
            (void)net_flush(nif);
    }
    (void)net_flush(nif);
    uint64_t ns = pv_now_ns() - t0;
    (void)netfront_drain(net_device(nif), NSEC_PER_SEC);
    for (int i = 0; i < 3; i++) /* the sink may be short of buffers: more than one */
        (void)net_udp_send(nif, o->peer, o->port, o->port, END_MAGIC, sizeof(END_MAGIC));
    (void)netfront_drain(net_device(nif), NSEC_PER_SEC);
    result("udp_tx", pkts, bytes, ns);
}

static void count_rx(void *arg, uint32_t src, uint16_t sport, uint16_t dport, const uint8_t *data,
                     size_t len)
{
    (void)arg, (void)src, (void)sport, (void)dport;
    if (len == sizeof(END_MAGIC) && memcmp(data, END_MAGIC, len) == 0) {
        C.ended = true;
        return;
    }
    C.last_ns = pv_now_ns();
    if (!C.pkts)
        C.first_ns = C.last_ns;
    C.pkts++;
    C.bytes += len;
}

static void role_sink(const struct opts *o)
{
    uint64_t give_up = pv_now_ns() + o->timeout_ns;

    bind_port(o, count_rx);
    for (;;) {
        uint64_t now = pv_now_ns();
        if (C.ended && C.pkts)
            break;
        if (C.pkts ? now - C.last_ns >= IDLE_END_NS : now >= give_up)
            break;
        serve(now + SLICE_NS);
    }
    result("udp_rx", C.pkts, C.bytes, C.pkts ? C.last_ns - C.first_ns : 0);
}

static void echo_rx(void *arg, uint32_t src, uint16_t sport, uint16_t dport, const uint8_t *data,
                    size_t len)
{
    (void)arg;
    if (net_udp_queue(nif, src, dport, sport, data, len) < 0) {
        C.dropped++;
        return;
    }
    C.last_ns = pv_now_ns();
    if (!C.pkts)
        C.first_ns = C.last_ns;
    C.pkts++;
    C.bytes += len;
}

static void role_echo(const struct opts *o)
{
    uint64_t end = o->seconds_ns ? pv_now_ns() + o->seconds_ns : 0;

    bind_port(o, echo_rx);
    printk("netbench: echo on port %u\n", o->port);
    while (!end || pv_now_ns() < end)
        serve(pv_now_ns() + NSEC_PER_SEC);
    result("echo", C.pkts, C.bytes, C.pkts ? C.last_ns - C.first_ns : 0);
}

static void rr_rx(void *arg, uint32_t src, uint16_t sport, uint16_t dport, const uint8_t *data,
                  size_t len)
{
    uint64_t seq;

    (void)arg, (void)src, (void)sport, (void)dport;
    if (len < sizeof(seq))
        return;
    memcpy(&seq, data, sizeof(seq));
    if (seq == C.rr_seq) {
        C.rr_got = true;
        C.bytes += len;
    }
}

/* One round trip; its time, or 0 if no answer came in RR_WAIT_NS. */
static uint64_t round_trip(const struct opts *o, size_t size, uint64_t seq)
{
    uint64_t t0 = pv_now_ns(), deadline = t0 + RR_WAIT_NS;

    C.rr_seq = seq;
    C.rr_got = false;
    memcpy(buf, &seq, sizeof(seq));
    int rc = net_udp_send(nif, o->peer, o->port, o->port, buf, size);
    if (rc < 0)
        fail("rr: %s", errname(rc));
    while (!C.rr_got && pv_now_ns() < deadline)
        serve(deadline);
    return C.rr_got ? PV_MAX(pv_now_ns() - t0, 1ULL) : 0;
}

static void role_rr(const struct opts *o)
{
    size_t size = payload_size(o, 64);
    unsigned long count = o->count ? o->count : o->seconds_ns ? ~0UL : 10000;
    uint64_t pkts = 0, rtt_sum = 0, lost = 0;

    need_peer(o);
    bind_port(o, rr_rx);
    memset(buf, 0xa5, size);
    uint64_t t0 = pv_now_ns(), end = o->seconds_ns ? t0 + o->seconds_ns : 0;
    for (uint64_t seq = 1; pkts < count && (!end || pv_now_ns() < end); seq++) {
        uint64_t rtt = round_trip(o, size, seq);
        if (!rtt && ++lost > 100)
            fail("rr: more than 100 requests unanswered");
        if (rtt) {
            pkts++;
            rtt_sum += rtt;
            C.bytes += size; /* the request's */
        }
    }
    uint64_t ns = pv_now_ns() - t0;
    printk("netbench: rr pkts=%llu bytes=%llu ns=%llu rtt_ns_avg=%llu\n", (unsigned long long)pkts,
           (unsigned long long)C.bytes, (unsigned long long)ns,
           (unsigned long long)(pkts ? rtt_sum / pkts : 0));
}

int main(const char *cmdline)
{
    static struct opts o;

    parse(cmdline, &o);
    (void)xenbus_shutdown_watch();
    bring_up(&o);
    if (strcmp(o.role, "send") == 0)
        role_send(&o);
    else if (strcmp(o.role, "sink") == 0)
        role_sink(&o);
    else if (strcmp(o.role, "echo") == 0)
        role_echo(&o);
    else if (strcmp(o.role, "rr") == 0)
        role_rr(&o);
    else
        fail("unknown role=%s (sink, send, echo or rr)", o.role);
    (void)netfront_drain(net_device(nif), NSEC_PER_SEC);
    return 0;
}
