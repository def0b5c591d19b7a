/* vbd.c: one connected blkif ring: the worker thread that takes requests, runs their I/O and
 * answers. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <pvisor/evtchn.h>
#include <pvisor/gnttab.h>

#include "blkback.h"

#define SRING_HDR 64u /* req_prod, req_event, rsp_prod, rsp_event, padding */

struct sring {
    uint32_t req_prod, req_event, rsp_prod, rsp_event;
};

struct slot {
    struct blk_req req;
    unsigned pending; /* bios outstanding */
    int16_t status;
    uint64_t expect; /* bytes the data bio must move */
    void *bounce;    /* grant-copy path: the data, else NULL */
    struct iovec iov[BLK_MAX_SEGS];
};

struct conn {
    struct vbd *v;
    struct conn_params p;
    struct blk_limits lim;
    struct pvgnttab *g;
    struct pvevtchn *evt;
    uint32_t port;
    uint8_t *ring;
    size_t slot_size;
    unsigned nr_ents;
    uint32_t req_cons, rsp_prod_pvt;
    struct slot *slots;
    unsigned *free_slots, nfree;
    struct pgrant_cache *pgc;
    struct bio_engine *io;
    int stop_fd;
    bool stopping, dead, notify;
    pthread_t thr;
    struct blkif_request_segment segs[BLK_MAX_SEGS]; /* indirect pages, copied out */
};

/* Bio tags: slot index * 2, + 1 for the fsync that follows a FLUSH_DISKCACHE's data. */
#define TAG(c, s, fsync) ((uint64_t)((s) - (c)->slots) * 2 + (fsync))

static struct sring *hdr(struct conn *c)
{
    return (struct sring *)c->ring;
}

static uint8_t *ring_slot(struct conn *c, uint32_t idx)
{
    return c->ring + SRING_HDR + (size_t)(idx & (c->nr_ents - 1)) * c->slot_size;
}

/* ---- responses ------------------------------------------------------------------------------ */

static void respond(struct conn *c, uint64_t id, uint8_t op, int16_t status)
{
    blk_rsp_encode(c->p.proto, ring_slot(c, c->rsp_prod_pvt), id, op, status);
    c->rsp_prod_pvt++;
}

/* Publishes the responses and notifies the frontend if it asked (rsp_event). */
static void push_responses(struct conn *c)
{
    struct sring *s = hdr(c);
    uint32_t old = __atomic_load_n(&s->rsp_prod, __ATOMIC_RELAXED), new = c->rsp_prod_pvt;

    if (old == new)
        return;
    __atomic_store_n(&s->rsp_prod, new, __ATOMIC_RELEASE);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if ((uint32_t)(new - __atomic_load_n(&s->rsp_event, __ATOMIC_RELAXED)) <
        (uint32_t)(new - old)) {
        pvevtchn_notify(c->evt, c->port);
        atomic_fetch_add(&c->v->st.notifies, 1);
    }
}

static void slot_free(struct conn *c, struct slot *s)
{
    free(s->bounce);
    s->bounce = NULL;
    c->free_slots[c->nfree++] = (unsigned)(s - c->slots);
}

static void finish(struct conn *c, struct slot *s)
{
    respond(c, s->req.id, s->req.op, s->status);
    if (s->status != BLKIF_RSP_OKAY)
        atomic_fetch_add(&c->v->st.errors, 1);
    slot_free(c, s);
}

/* ---- grant copy path ------------------------------------------------------------------------ */

/* Copies the request's segments between the guest and buf (to_guest: buf -> guest). */
static int copy_segs(struct conn *c, const struct blk_req *r, uint8_t *buf, bool to_guest)
{
    struct pvgnttab_copy_seg cs[64];
    unsigned n = 0, bytes = 0;
    int rc;

    for (unsigned i = 0; i <= r->nseg; i++) {
        unsigned len =
            i < r->nseg ? (r->seg[i].last_sect - r->seg[i].first_sect + 1u) * BLK_SECTOR : 0;

        if (n && (i == r->nseg || n == 64 || bytes + len > PVGNTTAB_COPY_MAX)) {
            if ((rc = pvgnttab_copy(c->g, n, cs)) < 0)
                return rc;
            for (unsigned j = 0; j < n; j++)
                if (cs[j].status != GNTST_okay) {
                    be_dlog(&c->v->d, "grant copy of ref %u: %s", cs[j].ref,
                            pvgnttab_strstatus(cs[j].status));
                    return -EIO;
                }
            n = bytes = 0;
        }
        if (i == r->nseg)
            break;
        cs[n++] =
            (struct pvgnttab_copy_seg){.domid = c->p.domid,
                                       .ref = r->seg[i].gref,
                                       .offset = (uint16_t)(r->seg[i].first_sect * BLK_SECTOR),
                                       .len = (uint16_t)len,
                                       .to_guest = to_guest,
                                       .buf = buf};
        buf += len;
        bytes += len;
    }
    atomic_fetch_add(&c->v->st.grant_copies, 1);
    return 0;
}

/* ---- preparing a request ----------------------------------------------------------------------
 */

/* Bytes of indirect page i that hold segments, for a request of nseg segments. */
static size_t indir_part(unsigned nseg, unsigned i)
{
    size_t left = nseg * sizeof(struct blkif_request_segment) - (size_t)i * BLK_PAGE;

    return left < BLK_PAGE ? left : BLK_PAGE;
}

/* Grant copy of the indirect pages into c->segs (no persistent mapping available). */
static int copy_indirect(struct conn *c, const struct blk_req *r)
{
    struct pvgnttab_copy_seg cs[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
    int rc;

    for (unsigned i = 0; i < r->nindir; i++)
        cs[i] = (struct pvgnttab_copy_seg){.domid = c->p.domid,
                                           .ref = r->indir[i],
                                           .len = (uint16_t)indir_part(r->nseg, i),
                                           .buf = (uint8_t *)c->segs + i * BLK_PAGE};
    rc = pvgnttab_copy(c->g, r->nindir, cs);
    for (unsigned i = 0; rc == 0 && i < r->nindir; i++)
        if (cs[i].status != GNTST_okay)
            rc = -EIO;
    return rc;
}

/* Copies the segments of an INDIRECT request out of its pages (once) and checks them. */
static int read_indirect(struct conn *c, struct blk_req *r, const char **why)
{
    void *pages[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
    uint32_t bad;
    int gntst = 0, rc = -ENOSPC;

    if (c->pgc)
        rc = pgc_get(c->pgc, r->nindir, r->indir, false, pages, &bad, &gntst);
    if (rc == 0)
        for (unsigned i = 0; i < r->nindir; i++)
            memcpy((uint8_t *)c->segs + i * BLK_PAGE, pages[i], indir_part(r->nseg, i));
    else if (rc == -ENOSPC || rc == -EACCES)
        rc = copy_indirect(c, r);
    if (rc < 0) {
        *why = "indirect page not granted to domain 0";
        return BLKIF_RSP_ERROR;
    }
    return blk_req_indirect(r, c->segs, &c->lim, why);
}

static bool dio_ok(const struct conn *c, const struct slot *s, unsigned n, uint64_t off)
{
    uint64_t a = c->v->img.dio_align;

    if (c->v->img.fd_direct < 0 || off % a)
        return false;
    for (unsigned i = 0; i < n; i++)
        if ((uintptr_t)s->iov[i].iov_base % a || s->iov[i].iov_len % a)
            return false;
    return true;
}

/* Points the slot's iovecs at persistently mapped pages, or sets up a bounce buffer. */
static int map_data(struct conn *c, struct slot *s, const char **why)
{
    struct blk_req *r = &s->req;
    void *pages[BLK_MAX_SEGS];
    uint32_t refs[BLK_MAX_SEGS], bad = 0;
    int gntst = 0, rc = -ENOSPC;

    for (unsigned i = 0; i < r->nseg; i++)
        refs[i] = r->seg[i].gref;
    if (c->pgc)
        rc = pgc_get(c->pgc, r->nseg, refs, r->io_op == BLKIF_OP_READ, pages, &bad, &gntst);
    if (rc == 0) {
        for (unsigned i = 0; i < r->nseg; i++)
            s->iov[i] =
                (struct iovec){(uint8_t *)pages[i] + r->seg[i].first_sect * BLK_SECTOR,
                               (r->seg[i].last_sect - r->seg[i].first_sect + 1u) * BLK_SECTOR};
        return (int)r->nseg;
    }
    if (rc != -ENOSPC && rc != -EACCES) {
        be_dlog(&c->v->d, "cannot map grant ref %u: %s", bad,
                rc == -EIO ? pvgnttab_strstatus(gntst) : strerror(-rc));
        *why = "data page not granted to domain 0";
        return BLKIF_RSP_ERROR;
    }
    if (posix_memalign(&s->bounce, BLK_PAGE, r->nsect * BLK_SECTOR) != 0) {
        s->bounce = NULL;
        *why = "out of memory for a bounce buffer";
        return BLKIF_RSP_ERROR;
    }
    if (r->io_op == BLKIF_OP_WRITE && copy_segs(c, r, s->bounce, false) < 0) {
        *why = "data page not granted to domain 0";
        return BLKIF_RSP_ERROR;
    }
    s->iov[0] = (struct iovec){s->bounce, r->nsect * BLK_SECTOR};
    return 1;
}

static int queue_data(struct conn *c, struct slot *s, const char **why)
{
    struct blk_req *r = &s->req;
    uint64_t off = r->sector * BLK_SECTOR;
    int niov = map_data(c, s, why);
    struct bio b;

    if (niov < 0)
        return niov;
    s->expect = r->nsect * BLK_SECTOR;
    b = (struct bio){.kind = r->io_op == BLKIF_OP_READ ? BIO_READ : BIO_WRITE,
                     .fd = dio_ok(c, s, (unsigned)niov, off) ? c->v->img.fd_direct : c->v->img.fd,
                     .link_next = r->flush,
                     .off = off,
                     .iov = s->iov,
                     .niov = (unsigned)niov,
                     .tag = TAG(c, s, 0)};
    s->pending = r->flush ? 2 : 1;
    if (bio_queue(c->io, &b) < 0)
        return BLKIF_RSP_ERROR;
    if (r->flush) {
        b = (struct bio){.kind = BIO_FSYNC, .fd = c->v->img.fd, .tag = TAG(c, s, 1)};
        bio_queue(c->io, &b);
    }
    if (r->io_op == BLKIF_OP_READ)
        atomic_fetch_add(&c->v->st.bytes_read, s->expect);
    else
        atomic_fetch_add(&c->v->st.bytes_written, s->expect);
    return 0;
}

static int queue_io(struct conn *c, struct slot *s, const char **why)
{
    struct blk_req *r = &s->req;
    struct bio b = {.fd = c->v->img.fd, .tag = TAG(c, s, 0)};

    s->status = BLKIF_RSP_OKAY;
    s->pending = 1;
    s->expect = 0;
    switch (r->io_op) {
    case BLKIF_OP_FLUSH_DISKCACHE:
        b.kind = BIO_FSYNC;
        b.drain = true; /* everything answered before is then on stable storage */
        break;
    case BLKIF_OP_DISCARD:
        b.kind = BIO_DISCARD;
        b.off = r->sector * BLK_SECTOR;
        b.len = r->nsect * BLK_SECTOR;
        break;
    default:
        return queue_data(c, s, why);
    }
    return bio_queue(c->io, &b) < 0 ? BLKIF_RSP_ERROR : 0;
}

/* Takes one request off the ring (copied once), validates it and starts its I/O. */
static void take_request(struct conn *c)
{
    uint8_t copy[sizeof(union blkif_x86_64_sring_entry)];
    struct slot *s = &c->slots[c->free_slots[--c->nfree]];
    const char *why = NULL;
    int rc;

    memcpy(copy, ring_slot(c, c->req_cons), c->slot_size);
    __atomic_signal_fence(__ATOMIC_SEQ_CST); /* the copy is all we look at from here */
    c->req_cons++;
    rc = blk_req_decode(c->p.proto, copy, &c->lim, &s->req, &why);
    if (s->req.op < sizeof(c->v->st.reqs) / sizeof(c->v->st.reqs[0]))
        atomic_fetch_add(&c->v->st.reqs[s->req.op], 1);
    if (rc == 0 && s->req.nindir)
        rc = read_indirect(c, &s->req, &why);
    if (rc == 0)
        rc = queue_io(c, s, &why);
    if (rc < 0) {
        atomic_fetch_add(&c->v->st.bad_requests, 1);
        be_dlog(&c->v->d, "request id %llu op %u sector %llu refused: %s",
                (unsigned long long)s->req.id, s->req.op, (unsigned long long)s->req.sector,
                why ? why : "cannot start its I/O");
        s->status = (int16_t)rc;
        finish(c, s);
    }
}

/* ---- the loop -----------------------------------------------------------------------------------
 */

static void io_done(void *arg, uint64_t tag, int64_t res)
{
    struct conn *c = arg;
    struct slot *s = &c->slots[tag / 2];
    bool data = !(tag & 1) && s->expect;

    if (res < 0 || (data && res != (int64_t)s->expect)) {
        if (s->status == BLKIF_RSP_OKAY)
            be_dlog(&c->v->d, "I/O error at sector %llu (op %u): %s",
                    (unsigned long long)s->req.sector, s->req.io_op,
                    res < 0 ? strerror((int)-res) : "short transfer");
        s->status = BLKIF_RSP_ERROR;
    }
    if (--s->pending)
        return;
    if (s->status == BLKIF_RSP_OKAY && s->bounce && s->req.io_op == BLKIF_OP_READ &&
        copy_segs(c, &s->req, s->bounce, true) < 0)
        s->status = BLKIF_RSP_ERROR;
    finish(c, s);
}

/* Consumes what the frontend produced, as far as free slots allow. false: ring broken. */
static bool take_requests(struct conn *c)
{
    uint32_t prod = __atomic_load_n(&hdr(c)->req_prod, __ATOMIC_ACQUIRE);

    if ((uint32_t)(prod - c->rsp_prod_pvt) > c->nr_ents) {
        be_dev_failed(&c->v->d,
                      "ring overrun: req_prod %u is more than %u past rsp_prod %u; "
                      "disconnecting this frontend",
                      prod, c->nr_ents, c->rsp_prod_pvt);
        c->dead = true;
        return false;
    }
    while (c->req_cons != prod && c->nfree)
        take_request(c);
    return true;
}

/* Nothing left to take: ask for an event on the next request, and look once more. */
static bool idle_check(struct conn *c)
{
    struct sring *s = hdr(c);

    if (__atomic_load_n(&s->req_prod, __ATOMIC_ACQUIRE) != c->req_cons)
        return c->nfree > 0;
    __atomic_store_n(&s->req_event, c->req_cons + 1, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return __atomic_load_n(&s->req_prod, __ATOMIC_ACQUIRE) != c->req_cons && c->nfree > 0;
}

static void wait_events(struct conn *c)
{
    struct pollfd pf[3] = {{.fd = pvevtchn_fd(c->evt), .events = POLLIN},
                           {.fd = c->stop_fd, .events = POLLIN},
                           {.fd = bio_fd(c->io), .events = POLLIN}};
    uint64_t junk;

    if (poll(pf, pf[2].fd >= 0 ? 3 : 2, 1000) <= 0)
        return;
    if (pf[1].revents && read(c->stop_fd, &junk, sizeof(junk)) == sizeof(junk))
        c->stopping = true;
    if (pf[0].revents) {
        int port;

        while ((port = pvevtchn_pending(c->evt)) >= 0)
            pvevtchn_unmask(c->evt, (uint32_t)port);
    }
}

static void *worker(void *arg)
{
    struct conn *c = arg;

    for (;;) {
        bio_reap(c->io, io_done, c);
        if (!c->stopping && !c->dead)
            take_requests(c);
        bio_kick(c->io);
        bio_reap(c->io, io_done, c);
        push_responses(c);
        if ((c->stopping || c->dead) && c->nfree == c->nr_ents)
            break;
        if (!c->stopping && !c->dead && idle_check(c))
            continue;
        wait_events(c);
    }
    return NULL;
}

/* ---- connecting
 * ----------------------------------------------------------------------------------- */

static void conn_free(struct conn *c)
{
    bio_close(c->io);
    pgc_close(c->pgc);
    if (c->ring)
        pvgnttab_unmap(c->g, c->ring, 1u << c->p.ring_order);
    pvevtchn_close(c->evt);
    pvgnttab_close(c->g);
    if (c->stop_fd >= 0)
        close(c->stop_fd);
    free(c->slots);
    free(c->free_slots);
    free(c);
}

static int map_ring(struct conn *c, char *msg, size_t len)
{
    unsigned n = 1u << c->p.ring_order;
    int16_t st[1u << BLK_MAX_RING_ORDER];
    int err = 0;
    size_t entries;

    c->ring =
        pvgnttab_map_refs(c->g, n, c->p.domid, c->p.ring_refs, PROT_READ | PROT_WRITE, st, &err);
    if (!c->ring) {
        for (unsigned i = 0; i < n && err == -EIO; i++)
            if (st[i])
                return snprintf(msg, len, "ring page %u (ref %u): %s", i, c->p.ring_refs[i],
                                pvgnttab_strstatus(st[i])),
                       err;
        snprintf(msg, len, "cannot map the ring: %s", strerror(-err));
        return err;
    }
    c->slot_size = blk_slot_size(c->p.proto);
    entries = (n * BLK_PAGE - SRING_HDR) / c->slot_size;
    c->nr_ents = 1;
    while (c->nr_ents * 2 <= entries)
        c->nr_ents *= 2;
    /* Attach at the indices the frontend left: a new ring starts at 0. */
    c->req_cons = c->rsp_prod_pvt = __atomic_load_n(&hdr(c)->rsp_prod, __ATOMIC_ACQUIRE);
    return 0;
}

static int alloc_slots(struct conn *c)
{
    c->slots = calloc(c->nr_ents, sizeof(*c->slots));
    c->free_slots = calloc(c->nr_ents, sizeof(*c->free_slots));
    if (!c->slots || !c->free_slots)
        return -ENOMEM;
    for (unsigned i = 0; i < c->nr_ents; i++)
        c->free_slots[c->nfree++] = c->nr_ents - 1 - i;
    return 0;
}

static int setup(struct conn *c, char *msg, size_t len)
{
    const struct blk_image *img = &c->v->img;
    int rc;

    c->lim = (struct blk_limits){.sectors = img->sectors,
                                 .readonly = img->readonly,
                                 .discard = img->discard,
                                 .max_indirect = (uint16_t)B.o.max_indirect};
    if ((rc = pvgnttab_open(B.core.rundir, &c->g)) < 0 ||
        (rc = pvevtchn_open(B.core.rundir, &c->evt)) < 0)
        return snprintf(msg, len, "cannot reach pvisord: %s", strerror(-rc)), rc;
    if ((rc = map_ring(c, msg, len)) < 0)
        return rc;
    if ((rc = pvevtchn_bind_interdomain(c->evt, c->p.domid, c->p.evtchn, &c->port)) < 0)
        return snprintf(msg, len, "cannot bind event channel %u: %s", c->p.evtchn, strerror(-rc)),
               rc;
    if ((rc = alloc_slots(c)) < 0 ||
        (c->p.persistent &&
         (rc = pgc_open(c->g, c->p.domid, B.o.max_pgrants, &c->v->st.pgrants, &c->pgc)) < 0) ||
        (rc = bio_open(c->nr_ents * 2, !B.o.no_uring, &c->io)) < 0)
        return snprintf(msg, len, "out of memory: %s", strerror(-rc)), rc;
    c->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (c->stop_fd < 0)
        return snprintf(msg, len, "eventfd: %s", strerror(errno)), -errno;
    return 0;
}

int conn_start(struct vbd *v, const struct conn_params *p, struct conn **out, char *msg, size_t len)
{
    struct conn *c = calloc(1, sizeof(*c));
    int rc;

    if (!c)
        return snprintf(msg, len, "out of memory"), -ENOMEM;
    c->v = v;
    c->p = *p;
    c->stop_fd = -1;
    if ((rc = setup(c, msg, len)) < 0 || (rc = -pthread_create(&c->thr, NULL, worker, c)) < 0) {
        if (rc < 0 && !msg[0])
            snprintf(msg, len, "cannot start a worker thread: %s", strerror(-rc));
        conn_free(c);
        return rc;
    }
    be_debug(&B.core, "vbd %u/%u: connected: %u ring page(s), %u slots, %s layout, %s, %s I/O%s",
             v->d.domid, v->d.devid, 1u << p->ring_order, c->nr_ents,
             p->proto == BLK_PROTO_32 ? "32-bit" : "64-bit",
             c->pgc ? "persistent grants" : "grant copy", bio_is_uring(c->io) ? "io_uring" : "sync",
             v->img.fd_direct >= 0 ? ", O_DIRECT" : "");
    atomic_fetch_add(&v->st.connects, 1);
    *out = c;
    return 0;
}

void conn_stop(struct conn *c)
{
    uint64_t one = 1;

    if (!c)
        return;
    if (write(c->stop_fd, &one, sizeof(one)) != sizeof(one))
        be_log(&B.core, "vbd %u/%u: cannot wake its worker: %s", c->v->d.domid, c->v->d.devid,
               strerror(errno));
    pthread_join(c->thr, NULL);
    conn_free(c);
}
