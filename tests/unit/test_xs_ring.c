/* test_xs_ring.c: xenstored's guest-ring transport over a fake page and event channel. */
#include <check.h>

#include "check_run.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../xenstore/common/wire.h"
#include "../../xenstore/xenstored/conn.h"
#include "../../xenstore/xenstored/domain.h"
#include "../../xenstore/xenstored/persist.h"
#include "../../xenstore/xenstored/proto.h"
#include "../../xenstore/xenstored/ring.h"

/* ---- the fake host: guest pages survive "restarts", ports bind once ---------------- */

#define NDOM 8
static struct {
    struct xenstore_domain_interface *page;
    bool bound;
    unsigned notifies, maps;
} G[NDOM];

static int f_map(unsigned domid, uint64_t mfn, void **page)
{
    if (domid >= NDOM || mfn != 1000 + domid)
        return -EINVAL;
    if (!G[domid].page) {
        ck_assert_int_eq(posix_memalign((void **)&G[domid].page, 4096, 4096), 0);
        memset(G[domid].page, 0, 4096);
    }
    G[domid].maps++;
    *page = G[domid].page;
    return 0;
}

static void f_unmap(void *page)
{
    for (unsigned i = 0; i < NDOM; i++)
        if (G[i].page == page)
            G[i].maps--;
}

static int f_bind(unsigned domid, uint32_t rport, uint32_t *lport)
{
    if (domid >= NDOM || rport != 10 + domid || G[domid].bound)
        return -EINVAL;
    G[domid].bound = true;
    *lport = 100 + domid;
    return 0;
}

static void f_unbind(uint32_t lport)
{
    G[lport - 100].bound = false;
}

static void f_notify(uint32_t lport)
{
    G[lport - 100].notifies++;
}

static const struct ring_env fake = {f_map, f_unmap, f_bind, f_unbind, f_notify};

/* ---- dom0 over an in-memory transport ------------------------------------------------- */

struct mem_tp {
    uint8_t in[16384], out[65536];
    size_t inlen, outlen;
};

static ssize_t mem_recv(struct xs_conn *c, void *buf, size_t len)
{
    struct mem_tp *t = c->tp;
    size_t n = t->inlen < len ? t->inlen : len;

    memcpy(buf, t->in, n);
    memmove(t->in, t->in + n, t->inlen - n);
    t->inlen -= n;
    return (ssize_t)n;
}

static ssize_t mem_send(struct xs_conn *c, const void *buf, size_t len)
{
    struct mem_tp *t = c->tp;

    if (t->outlen + len > sizeof(t->out))
        t->outlen = 0; /* replies are not looked at */
    memcpy(t->out + t->outlen, buf, len);
    t->outlen += len;
    return (ssize_t)len;
}

static void mem_destroy(struct xs_conn *c)
{
    free(c->tp);
}

static const struct xs_conn_ops mem_ops = {"mem", mem_recv, mem_send, NULL, NULL, mem_destroy};
static struct xs_conn *dom0;

static void dom0_req(uint32_t type, const void *p, uint32_t len)
{
    struct mem_tp *t = dom0->tp;
    struct xsd_sockmsg h = {type, 1, 0, len};

    memcpy(t->in + t->inlen, &h, sizeof(h));
    memcpy(t->in + t->inlen + sizeof(h), p, len);
    t->inlen += sizeof(h) + len;
    conn_input(dom0);
}

#define DOM0(type, lit) dom0_req(type, lit, sizeof(lit))

/* Introduce domid with the fake's frame/port and a home it owns. */
static void introduce(unsigned domid)
{
    char buf[64];
    int n = snprintf(buf, sizeof(buf), "%u%c%u%c%u", domid, 0, 1000 + domid, 0, 10 + domid);
    char home[64];

    snprintf(home, sizeof(home), "/local/domain/%u", domid);
    dom0_req(XS_MKDIR, home, (uint32_t)strlen(home) + 1);
    n = snprintf(buf, sizeof(buf), "%s%cn%u", home, 0, domid);
    dom0_req(XS_SET_PERMS, buf, (uint32_t)n + 1);
    n = snprintf(buf, sizeof(buf), "%u%c%u%c%u", domid, 0, 1000 + domid, 0, 10 + domid);
    dom0_req(XS_INTRODUCE, buf, (uint32_t)n + 1);
}

/* ---- the guest side ------------------------------------------------------------------- */

/* Writes what fits into the request ring; returns bytes written. */
static uint32_t g_put(unsigned domid, const void *p, uint32_t len)
{
    struct xenstore_domain_interface *i = G[domid].page;
    uint32_t n = 0;

    while (n < len && i->req_prod - i->req_cons < XENSTORE_RING_SIZE) {
        i->req[MASK_XENSTORE_IDX(i->req_prod)] = ((const char *)p)[n++];
        i->req_prod++;
    }
    return n;
}

static uint32_t g_take(unsigned domid, void *p, uint32_t len)
{
    struct xenstore_domain_interface *i = G[domid].page;
    uint32_t n = 0;

    while (n < len && i->rsp_cons != i->rsp_prod) {
        ((char *)p)[n++] = i->rsp[MASK_XENSTORE_IDX(i->rsp_cons)];
        i->rsp_cons++;
    }
    return n;
}

static void g_event(unsigned domid)
{
    ring_port_event(100 + domid);
    conn_run_pending();
}

/* Sends a whole request (events as the ring drains), no reply read. */
static void g_send(unsigned domid, uint32_t type, uint32_t req_id, uint32_t tx, const void *p,
                   uint32_t len)
{
    uint8_t msg[sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX];
    struct xsd_sockmsg h = {type, req_id, tx, len};
    uint32_t off = 0, total = (uint32_t)sizeof(h) + len;

    memcpy(msg, &h, sizeof(h));
    memcpy(msg + sizeof(h), p, len);
    for (int spins = 0; off < total && spins < 100; spins++) {
        off += g_put(domid, msg + off, total - off);
        g_event(domid);
    }
    ck_assert_uint_eq(off, total);
}

/* Next complete message from the response ring (reading as it arrives). */
static bool g_recv(unsigned domid, struct xsd_sockmsg *h, char *body)
{
    uint32_t got = 0;

    for (int spins = 0; spins < 100; spins++) {
        got += g_take(domid, (char *)h + got, (uint32_t)sizeof(*h) - got);
        if (got == sizeof(*h))
            break;
        if (got == 0 && spins == 1)
            return false; /* nothing, even after telling xenstored there is room */
        g_event(domid);
    }
    ck_assert_uint_eq(got, sizeof(*h));
    ck_assert_uint_le(h->len, XENSTORE_PAYLOAD_MAX);
    for (got = 0; got < h->len;) {
        got += g_take(domid, body + got, h->len - got);
        if (got < h->len)
            g_event(domid);
    }
    body[h->len] = '\0';
    return true;
}

/* A request and its reply (watch events before it are skipped). */
static const char *g_req(unsigned domid, uint32_t type, const void *p, uint32_t len, uint32_t *rt)
{
    static char body[XENSTORE_PAYLOAD_MAX + 1];
    struct xsd_sockmsg h;

    g_send(domid, type, 42, 0, p, len);
    while (g_recv(domid, &h, body))
        if (h.type != XS_WATCH_EVENT) {
            ck_assert_uint_eq(h.req_id, 42);
            *rt = h.type;
            return body;
        }
    *rt = XS_INVALID;
    return "";
}

#define GREQ(d, type, lit, rt) g_req(d, type, lit, sizeof(lit), rt)

static void start(void)
{
    struct xs_caller who = {0, true, -1};

    ck_assert_int_eq(store_init(&xsd_store), 0);
    ring_transport_init(&fake);
    dom0 = conn_new(&mem_ops, calloc(1, sizeof(struct mem_tp)), &who, "dom0");
}

static void stop(void)
{
    domain_detach_all();
    conn_close_all();
    domain_reset();
    store_fini(&xsd_store);
}

static void setup(void)
{
    memset(G, 0, sizeof(G));
    start();
}

static void teardown(void)
{
    stop();
    persist_close();
    for (unsigned i = 0; i < NDOM; i++)
        free(G[i].page);
}

/* ---- tests ------------------------------------------------------------------------------ */

START_TEST(introduce_connects_and_serves)
{
    uint32_t t;

    introduce(5);
    ck_assert(G[5].bound);
    ck_assert_uint_eq(ring_count(), 1);
    ck_assert_uint_eq(G[5].page->server_features,
                      XENSTORE_SERVER_FEATURE_RECONNECTION | XENSTORE_SERVER_FEATURE_ERROR);
    ck_assert_str_eq(GREQ(5, XS_WRITE, "data/x\0hi", &t), "OK");
    ck_assert_str_eq(GREQ(5, XS_READ, "data/x", &t), "hi");
    ck_assert_uint_eq(t, XS_READ);
    ck_assert_str_eq(GREQ(5, XS_READ, "/local/domain/5/data/x", &t), "hi");
    ck_assert_str_eq(GREQ(5, XS_READ, "data/none", &t), "ENOENT");
    ck_assert_uint_eq(t, XS_ERROR);
}
END_TEST

START_TEST(one_notification_per_request)
{
    uint32_t t;

    introduce(5);
    G[5].notifies = 0;
    ck_assert_str_eq(GREQ(5, XS_WRITE, "a\0b", &t), "OK");
    ck_assert_uint_eq(G[5].notifies, 1);
    /* An event with nothing to do sends nothing. */
    g_event(5);
    ck_assert_uint_eq(G[5].notifies, 1);
}
END_TEST

START_TEST(guest_confined_to_its_rights)
{
    uint32_t t;

    introduce(5);
    introduce(6);
    DOM0(XS_WRITE, "/local/domain/6/secret\0x");
    DOM0(XS_WRITE, "/tool/x\0y");
    ck_assert_str_eq(GREQ(5, XS_READ, "/local/domain/6/secret", &t), "EACCES");
    ck_assert_str_eq(GREQ(5, XS_WRITE, "/local/domain/6/secret\0z", &t), "EACCES");
    ck_assert_str_eq(GREQ(5, XS_WRITE, "/tool/x\0z", &t), "EACCES");
    ck_assert_str_eq(GREQ(5, XS_INTRODUCE, "9\0001009\00019", &t), "EACCES");
    ck_assert_str_eq(GREQ(5, XS_RELEASE, "6", &t), "EACCES");
    ck_assert_str_eq(GREQ(6, XS_READ, "secret", &t), "x");
}
END_TEST

START_TEST(corrupt_index_stops_only_that_domain)
{
    struct xs_domain *d;
    uint32_t t;

    introduce(5);
    introduce(7);
    G[5].page->req_prod = G[5].page->req_cons + 5000;
    g_event(5);
    conn_reap();
    ck_assert_uint_eq(G[5].page->error, XENSTORE_ERROR_RINGIDX);
    d = domain_find(5);
    ck_assert_ptr_nonnull(d);
    ck_assert_ptr_null(d->conn);
    ck_assert_str_eq(GREQ(7, XS_WRITE, "ok\0yes", &t), "OK");
    /* Further events are ignored ... */
    g_event(5);
    ck_assert_uint_eq(G[5].page->req_cons, 0);
    /* ... until the guest asks for a reconnection. */
    G[5].page->connection = XENSTORE_RECONNECT;
    g_event(5);
    ck_assert_uint_eq(G[5].page->connection, XENSTORE_CONNECTED);
    ck_assert_uint_eq(G[5].page->error, XENSTORE_ERROR_NONE);
    ck_assert_uint_eq(G[5].page->req_prod, 0);
    ck_assert_str_eq(GREQ(5, XS_WRITE, "back\0yes", &t), "OK");
}
END_TEST

START_TEST(overwritten_server_indexes_are_caught)
{
    uint32_t t;

    introduce(5);
    ck_assert_str_eq(GREQ(5, XS_WRITE, "a\0b", &t), "OK");
    G[5].page->rsp_prod += 7; /* only xenstored may move it */
    g_send(5, XS_READ, 1, 0, "a", 2);
    ck_assert_uint_eq(G[5].page->error, XENSTORE_ERROR_RINGIDX);
    conn_reap();
    G[5].page->connection = XENSTORE_RECONNECT;
    g_event(5);
    G[5].page->req_cons = 3; /* the consumer index is ours too */
    G[5].page->req_prod = 3;
    g_send(5, XS_READ, 1, 0, "a", 2);
    ck_assert_uint_eq(G[5].page->error, XENSTORE_ERROR_RINGIDX);
}
END_TEST

START_TEST(oversized_payload_is_a_protocol_error)
{
    struct xsd_sockmsg h = {XS_READ, 1, 0, XENSTORE_PAYLOAD_MAX + 1};

    introduce(5);
    g_put(5, &h, sizeof(h));
    g_event(5);
    ck_assert_uint_eq(G[5].page->error, XENSTORE_ERROR_PROTO);
}
END_TEST

START_TEST(messages_larger_than_the_ring)
{
    static char req[4000], val[2000];
    uint32_t t;
    size_t plen;

    introduce(5);
    memset(val, 'v', sizeof(val));
    plen = strlen("big") + 1;
    memcpy(req, "big", plen);
    memcpy(req + plen, val, sizeof(val));
    ck_assert_str_eq(g_req(5, XS_WRITE, req, (uint32_t)(plen + sizeof(val)), &t), "OK");
    const char *r = GREQ(5, XS_READ, "big", &t);
    ck_assert_uint_eq(t, XS_READ);
    ck_assert_uint_eq(strlen(r), sizeof(val));
    ck_assert(memcmp(r, val, sizeof(val)) == 0);
}
END_TEST

START_TEST(partial_message_waits_in_the_ring)
{
    struct xsd_sockmsg h = {XS_READ, 3, 0, 5};
    char body[64];

    introduce(5);
    DOM0(XS_WRITE, "/local/domain/5/a\0A");
    g_put(5, &h, sizeof(h));
    g_put(5, "a\0", 2);
    g_event(5);
    ck_assert_uint_eq(G[5].page->req_cons, 0); /* nothing taken yet */
    g_put(5, "\0\0\0", 3);                     /* "a" + 4 bytes: EINVAL (two args) */
    g_event(5);
    ck_assert_uint_eq(G[5].page->req_cons, sizeof(h) + 5);
    ck_assert(g_recv(5, &h, body));
    ck_assert_uint_eq(h.req_id, 3);
}
END_TEST

START_TEST(replies_whole_and_consumer_index_waits_for_them)
{
    struct xsd_sockmsg h;
    static char body[XENSTORE_PAYLOAD_MAX + 1];
    char val[900];
    uint32_t t, prod;

    introduce(5);
    memset(val, 'q', sizeof(val));
    char req[sizeof(val) + 8] = "v";
    memcpy(req + 2, val, sizeof(val));
    ck_assert_str_eq(g_req(5, XS_WRITE, req, (uint32_t)(2 + sizeof(val)), &t), "OK");
    /* Two reads whose replies do not both fit the response ring; the guest reads none. */
    g_put(5, &(struct xsd_sockmsg){XS_READ, 1, 0, 2}, sizeof(h));
    g_put(5, "v", 2);
    g_put(5, &(struct xsd_sockmsg){XS_READ, 2, 0, 2}, sizeof(h));
    g_put(5, "v", 2);
    prod = G[5].page->req_prod;
    g_event(5);
    ck_assert_uint_lt(G[5].page->req_cons, prod); /* a reply is still queued in the daemon */
    /* ... whole: a message that fits the ring is never split */
    ck_assert_uint_eq(G[5].page->rsp_prod - G[5].page->rsp_cons, sizeof(h) + sizeof(val));
    ck_assert(g_recv(5, &h, body));
    ck_assert_uint_eq(h.req_id, 1);
    ck_assert(g_recv(5, &h, body));
    ck_assert_uint_eq(h.req_id, 2);
    g_event(5);
    ck_assert_uint_eq(G[5].page->req_cons, prod);
}
END_TEST

START_TEST(release_unbinds_and_unmaps)
{
    uint32_t t;

    introduce(5);
    ck_assert_str_eq(GREQ(5, XS_WATCH, "data\0tok", &t), "OK");
    DOM0(XS_RELEASE, "5");
    conn_reap();
    ck_assert(!G[5].bound);
    ck_assert_uint_eq(G[5].maps, 0);
    ck_assert_uint_eq(ring_count(), 0);
    ck_assert_ptr_null(domain_find(5));
    /* A late event on the old port is harmless. */
    g_event(5);
}
END_TEST

/* Requests a guest wrote before its INTRODUCE are served after that request, not inside it
 * (request handling is not reentrant: the nested request used to take over dom0's). */
START_TEST(requests_waiting_at_introduce_are_served_after_it)
{
    struct mem_tp *t = dom0->tp;
    struct xsd_sockmsg h;
    char body[64];

    ck_assert_int_eq(posix_memalign((void **)&G[5].page, 4096, 4096), 0);
    memset(G[5].page, 0, 4096);
    g_put(5, &(struct xsd_sockmsg){XS_TYPE_COUNT + 7, 7, 0, 0}, sizeof(h));
    g_put(5, &(struct xsd_sockmsg){XS_GET_DOMAIN_PATH, 8, 0, 2}, sizeof(h));
    g_put(5, "5", 2);
    introduce(5);
    /* dom0's last reply is its INTRODUCE's */
    ck_assert_uint_ge(t->outlen, sizeof(h) + 3);
    memcpy(&h, t->out + t->outlen - sizeof(h) - 3, sizeof(h));
    ck_assert_uint_eq(h.type, XS_INTRODUCE);
    ck_assert_uint_eq(h.req_id, 1);
    ck_assert_mem_eq(t->out + t->outlen - 3, "OK", 3);
    conn_run_pending(); /* what the loop does next */
    ck_assert(g_recv(5, &h, body));
    ck_assert_uint_eq(h.type, XS_ERROR);
    ck_assert_uint_eq(h.req_id, 7);
    ck_assert_str_eq(body, "ENOSYS");
    ck_assert(g_recv(5, &h, body));
    ck_assert_uint_eq(h.type, XS_GET_DOMAIN_PATH);
    ck_assert_uint_eq(h.req_id, 8);
    ck_assert_str_eq(body, "/local/domain/5");
    ck_assert(!g_recv(5, &h, body));
}
END_TEST

static char dir[64];

static void restart(void)
{
    stop();
    persist_close();
    for (unsigned i = 0; i < NDOM; i++)
        G[i].bound = false; /* the dead daemon's ports closed with it */
    start();
    ck_assert_int_eq(persist_open(dir, false, &xsd_store, domain_persist_hooks()), 0);
    domain_attach_all();
}

START_TEST(restart_reconnects_rings_watches_and_requests)
{
    struct xsd_sockmsg h;
    char body[256];
    uint32_t t;

    snprintf(dir, sizeof(dir), "/tmp/test-xs-ring.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    ck_assert_int_eq(persist_open(dir, false, &xsd_store, domain_persist_hooks()), 0);
    introduce(5);
    ck_assert_str_eq(GREQ(5, XS_WATCH, "data\0tok", &t), "OK");
    ck_assert(g_recv(5, &h, body)); /* the first event */
    ck_assert_uint_eq(h.type, XS_WATCH_EVENT);
    ck_assert_str_eq(GREQ(5, XS_WRITE, "data/a\0one", &t), "OK"); /* its event went first */
    /* A request written while the daemon is down. */
    g_put(5, &(struct xsd_sockmsg){XS_READ, 9, 0, 7}, sizeof(h));
    g_put(5, "data/a", 7);
    restart();
    ck_assert(G[5].bound);
    /* The restored watch fires once, then the pending request is answered. */
    ck_assert(g_recv(5, &h, body));
    ck_assert_uint_eq(h.type, XS_WATCH_EVENT);
    ck_assert_str_eq(body, "data");
    ck_assert(g_recv(5, &h, body));
    ck_assert_uint_eq(h.req_id, 9);
    ck_assert_str_eq(body, "one");
    /* The watch still works. */
    DOM0(XS_WRITE, "/local/domain/5/data/b\0two");
    ck_assert(g_recv(5, &h, body));
    ck_assert_uint_eq(h.type, XS_WATCH_EVENT);
    ck_assert_str_eq(body, "data/b");
    ck_assert_str_eq(body + strlen(body) + 1, "tok");
    /* Unwatch is durable too. */
    ck_assert_str_eq(GREQ(5, XS_UNWATCH, "data\0tok", &t), "OK");
    restart();
    DOM0(XS_WRITE, "/local/domain/5/data/c\0three");
    ck_assert(!g_recv(5, &h, body));
    ck_assert_str_eq(GREQ(5, XS_READ, "data/c", &t), "three");
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

static Suite *ring_suite(void)
{
    Suite *s = suite_create("xs-ring");
    TCase *t = tcase_create("ring");

    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, introduce_connects_and_serves);
    tcase_add_test(t, one_notification_per_request);
    tcase_add_test(t, guest_confined_to_its_rights);
    tcase_add_test(t, corrupt_index_stops_only_that_domain);
    tcase_add_test(t, overwritten_server_indexes_are_caught);
    tcase_add_test(t, oversized_payload_is_a_protocol_error);
    tcase_add_test(t, messages_larger_than_the_ring);
    tcase_add_test(t, partial_message_waits_in_the_ring);
    tcase_add_test(t, replies_whole_and_consumer_index_waits_for_them);
    tcase_add_test(t, release_unbinds_and_unmaps);
    tcase_add_test(t, restart_reconnects_rings_watches_and_requests);
    tcase_add_test(t, requests_waiting_at_introduce_are_served_after_it);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return check_run(ring_suite(), true);
}
