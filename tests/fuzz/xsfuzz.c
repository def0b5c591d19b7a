/* xsfuzz.c: shared parts of the xenstored fuzz targets: daemon reset, split-stream peers,
 * output checks. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../xenstore/common/errors.h"
#include "../../xenstore/xenstored/domain.h"
#include "../../xenstore/xenstored/log.h"
#include "../../xenstore/xenstored/perms.h"
#include "../../xenstore/xenstored/proto.h"
#include "xsfuzz.h"

#define HDR sizeof(struct xsd_sockmsg)

void xsf_fail(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    fprintf(stderr, "xsfuzz: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

uint64_t xsf_rand(uint64_t *s)
{
    uint64_t x = *s ? *s : 0x9e3779b97f4a7c15ULL;

    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545f4914f6cdd1dULL;
}

static unsigned default_quota[Q_COUNT];

void xsf_reset(void)
{
    static bool init;
    char v[16];

    if (!init) {
        for (int q = 0; q < Q_COUNT; q++)
            default_quota[q] = quota_get((enum quota_id)q);
        init = true;
    } else {
        conn_close_all();
        domain_reset();
        store_fini(&xsd_store);
    }
    xsd_log_set_level(XSD_LOG_ERROR);
    for (int q = 0; q < Q_COUNT; q++) {
        snprintf(v, sizeof(v), "%u", default_quota[q]);
        quota_set_by_name(quota_name((enum quota_id)q), v);
    }
    if (store_init(&xsd_store) < 0)
        xsf_fail("store_init failed");
}

/* --- peers ---------------------------------------------------------------------------- */

/* A partial length: 0..len, biased towards small pieces and whole ones. */
static size_t piece(struct xsf_peer *p, size_t len)
{
    uint64_t r = xsf_rand(&p->rng);

    if (!p->split || len == 0)
        return len;
    switch (r & 7) {
    case 0:
        return 0;
    case 1:
    case 2:
        return len < 1 + ((r >> 8) & 15) ? len : 1 + ((r >> 8) & 15);
    case 3:
        return len < HDR ? len : HDR;
    case 4:
        return 1 + (r >> 8) % len;
    default:
        return len;
    }
}

static ssize_t peer_recv(struct xs_conn *c, void *buf, size_t len)
{
    struct xsf_peer *p = c->tp;
    size_t left = p->inlen - p->inoff, n;

    if (left == 0)
        return p->eof ? -EPIPE : 0;
    n = piece(p, left < len ? left : len);
    memcpy(buf, p->in + p->inoff, n);
    p->inoff += n;
    return (ssize_t)n;
}

static void grow(uint8_t **b, size_t *cap, size_t need)
{
    if (need <= *cap)
        return;
    size_t n = *cap ? *cap : 4096;
    while (n < need)
        n *= 2;
    *b = realloc(*b, n);
    if (!*b)
        xsf_fail("out of memory");
    *cap = n;
}

static ssize_t peer_send(struct xs_conn *c, const void *buf, size_t len)
{
    struct xsf_peer *p = c->tp;
    size_t n;

    if (!p->reading)
        return 0;
    n = piece(p, len);
    xsf_stream_add(&p->out, buf, n);
    return (ssize_t)n;
}

static void peer_destroy(struct xs_conn *c)
{
    struct xsf_peer *p = c->tp;

    p->c = NULL;
}

static const struct xs_conn_ops peer_ops = {
    .kind = "fuzz", .recv = peer_recv, .send = peer_send, .destroy = peer_destroy};

struct xsf_peer *xsf_peer_new(const struct xs_caller *who, const char *name, uint64_t seed)
{
    struct xsf_peer *p = calloc(1, sizeof(*p));

    if (!p)
        xsf_fail("out of memory");
    p->reading = true;
    p->rng = seed;
    p->c = conn_new(&peer_ops, p, who, name);
    if (!p->c)
        xsf_fail("conn_new failed");
    return p;
}

void xsf_peer_push(struct xsf_peer *p, const void *data, size_t len)
{
    if (p->inoff == p->inlen)
        p->inoff = p->inlen = 0;
    if (len == 0)
        return;
    grow(&p->in, &p->incap, p->inlen + len);
    memcpy(p->in + p->inlen, data, len);
    p->inlen += len;
}

void xsf_peer_push_msg(struct xsf_peer *p, uint32_t type, uint32_t req_id, uint32_t tx_id,
                       const void *payload, uint32_t len)
{
    struct xsd_sockmsg h = {type, req_id, tx_id, len};

    xsf_peer_push(p, &h, HDR);
    xsf_peer_push(p, payload, len);
}

bool xsf_peer_pop(struct xsf_peer *p, struct xsf_msg *m)
{
    return xsf_stream_pop(&p->out, m);
}

void xsf_peer_free(struct xsf_peer *p)
{
    if (!p)
        return;
    if (p->c)
        xsf_fail("peer freed while its connection lives");
    free(p->in);
    xsf_stream_free(&p->out);
    free(p);
}

/* --- the daemon's output ---------------------------------------------------------------- */

void xsf_stream_add(struct xsf_stream *s, const void *data, size_t len)
{
    if (len == 0)
        return;
    grow(&s->b, &s->cap, s->len + len);
    memcpy(s->b + s->len, data, len);
    s->len += len;
}

static unsigned count_nul(const uint8_t *b, uint32_t len)
{
    unsigned n = 0;

    for (uint32_t i = 0; i < len; i++)
        n += b[i] == 0;
    return n;
}

/* The rules every daemon-to-client message follows. */
static void check_msg(const struct xsf_msg *m)
{
    const struct xsd_sockmsg *h = &m->h;
    unsigned n;

    if (h->type == XS_ERROR) {
        bool named = h->len && !m->body[h->len - 1] && count_nul(m->body, h->len) == 1 &&
                     (xs_name_to_errno((const char *)m->body, h->len) != EINVAL ||
                      strcmp((const char *)m->body, "EINVAL") == 0);
        if (!named)
            xsf_fail("malformed ERROR reply (len %u)", h->len);
    } else if (h->type == XS_WATCH_EVENT) {
        n = h->len ? count_nul(m->body, h->len) : 0;
        if (h->req_id || h->tx_id || n != 2 || m->body[h->len - 1] || m->body[0] == 0)
            xsf_fail("malformed WATCH_EVENT (len %u, req_id %u, tx_id %u)", h->len, h->req_id,
                     h->tx_id);
    } else if (h->type >= XS_TYPE_COUNT) {
        xsf_fail("reply of unknown type %u", h->type);
    }
}

bool xsf_stream_pop(struct xsf_stream *s, struct xsf_msg *m)
{
    if (s->consumed) {
        memmove(s->b, s->b + s->consumed, s->len - s->consumed);
        s->len -= s->consumed;
        s->consumed = 0;
    }
    if (s->len < HDR)
        return false;
    memcpy(&m->h, s->b, HDR);
    if (m->h.len > XENSTORE_PAYLOAD_MAX)
        xsf_fail("daemon sent a message of %u payload bytes (type %u; limit %u)", m->h.len,
                 m->h.type, XENSTORE_PAYLOAD_MAX);
    if (s->len < HDR + m->h.len)
        return false;
    m->body = s->b + HDR;
    s->consumed = HDR + m->h.len;
    s->nmsgs++;
    check_msg(m);
    return true;
}

void xsf_stream_free(struct xsf_stream *s)
{
    free(s->b);
    memset(s, 0, sizeof(*s));
}

size_t xsf_requests(const uint8_t *p, size_t len, struct xsf_req *out, size_t max, bool *oversize)
{
    size_t off = 0, n = 0;
    struct xsd_sockmsg h;

    *oversize = false;
    while (off + HDR <= len && n < max) {
        memcpy(&h, p + off, HDR);
        if (h.len > XENSTORE_PAYLOAD_MAX) {
            *oversize = true;
            break;
        }
        if (off + HDR + h.len > len)
            break;
        out[n++] = (struct xsf_req){h.type, h.req_id, h.tx_id};
        off += HDR + h.len;
    }
    return n;
}

void xsf_match_reply(const struct xsf_msg *m, const struct xsf_req *exp, size_t nexp, size_t *next)
{
    const struct xsf_req *e;

    if (*next >= nexp)
        xsf_fail("reply %zu (type %u, req_id %u) to a request never sent completely", *next,
                 m->h.type, m->h.req_id);
    e = &exp[(*next)++];
    if (m->h.req_id != e->req_id || m->h.tx_id != e->tx_id ||
        (m->h.type != e->type && m->h.type != XS_ERROR))
        xsf_fail("reply %zu (type %u, req_id %u, tx_id %u) does not answer request (type %u, "
                 "req_id %u, tx_id %u)",
                 *next - 1, m->h.type, m->h.req_id, m->h.tx_id, e->type, e->req_id, e->tx_id);
}

/* --- store invariants ------------------------------------------------------------------- */

XSF_NO_COVERAGE static int count_owner(const char *path, const struct xs_node *n, void *arg)
{
    if (n->nperms == 0)
        xsf_fail("node %s has an empty ACL", path);
    return acct_add(arg, n->perms[0].domid, 1);
}

XSF_NO_COVERAGE void xsf_check_accounting(void)
{
    struct xs_acct real = {0};
    const struct xs_acct *rec = &xsd_store.acct;

    if (store_walk(&xsd_store, "/", count_owner, &real) < 0)
        xsf_fail("store walk failed");
    for (uint32_t i = 0; i < real.n; i++)
        if (acct_get(rec, real.e[i].domid) != real.e[i].count)
            xsf_fail("domain %u owns %d nodes, %d accounted", real.e[i].domid, real.e[i].count,
                     acct_get(rec, real.e[i].domid));
    for (uint32_t i = 0; i < rec->n; i++)
        if (acct_get(&real, rec->e[i].domid) != rec->e[i].count)
            xsf_fail("domain %u: %d nodes accounted, %d owned", rec->e[i].domid, rec->e[i].count,
                     acct_get(&real, rec->e[i].domid));
    acct_free(&real);
}
