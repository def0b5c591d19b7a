/*
 * pingpong.c: two PV guests exchange `rounds` events over an interdomain event channel
 * and a page the server grants to the client; every round each side writes its sequence
 * number and a pattern the other verifies.  Ends with grant checks (the server cannot end
 * the grant while the client maps it; it can once the client unmapped) and
 * "pingpong: N rounds OK", or the failure and a crash exit.
 *
 * Rendezvous, by command line:  role=a peer=<B>              (server: prints its port/gref)
 *                               role=b peer=<A> port=<P> gref=<G>            (client)
 * (peer=+N means our own domid + N, for tests that know ids are handed out in order),
 * or through xenstore (no peer= on the command line): each reads pingpong/peer in its own
 * tree; the smaller domid serves and publishes pingpong/{port,gref,ready}; the other
 * reads them from /local/domain/<server>/pingpong/.  rounds=N (server's; default 10000).
 */
#include <pvguest/pvguest.h>

#define DEFAULT_ROUNDS 10000
#define CONNECT_NS     (30 * NSEC_PER_SEC) /* rendezvous and the peer's first message */
#define ROUND_NS       (5 * NSEC_PER_SEC)  /* at most between two messages */
#define PP_MAGIC       0x50696e67U         /* "Ping" */
#define PP_HELLO       0x506f6e67U         /* "Pong" */
#define PP_CMD_UNMAP   1
#define PP_WORDS       128 /* 1 KiB of pattern per side per round */
#define REPORT_EVERY   1000

/* The shared page. */
struct pp_page {
    uint32_t magic;        /* server: PP_MAGIC once granted */
    uint32_t rounds;       /* server: how many rounds */
    uint32_t hello;        /* client: PP_HELLO once mapped */
    uint32_t cmd;          /* server: PP_CMD_UNMAP after the last round */
    uint32_t a_seq, b_seq; /* last round written by server (a) and client (b) */
    uint8_t pad[1024 - 24];
    uint64_t a_data[PP_WORDS];
    uint64_t b_data[PP_WORDS];
};
_Static_assert(sizeof(struct pp_page) <= PV_PAGE_SIZE, "pp_page fits a page");

struct pp {
    bool server;
    domid_t self, peer;
    evtchn_port_t port; /* ours */
    evtchn_port_t remote_port;
    grant_ref_t gref;
    volatile struct pp_page *page;
    uint32_t rounds;
    grant_handle_t handle; /* client: of its map of the page */
    uint32_t ev_base;      /* client: events seen before the server's first */
    uint64_t armed;        /* deadline the one-shot timer is set to */
};

static volatile uint32_t events; /* deliveries on our port */

static void on_event(evtchn_port_t port, void *arg)
{
    events++;
}

static uint64_t pattern(unsigned int side, uint32_t seq, unsigned int i)
{
    uint64_t x = ((uint64_t)seq << 20) ^ ((uint64_t)side << 60) ^ i;
    x ^= x >> 31;
    x *= 0x9e3779b97f4a7c15ULL;
    x ^= x >> 29;
    return x;
}

static void fill(volatile uint64_t *w, unsigned int side, uint32_t seq)
{
    for (unsigned int i = 0; i < PP_WORDS; i++)
        w[i] = pattern(side, seq, i);
}

/* Index of the first wrong word, or -1. */
static int verify(const volatile uint64_t *w, unsigned int side, uint32_t seq)
{
    for (unsigned int i = 0; i < PP_WORDS; i++)
        if (w[i] != pattern(side, seq, i))
            return (int)i;
    return -1;
}

/*
 * Waits until `want` events arrived on our port or the deadline passes.  Before blocking,
 * the one-shot timer must be armed somewhere in (now, deadline]; it is re-armed only
 * when it has expired (or lies beyond the deadline), so a round costs the send and the
 * block, not a set_timer_op as well.  Whoever else sets the timer (printk waiting for the
 * console ring may) must reset p->armed.
 */
static bool wait_events(struct pp *p, uint32_t want, uint64_t timeout_ns)
{
    uint64_t deadline = pv_now_ns() + timeout_ns;
    for (;;) {
        pv_events_disable();
        if (READ_ONCE(events) >= want) {
            pv_events_enable();
            return true;
        }
        uint64_t now = pv_now_ns();
        if (now >= deadline) {
            pv_events_enable();
            return false;
        }
        if (p->armed <= now || p->armed > deadline) {
            p->armed = deadline;
            (void)HYPERVISOR_set_timer_op(deadline);
        }
        pv_block(); /* returns with events enabled, handlers run */
    }
}

/* A progress line; the console may have used the timer meanwhile (see wait_events). */
static void progress(struct pp *p, uint32_t round)
{
    printk("pingpong: %u rounds\n", round);
    p->armed = 0;
}

static int fail(const char *fmt, ...) PV_PRINTF(1, 2);
static int fail(const char *fmt, ...)
{
    char buf[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    printk("pingpong: FAILED: %s\n", buf);
    return 1;
}

static void check_ok(struct pp *p, const char *what)
{
    printk("pingpong: check: %s OK\n", what);
    p->armed = 0; /* see wait_events() */
}

/* Our domain id: the status of a loopback unbound port names us. */
static int own_domid(void)
{
    struct evtchn_alloc_unbound a = {.dom = DOMID_SELF, .remote_dom = DOMID_SELF};
    if (HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &a))
        return -1;
    struct evtchn_status st = {.dom = DOMID_SELF, .port = a.port};
    long rc = HYPERVISOR_event_channel_op(EVTCHNOP_status, &st);
    struct evtchn_close c = {.port = a.port};
    (void)HYPERVISOR_event_channel_op(EVTCHNOP_close, &c);
    return rc ? -1 : st.u.unbound.dom;
}

/* ---- rendezvous through xenstore -------------------------------------------------------- */

/* Reads an unsigned number at path, waiting (watch) until it exists or the deadline. */
static int xs_wait_ulong(const char *path, unsigned long *val, uint64_t deadline)
{
    char buf[32];
    int rc = xenbus_watch(path, "pingpong");
    if (rc < 0)
        return rc;
    for (;;) {
        rc = xenbus_read(XBT_NIL, path, buf, sizeof(buf));
        if (rc >= 0)
            break;
        char wp[128], tok[16];
        if (xenbus_read_watch(wp, sizeof(wp), tok, sizeof(tok), deadline) < 0)
            break; /* -ETIMEDOUT, or the store is gone */
    }
    (void)xenbus_unwatch(path, "pingpong");
    if (rc < 0)
        return rc;
    char *end;
    *val = strtoul(buf, &end, 10);
    return (*end || end == buf) ? -EINVAL : 0;
}

static int xs_publish(const struct pp *p, const char *key, unsigned long val)
{
    char path[64], v[24], perms[24];
    snprintf(path, sizeof(path), "pingpong/%s", key);
    snprintf(v, sizeof(v), "%lu", val);
    snprintf(perms, sizeof(perms), "n%u r%u", p->self, p->peer);
    int rc = xenbus_write(XBT_NIL, path, v);
    return rc < 0 ? rc : xenbus_set_perms(XBT_NIL, path, perms);
}

static int xs_find_peer(struct pp *p)
{
    unsigned long v;
    int rc = xs_wait_ulong("pingpong/peer", &v, pv_now_ns() + CONNECT_NS);
    if (rc < 0 || v >= DOMID_FIRST_RESERVED || v == p->self)
        return fail("no usable pingpong/peer in xenstore (%d %s)", rc, pv_errno_name(-rc) ?: "");
    p->peer = (domid_t)v;
    p->server = p->self < p->peer;
    return 0;
}

static int xs_fetch_server(struct pp *p)
{
    char path[80];
    unsigned long port, gref, ready;
    uint64_t deadline = pv_now_ns() + CONNECT_NS;
    snprintf(path, sizeof(path), "/local/domain/%u/pingpong/ready", p->peer);
    int rc = xs_wait_ulong(path, &ready, deadline);
    if (rc < 0)
        return fail("server %u did not publish %s (%d)", p->peer, path, rc);
    snprintf(path, sizeof(path), "/local/domain/%u/pingpong/port", p->peer);
    rc = xs_wait_ulong(path, &port, deadline);
    snprintf(path, sizeof(path), "/local/domain/%u/pingpong/gref", p->peer);
    if (rc == 0)
        rc = xs_wait_ulong(path, &gref, deadline);
    if (rc < 0)
        return fail("cannot read the server's port/gref from xenstore (%d)", rc);
    p->remote_port = (evtchn_port_t)port;
    p->gref = (grant_ref_t)gref;
    return 0;
}

/* ---- the two sides ---------------------------------------------------------------------- */

static int server_setup(struct pp *p, bool use_xs)
{
    p->page = pv_alloc_page();
    if (!p->page)
        return fail("no spare page to share");
    p->page->magic = PP_MAGIC;
    p->page->rounds = p->rounds;
    int ref = gnttab_grant_access(p->peer, pv_virt_to_mfn((const void *)p->page), false);
    if (ref < 0)
        return fail("grant_access: %d (%s)", ref, gnttab_strerror(ref));
    int port = evtchn_alloc_unbound(p->peer, on_event, NULL);
    if (port < 0)
        return fail("alloc_unbound for domain %u: %d", p->peer, port);
    p->gref = (grant_ref_t)ref;
    p->port = (evtchn_port_t)port;
    printk("pingpong: serving port=%u gref=%u peer=%u rounds=%u\n", p->port, p->gref, p->peer,
           p->rounds);
    if (use_xs) {
        int rc = xs_publish(p, "port", p->port);
        if (rc == 0)
            rc = xs_publish(p, "gref", p->gref);
        if (rc == 0)
            rc = xs_publish(p, "ready", 1);
        if (rc < 0)
            return fail("publishing in xenstore: %d (%s)", rc, pv_errno_name(-rc) ?: "");
    }
    if (!wait_events(p, 1, CONNECT_NS))
        return fail("no client within %llu s", CONNECT_NS / NSEC_PER_SEC);
    if (p->page->hello != PP_HELLO)
        return fail("client's hello is %#x", p->page->hello);
    if (!gnttab_in_use(p->gref))
        return fail("the client's map did not set GTF_reading/GTF_writing (flags %#x)",
                    gnttab_entry(p->gref)->flags);
    check_ok(p, "the client's map set GTF_reading|GTF_writing");
    return 0;
}

static int server_rounds(struct pp *p)
{
    volatile struct pp_page *pg = p->page;
    for (uint32_t i = 1; i <= p->rounds; i++) {
        fill(pg->a_data, 0, i);
        barrier();
        WRITE_ONCE(pg->a_seq, i);
        int rc = evtchn_send(p->port);
        if (rc)
            return fail("round %u: send: %d", i, rc);
        if (!wait_events(p, i + 1, ROUND_NS))
            return fail("round %u: no reply within %llu s (events %u)", i, ROUND_NS / NSEC_PER_SEC,
                        events);
        if (pg->b_seq != i)
            return fail("round %u: client's sequence is %u", i, pg->b_seq);
        int bad = verify(pg->b_data, 1, i);
        if (bad >= 0)
            return fail("round %u: client's word %d is %#llx", i, bad,
                        (unsigned long long)pg->b_data[bad]);
        if (i % REPORT_EVERY == 0)
            progress(p, i);
    }
    return 0;
}

static int server_finish(struct pp *p)
{
    int rc = gnttab_end_access(p->gref);
    if (rc != -EBUSY)
        return fail("end_access while the peer maps the page gave %d, want -EBUSY", rc);
    check_ok(p, "end_access while the peer maps the page -> -EBUSY");
    if ((gnttab_entry(p->gref)->flags & GTF_type_mask) != GTF_permit_access)
        return fail("the refused end_access changed the entry");
    WRITE_ONCE(p->page->cmd, PP_CMD_UNMAP);
    if (evtchn_send(p->port) || !wait_events(p, p->rounds + 2, ROUND_NS))
        return fail("the client did not report its unmap");
    rc = gnttab_end_access(p->gref);
    if (rc != 0)
        return fail("end_access after the peer unmapped gave %d (flags %#x)", rc,
                    gnttab_entry(p->gref)->flags);
    check_ok(p, "end_access after the peer unmapped -> 0");
    if (events != p->rounds + 2)
        return fail("%u events arrived, want %u", events, p->rounds + 2);
    return 0;
}

static int client_setup(struct pp *p)
{
    int port = evtchn_bind_interdomain(p->peer, p->remote_port, on_event, NULL);
    if (port < 0)
        return fail("bind_interdomain to %u:%u: %d", p->peer, p->remote_port, port);
    p->port = (evtchn_port_t)port;
    p->ev_base = events; /* Xen marks a freshly bound port pending: that one is not the peer's */
    void *va = pv_alloc_page();
    int rc = va ? gnttab_map(p->peer, p->gref, (unsigned long)va, false, &p->handle) : -ENOMEM;
    if (rc)
        return fail("map of gref %u from %u: %d (%s)", p->gref, p->peer, rc, gnttab_strerror(rc));
    p->page = va;
    if (p->page->magic != PP_MAGIC)
        return fail("the mapped page has magic %#x", p->page->magic);
    p->rounds = p->page->rounds;
    printk("pingpong: client of %u: port %u, gref %u mapped (handle %u), %u rounds\n", p->peer,
           p->port, p->gref, p->handle, p->rounds);
    p->page->hello = PP_HELLO;
    return evtchn_send(p->port) ? fail("hello: send failed") : 0;
}

static int client_rounds(struct pp *p)
{
    uint32_t base = p->ev_base;
    volatile struct pp_page *pg = p->page;
    for (uint32_t i = 1; i <= p->rounds; i++) {
        if (!wait_events(p, base + i, i == 1 ? CONNECT_NS : ROUND_NS))
            return fail("round %u: nothing from the server (events %u)", i, events - base);
        if (pg->a_seq != i)
            return fail("round %u: server's sequence is %u", i, pg->a_seq);
        int bad = verify(pg->a_data, 0, i);
        if (bad >= 0)
            return fail("round %u: server's word %d is %#llx", i, bad,
                        (unsigned long long)pg->a_data[bad]);
        fill(pg->b_data, 1, i);
        barrier();
        WRITE_ONCE(pg->b_seq, i);
        int rc = evtchn_send(p->port);
        if (rc)
            return fail("round %u: send: %d", i, rc);
        if (i % REPORT_EVERY == 0)
            progress(p, i);
    }
    return 0;
}

static int client_finish(struct pp *p)
{
    uint32_t base = p->ev_base;
    grant_handle_t h = p->handle;
    if (!wait_events(p, base + p->rounds + 1, ROUND_NS) || p->page->cmd != PP_CMD_UNMAP)
        return fail("no unmap request from the server");
    unsigned long va = (unsigned long)p->page;
    p->page = NULL; /* gone after the unmap */
    int rc = gnttab_unmap(h, va);
    if (rc)
        return fail("unmap: %d (%s)", rc, gnttab_strerror(rc));
    rc = gnttab_unmap(h, va);
    if (rc != GNTTAB_ERR(GNTST_bad_handle))
        return fail("second unmap of handle %u gave %d (%s), want bad_handle", h, rc,
                    gnttab_strerror(rc));
    check_ok(p, "a second unmap of the handle -> bad_handle");
    if (evtchn_send(p->port))
        return fail("unmap notification: send failed");
    if (events - base != p->rounds + 1)
        return fail("%u events arrived, want %u", events - base, p->rounds + 1);
    return 0;
}

/* ---- main ------------------------------------------------------------------------------- */

static int parse(struct pp *p, const char *cmdline, bool *use_xs)
{
    char role[8] = "";
    int me = own_domid();
    if (me < 0)
        return fail("cannot learn our domain id");
    p->self = (domid_t)me;
    p->rounds = (uint32_t)pv_cmdline_ulong(cmdline, "rounds", DEFAULT_ROUNDS);
    *use_xs = !pv_cmdline_has(cmdline, "peer");
    if (*use_xs)
        return xs_find_peer(p);
    char val[16] = "";
    (void)pv_cmdline_get(cmdline, "peer", val, sizeof(val));
    char *end;
    unsigned long peer = strtoul(val[0] == '+' ? val + 1 : val, &end, 10);
    if (val[0] == '+') /* relative: for tests that create both with sequential ids */
        peer += p->self;
    if (*end || end == val || peer >= DOMID_FIRST_RESERVED || peer == p->self)
        return fail("bad peer= on the command line");
    p->peer = (domid_t)peer;
    (void)pv_cmdline_get(cmdline, "role", role, sizeof(role));
    p->server = role[0] ? strcmp(role, "a") == 0 : !pv_cmdline_has(cmdline, "port");
    if (!p->server) {
        unsigned long port = pv_cmdline_ulong(cmdline, "port", ~0UL);
        unsigned long gref = pv_cmdline_ulong(cmdline, "gref", ~0UL);
        if (port == ~0UL || gref == ~0UL)
            return fail("role b needs port= and gref=");
        p->remote_port = (evtchn_port_t)port;
        p->gref = (grant_ref_t)gref;
    }
    return 0;
}

int main(const char *cmdline)
{
    struct pp p = {0};
    bool use_xs = false;
    if (parse(&p, cmdline, &use_xs))
        return 1;
    printk("pingpong: domain %u, peer %u, %s, rendezvous by %s\n", p.self, p.peer,
           p.server ? "server (a)" : "client (b)", use_xs ? "xenstore" : "command line");
    if (p.server ? server_setup(&p, use_xs) : (use_xs && xs_fetch_server(&p)) || client_setup(&p))
        return 1;
    uint64_t t0 = pv_now_ns();
    if (p.server ? server_rounds(&p) : client_rounds(&p))
        return 1;
    uint64_t ns = pv_now_ns() - t0;
    if (p.server ? server_finish(&p) : client_finish(&p))
        return 1;
    printk("pingpong: %u rounds OK (%llu.%03llu s, %llu us per round trip)\n", p.rounds,
           (unsigned long long)(ns / NSEC_PER_SEC),
           (unsigned long long)(ns % NSEC_PER_SEC / NSEC_PER_MSEC),
           (unsigned long long)(p.rounds ? ns / p.rounds / NSEC_PER_USEC : 0));
    return 0;
}
