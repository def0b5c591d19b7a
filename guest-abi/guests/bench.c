/*
 * bench.c: the benchmark guest of `make bench` (tests/bench/run.sh).  Each mode times one
 * thing from inside the guest with the pvclock (warm-up first, then reps repetitions of n
 * operations) and prints one line per result, "SAMPLE <name> ns <v1> <v2> ...", one
 * value per repetition (time per operation), then powers off.
 *
 *   mode=core [reps=R] [n=N]   null hypercall (xen_version), multicall of 32 null calls vs
 *                              32 single ones, GNTTABOP_copy of 4 KiB alone and 32 at once
 *                              (from pages granted to ourselves into our own frames)
 *   mode=evtchn role=a peer=D|+K [style=block|poll] [reps=R] [n=N]
 *                              domU<->domU event round trips: serves peer D (or own domid
 *                              + K), prints "bench: evtchn port=P", waits for the client
 *   mode=evtchn role=b peer=A port=P [style=..] [reps=R] [n=N]   the client: answers each
 *                              event (reps and n must be the server's)
 *   mode=dom0evt [style=block|poll]   allocates a port for dom0, prints "bench: dom0evt
 *                              port=P" and answers every event until destroyed
 *   mode=xs [reps=R] [n=N]     xenstore read / write round trips over the store ring
 *
 * Styles: block = the runtime's usual path (EVTCHNOP_send, SCHEDOP_block, upcall, iret);
 * poll = events masked, one multicall [EVTCHNOP_send, SCHEDOP_poll] per message, so each
 * side leaves the guest once per message.
 */
#include <pvguest/gnttab.h>
#include <pvguest/pvguest.h>
#include <xen/sched.h>

#define MAX_REPS   32
#define COPY_PAGES 32
#define WAIT_NS    (30 * NSEC_PER_SEC)

static unsigned g_reps;
static unsigned long g_n;
static uint64_t g_v[MAX_REPS];

static uint8_t g_src[COPY_PAGES][PV_PAGE_SIZE] __attribute__((aligned(PV_PAGE_SIZE)));
static uint8_t g_dst[COPY_PAGES][PV_PAGE_SIZE] __attribute__((aligned(PV_PAGE_SIZE)));

static void sample(const char *name)
{
    char line[640];
    int at = snprintf(line, sizeof line, "SAMPLE %s ns", name);
    for (unsigned i = 0; i < g_reps && at < (int)sizeof line; i++)
        at += snprintf(line + at, sizeof line - (size_t)at, " %llu", (unsigned long long)g_v[i]);
    printk("%s\n", line);
}

/* Runs fn(count) once as a warm-up, then reps times; each value is ns per unit. */
static void measure(const char *name, void (*fn)(unsigned long), unsigned long count,
                    unsigned long units)
{
    fn(count / 4 + 1);
    for (unsigned i = 0; i < g_reps; i++) {
        uint64_t t0 = pv_now_ns();
        fn(count);
        g_v[i] = (pv_now_ns() - t0) / units;
    }
    sample(name);
}

/* ---- mode=core ------------------------------------------------------------------- */

static multicall_entry_t g_mc[32];
static struct gnttab_copy g_ops[COPY_PAGES];

static void null_calls(unsigned long n)
{
    for (unsigned long i = 0; i < n; i++)
        (void)HYPERVISOR_xen_version(XENVER_version, NULL);
}

static void multicalls(unsigned long n)
{
    for (unsigned long i = 0; i < n; i++)
        (void)HYPERVISOR_multicall(g_mc, 32);
}

static void copies1(unsigned long n)
{
    for (unsigned long i = 0; i < n; i++)
        (void)HYPERVISOR_grant_table_op(GNTTABOP_copy, g_ops, 1);
}

static void copies32(unsigned long n)
{
    for (unsigned long i = 0; i < n; i++)
        (void)HYPERVISOR_grant_table_op(GNTTABOP_copy, g_ops, COPY_PAGES);
}

static int setup_copies(void)
{
    int self = xenbus_domid();
    if (self < 0)
        return self;
    for (unsigned i = 0; i < COPY_PAGES; i++) {
        memset(g_src[i], 0xa0 + (int)i, PV_PAGE_SIZE);
        int ref = gnttab_grant_access((domid_t)self, pv_virt_to_mfn(g_src[i]), true);
        if (ref < 0)
            return ref;
        g_ops[i] = (struct gnttab_copy){
            .source = {.u.ref = (grant_ref_t)ref, .domid = (domid_t)self, .offset = 0},
            .dest = {.u.gmfn = pv_virt_to_mfn(g_dst[i]), .domid = DOMID_SELF, .offset = 0},
            .len = PV_PAGE_SIZE,
            .flags = GNTCOPY_source_gref,
        };
    }
    int rc = gnttab_copy_ops(g_ops, COPY_PAGES);
    if (rc < 0)
        return rc;
    for (unsigned i = 0; i < COPY_PAGES; i++)
        if (memcmp(g_src[i], g_dst[i], PV_PAGE_SIZE) != 0)
            return -EIO;
    return 0;
}

static int mode_core(void)
{
    long v = HYPERVISOR_xen_version(XENVER_version, NULL);
    if (v <= 0) {
        printk("bench: FAILED: xen_version returned %ld\n", v);
        return 1;
    }
    measure("hcall", null_calls, g_n, g_n);
    for (unsigned i = 0; i < 32; i++)
        g_mc[i] = (multicall_entry_t){.op = __HYPERVISOR_xen_version, .args = {XENVER_version, 0}};
    long rc = HYPERVISOR_multicall(g_mc, 32);
    if (rc != 0 || (long)g_mc[31].result != v) {
        printk("bench: FAILED: multicall returned %ld, last result %ld\n", rc,
               (long)g_mc[31].result);
        return 1;
    }
    unsigned long groups = g_n / 32 + 1;
    measure("mc32", multicalls, g_n / 4 + 1, g_n / 4 + 1);
    measure("single32", null_calls, groups * 32, groups);
    rc = setup_copies();
    if (rc < 0) {
        printk("bench: FAILED: grant copy setup: %s\n", gnttab_strerror((int)rc));
        return 1;
    }
    measure("gntcopy1", copies1, g_n / 4 + 1, g_n / 4 + 1);
    measure("gntcopy32", copies32, g_n / 16 + 1, g_n / 16 + 1);
    return 0;
}

/* ---- events ---------------------------------------------------------------------- */

static volatile unsigned long g_events; /* deliveries on our port (block style) */
static evtchn_port_t g_port;
static bool g_poll_style, g_echo;

static void on_event(evtchn_port_t port, void *arg)
{
    (void)arg;
    g_events++;
    if (g_echo)
        evtchn_send(port);
}

/* block style: waits until g_events >= want (events masked while checking); false when
 * system time passes deadline (the one-shot timer armed by the caller wakes us). */
static bool wait_count(unsigned long want, uint64_t deadline)
{
    for (;;) {
        pv_events_disable();
        if (g_events >= want) {
            pv_events_enable();
            return true;
        }
        if (pv_now_ns() >= deadline) {
            pv_events_enable();
            return false;
        }
        pv_block();
    }
}

/* poll style: optionally sends on our port, then sleeps until it is pending, in one
 * multicall; clears it.  False on timeout (deadline in system time) or error. */
static bool send_poll(bool send, uint64_t deadline)
{
    static struct evtchn_send snd;
    static struct sched_poll sp;
    static multicall_entry_t mc[2];
    static evtchn_port_t ports[1];
    ports[0] = g_port;
    snd.port = g_port;
    sp.nr_ports = 1;
    sp.timeout = deadline;
    set_xen_guest_handle(sp.ports, ports);
    mc[0] = (multicall_entry_t){.op = __HYPERVISOR_event_channel_op,
                                .args = {EVTCHNOP_send, (unsigned long)&snd}};
    mc[1] = (multicall_entry_t){.op = __HYPERVISOR_sched_op,
                                .args = {SCHEDOP_poll, (unsigned long)&sp}};
    long rc = send ? HYPERVISOR_multicall(mc, 2) : HYPERVISOR_sched_op(SCHEDOP_poll, &sp);
    if (rc < 0 || (send && ((long)mc[0].result < 0 || (long)mc[1].result < 0)))
        return false;
    if (!evtchn_is_pending(g_port))
        return false;
    evtchn_clear(g_port);
    return true;
}

/* The server's round trips: send, wait for the answer. */
static void rounds(unsigned long n)
{
    uint64_t deadline = pv_now_ns() + WAIT_NS;
    for (unsigned long i = 0; i < n; i++) {
        bool ok;
        if (g_poll_style) {
            ok = send_poll(true, deadline);
        } else {
            unsigned long want = g_events + 1;
            evtchn_send(g_port);
            ok = wait_count(want, deadline);
        }
        if (!ok)
            panic("bench: no answer from the peer within %llu s", WAIT_NS / NSEC_PER_SEC);
    }
}

static bool setup_style(const char *cmdline)
{
    char style[16] = "block";
    pv_cmdline_get(cmdline, "style", style, sizeof style);
    g_poll_style = strcmp(style, "poll") == 0;
    if (g_poll_style)
        pv_events_disable(); /* no upcalls: SCHEDOP_poll reports the port */
    return g_poll_style || strcmp(style, "block") == 0;
}

static int peer_of(const char *cmdline)
{
    char buf[16];
    if (!pv_cmdline_get(cmdline, "peer", buf, sizeof buf))
        return -EINVAL;
    if (buf[0] == '+') {
        int self = xenbus_domid();
        return self < 0 ? self : self + (int)strtoul(buf + 1, NULL, 10);
    }
    return (int)strtoul(buf, NULL, 10);
}

static int evtchn_server(int peer)
{
    int p = evtchn_alloc_unbound((domid_t)peer, g_poll_style ? NULL : on_event, NULL);
    if (p < 0) {
        printk("bench: FAILED: alloc_unbound for d%d: %d\n", peer, p);
        return 1;
    }
    g_port = (evtchn_port_t)p;
    printk("bench: evtchn port=%u peer=%d\n", g_port, peer);
    uint64_t deadline = pv_now_ns() + WAIT_NS;
    (void)HYPERVISOR_set_timer_op(deadline);
    bool hello = g_poll_style ? send_poll(false, deadline) : wait_count(1, deadline);
    if (!hello) {
        printk("bench: FAILED: the client did not show up\n");
        return 1;
    }
    (void)HYPERVISOR_set_timer_op(pv_now_ns() + 10 * 60 * NSEC_PER_SEC); /* wakes us if stuck */
    measure(g_poll_style ? "evt_poll" : "evt_block", rounds, g_n, g_n);
    return 0;
}

static int evtchn_client(int peer, evtchn_port_t rport)
{
    /* as many messages as the server sends: its warm-up, then reps x n */
    unsigned long total = g_n / 4 + 1 + (unsigned long)g_reps * g_n;
    pv_events_disable(); /* the bind's own pending event must not reach the handler */
    int p = evtchn_bind_interdomain((domid_t)peer, rport, g_poll_style ? NULL : on_event, NULL);
    if (p < 0) {
        printk("bench: FAILED: bind to d%d port %u: %d\n", peer, rport, p);
        return 1;
    }
    g_port = (evtchn_port_t)p;
    evtchn_clear(g_port); /* a new local end starts pending (Xen) */
    uint64_t deadline = pv_now_ns() + 10 * 60 * NSEC_PER_SEC;
    (void)HYPERVISOR_set_timer_op(deadline);
    if (g_poll_style) {
        bool ok = send_poll(true, deadline); /* hello, then wait for the first message */
        for (unsigned long i = 1; ok && i < total; i++)
            ok = send_poll(true, deadline);
        if (ok)
            evtchn_send(g_port);
        return ok ? 0 : 1;
    }
    g_echo = true; /* from now on the handler answers each message */
    pv_events_enable();
    evtchn_send(g_port); /* hello */
    return wait_count(total, deadline) ? 0 : 1;
}

static int mode_evtchn(const char *cmdline)
{
    char role[4] = "";
    pv_cmdline_get(cmdline, "role", role, sizeof role);
    int peer = peer_of(cmdline);
    if (!setup_style(cmdline) || peer <= 0 || (strcmp(role, "a") && strcmp(role, "b"))) {
        printk("bench: FAILED: mode=evtchn needs role=a|b, peer=D|+K, style=block|poll\n");
        return 1;
    }
    if (role[0] == 'a')
        return evtchn_server(peer);
    unsigned long rport = pv_cmdline_ulong(cmdline, "port", 0);
    if (!rport) {
        printk("bench: FAILED: role=b needs port=P\n");
        return 1;
    }
    return evtchn_client(peer, (evtchn_port_t)rport);
}

static int mode_dom0evt(const char *cmdline)
{
    if (!setup_style(cmdline)) {
        printk("bench: FAILED: style=block|poll\n");
        return 1;
    }
    g_echo = true;
    int p = evtchn_alloc_unbound(0, g_poll_style ? NULL : on_event, NULL);
    if (p < 0) {
        printk("bench: FAILED: alloc_unbound for dom0: %d\n", p);
        return 1;
    }
    g_port = (evtchn_port_t)p;
    printk("bench: dom0evt port=%u\n", g_port);
    if (g_poll_style) {
        bool ok = send_poll(false, 0);
        while (ok)
            ok = send_poll(true, 0);
        return 1;
    }
    for (;;)
        pv_block(); /* the handler answers */
}

/* ---- mode=xs ---------------------------------------------------------------------- */

static void xs_reads(unsigned long n)
{
    char buf[64];
    for (unsigned long i = 0; i < n; i++)
        if (xenbus_read(XBT_NIL, "data/bench", buf, sizeof buf) < 0)
            panic("bench: xenstore read failed");
}

static void xs_writes(unsigned long n)
{
    for (unsigned long i = 0; i < n; i++)
        if (xenbus_write(XBT_NIL, "data/bench", "0123456789abcdef") < 0)
            panic("bench: xenstore write failed");
}

static int mode_xs(void)
{
    int rc = xenbus_write(XBT_NIL, "data/bench", "0123456789abcdef");
    if (rc < 0) {
        printk("bench: FAILED: xenstore write data/bench: %d\n", rc);
        return 1;
    }
    measure("gxs_read", xs_reads, g_n, g_n);
    measure("gxs_write", xs_writes, g_n, g_n);
    return 0;
}

int main(const char *cmdline)
{
    char mode[16] = "";
    pv_cmdline_get(cmdline, "mode", mode, sizeof mode);
    g_reps = (unsigned)pv_cmdline_ulong(cmdline, "reps", 7);
    g_n = pv_cmdline_ulong(cmdline, "n", 1000);
    if (g_reps == 0 || g_reps > MAX_REPS || g_n == 0) {
        printk("bench: FAILED: reps must be 1-%u and n > 0\n", MAX_REPS);
        return 1;
    }
    if (!strcmp(mode, "core"))
        return mode_core();
    if (!strcmp(mode, "evtchn"))
        return mode_evtchn(cmdline);
    if (!strcmp(mode, "dom0evt"))
        return mode_dom0evt(cmdline);
    if (!strcmp(mode, "xs"))
        return mode_xs();
    printk("bench: FAILED: unknown mode '%s' (core, evtchn, dom0evt, xs)\n", mode);
    return 1;
}
