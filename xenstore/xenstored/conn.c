/* conn.c: message framing, dispatch, bounded output queues and input back-pressure. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "log.h"
#include "proto.h"

#define HDR_LEN      sizeof(struct xsd_sockmsg)
#define INPUT_BUDGET 64 /* messages per conn_input() call, for fairness */

struct outmsg {
    struct outmsg *next;
    uint32_t len, off;
    bool reply;
    uint8_t data[];
};

static struct xs_conn *conns;
static struct xs_conn *run_list;
static unsigned nconns;

struct xs_conn *conn_first(void)
{
    return conns;
}

unsigned conn_count(void)
{
    return nconns;
}

struct xs_conn *conn_new(const struct xs_conn_ops *ops, void *tp, const struct xs_caller *who,
                         const char *name)
{
    struct xs_conn *c = calloc(1, sizeof(*c));

    if (!c)
        return NULL;
    c->ops = ops;
    c->tp = tp;
    c->who = *who;
    c->next_tx_id = 1;
    snprintf(c->name, sizeof(c->name), "%s", name);
    c->next = conns;
    if (conns)
        conns->prev = c;
    conns = c;
    nconns++;
    log_debug("%s: connected (domain %u%s)", c->name, who->domid, who->priv ? ", privileged" : "");
    return c;
}

static void set_interest(struct xs_conn *c)
{
    if (c->ops->interest && !c->closing)
        c->ops->interest(c, !c->stalled, c->out_head != NULL);
}

static void schedule(struct xs_conn *c)
{
    if (!c->on_run_list) {
        c->on_run_list = true;
        c->run_next = run_list;
        run_list = c;
    }
}

void conn_close(struct xs_conn *c, const char *why)
{
    if (c->closing)
        return;
    c->closing = true;
    xsd_log(strcmp(why, "peer closed") ? XSD_LOG_INFO : XSD_LOG_DEBUG, "%s: closing: %s", c->name,
            why);
    proto_conn_gone(c);
}

/* --- output -------------------------------------------------------------------------- */

static void pop_out(struct xs_conn *c)
{
    struct outmsg *m = c->out_head;

    c->out_head = m->next;
    if (!c->out_head)
        c->out_tail = NULL;
    c->nout--;
    if (m->reply)
        c->nreplies--;
    free(m);
}

static void flush(struct xs_conn *c)
{
    while (c->out_head && !c->closing) {
        struct outmsg *m = c->out_head;
        ssize_t n = c->ops->send(c, m->data + m->off, m->len - m->off);
        if (n < 0) {
            conn_close(c, "write failed");
            return;
        }
        if (n == 0)
            break;
        m->off += (uint32_t)n;
        if (m->off == m->len)
            pop_out(c);
    }
    if (c->stalled && c->nreplies < quota_get(Q_OUTSTANDING)) {
        c->stalled = false;
        schedule(c);
    }
    if (c->ops->kick)
        c->ops->kick(c);
    set_interest(c);
}

void conn_output(struct xs_conn *c)
{
    if (!c->closing)
        flush(c);
}

void conn_send(struct xs_conn *c, uint32_t type, uint32_t req_id, uint32_t tx_id, const void *a,
               size_t alen, const void *b, size_t blen, bool reply)
{
    struct xsd_sockmsg h = {type, req_id, tx_id, (uint32_t)(alen + blen)};
    struct outmsg *m;

    if (c->closing)
        return;
    if (c->nout >= quota_get(Q_OUTPUT_QUEUE)) {
        quota_hit(Q_OUTPUT_QUEUE, c->who.domid, c->name, -EDQUOT);
        conn_close(c, "output queue full (peer not reading)");
        return;
    }
    m = malloc(sizeof(*m) + HDR_LEN + alen + blen);
    if (!m) {
        conn_close(c, "out of memory");
        return;
    }
    m->next = NULL;
    m->len = (uint32_t)(HDR_LEN + alen + blen);
    m->off = 0;
    m->reply = reply;
    memcpy(m->data, &h, HDR_LEN);
    if (alen)
        memcpy(m->data + HDR_LEN, a, alen);
    if (blen)
        memcpy(m->data + HDR_LEN + alen, b, blen);
    if (c->out_tail)
        c->out_tail->next = m;
    else
        c->out_head = m;
    c->out_tail = m;
    c->nout++;
    c->nreplies += reply;
    flush(c);
}

/* --- input --------------------------------------------------------------------------- */

/* Dispatch one complete message if buffered: 1 done, 0 need more bytes, -1 dropped. */
static int dispatch_one(struct xs_conn *c)
{
    struct xsd_sockmsg h;
    size_t total;

    if (c->inlen < HDR_LEN)
        return 0;
    memcpy(&h, c->in, HDR_LEN);
    if (h.len > XENSTORE_PAYLOAD_MAX) {
        char why[64];
        snprintf(why, sizeof(why), "payload length %u > %u", h.len, XENSTORE_PAYLOAD_MAX);
        conn_close(c, why);
        return -1;
    }
    total = HDR_LEN + h.len;
    if (c->inlen < total)
        return 0;
    proto_handle(c, &h, (const char *)c->in + HDR_LEN);
    memmove(c->in, c->in + total, c->inlen - total);
    c->inlen -= total;
    return 1;
}

static void check_stall(struct xs_conn *c)
{
    if (!c->stalled && c->nreplies >= quota_get(Q_OUTSTANDING)) {
        c->stalled = true;
        if (!c->who.priv)
            quota_hit(Q_OUTSTANDING, c->who.domid, "input paused until replies are read", 0);
        set_interest(c);
    }
}

void conn_input(struct xs_conn *c)
{
    int budget = INPUT_BUDGET;

    while (!c->closing && budget > 0) {
        check_stall(c);
        if (c->stalled)
            return;
        int rc = dispatch_one(c);
        if (rc < 0)
            return;
        if (rc > 0) {
            budget--;
            continue;
        }
        ssize_t n = c->ops->recv(c, c->in + c->inlen, sizeof(c->in) - c->inlen);
        if (n < 0) {
            conn_close(c, n == -EPIPE ? "peer closed" : "read failed");
            return;
        }
        if (n == 0)
            break;
        c->inlen += (size_t)n;
    }
    if (budget == 0)
        schedule(c);
    if (!c->closing && c->ops->kick)
        c->ops->kick(c);
}

void conn_schedule(struct xs_conn *c)
{
    if (!c->closing)
        schedule(c);
}

bool conn_have_pending(void)
{
    return run_list != NULL;
}

void conn_run_pending(void)
{
    while (run_list) {
        struct xs_conn *c = run_list;
        run_list = c->run_next;
        c->on_run_list = false;
        if (!c->closing)
            conn_input(c);
    }
}

/* --- teardown ------------------------------------------------------------------------ */

static void conn_free(struct xs_conn *c)
{
    while (c->out_head)
        pop_out(c);
    if (c->prev)
        c->prev->next = c->next;
    else
        conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    nconns--;
    c->ops->destroy(c);
    free(c);
}

void conn_reap(void)
{
    struct xs_conn *c = conns, *next;

    /* Never free something still on the run list. */
    if (run_list)
        return;
    for (; c; c = next) {
        next = c->next;
        if (c->closing)
            conn_free(c);
    }
}

void conn_close_all(void)
{
    for (struct xs_conn *c = conns; c; c = c->next)
        conn_close(c, "shutting down");
    run_list = NULL;
    conn_reap();
}
