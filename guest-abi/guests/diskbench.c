/*
 * diskbench.c: block I/O benchmarks through blkfront with N requests in flight: random
 * 4 KiB reads, sequential 1 MiB reads and sequential 1 MiB writes (which overwrite the disk).
 *
 * Command line: [test=randread4k|seqread1m|seqwrite1m] [qd=N (1..64)] [seconds=S (default 3)]
 *   [vdev=xvda] [timeout=S].  Without test= it runs randread4k at qd=1 and qd=32, then the
 *   1 MiB tests at qd=8 (or all at qd=N when given).  Each test prints
 *   "diskbench: <test> qd=<n> ops=<n> bytes=<n> ns=<n>" (Xen system time), or
 *   "diskbench: FAIL <test>: ..."; the guest powers off at the end.
 */
#include <pvguest/blkfront.h>
#include <pvguest/pvguest.h>

#define MAX_QD      64
#define MAX_OP      (1024 * 1024)
#define DEF_SECONDS 3
#define WAIT_NS     (30 * NSEC_PER_SEC) /* at most between two completions */

struct test {
    const char *name;
    enum blkfront_op op;
    bool random;
    uint64_t size; /* bytes per operation */
};

static const struct test tests[] = {
    {"randread4k", BLKFRONT_READ, true, 4096},
    {"seqread1m", BLKFRONT_READ, false, MAX_OP},
    {"seqwrite1m", BLKFRONT_WRITE, false, MAX_OP},
};

/* All ios share one buffer: read data is not looked at, written data does not matter. */
static uint8_t buf[MAX_OP] __attribute__((aligned(4096)));
static struct blkfront_io ios[MAX_QD];

struct run {
    const struct test *t;
    uint64_t blocks; /* operation-sized blocks on the disk */
    uint64_t next;   /* sequential position (block) */
    uint64_t rng;
};

static uint64_t xorshift(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

static int submit(struct blkfront_dev *dev, struct run *r, struct blkfront_io *io)
{
    uint64_t block = r->t->random ? xorshift(&r->rng) % r->blocks : r->next++ % r->blocks;

    io->op = r->t->op;
    io->sector = block * (r->t->size / BLKFRONT_SECTOR);
    io->nsectors = r->t->size / BLKFRONT_SECTOR;
    io->buf = buf;
    return blkfront_submit(dev, io);
}

static void fail(const struct test *t, const char *what, int rc, int status)
{
    const char *name = rc < 0 ? pv_errno_name(-rc) : NULL;

    if (status)
        printk("diskbench: FAIL %s: %s: %s (backend status %d)\n", t->name, what,
               name ? name : "error", status);
    else
        printk("diskbench: FAIL %s: %s: %s\n", t->name, what, name ? name : "error");
}

/* Keeps qd operations in flight for `seconds`, then lets them finish. */
static void bench(struct blkfront_dev *dev, const struct blkfront_info *in, const struct test *t,
                  unsigned int qd, uint64_t seconds)
{
    struct run r = {
        .t = t, .blocks = in->sectors * BLKFRONT_SECTOR / t->size, .rng = 88172645463325252ULL};
    uint64_t ops = 0, start = pv_now_ns(), end = start + seconds * NSEC_PER_SEC;
    unsigned int outstanding = 0;
    int err = 0;

    if (r.blocks == 0) {
        printk("diskbench: FAIL %s: the disk is smaller than one operation\n", t->name);
        return;
    }
    memset(ios, 0, sizeof(ios));
    for (unsigned int i = 0; i < qd && !err; i++) {
        err = submit(dev, &r, &ios[i]);
        outstanding += err == 0;
    }
    if (err)
        fail(t, "submit", err, 0);
    while (outstanding) {
        struct blkfront_io *io = blkfront_poll(dev, WAIT_NS);
        if (!io) {
            fail(t, "no completion", -ETIMEDOUT, 0);
            for (unsigned int i = 0; i < qd; i++)
                blkfront_cancel(dev, &ios[i]); /* the next test reuses them */
            return;
        }
        outstanding--;
        if (io->rc < 0 && !err) {
            fail(t, "request", io->rc, io->status);
            err = io->rc;
        }
        ops += io->rc == 0;
        if (!err && pv_now_ns() < end) {
            err = submit(dev, &r, io);
            outstanding += err == 0;
            if (err)
                fail(t, "submit", err, 0);
        }
    }
    if (err)
        return;
    printk("diskbench: %s qd=%u ops=%llu bytes=%llu ns=%llu\n", t->name, qd,
           (unsigned long long)ops, (unsigned long long)(ops * t->size),
           (unsigned long long)(pv_now_ns() - start));
}

static const struct test *find_test(const char *name)
{
    for (unsigned int i = 0; i < ARRAY_SIZE(tests); i++)
        if (strcmp(tests[i].name, name) == 0)
            return &tests[i];
    return NULL;
}

int main(const char *cmdline)
{
    char name[16], vdev[16];
    struct blkfront_dev *dev;
    struct blkfront_info in;
    unsigned long qd = PV_MIN(pv_cmdline_ulong(cmdline, "qd", 0), (unsigned long)MAX_QD);
    uint64_t seconds = pv_cmdline_ulong(cmdline, "seconds", DEF_SECONDS);
    uint64_t timeout = pv_cmdline_ulong(cmdline, "timeout", 0) * NSEC_PER_SEC;
    const struct test *only = NULL;

    if (pv_cmdline_get(cmdline, "test", name, sizeof(name)) && !(only = find_test(name))) {
        printk("diskbench: FAIL test=%s: use randread4k, seqread1m or seqwrite1m\n", name);
        return 0;
    }
    bool named = pv_cmdline_get(cmdline, "vdev", vdev, sizeof(vdev));
    int rc = blkfront_open(named ? vdev : NULL, timeout, &dev);
    if (rc < 0) {
        printk("diskbench: FAIL open: %s\n", pv_errno_name(-rc) ? pv_errno_name(-rc) : "error");
        return 0;
    }
    blkfront_set_timeouts(dev, timeout, timeout);
    blkfront_info(dev, &in);
    printk("diskbench: %s %llu sectors, %s, persistent=%d indirect=%u ring-pages=%u\n", in.name,
           (unsigned long long)in.sectors, in.read_only ? "ro" : "rw", in.persistent,
           in.indirect_segments, in.ring_pages);
    if (only) {
        bench(dev, &in, only, qd ? (unsigned int)qd : 32, seconds);
    } else {
        bench(dev, &in, &tests[0], qd ? (unsigned int)qd : 1, seconds);
        if (!qd)
            bench(dev, &in, &tests[0], 32, seconds);
        for (unsigned int i = 1; i < ARRAY_SIZE(tests); i++)
            bench(dev, &in, &tests[i], qd ? (unsigned int)qd : 8, seconds);
    }
    (void)blkfront_close(dev);
    return 0;
}
