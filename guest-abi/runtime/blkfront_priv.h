/*
 * blkfront_priv.h: blkfront internals shared by its files: blkfront.c (the API, the
 * device table, waiting), blkfront_xb.c (the connection: xenstore handshake, ring and
 * port, state changes, reconnection, detach) and blkfront_io.c (the data path: page pool,
 * requests, responses).  Everything here is called with the device owned by the caller
 * (one vCPU at a time, never from event handlers); nothing takes locks.
 */
#ifndef PVGUEST_BLKFRONT_PRIV_H
#define PVGUEST_BLKFRONT_PRIV_H

#include <xen/io/blkif.h>
#include <xen/io/xenbus.h>
#include <pvguest/blkfront.h>
#include <pvguest/pvguest.h>

#define NR_SHADOW      64  /* ring requests in flight per device */
#define MAX_SEGS       256 /* data pages per indirect request (1 MiB; one indirect page) */
#define DIRECT_SEGS    BLKIF_MAX_SEGMENTS_PER_REQUEST
#define MAX_RING_ORDER 4
#define MAX_RING_PAGES (1u << MAX_RING_ORDER)
#define POOL_PAGES     1024         /* granted data pages shared by all devices (4 MiB) */
#define STATE_POLL_NS  NSEC_PER_SEC /* re-read the backend state when stalled */

_Static_assert(MAX_SEGS * sizeof(struct blkif_request_segment) <= PV_PAGE_SIZE, "1 indirect page");

enum phase { PH_UNUSED, PH_WAIT_INITWAIT, PH_WAIT_CONNECTED, PH_CONNECTED, PH_CLOSED };
enum sh_where { SH_FREE, SH_RING, SH_REISSUE };
enum io_where { IO_IDLE, IO_QUEUED, IO_RUNNING, IO_DONE };

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

/* A FIFO of ios linked through io->next. */
struct io_list {
    struct blkfront_io *head, *tail;
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
    struct io_list queued, done; /* submitted, not on the ring yet; completed */
    unsigned int nios;           /* submitted and not yet handed back */
    /* data pages */
    uint16_t free_pg[POOL_PAGES];
    unsigned int nfree;
    struct blkfront_stats st;
};

/* ---- blkfront_xb.c: the connection ------------------------------------------------------- */

/* Reads the frontend's "backend" (absolute path) and "backend-id" keys into d->be and
 * d->info.backend_id (d->fe set); 0, -EINVAL (bad values) or a xenstore error. */
int bf_read_backend(struct blkfront_dev *d);

/* Sets or removes the watch on <backend>/state under d->token; 0 or a xenstore error. */
int bf_watch(struct blkfront_dev *d, bool on);

/* Takes d's queued watch events off xenbus's queue (never another token's); true if any. */
bool bf_watch_fired(struct blkfront_dev *d);

/* Writes the frontend state; 0 or a xenstore error. */
int bf_fe_state(struct blkfront_dev *d, enum xenbus_state s);

/* Reads the backend state and acts on it: publishes, connects, reconnects or detaches.
 * Clears d->state_dirty; a xenstore error leaves it for the next look. */
void bf_handle_state(struct blkfront_dev *d);

/* The connection is gone: the old ring is dropped (after taking its last responses if
 * drain), requests on it wait for reissue, the handshake starts anew. */
void bf_lose(struct blkfront_dev *d, bool drain);

/* Fails every request and io with rc, releases ring, port and pages, sets Closed and
 * unwatches: the device answers -ENODEV from now on. */
void bf_disconnect(struct blkfront_dev *d, int rc);

/* Waits up to ns for the backend to unmap the ring; true once it has (or there is none). */
bool bf_ring_wait_released(const struct blkfront_dev *d, uint64_t ns);

/* Revokes ring and port and gives the free data pages back (what the backend still maps
 * is leaked); the shadows are left as they are. */
void bf_release(struct blkfront_dev *d);

/* ---- blkfront_io.c: the data path --------------------------------------------------------- */

/* Sets the shared page pool up on first use (idempotent). */
void bf_pool_setup(void);

/* Gives d's free pages back to the pool, revoked (ones the backend still maps leak). */
void bf_pool_release(struct blkfront_dev *d);

/* After a lost connection: pages the old backend still maps are never reused; requests
 * waiting for reissue get copies (or fail with -EIO when the pool is empty). */
void bf_pool_scrub(struct blkfront_dev *d);

/* Fills the ring (reissues first, then queued ios in order) and notifies if needed;
 * does nothing unless Connected. */
void bf_kick(struct blkfront_dev *d);

/* Takes every response, then re-arms the notification; false if the ring is bad (the
 * caller drops the connection). */
bool bf_consume(struct blkfront_dev *d);

/* Completes every request and queued io with rc. */
void bf_fail_all(struct blkfront_dev *d, int rc);

/* Appends a checked, reset io to the queue (it is issued by bf_kick). */
void bf_io_queue(struct blkfront_dev *d, struct blkfront_io *io);

/* Takes a submitted io out of blkfront (queue or done list; requests on the ring complete
 * unseen) and leaves it idle; returns io. */
struct blkfront_io *bf_io_release(struct blkfront_dev *d, struct blkfront_io *io);

#endif /* PVGUEST_BLKFRONT_PRIV_H */
