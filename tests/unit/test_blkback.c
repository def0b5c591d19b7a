/* test_blkback.c: blkback's request decoding (both ring layouts, every refusal) and its two I/O
 * engines. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../backends/blkback/blkback.h"
#include "check_run.h"

static const struct blk_limits LIM = {.sectors = 1000, .discard = true, .max_indirect = 256};

static void seg(struct blkif_request_segment *s, uint32_t ref, uint8_t first, uint8_t last)
{
    s->gref = ref;
    s->first_sect = first;
    s->last_sect = last;
}

/* A 64-bit request slot. */
static union blkif_x86_64_sring_entry rq64(uint8_t op, uint8_t nseg, uint64_t sector)
{
    union blkif_x86_64_sring_entry e;

    memset(&e, 0, sizeof(e));
    e.req.operation = op;
    e.req.nr_segments = nseg;
    e.req.id = 0x1122334455667788ull;
    e.req.sector_number = sector;
    for (unsigned i = 0; i < nseg && i < BLKIF_MAX_SEGMENTS_PER_REQUEST; i++)
        seg(&e.req.seg[i], 10 + i, 0, 7);
    return e;
}

static int decode64(const union blkif_x86_64_sring_entry *e, const struct blk_limits *lim,
                    struct blk_req *r, const char **why)
{
    return blk_req_decode(BLK_PROTO_64, e, lim, r, why);
}

START_TEST(read_write_ok)
{
    union blkif_x86_64_sring_entry e = rq64(BLKIF_OP_WRITE, 3, 100);
    struct blk_req r;
    const char *why;

    seg(&e.req.seg[1], 11, 2, 5);
    ck_assert_int_eq(decode64(&e, &LIM, &r, &why), 0);
    ck_assert_uint_eq(r.id, 0x1122334455667788ull);
    ck_assert_uint_eq(r.io_op, BLKIF_OP_WRITE);
    ck_assert_uint_eq(r.nseg, 3);
    ck_assert_uint_eq(r.nsect, 8 + 4 + 8);
    ck_assert_uint_eq(r.seg[1].gref, 11);
    ck_assert(!r.flush);
}
END_TEST

START_TEST(refusals)
{
    static const struct {
        uint8_t op, nseg;
        uint64_t sector;
        int status;
        const char *why;
    } cases[] = {
        {BLKIF_OP_READ, 12, 0, BLKIF_RSP_ERROR, "more than 11"},
        {BLKIF_OP_READ, 0, 0, BLKIF_RSP_ERROR, "no segments"},
        {BLKIF_OP_READ, 1, 993, BLKIF_RSP_ERROR, "beyond the end"},
        {BLKIF_OP_READ, 1, UINT64_MAX - 3, BLKIF_RSP_ERROR, "beyond the end"},
        {BLKIF_OP_WRITE_BARRIER, 1, 0, BLKIF_RSP_EOPNOTSUPP, "unknown"},
        {0xEE, 1, 0, BLKIF_RSP_EOPNOTSUPP, "unknown"},
    };
    struct blk_req r;
    const char *why;

    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        union blkif_x86_64_sring_entry e = rq64(cases[i].op, cases[i].nseg, cases[i].sector);

        ck_assert_int_eq(decode64(&e, &LIM, &r, &why), cases[i].status);
        ck_assert_ptr_nonnull(strstr(why, cases[i].why));
        ck_assert_uint_eq(r.id, 0x1122334455667788ull); /* the answer can name it */
    }
}
END_TEST

START_TEST(segment_bounds)
{
    union blkif_x86_64_sring_entry e = rq64(BLKIF_OP_READ, 2, 0);
    struct blk_req r;
    const char *why;

    seg(&e.req.seg[1], 11, 5, 4);
    ck_assert_int_eq(decode64(&e, &LIM, &r, &why), BLKIF_RSP_ERROR);
    ck_assert_ptr_nonnull(strstr(why, "first_sect > last_sect"));
    seg(&e.req.seg[1], 11, 0, 8);
    ck_assert_int_eq(decode64(&e, &LIM, &r, &why), BLKIF_RSP_ERROR);
    ck_assert_ptr_nonnull(strstr(why, "past the end of its page"));
    seg(&e.req.seg[1], 11, 7, 7);
    e.req.sector_number = LIM.sectors - 9; /* 8 + 1 sectors: exactly to the end */
    ck_assert_int_eq(decode64(&e, &LIM, &r, &why), 0);
}
END_TEST

START_TEST(readonly_disk)
{
    struct blk_limits ro = LIM;
    union blkif_x86_64_sring_entry e = rq64(BLKIF_OP_WRITE, 1, 0);
    struct blk_req r;
    const char *why;

    ro.readonly = true;
    ck_assert_int_eq(decode64(&e, &ro, &r, &why), BLKIF_RSP_ERROR);
    ck_assert_ptr_nonnull(strstr(why, "read-only"));
    e = rq64(BLKIF_OP_READ, 1, 0);
    ck_assert_int_eq(decode64(&e, &ro, &r, &why), 0);
    e = rq64(BLKIF_OP_DISCARD, 0, 0);
    ck_assert_int_eq(decode64(&e, &ro, &r, &why), BLKIF_RSP_ERROR);
}
END_TEST

START_TEST(flush_and_discard)
{
    union blkif_x86_64_sring_entry e = rq64(BLKIF_OP_FLUSH_DISKCACHE, 0, 0);
    struct blkif_x86_64_request_discard *d = (void *)&e;
    struct blk_limits nod = LIM;
    struct blk_req r;
    const char *why;

    ck_assert_int_eq(decode64(&e, &LIM, &r, &why), 0);
    ck_assert_uint_eq(r.io_op, BLKIF_OP_FLUSH_DISKCACHE);
    e = rq64(BLKIF_OP_FLUSH_DISKCACHE, 2, 4); /* a flush carrying data: write, then flush */
    ck_assert_int_eq(decode64(&e, &LIM, &r, &why), 0);
    ck_assert_uint_eq(r.io_op, BLKIF_OP_WRITE);
    ck_assert(r.flush);
    e = rq64(BLKIF_OP_DISCARD, 0, 990);
    d->nr_sectors = 10;
    ck_assert_int_eq(decode64(&e, &LIM, &r, &why), 0);
    ck_assert_uint_eq(r.nsect, 10);
    d->nr_sectors = 11;
    ck_assert_int_eq(decode64(&e, &LIM, &r, &why), BLKIF_RSP_ERROR);
    d->sector_number = 1;
    d->nr_sectors = UINT64_MAX;
    ck_assert_int_eq(decode64(&e, &LIM, &r, &why), BLKIF_RSP_ERROR);
    nod.discard = false;
    d->nr_sectors = 1;
    ck_assert_int_eq(decode64(&e, &nod, &r, &why), BLKIF_RSP_EOPNOTSUPP);
}
END_TEST

START_TEST(indirect)
{
    union blkif_x86_64_sring_entry e;
    struct blkif_x86_64_request_indirect *iq = (void *)&e;
    struct blkif_request_segment segs[BLK_MAX_SEGS];
    struct blk_limits small = LIM;
    struct blk_req r;
    const char *why;

    memset(&e, 0, sizeof(e));
    iq->operation = BLKIF_OP_INDIRECT;
    iq->indirect_op = BLKIF_OP_READ;
    iq->nr_segments = 100;
    iq->id = 7;
    iq->sector_number = 0;
    iq->indirect_grefs[0] = 55;
    ck_assert_int_eq(decode64(&e, &LIM, &r, &why), 0);
    ck_assert_uint_eq(r.nindir, 1);
    ck_assert_uint_eq(r.indir[0], 55);
    for (unsigned i = 0; i < 100; i++)
        seg(&segs[i], 100 + i, 0, 7);
    ck_assert_int_eq(blk_req_indirect(&r, segs, &LIM, &why), 0);
    ck_assert_uint_eq(r.nsect, 800);
    seg(&segs[99], 1, 0, 9);
    ck_assert_int_eq(blk_req_indirect(&r, segs, &LIM, &why), BLKIF_RSP_ERROR);
    small.max_indirect = 32;
    ck_assert_int_eq(decode64(&e, &small, &r, &why), BLKIF_RSP_ERROR);
    iq->nr_segments = 0;
    ck_assert_int_eq(decode64(&e, &LIM, &r, &why), BLKIF_RSP_ERROR);
    iq->nr_segments = 4;
    iq->indirect_op = BLKIF_OP_DISCARD;
    ck_assert_int_eq(decode64(&e, &LIM, &r, &why), BLKIF_RSP_EOPNOTSUPP);
    small.max_indirect = 0;
    iq->indirect_op = BLKIF_OP_READ;
    ck_assert_int_eq(decode64(&e, &small, &r, &why), BLKIF_RSP_EOPNOTSUPP);
}
END_TEST

START_TEST(layout32)
{
    union blkif_x86_32_sring_entry e;
    struct blk_req r;
    const char *why;
    enum blk_proto p;

    ck_assert_int_eq(blk_proto_parse("x86_32-abi", &p), 0);
    ck_assert_int_eq(p, BLK_PROTO_32);
    ck_assert_int_eq(blk_proto_parse(NULL, &p), 0);
    ck_assert_int_eq(p, BLK_PROTO_64);
    ck_assert_int_eq(blk_proto_parse("arm-abi", &p), -EINVAL);
    ck_assert_uint_eq(blk_slot_size(BLK_PROTO_32), 108);
    ck_assert_uint_eq(blk_slot_size(BLK_PROTO_64), 112);
    memset(&e, 0, sizeof(e));
    e.req.operation = BLKIF_OP_READ;
    e.req.nr_segments = 1;
    e.req.id = 0xabcdef0123ull;
    e.req.sector_number = 999;
    seg(&e.req.seg[0], 9, 7, 7);
    ck_assert_int_eq(blk_req_decode(BLK_PROTO_32, &e, &LIM, &r, &why), 0);
    ck_assert_uint_eq(r.id, 0xabcdef0123ull);
    ck_assert_uint_eq(r.sector, 999);
    ck_assert_uint_eq(r.nsect, 1);
    ck_assert_uint_eq(r.seg[0].gref, 9);
}
END_TEST

START_TEST(responses_fully_defined)
{
    uint8_t slot[112];
    struct blkif_x86_64_response r64;
    struct blkif_x86_32_response r32;

    memset(slot, 0xAA, sizeof(slot));
    blk_rsp_encode(BLK_PROTO_64, slot, 5, BLKIF_OP_READ, BLKIF_RSP_ERROR);
    memcpy(&r64, slot, sizeof(r64));
    ck_assert_uint_eq(r64.id, 5);
    ck_assert_int_eq(r64.status, BLKIF_RSP_ERROR);
    ck_assert_uint_eq(slot[9], 0); /* padding between operation and status */
    for (unsigned i = 12; i < 16; i++)
        ck_assert_uint_eq(slot[i], 0);
    memset(slot, 0xAA, sizeof(slot));
    blk_rsp_encode(BLK_PROTO_32, slot, 6, BLKIF_OP_WRITE, 0);
    memcpy(&r32, slot, sizeof(r32));
    ck_assert_uint_eq(r32.id, 6);
    ck_assert_uint_eq(r32.operation, BLKIF_OP_WRITE);
    ck_assert_uint_eq(slot[9], 0);
    ck_assert_uint_eq(slot[12], 0xAA); /* nothing written past the 12-byte response */
}
END_TEST

/* ---- I/O engines ---------------------------------------------------------------------------- */

struct seen {
    unsigned n;
    uint64_t tags[8];
    int64_t res[8];
};

static void on_done(void *arg, uint64_t tag, int64_t res)
{
    struct seen *s = arg;

    s->tags[s->n] = tag;
    s->res[s->n++] = res;
}

static void reap_all(struct bio_engine *e, struct seen *s, unsigned want)
{
    for (int tries = 0; s->n < want && tries < 1000; tries++) {
        struct pollfd pf = {.fd = bio_fd(e), .events = POLLIN};

        if (pf.fd >= 0)
            poll(&pf, 1, 10);
        bio_reap(e, on_done, s);
    }
    ck_assert_uint_eq(s->n, want);
}

static void engine_roundtrip(bool uring)
{
    char path[] = "/tmp/test-blkback-XXXXXX";
    int fd = mkstemp(path);
    char wbuf[4096], rbuf[4096];
    struct iovec wv = {wbuf, sizeof(wbuf)}, rv = {rbuf, sizeof(rbuf)};
    struct bio_engine *e;
    struct seen s = {0};

    ck_assert_int_ge(fd, 0);
    unlink(path);
    ck_assert_int_eq(ftruncate(fd, 1 << 20), 0);
    memset(wbuf, 0x5a, sizeof(wbuf));
    ck_assert_int_eq(bio_open(8, uring, &e), 0);
    ck_assert(bio_is_uring(e) == uring);
    ck_assert_int_eq(bio_queue(e, &(struct bio){.kind = BIO_WRITE,
                                                .fd = fd,
                                                .off = 8192,
                                                .iov = &wv,
                                                .niov = 1,
                                                .tag = 1,
                                                .link_next = true}),
                     0);
    ck_assert_int_eq(bio_queue(e, &(struct bio){.kind = BIO_FSYNC, .fd = fd, .tag = 2}), 0);
    ck_assert_int_eq(bio_kick(e), 0);
    reap_all(e, &s, 2);
    ck_assert_int_eq(s.res[0], 4096);
    ck_assert_int_eq(s.res[1], 0);
    ck_assert_int_eq(bio_queue(e, &(struct bio){.kind = BIO_READ,
                                                .fd = fd,
                                                .off = 8192,
                                                .iov = &rv,
                                                .niov = 1,
                                                .tag = 3,
                                                .drain = true}),
                     0);
    ck_assert_int_eq(bio_kick(e), 0);
    reap_all(e, &s, 3);
    ck_assert_uint_eq(s.tags[2], 3);
    ck_assert_mem_eq(rbuf, wbuf, sizeof(rbuf));
    ck_assert_int_eq(
        bio_queue(e,
                  &(struct bio){.kind = BIO_DISCARD, .fd = fd, .off = 8192, .len = 4096, .tag = 4}),
        0);
    ck_assert_int_eq(bio_kick(e), 0);
    reap_all(e, &s, 4);
    ck_assert_int_eq(s.res[3], 0);
    ck_assert_int_eq(pread(fd, rbuf, sizeof(rbuf), 8192), 4096);
    ck_assert_uint_eq((unsigned char)rbuf[0], 0); /* the hole reads as zeroes */
    /* A failing bio cancels the one linked after it. */
    ck_assert_int_eq(
        bio_queue(
            e,
            &(struct bio){
                .kind = BIO_WRITE, .fd = -1, .iov = &wv, .niov = 1, .tag = 5, .link_next = true}),
        0);
    ck_assert_int_eq(bio_queue(e, &(struct bio){.kind = BIO_FSYNC, .fd = fd, .tag = 6}), 0);
    ck_assert_int_eq(bio_kick(e), 0);
    reap_all(e, &s, 6);
    ck_assert_int_eq(s.res[4], -EBADF);
    ck_assert_int_eq(s.res[5], -ECANCELED);
    bio_close(e);
    close(fd);
}

START_TEST(engine_sync)
{
    engine_roundtrip(false);
}
END_TEST

START_TEST(engine_uring)
{
    struct bio_engine *e;

    ck_assert_int_eq(bio_open(4, true, &e), 0);
    bool ok = bio_is_uring(e);
    bio_close(e);
    if (!ok)
        return; /* io_uring refused here: the fallback is what blkback uses, tested above */
    engine_roundtrip(true);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("blkback");
    TCase *t = tcase_create("ring");

    tcase_add_test(t, read_write_ok);
    tcase_add_test(t, refusals);
    tcase_add_test(t, segment_bounds);
    tcase_add_test(t, readonly_disk);
    tcase_add_test(t, flush_and_discard);
    tcase_add_test(t, indirect);
    tcase_add_test(t, layout32);
    tcase_add_test(t, responses_fully_defined);
    suite_add_tcase(s, t);
    t = tcase_create("io");
    tcase_add_test(t, engine_sync);
    tcase_add_test(t, engine_uring);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return check_run(suite(), true);
}
