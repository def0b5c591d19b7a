/*
 * netfront_priv.h: netfront internals shared by its files: netfront.c (the API, the device
 * table, waiting), netfront_xb.c (the connection: xenstore handshake, rings and port,
 * state changes, reconnection, detach) and netfront_io.c (the data path: buffer pages,
 * tx and rx).  Everything here runs with the device owned by the caller (one vCPU at a
 * time, never from event handlers); nothing takes locks.  The nethostile guest uses these
 * internals to put malformed requests on the rings.
 */
#ifndef PVGUEST_NETFRONT_PRIV_H
#define PVGUEST_NETFRONT_PRIV_H

#include <xen/io/netif.h>
#include <xen/io/xenbus.h>
#include <pvguest/netfront.h>
#include <pvguest/pvguest.h>

#define NF_TX_SLOTS    __CONST_RING_SIZE(netif_tx, PV_PAGE_SIZE) /* 256 */
#define NF_RX_SLOTS    __CONST_RING_SIZE(netif_rx, PV_PAGE_SIZE) /* 256 */
#define NF_POOL_PAGES  (NF_TX_SLOTS + NF_RX_SLOTS)               /* per device */
#define NF_MAX_RX_SLOT (XEN_NETIF_NR_SLOTS_MIN + 1) /* data slots of one received frame */
#define NF_MAX_EXTRAS  4                            /* extra_info slots of one received frame */
#define NF_STATE_POLL  NSEC_PER_SEC                 /* re-read the backend state this often */
#define NF_NO_REF      (-1)
/*
 * tx pages are only read by the backend: they are granted read-only (as Linux's netfront
 * does), so a backend cannot write into what the guest sends.
 */
#define NF_TX_GRANT_RO true

_Static_assert(NF_TX_SLOTS == 256 && NF_RX_SLOTS == 256, "one-page rings");
_Static_assert((NETFRONT_MAX_FRAME + PV_PAGE_SIZE - 1) / PV_PAGE_SIZE <= XEN_NETIF_NR_SLOTS_MIN,
               "a largest frame fits the slots every backend takes");

enum nf_phase { NF_UNUSED, NF_WAIT_INITWAIT, NF_WAIT_CONNECTED, NF_CONNECTED, NF_CLOSED };
enum nf_rx_state { RX_START, RX_EXTRA, RX_MORE };

/* Open flags (nethostile). */
#define NF_OPEN_NO_RX 1u /* never post rx buffers nor take rx responses */

/* A tx buffer page: its grant and whether a ring request uses it. */
struct nf_txbuf {
    int32_t ref; /* NF_NO_REF: not granted */
    bool busy;   /* on the ring, no response yet */
    bool head;   /* the first slot of its frame (errors are counted once per frame) */
};

struct netfront_dev {
    uint8_t phase;
    uint8_t index; /* in the device table (selects the buffer pages) */
    bool state_dirty, asked_reconnect, was_connected;
    bool in_poll;    /* inside netfront_poll's callback */
    bool tx_blocked; /* a send found no room: arm tx notifications while waiting */
    bool tx_freed;   /* responses reaped while tx_blocked: a sender may retry */
    bool wait_rx;    /* the current wait is for received frames too */
    unsigned int flags;
    int error; /* handshake failure reported by open */
    char fe[40], be[128], token[24];
    struct netfront_info info;
    uint64_t state_read_ns, published_ns;
    /* rings and port */
    netif_tx_front_ring_t tx;
    netif_rx_front_ring_t rx;
    void *tx_page, *rx_page; /* ring pages (kept across reconnections unless leaked) */
    grant_ref_t tx_ring_ref, rx_ring_ref;
    bool rings_live; /* granted and initialised */
    evtchn_port_t port;
    bool port_live;
    /* buffers: page k of the device's pool; tx buffer i is page i, rx slot j page TX+j */
    uint8_t (*pages)[PV_PAGE_SIZE];
    domid_t granted_to;
    struct nf_txbuf txb[NF_TX_SLOTS];
    uint16_t tx_free[NF_TX_SLOTS];
    unsigned int tx_nfree;
    int32_t rx_ref[NF_RX_SLOTS];
    /* rx reassembly */
    uint8_t rx_state;
    bool rx_bad, rx_more; /* frame is bad; data slots follow the extras */
    unsigned int rx_len, rx_slots, rx_extras, rx_flags;
    uint8_t *rx_frame; /* NETFRONT_MAX_FRAME bytes */
    struct netfront_stats st;
};

/* ---- netfront.c ------------------------------------------------------------------------------ */

/* Opens like netfront_open with NF_OPEN_* flags. */
int nf_open(int devid, uint64_t timeout_ns, unsigned int flags, struct netfront_dev **devp);

/* Acts on state changes and takes everything the rings hold (without delivering rx). */
void nf_service(struct netfront_dev *d);

/* ---- netfront_xb.c: the connection ------------------------------------------------------------
 */

/* Reads "backend", "backend-id" and "mac" from d->fe; 0, -EINVAL or a xenstore error. */
int nf_read_frontend(struct netfront_dev *d);

/* Sets or removes the watch on <backend>/state under d->token. */
int nf_watch(struct netfront_dev *d, bool on);

/* Takes d's queued watch events off xenbus's queue (never another token's); true if any. */
bool nf_watch_fired(struct netfront_dev *d);

/* Writes the frontend state; 0 or a xenstore error. */
int nf_fe_state(struct netfront_dev *d, enum xenbus_state s);

/* Reads the backend state and acts on it: publishes, connects, reconnects or detaches. */
void nf_handle_state(struct netfront_dev *d);

/* The connection is gone: rings dropped (frames in flight lost), the handshake restarts. */
void nf_lose(struct netfront_dev *d);

/* Revokes rings, port and buffer grants (what the backend still maps is leaked). */
void nf_release(struct netfront_dev *d);

/* nf_release, then sets Closed and unwatches: -ENODEV from now on. */
void nf_disconnect(struct netfront_dev *d);

/* Waits up to ns for the backend to unmap the rings; true once it has. */
bool nf_rings_wait_released(const struct netfront_dev *d, uint64_t ns);

/* ---- netfront_io.c: the data path -------------------------------------------------------------
 */

/* Binds d to its buffer pages (slot d->index); false if the slot's pages leaked earlier. */
bool nf_pool_attach(struct netfront_dev *d);

/* Grants every buffer page to d->info.backend_id (kept when already granted to it). */
int nf_pool_grant(struct netfront_dev *d);

/* Revokes every buffer grant; a page the backend still maps taints the slot for good. */
void nf_pool_revoke(struct netfront_dev *d);

/* Fresh rings: every tx buffer free, every rx buffer posted (unless NF_OPEN_NO_RX). */
void nf_rings_reset(struct netfront_dev *d);

/* Frames in flight on a lost ring are counted as errors and their buffers freed. */
void nf_tx_forget(struct netfront_dev *d);

/* Takes tx responses; false if the response index is impossible (drop the ring). */
bool nf_tx_reap(struct netfront_dev *d);

/* Takes up to max rx responses (0: all), delivering complete frames to fn; returns the
 * frames delivered, or -EIO if the response index is impossible (drop the ring). */
int nf_rx_take(struct netfront_dev *d, unsigned int max, netfront_rx_fn fn, void *arg);

/* Publishes queued tx requests and notifies if the backend asked. */
void nf_tx_push(struct netfront_dev *d);

/* Arms tx's rsp_event for the next response; true if responses are already there. */
bool nf_tx_arm(struct netfront_dev *d);

/* Notifies the backend through the port (counted). */
void nf_notify(struct netfront_dev *d);

#endif /* PVGUEST_NETFRONT_PRIV_H */
