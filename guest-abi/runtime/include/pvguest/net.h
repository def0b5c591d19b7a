/*
 * net.h: a minimal IPv4 stack over netfront: Ethernet, ARP (answers for our address, a
 * small cache, bounded retries), IPv4 without fragmentation, ICMP echo (answered; ping),
 * UDP send and receive on a few bound ports.
 *
 * Every received frame is hostile: each header is bounds-checked before use (netproto.h);
 * frames not for us (other MACs, multicast, other IPs), with bad lengths or checksums,
 * IPv4 fragments (dropped, not reassembled) and unknown protocols are dropped and counted
 * (struct net_stats).  L4 checksums are checked unless netfront says the backend left
 * them blank (NETFRONT_RX_CSUM_BLANK).
 *
 * Threads.  An interface is used by one vCPU at a time, not from event handlers.  Receive
 * callbacks (UDP ports) run inside net_poll, net_wait and every call that waits
 * (net_resolve, net_ping, net_udp_send); from a callback only the non-blocking calls may
 * be used: net_udp_queue, net_flush, net_stats, net_arp_lookup.
 *
 * Results: 0 (or the value stated) or a negative errno: -EINVAL bad arguments;
 * -ENETUNREACH no route (off-link without gw=); -EHOSTUNREACH ARP got no answer;
 * -ETIMEDOUT; -EAGAIN (non-blocking calls: no room, or the address is being resolved);
 * -EMSGSIZE payload beyond the MTU; -EADDRINUSE port bound; -ENOSPC tables full;
 * -ENODEV the vif was detached.
 */
#ifndef PVGUEST_NET_H
#define PVGUEST_NET_H

#include <pvguest/netfront.h>
#include <pvguest/netproto.h>

#define NET_MAX_IFS        NETFRONT_MAX_DEVICES
#define NET_MAX_PORTS      8  /* bound UDP ports per interface */
#define NET_ARP_ENTRIES    16 /* ARP cache per interface */
#define NET_ARP_TRIES      3  /* requests per resolution */
#define NET_ARP_RETRY_NS   (1000ULL * 1000000ULL)
#define NET_ARP_TTL_NS     (300ULL * 1000000000ULL) /* a cache entry's life */
#define NET_UDP_TIMEOUT_NS (5ULL * 1000000000ULL)   /* net_udp_send waiting for tx room */

struct net_if; /* opaque */

/* Our address: ip=A/P [gw=G] on a guest's command line. */
struct net_config {
    uint32_t ip;
    unsigned int prefix; /* 0..32 */
    uint32_t gw;         /* 0: none (off-link destinations are unreachable) */
};

/* Counters since net_open. */
struct net_stats {
    uint64_t rx_frames;    /* frames received */
    uint64_t rx_bad;       /* malformed (short, bad header or length fields) */
    uint64_t rx_csum;      /* bad IPv4/ICMP/UDP checksum */
    uint64_t rx_frags;     /* IPv4 fragments dropped */
    uint64_t rx_other;     /* not for us, or a type/protocol we do not handle */
    uint64_t arp_rx;       /* ARP packets taken */
    uint64_t arp_requests; /* requests sent */
    uint64_t arp_replies;  /* replies sent */
    uint64_t echo_rx;      /* echo requests received */
    uint64_t echo_replies; /* echo replies sent */
    uint64_t udp_rx;       /* datagrams delivered to a port */
    uint64_t udp_no_port;  /* datagrams to unbound ports */
    uint64_t tx_frames;    /* frames handed to netfront */
    uint64_t tx_dropped;   /* replies dropped because the tx ring was full */
};

/* Reads ip=A/P (required; /P defaults to 24) and gw=G from a command line: 0, -ENOENT
 * (no ip=), -EINVAL (malformed, or a gateway outside the subnet). */
int net_config_parse(const char *cmdline, struct net_config *cfg);

/* Starts the stack on an open netfront device; *nifp valid until net_close.  -ENOSPC
 * (NET_MAX_IFS in use), -EINVAL (ip 0 or broadcast), -ENODEV. */
int net_open(struct netfront_dev *dev, const struct net_config *cfg, struct net_if **nifp);
/* Stops the stack (the netfront device stays open: the caller closes it). */
void net_close(struct net_if *nif);

void net_stats(struct net_if *nif, struct net_stats *st);
struct netfront_dev *net_device(struct net_if *nif);
/* The MTU (IPv4 packet size limit): the vif's. */
unsigned int net_mtu(struct net_if *nif);

/* Takes every received frame without blocking, then publishes queued frames; returns the
 * frames taken, or -ENODEV. */
int net_poll(struct net_if *nif);

/* Blocks until frames arrive (or tx room, after -EAGAIN) or system time deadline_ns,
 * then polls; returns frames taken (>= 0) or -ENODEV. */
int net_wait(struct net_if *nif, uint64_t deadline_ns);

/* Publishes queued frames (netfront_flush). */
int net_flush(struct net_if *nif);

/*
 * The MAC for sending to ip (its own, or the gateway's when off-link; broadcast for the
 * broadcast addresses): from the cache, else by up to NET_ARP_TRIES requests
 * NET_ARP_RETRY_NS apart, bounded by timeout_ns.  0, -ENETUNREACH, -EHOSTUNREACH.
 */
int net_resolve(struct net_if *nif, uint32_t ip, uint8_t mac[6], uint64_t timeout_ns);
/* Non-blocking: true with the MAC if the next hop of ip is cached (or broadcast). */
bool net_arp_lookup(struct net_if *nif, uint32_t ip, uint8_t mac[6]);

/*
 * One ICMP echo round trip: request seq with size bytes of data (<= MTU - 28) to dst,
 * waits up to timeout_ns (ARP included) for the matching reply (id, seq, data); 0 and
 * *rtt_ns, or -ETIMEDOUT, -EHOSTUNREACH, -ENETUNREACH, -EMSGSIZE.
 */
int net_ping(struct net_if *nif, uint32_t dst, uint16_t seq, size_t size, uint64_t timeout_ns,
             uint64_t *rtt_ns);

/* A datagram for a bound port; data is valid during the call only. */
typedef void (*net_udp_fn)(void *arg, uint32_t src, uint16_t sport, uint16_t dport,
                           const uint8_t *data, size_t len);

/* Delivers datagrams to port (nonzero) to fn(arg, ...). */
int net_udp_bind(struct net_if *nif, uint16_t port, net_udp_fn fn, void *arg);
int net_udp_unbind(struct net_if *nif, uint16_t port);

/*
 * Queues a datagram (len <= MTU - 28 bytes) without blocking or publishing it: -EAGAIN
 * if the tx ring is full (net_wait, then retry) or the next hop is not in the ARP cache
 * (a request is sent; retry after net_wait).  0 once queued.
 */
int net_udp_queue(struct net_if *nif, uint32_t dst, uint16_t sport, uint16_t dport,
                  const void *data, size_t len);

/* Resolves (net_resolve), waits for tx room (up to NET_UDP_TIMEOUT_NS), queues and
 * publishes.  0 or an error above. */
int net_udp_send(struct net_if *nif, uint32_t dst, uint16_t sport, uint16_t dport, const void *data,
                 size_t len);

#endif /* PVGUEST_NET_H */
