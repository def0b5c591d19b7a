/* net.c: the guest network stack's interfaces: configuration, receive dispatch (Ethernet),
 * waiting and transmit (ARP is in net_arp.c, IPv4/ICMP/UDP in net_ip.c). */
#include "net_priv.h"

static struct net_if ifs[NET_MAX_IFS];
static uint8_t tx_mem[NET_MAX_IFS][NETFRONT_MAX_FRAME];

/* ---- configuration --------------------------------------------------------------------------- */

int net_config_parse(const char *cmdline, struct net_config *cfg)
{
    char buf[40];

    memset(cfg, 0, sizeof(*cfg));
    if (!pv_cmdline_get(cmdline, "ip", buf, sizeof(buf)))
        return -ENOENT;
    if (!np_parse_cidr(buf, &cfg->ip, &cfg->prefix))
        return -EINVAL;
    if (!pv_cmdline_get(cmdline, "gw", buf, sizeof(buf)))
        return 0;
    uint32_t mask = np_prefix_mask(cfg->prefix);
    if (!np_parse_ipv4(buf, '\0', &cfg->gw, NULL) || (cfg->gw & mask) != (cfg->ip & mask))
        return -EINVAL;
    return 0;
}

bool ni_is_broadcast(const struct net_if *nif, uint32_t ip)
{
    return ip == NP_IP_BROADCAST || (nif->cfg.prefix < 31 && ip == nif->bcast);
}

int net_open(struct netfront_dev *dev, const struct net_config *cfg, struct net_if **nifp)
{
    struct netfront_info in;
    struct net_if *nif = NULL;
    int rc = netfront_info(dev, &in);

    *nifp = NULL;
    if (rc < 0)
        return rc;
    for (unsigned int i = 0; i < NET_MAX_IFS && !nif; i++)
        if (!ifs[i].used)
            nif = &ifs[i];
    if (!nif)
        return -ENOSPC;
    memset(nif, 0, sizeof(*nif));
    nif->cfg = *cfg;
    nif->mask = np_prefix_mask(cfg->prefix);
    nif->bcast = cfg->ip | ~nif->mask;
    if (!cfg->ip || ni_is_broadcast(nif, cfg->ip))
        return -EINVAL;
    nif->used = true;
    nif->dev = dev;
    memcpy(nif->mac, in.mac, 6);
    nif->mtu = in.mtu;
    nif->max_frame = PV_MIN(in.max_frame, in.mtu + NETFRONT_ETH_HLEN);
    nif->tx = tx_mem[nif - ifs];
    nif->echo_id = (uint16_t)(0x7000 + xenbus_domid() * NET_MAX_IFS + (nif - ifs));
    *nifp = nif;
    return 0;
}

void net_close(struct net_if *nif)
{
    memset(nif, 0, sizeof(*nif));
}

void net_stats(struct net_if *nif, struct net_stats *st)
{
    *st = nif->st;
}

struct netfront_dev *net_device(struct net_if *nif)
{
    return nif->dev;
}

unsigned int net_mtu(struct net_if *nif)
{
    return nif->mtu;
}

/* ---- transmit -------------------------------------------------------------------------------- */

int ni_send(struct net_if *nif, size_t len)
{
    if (len < NP_ETH_MIN) {
        memset(nif->tx + len, 0, NP_ETH_MIN - len);
        len = NP_ETH_MIN;
    }
    int rc = netfront_queue(nif->dev, nif->tx, len);
    if (rc == 0)
        nif->st.tx_frames++;
    return rc;
}

void ni_reply(struct net_if *nif, size_t len)
{
    if (ni_send(nif, len) < 0)
        nif->st.tx_dropped++;
}

int net_flush(struct net_if *nif)
{
    return netfront_flush(nif->dev);
}

/* ---- receive --------------------------------------------------------------------------------- */

/* Ours: to our MAC or broadcast, not an echo of our own frames. */
static bool eth_for_us(const struct net_if *nif, const struct np_eth *e)
{
    if (memcmp(e->src, nif->mac, 6) == 0)
        return false;
    return memcmp(e->dst, nif->mac, 6) == 0 || np_mac_is_broadcast(e->dst);
}

static void input(void *arg, const uint8_t *frame, size_t len, unsigned int flags)
{
    struct net_if *nif = arg;
    struct np_eth e;

    nif->st.rx_frames++;
    if (np_eth_parse(frame, len, &e) < 0) {
        nif->st.rx_bad++;
        return;
    }
    if (!eth_for_us(nif, &e)) {
        nif->st.rx_other++;
        return;
    }
    if (e.type == NP_ETH_P_ARP)
        ni_arp_input(nif, &e);
    else if (e.type == NP_ETH_P_IP)
        ni_ip_input(nif, &e, flags);
    else
        nif->st.rx_other++;
}

int net_poll(struct net_if *nif)
{
    return netfront_poll(nif->dev, 0, input, nif);
}

int net_wait(struct net_if *nif, uint64_t deadline_ns)
{
    uint64_t now = pv_now_ns();

    if (deadline_ns > now) {
        int rc = netfront_wait(nif->dev, deadline_ns - now);
        if (rc < 0)
            return rc;
    }
    return net_poll(nif);
}
