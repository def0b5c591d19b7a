/*
 * netproto.h: wire formats of the guest network stack (Ethernet II, ARP for IPv4, IPv4,
 * ICMP echo, UDP): checked parsers, builders, the Internet checksum, and address text.
 * Pure functions over byte buffers (no state, no I/O), so they also build and run on the
 * host (tests/unit/test_net_proto.c).
 *
 * Parsers treat every byte as hostile: they never read outside [p, p + len), never trust
 * a length field beyond the bytes present, and return 0 with the decoded header, or a
 * negative errno naming what was wrong:
 *   -EBADMSG     too short, or a header field with a value we cannot handle;
 *   -EMSGSIZE    a length field disagrees with the bytes present;
 *   -EILSEQ      bad checksum;
 *   -EOPNOTSUPP  an IPv4 fragment (the stack does not reassemble).
 * Builders write at p (the caller provides room) and return the header's length; the
 * payload must already be in place after the header when a checksum covers it.
 * Addresses are uint32_t in host order (10.0.0.1 = 0x0a000001); MACs are 6 bytes.
 */
#ifndef PVGUEST_NETPROTO_H
#define PVGUEST_NETPROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NP_ETH_HLEN       14
#define NP_ETH_MIN        60 /* shortest Ethernet frame without FCS: shorter ones are padded */
#define NP_ETH_P_IP       0x0800
#define NP_ETH_P_ARP      0x0806
#define NP_ARP_LEN        28
#define NP_IP_HLEN        20 /* without options: what we send */
#define NP_UDP_HLEN       8
#define NP_ICMP_HLEN      8
#define NP_PROTO_ICMP     1
#define NP_PROTO_UDP      17
#define NP_ARP_REQUEST    1
#define NP_ARP_REPLY      2
#define NP_ICMP_ECHOREPLY 0
#define NP_ICMP_ECHO      8
#define NP_IP_TTL         64
#define NP_IP_BROADCAST   0xffffffffu

static inline uint16_t np_get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t np_get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void np_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void np_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* ---- the Internet checksum (RFC 1071) --------------------------------------------------- */

/* Adds len bytes (big-endian 16-bit words, an odd last byte padded) to a running sum. */
uint64_t np_csum_add(uint64_t sum, const uint8_t *p, size_t len);
/* Folds a sum to 16 bits and complements it: the value to store in a checksum field. */
uint16_t np_csum_fold(uint64_t sum);
/* np_csum_fold(np_csum_add(0, p, len)): 0 when p holds a correct checksum. */
uint16_t np_csum(const uint8_t *p, size_t len);
/* Sum of the IPv4 pseudo header for a UDP/TCP checksum. */
uint64_t np_pseudo_sum(uint32_t src, uint32_t dst, uint8_t proto, size_t len);

/* ---- Ethernet --------------------------------------------------------------------------- */

struct np_eth {
    uint8_t dst[6], src[6];
    uint16_t type;
    const uint8_t *payload; /* inside the frame */
    size_t len;             /* payload bytes (padding included) */
};

int np_eth_parse(const uint8_t *p, size_t len, struct np_eth *e);
size_t np_eth_build(uint8_t *p, const uint8_t dst[6], const uint8_t src[6], uint16_t type);
static inline bool np_mac_is_broadcast(const uint8_t m[6])
{
    return (m[0] & m[1] & m[2] & m[3] & m[4] & m[5]) == 0xff;
}
static inline bool np_mac_is_multicast(const uint8_t m[6])
{
    return (m[0] & 1) != 0;
}

/* ---- ARP (Ethernet / IPv4 only) ---------------------------------------------------------- */

struct np_arp {
    uint16_t op; /* NP_ARP_REQUEST or NP_ARP_REPLY */
    uint8_t sha[6];
    uint32_t spa;
    uint8_t tha[6];
    uint32_t tpa;
};

/* -EBADMSG unless hardware Ethernet, protocol IPv4, lengths 6/4 and a request or reply. */
int np_arp_parse(const uint8_t *p, size_t len, struct np_arp *a);
size_t np_arp_build(uint8_t *p, const struct np_arp *a); /* NP_ARP_LEN */

/* ---- IPv4 -------------------------------------------------------------------------------- */

struct np_ipv4 {
    uint8_t tos, ttl, proto;
    uint16_t id;
    uint32_t src, dst;
    const uint8_t *payload; /* after the header and its options */
    size_t len;             /* payload bytes per total length (link padding cut off) */
};

/* Checks version, header length, header checksum and total length; fragments (MF set or
 * an offset) give -EOPNOTSUPP after every other check passed. */
int np_ipv4_parse(const uint8_t *p, size_t len, struct np_ipv4 *ip);
/* A 20-byte header (DF set, TTL NP_IP_TTL) for payload_len bytes, with its checksum. */
size_t np_ipv4_build(uint8_t *p, uint32_t src, uint32_t dst, uint8_t proto, uint16_t id,
                     size_t payload_len);

/* ---- ICMP echo --------------------------------------------------------------------------- */

struct np_icmp {
    uint8_t type, code;
    uint16_t id, seq; /* echo request/reply only */
    const uint8_t *data;
    size_t len;
};

/* The whole message is ip->payload; verify: check the checksum. */
int np_icmp_parse(const struct np_ipv4 *ip, bool verify, struct np_icmp *m);
/* Echo header at p for data_len bytes already at p + NP_ICMP_HLEN, with its checksum. */
size_t np_icmp_echo_build(uint8_t *p, uint8_t type, uint16_t id, uint16_t seq, size_t data_len);

/* ---- UDP --------------------------------------------------------------------------------- */

struct np_udp {
    uint16_t sport, dport;
    const uint8_t *data;
    size_t len; /* per the UDP length field */
};

/* The datagram is ip->payload; verify: check a nonzero checksum (zero: none sent). */
int np_udp_parse(const struct np_ipv4 *ip, bool verify, struct np_udp *u);
/* Header at p for data_len bytes already at p + NP_UDP_HLEN, with its checksum. */
size_t np_udp_build(uint8_t *p, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
                    size_t data_len);

/* ---- addresses as text ------------------------------------------------------------------- */

/* "a.b.c.d" exactly (each 0..255, 1-3 digits); the text ends at the end of s or at stop
 * (a character such as '/' or ':'); *end (may be NULL) gets where parsing stopped. */
bool np_parse_ipv4(const char *s, char stop, uint32_t *ip, const char **end);
/* "a.b.c.d/p" (p 0..32; without "/p": 24). */
bool np_parse_cidr(const char *s, uint32_t *ip, unsigned int *prefix);
/* "xx:xx:xx:xx:xx:xx" exactly. */
bool np_parse_mac(const char *s, uint8_t mac[6]);
/* "a.b.c.d" into buf (at least 16 bytes). */
void np_format_ipv4(uint32_t ip, char *buf);
static inline uint32_t np_prefix_mask(unsigned int prefix)
{
    return prefix == 0 ? 0 : prefix >= 32 ? 0xffffffffu : ~((1u << (32 - prefix)) - 1);
}

#endif /* PVGUEST_NETPROTO_H */
