/* blkback.h: blkback's internal interfaces: virtual block devices, their rings, I/O and grants. */
#ifndef BLKBACK_H
#define BLKBACK_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include <pvisor/backend.h>
#include <xen/io/blkif.h>

/*
 * Threads: the main thread owns xenstore, the control socket and every struct vbd's
 * xenbus state; each connected vbd has one worker thread that owns its ring, grants
 * and I/O (struct conn). The two meet only at connect (main creates the worker),
 * disconnect (main sets conn->stop and joins) and the counters (atomics).
 */

#define BLK_SECTOR            512u
#define BLK_PAGE              4096u
#define BLK_SECTORS_PER_PAGE  (BLK_PAGE / BLK_SECTOR)
#define BLK_MAX_RING_ORDER    4   /* up to 16 ring pages, as Linux's blkback */
#define BLK_MAX_INDIRECT_SEGS 256 /* advertised feature-max-indirect-segments */
#define BLK_SEGS_PER_INDIRECT (BLK_PAGE / sizeof(struct blkif_request_segment))
#define BLK_MAX_SEGS          BLK_MAX_INDIRECT_SEGS

/* ---- requests (ring.c: pure, no I/O) ----------------------------------------------------- */

/* A request as taken off the ring, whatever its layout: validated fields only. */
struct blk_req {
    uint64_t id;
    uint8_t op;      /* the ring's operation (echoed in the response) */
    uint8_t io_op;   /* BLKIF_OP_READ, _WRITE, _FLUSH_DISKCACHE or _DISCARD */
    uint16_t nseg;   /* data segments (after reading indirect pages) */
    uint8_t nindir;  /* indirect pages still to read (INDIRECT only) */
    bool flush;      /* write durable before answering (FLUSH_DISKCACHE) */
    uint64_t sector; /* first sector */
    uint64_t nsect;  /* sectors covered (data or discard) */
    uint32_t indir[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
    struct blkif_request_segment seg[BLK_MAX_SEGS];
};

/* What a ring must be checked against. */
struct blk_limits {
    uint64_t sectors;      /* disk size */
    bool readonly;         /* writes and discards refused */
    bool discard;          /* DISCARD offered */
    uint16_t max_indirect; /* INDIRECT segments allowed (0: INDIRECT refused) */
};

/* Ring layouts (Xen's "protocol" key). */
enum blk_proto { BLK_PROTO_64 = 0, BLK_PROTO_32 = 1 };

/* Parses "x86_64-abi" / "x86_32-abi" (NULL or "" = native 64-bit). -EINVAL otherwise. */
int blk_proto_parse(const char *s, enum blk_proto *out);

/*
 * Decodes the ring slot at slot (a private copy the caller made, blk_slot_size() bytes)
 * into r and checks it against lim. Returns 0 (r is ready; INDIRECT requests still need
 * blk_req_indirect()), or a BLKIF_RSP_* error code (< 0) with *why naming the problem:
 * the caller answers with that status. r->id and r->op are set in every case.
 */
int blk_req_decode(enum blk_proto p, const void *slot, const struct blk_limits *lim,
                   struct blk_req *r, const char **why);
/*
 * Takes the segments of an INDIRECT request from segs (a private copy of its indirect
 * pages, r->nseg entries) and checks them. 0, or BLKIF_RSP_ERROR with *why.
 */
int blk_req_indirect(struct blk_req *r, const struct blkif_request_segment *segs,
                     const struct blk_limits *lim, const char **why);
/* Bytes of one ring slot (the union of request and response) for a layout. */
size_t blk_slot_size(enum blk_proto p);
/* Writes a response for (id, op, status) into the slot, every byte of it defined. */
void blk_rsp_encode(enum blk_proto p, void *slot, uint64_t id, uint8_t op, int16_t status);

/* ---- the backing image (image.c) -------------------------------------------------------- */

struct blk_image {
    int fd;             /* buffered (always) */
    int fd_direct;      /* O_DIRECT, or -1 when the file system refuses it */
    unsigned dio_align; /* O_DIRECT alignment in bytes (memory, offset and length) */
    bool is_blockdev;
    bool readonly;
    bool discard;         /* punching holes (file) or BLKDISCARD (device) can work */
    uint64_t sectors;     /* in 512-byte sectors */
    unsigned phys_sector; /* physical-sector-size to publish */
};

/*
 * Opens path for a vbd: readonly unless writable, with an exclusive (rw) or shared (ro)
 * advisory lock so two vbds cannot write one image. The type ("file"/"phy") is only
 * checked against what path is. 0, or -errno with msg (a sentence for the log and
 * xenstore's hotplug-error) filled.
 */
int blk_image_open(struct blk_image *img, const char *path, bool writable, char *msg, size_t len);
void blk_image_close(struct blk_image *img);

/* ---- asynchronous I/O (io.c: io_uring, or preadv/pwritev in the worker) ------------------ */

enum bio_kind { BIO_READ, BIO_WRITE, BIO_FSYNC, BIO_DISCARD };

struct bio {
    enum bio_kind kind;
    int fd;
    bool drain;        /* start only after everything submitted before has completed */
    bool link_next;    /* the next bio runs only if this one succeeds */
    uint64_t off, len; /* bytes (DISCARD; READ/WRITE use iov) */
    const struct iovec *iov;
    unsigned niov;
    uint64_t tag; /* handed back on completion */
};

struct bio_engine;
/* depth: bios in flight at most. use_uring false (or io_uring unavailable) selects the
 * synchronous fallback. 0 or -errno; *out is never NULL on success. */
int bio_open(unsigned depth, bool use_uring, struct bio_engine **out);
void bio_close(struct bio_engine *e); /* waits for what is in flight */
bool bio_is_uring(const struct bio_engine *e);
/* An fd readable when completions are waiting (-1 for the synchronous engine, whose
 * completions are ready as soon as bio_submit returns). */
int bio_fd(struct bio_engine *e);
/* Queues one bio (the iov must stay valid until its completion). -EBUSY when depth is
 * reached. Queued bios start at the latest at bio_kick(). */
int bio_queue(struct bio_engine *e, const struct bio *b);
int bio_kick(struct bio_engine *e);
/* Calls done(arg, tag, result) for each completed bio (result: bytes or -errno);
 * returns how many. */
int bio_reap(struct bio_engine *e, void (*done)(void *arg, uint64_t tag, int64_t res), void *arg);

/* ---- counters ---------------------------------------------------------------------------- */

struct blk_stats {
    atomic_ullong reqs[7]; /* by ring operation (BLKIF_OP_*) */
    atomic_ullong bytes_read, bytes_written;
    atomic_ullong errors;       /* I/O errors answered */
    atomic_ullong bad_requests; /* refused by validation */
    atomic_ullong pgrants;      /* grants mapped persistently now */
    atomic_ullong grant_copies; /* requests served by grant copy */
    atomic_ullong notifies;     /* events sent to the frontend */
    atomic_ullong connects;
};

/* ---- a connected ring (vbd.c: the worker thread) ------------------------------------------ */

struct vbd;
struct conn;

struct conn_params {
    uint32_t domid;
    uint32_t ring_refs[1u << BLK_MAX_RING_ORDER];
    unsigned ring_order;
    uint32_t evtchn;
    enum blk_proto proto;
    bool persistent;
};

/*
 * Maps the ring, binds the event channel and starts the worker. 0, or -errno with msg.
 * The worker calls vbd_worker_failed() (from its thread) when the frontend broke the
 * protocol (ring overrun); the main thread then calls conn_stop().
 */
int conn_start(struct vbd *v, const struct conn_params *p, struct conn **out, char *msg,
               size_t len);
/* Stops the worker after in-flight I/O completed, unmaps everything, frees c. */
void conn_stop(struct conn *c);

/* ---- the vbd (xenbus.c, main thread) ------------------------------------------------------ */

struct vbd {
    struct be_dev d; /* first: the core's device */
    struct blk_image img;
    struct conn *conn;
    struct blk_stats st;
};

/* ---- the process (main.c) ------------------------------------------------------------------ */

struct blk_opts {
    bool no_uring, no_direct, no_persistent, no_sandbox;
    unsigned max_ring_order;
    unsigned max_indirect;
    unsigned max_pgrants; /* per vbd */
};

struct blkback {
    struct backend core;
    struct blk_opts o;
};

extern struct blkback B;
extern const struct be_ops vbd_ops; /* xenbus.c */

#endif
