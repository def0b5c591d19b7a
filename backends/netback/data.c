/* data.c: netback's data-path thread: tx rings -> validation -> switch or TAP -> bounded
 * per-vif queues -> rx rings, with notification suppression both ways. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <pvisor/evtchn.h>
#include <pvisor/gnttab.h>

#include "netback.h"

#define TX_BUDGET    64u   /* packets per vif per round: a flooding guest cannot starve others */
#define TAP_BUDGET   64u   /* frames read from a TAP device per round */
#define EVT_MAP_SIZE 8192u /* our event channel ports we can serve */
#define RING_ENTS    256u  /* one-page tx and rx rings */

enum { TAG_WAKE = 1, TAG_EVTCHN, TAG_TAP };

static struct {
    const struct nb_opts *o;
    pthread_t thr;
    pthread_mutex_t lock;
    bool running;
    atomic_bool stop;
    int epfd, wake_fd;
    struct pvgnttab *g;
    struct pvevtchn *evt;
    struct port *ports[NB_MAX_PORTS];
    unsigned nports; /* slots in use lie below this: the rounds scan no further */
    uint32_t next_gen;
    uint16_t evt_map[EVT_MAP_SIZE]; /* our event channel port -> port idx + 1 */
    uint8_t frame[NB_MAX_FRAME];    /* the packet being moved */
} D = {.lock = PTHREAD_MUTEX_INITIALIZER, .epfd = -1, .wake_fd = -1};

void dp_lock(void)
{
    pthread_mutex_lock(&D.lock);
}

void dp_unlock(void)
{
    pthread_mutex_unlock(&D.lock);
}

struct port *dp_port(unsigned idx, uint32_t gen)
{
    struct port *p = idx < NB_MAX_PORTS ? D.ports[idx] : NULL;

    return p && p->gen == gen ? p : NULL;
}

static uint64_t tag(unsigned kind, const struct port *p)
{
    return (uint64_t)kind << 56 | (p ? (uint64_t)p->gen << 16 | p->idx : 0);
}

static void wake(void)
{
    uint64_t one = 1;

    if (write(D.wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
        be_log(&N.core, "cannot wake the data thread: %s", strerror(errno));
}

/* ---- receive queues ---------------------------------------------------------------------- */

static void q_drop_all(struct port *p)
{
    while (p->rxq.head) {
        struct nb_pkt *k = p->rxq.head;

        p->rxq.head = k->next;
        free(k);
    }
    p->rxq.tail = NULL;
    p->rxq.bytes = 0;
    p->rxq.count = 0;
    atomic_store(&p->st->rxq_bytes, 0);
}

/* The largest frame port p can receive. */
static unsigned rx_max(const struct port *p)
{
    unsigned m = p->mtu + NB_ETH_HLEN + 4; /* + a VLAN tag */

    if (!p->sg && m > NB_PAGE)
        m = NB_PAGE;
    return m < NB_MAX_FRAME ? m : NB_MAX_FRAME;
}

/* Queues a copy of a frame for port p's guest (dropped, and counted, when p cannot take it). */
static void enqueue(struct port *p, const uint8_t *frame, unsigned len, uint16_t rxflags)
{
    struct nb_pkt *k;

    if (!p->connected || p->broken || len > rx_max(p) || p->rxq.bytes + len > p->rxq.max_bytes ||
        !(k = malloc(sizeof(*k) + len))) {
        atomic_fetch_add(&p->st->rx_dropped, 1);
        return;
    }
    k->next = NULL;
    k->len = (uint16_t)len;
    k->rxflags = rxflags;
    memcpy(k->data, frame, len);
    if (p->rxq.tail)
        p->rxq.tail->next = k;
    else
        p->rxq.head = k;
    p->rxq.tail = k;
    p->rxq.bytes += len;
    p->rxq.count++;
    atomic_store(&p->st->rxq_bytes, p->rxq.bytes);
    if (p->rxq.bytes > atomic_load(&p->st->rxq_peak))
        atomic_store(&p->st->rxq_peak, p->rxq.bytes);
    p->rx_due = true;
}

struct fwd {
    const uint8_t *frame;
    unsigned len;
    uint16_t rxflags;
};

static void to_port(struct port *dst, void *arg)
{
    const struct fwd *f = arg;

    enqueue(dst, f->frame, f->len, f->rxflags);
}

/* A frame sent by port src's guest: to its TAP device or through its switch. */
static void forward(struct port *src, const uint8_t *frame, unsigned len, uint16_t txflags)
{
    struct fwd f = {frame, len, 0};

    if (txflags & NETTXF_csum_blank)
        f.rxflags |= NETRXF_csum_blank | NETRXF_data_validated;
    else if (txflags & NETTXF_data_validated)
        f.rxflags |= NETRXF_data_validated;
    if (src->tap_fd >= 0) {
        if (write(src->tap_fd, frame, len) != (ssize_t)len)
            atomic_fetch_add(&src->st->tx_dropped, 1);
        return;
    }
    br_forward(src->br, src, frame, len, to_port, &f);
}

/* ---- grant access: persistent mappings or grant copy ------------------------------------- */

/* Copies n fragments between the guest's granted pages and buf (to_guest: into them).
 * 0, or -errno / a GNTST_ code (< 0) for the first fragment that failed. */
static int grant_io(struct port *p, const struct nb_frag *fr, unsigned n, uint8_t *buf,
                    bool to_guest)
{
    struct pvgnttab_copy_seg seg[NB_MAX_SLOTS];
    void *pages[NB_MAX_SLOTS];
    uint32_t refs[NB_MAX_SLOTS], bad;
    unsigned bytes = 0, start = 0;
    int gntst = 0, rc = -ENOSPC;

    for (unsigned i = 0; i < n; i++)
        refs[i] = fr[i].gref;
    if (p->pgc && (rc = pgc_get(p->pgc, n, refs, to_guest, pages, &bad, &gntst)) == 0) {
        for (unsigned i = 0, off = 0; i < n; off += fr[i].len, i++)
            if (to_guest)
                memcpy((uint8_t *)pages[i] + fr[i].offset, buf + off, fr[i].len);
            else
                memcpy(buf + off, (uint8_t *)pages[i] + fr[i].offset, fr[i].len);
        return 0;
    }
    if (rc != -ENOSPC && rc != -EACCES)
        return rc == -EIO ? gntst : rc;
    atomic_fetch_add(&p->st->grant_copies, 1);
    for (unsigned i = 0, off = 0; i <= n; i++) {
        if (i == n || bytes + fr[i].len > PVGNTTAB_COPY_MAX) { /* send what is gathered */
            if ((rc = pvgnttab_copy(D.g, i - start, seg + start)) < 0)
                return rc;
            for (unsigned j = start; j < i; j++)
                if (seg[j].status)
                    return seg[j].status;
            start = i;
            bytes = 0;
        }
        if (i == n)
            break;
        seg[i] = (struct pvgnttab_copy_seg){.domid = p->domid,
                                            .ref = fr[i].gref,
                                            .offset = fr[i].offset,
                                            .len = fr[i].len,
                                            .to_guest = to_guest,
                                            .buf = buf + off};
        bytes += fr[i].len;
        off += fr[i].len;
    }
    return 0;
}

/* ---- notifications ------------------------------------------------------------------------ */

/* Publishes responses up to pvt; whether the frontend asked to be told (rsp_event). */
static bool push(RING_IDX *shared_prod, const RING_IDX *rsp_event, RING_IDX pvt)
{
    RING_IDX old = __atomic_load_n(shared_prod, __ATOMIC_RELAXED);

    if (old == pvt)
        return false;
    __atomic_store_n(shared_prod, pvt, __ATOMIC_RELEASE);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return (RING_IDX)(pvt - __atomic_load_n(rsp_event, __ATOMIC_RELAXED)) < (RING_IDX)(pvt - old);
}

/* Reads req_prod, checking that the frontend did not claim more than a ring's worth. */
static bool req_prod(struct port *p, RING_IDX *prod_field, RING_IDX cons, RING_IDX *out,
                     const char *ring)
{
    *out = __atomic_load_n(prod_field, __ATOMIC_ACQUIRE);
    if ((RING_IDX)(*out - cons) <= RING_ENTS)
        return true;
    p->broken = true;
    be_dev_failed(&p->vif->d, "%s ring overrun: req_prod %u with %u consumed", ring, *out, cons);
    return false;
}

/* ---- transmit: the guest's tx ring ----------------------------------------------------------- */

static void tx_respond(struct port *p, const struct nb_txpkt *k, int16_t status)
{
    for (unsigned i = 0; i < k->nslots; i++) {
        netif_tx_response_t *r = &p->txs->ring[p->tx_rsp++ & (RING_ENTS - 1)].rsp;

        r->id = k->rsp_id[i];
        r->status = k->rsp_null[i] ? NETIF_RSP_NULL : status;
    }
}

/* Copies the packet's data out of the guest; forwards it. */
static void tx_packet(struct port *p, const struct nb_txpkt *k)
{
    int rc = grant_io(p, k->frag, k->nfrags, D.frame, false);

    if (rc < 0) {
        tx_respond(p, k, NETIF_RSP_ERROR);
        atomic_fetch_add(&p->st->tx_errors, 1);
        be_dlog(&p->vif->d, "tx: grant ref of a %u-byte packet refused (%d: %s)", k->len, rc,
                rc >= -16 ? pvgnttab_strstatus(rc) : strerror(-rc));
        return;
    }
    tx_respond(p, k, NETIF_RSP_OKAY);
    atomic_fetch_add(&p->st->tx_packets, 1);
    atomic_fetch_add(&p->st->tx_bytes, k->len);
    forward(p, D.frame, k->len, k->flags);
}

/* One packet at tx_cons. false when the ring has nothing complete (or the frontend broke). */
static bool tx_one(struct port *p, RING_IDX prod)
{
    netif_tx_request_t slots[NB_TX_SLOTS_FATAL];
    unsigned n = prod - p->tx_cons, max = p->mtu + NB_ETH_HLEN + 4;
    struct nb_txpkt k;
    const char *why = NULL;

    if (n > NB_TX_SLOTS_FATAL)
        n = NB_TX_SLOTS_FATAL;
    for (unsigned i = 0; i < n; i++)
        memcpy(&slots[i], (const void *)&p->txs->ring[(p->tx_cons + i) & (RING_ENTS - 1)].req,
               sizeof(slots[i]));
    switch (nb_tx_parse(slots, n, max < NB_MAX_FRAME ? max : NB_MAX_FRAME, &k, &why)) {
    case NB_TX_INCOMPLETE:
        return false;
    case NB_TX_FATAL:
        p->broken = true;
        be_dev_failed(&p->vif->d, "tx: %s", why);
        return false;
    case NB_TX_BAD:
        tx_respond(p, &k, NETIF_RSP_ERROR);
        atomic_fetch_add(&p->st->tx_errors, 1);
        be_dlog(&p->vif->d, "tx: packet of %u bytes in %u slot(s) dropped: %s", k.len, k.nslots,
                why);
        break;
    case NB_TX_OK:
        tx_packet(p, &k);
        break;
    }
    p->tx_cons += k.nslots;
    return true;
}

static void tx_round(struct port *p)
{
    struct netif_tx_sring *s = p->txs;
    unsigned done = 0;
    RING_IDX prod;

    p->tx_due = false;
    for (;;) {
        if (!req_prod(p, &s->req_prod, p->tx_cons, &prod, "tx"))
            return;
        while (p->tx_cons != prod && done < TX_BUDGET && !p->broken && tx_one(p, prod))
            done++;
        if (p->broken)
            return;
        if (done >= TX_BUDGET) {
            p->tx_due = true; /* more next round, after the other vifs */
            break;
        }
        /* Ask for an event at the next request beyond what we saw (a packet may be
         * incomplete), then look once more (no lost wake-up). */
        __atomic_store_n(&s->req_event, prod + 1, __ATOMIC_RELAXED);
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        if (__atomic_load_n(&s->req_prod, __ATOMIC_ACQUIRE) == prod)
            break;
    }
    p->notify |= push(&s->rsp_prod, &s->rsp_event, p->tx_rsp);
}

/* ---- receive: the guest's rx ring ------------------------------------------------------------ */

/* Fills as many posted buffers as one frame needs. */
static void rx_packet(struct port *p, const struct nb_pkt *k)
{
    unsigned off = 0;

    do {
        netif_rx_request_t rq;
        netif_rx_response_t *r;
        unsigned chunk = k->len - off > NB_PAGE ? NB_PAGE : k->len - off;
        struct nb_frag fr;
        int rc;

        memcpy(&rq, (const void *)&p->rxs->ring[p->rx_cons++ & (RING_ENTS - 1)].req, sizeof(rq));
        fr = (struct nb_frag){rq.gref, 0, (uint16_t)chunk};
        rc = grant_io(p, &fr, 1, (uint8_t *)k->data + off, true);
        if (rc < 0) {
            atomic_fetch_add(&p->st->rx_errors, 1);
            be_dlog(&p->vif->d, "rx: buffer grant ref %u refused (%d)", rq.gref, rc);
        }
        r = &p->rxs->ring[p->rx_rsp++ & (RING_ENTS - 1)].rsp;
        r->id = rq.id;
        r->offset = 0;
        r->flags = (off == 0 ? k->rxflags : 0) | (off + chunk < k->len ? NETRXF_more_data : 0);
        r->status = rc < 0 ? NETIF_RSP_ERROR : (int16_t)chunk;
        off += chunk;
    } while (off < k->len);
}

static unsigned slots_for(const struct nb_pkt *k)
{
    return k->len ? (k->len + NB_PAGE - 1) / NB_PAGE : 1;
}

static void rx_round(struct port *p)
{
    struct netif_rx_sring *s = p->rxs;
    RING_IDX prod;

    p->rx_due = false;
    if (!req_prod(p, &s->req_prod, p->rx_cons, &prod, "rx"))
        return;
    while (p->rxq.head) {
        struct nb_pkt *k = p->rxq.head;

        if ((RING_IDX)(prod - p->rx_cons) < slots_for(k)) {
            /* Out of buffers: ask to be told when the guest posts more, then look again. */
            __atomic_store_n(&s->req_event, p->rx_cons + slots_for(k), __ATOMIC_RELAXED);
            __atomic_thread_fence(__ATOMIC_SEQ_CST);
            if (!req_prod(p, &s->req_prod, p->rx_cons, &prod, "rx") ||
                (RING_IDX)(prod - p->rx_cons) < slots_for(k))
                break;
        }
        rx_packet(p, k);
        p->rxq.head = k->next;
        if (!p->rxq.head)
            p->rxq.tail = NULL;
        p->rxq.bytes -= k->len;
        p->rxq.count--;
        atomic_fetch_add(&p->st->rx_packets, 1);
        atomic_fetch_add(&p->st->rx_bytes, k->len);
        free(k);
    }
    atomic_store(&p->st->rxq_bytes, p->rxq.bytes);
    p->notify |= push(&s->rsp_prod, &s->rsp_event, p->rx_rsp);
}

/* ---- TAP devices ------------------------------------------------------------------------------
 */

static void tap_read(struct port *p)
{
    for (unsigned i = 0; i < TAP_BUDGET; i++) {
        ssize_t n = read(p->tap_fd, D.frame, sizeof(D.frame));

        if (n < 0)
            return;
        if ((size_t)n >= NB_ETH_HLEN)
            enqueue(p, D.frame, (unsigned)n, 0);
    }
}

/* ---- the thread ---------------------------------------------------------------------------- */

static void on_events(void)
{
    int lp;

    while ((lp = pvevtchn_pending(D.evt)) >= 0) {
        struct port *p =
            (unsigned)lp < EVT_MAP_SIZE && D.evt_map[lp] ? D.ports[D.evt_map[lp] - 1] : NULL;

        if (p && p->connected && !p->broken) {
            atomic_fetch_add(&p->st->events, 1);
            p->tx_due = p->rx_due = true;
        }
    }
}

static void on_epoll(const struct epoll_event *ev)
{
    uint64_t t = ev->data.u64, junk;
    struct port *p;

    switch (t >> 56) {
    case TAG_WAKE:
        if (read(D.wake_fd, &junk, sizeof(junk)) < 0 && errno != EAGAIN)
            be_log(&N.core, "data thread: wake-up read: %s", strerror(errno));
        break;
    case TAG_EVTCHN:
        on_events();
        break;
    case TAG_TAP:
        if ((p = dp_port(t & 0xffff, (uint32_t)(t >> 16))) != NULL)
            tap_read(p);
        break;
    }
}

/* Runs every due vif once; whether work is left for another round. */
static bool run_round(void)
{
    bool more = false;

    for (unsigned i = 0; i < D.nports; i++) {
        struct port *p = D.ports[i];

        if (p && p->connected && !p->broken && p->tx_due)
            tx_round(p);
    }
    for (unsigned i = 0; i < D.nports; i++) {
        struct port *p = D.ports[i];

        if (!p || !p->connected || p->broken)
            continue;
        if (p->rx_due)
            rx_round(p);
        if (p->notify) {
            p->notify = false;
            atomic_fetch_add(&p->st->notifies, 1);
            pvevtchn_notify(D.evt, p->evtchn);
        }
        more |= p->tx_due;
    }
    return more;
}

static void *thread_main(void *arg)
{
    struct epoll_event ev[32];
    bool more = false;

    (void)arg;
    dp_lock();
    while (!atomic_load(&D.stop)) {
        int n;

        dp_unlock();
        n = epoll_wait(D.epfd, ev, 32, more ? 0 : -1);
        dp_lock();
        if (n < 0 && errno != EINTR) {
            be_log(&N.core, "data thread: epoll_wait: %s", strerror(errno));
            break;
        }
        for (int i = 0; i < n; i++)
            on_epoll(&ev[i]);
        more = run_round();
    }
    dp_unlock();
    return NULL;
}

static int add_fd(int fd, uint64_t t)
{
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = t};

    return epoll_ctl(D.epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

int dp_start(const struct nb_opts *o, const char *rundir)
{
    int rc;

    D.o = o;
    D.epfd = epoll_create1(EPOLL_CLOEXEC);
    D.wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (D.epfd < 0 || D.wake_fd < 0)
        return -errno;
    if ((rc = pvgnttab_open(rundir, &D.g)) < 0 || (rc = pvevtchn_open(rundir, &D.evt)) < 0 ||
        (rc = add_fd(D.wake_fd, tag(TAG_WAKE, NULL))) < 0 ||
        (rc = add_fd(pvevtchn_fd(D.evt), tag(TAG_EVTCHN, NULL))) < 0)
        return rc;
    if ((rc = -pthread_create(&D.thr, NULL, thread_main, NULL)) < 0)
        return rc;
    D.running = true;
    return 0;
}

void dp_stop(void)
{
    if (D.running) {
        atomic_store(&D.stop, true);
        wake();
        pthread_join(D.thr, NULL);
        D.running = false;
    }
    pvevtchn_close(D.evt);
    pvgnttab_close(D.g);
    D.evt = NULL;
    D.g = NULL;
}

/* ---- ports (main thread, under dp_lock) ------------------------------------------------------ */

int dp_plug(struct vif *v, const uint8_t mac[6], unsigned mtu, const char *bridge, int tap_fd,
            const char *tapname, struct nb_stats *st, struct port **out, char *msg, size_t len)
{
    struct port *p;
    unsigned idx = 0;
    int rc;

    while (idx < NB_MAX_PORTS && D.ports[idx])
        idx++;
    if (idx == NB_MAX_PORTS)
        return snprintf(msg, len, "netback serves %u vifs at most", NB_MAX_PORTS), -ENOSPC;
    if (!(p = calloc(1, sizeof(*p))))
        return snprintf(msg, len, "out of memory"), -ENOMEM;
    *p = (struct port){.idx = idx,
                       .vif = v,
                       .domid = v->d.domid,
                       .devid = v->d.devid,
                       .gen = ++D.next_gen,
                       .mtu = mtu,
                       .tap_fd = tap_fd,
                       .st = st};
    memcpy(p->mac, mac, 6);
    snprintf(p->tapname, sizeof(p->tapname), "%s", tapname ? tapname : "");
    p->rxq.max_bytes = D.o->queue_bytes;
    if (tap_fd >= 0)
        rc = add_fd(tap_fd, tag(TAG_TAP, p));
    else
        rc = (p->br = br_get(bridge)) ? 0 : -ENOMEM;
    if (rc < 0) {
        snprintf(msg, len, "cannot join %s: %s", tap_fd >= 0 ? tapname : bridge, strerror(-rc));
        free(p);
        return rc;
    }
    if (p->br)
        br_add_port(p->br, p);
    D.ports[idx] = p;
    if (idx >= D.nports)
        D.nports = idx + 1;
    *out = p;
    return 0;
}

static void *map_ring(uint32_t domid, uint32_t ref, const char *which, char *msg, size_t len)
{
    int16_t st = 0;
    int err = 0;
    void *r = pvgnttab_map_ref(D.g, domid, ref, PROT_READ | PROT_WRITE, &st, &err);

    if (!r)
        snprintf(msg, len, "cannot map the %s ring (grant ref %u): %s", which, ref,
                 err == -EIO ? pvgnttab_strstatus(st) : strerror(-err));
    return r;
}

int dp_connect(struct port *p, uint32_t domid, const struct conn_params *cp, char *msg, size_t len)
{
    uint32_t local;
    int rc;

    if (!(p->txs = map_ring(domid, cp->tx_ref, "tx", msg, len)))
        return -EIO;
    if (!(p->rxs = map_ring(domid, cp->rx_ref, "rx", msg, len))) {
        rc = -EIO;
        goto fail;
    }
    if ((rc = pvevtchn_bind_interdomain(D.evt, domid, cp->evtchn, &local)) < 0) {
        snprintf(msg, len, "cannot bind event channel %u: %s", cp->evtchn, strerror(-rc));
        goto fail;
    }
    if (local >= EVT_MAP_SIZE) {
        pvevtchn_unbind(D.evt, local);
        snprintf(msg, len, "out of event channel ports");
        rc = -ENOSPC;
        goto fail;
    }
    if (cp->persistent && !D.o->no_persistent &&
        (rc = pgc_open(D.g, domid, D.o->max_pgrants, &p->st->pgrants, &p->pgc)) < 0) {
        pvevtchn_unbind(D.evt, local);
        snprintf(msg, len, "out of memory");
        goto fail;
    }
    D.evt_map[local] = (uint16_t)(p->idx + 1);
    p->evtchn = local;
    p->sg = cp->sg;
    p->rx_notify = cp->rx_notify;
    p->persistent = p->pgc != NULL;
    p->tx_cons = p->tx_rsp = p->rx_cons = p->rx_rsp = 0;
    p->broken = false;
    p->connected = true;
    p->tx_due = p->rx_due = true; /* the frontend may have queued before we looked */
    atomic_fetch_add(&p->st->connects, 1);
    wake();
    return 0;
fail:
    if (p->txs)
        pvgnttab_unmap(D.g, p->txs, 1);
    if (p->rxs)
        pvgnttab_unmap(D.g, p->rxs, 1);
    p->txs = NULL;
    p->rxs = NULL;
    return rc;
}

void dp_disconnect(struct port *p)
{
    if (!p->connected)
        return;
    p->connected = false;
    D.evt_map[p->evtchn] = 0;
    pvevtchn_unbind(D.evt, p->evtchn);
    pgc_close(p->pgc);
    p->pgc = NULL;
    pvgnttab_unmap(D.g, p->txs, 1);
    pvgnttab_unmap(D.g, p->rxs, 1);
    p->txs = NULL;
    p->rxs = NULL;
    q_drop_all(p);
    p->tx_due = p->rx_due = p->notify = false;
}

void dp_unplug(struct port *p)
{
    dp_disconnect(p);
    if (p->br) {
        br_del_port(p->br, p);
        br_put(p->br);
    }
    if (p->tap_fd >= 0) {
        epoll_ctl(D.epfd, EPOLL_CTL_DEL, p->tap_fd, NULL);
        close(p->tap_fd);
    }
    D.ports[p->idx] = NULL;
    while (D.nports && !D.ports[D.nports - 1])
        D.nports--;
    free(p);
}
