/* test_netback.c: netback's tx request parsing (every refusal, chains, extra-info slots) and
 * its switch (learning, flooding, aging out of removed ports). */
#include <errno.h>
#include <string.h>

#include "../../backends/netback/netback.h"
#include "check_run.h"

static netif_tx_request_t rq(uint32_t ref, uint16_t off, uint16_t flags, uint16_t id, uint16_t size)
{
    return (netif_tx_request_t){.gref = ref, .offset = off, .flags = flags, .id = id, .size = size};
}

static enum nb_tx_verdict parse(const netif_tx_request_t *s, unsigned n, struct nb_txpkt *p,
                                const char **why)
{
    *why = NULL;
    return nb_tx_parse(s, n, 1518, p, why);
}

START_TEST(single_slot)
{
    netif_tx_request_t s[1] = {rq(7, 100, 0, 42, 60)};
    struct nb_txpkt p;
    const char *why;

    ck_assert_int_eq(parse(s, 1, &p, &why), NB_TX_OK);
    ck_assert_uint_eq(p.len, 60);
    ck_assert_uint_eq(p.nslots, 1);
    ck_assert_uint_eq(p.nfrags, 1);
    ck_assert_uint_eq(p.frag[0].gref, 7);
    ck_assert_uint_eq(p.frag[0].offset, 100);
    ck_assert_uint_eq(p.frag[0].len, 60);
    ck_assert_uint_eq(p.rsp_id[0], 42);
    ck_assert(!p.rsp_null[0]);
}
END_TEST

START_TEST(chain)
{
    /* 1500 bytes: 1000 in the first slot, 300 + 200 after. */
    netif_tx_request_t s[3] = {rq(1, 0, NETTXF_more_data, 1, 1500),
                               rq(2, 4000, NETTXF_more_data, 2, 96), rq(3, 0, 0, 3, 404)};
    struct nb_txpkt p;
    const char *why;

    s[1].size = 300;
    s[1].offset = 0;
    s[2].size = 200;
    ck_assert_int_eq(parse(s, 3, &p, &why), NB_TX_OK);
    ck_assert_uint_eq(p.nslots, 3);
    ck_assert_uint_eq(p.nfrags, 3);
    ck_assert_uint_eq(p.frag[0].len, 1000);
    ck_assert_uint_eq(p.frag[1].len, 300);
    ck_assert_uint_eq(p.frag[2].len, 200);
    ck_assert_uint_eq(p.rsp_id[2], 3);
    /* Only two of the three slots posted yet: wait. */
    ck_assert_int_eq(parse(s, 2, &p, &why), NB_TX_INCOMPLETE);
    ck_assert_int_eq(parse(s, 0, &p, &why), NB_TX_INCOMPLETE);
}
END_TEST

START_TEST(extra_info)
{
    netif_tx_request_t s[3];
    struct netif_extra_info x = {.type = XEN_NETIF_EXTRA_TYPE_MCAST_ADD};
    struct nb_txpkt p;
    const char *why;

    s[0] = rq(1, 0, NETTXF_extra_info, 9, 60);
    memcpy(&s[1], &x, sizeof(x));
    ck_assert_int_eq(parse(s, 2, &p, &why), NB_TX_OK);
    ck_assert_uint_eq(p.nslots, 2);
    ck_assert(p.rsp_null[1]);
    ck_assert_int_eq(parse(s, 1, &p, &why), NB_TX_INCOMPLETE);
    x.type = XEN_NETIF_EXTRA_TYPE_GSO;
    memcpy(&s[1], &x, sizeof(x));
    ck_assert_int_eq(parse(s, 2, &p, &why), NB_TX_BAD);
    ck_assert_str_eq(why, "GSO requested but not offered");
    ck_assert_uint_eq(p.nslots, 2);
    x.type = 0;
    memcpy(&s[1], &x, sizeof(x));
    ck_assert_int_eq(parse(s, 2, &p, &why), NB_TX_BAD);
    x.type = XEN_NETIF_EXTRA_TYPE_MAX;
    memcpy(&s[1], &x, sizeof(x));
    ck_assert_int_eq(parse(s, 2, &p, &why), NB_TX_BAD);
}
END_TEST

START_TEST(refusals)
{
    netif_tx_request_t s[2];
    struct nb_txpkt p;
    const char *why;

    s[0] = rq(1, 4000, 0, 1, 200); /* crosses the page end */
    ck_assert_int_eq(parse(s, 1, &p, &why), NB_TX_BAD);
    ck_assert_str_eq(why, "data crosses the end of its page");
    s[0] = rq(1, 0, 0, 1, 10);
    ck_assert_int_eq(parse(s, 1, &p, &why), NB_TX_BAD);
    ck_assert_str_eq(why, "shorter than an Ethernet header");
    s[0] = rq(1, 0, 0, 1, 0);
    ck_assert_int_eq(parse(s, 1, &p, &why), NB_TX_BAD);
    s[0] = rq(1, 0, 0, 1, 1519);
    ck_assert_int_eq(parse(s, 1, &p, &why), NB_TX_BAD);
    ck_assert_str_eq(why, "longer than the MTU allows");
    /* The first slot's size must exceed the rest's. */
    s[0] = rq(1, 0, NETTXF_more_data, 1, 100);
    s[1] = rq(2, 0, 0, 2, 100);
    ck_assert_int_eq(parse(s, 2, &p, &why), NB_TX_BAD);
    ck_assert_uint_eq(p.nslots, 2);
    ck_assert_uint_eq(p.rsp_id[1], 2);
    /* A continuation slot crossing its page. */
    s[0] = rq(1, 0, NETTXF_more_data, 1, 300);
    s[1] = rq(2, 4090, 0, 2, 100);
    ck_assert_int_eq(parse(s, 2, &p, &why), NB_TX_BAD);
    /* extra info on a continuation slot */
    s[1] = rq(2, 0, NETTXF_extra_info, 2, 100);
    ck_assert_int_eq(parse(s, 2, &p, &why), NB_TX_BAD);
}
END_TEST

START_TEST(slot_limits)
{
    netif_tx_request_t s[NB_TX_SLOTS_FATAL + 4];
    struct nb_txpkt p;
    const char *why;

    /* 18 data slots: fine. */
    for (unsigned i = 0; i < 18; i++)
        s[i] = rq(i, 0, i < 17 ? NETTXF_more_data : 0, (uint16_t)i, 20);
    s[0].size = 18 * 20;
    ck_assert_int_eq(nb_tx_parse(s, 18, 9000, &p, &why), NB_TX_OK);
    ck_assert_uint_eq(p.nfrags, 18);
    /* 19: dropped, all 19 slots answered. */
    for (unsigned i = 0; i < 19; i++)
        s[i] = rq(i, 0, i < 18 ? NETTXF_more_data : 0, (uint16_t)i, 20);
    s[0].size = 19 * 20;
    ck_assert_int_eq(nb_tx_parse(s, 19, 9000, &p, &why), NB_TX_BAD);
    ck_assert_uint_eq(p.nslots, 19);
    /* A chain that never ends within the fatal bound: the frontend is broken. */
    for (unsigned i = 0; i < NB_TX_SLOTS_FATAL + 4; i++)
        s[i] = rq(i, 0, NETTXF_more_data, (uint16_t)i, 20);
    ck_assert_int_eq(nb_tx_parse(s, NB_TX_SLOTS_FATAL + 4, 9000, &p, &why), NB_TX_FATAL);
    ck_assert_int_eq(nb_tx_parse(s, NB_TX_SLOTS_FATAL, 9000, &p, &why), NB_TX_FATAL);
    ck_assert_int_eq(nb_tx_parse(s, 10, 9000, &p, &why), NB_TX_INCOMPLETE);
}
END_TEST

START_TEST(mac_parse)
{
    uint8_t m[6];

    ck_assert_int_eq(nb_mac_parse("00:16:3e:0a:Bb:ff", m), 0);
    ck_assert_uint_eq(m[4], 0xbb);
    ck_assert_int_eq(nb_mac_parse("00:16:3e:0a:bb", m), -EINVAL);
    ck_assert_int_eq(nb_mac_parse("00:16:3e:0a:bb:ff:", m), -EINVAL);
    ck_assert_int_eq(nb_mac_parse("0:16:3e:0a:bb:ff", m), -EINVAL);
    ck_assert_int_eq(nb_mac_parse(NULL, m), -EINVAL);
}
END_TEST

/* ---- the switch ---------------------------------------------------------------------------- */

static struct port ports[4];

struct port *dp_port(unsigned idx, uint32_t gen)
{
    return idx < 4 && ports[idx].gen == gen ? &ports[idx] : NULL;
}

static unsigned hits[4];

static void out(struct port *dst, void *arg)
{
    (void)arg;
    hits[dst->idx]++;
}

static void frame(uint8_t *f, unsigned dst, unsigned src)
{
    memset(f, 0, 64);
    f[0] = 0x00, f[1] = 0x16, f[2] = 0x3e, f[5] = (uint8_t)dst;
    f[6] = 0x00, f[7] = 0x16, f[8] = 0x3e, f[11] = (uint8_t)src;
}

START_TEST(switch_learns)
{
    struct bridge *br = br_get("t0");
    uint8_t f[64];

    for (unsigned i = 0; i < 3; i++) {
        ports[i] = (struct port){.idx = i, .gen = 1, .br = br};
        br_add_port(br, &ports[i]);
    }
    /* 0 -> unknown 1: flooded to 1 and 2. */
    frame(f, 1, 0);
    memset(hits, 0, sizeof(hits));
    br_forward(br, &ports[0], f, 64, out, NULL);
    ck_assert_uint_eq(hits[0], 0);
    ck_assert_uint_eq(hits[1], 1);
    ck_assert_uint_eq(hits[2], 1);
    /* 1 -> 0: 0 is known now, only 0 gets it. */
    frame(f, 0, 1);
    memset(hits, 0, sizeof(hits));
    br_forward(br, &ports[1], f, 64, out, NULL);
    ck_assert_uint_eq(hits[0], 1);
    ck_assert_uint_eq(hits[2], 0);
    ck_assert_uint_eq(br_fdb_size(br), 2);
    /* broadcast floods */
    memset(f, 0xff, 6);
    memset(hits, 0, sizeof(hits));
    br_forward(br, &ports[2], f, 64, out, NULL);
    ck_assert_uint_eq(hits[0] + hits[1], 2);
    /* port 0 replaced (new generation): its MAC is unknown again, frames flood. */
    ports[0].gen = 2;
    frame(f, 0, 1);
    memset(hits, 0, sizeof(hits));
    br_forward(br, &ports[1], f, 64, out, NULL);
    ck_assert_uint_eq(hits[0] + hits[2], 2);
    /* runts go nowhere */
    memset(hits, 0, sizeof(hits));
    br_forward(br, &ports[1], f, 10, out, NULL);
    ck_assert_uint_eq(hits[0] + hits[1] + hits[2], 0);
    for (unsigned i = 0; i < 3; i++)
        br_del_port(br, &ports[i]);
    br_put(br);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("netback");
    TCase *t = tcase_create("tx");

    tcase_add_test(t, single_slot);
    tcase_add_test(t, chain);
    tcase_add_test(t, extra_info);
    tcase_add_test(t, refusals);
    tcase_add_test(t, slot_limits);
    tcase_add_test(t, mac_parse);
    suite_add_tcase(s, t);
    t = tcase_create("switch");
    tcase_add_test(t, switch_learns);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return check_run(suite(), true);
}
