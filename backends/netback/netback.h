/* netback.h: netback's internal interfaces: tx request parsing, the switch, TAP devices and
 * the data-path thread that owns every connected vif's rings. */
#ifndef NETBACK_H
#define NETBACK_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pvisor/backend.h>
#include <xen/io/netif.h>

/*
 * Threads: the main thread (backend core) owns xenstore and each vif's xenbus state; one
 * data-path thread owns every connected vif's rings, the switches and the TAP fds and
 * moves every packet. They share struct port under dp_lock: the data thread holds it
 * while it works and drops it while it sleeps in epoll_wait; the main thread takes it to
 * plug, connect, disconnect and unplug ports.
 */

#define NB_PAGE      4096u
#define NB_ETH_HLEN  14u
#define NB_MAX_SLOTS XEN_NETIF_NR_SLOTS_MIN /* data slots per tx packet */
#define NB_MAX_FRAME 65535u                 /* XEN_NETIF_MAX_TX_SIZE */
#define NB_MAX_PORTS 1024u

/* ---- tx requests (tx.c: pure, no I/O) ---------------------------------------------------- */

struct nb_frag {
    uint32_t gref;
    uint16_t offset, len;
};

/* One packet as taken off the tx ring: validated fields only. */
struct nb_txpkt {
    uint16_t len;    /* the frame's bytes */
    uint16_t flags;  /* the first request's NETTXF_* flags */
    unsigned nslots; /* ring slots it used (data and extra-info) */
    unsigned nfrags;
    struct nb_frag frag[NB_MAX_SLOTS];
    /* responses owed: one per slot, in ring order */
    uint16_t rsp_id[2 * NB_MAX_SLOTS + 8];
    bool rsp_null[2 * NB_MAX_SLOTS + 8]; /* an extra-info slot: NETIF_RSP_NULL */
};

enum nb_tx_verdict {
    NB_TX_OK,         /* p describes a valid packet of p->nslots slots */
    NB_TX_BAD,        /* drop it: answer NETIF_RSP_ERROR on its p->nslots slots (*why says why) */
    NB_TX_INCOMPLETE, /* the packet continues past the slots available: wait for more */
    NB_TX_FATAL,      /* the frontend broke the protocol beyond recovery (*why) */
};

/* The most slots one packet may span before the frontend counts as broken. */
#define NB_TX_SLOTS_FATAL (2 * NB_MAX_SLOTS + 8)

/*
 * Parses the packet starting at slots[0] (avail requests, a private copy the caller made)
 * against max_len (the largest frame accepted). Every slot's id is recorded for its
 * response even when the packet is bad.
 */
enum nb_tx_verdict nb_tx_parse(const struct netif_tx_request *slots, unsigned avail,
                               unsigned max_len, struct nb_txpkt *p, const char **why);

/* ---- packets and queues (data.c) ----------------------------------------------------------- */

struct nb_pkt {
    struct nb_pkt *next;
    uint16_t len;
    uint16_t rxflags; /* NETRXF_* for the receiver */
    uint8_t data[];
};

struct nb_queue {
    struct nb_pkt *head, *tail;
    size_t bytes, max_bytes; /* bound: a receiver that never reads drops, never grows */
    unsigned count;
};

/* ---- counters ---------------------------------------------------------------------------- */

struct nb_stats {
    atomic_ullong tx_packets, tx_bytes, tx_errors, tx_dropped;
    atomic_ullong rx_packets, rx_bytes, rx_dropped, rx_errors;
    atomic_ullong rxq_bytes, rxq_peak;
    atomic_ullong pgrants, grant_copies, notifies, events, connects;
};

/* ---- ports (port.c; the main thread plugs, the data thread uses) -------------------------- */

struct bridge;
struct vif;

struct port {
    unsigned idx; /* in the data thread's port table */
    struct vif *vif;
    uint32_t domid, devid;
    uint32_t gen; /* changes whenever the slot is reused */
    uint8_t mac[6];
    unsigned mtu;
    struct bridge *br; /* embedded switch, or NULL when tap_fd >= 0 */
    int tap_fd;
    char tapname[16];
    struct nb_stats *st;
    /* the connection (valid while connected) */
    bool connected, sg, rx_notify, persistent;
    uint32_t evtchn; /* our end */
    struct netif_tx_sring *txs;
    struct netif_rx_sring *rxs;
    RING_IDX tx_cons, tx_rsp, rx_cons, rx_rsp;
    struct pgrant_cache *pgc;
    struct nb_queue rxq;
    bool tx_due, rx_due, notify; /* work for the data thread's next round */
    bool broken;                 /* the frontend broke the protocol: ignore it */
    struct port *next_in_br;
};

struct conn_params {
    uint32_t tx_ref, rx_ref, evtchn;
    bool sg, rx_notify, persistent;
};

/* ---- the data path (data.c) ---------------------------------------------------------------- */

struct nb_opts {
    bool no_persistent;
    unsigned queue_bytes; /* per-vif receive queue bound */
    unsigned max_pgrants; /* per vif */
};

int dp_start(const struct nb_opts *o, const char *rundir); /* the data thread */
void dp_stop(void);
void dp_lock(void);
void dp_unlock(void);

/* Under dp_lock (main thread). plug: joins the switch named bridge, or (tap_fd >= 0) the
 * TAP device; 0 or -errno with msg. connect/disconnect: the rings. unplug frees the port. */
int dp_plug(struct vif *v, const uint8_t mac[6], unsigned mtu, const char *bridge, int tap_fd,
            const char *tapname, struct nb_stats *st, struct port **out, char *msg, size_t len);
int dp_connect(struct port *p, uint32_t domid, const struct conn_params *cp, char *msg, size_t len);
void dp_disconnect(struct port *p);
void dp_unplug(struct port *p);
/* The port in table slot idx if it is still generation gen, else NULL (data thread). */
struct port *dp_port(unsigned idx, uint32_t gen);

/* ---- the switch (switch.c, data thread; bridges are created/destroyed under dp_lock) -------- */

struct bridge *br_get(const char *name); /* finds or creates; NULL: out of memory */
void br_put(struct bridge *br);          /* drops it with its last port */
void br_add_port(struct bridge *br, struct port *p);
void br_del_port(struct bridge *br, struct port *p);
/* Where a frame from src goes: learns the source MAC, then calls out(dst, arg) for the
 * known destination port, or for every other port of the bridge (broadcast, multicast,
 * unknown unicast). Frames to the source itself are not sent back. */
void br_forward(struct bridge *br, struct port *src, const uint8_t *frame, unsigned len,
                void (*out)(struct port *dst, void *arg), void *arg);
unsigned br_fdb_size(const struct bridge *br);

/* ---- TAP devices (tap.c, main thread) -------------------------------------------------------- */

/* Whether the host has a Linux bridge called name. */
bool tap_host_bridge(const char *name);
/* Creates TAP device name (non-blocking fd), sets its MTU and MAC (fe:ff:ff:ff:ff:ff, as
 * Xen), joins it to the host bridge (when bridge is not NULL) and brings it up. The fd, or
 * -errno with msg. Closing the fd removes the device. */
int tap_open(const char *name, unsigned mtu, const char *bridge, char *msg, size_t len);

/* ---- the vif (xenbus.c) ---------------------------------------------------------------------- */

struct vif {
    struct be_dev d; /* first: the core's device */
    uint8_t mac[6];
    unsigned mtu;
    char bridge[64];
    int tap_fd;
    struct port *port;
    struct nb_stats st;
};

struct netback {
    struct backend core;
    struct nb_opts o;
};

extern struct netback N;
extern const struct be_ops vif_ops;

/* Parses "xx:xx:xx:xx:xx:xx". 0 or -EINVAL. */
int nb_mac_parse(const char *s, uint8_t mac[6]);

#endif
