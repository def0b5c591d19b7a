/* ctl_dom0.c: dom0 processes as domain 0: their event-channel handles (shared page + eventfds) and
 * grant maps. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xen/grant_table.h>

#include "ctl.h"
#include "pvisord.h"

#define MAX_CONN_MAPS 65536 /* grant maps one connection may hold */

struct dom0_evq {
    int ready_fd;                   /* we write: a port turned pending */
    int kick_fd;                    /* they write: look at notify[] */
    struct pvctl_evtchn_page *page; /* shared with the process */
    struct dom0_evq *next;          /* registry of live handles */
};

struct conn_map {
    struct domain *gd; /* NULL = free */
    uint32_t ref;
    bool ro;
};

struct ctl_conn {
    struct dom0_evq *q;
    struct conn_map *maps;
    uint32_t nmaps; /* slots allocated */
};

_Static_assert(PVCTL_DOM0_PORTS == PVISOR_DOM0_PORTS, "domain 0 port space");
_Static_assert(sizeof(struct pvctl_evtchn_page) == 4096, "one page");

/* ---- the kick thread: notifications from dom0 processes ----------------------------- */

static pthread_mutex_t g_evq_lock = PTHREAD_MUTEX_INITIALIZER; /* before any domain lock */
static struct dom0_evq *g_evqs;
static int g_epoll = -1;
static pthread_once_t g_kick_once = PTHREAD_ONCE_INIT;

void dom0_evq_deliver(struct dom0_evq *q, unsigned port)
{
    if (!q || port >= PVISOR_DOM0_PORTS)
        return;
    uint64_t bit = 1ULL << (port % 64);
    if (__atomic_fetch_or(&q->page->pending[port / 64], bit, __ATOMIC_SEQ_CST) & bit)
        return; /* already pending: events coalesce, as in Xen */
    uint64_t one = 1;
    if (write(q->ready_fd, &one, sizeof one) < 0) {
        /* the counter is saturated: the process has a wake-up coming anyway */
    }
}

static bool evq_live(struct dom0_evq *q)
{
    for (struct dom0_evq *p = g_evqs; p; p = p->next)
        if (p == q)
            return true;
    return false;
}

/* Sends on every port the process flagged in notify[] that it owns. g_evq_lock held. */
static void evq_kick(struct dom0_evq *q)
{
    uint64_t n;
    if (read(q->kick_fd, &n, sizeof n) < 0) {
        /* nothing counted: a spurious wake-up */
    }
    struct domain *d0 = domain_get_any(0);
    for (unsigned w = 0; w < PVISOR_DOM0_PORTS / 64; w++) {
        uint64_t bits = __atomic_exchange_n(&q->page->notify[w], 0, __ATOMIC_ACQ_REL);
        while (bits) {
            unsigned port = w * 64 + (unsigned)__builtin_ctzll(bits);
            bits &= bits - 1;
            if (evtchn_dom0_owned(q, port))
                evtchn_send(d0, port);
        }
    }
    domain_put(d0);
}

static void *kick_thread(void *arg)
{
    (void)arg;
    for (;;) {
        struct epoll_event ev[16];
        int n = epoll_wait(g_epoll, ev, 16, -1);
        pthread_mutex_lock(&g_evq_lock);
        for (int i = 0; i < n; i++)
            if (evq_live(ev[i].data.ptr))
                evq_kick(ev[i].data.ptr);
        pthread_mutex_unlock(&g_evq_lock);
    }
    return NULL;
}

static void kick_start(void)
{
    g_epoll = epoll_create1(EPOLL_CLOEXEC);
    pthread_t t;
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    if (g_epoll < 0 || pthread_create(&t, &at, kick_thread, NULL) != 0) {
        hvlog("dom0 event channels: cannot start the notification thread");
        if (g_epoll >= 0)
            close(g_epoll);
        g_epoll = -1;
    }
    pthread_attr_destroy(&at);
}

/* ---- connections -------------------------------------------------------------------- */

struct ctl_conn *ctl_conn_new(void)
{
    return calloc(1, sizeof(struct ctl_conn));
}

static void evq_free(struct dom0_evq *q)
{
    pthread_mutex_lock(&g_evq_lock);
    for (struct dom0_evq **p = &g_evqs; *p; p = &(*p)->next)
        if (*p == q) {
            *p = q->next;
            break;
        }
    epoll_ctl(g_epoll, EPOLL_CTL_DEL, q->kick_fd, NULL);
    pthread_mutex_unlock(&g_evq_lock);
    evtchn_dom0_release(q); /* after this no delivery can reach q */
    munmap(q->page, sizeof *q->page);
    close(q->ready_fd);
    close(q->kick_fd);
    free(q);
}

static void map_release(struct conn_map *m)
{
    gnttab_unpin(m->gd, m->ref, m->ro);
    domain_put(m->gd);
    m->gd = NULL;
}

void ctl_conn_free(struct ctl_conn *c)
{
    if (!c)
        return;
    if (c->q)
        evq_free(c->q);
    for (uint32_t i = 0; i < c->nmaps; i++)
        if (c->maps[i].gd)
            map_release(&c->maps[i]);
    free(c->maps);
    free(c);
}

/* ---- event channels -------------------------------------------------------------------- */

int ctl_evtchn_handle(struct ctl_call *c)
{
    if (c->conn->q)
        return -EEXIST;
    if (c->nfds != 3)
        return -EBADF;
    pthread_once(&g_kick_once, kick_start);
    if (g_epoll < 0)
        return -ENOMEM;
    struct dom0_evq *q = calloc(1, sizeof *q);
    if (!q)
        return -ENOMEM;
    q->page = mmap(NULL, sizeof *q->page, PROT_READ | PROT_WRITE, MAP_SHARED, c->fds[0], 0);
    if (q->page == MAP_FAILED) {
        int e = -errno;
        free(q);
        return e == -ENODEV ? -EBADF : e;
    }
    q->ready_fd = c->fds[1];
    q->kick_fd = c->fds[2];
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = q};
    pthread_mutex_lock(&g_evq_lock);
    int r = epoll_ctl(g_epoll, EPOLL_CTL_ADD, q->kick_fd, &ev) < 0 ? -errno : 0;
    if (r == 0) {
        q->next = g_evqs;
        g_evqs = q;
    }
    pthread_mutex_unlock(&g_evq_lock);
    if (r < 0) {
        munmap(q->page, sizeof *q->page);
        free(q);
        return r == -EPERM ? -EBADF : r; /* not an eventfd */
    }
    c->fds[1] = c->fds[2] = -1; /* kept */
    c->conn->q = q;
    return 0;
}

static int reply_port(struct ctl_call *c, unsigned port)
{
    *(struct pvctl_port *)c->out->buf = (struct pvctl_port){.port = port};
    c->out->len = sizeof(struct pvctl_port);
    return 0;
}

int ctl_evtchn_bind(struct ctl_call *c)
{
    const struct pvctl_evtchn_bind *b = c->in;
    if (!c->conn->q)
        return -EBADFD;
    struct domain *rd = b->domid ? domain_get(b->domid) : NULL;
    if (!rd)
        return -ESRCH;
    unsigned port;
    int r = evtchn_dom0_bind(c->conn->q, rd, b->remote_port, &port);
    domain_put(rd);
    return r ? r : reply_port(c, port);
}

int ctl_evtchn_bind_unbound(struct ctl_call *c)
{
    const struct pvctl_domid *id = c->in;
    if (!c->conn->q)
        return -EBADFD;
    struct domain *rd = id->domid ? domain_get(id->domid) : NULL;
    if (!rd)
        return -ESRCH;
    domain_put(rd);
    unsigned port;
    int r = evtchn_dom0_alloc(c->conn->q, (domid_t)id->domid, &port);
    return r ? r : reply_port(c, port);
}

/* Runs fn on domain 0's port named by the request, if this connection owns it. */
static int on_own_port(struct ctl_call *c, int (*fn)(struct domain *, unsigned))
{
    const struct pvctl_port *p = c->in;
    if (!c->conn->q || !evtchn_dom0_owned(c->conn->q, p->port))
        return -EINVAL;
    struct domain *d0 = domain_get_any(0);
    int r = fn(d0, p->port);
    domain_put(d0);
    return r;
}

int ctl_evtchn_unbind(struct ctl_call *c)
{
    const struct pvctl_port *p = c->in;
    int r = on_own_port(c, evtchn_close);
    if (r == 0)
        __atomic_fetch_and(&c->conn->q->page->pending[p->port / 64], ~(1ULL << (p->port % 64)),
                           __ATOMIC_SEQ_CST);
    return r;
}

int ctl_evtchn_notify(struct ctl_call *c)
{
    return on_own_port(c, evtchn_send);
}

int ctl_evtchn_remote(struct ctl_call *c)
{
    const struct pvctl_port *p = c->in;
    if (!c->conn->q || !evtchn_dom0_owned(c->conn->q, p->port))
        return -EINVAL;
    struct domain *d0 = domain_get_any(0);
    struct evtchn_status st = {0};
    int r = evtchn_status(d0, p->port, &st);
    domain_put(d0);
    if (r == 0 && st.status != EVTCHNSTAT_interdomain)
        r = -ENOTCONN;
    if (r)
        return r;
    *(struct pvctl_evtchn_bind *)c->out->buf = (struct pvctl_evtchn_bind){
        .domid = st.u.interdomain.dom, .remote_port = st.u.interdomain.port};
    c->out->len = sizeof(struct pvctl_evtchn_bind);
    return 0;
}

/* ---- grant maps ------------------------------------------------------------------------- */

static int map_slot(struct ctl_conn *c)
{
    for (uint32_t i = 0; i < c->nmaps; i++)
        if (!c->maps[i].gd)
            return (int)i;
    if (c->nmaps == MAX_CONN_MAPS)
        return -1;
    uint32_t n = c->nmaps ? c->nmaps * 2 : 64;
    struct conn_map *m = realloc(c->maps, n * sizeof *m);
    if (!m)
        return -1;
    memset(m + c->nmaps, 0, (n - c->nmaps) * sizeof *m);
    c->maps = m;
    c->nmaps = n;
    return map_slot(c);
}

/* The domain's memory, read-only if asked: even mprotect() cannot then make it writable. */
static int memory_fd(struct domain *gd, bool ro)
{
    if (!ro)
        return dup(gd->memfd);
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", gd->memfd);
    return open(path, O_RDONLY | O_CLOEXEC);
}

/* Pins one ref into a new slot; GNTST_* result. */
static int16_t map_one(struct ctl_conn *c, struct domain *gd, uint32_t ref, bool ro,
                       struct pvctl_gnt_mapped *out)
{
    uint64_t frame;
    int16_t st = (int16_t)gnttab_pin(gd, ref, 0, ro, &frame);
    if (st != GNTST_okay)
        return st;
    int h = map_slot(c);
    if (h < 0) {
        gnttab_unpin(gd, ref, ro);
        return GNTST_no_space;
    }
    atomic_fetch_add(&gd->refs, 1);
    c->maps[h] = (struct conn_map){.gd = gd, .ref = ref, .ro = ro};
    out->handle = (uint32_t)h;
    out->offset = frame << PVISOR_PAGE_SHIFT;
    return GNTST_okay;
}

int ctl_gnt_map(struct ctl_call *c)
{
    const struct pvctl_gnt_map *m = c->in;
    const uint32_t *refs = (const uint32_t *)(m + 1);
    if (m->count == 0 || m->count > PVCTL_GNT_MAX_BATCH ||
        c->len != sizeof *m + m->count * sizeof(uint32_t))
        return -EINVAL;
    bool ro = m->flags & PVCTL_GNT_RO;
    struct pvctl_gnt_mapped *out = (void *)c->out->buf;
    c->out->len = m->count * (uint32_t)sizeof *out;
    memset(out, 0, c->out->len);
    struct domain *gd = m->domid ? domain_get(m->domid) : NULL;
    bool failed = false;
    for (uint32_t i = 0; i < m->count; i++) {
        out[i].status = gd ? map_one(c->conn, gd, refs[i], ro, &out[i]) : GNTST_bad_domain;
        failed |= out[i].status != GNTST_okay;
    }
    for (uint32_t i = 0; failed && i < m->count; i++) /* all or nothing */
        if (out[i].status == GNTST_okay)
            map_release(&c->conn->maps[out[i].handle]);
    if (!failed)
        c->out->fd = memory_fd(gd, ro);
    domain_put(gd);
    if (failed)
        return -EIO;
    return c->out->fd < 0 ? -errno : 0;
}

int ctl_gnt_unmap(struct ctl_call *c)
{
    const struct pvctl_gnt_unmap *u = c->in;
    const uint32_t *handles = (const uint32_t *)(u + 1);
    if (c->len != sizeof *u + (uint64_t)u->count * sizeof(uint32_t))
        return -EINVAL;
    int r = 0;
    for (uint32_t i = 0; i < u->count; i++) {
        uint32_t h = handles[i];
        if (h < c->conn->nmaps && c->conn->maps[h].gd)
            map_release(&c->conn->maps[h]);
        else
            r = -EINVAL;
    }
    return r;
}

/* ---- grant copy ---------------------------------------------------------------------------- */

/* One segment between buf and a grant; buf is only read when the copy goes to the guest. */
static int16_t copy_seg(const struct pvctl_gnt_seg *s, uint8_t *buf)
{
    struct domain *gd = s->domid ? domain_get(s->domid) : NULL;
    if (!gd)
        return GNTST_bad_domain;
    uint8_t *p;
    int16_t st = (int16_t)gnttab_copy_claim(gd, s->ref, 0, s->to_guest, s->offset, s->len, &p);
    if (st == GNTST_okay) {
        if (s->to_guest)
            memcpy(p, buf, s->len);
        else
            memcpy(buf, p, s->len);
        gnttab_copy_done(gd, s->ref, s->to_guest);
    }
    domain_put(gd);
    return st;
}

int ctl_gnt_copy(struct ctl_call *c)
{
    const struct pvctl_gnt_copy *h = c->in;
    const struct pvctl_gnt_seg *segs = (const void *)(h + 1);
    if (h->count == 0 || h->count > PVCTL_GNT_COPY_MAX_SEGS ||
        c->len < sizeof *h + h->count * sizeof *segs)
        return -EINVAL;
    const uint8_t *in = (const uint8_t *)(segs + h->count);
    uint64_t in_bytes = 0, out_bytes = 0, status_len = (h->count * 2 + 7) & ~7u;
    for (uint32_t i = 0; i < h->count; i++)
        *(segs[i].to_guest ? &in_bytes : &out_bytes) += segs[i].len;
    if (c->len != sizeof *h + h->count * sizeof *segs + in_bytes ||
        status_len + out_bytes > PVCTL_MAX_PAYLOAD)
        return -EINVAL;
    int16_t *status = (int16_t *)(void *)c->out->buf;
    uint8_t *out = c->out->buf + status_len;
    for (uint32_t i = 0; i < h->count; i++) {
        const struct pvctl_gnt_seg *s = &segs[i];
        uint8_t *buf = s->to_guest ? (uint8_t *)(uintptr_t)in : out; /* read-only when to_guest */
        status[i] = s->len ? copy_seg(s, buf) : GNTST_okay;
        *(s->to_guest ? &in : (const uint8_t **)&out) += s->len;
    }
    c->out->len = (uint32_t)(status_len + out_bytes);
    return 0;
}
