/*
 * netfront.h: the guest side of Xen's network device protocol (netif, xen/io/netif.h) for
 * PV and PVH guests: xenstore handshake with dom0's netback (docs/net.md), a tx and an rx
 * ring, one event channel, Ethernet frames in and out, and reconnection when the backend
 * restarts.
 *
 * Buffers.  Each device has a fixed pool of pages granted once to the backend and kept
 * granted for the connection's life (feature-persistent, a pvisor extension): one page
 * per rx ring slot, kept posted on the rx ring (re-posted as soon as its data is copied
 * out), and one page per tx ring slot, into which frames are copied.  Frames larger than
 * a page use several slots (NETTXF_more_data / NETRXF_more_data); received extra_info
 * slots are skipped.  Callers' buffers may have any alignment and lie anywhere.
 *
 * Notifications.  Requests are published with RING_PUSH_REQUESTS_AND_CHECK_NOTIFY (the
 * backend is notified only when it asked, through req_event).  Received frames are taken
 * in batches and RING_FINAL_CHECK_FOR_RESPONSES re-arms rx's rsp_event before waiting.
 * Tx completions are reaped lazily (when a send needs room, and by netfront_poll); tx's
 * rsp_event is armed only while a sender waits for room, so a backend answering tx
 * requests does not wake an idle guest.
 *
 * Threads.  A device is used by one vCPU at a time (callers serialise); its event channel
 * notifies vCPU 0 (other vCPUs wait in 1 ms slices).  Not from event handlers (the calls
 * may block on xenstore).  Callbacks given to netfront_poll may call netfront_queue,
 * netfront_send and netfront_flush on the same device, nothing else of netfront.
 *
 * Waiting is SCHEDOP_block between events (ring notifications, xenstore watch events, a
 * 1 s timer that also re-reads the backend state), always bounded.  The backend state
 * watch uses the token "netfront/<devid>" and only that token's events are taken off the
 * runtime's xenbus watch queue (xenbus_read_watch_token), as blkfront does.
 *
 * Backend restarts: when the backend leaves Connected while online stays 1, netfront
 * drops the rings (frames in flight are lost and counted as tx_errors), redoes the
 * handshake with fresh rings and port, and keeps its buffer grants.  Detach (backend
 * Closing with online = 0): netfront closes its side; every call then returns -ENODEV
 * until netfront_close.  Idle guests call netfront_poll or netfront_wait now and then so
 * that state changes are seen.
 *
 * Results: 0 (or the value stated) on success, a negative errno on failure:
 *   -ENODEV     the device was detached or closed;  -ENOENT no such vif;
 *   -EAGAIN     no room on the tx ring now (see netfront_wait);
 *   -EMSGSIZE   a frame longer than info.max_frame, or shorter than 14 bytes;
 *   -ETIMEDOUT  the handshake did not complete in time;
 *   -EBUSY      already open, or netfront_poll called from its own callback;
 *   -ENOSPC     NETFRONT_MAX_DEVICES open;  -EOPNOTSUPP the backend cannot copy rx.
 */
#ifndef PVGUEST_NETFRONT_H
#define PVGUEST_NETFRONT_H

#include <xen/xen.h>
#include <pvguest/lib.h>

#define NETFRONT_MAX_DEVICES 2     /* devices open at the same time */
#define NETFRONT_ETH_HLEN    14    /* Ethernet header (no FCS on the ring) */
#define NETFRONT_MAX_FRAME   65535 /* XEN_NETIF_MAX_TX_SIZE: a frame's length on the ring */
#define NETFRONT_DEFAULT_MTU 1500
/* Default bound of the handshake (open, and each reconnection). */
#define NETFRONT_CONNECT_TIMEOUT_NS (30ULL * 1000000000ULL)

struct netfront_dev; /* opaque */

/* What the toolstack and the backend published (refreshed on reconnection). */
struct netfront_info {
    uint32_t devid;         /* vif number (device/vif/<devid>) */
    domid_t backend_id;     /* the backend's domain */
    uint8_t mac[6];         /* the frontend's "mac" */
    unsigned int mtu;       /* the backend's "mtu" (68..65535, default 1500) */
    unsigned int max_frame; /* longest frame netfront_send takes (with the 14-byte header) */
    bool sg;                /* the backend takes multi-slot frames (feature-sg) */
    bool persistent;        /* the backend keeps our grants mapped (feature-persistent) */
    unsigned int tx_slots;  /* RING_SIZE of each ring */
    unsigned int rx_slots;
};

/* Counters since open. */
struct netfront_stats {
    uint64_t tx_packets, tx_bytes; /* frames put on the ring */
    uint64_t tx_errors;            /* the backend answered an error/dropped, or lost in flight */
    uint64_t tx_full;              /* sends refused with -EAGAIN */
    uint64_t rx_packets, rx_bytes; /* frames handed to callbacks */
    uint64_t rx_errors;            /* malformed frames (bad slot, status, offset, size) */
    uint64_t rx_drops;             /* good frames not delivered (no callback) */
    uint64_t notifies;             /* event channel notifications sent to the backend */
    uint64_t events;               /* notifications received */
    uint64_t bad_responses;        /* tx responses with unknown ids; broken indexes */
    uint64_t reconnects;           /* times the connection was lost and redone */
    uint64_t lost_watch;           /* state re-reads after xenbus's watch queue overflowed */
};

/* Flags passed to an rx callback, from the first slot's NETRXF_* flags. */
#define NETFRONT_RX_CSUM_BLANK     1u /* the L4 checksum field was not filled in */
#define NETFRONT_RX_DATA_VALIDATED 2u /* the backend already checked the checksum */

/*
 * Called by netfront_poll for each received frame: frame (len bytes, Ethernet header
 * first, no FCS) is netfront's private copy, valid only during the call (read-only).
 */
typedef void (*netfront_rx_fn)(void *arg, const uint8_t *frame, size_t len, unsigned int flags);

/* A frame for netfront_send_batch. */
struct netfront_buf {
    const void *data;
    size_t len;
};

/*
 * Connects to vif devid (< 0: the first entry under device/vif; one that is not there yet
 * is waited for, as a vif attached later): reads "backend",
 * "backend-id" and "mac" in the frontend directory, watches the backend state, waits for
 * InitWait, reads "mtu" and the backend's features, grants a tx and an rx ring page, the
 * buffer pages and an event channel to the backend, posts every rx buffer, publishes
 * tx-ring-ref, rx-ring-ref, event-channel, request-rx-copy, feature-rx-notify,
 * feature-sg, feature-no-csum-offload, feature-persistent and state Connected in one
 * transaction, then waits for the backend's Connected.  timeout_ns bounds the whole (0:
 * NETFRONT_CONNECT_TIMEOUT_NS).  On success *devp is valid until netfront_close.
 * -ENOENT (no such vif in time), -ETIMEDOUT, -EBUSY, -ENOSPC, -ENODEV (being detached),
 * -EOPNOTSUPP, -EINVAL (bad frontend keys, e.g. mac), or a xenstore/grant/port error.
 */
int netfront_open(int devid, uint64_t timeout_ns, struct netfront_dev **devp);

/*
 * Disconnects: frontend Closing, up to 5 s for the backend to let go of the rings,
 * revokes every grant (pages the backend still maps are leaked, never reused), closes the
 * port, frontend Closed.  Frees dev.  0, or -ETIMEDOUT if the backend kept the rings
 * mapped (closed all the same).
 */
int netfront_close(struct netfront_dev *dev);

/* The current details.  0, or -ENODEV after a detach. */
int netfront_info(struct netfront_dev *dev, struct netfront_info *info);
void netfront_stats(struct netfront_dev *dev, struct netfront_stats *st);

/*
 * Copies one frame (len bytes from the Ethernet header on, 14 <= len <= info.max_frame)
 * into tx buffers and puts it on the ring without publishing it (netfront_flush does,
 * and so do netfront_send, netfront_poll and netfront_wait).  Never blocks.  0, -EAGAIN
 * (ring or buffers full even after reaping completions: wait and retry), -EMSGSIZE,
 * -ENODEV; -EAGAIN also while reconnecting.
 */
int netfront_queue(struct netfront_dev *dev, const void *frame, size_t len);

/* Publishes queued frames and notifies the backend if it asked.  0 or -ENODEV. */
int netfront_flush(struct netfront_dev *dev);

/* netfront_queue + netfront_flush. */
int netfront_send(struct netfront_dev *dev, const void *frame, size_t len);

/*
 * Queues frames in order until one does not fit, then publishes them together.  Returns
 * how many were queued (> 0), or the first frame's error.
 */
int netfront_send_batch(struct netfront_dev *dev, const struct netfront_buf *bufs, unsigned int n);

/*
 * Never blocks: acts on backend state changes, reaps tx completions, takes up to max
 * received frames (0: all there are), calling fn(arg, ...) for each (fn NULL: dropped and
 * counted), re-posts their buffers, publishes queued tx frames.  Returns the number of
 * frames taken, -ENODEV once detached, -EBUSY from inside its own callback.
 */
int netfront_poll(struct netfront_dev *dev, unsigned int max, netfront_rx_fn fn, void *arg);

/*
 * Blocks until received frames are there for netfront_poll, or tx responses freed room
 * after a send failed with -EAGAIN, or timeout_ns passed; backend state changes met on the
 * way are acted on (a restarted backend: reconnection).  Returns 1 (woken for a reason),
 * 0 (timeout), -ENODEV (detached) or -EBUSY (from a netfront_poll callback).
 */
int netfront_wait(struct netfront_dev *dev, uint64_t timeout_ns);

/*
 * Publishes queued frames and waits until the backend answered every tx request (the
 * frames left the guest) or timeout_ns passed: 0, -ETIMEDOUT or -ENODEV.  For a guest
 * about to power off.
 */
int netfront_drain(struct netfront_dev *dev, uint64_t timeout_ns);

/* Formats mac as "xx:xx:xx:xx:xx:xx" into buf (at least 18 bytes). */
void netfront_format_mac(const uint8_t mac[6], char *buf);

#endif /* PVGUEST_NETFRONT_H */
