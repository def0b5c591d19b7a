/* net_arp.c: ARP for the guest network stack: answers requests for our address, a small
 * cache (RFC 826 merge rule), requests with bounded retries, next-hop choice. */
#include "net_priv.h"

static const uint8_t BCAST_MAC[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

/* ---- the cache ------------------------------------------------------------------------------ */

static struct arp_entry *arp_find(struct net_if *nif, uint32_t ip)
{
    for (unsigned int i = 0; i < NET_ARP_ENTRIES; i++)
        if (nif->arp[i].state != ARP_FREE && nif->arp[i].ip == ip)
            return &nif->arp[i];
    return NULL;
}

/* A slot for ip: its own, a free one, else the one closest to expiry. */
static struct arp_entry *arp_slot(struct net_if *nif, uint32_t ip)
{
    struct arp_entry *e = arp_find(nif, ip), *old = &nif->arp[0];

    for (unsigned int i = 0; !e && i < NET_ARP_ENTRIES; i++) {
        if (nif->arp[i].state == ARP_FREE)
            e = &nif->arp[i];
        else if (nif->arp[i].expires_ns < old->expires_ns)
            old = &nif->arp[i];
    }
    e = e ? e : old;
    e->ip = ip;
    return e;
}

static void arp_set(struct arp_entry *e, const uint8_t mac[6])
{
    memcpy(e->mac, mac, 6);
    e->state = ARP_VALID;
    e->expires_ns = pv_now_ns() + NET_ARP_TTL_NS;
}

static bool arp_cached(struct net_if *nif, uint32_t ip, uint8_t mac[6])
{
    struct arp_entry *e = arp_find(nif, ip);

    if (!e || e->state != ARP_VALID)
        return false;
    if (pv_now_ns() >= e->expires_ns) {
        e->state = ARP_FREE;
        return false;
    }
    memcpy(mac, e->mac, 6);
    return true;
}

/* ---- packets -------------------------------------------------------------------------------- */

static void arp_send(struct net_if *nif, uint16_t op, const uint8_t dmac[6], const uint8_t tha[6],
                     uint32_t tpa)
{
    struct np_arp a = {.op = op, .spa = nif->cfg.ip, .tpa = tpa};

    memcpy(a.sha, nif->mac, 6);
    memcpy(a.tha, tha, 6);
    size_t len = np_eth_build(nif->tx, dmac, nif->mac, NP_ETH_P_ARP);
    len += np_arp_build(nif->tx + len, &a);
    ni_reply(nif, len);
    if (op == NP_ARP_REQUEST)
        nif->st.arp_requests++;
    else
        nif->st.arp_replies++;
}

static void arp_request(struct net_if *nif, uint32_t ip)
{
    static const uint8_t zero[6];

    arp_send(nif, NP_ARP_REQUEST, BCAST_MAC, zero, ip);
    (void)netfront_flush(nif->dev);
}

void ni_arp_input(struct net_if *nif, const struct np_eth *e)
{
    struct np_arp a;

    if (np_arp_parse(e->payload, e->len, &a) < 0) {
        nif->st.rx_bad++;
        return;
    }
    nif->st.arp_rx++;
    bool to_us = a.tpa == nif->cfg.ip;
    bool usable = a.spa && a.spa != nif->cfg.ip && !np_mac_is_multicast(a.sha) &&
                  !ni_is_broadcast(nif, a.spa) && (a.spa & nif->mask) == (nif->cfg.ip & nif->mask);
    struct arp_entry *c = usable ? arp_find(nif, a.spa) : NULL;
    if (c || (usable && to_us)) /* update what we know; learn who asks us */
        arp_set(c ? c : arp_slot(nif, a.spa), a.sha);
    if (a.op == NP_ARP_REQUEST && to_us)
        arp_send(nif, NP_ARP_REPLY, a.sha, a.sha, a.spa);
}

/* ---- resolution ----------------------------------------------------------------------------- */

int ni_next_hop(const struct net_if *nif, uint32_t dst, uint32_t *hop)
{
    if (dst == nif->cfg.ip || dst == 0)
        return -EINVAL;
    if ((dst & nif->mask) == (nif->cfg.ip & nif->mask) || ni_is_broadcast(nif, dst)) {
        *hop = dst;
        return 0;
    }
    if (!nif->cfg.gw)
        return -ENETUNREACH;
    *hop = nif->cfg.gw;
    return 0;
}

bool net_arp_lookup(struct net_if *nif, uint32_t ip, uint8_t mac[6])
{
    uint32_t hop;

    if (ni_next_hop(nif, ip, &hop) < 0)
        return false;
    if (ni_is_broadcast(nif, hop)) {
        memcpy(mac, BCAST_MAC, 6);
        return true;
    }
    return arp_cached(nif, hop, mac);
}

int ni_arp_get(struct net_if *nif, uint32_t dst, uint8_t mac[6])
{
    uint32_t hop;
    int rc = ni_next_hop(nif, dst, &hop);

    if (rc < 0)
        return rc;
    if (net_arp_lookup(nif, dst, mac))
        return 0;
    struct arp_entry *e = arp_find(nif, hop);
    uint64_t now = pv_now_ns();
    if (e && e->state == ARP_PENDING && now < e->expires_ns)
        return -EAGAIN; /* asked recently */
    e = arp_slot(nif, hop);
    e->state = ARP_PENDING;
    e->expires_ns = now + NET_ARP_RETRY_NS;
    arp_request(nif, hop);
    return -EAGAIN;
}

int net_resolve(struct net_if *nif, uint32_t ip, uint8_t mac[6], uint64_t timeout_ns)
{
    uint64_t deadline = pv_now_ns() + timeout_ns;
    uint32_t hop;
    int rc = ni_next_hop(nif, ip, &hop);

    if (rc < 0)
        return rc;
    for (unsigned int tries = 0; tries < NET_ARP_TRIES; tries++) {
        if (net_arp_lookup(nif, ip, mac))
            return 0;
        uint64_t now = pv_now_ns();
        if (now >= deadline)
            break;
        arp_request(nif, hop);
        uint64_t until = PV_MIN(deadline, now + NET_ARP_RETRY_NS);
        while (!net_arp_lookup(nif, ip, mac) && pv_now_ns() < until)
            if ((rc = net_wait(nif, until)) < 0)
                return rc;
    }
    return net_arp_lookup(nif, ip, mac) ? 0 : -EHOSTUNREACH;
}
