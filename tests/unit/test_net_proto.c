/* test_net_proto.c: the guest network stack's wire code (guest-abi/runtime/netproto.c):
 * checksums, builders and parsers against well-formed and hostile packets, address text. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../guest-abi/runtime/include/pvguest/netproto.h"
#include "check_run.h"

#define A_IP 0x0a000001u /* 10.0.0.1 */
#define B_IP 0x0a000002u

/* A UDP/IPv4 packet (no Ethernet) with n payload bytes; returns its length. */
static size_t udp_packet(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[NP_IP_HLEN + NP_UDP_HLEN + i] = (uint8_t)(i * 3);
    np_udp_build(p + NP_IP_HLEN, A_IP, B_IP, 1234, 5001, n);
    np_ipv4_build(p, A_IP, B_IP, NP_PROTO_UDP, 7, NP_UDP_HLEN + n);
    return NP_IP_HLEN + NP_UDP_HLEN + n;
}

/* Re-computes the IPv4 header checksum after a test edited the header. */
static void ip_refresh(uint8_t *p)
{
    size_t hlen = (size_t)(p[0] & 0xf) * 4;
    np_put16(p + 10, 0);
    np_put16(p + 10, np_csum(p, hlen));
}

START_TEST(checksum_vectors)
{
    /* RFC 1071's example: 00 01 f2 03 f4 f5 f6 f7 sums to 0xddf2 */
    const uint8_t v[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    ck_assert_uint_eq(np_csum(v, sizeof(v)), (uint16_t)~0xddf2);
    /* odd length: the last byte is the high half of a word */
    const uint8_t odd[] = {0x12, 0x34, 0x56};
    ck_assert_uint_eq(np_csum(odd, 3), (uint16_t) ~(0x1234 + 0x5600));
    ck_assert_uint_eq(np_csum(v, 0), 0xffff);
    /* a carry folded back in */
    const uint8_t ff[] = {0xff, 0xff, 0xff, 0xff, 0x00, 0x02};
    ck_assert_uint_eq(np_csum(ff, sizeof(ff)), (uint16_t)~0x0002);
    /* split sums equal one sum when split at even offsets */
    uint8_t buf[1501];
    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = (uint8_t)rand();
    ck_assert_uint_eq(np_csum_fold(np_csum_add(np_csum_add(0, buf, 600), buf + 600, 901)),
                      np_csum(buf, sizeof(buf)));
}
END_TEST

START_TEST(udp_round_trip)
{
    uint8_t p[2000];
    struct np_ipv4 ip;
    struct np_udp u;
    size_t len = udp_packet(p, 1472);

    ck_assert_uint_eq(len, 1500);
    ck_assert_int_eq(np_ipv4_parse(p, len, &ip), 0);
    ck_assert_uint_eq(ip.src, A_IP);
    ck_assert_uint_eq(ip.dst, B_IP);
    ck_assert_uint_eq(ip.proto, NP_PROTO_UDP);
    ck_assert_uint_eq(ip.id, 7);
    ck_assert_uint_eq(ip.ttl, NP_IP_TTL);
    ck_assert_uint_eq(ip.len, 1480);
    ck_assert_ptr_eq(ip.payload, p + 20);
    ck_assert_int_eq(np_udp_parse(&ip, true, &u), 0);
    ck_assert_uint_eq(u.sport, 1234);
    ck_assert_uint_eq(u.dport, 5001);
    ck_assert_uint_eq(u.len, 1472);
    ck_assert_ptr_eq(u.data, p + 28);
    ck_assert_uint_eq(u.data[5], 15);
    /* trailing link padding is cut off by the IPv4 total length */
    ck_assert_int_eq(np_ipv4_parse(p, len + 30, &ip), 0);
    ck_assert_uint_eq(ip.len, 1480);
}
END_TEST

START_TEST(ipv4_refusals)
{
    uint8_t p[200];
    struct np_ipv4 ip;
    size_t len = udp_packet(p, 40);

    ck_assert_int_eq(np_ipv4_parse(p, 19, &ip), -EBADMSG); /* shorter than a header */
    p[0] = 0x65;                                           /* version 6 */
    ck_assert_int_eq(np_ipv4_parse(p, len, &ip), -EBADMSG);
    p[0] = 0x44; /* ihl 4 */
    ck_assert_int_eq(np_ipv4_parse(p, len, &ip), -EBADMSG);
    p[0] = 0x4f; /* ihl 15 = 60 bytes, more than there is */
    ck_assert_int_eq(np_ipv4_parse(p, 40, &ip), -EBADMSG);
    udp_packet(p, 40);
    p[12] ^= 1; /* checksum no longer matches */
    ck_assert_int_eq(np_ipv4_parse(p, len, &ip), -EILSEQ);
    udp_packet(p, 40);
    np_put16(p + 2, (uint16_t)(len + 1)); /* total length beyond the bytes */
    ip_refresh(p);
    ck_assert_int_eq(np_ipv4_parse(p, len, &ip), -EMSGSIZE);
    np_put16(p + 2, 19); /* total length shorter than the header */
    ip_refresh(p);
    ck_assert_int_eq(np_ipv4_parse(p, len, &ip), -EMSGSIZE);
    udp_packet(p, 40);
    np_put16(p + 6, 0x2000); /* MF */
    ip_refresh(p);
    ck_assert_int_eq(np_ipv4_parse(p, len, &ip), -EOPNOTSUPP);
    np_put16(p + 6, 0x0010); /* an offset */
    ip_refresh(p);
    ck_assert_int_eq(np_ipv4_parse(p, len, &ip), -EOPNOTSUPP);
    np_put16(p + 6, 0x4000); /* DF alone is fine */
    ip_refresh(p);
    ck_assert_int_eq(np_ipv4_parse(p, len, &ip), 0);
}
END_TEST

START_TEST(ipv4_options_skipped)
{
    uint8_t p[200];
    struct np_ipv4 ip;
    struct np_udp u;

    /* a 24-byte header (one NOP option word) in front of a UDP datagram */
    size_t len = udp_packet(p + 4, 10);
    memmove(p, p + 4, NP_IP_HLEN);
    memset(p + NP_IP_HLEN, 1, 4);
    p[0] = 0x46;
    np_put16(p + 2, (uint16_t)(len + 4));
    ip_refresh(p);
    ck_assert_int_eq(np_ipv4_parse(p, len + 4, &ip), 0);
    ck_assert_ptr_eq(ip.payload, p + 24);
    ck_assert_uint_eq(ip.len, NP_UDP_HLEN + 10);
    ck_assert_int_eq(np_udp_parse(&ip, true, &u), 0);
    ck_assert_uint_eq(u.len, 10);
}
END_TEST

START_TEST(udp_refusals)
{
    uint8_t p[200];
    struct np_ipv4 ip;
    struct np_udp u;
    size_t len = udp_packet(p, 40);

    ck_assert_int_eq(np_ipv4_parse(p, len, &ip), 0);
    struct np_ipv4 shortip = ip;
    shortip.len = 7;
    ck_assert_int_eq(np_udp_parse(&shortip, true, &u), -EBADMSG);
    np_put16(p + 24, 49); /* UDP length beyond the IPv4 payload */
    ck_assert_int_eq(np_udp_parse(&ip, false, &u), -EMSGSIZE);
    np_put16(p + 24, 7); /* shorter than its header */
    ck_assert_int_eq(np_udp_parse(&ip, false, &u), -EMSGSIZE);
    udp_packet(p, 40);
    p[40] ^= 0x80; /* payload changed: checksum wrong */
    ck_assert_int_eq(np_udp_parse(&ip, true, &u), -EILSEQ);
    ck_assert_int_eq(np_udp_parse(&ip, false, &u), 0); /* csum_blank: not checked */
    np_put16(p + 26, 0);                               /* no checksum sent: accepted */
    ck_assert_int_eq(np_udp_parse(&ip, true, &u), 0);
    /* a shorter UDP length than the IPv4 payload: the rest is ignored */
    udp_packet(p, 40);
    np_put16(p + 24, 8 + 10);
    np_put16(p + 26, 0);
    ck_assert_int_eq(np_udp_parse(&ip, true, &u), 0);
    ck_assert_uint_eq(u.len, 10);
}
END_TEST

START_TEST(udp_zero_checksum_sent_as_ffff)
{
    uint8_t p[64];

    /* find a payload whose checksum computes to 0: it must go out as 0xffff */
    for (unsigned int v = 0; v < 0x10000; v++) {
        np_put16(p + NP_IP_HLEN + NP_UDP_HLEN, (uint16_t)v);
        np_udp_build(p + NP_IP_HLEN, A_IP, B_IP, 1, 2, 2);
        if (np_get16(p + NP_IP_HLEN + 6) == 0xffff) {
            struct np_ipv4 ip;
            struct np_udp u;
            np_ipv4_build(p, A_IP, B_IP, NP_PROTO_UDP, 1, NP_UDP_HLEN + 2);
            ck_assert_int_eq(np_ipv4_parse(p, NP_IP_HLEN + NP_UDP_HLEN + 2, &ip), 0);
            ck_assert_int_eq(np_udp_parse(&ip, true, &u), 0);
            return;
        }
        ck_assert_uint_ne(np_get16(p + NP_IP_HLEN + 6), 0);
    }
    ck_abort_msg("no payload gave a zero checksum");
}
END_TEST

START_TEST(icmp_echo)
{
    uint8_t p[200];
    struct np_ipv4 ip;
    struct np_icmp m;

    for (int i = 0; i < 56; i++)
        p[NP_IP_HLEN + NP_ICMP_HLEN + i] = (uint8_t)i;
    np_icmp_echo_build(p + NP_IP_HLEN, NP_ICMP_ECHO, 0x7001, 3, 56);
    np_ipv4_build(p, A_IP, B_IP, NP_PROTO_ICMP, 1, NP_ICMP_HLEN + 56);
    ck_assert_int_eq(np_ipv4_parse(p, 84, &ip), 0);
    ck_assert_int_eq(np_icmp_parse(&ip, true, &m), 0);
    ck_assert_uint_eq(m.type, NP_ICMP_ECHO);
    ck_assert_uint_eq(m.code, 0);
    ck_assert_uint_eq(m.id, 0x7001);
    ck_assert_uint_eq(m.seq, 3);
    ck_assert_uint_eq(m.len, 56);
    ck_assert_uint_eq(m.data[55], 55);
    p[NP_IP_HLEN + 20] ^= 1;
    ck_assert_int_eq(np_icmp_parse(&ip, true, &m), -EILSEQ);
    ck_assert_int_eq(np_icmp_parse(&ip, false, &m), 0);
    ip.len = 7;
    ck_assert_int_eq(np_icmp_parse(&ip, false, &m), -EBADMSG);
}
END_TEST

START_TEST(arp)
{
    struct np_arp a = {.op = NP_ARP_REQUEST, .spa = A_IP, .tpa = B_IP}, b;
    uint8_t p[NP_ARP_LEN + 4];

    memcpy(a.sha, "\x00\x16\x3e\x01\x02\x03", 6);
    memset(a.tha, 0, 6);
    ck_assert_uint_eq(np_arp_build(p, &a), NP_ARP_LEN);
    ck_assert_int_eq(np_arp_parse(p, NP_ARP_LEN, &b), 0);
    ck_assert_uint_eq(b.op, NP_ARP_REQUEST);
    ck_assert_uint_eq(b.spa, A_IP);
    ck_assert_uint_eq(b.tpa, B_IP);
    ck_assert_int_eq(memcmp(b.sha, a.sha, 6), 0);
    ck_assert_int_eq(np_arp_parse(p, NP_ARP_LEN - 1, &b), -EBADMSG);
    const int fields[][2] = {{1, 6}, {3, 0x86}, {4, 8}, {5, 16}, {7, 3}};
    for (unsigned int i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        np_arp_build(p, &a);
        p[fields[i][0]] = (uint8_t)fields[i][1];
        ck_assert_int_eq(np_arp_parse(p, NP_ARP_LEN, &b), -EBADMSG);
    }
}
END_TEST

START_TEST(ethernet)
{
    uint8_t f[NP_ETH_HLEN + 2];
    const uint8_t dst[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, src[6] = {0, 0x16, 0x3e, 1, 2, 3};
    struct np_eth e;

    ck_assert_uint_eq(np_eth_build(f, dst, src, NP_ETH_P_ARP), NP_ETH_HLEN);
    ck_assert_int_eq(np_eth_parse(f, sizeof(f), &e), 0);
    ck_assert_uint_eq(e.type, NP_ETH_P_ARP);
    ck_assert_uint_eq(e.len, 2);
    ck_assert(np_mac_is_broadcast(e.dst));
    ck_assert(!np_mac_is_broadcast(e.src));
    ck_assert(np_mac_is_multicast(e.dst));
    ck_assert(!np_mac_is_multicast(e.src));
    ck_assert_int_eq(np_eth_parse(f, 13, &e), -EBADMSG);
}
END_TEST

START_TEST(address_text)
{
    uint32_t ip;
    unsigned int prefix;
    uint8_t mac[6];
    char buf[16];
    const char *end;

    ck_assert(np_parse_cidr("10.0.0.1/24", &ip, &prefix));
    ck_assert_uint_eq(ip, A_IP);
    ck_assert_uint_eq(prefix, 24);
    ck_assert(np_parse_cidr("192.168.100.254/8", &ip, &prefix));
    ck_assert_uint_eq(ip, 0xc0a864feu);
    ck_assert_uint_eq(prefix, 8);
    ck_assert(np_parse_cidr("10.0.0.1", &ip, &prefix) && prefix == 24);
    ck_assert(np_parse_cidr("10.0.0.1/32", &ip, &prefix) && prefix == 32);
    ck_assert(np_parse_cidr("10.0.0.1/0", &ip, &prefix) && prefix == 0);
    const char *bad[] = {"",          "10.0.0",      "10.0.0.1.",   "10.0.0.256",   "10..0.1",
                         "10.0.0.1/", "10.0.0.1/33", "10.0.0.1/1x", "10.0.0.1/100", "0010.0.0.1",
                         "a.b.c.d",   "10.0.0.1 "};
    for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(!np_parse_cidr(bad[i], &ip, &prefix), "accepted \"%s\"", bad[i]);
    ck_assert(np_parse_ipv4("10.0.0.2:5001", ':', &ip, &end) && ip == B_IP && *end == ':');
    ck_assert(!np_parse_ipv4("10.0.0.2:5001", '\0', &ip, NULL));
    ck_assert(np_parse_mac("00:16:3E:0a:ff:01", mac));
    ck_assert_uint_eq(mac[2], 0x3e);
    ck_assert_uint_eq(mac[4], 0xff);
    ck_assert(!np_parse_mac("00:16:3e:0a:ff", mac));
    ck_assert(!np_parse_mac("00:16:3e:0a:ff:01:", mac));
    ck_assert(!np_parse_mac("00-16-3e-0a-ff-01", mac));
    ck_assert(!np_parse_mac("0:16:3e:0a:ff:01", mac));
    np_format_ipv4(0xc0a864feu, buf);
    ck_assert_str_eq(buf, "192.168.100.254");
    np_format_ipv4(0, buf);
    ck_assert_str_eq(buf, "0.0.0.0");
    np_format_ipv4(0xffffffffu, buf);
    ck_assert_str_eq(buf, "255.255.255.255");
    ck_assert_uint_eq(np_prefix_mask(24), 0xffffff00u);
    ck_assert_uint_eq(np_prefix_mask(0), 0);
    ck_assert_uint_eq(np_prefix_mask(32), 0xffffffffu);
}
END_TEST

/* Random bytes and mutated packets: parsers never point outside their input. */
START_TEST(random_input)
{
    uint8_t *p = malloc(1600);

    srand(12345);
    for (int round = 0; round < 200000; round++) {
        size_t len = (size_t)rand() % 1600;
        if (round & 1) {
            for (size_t i = 0; i < len; i++)
                p[i] = (uint8_t)rand();
        } else {
            len = udp_packet(p, (size_t)rand() % 1400);
            p[rand() % len] ^= (uint8_t)(1u << (rand() % 8));
            if (rand() % 4 == 0)
                ip_refresh(p);
        }
        if (len && rand() % 2)
            p[0] = (uint8_t)(0x45 + rand() % 11);
        struct np_ipv4 ip;
        struct np_udp u;
        struct np_icmp m;
        struct np_arp a;
        struct np_eth e;
        (void)np_arp_parse(p, len, &a);
        (void)np_eth_parse(p, len, &e);
        if (np_ipv4_parse(p, len, &ip) != 0)
            continue;
        ck_assert(ip.payload >= p + NP_IP_HLEN && ip.payload + ip.len <= p + len);
        if (np_udp_parse(&ip, true, &u) == 0)
            ck_assert(u.data + u.len <= ip.payload + ip.len);
        if (np_icmp_parse(&ip, true, &m) == 0)
            ck_assert(m.data + m.len <= ip.payload + ip.len);
    }
    free(p);
}
END_TEST

static Suite *net_proto_suite(void)
{
    Suite *s = suite_create("net_proto");
    TCase *t = tcase_create("wire");

    tcase_add_test(t, checksum_vectors);
    tcase_add_test(t, udp_round_trip);
    tcase_add_test(t, ipv4_refusals);
    tcase_add_test(t, ipv4_options_skipped);
    tcase_add_test(t, udp_refusals);
    tcase_add_test(t, udp_zero_checksum_sent_as_ffff);
    tcase_add_test(t, icmp_echo);
    tcase_add_test(t, arp);
    tcase_add_test(t, ethernet);
    tcase_add_test(t, address_text);
    tcase_add_test(t, random_input);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return check_run(net_proto_suite(), true);
}
