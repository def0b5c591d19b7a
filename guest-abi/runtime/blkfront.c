/* blkfront.c: Xen blkif frontend for PV guests: handshake, ring, grants, reconnection, detach. */
#include <xen/io/blkif.h>
#include <xen/io/protocols.h>
#include <xen/io/xenbus.h>
#include <pvguest/blkfront.h>
#include <pvguest/pvguest.h>

#define NR_SHADOW       64  /* ring requests in flight per device */
#define MAX_SEGS        256 /* data pages per indirect request (1 MiB; one indirect page) */
#define DIRECT_SEGS     BLKIF_MAX_SEGMENTS_PER_REQUEST
#define MAX_RING_ORDER  4
#define MAX_RING_PAGES  (1u << MAX_RING_ORDER)
#define POOL_PAGES      1024 /* granted data pages shared by all devices (4 MiB) */
#define SECT_PER_PAGE   (PV_PAGE_SIZE / BLKFRONT_SECTOR)
#define NO_REF          (-1)
#define OWNER_LEAKED    0xff
#define ID_SLOT_BITS    8
#define STATE_POLL_NS   NSEC_PER_SEC        /* re-read the backend state when stalled */
#define REPUBLISH_NS    (10 * NSEC_PER_SEC) /* backend still InitWait after we published */
#define RELEASE_WAIT_NS (2 * NSEC_PER_SEC)  /* detach: backend unmapping the ring */
#define CLOSE_WAIT_NS   (5 * NSEC_PER_SEC)
#define XS_RETRIES      8 /* transaction conflicts */

_Static_assert(NR_SHADOW <= (1 << ID_SLOT_BITS), "slot fits the id");
_Static_assert(MAX_SEGS * sizeof(struct blkif_request_segment) <= PV_PAGE_SIZE, "1 indirect page");

enum phase { PH_UNUSED, PH_WAIT_INITWAIT, PH_WAIT_CONNECTED, PH_CONNECTED, PH_CLOSED };
enum sh_where { SH_FREE, SH_RING, SH_REISSUE };
enum io_where { IO_IDLE, IO_QUEUED, IO_RUNNING, IO_DONE };

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

/* A ring request and everything needed to issue it again after a reconnection. */
struct shadow {
    struct blkfront_io *io; /* NULL: cancelled */
    uint64_t id;            /* generation << ID_SLOT_BITS | slot */
    uint64_t sector;
    uint64_t count;   /* data or discard sectors */
    uint64_t buf_off; /* bytes into io->buf */
    uint8_t op;       /* BLKIF_OP_READ, _WRITE, _FLUSH_DISKCACHE, _DISCARD */
    uint8_t where;
    uint16_t npages; /* data pages, followed by nind indirect pages in page[] */
    uint16_t nind;
    uint16_t page[MAX_SEGS + 1];
};

struct blkfront_dev {
    uint8_t phase;
    uint8_t owner; /* pool owner tag: index + 1 */
    bool state_dirty, asked_reconnect, was_connected;
    int error; /* handshake failure reported by open */
    char fe[40], be[128], token[24];
    struct blkfront_info info;
    uint64_t connect_ns, io_ns, progress_ns, state_read_ns, published_ns;
    /* ring */
    blkif_front_ring_t ring;
    uint8_t *ring_va; /* NULL: none */
    unsigned int ring_order, ring_alloc_order;
    grant_ref_t ring_ref[MAX_RING_PAGES];
    uint8_t *spare_va; /* a revoked ring set kept for reuse */
    unsigned int spare_order;
    int published_order; /* ring keys in xenstore: -1 none */
    evtchn_port_t port;
    bool port_live;
    /* requests */
    struct shadow sh[NR_SHADOW];
    unsigned int nbusy;
    uint32_t gen;
    struct blkfront_io *q_head, *q_tail, *d_head, *d_tail;
    unsigned int nios;
    /* data pages */
    uint16_t free_pg[POOL_PAGES];
    unsigned int nfree;
    struct blkfront_stats st;
};

static struct blkfront_dev devs[BLKFRONT_MAX_DEVICES];
static uint8_t pool_mem[POOL_PAGES][PV_PAGE_SIZE] __attribute__((aligned(PV_PAGE_SIZE)));
static struct pool_page pool[POOL_PAGES];
static uint16_t arena[POOL_PAGES];
static unsigned int arena_n;
static bool arena_ready;

static void lose(struct blkfront_dev *d, bool drain);

/* ---- device names ------------------------------------------------------------------------ */

/* Disk letters a..z, aa.. (bijective base 26) then an optional partition number. */
static int parse_disk(const char *s, unsigned long *disk, unsigned long *part)
{
    unsigned long v = 0;
    int n = 0;
    char *end;

    for (; s[n] >= 'a' && s[n] <= 'z'; n++) {
        if (n == 6)
            return -EINVAL;
        v = v * 26 + (unsigned long)(s[n] - 'a' + 1);
    }
    if (n == 0)
        return -EINVAL;
    *disk = v - 1;
    *part = 0;
    if (!s[n])
        return 0;
    if (s[n] < '1' || s[n] > '9')
        return -EINVAL;
    *part = strtoul(s + n, &end, 10);
    return *end || *part > 255 ? -EINVAL : 0;
}

long blkfront_devid(const char *name)
{
    unsigned long disk, part;
    char *end;

    if (!name || !*name)
        return -EINVAL;
    if (name[0] >= '0' && name[0] <= '9') {
        unsigned long v = strtoul(name, &end, 10);
        return *end || v > 0x7fffffffUL ? -EINVAL : (long)v;
    }
    if (strncmp(name, "xvd", 3) == 0 && parse_disk(name + 3, &disk, &part) == 0) {
        if (disk < 16 && part < 16)
            return (long)(202UL << 8 | disk << 4 | part);
        return disk < (1UL << 20) ? (long)(1UL << 28 | disk << 8 | part) : -EINVAL;
    }
    if (strncmp(name, "hd", 2) == 0 && parse_disk(name + 2, &disk, &part) == 0 && disk < 4 &&
        part < 64)
        return (long)((disk < 2 ? 3UL : 22UL) << 8 | (disk & 1) << 6 | part);
    if (strncmp(name, "sd", 2) == 0 && parse_disk(name + 2, &disk, &part) == 0 && disk < 16 &&
        part < 16)
        return (long)(8UL << 8 | disk << 4 | part);
    return -EINVAL;
}

/* "xvda", "xvdb3", "xvdaa" for xvd numbers, else the number. */
static void devid_name(uint32_t devid, char *buf, size_t size)
{
    unsigned long disk, part;
    char rev[8], letters[8];
    int n = 0;

    if (devid >> 8 == 202) {
        disk = (devid >> 4) & 15;
        part = devid & 15;
    } else if (devid >> 28 == 1) {
        disk = (devid >> 8) & 0xfffff;
        part = devid & 255;
    } else {
        snprintf(buf, size, "%u", devid);
        return;
    }
    for (unsigned long v = disk + 1; v && n < 7; v = (v - 1) / 26)
        rev[n++] = (char)('a' + (v - 1) % 26);
    for (int i = 0; i < n; i++)
        letters[i] = rev[n - 1 - i];
    letters[n] = '\0';
    if (part)
        snprintf(buf, size, "xvd%s%lu", letters, part);
    else
        snprintf(buf, size, "xvd%s", letters);
}

/* ---- xenstore helpers -------------------------------------------------------------------- */

static int xs_read_at(const char *dir, const char *key, char *buf, unsigned int size)
{
    char path[192];

    if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, key) >= sizeof(path))
        return -ENAMETOOLONG;
    int rc = xenbus_read(XBT_NIL, path, buf, size);
    return rc >= 0 && (unsigned int)rc >= size ? -E2BIG : rc;
}

/* A decimal value: 0, -ENOENT, -EINVAL (not a number) or another xenstore error. */
static int xs_ulong(const char *dir, const char *key, unsigned long *out)
{
    char buf[32], *end;
    int rc = xs_read_at(dir, key, buf, sizeof(buf));

    if (rc < 0)
        return rc;
    *out = strtoul(buf, &end, 10);
    return rc == 0 || *end ? -EINVAL : 0;
}

static unsigned long xs_ulong_def(const char *dir, const char *key, unsigned long def)
{
    unsigned long v;
    return xs_ulong(dir, key, &v) == 0 ? v : def;
}

static int fe_write(struct blkfront_dev *d, xenbus_transaction_t t, const char *key,
                    const char *val)
{
    char path[96];

    if ((size_t)snprintf(path, sizeof(path), "%s/%s", d->fe, key) >= sizeof(path))
        return -ENAMETOOLONG;
    return xenbus_write(t, path, val);
}

static int fe_writeu(struct blkfront_dev *d, xenbus_transaction_t t, const char *key,
                     unsigned long v)
{
    char val[24];
    snprintf(val, sizeof(val), "%lu", v);
    return fe_write(d, t, key, val);
}

static int fe_state(struct blkfront_dev *d, enum xenbus_state s)
{
    return fe_writeu(d, XBT_NIL, "state", (unsigned long)s);
}

/* Backend state (XenbusStateUnknown if the node is gone), or -errno on xenstore trouble. */
static int be_state(struct blkfront_dev *d)
{
    unsigned long v;
    int rc = xs_ulong(d->be, "state", &v);

    if (rc == -ENOENT || rc == -EINVAL)
        return XenbusStateUnknown;
    return rc < 0 ? rc : (int)PV_MIN(v, 255UL);
}

/* The toolstack's detach: online = 0. */
static bool be_offline(struct blkfront_dev *d)
{
    unsigned long v;
    return xs_ulong(d->be, "online", &v) == 0 && v == 0;
}

/* ---- the data page pool -------------------------------------------------------------------- */

static void arena_setup(void)
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

/* All of the device's free pages back to the arena (revoked). */
static void pool_release(struct blkfront_dev *d)
{
    while (d->nfree) {
        uint16_t p = d->free_pg[--d->nfree];
        if (!page_unref(d, p))
            continue;
        pool[p].owner = 0;
        arena[arena_n++] = p;
    }
}

/* ---- the shared ring ----------------------------------------------------------------------- */

static uint8_t *alloc_contig(unsigned int n)
{
    for (int tries = 0; tries < 2; tries++) {
        uint8_t *first = pv_alloc_page(), *prev = first;
        unsigned int i = 1;
        for (; first && i < n; i++) {
            uint8_t *p = pv_alloc_page();
            if (!p)
                return NULL;
            if (p != prev + PV_PAGE_SIZE)
                break; /* another vCPU allocated meanwhile: start over */
            prev = p;
        }
        if (!first)
            return NULL;
        if (i == n)
            return first;
    }
    return NULL;
}

static void ring_event(evtchn_port_t port, void *arg)
{
    (void)port;
    ((struct blkfront_dev *)arg)->st.events++;
}

/* Revokes the ring (a set the backend still maps is leaked) and closes the port. */
static void ring_teardown(struct blkfront_dev *d)
{
    if (d->port_live)
        (void)evtchn_close(d->port);
    d->port_live = false;
    if (!d->ring_va)
        return;
    unsigned int n = 1u << d->ring_order;
    bool leak = false;
    for (unsigned int i = 0; i < n; i++)
        leak |= gnttab_end_access(d->ring_ref[i]) == -EBUSY;
    if (leak) {
        d->st.leaked_pages += 1u << d->ring_alloc_order;
    } else if (!d->spare_va || d->spare_order < d->ring_alloc_order) {
        d->spare_va = d->ring_va;
        d->spare_order = d->ring_alloc_order;
    }
    d->ring_va = NULL;
}

/* Takes a ring set of at least 2^order pages: the spare one, or new contiguous pages. */
static uint8_t *ring_pages(struct blkfront_dev *d, unsigned int order)
{
    uint8_t *va = d->spare_va;

    if (va && d->spare_order >= order) {
        d->ring_alloc_order = d->spare_order;
        d->spare_va = NULL;
        memset(va, 0, (size_t)PV_PAGE_SIZE << order);
        return va;
    }
    d->ring_alloc_order = order;
    return alloc_contig(1u << order);
}

/* Fresh (or revoked and reused) pages for a ring of 2^order pages, granted, and a port. */
static int ring_setup(struct blkfront_dev *d, unsigned int order)
{
    unsigned int n = 1u << order, granted = 0;
    uint8_t *va = ring_pages(d, order);
    int rc = va ? 0 : -ENOMEM;

    for (; rc == 0 && granted < n; granted++) {
        int ref = gnttab_grant_access(d->info.backend_id,
                                      pv_virt_to_mfn(va + granted * PV_PAGE_SIZE), false);
        if (ref < 0) {
            rc = ref;
            break;
        }
        d->ring_ref[granted] = (grant_ref_t)ref;
    }
    if (rc == 0)
        rc = evtchn_alloc_unbound(d->info.backend_id, ring_event, d);
    if (rc < 0) {
        while (granted)
            (void)gnttab_end_access(d->ring_ref[--granted]); /* never shown to anyone */
        if (va) {
            d->spare_va = va;
            d->spare_order = d->ring_alloc_order;
        }
        return rc;
    }
    d->ring_va = va;
    d->ring_order = order;
    d->port = (evtchn_port_t)rc;
    d->port_live = true;
    blkif_sring_t *s = (blkif_sring_t *)va;
    SHARED_RING_INIT(s);
    FRONT_RING_INIT(&d->ring, s, (size_t)n * PV_PAGE_SIZE);
    return 0;
}

static bool ring_in_use(const struct blkfront_dev *d)
{
    for (unsigned int i = 0; d->ring_va && i < (1u << d->ring_order); i++)
        if (gnttab_in_use(d->ring_ref[i]))
            return true;
    return false;
}

/* Waits up to ns for the backend to unmap the ring; true once it has. */
static bool ring_wait_released(const struct blkfront_dev *d, uint64_t ns)
{
    uint64_t deadline = pv_now_ns() + ns;

    while (ring_in_use(d)) {
        if (pv_now_ns() >= deadline)
            return false;
        pv_sleep_ns(10 * NSEC_PER_MSEC);
    }
    return true;
}

/* ---- ios ------------------------------------------------------------------------------------ */

static uint64_t io_total(const struct blkfront_io *io)
{
    return io->op == BLKFRONT_READ || io->op == BLKFRONT_WRITE ? io->nsectors : 1;
}

static void unqueue(struct blkfront_dev *d, struct blkfront_io *io)
{
    struct blkfront_io **pp = &d->q_head, *prev = NULL;

    while (*pp && *pp != io) {
        prev = *pp;
        pp = &(*pp)->next;
    }
    if (!*pp)
        return;
    *pp = io->next;
    if (d->q_tail == io)
        d->q_tail = prev;
    io->next = NULL;
}

static void unlink_done(struct blkfront_dev *d, struct blkfront_io *io)
{
    struct blkfront_io **pp = &d->d_head, *prev = NULL;

    while (*pp && *pp != io) {
        prev = *pp;
        pp = &(*pp)->next;
    }
    if (!*pp)
        return;
    *pp = io->next;
    if (d->d_tail == io)
        d->d_tail = prev;
    io->next = NULL;
}

static void finish_if_done(struct blkfront_dev *d, struct blkfront_io *io)
{
    if (io->where != IO_RUNNING || io->inflight)
        return;
    io->where = IO_DONE;
    io->done = true;
    io->next = NULL;
    if (d->d_tail)
        d->d_tail->next = io;
    else
        d->d_head = io;
    d->d_tail = io;
}

static void io_fail(struct blkfront_dev *d, struct blkfront_io *io, int rc, int status)
{
    if (!io->rc) {
        io->rc = rc;
        io->status = status;
    }
    if (io->where == IO_QUEUED) {
        unqueue(d, io);
        io->where = IO_RUNNING;
    }
    finish_if_done(d, io);
}

/* ---- requests ------------------------------------------------------------------------------ */

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
    for (unsigned int k = 0; k < (unsigned int)s->npages + s->nind; k++)
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
    if (io->op == BLKFRONT_READ || io->op == BLKFRONT_WRITE) {
        if (!plan_rw(d, io, s))
            return 0;
        for (unsigned int k = 0; k < (unsigned int)s->npages + s->nind; k++)
            s->page[k] = page_take(d);
        if (io->op == BLKFRONT_WRITE)
            copy_pages(s, (uint8_t *)io->buf + s->buf_off, true);
    }
    io->issued += io->op == BLKFRONT_READ || io->op == BLKFRONT_WRITE ? s->count : 1;
    s->io = io;
    s->where = SH_RING;
    d->nbusy++;
    io->inflight++;
    if (io->issued == io_total(io)) {
        unqueue(d, io);
        io->where = IO_RUNNING;
    }
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

static void push(struct blkfront_dev *d)
{
    bool notify;

    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&d->ring, notify);
    if (notify) {
        (void)evtchn_send(d->port);
        d->st.notifies++;
    }
}

/* Fills the ring: reissues first, then queued ios in order (FLUSH waits for an empty ring). */
static void kick(struct blkfront_dev *d)
{
    RING_IDX start = d->ring.req_prod_pvt;

    while (d->phase == PH_CONNECTED && !RING_FULL(&d->ring)) {
        struct shadow *s = next_reissue(d);
        struct blkfront_io *io = d->q_head;
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

/* Takes every response, then asks to be notified of the next one; false if the ring is bad. */
static bool consume(struct blkfront_dev *d)
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

/* ---- the xenbus state machine ---------------------------------------------------------------- */

/* Completes every request and io with rc (pages the backend still maps are leaked). */
static void fail_all(struct blkfront_dev *d, int rc)
{
    for (unsigned int i = 0; i < NR_SHADOW; i++)
        if (d->sh[i].where != SH_FREE)
            complete_shadow(d, &d->sh[i], rc, 0);
    while (d->q_head)
        io_fail(d, d->q_head, rc, 0);
}

/* Pages the old backend still maps are never reused: in-flight ones get a copy. */
static void pool_scrub(struct blkfront_dev *d)
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
        for (unsigned int k = 0; s->where == SH_REISSUE && k < (unsigned int)s->npages + s->nind;
             k++) {
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

/* The connection is gone: old ring dead, requests kept for reissue, handshake anew. */
static void lose(struct blkfront_dev *d, bool drain)
{
    if (d->phase == PH_CONNECTED) {
        if (drain)
            (void)consume(d); /* responses the old backend managed to write */
        d->st.reconnects++;
        printk("blkfront: %s: backend left Connected: reconnecting (%u requests in flight)\n",
               d->info.name, d->nbusy);
    }
    ring_teardown(d);
    for (unsigned int i = 0; i < NR_SHADOW; i++)
        if (d->sh[i].where == SH_RING)
            d->sh[i].where = SH_REISSUE;
    pool_scrub(d);
    (void)fe_state(d, XenbusStateInitialising);
    d->asked_reconnect = true; /* that is the request a Closed backend waits for */
    d->phase = PH_WAIT_INITWAIT;
    d->progress_ns = pv_now_ns();
}

static void fe_rm(struct blkfront_dev *d, xenbus_transaction_t t, const char *key)
{
    char path[96];

    if ((size_t)snprintf(path, sizeof(path), "%s/%s", d->fe, key) < sizeof(path))
        (void)xenbus_rm(t, path); /* -ENOENT is fine */
}

/* Ring keys of an earlier handshake (a smaller ring must not leave stale refs behind). */
static void forget_keys(struct blkfront_dev *d, xenbus_transaction_t t)
{
    char key[24];

    if (d->published_order == 0)
        fe_rm(d, t, "ring-ref");
    if (d->published_order <= 0)
        return;
    fe_rm(d, t, "ring-page-order");
    for (unsigned int i = 0; i < (1u << d->published_order); i++) {
        snprintf(key, sizeof(key), "ring-ref%u", i);
        fe_rm(d, t, key);
    }
}

static int write_keys_in(struct blkfront_dev *d, xenbus_transaction_t t)
{
    char key[24];
    int rc = 0;

    forget_keys(d, t);
    if (d->ring_order == 0) {
        rc = fe_writeu(d, t, "ring-ref", d->ring_ref[0]);
    } else {
        rc = fe_writeu(d, t, "ring-page-order", d->ring_order);
        for (unsigned int i = 0; rc == 0 && i < (1u << d->ring_order); i++) {
            snprintf(key, sizeof(key), "ring-ref%u", i);
            rc = fe_writeu(d, t, key, d->ring_ref[i]);
        }
    }
    if (rc == 0)
        rc = fe_writeu(d, t, "event-channel", d->port);
    if (rc == 0)
        rc = fe_write(d, t, "protocol", XEN_IO_PROTO_ABI_NATIVE);
    if (rc == 0)
        rc = fe_write(d, t, "feature-persistent", "1");
    if (rc == 0)
        rc = fe_writeu(d, t, "state", XenbusStateInitialised);
    return rc;
}

/* Publishes ring, port and state Initialised in one transaction (retried on conflicts). */
static int write_keys(struct blkfront_dev *d)
{
    for (int i = 0; i < XS_RETRIES; i++) {
        xenbus_transaction_t t;
        int rc = xenbus_transaction_start(&t);
        if (rc < 0)
            return rc;
        rc = write_keys_in(d, t);
        int end = xenbus_transaction_end(t, rc < 0);
        if (rc < 0)
            return rc;
        if (end != -EAGAIN)
            return end;
    }
    return -EAGAIN;
}

/* Backend InitWait: ring, port, keys. */
static void publish(struct blkfront_dev *d)
{
    unsigned long order = xs_ulong_def(d->be, "max-ring-page-order", 0);
    int rc = ring_setup(d, (unsigned int)PV_MIN(order, (unsigned long)MAX_RING_ORDER));

    if (rc == 0)
        rc = write_keys(d);
    if (rc < 0) {
        printk("blkfront: %s: cannot publish the ring: %s\n", d->info.name, gnttab_strerror(rc));
        ring_teardown(d);
        d->error = rc;
        return;
    }
    d->published_order = (int)d->ring_order;
    d->phase = PH_WAIT_CONNECTED;
    d->published_ns = d->progress_ns = pv_now_ns();
}

static int read_info(struct blkfront_dev *d)
{
    struct blkfront_info *in = &d->info;
    unsigned long v;
    char mode[4] = "";
    int rc = xs_ulong(d->be, "sectors", &v);

    if (rc < 0)
        return rc;
    in->sectors = v;
    in->sector_size = (uint32_t)xs_ulong_def(d->be, "sector-size", BLKFRONT_SECTOR);
    if (in->sector_size < BLKFRONT_SECTOR || in->sector_size > PV_PAGE_SIZE ||
        (in->sector_size & (in->sector_size - 1)))
        return -EINVAL;
    in->physical_sector_size =
        (uint32_t)xs_ulong_def(d->be, "physical-sector-size", in->sector_size);
    in->vdisk_info = (uint32_t)xs_ulong_def(d->be, "info", 0);
    (void)xs_read_at(d->be, "mode", mode, sizeof(mode));
    in->read_only = (in->vdisk_info & VDISK_READONLY) || mode[0] == 'r';
    in->flush = xs_ulong_def(d->be, "feature-flush-cache", 0) == 1;
    in->discard = xs_ulong_def(d->be, "feature-discard", 0) == 1;
    in->discard_granularity = (uint32_t)xs_ulong_def(d->be, "discard-granularity", 0);
    in->discard_alignment = (uint32_t)xs_ulong_def(d->be, "discard-alignment", 0);
    in->persistent = xs_ulong_def(d->be, "feature-persistent", 0) == 1;
    v = xs_ulong_def(d->be, "feature-max-indirect-segments", 0);
    in->indirect_segments = v > DIRECT_SEGS ? (unsigned int)PV_MIN(v, (unsigned long)MAX_SEGS) : 0;
    in->max_segments = in->indirect_segments ? in->indirect_segments : DIRECT_SEGS;
    in->ring_pages = 1u << d->ring_order;
    in->ring_slots = RING_SIZE(&d->ring);
    return 0;
}

/* Backend Connected: details, then our own Connected; reissues follow in kick(). */
static void connect(struct blkfront_dev *d)
{
    int rc = read_info(d);

    if (rc == 0)
        rc = fe_state(d, XenbusStateConnected);
    if (rc < 0) {
        printk("blkfront: %s: cannot connect: %s\n", d->info.name, gnttab_strerror(rc));
        d->error = rc;
        return;
    }
    d->phase = PH_CONNECTED;
    d->progress_ns = pv_now_ns();
    if (d->was_connected)
        printk("blkfront: %s: reconnected (ring %u page(s), %u requests to reissue)\n",
               d->info.name, d->info.ring_pages, d->nbusy);
    d->was_connected = true;
}

/* Everything released; the device answers -ENODEV from now on. */
static void disconnect(struct blkfront_dev *d, int rc)
{
    char path[160];

    fail_all(d, rc);
    ring_teardown(d);
    pool_release(d);
    (void)fe_state(d, XenbusStateClosed);
    snprintf(path, sizeof(path), "%s/state", d->be);
    (void)xenbus_unwatch(path, d->token);
    d->phase = PH_CLOSED;
}

/* The toolstack detaches the disk (backend Closing, online = 0). */
static void detach(struct blkfront_dev *d)
{
    printk("blkfront: %s: backend closing (online = 0): detaching\n", d->info.name);
    if (d->phase == PH_CONNECTED)
        (void)consume(d);
    (void)fe_state(d, XenbusStateClosing);
    (void)ring_wait_released(d, RELEASE_WAIT_NS);
    if (d->phase == PH_CONNECTED)
        (void)consume(d);
    disconnect(d, -ENODEV);
}

static void handle_state(struct blkfront_dev *d)
{
    int st = be_state(d);
    uint64_t now = pv_now_ns();

    d->state_dirty = false;
    d->state_read_ns = now;
    if (st < 0)
        return; /* xenstore trouble: look again later */
    if ((st == XenbusStateClosing || st == XenbusStateClosed) && be_offline(d)) {
        detach(d);
        return;
    }
    if (d->phase == PH_CONNECTED && st != XenbusStateConnected)
        lose(d, true);
    if (d->phase == PH_WAIT_CONNECTED) {
        if (st == XenbusStateConnected) {
            connect(d);
            return;
        }
        if (st == XenbusStateInitWait && now - d->published_ns < REPUBLISH_NS)
            return;
        lose(d, false);
    }
    if (st == XenbusStateInitWait) {
        publish(d);
    } else if (st == XenbusStateClosed && !d->asked_reconnect) {
        (void)fe_state(d, XenbusStateInitialising); /* Xen's "prepare for reconnect" */
        d->asked_reconnect = true;
    }
    if (st != XenbusStateClosed)
        d->asked_reconnect = false;
}

/* ---- waiting ------------------------------------------------------------------------------- */

static struct blkfront_dev *dev_by_token(const char *tok)
{
    for (unsigned int i = 0; i < BLKFRONT_MAX_DEVICES; i++)
        if (devs[i].phase != PH_UNUSED && strcmp(devs[i].token, tok) == 0)
            return &devs[i];
    return NULL;
}

/* Takes queued xenbus watch events without waiting; marks the devices they are for. */
static void take_watch_events(struct blkfront_dev *d)
{
    char path[8], tok[24];

    while (xenbus_read_watch(path, sizeof(path), tok, sizeof(tok), 1) == 0) {
        struct blkfront_dev *o = dev_by_token(tok);
        if (o)
            o->state_dirty = true;
        else
            d->st.foreign_watch++;
    }
}

static bool wake_cond(void *arg)
{
    struct blkfront_dev *d = arg;

    if (d->phase == PH_CONNECTED && RING_HAS_UNCONSUMED_RESPONSES(&d->ring))
        return true;
    take_watch_events(d);
    return d->state_dirty;
}

static void service(struct blkfront_dev *d)
{
    uint64_t now;

    take_watch_events(d);
    now = pv_now_ns();
    if (d->phase != PH_CLOSED && now - d->state_read_ns >= STATE_POLL_NS &&
        (d->phase != PH_CONNECTED || (d->nbusy && now - d->progress_ns >= STATE_POLL_NS)))
        d->state_dirty = true;
    if (d->state_dirty && d->phase != PH_CLOSED)
        handle_state(d);
    if (d->phase == PH_CONNECTED && !consume(d))
        lose(d, false);
    kick(d);
}

/* How long the current phase may go without progress. */
static uint64_t stall_bound(const struct blkfront_dev *d)
{
    return d->phase == PH_CONNECTED ? d->io_ns : d->connect_ns;
}

/*
 * Services d and blocks between events until done(d, arg) or the deadline; with extend
 * the deadline moves on while requests complete or the handshake makes steps.
 */
static bool run_until(struct blkfront_dev *d, bool (*done)(struct blkfront_dev *, void *),
                      void *arg, uint64_t deadline, bool extend)
{
    for (;;) {
        service(d);
        if (done(d, arg))
            return true;
        uint64_t now = pv_now_ns();
        uint64_t dl = extend ? PV_MAX(deadline, d->progress_ns + stall_bound(d)) : deadline;
        if (now >= dl)
            return false;
        uint64_t slice = smp_processor_id() ? NSEC_PER_MSEC : STATE_POLL_NS;
        (void)pv_wait_until(wake_cond, d, PV_MIN(dl, now + slice));
    }
}

static bool open_done(struct blkfront_dev *d, void *arg)
{
    (void)arg;
    return d->phase == PH_CONNECTED || d->phase == PH_CLOSED || d->error;
}

static bool io_finished(struct blkfront_dev *d, void *arg)
{
    const struct blkfront_io *io = arg;
    return io->where == IO_DONE || io->where == IO_IDLE || d->phase == PH_CLOSED;
}

static bool have_done(struct blkfront_dev *d, void *arg)
{
    (void)arg;
    return d->d_head != NULL;
}

static bool all_idle(struct blkfront_dev *d, void *arg)
{
    (void)arg;
    return (d->nbusy == 0 && !d->q_head) || d->phase == PH_CLOSED;
}

/* ---- the API ------------------------------------------------------------------------------- */

/* The first device under device/vbd. */
static long first_devid(void)
{
    char names[512], *end;
    unsigned int n = 0;
    int rc = xenbus_directory(XBT_NIL, "device/vbd", names, sizeof(names), &n);

    if (rc < 0)
        return rc;
    if (n == 0)
        return -ENOENT;
    unsigned long v = strtoul(names, &end, 10);
    return *end || v > 0x7fffffffUL ? -EINVAL : (long)v;
}

static int dev_init(struct blkfront_dev *d, uint32_t devid, unsigned int index)
{
    unsigned long bid;
    int rc;

    memset(d, 0, sizeof(*d));
    d->owner = (uint8_t)(index + 1);
    d->published_order = -1;
    d->connect_ns = BLKFRONT_CONNECT_TIMEOUT_NS;
    d->io_ns = BLKFRONT_IO_TIMEOUT_NS;
    d->info.devid = devid;
    devid_name(devid, d->info.name, sizeof(d->info.name));
    snprintf(d->fe, sizeof(d->fe), "device/vbd/%u", devid);
    snprintf(d->token, sizeof(d->token), "blkfront/%u", devid);
    rc = xs_read_at(d->fe, "backend", d->be, sizeof(d->be));
    if (rc == 0 || (rc > 0 && d->be[0] != '/'))
        return -EINVAL;
    if (rc < 0)
        return rc;
    rc = xs_ulong(d->fe, "backend-id", &bid);
    if (rc < 0)
        return rc;
    if (bid >= DOMID_FIRST_RESERVED)
        return -EINVAL;
    d->info.backend_id = (domid_t)bid;
    return 0;
}

static void dev_free(struct blkfront_dev *d)
{
    ring_teardown(d);
    pool_release(d);
    memset(d, 0, sizeof(*d));
}

int blkfront_open(const char *vdev, uint64_t timeout_ns, struct blkfront_dev **devp)
{
    struct blkfront_dev *d = NULL;
    char path[160];
    int rc = xenbus_init();
    long devid;

    *devp = NULL;
    if (rc < 0)
        return rc;
    devid = vdev ? blkfront_devid(vdev) : first_devid();
    if (devid < 0)
        return (int)devid;
    for (unsigned int i = 0; i < BLKFRONT_MAX_DEVICES; i++) {
        if (devs[i].phase != PH_UNUSED && devs[i].info.devid == (uint32_t)devid)
            return -EBUSY;
        if (devs[i].phase == PH_UNUSED && !d)
            d = &devs[i];
    }
    if (!d)
        return -ENOSPC;
    arena_setup();
    rc = dev_init(d, (uint32_t)devid, (unsigned int)(d - devs));
    snprintf(path, sizeof(path), "%s/state", d->be);
    if (rc == 0)
        rc = xenbus_watch(path, d->token);
    if (rc < 0) {
        memset(d, 0, sizeof(*d));
        return rc;
    }
    d->phase = PH_WAIT_INITWAIT;
    d->state_dirty = true;
    d->progress_ns = pv_now_ns();
    (void)run_until(d, open_done, NULL, pv_now_ns() + (timeout_ns ? timeout_ns : d->connect_ns),
                    false);
    if (d->phase == PH_CONNECTED) {
        d->error = 0;
        *devp = d;
        return 0;
    }
    rc = d->phase == PH_CLOSED ? -ENODEV : d->error ? d->error : -ETIMEDOUT;
    (void)xenbus_unwatch(path, d->token);
    if (d->published_order >= 0 && d->phase != PH_CLOSED)
        (void)fe_state(d, XenbusStateInitialising); /* our ring is about to be revoked */
    dev_free(d);
    return rc;
}

int blkfront_close(struct blkfront_dev *d)
{
    int rc = 0;

    if (d->phase != PH_CLOSED) {
        (void)run_until(d, all_idle, NULL, pv_now_ns() + d->io_ns, true);
        (void)fe_state(d, XenbusStateClosing);
        if (!ring_wait_released(d, CLOSE_WAIT_NS))
            rc = -ETIMEDOUT;
        disconnect(d, -ENODEV);
    }
    /* everything outstanding is on the done list now: hand it back idle */
    for (struct blkfront_io *io = d->d_head, *next; io; io = next) {
        next = io->next;
        io->next = NULL;
        io->where = IO_IDLE;
    }
    dev_free(d);
    return rc;
}

int blkfront_info(struct blkfront_dev *d, struct blkfront_info *info)
{
    *info = d->info;
    return d->phase == PH_CLOSED ? -ENODEV : 0;
}

void blkfront_stats(struct blkfront_dev *d, struct blkfront_stats *st)
{
    *st = d->st;
}

void blkfront_set_timeouts(struct blkfront_dev *d, uint64_t connect_ns, uint64_t io_ns)
{
    if (connect_ns)
        d->connect_ns = connect_ns;
    if (io_ns)
        d->io_ns = io_ns;
}

static int check_io(const struct blkfront_dev *d, const struct blkfront_io *io)
{
    uint64_t align = d->info.sector_size / BLKFRONT_SECTOR;

    if (d->phase == PH_CLOSED)
        return -ENODEV;
    if (io->where != IO_IDLE)
        return -EBUSY;
    switch (io->op) {
    case BLKFRONT_FLUSH:
        return d->info.flush ? 0 : -EOPNOTSUPP;
    case BLKFRONT_DISCARD:
        if (!d->info.discard)
            return -EOPNOTSUPP;
        break;
    case BLKFRONT_READ:
    case BLKFRONT_WRITE:
        if (!io->buf)
            return -EINVAL;
        break;
    default:
        return -EINVAL;
    }
    if (!io->nsectors || io->sector > d->info.sectors ||
        io->nsectors > d->info.sectors - io->sector || (io->sector | io->nsectors) % align)
        return -EINVAL;
    return 0;
}

int blkfront_submit(struct blkfront_dev *d, struct blkfront_io *io)
{
    int rc = check_io(d, io);

    if (rc < 0)
        return rc;
    io->done = false;
    io->rc = io->status = 0;
    io->issued = 0;
    io->inflight = 0;
    io->next = NULL;
    io->where = IO_QUEUED;
    if (d->q_tail)
        d->q_tail->next = io;
    else
        d->q_head = io;
    d->q_tail = io;
    d->nios++;
    kick(d);
    return 0;
}

/* Hands a completed io back to the caller. */
static struct blkfront_io *io_return(struct blkfront_dev *d, struct blkfront_io *io)
{
    unlink_done(d, io);
    io->where = IO_IDLE;
    d->nios--;
    return io;
}

struct blkfront_io *blkfront_poll(struct blkfront_dev *d, uint64_t wait_ns)
{
    (void)run_until(d, have_done, NULL, pv_now_ns() + wait_ns, false);
    return d->d_head ? io_return(d, d->d_head) : NULL;
}

int blkfront_wait(struct blkfront_dev *d, struct blkfront_io *io, uint64_t timeout_ns)
{
    (void)run_until(d, io_finished, io, pv_now_ns() + timeout_ns, false);
    if (io->where == IO_QUEUED || io->where == IO_RUNNING)
        return -ETIMEDOUT;
    if (io->where == IO_DONE)
        io_return(d, io);
    return io->rc;
}

void blkfront_cancel(struct blkfront_dev *d, struct blkfront_io *io)
{
    if (io->where == IO_IDLE)
        return;
    if (io->where == IO_QUEUED)
        unqueue(d, io);
    if (io->where == IO_DONE)
        unlink_done(d, io);
    for (unsigned int i = 0; i < NR_SHADOW; i++)
        if (d->sh[i].io == io)
            d->sh[i].io = NULL;
    io->where = IO_IDLE;
    d->nios--;
}

unsigned int blkfront_pending(struct blkfront_dev *d)
{
    return d->nios;
}

int blkfront_service(struct blkfront_dev *d)
{
    service(d);
    return d->phase == PH_CLOSED ? -ENODEV : 0;
}

int blkfront_do(struct blkfront_dev *d, struct blkfront_io *io)
{
    int rc = blkfront_submit(d, io);

    if (rc < 0)
        return rc;
    if (!run_until(d, io_finished, io, pv_now_ns() + stall_bound(d), true)) {
        blkfront_cancel(d, io);
        io->rc = -ETIMEDOUT;
        return -ETIMEDOUT;
    }
    if (io->where == IO_DONE)
        io_return(d, io);
    return io->rc;
}

static int sync_io(struct blkfront_dev *d, enum blkfront_op op, uint64_t sector, void *buf,
                   uint64_t nsectors)
{
    struct blkfront_io io = {.op = op, .sector = sector, .nsectors = nsectors, .buf = buf};
    return blkfront_do(d, &io);
}

int blkfront_read(struct blkfront_dev *d, uint64_t sector, void *buf, uint64_t nsectors)
{
    return sync_io(d, BLKFRONT_READ, sector, buf, nsectors);
}

int blkfront_write(struct blkfront_dev *d, uint64_t sector, const void *buf, uint64_t nsectors)
{
    return sync_io(d, BLKFRONT_WRITE, sector, (void *)(uintptr_t)buf, nsectors);
}

int blkfront_flush(struct blkfront_dev *d)
{
    return sync_io(d, BLKFRONT_FLUSH, 0, NULL, 0);
}

int blkfront_discard(struct blkfront_dev *d, uint64_t sector, uint64_t nsectors)
{
    return sync_io(d, BLKFRONT_DISCARD, sector, NULL, nsectors);
}
