/* netproto.c: checked parsers and builders of Ethernet, ARP, IPv4, ICMP echo and UDP, the
 * Internet checksum and address text; pure code, built for guests and for host unit tests. */
#if __STDC_HOSTED__
#include <errno.h>
#include <string.h>
#else
#include <pvguest/errno.h>
#include <pvguest/string.h>
#endif
#include <pvguest/netproto.h>

#define IP_MF     0x2000
#define IP_DF     0x4000
#define IP_OFFSET 0x1fff

/* ---- the Internet checksum ------------------------------------------------------------------ */

uint64_t np_csum_add(uint64_t sum, const uint8_t *p, size_t len)
{
    for (; len >= 4; p += 4, len -= 4)
        sum += np_get32(p);
    for (; len >= 2; p += 2, len -= 2)
        sum += np_get16(p);
    if (len)
        sum += (uint32_t)p[0] << 8;
    return sum;
}

uint16_t np_csum_fold(uint64_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

uint16_t np_csum(const uint8_t *p, size_t len)
{
    return np_csum_fold(np_csum_add(0, p, len));
}

uint64_t np_pseudo_sum(uint32_t src, uint32_t dst, uint8_t proto, size_t len)
{
    return (uint64_t)src + dst + proto + (uint32_t)len;
}

/* ---- Ethernet ---------------------------------------------------------------------------------
 */

int np_eth_parse(const uint8_t *p, size_t len, struct np_eth *e)
{
    if (len < NP_ETH_HLEN)
        return -EBADMSG;
    memcpy(e->dst, p, 6);
    memcpy(e->src, p + 6, 6);
    e->type = np_get16(p + 12);
    e->payload = p + NP_ETH_HLEN;
    e->len = len - NP_ETH_HLEN;
    return 0;
}

size_t np_eth_build(uint8_t *p, const uint8_t dst[6], const uint8_t src[6], uint16_t type)
{
    memcpy(p, dst, 6);
    memcpy(p + 6, src, 6);
    np_put16(p + 12, type);
    return NP_ETH_HLEN;
}

/* ---- ARP ----------------------------------------------------------------------------------------
 */

int np_arp_parse(const uint8_t *p, size_t len, struct np_arp *a)
{
    if (len < NP_ARP_LEN || np_get16(p) != 1 || np_get16(p + 2) != NP_ETH_P_IP || p[4] != 6 ||
        p[5] != 4)
        return -EBADMSG;
    a->op = np_get16(p + 6);
    if (a->op != NP_ARP_REQUEST && a->op != NP_ARP_REPLY)
        return -EBADMSG;
    memcpy(a->sha, p + 8, 6);
    a->spa = np_get32(p + 14);
    memcpy(a->tha, p + 18, 6);
    a->tpa = np_get32(p + 24);
    return 0;
}

size_t np_arp_build(uint8_t *p, const struct np_arp *a)
{
    np_put16(p, 1);
    np_put16(p + 2, NP_ETH_P_IP);
    p[4] = 6;
    p[5] = 4;
    np_put16(p + 6, a->op);
    memcpy(p + 8, a->sha, 6);
    np_put32(p + 14, a->spa);
    memcpy(p + 18, a->tha, 6);
    np_put32(p + 24, a->tpa);
    return NP_ARP_LEN;
}

/* ---- IPv4
 * ---------------------------------------------------------------------------------------- */

int np_ipv4_parse(const uint8_t *p, size_t len, struct np_ipv4 *ip)
{
    if (len < NP_IP_HLEN || p[0] >> 4 != 4)
        return -EBADMSG;
    size_t hlen = (size_t)(p[0] & 0xf) * 4;
    if (hlen < NP_IP_HLEN || hlen > len)
        return -EBADMSG;
    if (np_csum(p, hlen) != 0)
        return -EILSEQ;
    size_t total = np_get16(p + 2);
    if (total < hlen || total > len)
        return -EMSGSIZE;
    ip->tos = p[1];
    ip->id = np_get16(p + 4);
    ip->ttl = p[8];
    ip->proto = p[9];
    ip->src = np_get32(p + 12);
    ip->dst = np_get32(p + 16);
    ip->payload = p + hlen;
    ip->len = total - hlen;
    return np_get16(p + 6) & (IP_MF | IP_OFFSET) ? -EOPNOTSUPP : 0;
}

size_t np_ipv4_build(uint8_t *p, uint32_t src, uint32_t dst, uint8_t proto, uint16_t id,
                     size_t payload_len)
{
    p[0] = 0x45;
    p[1] = 0;
    np_put16(p + 2, (uint16_t)(NP_IP_HLEN + payload_len));
    np_put16(p + 4, id);
    np_put16(p + 6, IP_DF);
    p[8] = NP_IP_TTL;
    p[9] = proto;
    np_put16(p + 10, 0);
    np_put32(p + 12, src);
    np_put32(p + 16, dst);
    np_put16(p + 10, np_csum(p, NP_IP_HLEN));
    return NP_IP_HLEN;
}

/* ---- ICMP echo
 * ----------------------------------------------------------------------------------- */

int np_icmp_parse(const struct np_ipv4 *ip, bool verify, struct np_icmp *m)
{
    const uint8_t *p = ip->payload;

    if (ip->len < NP_ICMP_HLEN)
        return -EBADMSG;
    if (verify && np_csum(p, ip->len) != 0)
        return -EILSEQ;
    m->type = p[0];
    m->code = p[1];
    m->id = np_get16(p + 4);
    m->seq = np_get16(p + 6);
    m->data = p + NP_ICMP_HLEN;
    m->len = ip->len - NP_ICMP_HLEN;
    return 0;
}

size_t np_icmp_echo_build(uint8_t *p, uint8_t type, uint16_t id, uint16_t seq, size_t data_len)
{
    p[0] = type;
    p[1] = 0;
    np_put16(p + 2, 0);
    np_put16(p + 4, id);
    np_put16(p + 6, seq);
    np_put16(p + 2, np_csum(p, NP_ICMP_HLEN + data_len));
    return NP_ICMP_HLEN;
}

/* ---- UDP
 * ------------------------------------------------------------------------------------------ */

int np_udp_parse(const struct np_ipv4 *ip, bool verify, struct np_udp *u)
{
    const uint8_t *p = ip->payload;

    if (ip->len < NP_UDP_HLEN)
        return -EBADMSG;
    size_t ulen = np_get16(p + 4);
    if (ulen < NP_UDP_HLEN || ulen > ip->len)
        return -EMSGSIZE;
    if (verify && np_get16(p + 6) != 0 &&
        np_csum_fold(np_csum_add(np_pseudo_sum(ip->src, ip->dst, NP_PROTO_UDP, ulen), p, ulen)) !=
            0)
        return -EILSEQ;
    u->sport = np_get16(p);
    u->dport = np_get16(p + 2);
    u->data = p + NP_UDP_HLEN;
    u->len = ulen - NP_UDP_HLEN;
    return 0;
}

size_t np_udp_build(uint8_t *p, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
                    size_t data_len)
{
    size_t ulen = NP_UDP_HLEN + data_len;

    np_put16(p, sport);
    np_put16(p + 2, dport);
    np_put16(p + 4, (uint16_t)ulen);
    np_put16(p + 6, 0);
    uint16_t c = np_csum_fold(np_csum_add(np_pseudo_sum(src, dst, NP_PROTO_UDP, ulen), p, ulen));
    np_put16(p + 6, c ? c : 0xffff); /* 0 means "no checksum" in UDP */
    return NP_UDP_HLEN;
}

/* ---- addresses as text -------------------------------------------------------------------------
 */

bool np_parse_ipv4(const char *s, char stop, uint32_t *ip, const char **end)
{
    uint32_t v = 0;

    for (int i = 0; i < 4; i++) {
        unsigned int n = 0, digits = 0;
        for (; *s >= '0' && *s <= '9' && digits < 4; s++, digits++)
            n = n * 10 + (unsigned int)(*s - '0');
        if (!digits || digits > 3 || n > 255)
            return false;
        v = v << 8 | n;
        if (i < 3 && *s++ != '.')
            return false;
    }
    if (*s && *s != stop)
        return false;
    if (end)
        *end = s;
    *ip = v;
    return true;
}

bool np_parse_cidr(const char *s, uint32_t *ip, unsigned int *prefix)
{
    const char *end;

    if (!np_parse_ipv4(s, '/', ip, &end))
        return false;
    *prefix = 24;
    if (!*end)
        return true;
    end++; /* '/' */
    if (*end < '0' || *end > '9' || (end[1] && (end[1] < '0' || end[1] > '9' || end[2])))
        return false;
    *prefix = (unsigned int)(end[1] ? (end[0] - '0') * 10 + (end[1] - '0') : end[0] - '0');
    return *prefix <= 32;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool np_parse_mac(const char *s, uint8_t mac[6])
{
    for (int i = 0; i < 6; i++, s += 3) {
        int hi = hexval(s[0]), lo = hi < 0 ? -1 : hexval(s[1]);
        if (lo < 0 || s[2] != (i == 5 ? '\0' : ':'))
            return false;
        mac[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

void np_format_ipv4(uint32_t ip, char *buf)
{
    for (int i = 3; i >= 0; i--) {
        unsigned int n = (ip >> (i * 8)) & 0xff;
        if (n >= 100)
            *buf++ = (char)('0' + n / 100);
        if (n >= 10)
            *buf++ = (char)('0' + n / 10 % 10);
        *buf++ = (char)('0' + n % 10);
        if (i)
            *buf++ = '.';
    }
    *buf = '\0';
}
