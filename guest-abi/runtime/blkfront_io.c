/* blkfront_io.c: blkfront's data path: the granted page pool, ring requests (direct,
 * indirect, flush, discard), reissue after a reconnection, responses and completion. */
#include "blkfront_priv.h"

#define SECT_PER_PAGE (PV_PAGE_SIZE / BLKFRONT_SECTOR)
#define NO_REF        (-1)
#define OWNER_LEAKED  0xff
#define ID_SLOT_BITS  8

_Static_assert(NR_SHADOW <= (1 << ID_SLOT_BITS), "slot fits the id");

/* Any view of a ring request slot. */
union req {
    blkif_request_t rw;
    blkif_request_indirect_t ind;
    blkif_request_discard_t dis;
};
_Static_assert(sizeof(union req) == sizeof(blkif_request_t), "request slot size");

/* A data page of the pool: granted to the backend while ref != NO_REF. */
struct pool_page {
    int32_t ref;
    uint8_t owner; /* 0: arena, 1..BLKFRONT_MAX_DEVICES: device, OWNER_LEAKED */
    bool ro;       /* granted read-only (never kept across requests) */
};

static uint8_t pool_mem[POOL_PAGES][PV_PAGE_SIZE] __attribute__((aligned(PV_PAGE_SIZE)));
static struct pool_page pool[POOL_PAGES];
static uint16_t arena[POOL_PAGES];
static unsigned int arena_n;
static bool arena_ready;

/* ---- the data page pool -------------------------------------------------------------------- */

void bf_pool_setup(void)
{
    if (arena_ready)
        return;
    for (unsigned int i = POOL_PAGES; i-- > 0;) {
        pool[i].ref = NO_REF;
        arena[arena_n++] = (uint16_t)i;
    }
    arena_ready = true;
}

static void *page_va(uint16_t p)
{
    return pool_mem[p];
}

static unsigned int pages_avail(const struct blkfront_dev *d)
{
    return d->nfree + arena_n;
}

/* Caller checked pages_avail(). */
static uint16_t page_take(struct blkfront_dev *d)
{
    if (d->nfree)
        return d->free_pg[--d->nfree];
    uint16_t p = arena[--arena_n];
    pool[p].owner = d->owner;
    return p;
}

/* The page's grant for this request: the persistent one, or a new one. */
static int page_ref(struct blkfront_dev *d, uint16_t p, bool ro)
{
    struct pool_page *pg = &pool[p];

    if (pg->ref != NO_REF)
        return pg->ref;
    ro = ro && !d->info.persistent;
    int ref = gnttab_grant_access(d->info.backend_id, pv_virt_to_mfn(page_va(p)), ro);
    if (ref < 0)
        return ref;
    pg->ref = ref;
    pg->ro = ro;
    return ref;
}

static bool page_busy(uint16_t p)
{
    return pool[p].ref != NO_REF && gnttab_in_use((grant_ref_t)pool[p].ref);
}

static void page_leak(struct blkfront_dev *d, uint16_t p)
{
    pool[p].owner = OWNER_LEAKED;
    d->st.leaked_pages++;
}

/* Ends the page's grant; false (page leaked) if the backend still maps it. */
static bool page_unref(struct blkfront_dev *d, uint16_t p)
{
    struct pool_page *pg = &pool[p];

    if (pg->ref != NO_REF && gnttab_end_access((grant_ref_t)pg->ref) == -EBUSY) {
        page_leak(d, p);
        return false;
    }
    pg->ref = NO_REF;
    return true;
}

/* After its request: persistent grants stay, per-request ones end. */
static void page_put(struct blkfront_dev *d, uint16_t p)
{
    if ((!d->info.persistent || pool[p].ro) && !page_unref(d, p))
        return;
    d->free_pg[d->nfree++] = p;
}

void bf_pool_release(struct blkfront_dev *d)
{
    while (d->nfree) {
        uint16_t p = d->free_pg[--d->nfree];
        if (!page_unref(d, p))
            continue;
        pool[p].owner = 0;
        arena[arena_n++] = p;
    }
}

/* ---- ios ------------------------------------------------------------------------------------ */

static bool is_rw(enum blkfront_op op)
{
    return op == BLKFRONT_READ || op == BLKFRONT_WRITE;
}

static uint64_t io_total(const struct blkfront_io *io)
{
    return is_rw(io->op) ? io->nsectors : 1;
}

static void list_add(struct io_list *l, struct blkfront_io *io)
{
    io->next = NULL;
    if (l->tail)
        l->tail->next = io;
    else
        l->head = io;
    l->tail = io;
}

/* Unlinks io if it is on l. */
static void list_del(struct io_list *l, struct blkfront_io *io)
{
    struct blkfront_io **pp = &l->head, *prev = NULL;

    while (*pp && *pp != io) {
        prev = *pp;
        pp = &(*pp)->next;
    }
    if (!*pp)
        return;
    *pp = io->next;
    if (l->tail == io)
        l->tail = prev;
    io->next = NULL;
}

void bf_io_queue(struct blkfront_dev *d, struct blkfront_io *io)
{
    io->where = IO_QUEUED;
    list_add(&d->queued, io);
    d->nios++;
}

/* Off the queue: everything of io is issued (or it failed). */
static void io_dequeue(struct blkfront_dev *d, struct blkfront_io *io)
{
    list_del(&d->queued, io);
    io->where = IO_RUNNING;
}

struct blkfront_io *bf_io_release(struct blkfront_dev *d, struct blkfront_io *io)
{
    if (io->where == IO_QUEUED)
        list_del(&d->queued, io);
    if (io->where == IO_DONE)
        list_del(&d->done, io);
    for (unsigned int i = 0; i < NR_SHADOW; i++)
        if (d->sh[i].io == io)
            d->sh[i].io = NULL;
    io->where = IO_IDLE;
    d->nios--;
    return io;
}

static void finish_if_done(struct blkfront_dev *d, struct blkfront_io *io)
{
    if (io->where != IO_RUNNING || io->inflight)
        return;
    io->where = IO_DONE;
    io->done = true;
    list_add(&d->done, io);
}

static void io_fail(struct blkfront_dev *d, struct blkfront_io *io, int rc, int status)
{
    if (!io->rc) {
        io->rc = rc;
        io->status = status;
    }
    if (io->where == IO_QUEUED)
        io_dequeue(d, io);
    finish_if_done(d, io);
}

/* ---- requests ------------------------------------------------------------------------------ */

/* Data and indirect pages of s. */
static unsigned int sh_pages(const struct shadow *s)
{
    return (unsigned int)s->npages + s->nind;
}

static void copy_pages(struct shadow *s, uint8_t *buf, bool to_pages)
{
    uint64_t left = s->count * BLKFRONT_SECTOR;

    for (unsigned int k = 0; left; k++) {
        size_t n = (size_t)PV_MIN(left, (uint64_t)PV_PAGE_SIZE);
        if (to_pages)
            memcpy(page_va(s->page[k]), buf, n);
        else
            memcpy(buf, page_va(s->page[k]), n);
        buf += n;
        left -= n;
    }
}

static void complete_shadow(struct blkfront_dev *d, struct shadow *s, int rc, int status)
{
    struct blkfront_io *io = s->io;

    if (io && rc == 0 && s->op == BLKIF_OP_READ)
        copy_pages(s, (uint8_t *)io->buf + s->buf_off, false);
    for (unsigned int k = 0; k < sh_pages(s); k++)
        page_put(d, s->page[k]);
    s->where = SH_FREE;
    s->io = NULL;
    s->npages = s->nind = 0;
    d->nbusy--;
    d->progress_ns = pv_now_ns();
    if (!io)
        return;
    io->inflight--;
    if (rc)
        io_fail(d, io, rc, status);
    else
        finish_if_done(d, io);
}

/* Segments of a read/write into the request (direct, or through the indirect page). */
static int fill_rw(struct blkfront_dev *d, const struct shadow *s, union req *r)
{
    struct blkif_request_segment *seg = r->rw.seg;
    bool ro = s->op == BLKIF_OP_WRITE; /* the backend only reads the pages */

    if (s->nind) {
        int iref = page_ref(d, s->page[s->npages], true);
        if (iref < 0)
            return iref;
        r->ind.operation = BLKIF_OP_INDIRECT;
        r->ind.indirect_op = s->op;
        r->ind.nr_segments = s->npages;
        r->ind.indirect_grefs[0] = (grant_ref_t)iref;
        seg = page_va(s->page[s->npages]);
    } else {
        r->rw.operation = s->op;
        r->rw.nr_segments = (uint8_t)s->npages;
    }
    for (unsigned int k = 0; k < s->npages; k++) {
        int ref = page_ref(d, s->page[k], ro);
        if (ref < 0)
            return ref;
        uint64_t n = PV_MIN(s->count - (uint64_t)k * SECT_PER_PAGE, (uint64_t)SECT_PER_PAGE);
        seg[k] = (struct blkif_request_segment){
            .gref = (grant_ref_t)ref, .first_sect = 0, .last_sect = (uint8_t)(n - 1)};
    }
    return 0;
}

/* Writes s into the next ring slot under a new id; 0 or -errno (s not issued). */
static int ring_put(struct blkfront_dev *d, struct shadow *s)
{
    union req r;
    int rc = 0;

    memset(&r, 0, sizeof(r));
    d->gen++;
    s->id = (uint64_t)d->gen << ID_SLOT_BITS | (uint64_t)(s - d->sh);
    if (s->op == BLKIF_OP_DISCARD) {
        r.dis.operation = BLKIF_OP_DISCARD;
        r.dis.nr_sectors = s->count;
    } else if (s->op == BLKIF_OP_FLUSH_DISKCACHE) {
        r.rw.operation = BLKIF_OP_FLUSH_DISKCACHE;
    } else {
        rc = fill_rw(d, s, &r);
    }
    if (rc < 0)
        return rc;
    /* id, sector_number and handle: same offsets in the read/write and discard views */
    if (s->nind) {
        r.ind.id = s->id;
        r.ind.sector_number = s->sector;
        r.ind.handle = (blkif_vdev_t)d->info.devid;
    } else {
        r.rw.id = s->id;
        r.rw.sector_number = s->sector;
        r.rw.handle = (blkif_vdev_t)d->info.devid;
    }
    *RING_GET_REQUEST(&d->ring, d->ring.req_prod_pvt) = r.rw;
    d->ring.req_prod_pvt++;
    s->where = SH_RING;
    d->st.requests++;
    return 0;
}

static struct shadow *shadow_get(struct blkfront_dev *d)
{
    for (unsigned int i = 0; i < NR_SHADOW; i++)
        if (d->sh[i].where == SH_FREE)
            return &d->sh[i];
    return NULL;
}

static uint8_t blkif_op(enum blkfront_op op)
{
    static const uint8_t ops[] = {
        [BLKFRONT_READ] = BLKIF_OP_READ,
        [BLKFRONT_WRITE] = BLKIF_OP_WRITE,
        [BLKFRONT_FLUSH] = BLKIF_OP_FLUSH_DISKCACHE,
        [BLKFRONT_DISCARD] = BLKIF_OP_DISCARD,
    };
    return ops[op];
}

/* Data pages for the next request of io (0: none free now); sets npages/nind/count. */
static unsigned int plan_rw(struct blkfront_dev *d, struct blkfront_io *io, struct shadow *s)
{
    uint64_t left = io->nsectors - io->issued;
    unsigned int want = (unsigned int)PV_MIN((left + SECT_PER_PAGE - 1) / SECT_PER_PAGE,
                                             (uint64_t)d->info.max_segments);
    unsigned int avail = pages_avail(d);

    if (want + (want > DIRECT_SEGS) > avail)
        want = avail > DIRECT_SEGS ? avail - 1 : avail;
    s->npages = (uint16_t)want;
    s->nind = want > DIRECT_SEGS;
    s->count = PV_MIN(left, (uint64_t)want * SECT_PER_PAGE);
    return want;
}

/* Issues the next request of io: 1 done, 0 no room now, < 0 io failed. */
static int issue_next(struct blkfront_dev *d, struct blkfront_io *io)
{
    struct shadow *s = shadow_get(d);

    s->op = blkif_op(io->op);
    s->npages = s->nind = 0;
    s->count = io->op == BLKFRONT_DISCARD ? io->nsectors : 0;
    s->sector = io->op == BLKFRONT_FLUSH ? 0 : io->sector + io->issued;
    s->buf_off = io->issued * BLKFRONT_SECTOR;
    if (is_rw(io->op)) {
        if (!plan_rw(d, io, s))
            return 0;
        for (unsigned int k = 0; k < sh_pages(s); k++)
            s->page[k] = page_take(d);
        if (io->op == BLKFRONT_WRITE)
            copy_pages(s, (uint8_t *)io->buf + s->buf_off, true);
    }
    io->issued += is_rw(io->op) ? s->count : 1;
    s->io = io;
    s->where = SH_RING;
    d->nbusy++;
    io->inflight++;
    if (io->issued == io_total(io))
        io_dequeue(d, io);
    int rc = ring_put(d, s);
    if (rc < 0)
        complete_shadow(d, s, rc, 0);
    return rc < 0 ? rc : 1;
}

/* A request from before a reconnection, on the new ring (if the new backend can take it). */
static void reissue(struct blkfront_dev *d, struct shadow *s)
{
    int rc = 0;

    if (s->nind && s->npages > d->info.indirect_segments)
        rc = -EIO; /* the new backend takes fewer segments: cannot be sent as it was */
    else if ((s->op == BLKIF_OP_FLUSH_DISKCACHE && !d->info.flush) ||
             (s->op == BLKIF_OP_DISCARD && !d->info.discard))
        rc = -EOPNOTSUPP;
    if (rc == 0)
        rc = ring_put(d, s);
    if (rc < 0)
        complete_shadow(d, s, rc, 0);
    else
        d->st.reissued++;
}

static struct shadow *next_reissue(struct blkfront_dev *d)
{
    struct shadow *best = NULL;

    for (unsigned int i = 0; i < NR_SHADOW; i++) /* oldest first */
        if (d->sh[i].where == SH_REISSUE && (!best || d->sh[i].id < best->id))
            best = &d->sh[i];
    return best;
}

void bf_pool_scrub(struct blkfront_dev *d)
{
    unsigned int keep = 0;

    for (unsigned int i = 0; i < d->nfree; i++) {
        if (page_busy(d->free_pg[i]))
            page_leak(d, d->free_pg[i]);
        else
            d->free_pg[keep++] = d->free_pg[i];
    }
    d->nfree = keep;
    for (unsigned int i = 0; i < NR_SHADOW; i++) {
        struct shadow *s = &d->sh[i];
        for (unsigned int k = 0; s->where == SH_REISSUE && k < sh_pages(s); k++) {
            if (!page_busy(s->page[k]))
                continue;
            if (!pages_avail(d)) {
                complete_shadow(d, s, -EIO, 0);
                break;
            }
            uint16_t q = page_take(d);
            memcpy(page_va(q), page_va(s->page[k]), PV_PAGE_SIZE);
            page_leak(d, s->page[k]);
            s->page[k] = q;
        }
    }
}

static void push(struct blkfront_dev *d)
{
    bool notify;

    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&d->ring, notify);
    if (notify) {
        (void)evtchn_send(d->port);
        d->st.notifies++;
    }
}

/* FLUSH waits for an empty ring. */
void bf_kick(struct blkfront_dev *d)
{
    RING_IDX start = d->ring.req_prod_pvt;

    while (d->phase == PH_CONNECTED && !RING_FULL(&d->ring)) {
        struct shadow *s = next_reissue(d);
        struct blkfront_io *io = d->queued.head;
        if (s) {
            reissue(d, s);
            continue;
        }
        if (!io || d->nbusy == NR_SHADOW || (io->op == BLKFRONT_FLUSH && d->nbusy))
            break;
        int rc = issue_next(d, io);
        if (rc == 0 && d->nbusy == 0)
            io_fail(d, io, -ENOMEM, 0); /* no page will ever come back */
        else if (rc == 0)
            break;
    }
    if (d->phase == PH_CONNECTED && d->ring.req_prod_pvt != start)
        push(d);
}

/* ---- responses ----------------------------------------------------------------------------- */

static void handle_response(struct blkfront_dev *d, const blkif_response_t *r)
{
    uint64_t slot = r->id & ((1u << ID_SLOT_BITS) - 1);
    struct shadow *s = slot < NR_SHADOW ? &d->sh[slot] : NULL;

    if (!s || s->where != SH_RING || s->id != r->id ||
        (r->operation != s->op && !(s->nind && r->operation == BLKIF_OP_INDIRECT))) {
        d->st.bad_responses++; /* unknown, stale, duplicate or garbled */
        return;
    }
    d->st.responses++;
    int rc = r->status == BLKIF_RSP_OKAY         ? 0
             : r->status == BLKIF_RSP_EOPNOTSUPP ? -EOPNOTSUPP
                                                 : -EIO;
    complete_shadow(d, s, rc, r->status);
}

bool bf_consume(struct blkfront_dev *d)
{
    int more;

    do {
        RING_IDX rp = READ_ONCE(d->ring.sring->rsp_prod);
        xen_rmb();
        if (rp - d->ring.rsp_cons > d->ring.req_prod_pvt - d->ring.rsp_cons) {
            printk("blkfront: %s: response index %u beyond requests (%u): reconnecting\n",
                   d->info.name, rp, d->ring.req_prod_pvt);
            d->st.bad_responses++;
            return false;
        }
        while (d->ring.rsp_cons != rp) {
            blkif_response_t r;
            RING_COPY_RESPONSE(&d->ring, d->ring.rsp_cons, &r);
            d->ring.rsp_cons++;
            handle_response(d, &r);
        }
        RING_FINAL_CHECK_FOR_RESPONSES(&d->ring, more);
    } while (more);
    return true;
}

/* Pages the backend still maps are leaked. */
void bf_fail_all(struct blkfront_dev *d, int rc)
{
    for (unsigned int i = 0; i < NR_SHADOW; i++)
        if (d->sh[i].where != SH_FREE)
            complete_shadow(d, &d->sh[i], rc, 0);
    while (d->queued.head)
        io_fail(d, d->queued.head, rc, 0);
}
