/*
 * blkfront.h: the guest side of Xen's block device protocol (blkif, xen/io/blkif.h) for PV
 * guests: xenstore handshake with the dom0 backend, a shared request ring, synchronous and
 * asynchronous reads, writes, flushes and discards, and transparent reconnection when the
 * backend restarts.
 *
 * Units.  Sector numbers and counts are always in 512-byte units (BLKFRONT_SECTOR), as on
 * the ring and in the backend's "sectors" key, whatever the disk's logical sector size;
 * requests must be aligned to that logical size (info.sector_size).
 *
 * Threads.  A device is used by one vCPU at a time (callers serialise).  Its event channel
 * notifies vCPU 0; callers on other vCPUs still work but wait in 1 ms slices.  Not from
 * event handlers (everything here may block on xenstore).
 *
 * Waiting.  Every wait is bounded and blocks the vCPU (SCHEDOP_block) between events:
 * ring notifications, xenstore watch events and a 1 s timer that also re-reads the
 * backend state.  blkfront's watches use the tokens "blkfront/<devid>"; it takes only
 * their events off the runtime's xenbus watch queue (xenbus_read_watch_token), so the
 * guest's own watches keep working alongside.  A guest that reads with
 * xenbus_read_watch() takes every token's events, blkfront's too (a detach may then go
 * unseen): it should read its own tokens with xenbus_read_watch_token().  When the queue
 * overflowed, blkfront re-reads every backend state.
 *
 * Results: 0 (or the value stated) on success, a negative errno on failure:
 *   -EIO        the backend answered BLKIF_RSP_ERROR (io->status has the backend's code);
 *   -EOPNOTSUPP the backend does not offer the operation, or answered BLKIF_RSP_EOPNOTSUPP;
 *   -ENODEV     the device was detached (backend Closing with online = 0) or closed;
 *   -ETIMEDOUT  no progress within the timeout (backend gone and not restarted);
 *   -EINVAL     bad arguments (range, alignment, operation); -ENOENT no such device;
 *   -ENOMEM     out of data pages or ring pages; -EBUSY the io is already submitted.
 */
#ifndef PVGUEST_BLKFRONT_H
#define PVGUEST_BLKFRONT_H

#include <xen/xen.h>
#include <pvguest/lib.h>

#define BLKFRONT_SECTOR      512
#define BLKFRONT_MAX_DEVICES 4 /* devices open at the same time */
/* Default bounds: the handshake (open, and each reconnection) and I/O without progress. */
#define BLKFRONT_CONNECT_TIMEOUT_NS (30ULL * 1000000000ULL)
#define BLKFRONT_IO_TIMEOUT_NS      (30ULL * 1000000000ULL)

struct blkfront_dev; /* opaque */

/* What the backend published, and what the frontend negotiated (refreshed on reconnect). */
struct blkfront_info {
    char name[16];                  /* "xvda", or the number for other kinds */
    uint32_t devid;                 /* Xen device number (xvda = 51712) */
    domid_t backend_id;             /* the backend's domain */
    uint64_t sectors;               /* disk size in 512-byte sectors */
    uint32_t sector_size;           /* logical sector size ("sector-size", default 512) */
    uint32_t physical_sector_size;  /* "physical-sector-size" (default sector_size) */
    uint32_t vdisk_info;            /* "info": VDISK_CDROM / VDISK_REMOVABLE / VDISK_READONLY */
    bool read_only;                 /* VDISK_READONLY or mode "r" (writes still go out) */
    bool flush;                     /* feature-flush-cache */
    bool discard;                   /* feature-discard */
    uint32_t discard_granularity;   /* bytes (0: not given) */
    uint32_t discard_alignment;     /* bytes */
    bool persistent;                /* both ends do persistent grants */
    unsigned int indirect_segments; /* segments per indirect request in use, 0 = direct only */
    unsigned int max_segments;      /* data pages per ring request (11 without indirect) */
    unsigned int ring_pages;        /* 2^ring-page-order */
    unsigned int ring_slots;        /* RING_SIZE of the shared ring */
};

/* Counters since open. */
struct blkfront_stats {
    uint64_t requests;      /* ring requests issued (reissues included) */
    uint64_t notifies;      /* event channel notifications sent to the backend */
    uint64_t events;        /* notifications received */
    uint64_t responses;     /* valid responses */
    uint64_t bad_responses; /* ignored: unknown, stale or duplicate id, wrong operation */
    uint64_t reconnects;    /* times the connection was lost and redone */
    uint64_t reissued;      /* requests reissued after a reconnection */
    uint64_t leaked_pages;  /* pages dropped because the backend still mapped them */
    uint64_t lost_watch;    /* state re-reads because xenbus's watch queue overflowed */
};

enum blkfront_op {
    BLKFRONT_READ,
    BLKFRONT_WRITE,
    BLKFRONT_FLUSH,   /* BLKIF_OP_FLUSH_DISKCACHE; needs info.flush */
    BLKFRONT_DISCARD, /* BLKIF_OP_DISCARD; needs info.discard */
};

/*
 * One asynchronous operation.  The caller zeroes it before its first use (e.g. with a
 * designated initializer), fills op, sector, nsectors, buf (and priv) and owns the struct;
 * blkfront uses it from blkfront_submit until blkfront_poll or blkfront_wait returns it,
 * blkfront_cancel, or blkfront_close (which leaves outstanding ios idle with rc -ENODEV).
 * It can then be submitted again.  An io of any size is split into ring requests of up to
 * info.max_segments pages; data goes through blkfront's own granted pages, so buf may
 * have any alignment and lie anywhere in the guest.
 */
struct blkfront_io {
    /* set by the caller */
    enum blkfront_op op;
    uint64_t sector;   /* first 512-byte sector */
    uint64_t nsectors; /* READ/WRITE/DISCARD: count (> 0, multiple of sector_size / 512) */
    void *buf;         /* READ: filled; WRITE: source (nsectors * 512 bytes) */
    void *priv;        /* the caller's, untouched */
    /* set by blkfront once done */
    bool done;
    int rc;     /* 0 or -errno (see the top of this file) */
    int status; /* the backend's BLKIF_RSP_* for the first failed request, else 0 */
    /* blkfront's bookkeeping: do not touch while submitted */
    struct blkfront_io *next;
    uint64_t issued;   /* sectors handed to ring requests (1 for FLUSH/DISCARD) */
    uint32_t inflight; /* its ring requests outstanding */
    uint8_t where;     /* idle, queued, running, done */
};

/*
 * Devid of a device name: "xvda" (202<<8 | disk<<4 | part for disk, part < 16, else
 * 1<<28 | disk<<8 | part; disks a..z, aa, ab, ...), "xvdb1", "hda".."hdd", "sda".."sdp",
 * or a decimal number ("51712").  Returns the devid (>= 0) or -EINVAL.
 */
long blkfront_devid(const char *name);

/*
 * Connects to device vdev (a name as above; NULL: the first entry under device/vbd):
 * watches the backend state, waits for InitWait, grants a ring of 2^min(max-ring-page-
 * order, 4) pages and an event channel to the backend, publishes them with state
 * Initialised in one transaction, waits for Connected, reads the disk's details and
 * switches to Connected.  timeout_ns bounds the whole (0: BLKFRONT_CONNECT_TIMEOUT_NS).
 * On success *devp is the device, valid until blkfront_close.  -ENOENT (no such device),
 * -EBUSY (already open), -ENOSPC (BLKFRONT_MAX_DEVICES open), -ETIMEDOUT, -ENODEV (the
 * backend is being detached), or a xenstore/grant/event channel error.
 */
int blkfront_open(const char *vdev, uint64_t timeout_ns, struct blkfront_dev **devp);

/*
 * Waits (bounded by the I/O timeout) for submitted ios, then disconnects: frontend
 * Closing, up to 5 s for the backend to let go of the ring, revokes every grant (pages the
 * backend still maps are leaked, never reused), closes the event channel, frontend Closed.
 * Ios still outstanding fail with -ENODEV and are left idle (not returned by any call).
 * Frees dev.  0, or -ETIMEDOUT if the backend did not release the ring in time (the
 * device is closed all the same).
 */
int blkfront_close(struct blkfront_dev *dev);

/* The current details (see struct blkfront_info).  0, or -ENODEV after a detach. */
int blkfront_info(struct blkfront_dev *dev, struct blkfront_info *info);
void blkfront_stats(struct blkfront_dev *dev, struct blkfront_stats *st);

/*
 * Sets the reconnection and I/O bounds (0 keeps a value).  A synchronous call fails with
 * -ETIMEDOUT when nothing completed and the connection made no step for io_ns.
 */
void blkfront_set_timeouts(struct blkfront_dev *dev, uint64_t connect_ns, uint64_t io_ns);

/*
 * Synchronous I/O of nsectors 512-byte sectors at sector, any size (split into requests,
 * issued in parallel up to the ring's and the page pool's capacity).  Writes to a
 * read-only disk are sent anyway: the backend refuses them (-EIO).  Flush makes durable
 * every write that completed before it was called; discard needs info.discard.
 */
int blkfront_read(struct blkfront_dev *dev, uint64_t sector, void *buf, uint64_t nsectors);
int blkfront_write(struct blkfront_dev *dev, uint64_t sector, const void *buf, uint64_t nsectors);
int blkfront_flush(struct blkfront_dev *dev);
int blkfront_discard(struct blkfront_dev *dev, uint64_t sector, uint64_t nsectors);

/* Submits io and waits for it (as the calls above, which use it); returns io->rc. */
int blkfront_do(struct blkfront_dev *dev, struct blkfront_io *io);

/*
 * Queues io.  Never blocks: requests go to the ring as far as there is room (ring slots,
 * data pages) and the rest as earlier requests complete, in submission order.  A FLUSH is
 * a barrier: it is issued once everything submitted before it has completed, and what
 * follows it waits until it is issued.  0, or -EINVAL, -EOPNOTSUPP, -ENODEV, -EBUSY (io
 * is already submitted); on error io is not queued.
 */
int blkfront_submit(struct blkfront_dev *dev, struct blkfront_io *io);

/*
 * Services the device (responses, backend state changes, issuing queued work) and returns
 * the oldest completed io not yet returned, waiting up to wait_ns for one (0: do not
 * wait).  NULL if none completed in time.  Ios waited for with blkfront_wait are not
 * returned here.
 */
struct blkfront_io *blkfront_poll(struct blkfront_dev *dev, uint64_t wait_ns);

/* Waits up to timeout_ns for this io; returns io->rc, or -ETIMEDOUT (still submitted). */
int blkfront_wait(struct blkfront_dev *dev, struct blkfront_io *io, uint64_t timeout_ns);

/*
 * Forgets a submitted io: blkfront never touches it or its buffer again; its requests
 * already on the ring complete unseen (a write may still reach the disk).
 */
void blkfront_cancel(struct blkfront_dev *dev, struct blkfront_io *io);

/* Ios submitted and not yet returned by poll/wait or cancelled. */
unsigned int blkfront_pending(struct blkfront_dev *dev);

/*
 * Non-blocking service for a guest that is idle: acts on backend state changes (a
 * detach, a restarted backend) and on responses.  0, or -ENODEV once detached.
 */
int blkfront_service(struct blkfront_dev *dev);

#endif /* PVGUEST_BLKFRONT_H */
