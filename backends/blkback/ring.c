/* ring.c: blkif request decoding and validation, response encoding, for the 64- and 32-bit ring
 * layouts. */
#include <errno.h>
#include <string.h>

#include "blkback.h"

int blk_proto_parse(const char *s, enum blk_proto *out)
{
    if (!s || !*s || strcmp(s, "x86_64-abi") == 0)
        *out = BLK_PROTO_64;
    else if (strcmp(s, "x86_32-abi") == 0)
        *out = BLK_PROTO_32;
    else
        return -EINVAL;
    return 0;
}

size_t blk_slot_size(enum blk_proto p)
{
    return p == BLK_PROTO_32 ? sizeof(union blkif_x86_32_sring_entry)
                             : sizeof(union blkif_x86_64_sring_entry);
}

/* The layout-independent header of a request slot. */
struct raw_req {
    uint8_t op, nseg8; /* nseg8: nr_segments (rw) or indirect_op / flag */
    uint16_t nseg16;   /* INDIRECT: nr_segments */
    uint64_t id, sector, nr_sectors;
    const struct blkif_request_segment *seg;
    const grant_ref_t *indir;
};

/* raw_from_64() / raw_from_32(): the header fields of a slot in one layout. The request,
 * discard and indirect forms overlay the same slot; each field is read from its form. */
#define DEFINE_RAW_FROM(fn, rq_t, dq_t, iq_t)                                                      \
    static void fn(const void *slot, struct raw_req *w)                                            \
    {                                                                                              \
        const rq_t *rq = slot;                                                                     \
        const dq_t *dq = slot;                                                                     \
        const iq_t *iq = slot;                                                                     \
                                                                                                   \
        w->op = rq->operation;                                                                     \
        w->id = rq->id;                                                                            \
        w->sector = rq->sector_number;                                                             \
        w->nseg8 = rq->nr_segments;                                                                \
        w->seg = rq->seg;                                                                          \
        w->nr_sectors = dq->nr_sectors;                                                            \
        w->nseg16 = iq->nr_segments;                                                               \
        w->indir = iq->indirect_grefs;                                                             \
    }
DEFINE_RAW_FROM(raw_from_64, struct blkif_x86_64_request, struct blkif_x86_64_request_discard,
                struct blkif_x86_64_request_indirect)
DEFINE_RAW_FROM(raw_from_32, struct blkif_x86_32_request, struct blkif_x86_32_request_discard,
                struct blkif_x86_32_request_indirect)

static int bad(const char **why, const char *what, int status)
{
    *why = what;
    return status;
}

/* The sectors [sector, sector + n) lie on the disk (no wrap-around). */
static bool in_range(uint64_t sector, uint64_t n, uint64_t sectors)
{
    return n <= sectors && sector <= sectors - n;
}

static int check_segs(struct blk_req *r, const struct blk_limits *lim, const char **why)
{
    uint64_t n = 0;

    for (unsigned i = 0; i < r->nseg; i++) {
        if (r->seg[i].first_sect > r->seg[i].last_sect)
            return bad(why, "segment with first_sect > last_sect", BLKIF_RSP_ERROR);
        if (r->seg[i].last_sect >= BLK_SECTORS_PER_PAGE)
            return bad(why, "segment past the end of its page (last_sect > 7)", BLKIF_RSP_ERROR);
        n += (uint64_t)r->seg[i].last_sect - r->seg[i].first_sect + 1;
    }
    r->nsect = n;
    if (!in_range(r->sector, n, lim->sectors))
        return bad(why, "sectors beyond the end of the disk", BLKIF_RSP_ERROR);
    return 0;
}

static int decode_rw(const struct raw_req *w, const struct blk_limits *lim, struct blk_req *r,
                     const char **why)
{
    r->io_op = w->op == BLKIF_OP_READ ? BLKIF_OP_READ : BLKIF_OP_WRITE;
    r->flush = w->op == BLKIF_OP_FLUSH_DISKCACHE;
    r->nseg = w->nseg8;
    if (r->flush && r->nseg == 0) {
        r->io_op = BLKIF_OP_FLUSH_DISKCACHE;
        return 0;
    }
    if (r->nseg == 0)
        return bad(why, "read/write with no segments", BLKIF_RSP_ERROR);
    if (r->nseg > BLKIF_MAX_SEGMENTS_PER_REQUEST)
        return bad(why, "more than 11 segments in a direct request", BLKIF_RSP_ERROR);
    if (r->io_op == BLKIF_OP_WRITE && lim->readonly)
        return bad(why, "write to a read-only disk", BLKIF_RSP_ERROR);
    memcpy(r->seg, w->seg, r->nseg * sizeof(r->seg[0]));
    return check_segs(r, lim, why);
}

static int decode_discard(const struct raw_req *w, const struct blk_limits *lim, struct blk_req *r,
                          const char **why)
{
    r->io_op = BLKIF_OP_DISCARD;
    r->nsect = w->nr_sectors;
    if (!lim->discard)
        return bad(why, "discard, which this disk does not offer", BLKIF_RSP_EOPNOTSUPP);
    if (lim->readonly)
        return bad(why, "discard on a read-only disk", BLKIF_RSP_ERROR);
    if (!in_range(r->sector, r->nsect, lim->sectors))
        return bad(why, "discard beyond the end of the disk", BLKIF_RSP_ERROR);
    return 0;
}

static int decode_indirect(const struct raw_req *w, const struct blk_limits *lim, struct blk_req *r,
                           const char **why)
{
    uint8_t iop = w->nseg8;

    if (!lim->max_indirect)
        return bad(why, "indirect request, which is not offered", BLKIF_RSP_EOPNOTSUPP);
    if (iop != BLKIF_OP_READ && iop != BLKIF_OP_WRITE)
        return bad(why, "indirect request with an operation other than read/write",
                   BLKIF_RSP_EOPNOTSUPP);
    r->io_op = iop;
    r->nseg = w->nseg16;
    if (r->nseg == 0 || r->nseg > lim->max_indirect)
        return bad(why, "indirect segment count 0 or above feature-max-indirect-segments",
                   BLKIF_RSP_ERROR);
    if (iop == BLKIF_OP_WRITE && lim->readonly)
        return bad(why, "write to a read-only disk", BLKIF_RSP_ERROR);
    r->nindir = (uint8_t)((r->nseg + BLK_SEGS_PER_INDIRECT - 1) / BLK_SEGS_PER_INDIRECT);
    memcpy(r->indir, w->indir, r->nindir * sizeof(r->indir[0]));
    return 0;
}

int blk_req_decode(enum blk_proto p, const void *slot, const struct blk_limits *lim,
                   struct blk_req *r, const char **why)
{
    struct raw_req w;

    (p == BLK_PROTO_32 ? raw_from_32 : raw_from_64)(slot, &w);
    r->id = w.id;
    r->op = w.op;
    r->sector = w.sector;
    r->nseg = 0;
    r->nsect = 0;
    r->nindir = 0;
    r->flush = false;
    *why = NULL;
    switch (w.op) {
    case BLKIF_OP_READ:
    case BLKIF_OP_WRITE:
    case BLKIF_OP_FLUSH_DISKCACHE:
        return decode_rw(&w, lim, r, why);
    case BLKIF_OP_DISCARD:
        return decode_discard(&w, lim, r, why);
    case BLKIF_OP_INDIRECT:
        return decode_indirect(&w, lim, r, why);
    default:
        return bad(why, "unknown operation", BLKIF_RSP_EOPNOTSUPP);
    }
}

int blk_req_indirect(struct blk_req *r, const struct blkif_request_segment *segs,
                     const struct blk_limits *lim, const char **why)
{
    memcpy(r->seg, segs, r->nseg * sizeof(r->seg[0]));
    r->nindir = 0;
    return check_segs(r, lim, why);
}

/* Builds a response of type rsp_t in private memory (padding zeroed), then copies it out. */
#define ENCODE_RSP(rsp_t, slot, id_, op_, status_)                                                 \
    do {                                                                                           \
        rsp_t rsp;                                                                                 \
                                                                                                   \
        memset(&rsp, 0, sizeof(rsp));                                                              \
        rsp.id = (id_);                                                                            \
        rsp.operation = (op_);                                                                     \
        rsp.status = (status_);                                                                    \
        memcpy((slot), &rsp, sizeof(rsp));                                                         \
    } while (0)

void blk_rsp_encode(enum blk_proto p, void *slot, uint64_t id, uint8_t op, int16_t status)
{
    if (p == BLK_PROTO_32)
        ENCODE_RSP(struct blkif_x86_32_response, slot, id, op, status);
    else
        ENCODE_RSP(struct blkif_x86_64_response, slot, id, op, status);
}
