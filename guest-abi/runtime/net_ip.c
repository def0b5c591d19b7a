/* net_ip.c: IPv4 for the guest network stack: receive checks, ICMP echo (answers and
 * ping), UDP ports and datagrams. */
#include "net_priv.h"

#define PING_POLL_NS (100 * NSEC_PER_MSEC) /* waits re-check ARP and tx room this often */

/* ---- frames ---------------------------------------------------------------------------------- */

size_t ni_ip_frame(struct net_if *nif, const uint8_t dmac[6], uint32_t dst, uint8_t proto,
                   size_t l4len)
{
    np_ipv4_build(nif->tx + NP_ETH_HLEN, nif->cfg.ip, dst, proto, nif->ip_id++, l4len);
    np_eth_build(nif->tx, dmac, nif->mac, NP_ETH_P_IP);
    return NI_L4_OFF + l4len;
}

/* Room for an L4 payload of len bytes after the 8-byte L4 header. */
static bool fits(const struct net_if *nif, size_t len)
{
    return len <= nif->max_frame - NI_L4_DATA;
}

/* ---- ICMP -------------------------------------------------------------------------------------
 */

/* Byte i of ping seq's data. */
static uint8_t ping_byte(uint16_t seq, size_t i)
{
    return (uint8_t)(i * 7 + seq);
}

static void echo_answer(struct net_if *nif, const struct np_eth *e, const struct np_ipv4 *ip,
                        const struct np_icmp *m)
{
    nif->st.echo_rx++;
    if (ip->dst != nif->cfg.ip || m->code != 0) {
        nif->st.rx_other++; /* no answers to broadcast pings */
        return;
    }
    if (!fits(nif, m->len)) {
        nif->st.tx_dropped++;
        return;
    }
    memcpy(nif->tx + NI_L4_DATA, m->data, m->len);
    np_icmp_echo_build(nif->tx + NI_L4_OFF, NP_ICMP_ECHOREPLY, m->id, m->seq, m->len);
    ni_reply(nif, ni_ip_frame(nif, e->src, ip->src, NP_PROTO_ICMP, NP_ICMP_HLEN + m->len));
    nif->st.echo_replies++;
}

static bool ping_matches(const struct net_if *nif, const struct np_ipv4 *ip,
                         const struct np_icmp *m)
{
    const struct ping_wait *p = &nif->ping;

    if (!p->active || p->got || ip->src != p->dst || m->id != nif->echo_id || m->seq != p->seq ||
        m->len != p->size)
        return false;
    for (size_t i = 0; i < m->len; i++)
        if (m->data[i] != ping_byte(p->seq, i))
            return false;
    return true;
}

static void icmp_input(struct net_if *nif, const struct np_eth *e, const struct np_ipv4 *ip,
                       unsigned int flags)
{
    struct np_icmp m;
    int rc = np_icmp_parse(ip, !(flags & NETFRONT_RX_CSUM_BLANK), &m);

    if (rc < 0) {
        if (rc == -EILSEQ)
            nif->st.rx_csum++;
        else
            nif->st.rx_bad++;
        return;
    }
    if (m.type == NP_ICMP_ECHO) {
        echo_answer(nif, e, ip, &m);
    } else if (m.type == NP_ICMP_ECHOREPLY && ping_matches(nif, ip, &m)) {
        nif->ping.got = true;
        nif->ping.rtt_ns = pv_now_ns() - nif->ping.sent_ns;
    } else {
        nif->st.rx_other++;
    }
}

/* Builds and queues echo request seq; waits for tx room until deadline. */
static int ping_send(struct net_if *nif, const uint8_t mac[6], uint32_t dst, uint16_t seq,
                     size_t size, uint64_t deadline)
{
    for (;;) {
        for (size_t i = 0; i < size; i++)
            nif->tx[NI_L4_DATA + i] = ping_byte(seq, i);
        np_icmp_echo_build(nif->tx + NI_L4_OFF, NP_ICMP_ECHO, nif->echo_id, seq, size);
        nif->ping.sent_ns = pv_now_ns();
        int rc = ni_send(nif, ni_ip_frame(nif, mac, dst, NP_PROTO_ICMP, NP_ICMP_HLEN + size));
        if (rc != -EAGAIN)
            return rc < 0 ? rc : net_flush(nif);
        if (pv_now_ns() >= deadline)
            return -ETIMEDOUT;
        if ((rc = net_wait(nif, PV_MIN(deadline, pv_now_ns() + PING_POLL_NS))) < 0)
            return rc;
    }
}

int net_ping(struct net_if *nif, uint32_t dst, uint16_t seq, size_t size, uint64_t timeout_ns,
             uint64_t *rtt_ns)
{
    uint64_t deadline = pv_now_ns() + timeout_ns;
    uint8_t mac[6];
    int rc;

    if (!fits(nif, size))
        return -EMSGSIZE;
    if ((rc = net_resolve(nif, dst, mac, timeout_ns)) < 0)
        return rc;
    nif->ping = (struct ping_wait){.active = true, .dst = dst, .seq = seq, .size = size};
    rc = ping_send(nif, mac, dst, seq, size, deadline);
    while (rc == 0 && !nif->ping.got && pv_now_ns() < deadline)
        rc = net_wait(nif, deadline) < 0 ? -ENODEV : 0;
    nif->ping.active = false;
    if (rc < 0)
        return rc;
    if (!nif->ping.got)
        return -ETIMEDOUT;
    *rtt_ns = nif->ping.rtt_ns;
    return 0;
}

/* ---- UDP --------------------------------------------------------------------------------------
 */

static struct udp_port *port_find(struct net_if *nif, uint16_t port)
{
    for (unsigned int i = 0; i < NET_MAX_PORTS; i++)
        if (nif->ports[i].port == port)
            return &nif->ports[i];
    return NULL;
}

int net_udp_bind(struct net_if *nif, uint16_t port, net_udp_fn fn, void *arg)
{
    if (!port || !fn)
        return -EINVAL;
    if (port_find(nif, port))
        return -EADDRINUSE;
    struct udp_port *p = port_find(nif, 0);
    if (!p)
        return -ENOSPC;
    *p = (struct udp_port){.port = port, .fn = fn, .arg = arg};
    return 0;
}

int net_udp_unbind(struct net_if *nif, uint16_t port)
{
    struct udp_port *p = port ? port_find(nif, port) : NULL;

    if (!p)
        return -ENOENT;
    memset(p, 0, sizeof(*p));
    return 0;
}

static void udp_input(struct net_if *nif, const struct np_ipv4 *ip, unsigned int flags)
{
    struct np_udp u;
    int rc = np_udp_parse(ip, !(flags & NETFRONT_RX_CSUM_BLANK), &u);

    if (rc < 0) {
        if (rc == -EILSEQ)
            nif->st.rx_csum++;
        else
            nif->st.rx_bad++;
        return;
    }
    struct udp_port *p = u.dport ? port_find(nif, u.dport) : NULL;
    if (!p) {
        nif->st.udp_no_port++;
        return;
    }
    nif->st.udp_rx++;
    p->fn(p->arg, ip->src, u.sport, u.dport, u.data, u.len);
}

int net_udp_queue(struct net_if *nif, uint32_t dst, uint16_t sport, uint16_t dport,
                  const void *data, size_t len)
{
    uint8_t mac[6];
    int rc;

    if (!fits(nif, len))
        return -EMSGSIZE;
    if ((rc = ni_arp_get(nif, dst, mac)) < 0)
        return rc;
    memcpy(nif->tx + NI_L4_DATA, data, len);
    np_udp_build(nif->tx + NI_L4_OFF, nif->cfg.ip, dst, sport, dport, len);
    return ni_send(nif, ni_ip_frame(nif, mac, dst, NP_PROTO_UDP, NP_UDP_HLEN + len));
}

int net_udp_send(struct net_if *nif, uint32_t dst, uint16_t sport, uint16_t dport, const void *data,
                 size_t len)
{
    uint64_t deadline = pv_now_ns() + NET_UDP_TIMEOUT_NS;
    uint8_t mac[6];
    int rc;

    if (!fits(nif, len))
        return -EMSGSIZE;
    if ((rc = net_resolve(nif, dst, mac, NET_UDP_TIMEOUT_NS)) < 0)
        return rc;
    while ((rc = net_udp_queue(nif, dst, sport, dport, data, len)) == -EAGAIN) {
        (void)net_flush(nif);
        if (pv_now_ns() >= deadline)
            return -ETIMEDOUT;
        if ((rc = net_wait(nif, PV_MIN(deadline, pv_now_ns() + PING_POLL_NS))) < 0)
            return rc;
    }
    return rc < 0 ? rc : net_flush(nif);
}

/* ---- IPv4 -------------------------------------------------------------------------------------
 */

void ni_ip_input(struct net_if *nif, const struct np_eth *e, unsigned int flags)
{
    struct np_ipv4 ip;
    int rc = np_ipv4_parse(e->payload, e->len, &ip);

    if (rc < 0) {
        if (rc == -EILSEQ)
            nif->st.rx_csum++;
        else if (rc == -EOPNOTSUPP)
            nif->st.rx_frags++;
        else
            nif->st.rx_bad++;
        return;
    }
    if (ip.dst != nif->cfg.ip && !ni_is_broadcast(nif, ip.dst)) {
        nif->st.rx_other++;
        return;
    }
    if (ip.proto == NP_PROTO_ICMP)
        icmp_input(nif, e, &ip, flags);
    else if (ip.proto == NP_PROTO_UDP)
        udp_input(nif, &ip, flags);
    else
        nif->st.rx_other++;
}
