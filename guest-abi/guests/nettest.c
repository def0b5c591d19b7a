/*
 * nettest.c: a network test guest over netfront and the runtime's IPv4 stack: answers ARP
 * and ping for its address, and optionally pings a peer, sends a UDP stream or counts one.
 *
 * Command line:
 *   ip=A/P [gw=G] [vif=DEVID] [timeout=S] [duration=S]
 *   [ping=B [count=N] [interval=MS] [size=BYTES]]
 *   [udp-sink[=PORT]] | [udp-send=B:PORT,bytes=N[,size=S]] [reopen=N]
 * timeout=S (default 30) bounds the handshake and waiting for a peer's ARP answer;
 * duration=S powers off S seconds after coming up (active modes still running are cut
 * short); without it the guest stays up until destroyed, unless it has an active mode
 * (ping, udp-send): then it powers off once that finished.  control/shutdown is obeyed.
 * reopen=N closes and reopens the vif N times before the up line (netfront_close tests).
 *
 * Output (tests grep these lines):
 *   nettest: up ip=A mac=M mtu=U
 *   ping: N sent, N received, rtt min/avg/max = a/b/c us
 *   udp-send: N packets, B bytes, T ns
 *   udp-sink: progress N packets, B bytes      (each second while packets arrive)
 *   udp-sink: N packets, B bytes               (at the end)
 *   nettest: error: ...
 */
#include <pvguest/net.h>
#include <pvguest/pvguest.h>

#define DEF_PORT     5001
#define DEF_COUNT    4
#define DEF_INTERVAL 1000 /* ms */
#define DEF_PINGSIZE 56
#define PING_WAIT_NS NSEC_PER_SEC
#define DRAIN_NS     (2 * NSEC_PER_SEC)

struct opts {
    struct net_config net;
    int vif;
    uint64_t timeout_ns, duration_ns; /* duration 0: none */
    uint32_t ping_dst;                /* 0: no ping */
    unsigned long count, interval_ms, ping_size;
    bool sink;
    uint16_t sink_port;
    uint32_t send_dst; /* 0: no udp-send */
    uint16_t send_port;
    uint64_t send_bytes;
    size_t send_size;     /* 0: the largest that fits the MTU */
    unsigned long reopen; /* close and reopen the vif this often first */
};

struct sink {
    uint64_t pkts, bytes, shown;
};

static struct net_if *nif;
static struct sink sink;
static uint64_t end_ns; /* 0: no end */
static uint8_t payload[NETFRONT_MAX_FRAME];

static PV_NORETURN void fail(const char *fmt, ...) PV_PRINTF(1, 2);
static void fail(const char *fmt, ...)
{
    char msg[160];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    printk("nettest: error: %s\n", msg);
    pv_poweroff();
}

static const char *errname(int rc)
{
    const char *n = rc < 0 ? pv_errno_name(-rc) : NULL;
    return n ? n : "error";
}

/* ---- command line ---------------------------------------------------------------------------- */

/* "B:PORT" followed by optional ",bytes=N" and ",size=S". */
static bool parse_send(const char *v, struct opts *o)
{
    const char *p;
    char *end;

    if (!np_parse_ipv4(v, ':', &o->send_dst, &p) || *p != ':')
        return false;
    unsigned long port = strtoul(p + 1, &end, 10);
    if (end == p + 1 || !port || port > 65535)
        return false;
    o->send_port = (uint16_t)port;
    while (*end == ',') {
        p = end + 1;
        if (strncmp(p, "bytes=", 6) == 0)
            o->send_bytes = strtoul(p + 6, &end, 10);
        else if (strncmp(p, "size=", 5) == 0)
            o->send_size = strtoul(p + 5, &end, 10);
        else
            return false;
    }
    return *end == '\0';
}

static void parse_modes(const char *cmdline, struct opts *o)
{
    char buf[96];

    if (pv_cmdline_get(cmdline, "ping", buf, sizeof(buf)) &&
        !np_parse_ipv4(buf, '\0', &o->ping_dst, NULL))
        fail("bad ping=%s", buf);
    o->count = pv_cmdline_ulong(cmdline, "count", DEF_COUNT);
    o->interval_ms = pv_cmdline_ulong(cmdline, "interval", DEF_INTERVAL);
    o->ping_size = pv_cmdline_ulong(cmdline, "size", DEF_PINGSIZE);
    if (pv_cmdline_has(cmdline, "udp-sink")) {
        o->sink = true;
        o->sink_port = DEF_PORT;
        if (pv_cmdline_get(cmdline, "udp-sink", buf, sizeof(buf))) {
            unsigned long port = strtoul(buf, NULL, 10);
            if (!port || port > 65535)
                fail("bad udp-sink=%s", buf);
            o->sink_port = (uint16_t)port;
        }
    }
    if (pv_cmdline_get(cmdline, "udp-send", buf, sizeof(buf))) {
        o->send_bytes = pv_cmdline_ulong(cmdline, "bytes", 0);
        if (!parse_send(buf, o))
            fail("bad udp-send=%s (want B:PORT,bytes=N[,size=S])", buf);
        if (!o->send_bytes)
            fail("udp-send needs bytes=N");
    }
}

static void parse(const char *cmdline, struct opts *o)
{
    int rc;

    memset(o, 0, sizeof(*o));
    rc = net_config_parse(cmdline, &o->net);
    if (rc == -ENOENT)
        fail("no ip=A/P on the command line");
    if (rc < 0)
        fail("bad ip=/gw= on the command line");
    o->vif = (int)pv_cmdline_ulong(cmdline, "vif", (unsigned long)-1);
    o->timeout_ns = pv_cmdline_ulong(cmdline, "timeout", 30) * NSEC_PER_SEC;
    o->duration_ns = pv_cmdline_ulong(cmdline, "duration", 0) * NSEC_PER_SEC;
    o->reopen = pv_cmdline_ulong(cmdline, "reopen", 0);
    parse_modes(cmdline, o);
}

/* ---- serving -----------------------------------------------------------------------------------
 */

static void sink_rx(void *arg, uint32_t src, uint16_t sport, uint16_t dport, const uint8_t *data,
                    size_t len)
{
    (void)arg, (void)src, (void)sport, (void)dport, (void)data;
    sink.pkts++;
    sink.bytes += len;
}

static void sink_final(const struct opts *o)
{
    if (o->sink)
        printk("udp-sink: %llu packets, %llu bytes\n", (unsigned long long)sink.pkts,
               (unsigned long long)sink.bytes);
}

static PV_NORETURN void finish(const struct opts *o)
{
    struct net_stats st;

    sink_final(o);
    net_stats(nif, &st);
    printk("nettest: stats rx=%llu tx=%llu arp_replies=%llu echo_replies=%llu bad=%llu "
           "csum=%llu frags=%llu other=%llu\n",
           (unsigned long long)st.rx_frames, (unsigned long long)st.tx_frames,
           (unsigned long long)st.arp_replies, (unsigned long long)st.echo_replies,
           (unsigned long long)st.rx_bad, (unsigned long long)st.rx_csum,
           (unsigned long long)st.rx_frags, (unsigned long long)st.rx_other);
    struct netfront_stats ns;
    netfront_stats(net_device(nif), &ns);
    printk("nettest: netfront tx=%llu rx=%llu tx_full=%llu tx_errors=%llu rx_errors=%llu "
           "notifies=%llu events=%llu\n",
           (unsigned long long)ns.tx_packets, (unsigned long long)ns.rx_packets,
           (unsigned long long)ns.tx_full, (unsigned long long)ns.tx_errors,
           (unsigned long long)ns.rx_errors, (unsigned long long)ns.notifies,
           (unsigned long long)ns.events);
    (void)netfront_drain(net_device(nif), DRAIN_NS);
    pv_poweroff();
}

/* control/shutdown changed (its watch also fires once when set): the sink's total goes
 * out before a requested shutdown. */
static void shutdown_check(const struct opts *o)
{
    char req[16] = "";

    if (xenbus_read(XBT_NIL, "control/shutdown", req, sizeof(req)) > 0 && req[0])
        sink_final(o);
    (void)xenbus_shutdown_poll();
}

/* One wait for the network (at most until `until`); handles detach, shutdown and the
 * sink's progress line.  Returns false once the guest's duration is over. */
static bool serve_once(const struct opts *o, uint64_t until)
{
    static uint64_t next_progress;

    if (end_ns)
        until = PV_MIN(until, end_ns);
    if (net_wait(nif, until) < 0)
        fail("the vif was detached");
    if (xenbus_shutdown_pending())
        shutdown_check(o);
    uint64_t now = pv_now_ns();
    if (o->sink && now >= next_progress && sink.pkts != sink.shown) {
        printk("udp-sink: progress %llu packets, %llu bytes\n", (unsigned long long)sink.pkts,
               (unsigned long long)sink.bytes);
        sink.shown = sink.pkts;
        next_progress = now + NSEC_PER_SEC;
    }
    return !end_ns || now < end_ns;
}

/* Answers the network until deadline (0: one pass without waiting); false once the
 * guest's duration is over. */
static bool serve(const struct opts *o, uint64_t deadline)
{
    uint64_t now = pv_now_ns();

    do {
        if (!serve_once(o, deadline ? PV_MIN(deadline, now + NSEC_PER_SEC) : now))
            return false;
        now = pv_now_ns();
    } while (deadline && now < deadline);
    return true;
}

/* Waits up to the timeout for a peer to answer ARP (it may still be starting). */
static void resolve_peer(const struct opts *o, uint32_t ip)
{
    uint64_t deadline = pv_now_ns() + o->timeout_ns;
    uint8_t mac[6];
    char text[16];
    int rc;

    do {
        rc = net_resolve(nif, ip, mac, deadline - pv_now_ns());
        if (rc == 0 || rc == -ENETUNREACH || rc == -EINVAL || rc == -ENODEV)
            break;
        if (!serve(o, 0))
            finish(o);
    } while (pv_now_ns() < deadline);
    np_format_ipv4(ip, text);
    if (rc < 0)
        fail("cannot resolve %s: %s", text, errname(rc));
}

/* ---- active modes ------------------------------------------------------------------------------
 */

static void do_ping(const struct opts *o)
{
    uint64_t min = ~0ULL, max = 0, sum = 0, sent = 0, got = 0;
    uint64_t start = pv_now_ns();

    resolve_peer(o, o->ping_dst);
    for (unsigned long i = 0; i < o->count; i++) {
        uint64_t rtt;
        int rc = net_ping(nif, o->ping_dst, (uint16_t)(i + 1), o->ping_size, PING_WAIT_NS, &rtt);
        sent++;
        if (rc == 0) {
            got++;
            sum += rtt;
            min = PV_MIN(min, rtt);
            max = PV_MAX(max, rtt);
        } else if (rc != -ETIMEDOUT) {
            fail("ping: %s", errname(rc));
        }
        if (i + 1 < o->count && !serve(o, start + (i + 1) * o->interval_ms * NSEC_PER_MSEC))
            break;
    }
    if (!got)
        min = 0;
    printk("ping: %llu sent, %llu received, rtt min/avg/max = %llu/%llu/%llu us\n",
           (unsigned long long)sent, (unsigned long long)got,
           (unsigned long long)(min / NSEC_PER_USEC),
           (unsigned long long)(got ? sum / got / NSEC_PER_USEC : 0),
           (unsigned long long)(max / NSEC_PER_USEC));
}

/* Queues one datagram, waiting for room as long as needed (and the duration allows). */
static bool send_one(const struct opts *o, size_t len)
{
    for (;;) {
        int rc = net_udp_queue(nif, o->send_dst, o->send_port, o->send_port, payload, len);
        if (rc == 0)
            return true;
        if (rc != -EAGAIN)
            fail("udp-send: %s", errname(rc));
        (void)net_flush(nif);
        if (!serve_once(o, pv_now_ns() + 100 * NSEC_PER_MSEC))
            return false;
    }
}

static void do_udp_send(const struct opts *o)
{
    size_t room = net_mtu(nif) - NP_IP_HLEN - NP_UDP_HLEN;
    size_t size = o->send_size ? PV_MIN(o->send_size, room) : room;
    uint64_t pkts = 0, bytes = 0;

    if (!size)
        fail("udp-send: size=0");
    for (size_t i = 0; i < size; i++)
        payload[i] = (uint8_t)i;
    resolve_peer(o, o->send_dst);
    uint64_t t0 = pv_now_ns();
    while (bytes < o->send_bytes) {
        size_t len = (size_t)PV_MIN((uint64_t)size, o->send_bytes - bytes);
        if (!send_one(o, len))
            break;
        pkts++;
        bytes += len;
        if (pkts % 32 == 0)
            (void)net_flush(nif);
    }
    (void)net_flush(nif);
    uint64_t t = pv_now_ns() - t0;
    (void)netfront_drain(net_device(nif), DRAIN_NS);
    printk("udp-send: %llu packets, %llu bytes, %llu ns\n", (unsigned long long)pkts,
           (unsigned long long)bytes, (unsigned long long)t);
}

/* ---- main ---------------------------------------------------------------------------------------
 */

/* reopen=N: closes and reopens the vif N times (frontend Closing/Closed, then a new
 * handshake), printing "nettest: reopened vif (close rc=R)" each time. */
static struct netfront_dev *reopen(const struct opts *o, struct netfront_dev *dev)
{
    for (unsigned long i = 0; i < o->reopen; i++) {
        int rc = netfront_close(dev);
        int rc2 = netfront_open(o->vif, o->timeout_ns, &dev);
        if (rc2 < 0)
            fail("cannot reopen the vif: %s", errname(rc2));
        printk("nettest: reopened vif (close rc=%d)\n", rc);
    }
    return dev;
}

static void bring_up(const struct opts *o)
{
    struct netfront_dev *dev;
    struct netfront_info in;
    char ip[16], mac[18];
    int rc = netfront_open(o->vif, o->timeout_ns, &dev);

    if (rc < 0)
        fail("cannot open the vif: %s", errname(rc));
    dev = reopen(o, dev);
    rc = net_open(dev, &o->net, &nif);
    if (rc < 0)
        fail("cannot start the stack: %s", errname(rc));
    (void)netfront_info(dev, &in);
    np_format_ipv4(o->net.ip, ip);
    netfront_format_mac(in.mac, mac);
    printk("nettest: up ip=%s mac=%s mtu=%u\n", ip, mac, in.mtu);
}

int main(const char *cmdline)
{
    static struct opts o;

    parse(cmdline, &o);
    (void)xenbus_shutdown_watch();
    bring_up(&o);
    if (o.duration_ns)
        end_ns = pv_now_ns() + o.duration_ns;
    if (o.sink) {
        int rc = net_udp_bind(nif, o.sink_port, sink_rx, NULL);
        if (rc < 0)
            fail("udp-sink: cannot bind port %u: %s", o.sink_port, errname(rc));
    }
    if (o.ping_dst)
        do_ping(&o);
    if (o.send_dst)
        do_udp_send(&o);
    bool active = o.ping_dst || o.send_dst;
    while ((!active || end_ns) && serve(&o, pv_now_ns() + NSEC_PER_SEC))
        ;
    finish(&o);
}
