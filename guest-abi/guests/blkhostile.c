/*
 * blkhostile.c: a hostile blkif frontend for blkback's security tests.  It connects to its
 * first vbd with its own raw ring code (the normal handshake: one ring page, protocol
 * x86_64-abi), then sends malformed requests and prints what the backend made of each:
 *
 *   blkhostile: <attack>: <outcome>[, then valid read ok | then valid read FAILED (...)]
 *
 * where an outcome is a response status (ok, error, eopnotsupp, status N), "disconnected"
 * (the backend left Connected) or "no-response" (nothing within 5 s).  Attacks with several
 * cases print the most telling outcome first (ok > no-response > disconnected > the rest:
 * "ok" means some case got through) and each case after it in parentheses:
 *   blkhostile: bad-sector: error (past-end error, straddle error, overflow error), then ...
 * After every attack that left the ring connected one valid READ checks that the backend
 * still serves it.  Ends with "blkhostile: done" and powers off.
 *
 * Command line: attack=<name>[,<name>...] (default: all, in the order of the table below,
 * which runs the disconnecting attack last; "none" runs none); stay=S: afterwards, stay up
 * to S seconds following the backend: when it goes Closing (`xl block-detach`), close the
 * frontend (Closing, then Closed) as a well-behaved blkfront does and print "blkhostile:
 * released the disk".
 */
#include <xen/io/blkif.h>
#include <xen/io/xenbus.h>
#include <pvguest/pvguest.h>

#define NR_ENTS           __CONST_RING_SIZE(blkif, PV_PAGE_SIZE)
#define ANSWER_NS         (5 * NSEC_PER_SEC)    /* a request's answer, or a disconnect */
#define HANDSHAKE_NS      (10 * NSEC_PER_SEC)   /* each step of the xenbus handshake */
#define SLICE_NS          (250 * NSEC_PER_MSEC) /* backend state is re-read this often */
#define POLL_NS           (50 * NSEC_PER_MSEC)
#define NEVER_GRANTED_REF 500 /* inside our first grant frame, never handed out */
#define SEGS_PER_INDIRECT (PV_PAGE_SIZE / sizeof(struct blkif_request_segment))
#define ST_DISCONNECTED   1000 /* pseudo statuses next to BLKIF_RSP_* */
#define ST_NO_RESPONSE    1001
#define OUT_MAX           200

/* The connection: everything the attacks share. */
struct front {
    domid_t be_id;
    uint16_t handle;      /* the vbd's device number (low bits, as blkfront) */
    char fe[48], be[96];  /* xenstore directories */
    blkif_sring_t *sring; /* the ring page we granted */
    uint32_t req_prod_pvt, rsp_cons;
    evtchn_port_t port;
    grant_ref_t ring_ref, data_ref, ro_ref, indir_ref;
    uint8_t *data, *ro_page;
    struct blkif_request_segment *indir;
    uint64_t sectors;
    bool readonly;
    unsigned max_indirect;
    uint64_t next_id;
    bool connected;
};

static struct front F;
static volatile uint32_t events;

union any_req {
    blkif_request_t rw;
    blkif_request_indirect_t ind;
};
_Static_assert(sizeof(union any_req) <= sizeof(union blkif_sring_entry), "a request fits a slot");

static void on_event(evtchn_port_t port, void *arg)
{
    (void)port;
    (void)arg;
    events++;
}

/* ---- xenstore helpers ----------------------------------------------------------------------- */

/* dir/key as a number, or def when absent or not a number. */
static long long read_num(const char *dir, const char *key, long long def)
{
    char path[128], buf[32], *end;
    long long v;

    snprintf(path, sizeof(path), "%s/%s", dir, key);
    if (xenbus_read(XBT_NIL, path, buf, sizeof(buf)) < 0 || !buf[0])
        return def;
    v = (long long)strtoul(buf, &end, 10);
    return *end ? def : v;
}

static int write_key(const char *dir, const char *key, const char *fmt, ...) PV_PRINTF(3, 4);
static int write_key(const char *dir, const char *key, const char *fmt, ...)
{
    char path[128], val[64];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(val, sizeof(val), fmt, ap);
    va_end(ap);
    snprintf(path, sizeof(path), "%s/%s", dir, key);
    return xenbus_write(XBT_NIL, path, val);
}

static int be_state(void)
{
    return (int)read_num(F.be, "state", -1);
}

/* Polls the backend state until it is in [lo, hi] (returns it) or the time is up (-1). */
static int wait_be_state(int lo, int hi, uint64_t timeout_ns)
{
    uint64_t deadline = pv_now_ns() + timeout_ns;

    for (;;) {
        int st = be_state();

        if (st >= lo && st <= hi)
            return st;
        if (pv_now_ns() >= deadline)
            return -1;
        pv_sleep_ns(POLL_NS);
    }
}

/* ---- the handshake -------------------------------------------------------------------------- */

static int fail(const char *fmt, ...) PV_PRINTF(1, 2);
static int fail(const char *fmt, ...)
{
    char buf[160];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    printk("blkhostile: FAIL: %s\n", buf);
    return -1;
}

/* Our first vbd (lowest device number), waiting for the toolstack to write it. */
static int find_vbd(void)
{
    uint64_t deadline = pv_now_ns() + HANDSHAKE_NS;
    unsigned long best = ~0UL;
    char names[512];
    unsigned n = 0;

    while (xenbus_directory(XBT_NIL, "device/vbd", names, sizeof(names), &n) < 0 || n == 0) {
        if (pv_now_ns() >= deadline)
            return fail("no disk in device/vbd: give the domain a disk");
        pv_sleep_ns(POLL_NS);
    }
    for (char *p = names; n--; p += strlen(p) + 1) {
        char *end;
        unsigned long id = strtoul(p, &end, 10);

        if (!*end && end != p && id < best)
            best = id;
    }
    if (best == ~0UL)
        return fail("device/vbd has no numbered entry");
    snprintf(F.fe, sizeof(F.fe), "device/vbd/%lu", best);
    F.handle = (uint16_t)best;
    snprintf(names, sizeof(names), "%s/backend", F.fe);
    if (xenbus_read(XBT_NIL, names, F.be, sizeof(F.be)) < 0 || !F.be[0])
        return fail("%s has no backend path", F.fe);
    F.be_id = (domid_t)read_num(F.fe, "backend-id", 0);
    return 0;
}

static int grant(void *page, bool readonly, grant_ref_t *ref)
{
    int r = gnttab_grant_access(F.be_id, pv_virt_to_mfn(page), readonly);

    if (r < 0)
        return fail("granting a page: %s", gnttab_strerror(r));
    *ref = (grant_ref_t)r;
    return 0;
}

static int setup_pages(void)
{
    F.sring = pv_alloc_page();
    F.data = pv_alloc_page();
    F.ro_page = pv_alloc_page();
    F.indir = pv_alloc_page();
    if (!F.sring || !F.data || !F.ro_page || !F.indir)
        return fail("out of spare pages");
    SHARED_RING_INIT(F.sring);
    if (grant(F.sring, false, &F.ring_ref) || grant(F.data, false, &F.data_ref) ||
        grant(F.ro_page, true, &F.ro_ref) || grant(F.indir, true, &F.indir_ref))
        return -1;
    int port = evtchn_alloc_unbound(F.be_id, on_event, NULL);
    if (port < 0)
        return fail("alloc_unbound for domain %u: %d", F.be_id, port);
    F.port = (evtchn_port_t)port;
    return 0;
}

static int connect(void)
{
    if (find_vbd() < 0)
        return -1;
    if (wait_be_state(XenbusStateInitWait, XenbusStateConnected, HANDSHAKE_NS) < 0)
        return fail("backend %s did not reach InitWait (state %d); is blkback running?", F.be,
                    be_state());
    F.sectors = (uint64_t)read_num(F.be, "sectors", 0);
    F.readonly = (read_num(F.be, "info", 0) & VDISK_READONLY) != 0;
    F.max_indirect = (unsigned)read_num(F.be, "feature-max-indirect-segments", 0);
    if (setup_pages() < 0)
        return -1;
    if (write_key(F.fe, "ring-ref", "%u", F.ring_ref) < 0 ||
        write_key(F.fe, "event-channel", "%u", F.port) < 0 ||
        write_key(F.fe, "protocol", "%s", "x86_64-abi") < 0 ||
        write_key(F.fe, "state", "%d", XenbusStateInitialised) < 0)
        return fail("cannot write the ring details to %s", F.fe);
    if (wait_be_state(XenbusStateConnected, XenbusStateConnected, HANDSHAKE_NS) < 0)
        return fail("backend did not connect (state %d)", be_state());
    (void)write_key(F.fe, "state", "%d", XenbusStateConnected);
    F.connected = true;
    printk("blkhostile: connected to %s (%llu sectors, %s, max-indirect-segments %u, %u ring "
           "slots)\n",
           F.be, (unsigned long long)F.sectors, F.readonly ? "read-only" : "read-write",
           F.max_indirect, (unsigned)NR_ENTS);
    return 0;
}

/* ---- raw ring ------------------------------------------------------------------------------- */

static void publish(void)
{
    pv_mb(); /* the slots before the index */
    WRITE_ONCE(F.sring->req_prod, F.req_prod_pvt);
    pv_mb();
    (void)evtchn_send(F.port);
}

static bool has_response(void *arg)
{
    (void)arg;
    return READ_ONCE(F.sring->rsp_prod) != F.rsp_cons;
}

/* Takes responses until the one for id: its status, or ST_*. */
static int take_until(uint64_t id, uint64_t deadline)
{
    for (;;) {
        uint32_t prod = READ_ONCE(F.sring->rsp_prod);

        pv_mb();
        if (prod - F.rsp_cons > NR_ENTS)
            return ST_DISCONNECTED; /* a backend gone mad: stop trusting the ring */
        while (F.rsp_cons != prod) {
            blkif_response_t rsp;

            memcpy(&rsp, &F.sring->ring[F.rsp_cons % NR_ENTS].rsp, sizeof(rsp));
            F.rsp_cons++;
            if (rsp.id == id)
                return rsp.status;
        }
        F.sring->rsp_event = F.rsp_cons + 1;
        pv_mb();
        if (has_response(NULL))
            continue;
        uint64_t now = pv_now_ns();
        if (now >= deadline)
            return be_state() == XenbusStateConnected ? ST_NO_RESPONSE : ST_DISCONNECTED;
        if (!pv_wait_until(has_response, NULL,
                           now + SLICE_NS < deadline ? now + SLICE_NS : deadline) &&
            be_state() != XenbusStateConnected)
            return ST_DISCONNECTED;
    }
}

/* Puts one request (any layout) on the ring with a fresh id and waits for its answer. */
static int send_wait(union any_req *r)
{
    r->rw.id = ++F.next_id; /* same offset in every request layout */
    memcpy(&F.sring->ring[F.req_prod_pvt % NR_ENTS].req, r, sizeof(*r));
    F.req_prod_pvt++;
    publish();
    return take_until(r->rw.id, pv_now_ns() + ANSWER_NS);
}

/* A direct request with one segment. */
static void rw_req(union any_req *r, uint8_t op, uint64_t sector, grant_ref_t ref, uint8_t first,
                   uint8_t last)
{
    memset(r, 0, sizeof(*r));
    r->rw.operation = op;
    r->rw.nr_segments = 1;
    r->rw.handle = F.handle;
    r->rw.sector_number = sector;
    r->rw.seg[0].gref = ref;
    r->rw.seg[0].first_sect = first;
    r->rw.seg[0].last_sect = last;
}

/* ---- outcomes ------------------------------------------------------------------------------- */

#define ST_NONE (-1000) /* no case yet */

struct outcome {
    char text[OUT_MAX]; /* the cases ("name status, ...") or a note */
    size_t len;
    int verdict;     /* the most telling status so far, or ST_NONE */
    unsigned ncases; /* cases sent */
    char tail[48];   /* ", then valid read ..." */
};

static void add(struct outcome *o, const char *fmt, ...) PV_PRINTF(2, 3);
static void add(struct outcome *o, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (o->len >= sizeof(o->text) - 1)
        return;
    va_start(ap, fmt);
    n = vsnprintf(o->text + o->len, sizeof(o->text) - o->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->len += (size_t)n < sizeof(o->text) - o->len ? (size_t)n : sizeof(o->text) - 1 - o->len;
}

static const char *status_name(int st, char *buf, size_t len)
{
    switch (st) {
    case BLKIF_RSP_OKAY:
        return "ok";
    case BLKIF_RSP_ERROR:
        return "error";
    case BLKIF_RSP_EOPNOTSUPP:
        return "eopnotsupp";
    case ST_DISCONNECTED:
        return "disconnected";
    case ST_NO_RESPONSE:
        return "no-response";
    default:
        snprintf(buf, len, "status %d", st);
        return buf;
    }
}

/* How telling a status is as a verdict: a request that got through beats all. */
static int rank(int st)
{
    switch (st) {
    case BLKIF_RSP_OKAY:
        return 4;
    case ST_NO_RESPONSE:
        return 3;
    case ST_DISCONNECTED:
        return 2;
    case ST_NONE:
        return 0;
    default:
        return 1;
    }
}

/* Records one case ("name" is NULL for a single-case attack). */
static void note(struct outcome *o, const char *name, int st)
{
    char buf[24];

    if (name)
        add(o, "%s%s %s", o->len ? ", " : "", name, status_name(st, buf, sizeof(buf)));
    if (rank(st) > rank(o->verdict))
        o->verdict = st;
    o->ncases++;
    if (st == ST_DISCONNECTED)
        F.connected = false;
}

/* Sends r and notes the answer, unless the ring is already gone. */
static void try_case(struct outcome *o, const char *name, union any_req *r)
{
    if (F.connected)
        note(o, name, send_wait(r));
}

/* ---- attacks -------------------------------------------------------------------------------- */

static void atk_segs12(struct outcome *o)
{
    union any_req r;

    rw_req(&r, BLKIF_OP_READ, 0, F.data_ref, 0, 0);
    for (unsigned i = 1; i < BLKIF_MAX_SEGMENTS_PER_REQUEST; i++)
        r.rw.seg[i] = r.rw.seg[0];
    r.rw.nr_segments = BLKIF_MAX_SEGMENTS_PER_REQUEST + 1;
    try_case(o, NULL, &r);
}

static void atk_zero_segs(struct outcome *o)
{
    union any_req r;

    rw_req(&r, BLKIF_OP_READ, 0, F.data_ref, 0, 0);
    r.rw.nr_segments = 0;
    try_case(o, NULL, &r);
}

static void atk_bad_sector(struct outcome *o)
{
    union any_req r;

    rw_req(&r, BLKIF_OP_READ, F.sectors, F.data_ref, 0, 0);
    try_case(o, "past-end", &r);
    rw_req(&r, BLKIF_OP_READ, F.sectors ? F.sectors - 1 : 0, F.data_ref, 0, 7);
    try_case(o, "straddle", &r);
    rw_req(&r, BLKIF_OP_READ, UINT64_MAX - 3, F.data_ref, 0, 7);
    try_case(o, "overflow", &r);
}

static void atk_bad_seg_bounds(struct outcome *o)
{
    union any_req r;

    rw_req(&r, BLKIF_OP_READ, 0, F.data_ref, 5, 2);
    try_case(o, "first>last", &r);
    rw_req(&r, BLKIF_OP_READ, 0, F.data_ref, 0, 8);
    try_case(o, "last>7", &r);
}

static uint8_t ro_pattern(size_t i)
{
    return (uint8_t)(i * 7 + 13);
}

static void atk_bad_gref(struct outcome *o)
{
    union any_req r;
    size_t changed = 0;

    rw_req(&r, BLKIF_OP_READ, 0, NEVER_GRANTED_REF, 0, 7);
    try_case(o, "never-granted", &r);
    for (size_t i = 0; i < PV_PAGE_SIZE; i++)
        F.ro_page[i] = ro_pattern(i);
    rw_req(&r, BLKIF_OP_READ, 0, F.ro_ref, 0, 7);
    try_case(o, "read-into-ro-grant", &r);
    for (size_t i = 0; i < PV_PAGE_SIZE; i++)
        changed += F.ro_page[i] != ro_pattern(i);
    if (changed)
        add(o, ", PAGE WRITTEN (%zu bytes changed)", changed);
    else
        add(o, ", page intact");
}

static void atk_ro_write(struct outcome *o)
{
    union any_req r;

    if (!F.readonly) {
        add(o, "skipped (the disk is writable: attach it with access=ro)");
        return;
    }
    memset(F.data, 0x5a, PV_PAGE_SIZE);
    rw_req(&r, BLKIF_OP_WRITE, 0, F.data_ref, 0, 7);
    try_case(o, NULL, &r);
}

static void atk_bad_op(struct outcome *o)
{
    union any_req r;

    rw_req(&r, 0xEE, 0, F.data_ref, 0, 7);
    try_case(o, NULL, &r);
}

static void atk_indirect_too_many(struct outcome *o)
{
    unsigned n = F.max_indirect + 1;
    unsigned pages = (n + SEGS_PER_INDIRECT - 1) / SEGS_PER_INDIRECT;
    union any_req r;

    for (unsigned i = 0; i < SEGS_PER_INDIRECT; i++)
        F.indir[i] =
            (struct blkif_request_segment){.gref = F.data_ref, .first_sect = 0, .last_sect = 0};
    memset(&r, 0, sizeof(r));
    r.ind.operation = BLKIF_OP_INDIRECT;
    r.ind.indirect_op = BLKIF_OP_READ;
    r.ind.nr_segments = (uint16_t)n;
    r.ind.handle = F.handle;
    for (unsigned i = 0; i < pages && i < BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST; i++)
        r.ind.indirect_grefs[i] = F.indir_ref; /* one page of valid segments, repeated */
    try_case(o, NULL, &r);
}

/* req_prod more than a ring's worth past rsp_prod: the backend must drop the ring. */
static void atk_prod_overrun(struct outcome *o)
{
    uint64_t deadline = pv_now_ns() + ANSWER_NS;
    uint32_t rsp_before = READ_ONCE(F.sring->rsp_prod);
    int st;

    WRITE_ONCE(F.sring->req_prod, F.req_prod_pvt + NR_ENTS + 5);
    pv_mb();
    (void)evtchn_send(F.port);
    while ((st = be_state()) == XenbusStateConnected && pv_now_ns() < deadline)
        pv_sleep_ns(POLL_NS);
    if (st != XenbusStateConnected) {
        note(o, NULL, ST_DISCONNECTED);
    } else if (READ_ONCE(F.sring->rsp_prod) != rsp_before) {
        add(o, "kept answering (%u responses)", READ_ONCE(F.sring->rsp_prod) - rsp_before);
        F.connected = false; /* the ring's indexes are ruined either way */
    } else {
        note(o, NULL, ST_NO_RESPONSE);
        F.connected = false;
    }
}

struct attack {
    const char *name;
    void (*fn)(struct outcome *o);
};

/* Default order: the attack meant to disconnect comes last. */
static const struct attack attacks[] = {
    {"segs12", atk_segs12},
    {"zero-segs", atk_zero_segs},
    {"bad-sector", atk_bad_sector},
    {"bad-seg-bounds", atk_bad_seg_bounds},
    {"bad-gref", atk_bad_gref},
    {"ro-write", atk_ro_write},
    {"bad-op", atk_bad_op},
    {"indirect-too-many", atk_indirect_too_many},
    {"prod-overrun", atk_prod_overrun},
};

#define NATTACKS (sizeof(attacks) / sizeof(attacks[0]))

/* A READ of the disk's first page (or all of it when smaller) into the data page. */
static void valid_read(struct outcome *o)
{
    uint8_t last = F.sectors >= 8 ? 7 : (uint8_t)(F.sectors ? F.sectors - 1 : 0);
    union any_req r;
    char buf[24];
    int st;

    rw_req(&r, BLKIF_OP_READ, 0, F.data_ref, 0, last);
    st = send_wait(&r);
    if (st == BLKIF_RSP_OKAY)
        snprintf(o->tail, sizeof(o->tail), ", then valid read ok");
    else
        snprintf(o->tail, sizeof(o->tail), ", then valid read FAILED (%s)",
                 status_name(st, buf, sizeof(buf)));
    if (st == ST_DISCONNECTED)
        F.connected = false;
}

static void run(const struct attack *a)
{
    struct outcome o = {.len = 0, .verdict = ST_NONE};
    char buf[24];

    if (!F.connected) {
        printk("blkhostile: %s: skipped (not connected)\n", a->name);
        return;
    }
    a->fn(&o);
    if (F.connected)
        valid_read(&o);
    if (!o.ncases) /* skipped, with its reason in text */
        printk("blkhostile: %s: %s%s\n", a->name, o.text, o.tail);
    else
        printk("blkhostile: %s: %s%s%s%s%s\n", a->name, status_name(o.verdict, buf, sizeof(buf)),
               o.len ? " (" : "", o.text, o.len ? ")" : "", o.tail);
}

static const struct attack *find_attack(const char *name, size_t len)
{
    for (size_t i = 0; i < NATTACKS; i++)
        if (strlen(attacks[i].name) == len && strncmp(attacks[i].name, name, len) == 0)
            return &attacks[i];
    return NULL;
}

/* attack=a,b,c: each named attack in the order given. */
static void run_selected(const char *list)
{
    for (const char *p = list; *p;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        const struct attack *a = find_attack(p, len);

        if (a)
            run(a);
        else if (len)
            printk("blkhostile: unknown attack '%.*s' (known: segs12 zero-segs bad-sector "
                   "bad-seg-bounds bad-gref ro-write bad-op indirect-too-many prod-overrun)\n",
                   (int)len, p);
        p += len + (comma ? 1 : 0);
    }
}

/* Follows the backend for up to secs: closes the frontend once the backend is Closing. */
static void stay(unsigned long secs)
{
    uint64_t deadline = pv_now_ns() + secs * NSEC_PER_SEC;
    bool closed = false;

    while (pv_now_ns() < deadline) {
        int st = be_state();

        if (st < 0 || st == XenbusStateClosed) {
            if (closed)
                printk("blkhostile: released the disk (backend %s)\n",
                       st < 0 ? "removed" : "closed");
            return;
        }
        if (st == XenbusStateClosing && !closed) {
            (void)write_key(F.fe, "state", "%d", XenbusStateClosing);
            (void)write_key(F.fe, "state", "%d", XenbusStateClosed);
            closed = true;
        }
        pv_sleep_ns(POLL_NS);
    }
}

int main(const char *cmdline)
{
    char list[256];

    if (connect() == 0) {
        if (!pv_cmdline_get(cmdline, "attack", list, sizeof(list)) || strcmp(list, "all") == 0)
            for (size_t i = 0; i < NATTACKS; i++)
                run(&attacks[i]);
        else if (strcmp(list, "none") != 0)
            run_selected(list);
        stay(pv_cmdline_ulong(cmdline, "stay", 0));
    }
    printk("blkhostile: done\n");
    return 0;
}
