/* xenbus.c: the xenstore client of PV guests: requests over the store ring, watch queue,
 * control/shutdown (the typed requests built on them are in xenbus_ops.c). */
#include <pvguest/pvguest.h>
#include <pvguest/xenbus.h>
#include "xenbus_priv.h"

#include <xen/io/xs_wire.h> /* after errno.h: xsd_errors[] with Xen's errno values */

#define HDR_LEN  sizeof(struct xsd_sockmsg)
#define MSG_MAX  (HDR_LEN + XENSTORE_PAYLOAD_MAX)
#define TOK_SHUT "pvguest-shutdown"       /* the runtime's own watch on control/shutdown */
#define Q_SLOTS  (XENBUS_WATCH_QUEUE + 1) /* room for the arriving event */

struct watch_ev {
    char msg[XENSTORE_PAYLOAD_MAX + 2]; /* path NUL token NUL */
    unsigned len;
    uint64_t seq; /* arrival order; 0: a free slot */
};

/* Everything below `lock` is touched by the event handler and by waiters on any vCPU. */
static struct {
    struct xenstore_domain_interface *intf;
    evtchn_port_t port;
    bool up, broken;
    pv_spinlock_t lock;
    /* the partly received response message */
    uint8_t in[MSG_MAX];
    unsigned inlen;
    /* the request being waited for */
    uint32_t want_id;
    bool got;
    uint32_t got_type, got_len;
    char *rbuf;
    unsigned rsize;
    /* queued watch events, in no order but their seq */
    struct watch_ev q[Q_SLOTS];
    uint64_t seq;
    unsigned long dropped;
    volatile bool shutdown_seen;
} X;

static volatile unsigned long req_busy; /* one request at a time */
static uint32_t next_req_id = 1;

static void req_lock(void)
{
    while (pv_xchg(&req_busy, 1))
        pv_yield();
}

static void req_unlock(void)
{
    __atomic_store_n(&req_busy, 0, __ATOMIC_RELEASE);
}

/* X.lock with this vCPU's events masked (the handler takes it too); returns the mask. */
static unsigned long x_lock(void)
{
    unsigned long flags = pv_events_save();

    pv_spin_lock(&X.lock);
    return flags;
}

static void x_unlock(unsigned long flags)
{
    pv_spin_unlock(&X.lock);
    pv_events_restore(flags);
}

/* Until when a waiter blocks: the deadline (0: none), in 1 ms slices off vCPU 0 (the
 * store port notifies vCPU 0 only). */
static uint64_t wait_slice(uint64_t deadline)
{
    uint64_t tick = pv_now_ns() + NSEC_PER_MSEC;

    if (smp_processor_id() == 0)
        return deadline;
    return deadline ? PV_MIN(deadline, tick) : tick;
}

/* ---- receiving ---------------------------------------------------------------------------- */

/* The event's token ("" if xenstored sent none). */
static const char *ev_token(const struct watch_ev *e)
{
    unsigned plen = (unsigned)strlen(e->msg);
    return plen < e->len ? e->msg + plen + 1 : "";
}

/* The oldest queued event with this token (NULL: any token), or NULL.  Caller holds X.lock. */
static struct watch_ev *oldest(const char *token)
{
    struct watch_ev *best = NULL;

    for (unsigned i = 0; i < Q_SLOTS; i++) {
        struct watch_ev *e = &X.q[i];
        if (e->seq && (!best || e->seq < best->seq) && (!token || !strcmp(ev_token(e), token)))
            best = e;
    }
    return best;
}

/* Queues an event (one slot is always free for it); a full queue drops its oldest. */
static void queue_event(const uint8_t *p, unsigned len)
{
    struct watch_ev *e = NULL;
    unsigned used = 0;

    for (unsigned i = 0; i < Q_SLOTS; i++) {
        if (X.q[i].seq)
            used++;
        else
            e = &X.q[i];
    }
    memcpy(e->msg, p, len);
    e->msg[len] = e->msg[len + 1] = '\0';
    e->len = len;
    if (!strcmp(ev_token(e), TOK_SHUT)) {
        X.shutdown_seen = true; /* kept apart: the slot stays free */
        return;
    }
    if (used == XENBUS_WATCH_QUEUE) {
        oldest(NULL)->seq = 0;
        X.dropped++;
    }
    e->seq = ++X.seq;
}

static void deliver(void)
{
    struct xsd_sockmsg h;
    const uint8_t *p = X.in + HDR_LEN;

    memcpy(&h, X.in, HDR_LEN);
    if (h.type == XS_WATCH_EVENT) {
        queue_event(p, h.len);
    } else if (X.want_id && h.req_id == X.want_id && !X.got) {
        unsigned n = PV_MIN(h.len, X.rsize);
        if (n)
            memcpy(X.rbuf, p, n);
        if (X.rsize)
            X.rbuf[n < X.rsize ? n : X.rsize - 1] = '\0';
        X.got_type = h.type;
        X.got_len = h.len;
        X.got = true;
    }
    /* anything else is a late reply to a request that timed out: dropped */
}

/* Payload length of the message being received (its header is complete). */
static uint32_t in_len(void)
{
    struct xsd_sockmsg h;

    memcpy(&h, X.in, HDR_LEN);
    return h.len;
}

/* Takes complete messages off the response ring.  Caller holds X.lock, events masked. */
static void drain_locked(void)
{
    struct xenstore_domain_interface *in = X.intf;
    XENSTORE_RING_IDX cons = READ_ONCE(in->rsp_cons), prod = READ_ONCE(in->rsp_prod);
    XENSTORE_RING_IDX start = cons;

    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    if (prod - cons > XENSTORE_RING_SIZE) {
        if (!X.broken)
            printk("xenbus: response ring indexes corrupt (cons %u prod %u): disconnected\n", cons,
                   prod);
        X.broken = true;
        return;
    }
    while (cons != prod) {
        unsigned need = X.inlen < HDR_LEN ? (unsigned)HDR_LEN : (unsigned)HDR_LEN + in_len();
        unsigned off = MASK_XENSTORE_IDX(cons);
        unsigned n = PV_MIN(need - X.inlen, PV_MIN(prod - cons, XENSTORE_RING_SIZE - off));
        memcpy(X.in + X.inlen, in->rsp + off, n);
        X.inlen += n;
        cons += n;
        if (X.inlen == HDR_LEN && in_len() > XENSTORE_PAYLOAD_MAX) {
            printk("xenbus: response with payload %u > %u: disconnected\n", in_len(),
                   XENSTORE_PAYLOAD_MAX);
            X.broken = true;
            break;
        }
        if (X.inlen >= HDR_LEN && X.inlen == HDR_LEN + in_len()) {
            deliver();
            X.inlen = 0;
        }
    }
    if (cons == start)
        return;
    __atomic_thread_fence(__ATOMIC_SEQ_CST); /* reads done before the slots are given back */
    WRITE_ONCE(in->rsp_cons, cons);
    /* xenstored may be waiting for room for its next message (it writes whole
     * messages): one notification per batch taken. */
    evtchn_send(X.port);
}

static void drain(void)
{
    unsigned long flags = x_lock();

    drain_locked();
    x_unlock(flags);
}

static void store_event(evtchn_port_t port, void *arg)
{
    (void)port;
    (void)arg;
    pv_spin_lock(&X.lock);
    drain_locked();
    pv_spin_unlock(&X.lock);
}

/* ---- connecting --------------------------------------------------------------------------- */

int xenbus_init(void)
{
    uint64_t pte;

    if (X.up)
        return 0;
    if (!pv_start_info || !pv_start_info->store_mfn)
        return -ENODEV;
    X.intf = pv_mfn_to_virt(pv_start_info->store_mfn);
    if (pv_pte_lookup((unsigned long)X.intf, &pte, NULL) < 0 || !(pte & _PAGE_PRESENT))
        return -ENODEV;
    X.port = pv_start_info->store_evtchn;
    X.up = true;
    evtchn_set_handler(X.port, store_event, NULL);
    drain(); /* whatever arrived before the handler was set */
    return 0;
}

static bool reconnected(void *arg)
{
    (void)arg;
    return READ_ONCE(X.intf->connection) == XENSTORE_CONNECTED;
}

int xenbus_reconnect(uint64_t timeout_ns)
{
    uint64_t deadline;
    unsigned long flags;
    int rc = xenbus_init();

    if (rc < 0)
        return rc;
    if (!(READ_ONCE(X.intf->server_features) & XENSTORE_SERVER_FEATURE_RECONNECTION))
        return -EOPNOTSUPP;
    req_lock();
    WRITE_ONCE(X.intf->connection, XENSTORE_RECONNECT);
    pv_mb();
    evtchn_send(X.port);
    deadline = pv_now_ns() + timeout_ns;
    while (!reconnected(NULL) && pv_now_ns() < deadline)
        pv_wait_until(reconnected, NULL, PV_MIN(deadline, pv_now_ns() + 10 * NSEC_PER_MSEC));
    if (!reconnected(NULL)) {
        req_unlock();
        return -ETIMEDOUT;
    }
    flags = x_lock();
    X.inlen = 0;
    for (unsigned i = 0; i < Q_SLOTS; i++)
        X.q[i].seq = 0;
    X.broken = false;
    X.got = false;
    X.want_id = 0;
    x_unlock(flags);
    req_unlock();
    return 0;
}

unsigned xenbus_ring_error(void)
{
    return xenbus_init() < 0 ? 0 : READ_ONCE(X.intf->error);
}

/* ---- sending ------------------------------------------------------------------------------ */

static bool event_or_space(void *arg)
{
    (void)arg;
    struct xenstore_domain_interface *in = X.intf;
    return READ_ONCE(in->req_prod) - READ_ONCE(in->req_cons) < XENSTORE_RING_SIZE;
}

/* Copies a whole message into the request ring, waiting for room; 0, -ETIMEDOUT, -EIO. */
static int ring_write(const void *data, unsigned len, uint64_t deadline)
{
    struct xenstore_domain_interface *in = X.intf;
    const uint8_t *p = data;

    while (len) {
        XENSTORE_RING_IDX cons = READ_ONCE(in->req_cons), prod = READ_ONCE(in->req_prod);
        if (prod - cons > XENSTORE_RING_SIZE)
            return -EIO;
        if (prod - cons == XENSTORE_RING_SIZE) {
            if (!pv_wait_until(event_or_space, NULL, deadline))
                return -ETIMEDOUT;
            continue;
        }
        unsigned off = MASK_XENSTORE_IDX(prod);
        unsigned n =
            PV_MIN(len, PV_MIN(XENSTORE_RING_SIZE - (prod - cons), XENSTORE_RING_SIZE - off));
        memcpy(in->req + off, p, n);
        __atomic_thread_fence(__ATOMIC_RELEASE); /* data before the index */
        WRITE_ONCE(in->req_prod, prod + n);
        p += n;
        len -= n;
        evtchn_send(X.port);
    }
    return 0;
}

/* xenstored stopped serving us (error field), or we stopped trusting the ring. */
static bool dead(void)
{
    return X.broken || READ_ONCE(X.intf->error) != XENSTORE_ERROR_NONE;
}

static bool got_reply(void *arg)
{
    (void)arg;
    drain();
    return X.got || dead();
}

static void set_wait(uint32_t id, char *rbuf, unsigned rsize)
{
    unsigned long flags = x_lock();

    X.want_id = id;
    X.got = false;
    X.rbuf = rbuf;
    X.rsize = rsize;
    x_unlock(flags);
}

/* No more reply wanted (a late one is dropped); X.got and the reply stay. */
static void stop_wait(void)
{
    unsigned long flags = x_lock();

    X.want_id = 0;
    x_unlock(flags);
}

/* The negated errno of an XS_ERROR payload. */
static int map_error(const char *s)
{
    for (unsigned i = 0; i < ARRAY_SIZE(xsd_errors); i++)
        if (strcmp(s, xsd_errors[i].errstring) == 0)
            return -xsd_errors[i].errnum;
    if (strcmp(s, "EQUOTA") == 0)
        return -ENOSPC;
    return -EIO;
}

/* Sends one message; with wait, waits for its reply.  Caller holds req_busy. */
static int transact(uint32_t type, xenbus_transaction_t t, const void *a, unsigned alen,
                    const void *b, unsigned blen, char *reply, unsigned rsize, bool wait)
{
    struct xsd_sockmsg h = {type, 0, t, alen + blen};
    uint64_t deadline = pv_now_ns() + XENBUS_TIMEOUT_NS;
    char err[16];
    int rc;

    if (alen + blen > XENSTORE_PAYLOAD_MAX)
        return -E2BIG;
    if (dead())
        return -EIO;
    h.req_id = next_req_id++;
    if (!next_req_id)
        next_req_id = 1;
    if (!reply) {
        reply = err;
        rsize = sizeof(err);
    }
    set_wait(wait ? h.req_id : 0, reply, rsize);
    rc = ring_write(&h, HDR_LEN, deadline);
    if (rc == 0 && alen)
        rc = ring_write(a, alen, deadline);
    if (rc == 0 && blen)
        rc = ring_write(b, blen, deadline);
    if (rc < 0) {
        X.broken = true; /* a partial message in the ring: the stream is lost */
        stop_wait();
        return rc;
    }
    if (!wait)
        return 0;
    while (!got_reply(NULL) && pv_now_ns() < deadline)
        pv_wait_until(got_reply, NULL, wait_slice(deadline));
    stop_wait();
    if (!X.got && dead())
        return -EIO;
    if (!X.got)
        return -ETIMEDOUT;
    if (X.got_type == XS_ERROR) {
        char e[16];
        unsigned n = PV_MIN(X.got_len, PV_MIN(rsize, (unsigned)sizeof(e) - 1));
        memcpy(e, reply, n);
        e[n] = '\0';
        return map_error(e);
    }
    if (X.got_type != type)
        return -EIO;
    return (int)X.got_len;
}

int xenbus_request2(uint32_t type, xenbus_transaction_t t, const void *a, unsigned alen,
                    const void *b, unsigned blen, char *reply, unsigned rsize)
{
    int rc = xenbus_init();

    if (rc < 0)
        return rc;
    req_lock();
    rc = transact(type, t, a, alen, b, blen, reply, rsize, true);
    req_unlock();
    return rc;
}

int xenbus_request(uint32_t type, xenbus_transaction_t t, const void *payload, unsigned len,
                   char *reply, unsigned rsize)
{
    return xenbus_request2(type, t, payload, len, NULL, 0, reply, rsize);
}

/* ---- watch events ------------------------------------------------------------------------- */

/* Whether an event with the token (arg; NULL: any) is queued, or the ring is dead. */
static bool have_event(void *arg)
{
    unsigned long flags = x_lock();
    bool found;

    drain_locked();
    found = oldest(arg) != NULL;
    x_unlock(flags);
    return found || dead();
}

/* Takes the oldest event with the token (NULL: any) if one is queued. */
static bool try_take(const char *token, char *path, unsigned psize, char *tok, unsigned tsize)
{
    unsigned long flags = x_lock();
    struct watch_ev *e;

    drain_locked();
    e = oldest(token);
    if (e) {
        if (psize)
            strlcpy(path, e->msg, psize);
        if (tsize)
            strlcpy(tok, ev_token(e), tsize);
        e->seq = 0;
    }
    x_unlock(flags);
    return e != NULL;
}

/* try_take, waiting for an event until deadline_ns (0: forever). */
static int take_event(const char *token, char *path, unsigned psize, char *tok, unsigned tsize,
                      uint64_t deadline_ns)
{
    int rc = xenbus_init();

    if (rc < 0)
        return rc;
    for (;;) {
        if (try_take(token, path, psize, tok, tsize))
            return 0;
        if (dead())
            return -EIO;
        if (deadline_ns && pv_now_ns() >= deadline_ns)
            return -ETIMEDOUT;
        pv_wait_until(have_event, (void *)(uintptr_t)token, wait_slice(deadline_ns));
    }
}

int xenbus_read_watch(char *path, unsigned psize, char *token, unsigned tsize, uint64_t deadline_ns)
{
    return take_event(NULL, path, psize, token, tsize, deadline_ns);
}

int xenbus_read_watch_token(const char *token, char *path, unsigned psize, uint64_t deadline_ns)
{
    if (!token)
        return -EINVAL;
    return take_event(token, path, psize, NULL, 0, deadline_ns);
}

unsigned long xenbus_watch_dropped(void)
{
    return X.dropped;
}

/* ---- control/shutdown --------------------------------------------------------------------- */

int xenbus_shutdown_watch(void)
{
    static const char msg[] = "control/shutdown\0" TOK_SHUT;
    int rc = xenbus_init();

    if (rc < 0)
        return rc;
    req_lock();
    rc = transact(XS_WATCH, XBT_NIL, msg, sizeof(msg), NULL, 0, NULL, 0, false);
    req_unlock();
    return rc;
}

bool xenbus_shutdown_pending(void)
{
    if (X.up)
        drain();
    return X.shutdown_seen;
}

int xenbus_shutdown_poll(void)
{
    static const struct {
        const char *word;
        unsigned reason;
    } reasons[] = {
        {"poweroff", SHUTDOWN_poweroff},
        {"halt", SHUTDOWN_poweroff},
        {"reboot", SHUTDOWN_reboot},
        {"crash", SHUTDOWN_crash},
    };
    char val[32];
    int rc;

    if (!xenbus_shutdown_pending())
        return 0;
    X.shutdown_seen = false;
    rc = xenbus_read(XBT_NIL, "control/shutdown", val, sizeof(val));
    if (rc == -ENOENT)
        return 0;
    if (rc < 0)
        return rc;
    for (unsigned i = 0; i < ARRAY_SIZE(reasons); i++) {
        if (strcmp(val, reasons[i].word) != 0)
            continue;
        printk("xenbus: control/shutdown = \"%s\": shutting down\n", val);
        rc = xenbus_write(XBT_NIL, "control/shutdown", "");
        if (rc < 0)
            printk("xenbus: cannot acknowledge control/shutdown: %s\n", pv_errno_name(-rc));
        pv_shutdown(reasons[i].reason);
    }
    return 0;
}

static bool shutdown_cond(void *arg)
{
    (void)arg;
    return X.shutdown_seen;
}

void xenbus_sleep_ns(uint64_t ns)
{
    uint64_t deadline = pv_now_ns() + ns;
    bool warned = false;

    for (;;) {
        int rc = xenbus_shutdown_poll();
        if (rc < 0 && !warned) {
            printk("xenbus: cannot read control/shutdown: %s\n", pv_errno_name(-rc));
            warned = true;
        }
        if (pv_now_ns() >= deadline)
            return;
        pv_wait_until(shutdown_cond, NULL, deadline);
    }
}
