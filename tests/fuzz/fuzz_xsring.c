/* fuzz_xsring.c: libFuzzer target: xenstored's guest-ring transport against one hostile and one
 * well-behaved guest (indexes, ring bytes, reconnections, release), with ring invariants and
 * the framing model for guests that follow the protocol. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../xenstore/xenstored/domain.h"
#include "../../xenstore/xenstored/proto.h"
#include "../../xenstore/xenstored/ring.h"
#include "xsfuzz.h"

/*
 * Input: flags (1 byte: bit 0 = domain 5 follows the protocol too), then operations, each
 * an opcode byte (bits 0-2 the operation, bit 3 the guest: domain 5 or domain 6) and its
 * arguments:
 *   0 n bytes[n]        append bytes to what the guest writes into its request ring
 *   1 n                 the guest reads up to 8*n response bytes (n = 0: all)
 *   2                   the guest asks for a reconnection (XENSTORE_RECONNECT)
 *   3 which u32         domain 5 overwrites an index or field of its page
 *   4 off16 n bytes[n]  domain 5 overwrites ring bytes (request ring, or response ring if
 *                       bit 15 of off) without moving an index
 *   5                   dom0 RELEASEs and re-INTRODUCEs domain 5 (same page; 4 times at
 *                       most, later ones are plain events)
 *   6                   an event without a change
 *   7 type n bytes[n]   append a well-formed message (type, next req_id, no transaction)
 * Each operation ends with an event on the guest's port; operations after the 128th are
 * ignored. Domain 6 never does 3, 4 or 5
 * (they become events), nor does domain 5 with flag bit 0.
 *
 * Invariants for a guest that follows the protocol (until its next reconnection after it
 * stops doing so): the daemon never marks its page RINGIDX, marks it PROTO only after a
 * header over XENSTORE_PAYLOAD_MAX, COMM only after an output queue overflow; never
 * publishes req_cons beyond req_prod nor rsp_prod more than a ring ahead of rsp_cons;
 * answers every complete request once, in order, with well-formed messages (all of them
 * by the end, once the guest reads everything). For any guest: no crash, no ASan report.
 */
#define HDR     sizeof(struct xsd_sockmsg)
#define RSZ     XENSTORE_RING_SIZE
#define NEXP    4096
#define MAX_OPS 128 /* operations per input: keeps every execution short */

struct guest {
    unsigned domid;
    struct xenstore_domain_interface *pg;
    bool hostile;   /* broke the protocol since its last reconnection */
    bool stopped;   /* the daemon stopped serving it (error set) */
    bool reconnect; /* asked for a reconnection, not yet done */
    uint8_t *pend;  /* bytes to write when there is room */
    size_t npend, cpend;
    uint8_t *sent; /* bytes written since the last reconnection */
    size_t nsent, csent;
    struct xsf_stream rsp;
    size_t nreply;
    uint32_t next_req;
};

static struct guest G[2];
static bool bound[2];
static unsigned long qhits0;

static struct guest *by_domid(unsigned domid)
{
    return domid == 5 ? &G[0] : domid == 6 ? &G[1] : NULL;
}

static int f_map(unsigned domid, uint64_t mfn, void **p)
{
    struct guest *g = by_domid(domid);

    (void)mfn;
    if (!g)
        return -ESRCH;
    *p = g->pg;
    return 0;
}

static void f_unmap(void *p)
{
    (void)p;
}

static int f_bind(unsigned domid, uint32_t rport, uint32_t *lport)
{
    (void)rport;
    if (!by_domid(domid) || bound[domid - 5])
        return -EINVAL;
    bound[domid - 5] = true;
    *lport = domid;
    return 0;
}

static void f_unbind(uint32_t lport)
{
    if (lport == 5 || lport == 6)
        bound[lport - 5] = false;
}

static void f_notify(uint32_t lport)
{
    (void)lport;
}

static const struct ring_env env = {f_map, f_unmap, f_bind, f_unbind, f_notify};

static void append(uint8_t **b, size_t *n, size_t *cap, const void *p, size_t len)
{
    if (len == 0)
        return;
    if (*n + len > *cap) {
        *cap = (*n + len) * 2 + 256;
        *b = realloc(*b, *cap);
        if (!*b)
            xsf_fail("out of memory");
    }
    memcpy(*b + *n, p, len);
    *n += len;
}

static void guest_restart(struct guest *g)
{
    g->hostile = g->stopped = g->reconnect = false;
    g->npend = g->nsent = g->nreply = 0;
    xsf_stream_free(&g->rsp);
}

/* --- the daemon's side ---------------------------------------------------------------- */

static struct xsf_peer *dom0;

static void dom0_request(uint32_t type, const char *payload, uint32_t len)
{
    struct xsf_msg m;

    xsf_peer_push_msg(dom0, type, 0, 0, payload, len);
    conn_input(dom0->c);
    conn_run_pending();
    while (xsf_peer_pop(dom0, &m))
        ;
}

static void introduce(unsigned domid)
{
    char buf[32];
    int n = snprintf(buf, sizeof(buf), "%u%c%u%c%u", domid, 0, domid, 0, domid);

    dom0_request(XS_INTRODUCE, buf, (uint32_t)n + 1);
}

static void release(unsigned domid)
{
    char buf[8];
    int n = snprintf(buf, sizeof(buf), "%u", domid);

    dom0_request(XS_RELEASE, buf, (uint32_t)n + 1);
}

/* /local/domain/<domid>, owned by the domain (what the toolstack writes before INTRODUCE). */
static void make_home(unsigned domid)
{
    struct xs_perm own = {(uint16_t)domid, XS_PERM_NONE};
    char home[32];

    snprintf(home, sizeof(home), "/local/domain/%u", domid);
    int rc = store_create(&xsd_store, home, &own, 1);
    if (rc < 0 && rc != -EEXIST)
        xsf_fail("cannot create %s", home);
}

/* The state INTRODUCE leaves, made directly (cheaper than requests): homes owned by the
 * domains, both rings attached. */
static void setup_domains(void)
{
    static const struct xs_perm dom0_none = {0, XS_PERM_NONE};
    bool fresh;

    if (store_create(&xsd_store, "/local", &dom0_none, 1) < 0 ||
        store_create(&xsd_store, "/local/domain", &dom0_none, 1) < 0)
        xsf_fail("setup failed");
    for (unsigned domid = 5; domid <= 6; domid++) {
        make_home(domid);
        if (domain_add(domid, domid, domid, -1, &fresh) < 0)
            xsf_fail("setup failed");
    }
    conn_run_pending();
}

/* --- the guests' side ------------------------------------------------------------------- */

static void flush_pending(struct guest *g)
{
    volatile struct xenstore_domain_interface *pg = g->pg;
    XENSTORE_RING_IDX prod = pg->req_prod, room = RSZ - (prod - pg->req_cons);
    size_t n = g->npend < room ? g->npend : room;

    if (g->reconnect || g->stopped || room > RSZ || n == 0)
        return;
    for (size_t i = 0; i < n; i++)
        pg->req[MASK_XENSTORE_IDX(prod + i)] = (char)g->pend[i];
    pg->req_prod = prod + (XENSTORE_RING_IDX)n;
    append(&g->sent, &g->nsent, &g->csent, g->pend, n);
    memmove(g->pend, g->pend + n, g->npend - n);
    g->npend -= n;
}

/* Reads up to max response bytes (0: all) and checks them. Returns the bytes read. */
static size_t consume(struct guest *g, size_t max)
{
    static struct xsf_req exp[NEXP];
    volatile struct xenstore_domain_interface *pg = g->pg;
    XENSTORE_RING_IDX cons = pg->rsp_cons, avail = pg->rsp_prod - cons;
    size_t n = max && max < avail ? max : avail, nexp;
    bool oversize;
    struct xsf_msg m;

    if (g->hostile || g->reconnect || avail > RSZ)
        return 0; /* a hostile guest's responses are not checked */
    for (size_t i = 0; i < n; i++) {
        uint8_t ch = (uint8_t)pg->rsp[MASK_XENSTORE_IDX(cons + i)];
        xsf_stream_add(&g->rsp, &ch, 1);
    }
    pg->rsp_cons = cons + (XENSTORE_RING_IDX)n;
    nexp = xsf_requests(g->sent, g->nsent, exp, NEXP, &oversize);
    while (xsf_stream_pop(&g->rsp, &m))
        if (m.h.type != XS_WATCH_EVENT)
            xsf_match_reply(&m, exp, nexp, &g->nreply);
    return n;
}

/* After an event: what the daemon did to a guest that follows the protocol. */
static void check_guest(struct guest *g, XENSTORE_RING_IDX cons0, XENSTORE_RING_IDX prod)
{
    volatile struct xenstore_domain_interface *pg = g->pg;
    XENSTORE_RING_IDX cons = pg->req_cons;
    bool oversize;

    if (g->reconnect && pg->connection == XENSTORE_CONNECTED) {
        guest_restart(g); /* the daemon emptied both rings: indexes start again at 0 */
        return;
    }
    if (g->hostile || g->reconnect || g->stopped)
        return;
    if (cons - cons0 > prod - cons0)
        xsf_fail("domain %u: req_cons moved from %u to %u, past req_prod %u", g->domid, cons0, cons,
                 prod);
    if (pg->rsp_prod - pg->rsp_cons > RSZ)
        xsf_fail("domain %u: rsp_prod %u is more than a ring ahead of rsp_cons %u", g->domid,
                 pg->rsp_prod, pg->rsp_cons);
    switch (pg->error) {
    case XENSTORE_ERROR_NONE:
        return;
    case XENSTORE_ERROR_PROTO: {
        static struct xsf_req exp[NEXP];
        xsf_requests(g->sent, g->nsent, exp, NEXP, &oversize);
        if (!oversize)
            xsf_fail("domain %u: error PROTO without an oversized message", g->domid);
        break;
    }
    case XENSTORE_ERROR_COMM:
        if (quota_hits(Q_OUTPUT_QUEUE) == qhits0)
            xsf_fail("domain %u: error COMM without an output-queue overflow", g->domid);
        break;
    default:
        xsf_fail("domain %u: error %u on a guest that follows the protocol", g->domid, pg->error);
    }
    g->stopped = true;
}

static void event(struct guest *g)
{
    XENSTORE_RING_IDX cons0 = g->pg->req_cons, prod = g->pg->req_prod;

    ring_port_event(g->domid);
    conn_run_pending();
    conn_reap();
    check_guest(g, cons0, prod);
}

/* Once the input is done: the guests that follow the protocol write and read everything. */
static void final_drain(void)
{
    static struct xsf_req exp[NEXP];
    bool oversize;

    for (int round = 0; round < 256; round++) {
        bool busy = false;
        for (int i = 0; i < 2; i++) {
            struct guest *g = &G[i];
            size_t before = g->nsent;
            if (g->hostile || g->stopped || g->reconnect)
                continue;
            flush_pending(g);
            busy |= consume(g, 0) > 0 || g->nsent != before;
            event(g);
        }
        if (!busy && round > 2)
            break;
    }
    for (int i = 0; i < 2; i++) {
        struct guest *g = &G[i];
        if (g->hostile || g->stopped || g->reconnect)
            continue;
        size_t nexp = xsf_requests(g->sent, g->nsent, exp, NEXP, &oversize);
        if (getenv("XSFUZZ_VERBOSE"))
            fprintf(stderr, "domain %u: %zu bytes sent, %zu requests, %zu replies\n", g->domid,
                    g->nsent, nexp, g->nreply);
        if (oversize)
            xsf_fail("domain %u: an oversized message did not stop the ring", g->domid);
        if (g->nreply != nexp)
            xsf_fail("domain %u: %zu complete requests, %zu replies", g->domid, nexp, g->nreply);
    }
}

static uint8_t next_byte(const uint8_t **d, const uint8_t *end)
{
    return *d < end ? *(*d)++ : 0;
}

static void tamper_index(struct guest *g, uint8_t which, uint32_t v)
{
    volatile struct xenstore_domain_interface *pg = g->pg;

    switch (which % 7) {
    case 0:
        pg->req_prod = v;
        break;
    case 1:
        pg->req_cons = v;
        break;
    case 2:
        pg->rsp_prod = v;
        break;
    case 3:
        pg->rsp_cons = v;
        break;
    case 4:
        pg->connection = v;
        break;
    case 5:
        pg->error = v;
        break;
    default:
        pg->server_features = v;
    }
}

static void run(const uint8_t *d, const uint8_t *end)
{
    bool five_good = next_byte(&d, end) & 1;
    unsigned nrelease = 0;

    for (unsigned nops = 0; d < end && nops < MAX_OPS; nops++) {
        uint8_t opc = next_byte(&d, end), op = opc & 7, n;
        struct guest *g = &G[(opc >> 3) & 1];
        bool may_break = g == &G[0] && !five_good;
        uint8_t buf[256 + HDR];

        switch (op) {
        case 0:
            n = next_byte(&d, end);
            n = (size_t)(end - d) < n ? (uint8_t)(end - d) : n;
            if (!g->reconnect)
                append(&g->pend, &g->npend, &g->cpend, d, n);
            d += n;
            flush_pending(g);
            break;
        case 1:
            consume(g, 8u * next_byte(&d, end));
            break;
        case 2:
            g->pg->connection = XENSTORE_RECONNECT;
            g->reconnect = true;
            break;
        case 3: {
            uint8_t which = next_byte(&d, end);
            uint32_t v = 0;
            for (int i = 0; i < 4; i++)
                v |= (uint32_t)next_byte(&d, end) << (8 * i);
            if (may_break) {
                tamper_index(g, which, v);
                g->hostile = true;
            }
            break;
        }
        case 4: {
            uint16_t off = (uint16_t)(next_byte(&d, end) | next_byte(&d, end) << 8);
            n = next_byte(&d, end);
            for (unsigned i = 0; i < n; i++) {
                uint8_t ch = next_byte(&d, end);
                if (!may_break)
                    continue;
                if (off & 0x8000)
                    g->pg->rsp[MASK_XENSTORE_IDX(off + i)] = (char)ch;
                else
                    g->pg->req[MASK_XENSTORE_IDX(off + i)] = (char)ch;
            }
            g->hostile |= may_break;
            break;
        }
        case 5:
            if (may_break && nrelease++ < 4) {
                release(g->domid);
                make_home(g->domid);
                introduce(g->domid);
                g->hostile = true; /* what the old connection had buffered is gone */
            }
            break;
        case 7: {
            struct xsd_sockmsg h = {next_byte(&d, end) % (XS_TYPE_COUNT + 1), ++g->next_req, 0, 0};
            n = next_byte(&d, end);
            n = (size_t)(end - d) < n ? (uint8_t)(end - d) : n;
            h.len = n;
            memcpy(buf, &h, HDR);
            memcpy(buf + HDR, d, n);
            d += n;
            if (!g->reconnect)
                append(&g->pend, &g->npend, &g->cpend, buf, HDR + n);
            flush_pending(g);
            break;
        }
        default:
            break;
        }
        event(g);
    }
    final_drain();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool init;
    static const struct xs_caller dom0_who = {0, true, -1};

    xsf_reset();
    if (!init) {
        for (int i = 0; i < 2; i++) {
            G[i].domid = 5 + (unsigned)i;
            G[i].pg = calloc(1, sizeof(*G[i].pg));
        }
        ring_transport_init(&env);
        init = true;
    }
    qhits0 = quota_hits(Q_OUTPUT_QUEUE);
    for (int i = 0; i < 2; i++) {
        memset(G[i].pg, 0, sizeof(*G[i].pg));
        guest_restart(&G[i]);
        G[i].next_req = 0;
    }
    dom0 = xsf_peer_new(&dom0_who, "dom0", 0);
    setup_domains();
    run(data, data + size);
    domain_reset();
    conn_close_all();
    xsf_peer_free(dom0);
    return 0;
}
