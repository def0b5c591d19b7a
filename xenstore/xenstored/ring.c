/* ring.c: the guest-ring transport: bounded ring copies, reconnection, durable attach/detach. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conn.h"
#include "domain.h"
#include "log.h"
#include "proto.h"
#include "ring.h"
#include "watch.h"

#define HDR_LEN sizeof(struct xsd_sockmsg)
#define RSZ     XENSTORE_RING_SIZE

struct ring {
    struct ring *next;
    unsigned domid;
    volatile struct xenstore_domain_interface *intf;
    uint32_t lport;
    struct xs_conn *c;      /* NULL (or closing) while stopped after an error */
    XENSTORE_RING_IDX cons; /* req_cons as we last published it */
    XENSTORE_RING_IDX rd;   /* requests copied out up to here (published or not) */
    XENSTORE_RING_IDX prod; /* rsp_prod as we last published it */
    uint32_t stream_left;   /* bytes left of a message larger than the ring */
    bool moved;             /* an index moved since the last notification */
};

static const struct ring_env *env;
static struct ring *rings;
static unsigned nrings;

unsigned ring_count(void)
{
    return nrings;
}

static struct ring *by_port(uint32_t lport)
{
    for (struct ring *r = rings; r; r = r->next)
        if (r->lport == lport)
            return r;
    return NULL;
}

/* Stop serving the domain: mark the page (the guest may reconnect) and log why. */
static ssize_t ring_fail(struct ring *r, uint32_t err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static ssize_t ring_fail(struct ring *r, uint32_t err, const char *fmt, ...)
{
    char why[200];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    log_warn("domain %u: xenstore ring: %s; connection stopped (error=%u) until the guest "
             "reconnects",
             r->domid, why, err);
    r->intf->error = err;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    env->notify(r->lport);
    return -EIO;
}

/* Copy n bytes at stream offset idx out of a ring (wrapping). */
static void copy_out(void *dst, const volatile char *ring, XENSTORE_RING_IDX idx, uint32_t n)
{
    uint32_t off = MASK_XENSTORE_IDX(idx), first = n < RSZ - off ? n : RSZ - off;

    memcpy(dst, (const char *)ring + off, first);
    memcpy((char *)dst + first, (const char *)ring, n - first);
}

static void copy_in(volatile char *ring, XENSTORE_RING_IDX idx, const void *src, uint32_t n)
{
    uint32_t off = MASK_XENSTORE_IDX(idx), first = n < RSZ - off ? n : RSZ - off;

    memcpy((char *)ring + off, src, first);
    memcpy((char *)ring, (const char *)src + first, n - first);
}

/* Publish req_cons up to what was copied out. */
static void publish_cons(struct ring *r)
{
    if (r->cons == r->rd)
        return;
    __atomic_thread_fence(__ATOMIC_SEQ_CST); /* our reads of the slots come first */
    r->intf->req_cons = r->rd;
    r->cons = r->rd;
    r->moved = true;
}

/* --- connection ops -------------------------------------------------------------------- */

static ssize_t ring_recv(struct xs_conn *c, void *buf, size_t len)
{
    struct ring *r = c->tp;
    XENSTORE_RING_IDX cons, prod;
    struct xsd_sockmsg h;
    uint32_t avail, n;

    if (!r)
        return -EPIPE;
    cons = r->intf->req_cons;
    prod = r->intf->req_prod;
    __atomic_thread_fence(__ATOMIC_ACQUIRE); /* indexes before the data */
    if (cons != r->cons)
        return ring_fail(r, XENSTORE_ERROR_RINGIDX,
                         "req_cons changed behind our back (%u, we wrote %u)", cons, r->cons);
    if (prod - cons > RSZ)
        return ring_fail(r, XENSTORE_ERROR_RINGIDX,
                         "req_prod %u is %u bytes ahead of req_cons %u (the ring holds %u)", prod,
                         prod - cons, cons, RSZ);
    if (prod - r->rd > prod - cons)
        return ring_fail(r, XENSTORE_ERROR_RINGIDX,
                         "req_prod %u went back below what was already read (%u)", prod, r->rd);
    avail = prod - r->rd;
    if (r->stream_left) { /* a message bigger than the ring: take what is there */
        n = avail < r->stream_left ? avail : r->stream_left;
        n = n < len ? n : (uint32_t)len;
        copy_out(buf, r->intf->req, r->rd, n);
        r->rd += n;
        r->stream_left -= n;
        publish_cons(r); /* the guest needs the room to write the rest */
        return n;
    }
    if (avail < HDR_LEN || len < HDR_LEN)
        return 0;
    copy_out(&h, r->intf->req, r->rd, HDR_LEN); /* our copy: checked and used once */
    if (h.len > XENSTORE_PAYLOAD_MAX)
        return ring_fail(r, XENSTORE_ERROR_PROTO, "message payload %u > %u bytes", h.len,
                         XENSTORE_PAYLOAD_MAX);
    n = (uint32_t)HDR_LEN + h.len;
    if (n <= RSZ && n <= len) {
        if (avail < n)
            return 0; /* wait for the whole message: nothing is taken before */
        memcpy(buf, &h, HDR_LEN);
        copy_out((char *)buf + HDR_LEN, r->intf->req, r->rd + HDR_LEN, h.len);
        r->rd += n;
        return n;
    }
    /* Too big for the ring (or the buffer): stream it, header first. */
    memcpy(buf, &h, HDR_LEN);
    r->rd += HDR_LEN;
    r->stream_left = h.len;
    publish_cons(r);
    return HDR_LEN;
}

static ssize_t ring_send(struct xs_conn *c, const void *buf, size_t len)
{
    struct ring *r = c->tp;
    XENSTORE_RING_IDX cons, prod;
    uint32_t room, n;

    if (!r)
        return -EPIPE;
    cons = r->intf->rsp_cons;
    prod = r->intf->rsp_prod;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (prod != r->prod)
        return ring_fail(r, XENSTORE_ERROR_RINGIDX,
                         "rsp_prod changed behind our back (%u, we wrote %u)", prod, r->prod);
    if (prod - cons > RSZ)
        return ring_fail(r, XENSTORE_ERROR_RINGIDX,
                         "rsp_cons %u is %u bytes behind rsp_prod %u (the ring holds %u)", cons,
                         prod - cons, prod, RSZ);
    room = RSZ - (prod - cons);
    /* A message that fits the ring goes in whole: a restarted daemon may have to send a
     * reply again, and a half-written one would break the guest's framing. */
    if (len <= RSZ && len > room)
        return 0;
    n = len < room ? (uint32_t)len : room;
    if (n == 0)
        return 0;
    copy_in(r->intf->rsp, prod, buf, n);
    __atomic_thread_fence(__ATOMIC_RELEASE); /* data before the index */
    r->intf->rsp_prod = prod + n;
    r->prod = prod + n;
    r->moved = true;
    return n;
}

/* After a batch: give back request space once the replies are in the ring, and send
 * one notification if anything moved. */
static void ring_kick(struct xs_conn *c)
{
    struct ring *r = c->tp;

    if (!r || r->c != c)
        return;
    if (r->rd != r->cons) {
        XENSTORE_RING_IDX prod = r->intf->req_prod;
        /* Holding back is for durability only; never when the guest is out of room. */
        if (c->nreplies == 0 || c->closing || prod - r->cons >= RSZ)
            publish_cons(r);
    }
    if (r->moved) {
        r->moved = false;
        env->notify(r->lport);
    }
}

static void ring_destroy(struct xs_conn *c)
{
    struct ring *r = c->tp;
    struct xs_domain *d;

    if (!r || r->c != c)
        return; /* detached already, or replaced by a reconnection */
    r->c = NULL;
    d = domain_find(r->domid);
    if (d && d->conn == c)
        d->conn = NULL;
    /* The core dropped the connection (queue overflow, bad data): its watches are gone. */
    if (domain_watch_log(r->domid, 'C', "", "", false) < 0)
        log_warn("domain %u: dropping its saved watches was not recorded", r->domid);
    if (!r->intf->error)
        r->intf->error = XENSTORE_ERROR_COMM;
}

static const struct xs_conn_ops ring_ops = {
    .kind = "ring",
    .recv = ring_recv,
    .send = ring_send,
    .kick = ring_kick,
    .destroy = ring_destroy,
};

/* --- connections ---------------------------------------------------------------------- */

/* A new connection for the ring, with the domain's saved watches (each fires once, as
 * a fresh registration does: the guest re-reads what it watches). */
static int ring_connect(struct ring *r, struct xs_domain *d)
{
    struct xs_caller who = {.domid = d->domid, .priv = false, .target = d->target};
    char name[32];
    struct xs_watch *w;

    snprintf(name, sizeof(name), "domain#%u", d->domid);
    r->c = conn_new(&ring_ops, r, &who, name);
    if (!r->c)
        return -ENOMEM;
    r->c->ring = true;
    /* Transaction ids from before a restart are unknown now: do not reuse them. */
    r->c->next_tx_id = 1u + ((uint32_t)time(NULL) & 0xffffu) * 0x10000u;
    d->conn = r->c;
    for (struct xs_saved_watch *s = d->watches; s; s = s->next)
        if (watch_add(r->c, s->path, s->token, s->relative, &w) == 0)
            watch_send(r->c, w, w->path);
    return 0;
}

/* Guest-requested reset (Xen's ring reconnection): drop everything of the connection,
 * empty both queues, start afresh. */
static void ring_reconnect(struct ring *r)
{
    struct xs_domain *d = domain_find(r->domid);

    log_info("domain %u: xenstore ring reconnection requested", r->domid);
    if (r->c) {
        struct xs_conn *old = r->c;
        r->c = NULL;
        if (d && d->conn == old)
            d->conn = NULL;
        conn_close(old, "guest reconnected its ring");
    }
    if (domain_watch_log(r->domid, 'C', "", "", false) < 0)
        log_warn("domain %u: dropping its saved watches was not recorded", r->domid);
    r->intf->req_cons = r->intf->req_prod = 0;
    r->intf->rsp_cons = r->intf->rsp_prod = 0;
    r->cons = r->rd = r->prod = 0;
    r->stream_left = 0;
    r->intf->error = XENSTORE_ERROR_NONE;
    if (d && ring_connect(r, d) < 0)
        log_err("domain %u: out of memory reconnecting its ring", r->domid);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    r->intf->connection = XENSTORE_CONNECTED;
    env->notify(r->lport);
}

void ring_port_event(uint32_t lport)
{
    struct ring *r = by_port(lport);
    struct xs_conn *c;

    if (!r)
        return;
    if (r->intf->connection == XENSTORE_RECONNECT) {
        ring_reconnect(r);
        return;
    }
    c = r->c;
    if (!c || c->closing)
        return; /* stopped after an error: only a reconnection restarts it */
    conn_input(c);
    if (!c->closing)
        conn_output(c);
}

static int ring_attach(struct xs_domain *d)
{
    struct ring *r = calloc(1, sizeof(*r));
    void *page;
    int rc;

    if (!r)
        return -ENOMEM;
    r->domid = d->domid;
    rc = env->map(d->domid, d->mfn, &page);
    if (rc < 0) {
        free(r);
        return rc;
    }
    r->intf = page;
    rc = env->bind(d->domid, d->port, &r->lport);
    if (rc < 0) {
        env->unmap(page);
        free(r);
        return rc;
    }
    /* Pick up the ring where it is: after a restart it may hold unanswered requests. */
    r->cons = r->rd = r->intf->req_cons;
    r->prod = r->intf->rsp_prod;
    r->intf->server_features |=
        XENSTORE_SERVER_FEATURE_RECONNECTION | XENSTORE_SERVER_FEATURE_ERROR;
    d->ring = r;
    r->next = rings;
    rings = r;
    nrings++;
    if (r->intf->connection == XENSTORE_RECONNECT) {
        ring_reconnect(r);
    } else if (r->intf->error) {
        log_warn("domain %u: xenstore ring stopped earlier (error=%u): served again once the "
                 "guest reconnects",
                 d->domid, r->intf->error);
    } else {
        rc = ring_connect(r, d);
        if (rc < 0)
            log_err("domain %u: out of memory connecting its ring", d->domid);
    }
    log_info("domain %u: xenstore ring connected (frame %llu, port %u, local port %u)", d->domid,
             (unsigned long long)d->mfn, d->port, r->lport);
    /* Serve what is already there, from the loop: attaching happens inside INTRODUCE. */
    if (r->c)
        conn_schedule(r->c);
    return 0;
}

static void ring_detach(struct xs_domain *d)
{
    struct ring *r = d->ring;

    if (!r)
        return;
    for (struct ring **pp = &rings; *pp; pp = &(*pp)->next)
        if (*pp == r) {
            *pp = r->next;
            nrings--;
            break;
        }
    if (r->c) {
        r->c->tp = NULL; /* the core frees the connection later; the ring goes now */
        conn_close(r->c, "domain released");
    }
    d->conn = NULL;
    d->ring = NULL;
    env->unbind(r->lport);
    env->unmap((void *)r->intf);
    log_info("domain %u: xenstore ring disconnected", d->domid);
    free(r);
}

void ring_transport_init(const struct ring_env *e)
{
    static const struct xs_ring_transport tp = {ring_attach, ring_detach};

    env = e;
    domain_set_transport(&tp);
}
