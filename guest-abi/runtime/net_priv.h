/*
 * net_priv.h: the guest network stack's internals shared by net.c (interfaces, receive
 * dispatch, waiting, transmit), net_arp.c (ARP cache, answers, resolution) and net_ip.c
 * (IPv4, ICMP echo and ping, UDP).  One vCPU at a time, never from event handlers.
 */
#ifndef PVGUEST_NET_PRIV_H
#define PVGUEST_NET_PRIV_H

#include <pvguest/net.h>
#include <pvguest/pvguest.h>

/* Headers of a UDP or ICMP frame we build: Ethernet + IPv4 (no options) + 8. */
#define NI_L4_OFF  (NP_ETH_HLEN + NP_IP_HLEN)
#define NI_L4_DATA (NI_L4_OFF + 8)
_Static_assert(NP_UDP_HLEN == 8 && NP_ICMP_HLEN == 8, "L4 headers of 8 bytes");

enum arp_state { ARP_FREE, ARP_PENDING, ARP_VALID };

struct arp_entry {
    uint32_t ip;
    uint8_t mac[6];
    uint8_t state;
    uint64_t expires_ns; /* VALID: end of life; PENDING: when another request may go */
};

struct udp_port {
    uint16_t port; /* 0: free */
    net_udp_fn fn;
    void *arg;
};

/* The echo request net_ping waits for. */
struct ping_wait {
    bool active, got;
    uint32_t dst;
    uint16_t seq;
    size_t size;
    uint64_t sent_ns, rtt_ns;
};

struct net_if {
    bool used;
    struct netfront_dev *dev;
    struct net_config cfg;
    uint32_t mask, bcast; /* subnet mask and directed broadcast */
    uint8_t mac[6];
    unsigned int mtu, max_frame;
    uint16_t ip_id, echo_id;
    struct arp_entry arp[NET_ARP_ENTRIES];
    struct udp_port ports[NET_MAX_PORTS];
    struct ping_wait ping;
    uint8_t *tx; /* the frame being built (NETFRONT_MAX_FRAME bytes) */
    struct net_stats st;
};

/* ---- net.c -------------------------------------------------------------------------------- */

/* Queues the len-byte frame built in nif->tx (padded to NP_ETH_MIN); 0 or netfront's error. */
int ni_send(struct net_if *nif, size_t len);

/* Queues a reply built in nif->tx from inside the receive path (dropped when no room). */
void ni_reply(struct net_if *nif, size_t len);

/* True for 255.255.255.255 and the subnet's directed broadcast. */
bool ni_is_broadcast(const struct net_if *nif, uint32_t ip);

/* ---- net_arp.c ------------------------------------------------------------------------------ */

void ni_arp_input(struct net_if *nif, const struct np_eth *e);

/* The next hop of dst: 0, -ENETUNREACH (off-link without a gateway), -EINVAL (ourselves). */
int ni_next_hop(const struct net_if *nif, uint32_t dst, uint32_t *hop);

/* The next hop's MAC without blocking: 0, or -EAGAIN after sending a request (at most one
 * per NET_ARP_RETRY_NS per address), or ni_next_hop's error. */
int ni_arp_get(struct net_if *nif, uint32_t dst, uint8_t mac[6]);

/* ---- net_ip.c ------------------------------------------------------------------------------- */

void ni_ip_input(struct net_if *nif, const struct np_eth *e, unsigned int flags);

/* Wraps the L4 message of l4len bytes at nif->tx + NI_L4_OFF in IPv4 and Ethernet headers;
 * returns the frame's length. */
size_t ni_ip_frame(struct net_if *nif, const uint8_t dmac[6], uint32_t dst, uint8_t proto,
                   size_t l4len);

#endif /* PVGUEST_NET_PRIV_H */
