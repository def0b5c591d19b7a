/*
 * disktest.c: writes a pattern over a whole PV disk (blkfront) and/or verifies it: every
 * 512-byte sector n holds 64 copies of the little-endian u64 n * 0x9E3779B97F4A7C15 + seed.
 *
 * Command line: mode=write|verify|rw (default rw) seed=N (default 0) [vdev=xvda]
 *   [passes=N] (rw: N rounds with seed + pass, "disktest: pass K flushed" after each flush)
 *   [flush-every=MiB] [chunk=KiB (default 256)] [qd=N chunks in flight (default 4)]
 *   [reopen=1] (rw: close and reopen the device between writing and verifying) [timeout=S]
 *   [wait=S] (wait up to S seconds for a disk to be attached before opening it)
 *   [discard=MiB] (after a successful run, discard that much at the end of the disk)
 * Writes end with a flush (a barrier behind every write).  Prints an info line, then
 * "disktest: OK <disk bytes>" or "disktest: FAIL ...", and powers off in every case.
 */
#include <pvguest/blkfront.h>
#include <pvguest/pvguest.h>

#define GOLDEN          0x9E3779B97F4A7C15ULL
#define WORDS           (BLKFRONT_SECTOR / 8)
#define MAX_CHUNK_KIB   1024
#define DEF_CHUNK_KIB   256
#define MAX_QD          16
#define DEF_QD          4
#define BUF_BYTES       (4 * 1024 * 1024) /* qd * chunk at most */
#define SECTORS_PER_MIB (1024 * 1024 / BLKFRONT_SECTOR)

struct opts {
    char mode[8];
    char vdev[16];
    uint64_t seed;
    unsigned long passes;
    uint64_t flush_every; /* sectors, 0 = only at the end */
    uint64_t chunk;       /* sectors per request */
    unsigned long qd;     /* chunks in flight */
    bool reopen;          /* rw: close and reopen the device before each verify */
    uint64_t timeout_ns;  /* 0 = blkfront's defaults */
    uint64_t attach_ns;   /* wait=S: how long to wait for a disk to be attached */
    uint64_t discard;     /* discard=MiB: sectors to discard at the end of the disk after */
    uint64_t wait_ns;     /* at most between two completions */
};

/* Slot i of the pipeline owns buf[i * chunk words ...]; ios[MAX_QD] is the flush. */
static uint64_t buf[BUF_BYTES / 8] __attribute__((aligned(4096)));
static struct blkfront_io ios[MAX_QD + 1];

/* One pass over the disk: writes (then a flush) or reads and checks, qd chunks in flight. */
struct pass {
    struct blkfront_dev *dev;
    const struct opts *o;
    uint64_t seed;
    bool write;
    uint32_t free; /* bit i: slot i idle */
    bool flushing;
    int rc;                 /* the first failure; nothing more is submitted */
    struct blkfront_io bad; /* the failed io with the lowest sector, reported at the end */
    bool bad_set;
};

static uint64_t pattern(uint64_t sector, uint64_t seed)
{
    return sector * GOLDEN + seed;
}

static uint64_t *slot_buf(const struct pass *p, unsigned int i)
{
    return buf + i * p->o->chunk * WORDS;
}

static void fill(uint64_t *w, uint64_t first, uint64_t n, uint64_t seed)
{
    for (uint64_t s = 0; s < n; s++) {
        uint64_t v = pattern(first + s, seed);
        for (unsigned int i = 0; i < WORDS; i++)
            *w++ = v;
    }
}

static const char *err_text(int rc)
{
    switch (rc) {
    case -EIO:
        return "I/O error";
    case -EOPNOTSUPP:
        return "operation not supported";
    case -ETIMEDOUT:
        return "timed out";
    case -ENODEV:
        return "device detached";
    case -EINVAL:
        return "invalid request";
    default:
        return rc < 0 && pv_errno_name(-rc) ? pv_errno_name(-rc) : "error";
    }
}

/* "disktest: FAIL write sector 0: I/O error (backend status -1)" */
static int report(const struct blkfront_io *io, int rc)
{
    static const char *const what[] = {[BLKFRONT_READ] = "read",
                                       [BLKFRONT_WRITE] = "write",
                                       [BLKFRONT_FLUSH] = "flush",
                                       [BLKFRONT_DISCARD] = "discard"};
    char where[32] = "";

    if (io->op != BLKFRONT_FLUSH)
        snprintf(where, sizeof(where), " sector %llu", (unsigned long long)io->sector);
    if (io->status)
        printk("disktest: FAIL %s%s: %s (backend status %d)\n", what[io->op], where, err_text(rc),
               io->status);
    else
        printk("disktest: FAIL %s%s: %s\n", what[io->op], where, err_text(rc));
    return rc;
}

/* A read chunk against the pattern (a mismatch is printed at once). */
static int check(const struct pass *p, const struct blkfront_io *io)
{
    const uint64_t *w = io->buf;

    for (uint64_t i = 0; i < io->nsectors * WORDS; i++) {
        uint64_t sec = io->sector + i / WORDS;
        if (w[i] != pattern(sec, p->seed)) {
            printk("disktest: FAIL sector %llu: expected 0x%016llx got 0x%016llx\n",
                   (unsigned long long)sec, (unsigned long long)pattern(sec, p->seed),
                   (unsigned long long)w[i]);
            return -EIO;
        }
    }
    return 0;
}

static void note_failure(struct pass *p, const struct blkfront_io *io)
{
    if (!p->rc)
        p->rc = io->rc;
    if (!p->bad_set || (io->op != BLKFRONT_FLUSH && io->sector < p->bad.sector))
        p->bad = *io;
    p->bad_set = true;
}

/* Takes one completion and checks it; -ETIMEDOUT if none came in time. */
static int reap(struct pass *p)
{
    struct blkfront_io *io = blkfront_poll(p->dev, p->o->wait_ns);

    if (!io) {
        printk("disktest: FAIL no completion within %llu s\n",
               (unsigned long long)(p->o->wait_ns / NSEC_PER_SEC));
        return p->rc = -ETIMEDOUT;
    }
    if (io == &ios[MAX_QD])
        p->flushing = false;
    else
        p->free |= 1u << (io - ios);
    if (io->rc < 0)
        note_failure(p, io);
    else if (!p->write && io != &ios[MAX_QD] && !p->rc)
        p->rc = check(p, io);
    return 0;
}

static uint32_t all_slots(const struct pass *p)
{
    return (uint32_t)((1ULL << p->o->qd) - 1);
}

/* Reaps until the flush (flush) or a slot (!flush) is free, unless something failed. */
static void reap_while(struct pass *p, bool flush)
{
    while (!p->rc && (flush ? p->flushing : !p->free))
        (void)reap(p);
}

/* Queues a flush behind everything submitted so far (after the previous one completed). */
static void flush(struct pass *p)
{
    struct blkfront_io *io = &ios[MAX_QD];

    reap_while(p, true);
    if (p->rc)
        return;
    *io = (struct blkfront_io){.op = BLKFRONT_FLUSH};
    io->rc = blkfront_submit(p->dev, io);
    if (io->rc < 0)
        note_failure(p, io);
    p->flushing = io->rc == 0;
}

static void submit_chunk(struct pass *p, uint64_t s, uint64_t n)
{
    reap_while(p, false);
    if (p->rc)
        return;
    unsigned int i = (unsigned int)__builtin_ctz(p->free);
    struct blkfront_io *io = &ios[i];
    *io = (struct blkfront_io){.op = p->write ? BLKFRONT_WRITE : BLKFRONT_READ,
                               .sector = s,
                               .nsectors = n,
                               .buf = slot_buf(p, i)};
    if (p->write)
        fill(io->buf, s, n, p->seed);
    io->rc = blkfront_submit(p->dev, io);
    if (io->rc < 0)
        note_failure(p, io);
    else
        p->free &= ~(1u << i);
}

static int run_pass(struct blkfront_dev *dev, uint64_t sectors, const struct opts *o, uint64_t seed,
                    bool write)
{
    struct pass p = {.dev = dev, .o = o, .seed = seed, .write = write};
    uint64_t since_flush = 0;

    p.free = all_slots(&p);
    for (uint64_t s = 0; s < sectors && !p.rc;) {
        uint64_t n = PV_MIN(o->chunk, sectors - s);
        submit_chunk(&p, s, n);
        s += n;
        since_flush += n;
        if (write && o->flush_every && since_flush >= o->flush_every && s < sectors) {
            flush(&p);
            since_flush = 0;
        }
    }
    if (write)
        flush(&p);
    /* everything in flight completes (or fails) before we report */
    while (p.rc != -ETIMEDOUT && (p.flushing || p.free != all_slots(&p)))
        (void)reap(&p);
    if (p.bad_set)
        report(&p.bad, p.bad.rc);
    return p.rc;
}

/* Closes the device and opens it again (a new handshake with the same backend). */
static int reopen(struct blkfront_dev **dev, const struct opts *o)
{
    int rc = blkfront_close(*dev);

    *dev = NULL;
    if (rc < 0)
        printk("disktest: note: close: %s\n", err_text(rc));
    rc = blkfront_open(o->vdev[0] ? o->vdev : NULL, o->timeout_ns, dev);
    if (rc < 0) {
        printk("disktest: FAIL reopen: %s\n", err_text(rc));
        return rc;
    }
    blkfront_set_timeouts(*dev, o->timeout_ns, o->timeout_ns);
    printk("disktest: reopened\n");
    return 0;
}

static int run(struct blkfront_dev **dev, uint64_t sectors, const struct opts *o)
{
    if (strcmp(o->mode, "write") == 0)
        return run_pass(*dev, sectors, o, o->seed, true);
    if (strcmp(o->mode, "verify") == 0)
        return run_pass(*dev, sectors, o, o->seed, false);
    for (unsigned long p = 0; p < o->passes; p++) {
        int rc = run_pass(*dev, sectors, o, o->seed + p, true);
        if (rc < 0)
            return rc;
        printk("disktest: pass %lu flushed\n", p + 1);
        if (o->reopen && (rc = reopen(dev, o)) < 0)
            return rc;
        rc = run_pass(*dev, sectors, o, o->seed + p, false);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int parse(const char *cmdline, struct opts *o)
{
    unsigned long chunk_kib = pv_cmdline_ulong(cmdline, "chunk", DEF_CHUNK_KIB);

    if (!pv_cmdline_get(cmdline, "mode", o->mode, sizeof(o->mode)))
        strlcpy(o->mode, "rw", sizeof(o->mode));
    if (strcmp(o->mode, "write") && strcmp(o->mode, "verify") && strcmp(o->mode, "rw")) {
        printk("disktest: FAIL mode=%s: use mode=write, verify or rw\n", o->mode);
        return -EINVAL;
    }
    if (!pv_cmdline_get(cmdline, "vdev", o->vdev, sizeof(o->vdev)))
        o->vdev[0] = '\0';
    o->seed = pv_cmdline_ulong(cmdline, "seed", 0);
    o->passes = PV_MAX(pv_cmdline_ulong(cmdline, "passes", 1), 1UL);
    o->flush_every = pv_cmdline_ulong(cmdline, "flush-every", 0) * SECTORS_PER_MIB;
    o->qd = pv_cmdline_ulong(cmdline, "qd", DEF_QD);
    o->reopen = pv_cmdline_ulong(cmdline, "reopen", 0) != 0;
    if (chunk_kib == 0 || chunk_kib > MAX_CHUNK_KIB || chunk_kib % 4) {
        printk("disktest: FAIL chunk=%lu: use a multiple of 4 up to %u (KiB)\n", chunk_kib,
               MAX_CHUNK_KIB);
        return -EINVAL;
    }
    if (o->qd == 0 || o->qd > MAX_QD || o->qd * chunk_kib * 1024 > BUF_BYTES) {
        printk("disktest: FAIL qd=%lu: use 1 to %u, with qd * chunk up to %u KiB\n", o->qd, MAX_QD,
               BUF_BYTES / 1024);
        return -EINVAL;
    }
    o->chunk = chunk_kib * 1024 / BLKFRONT_SECTOR;
    o->timeout_ns = pv_cmdline_ulong(cmdline, "timeout", 0) * NSEC_PER_SEC;
    o->attach_ns = pv_cmdline_ulong(cmdline, "wait", 0) * NSEC_PER_SEC;
    o->discard = pv_cmdline_ulong(cmdline, "discard", 0) * SECTORS_PER_MIB;
    o->wait_ns = o->timeout_ns ? o->timeout_ns : BLKFRONT_IO_TIMEOUT_NS;
    return 0;
}

/* wait=S: polls xenstore until the toolstack attached a disk (xl block-attach), S at most. */
static void wait_for_disk(const struct opts *o)
{
    uint64_t end = pv_now_ns() + o->attach_ns;
    char names[256], path[64];
    unsigned int n = 0;

    if (!o->attach_ns)
        return;
    if (o->vdev[0])
        snprintf(path, sizeof(path), "device/vbd/%ld", blkfront_devid(o->vdev));
    else
        snprintf(path, sizeof(path), "device/vbd");
    printk("disktest: waiting up to %llu s for %s\n",
           (unsigned long long)(o->attach_ns / NSEC_PER_SEC), path);
    while (pv_now_ns() < end) {
        int rc = xenbus_directory(XBT_NIL, path, names, sizeof(names), &n);

        if (rc >= 0 && (o->vdev[0] || n > 0))
            return;
        pv_sleep_ns(100 * NSEC_PER_MSEC);
    }
}

static int discard_tail(struct blkfront_dev *dev, uint64_t sectors, uint64_t n)
{
    uint64_t first = n < sectors ? sectors - n : 0;
    int rc = blkfront_discard(dev, first, sectors - first);

    if (rc < 0)
        printk("disktest: FAIL discard sector %llu: %s\n", (unsigned long long)first, err_text(rc));
    else
        printk("disktest: discarded %llu sectors from sector %llu\n",
               (unsigned long long)(sectors - first), (unsigned long long)first);
    return rc;
}

static void print_info(const struct blkfront_info *in)
{
    printk("disktest: %s %llu sectors of %u bytes, %s, persistent=%d indirect=%u ring-pages=%u\n",
           in->name, (unsigned long long)in->sectors, in->sector_size, in->read_only ? "ro" : "rw",
           in->persistent, in->indirect_segments, in->ring_pages);
}

static void print_stats(struct blkfront_dev *dev, uint64_t ns)
{
    struct blkfront_stats st;

    blkfront_stats(dev, &st);
    printk("disktest: stats ms=%llu requests=%llu notifies=%llu events=%llu reconnects=%llu "
           "reissued=%llu bad-responses=%llu leaked-pages=%llu\n",
           (unsigned long long)(ns / NSEC_PER_MSEC), (unsigned long long)st.requests,
           (unsigned long long)st.notifies, (unsigned long long)st.events,
           (unsigned long long)st.reconnects, (unsigned long long)st.reissued,
           (unsigned long long)st.bad_responses, (unsigned long long)st.leaked_pages);
}

int main(const char *cmdline)
{
    struct opts o;
    struct blkfront_dev *dev;
    struct blkfront_info info;

    memset(&o, 0, sizeof(o));
    if (parse(cmdline, &o) < 0)
        return 0;
    wait_for_disk(&o);
    int rc = blkfront_open(o.vdev[0] ? o.vdev : NULL, o.timeout_ns, &dev);
    if (rc < 0) {
        printk("disktest: FAIL open %s: %s\n", o.vdev[0] ? o.vdev : "(first disk)", err_text(rc));
        return 0;
    }
    blkfront_set_timeouts(dev, o.timeout_ns, o.timeout_ns);
    blkfront_info(dev, &info);
    print_info(&info);
    uint64_t t0 = pv_now_ns();
    rc = run(&dev, info.sectors, &o);
    if (!dev)
        return 0; /* a reopen failed */
    print_stats(dev, pv_now_ns() - t0);
    if (rc == 0 && o.discard)
        rc = discard_tail(dev, info.sectors, o.discard);
    if (rc == 0)
        printk("disktest: OK %llu\n", (unsigned long long)info.sectors * BLKFRONT_SECTOR);
    rc = blkfront_close(dev);
    if (rc < 0)
        printk("disktest: note: close: %s\n", err_text(rc));
    return 0; /* power off in every case */
}
