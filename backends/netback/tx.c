/* tx.c: parsing and validating one packet's tx requests (data slots and extra-info slots);
 * pure, no I/O, fuzzed by tests/fuzz/fuzz_netif.c. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "netback.h"

struct parse {
    const struct netif_tx_request *slots;
    unsigned avail, i;
    struct nb_txpkt *p;
    const char *why;
    bool bad;
};

static void owe(struct parse *ps, uint16_t id, bool null)
{
    struct nb_txpkt *p = ps->p;

    p->rsp_id[p->nslots] = id;
    p->rsp_null[p->nslots] = null;
    p->nslots++;
    ps->i++;
}

static void mark_bad(struct parse *ps, const char *why)
{
    if (!ps->bad)
        ps->why = why;
    ps->bad = true;
}

/* Extra-info slots after slot i-1 (which had NETTXF_extra_info). Returns a verdict when
 * parsing must stop, else NB_TX_OK. */
static enum nb_tx_verdict take_extras(struct parse *ps)
{
    bool more = true;

    while (more) {
        struct netif_extra_info x;

        if (ps->p->nslots >= NB_TX_SLOTS_FATAL)
            return ps->why = "a packet spans too many slots", NB_TX_FATAL;
        if (ps->i >= ps->avail)
            return NB_TX_INCOMPLETE;
        memcpy(&x, &ps->slots[ps->i], sizeof(x));
        owe(ps, 0, true);
        more = x.flags & XEN_NETIF_EXTRA_FLAG_MORE;
        if (x.type == XEN_NETIF_EXTRA_TYPE_NONE || x.type >= XEN_NETIF_EXTRA_TYPE_MAX)
            mark_bad(ps, "unknown extra-info type");
        else if (x.type == XEN_NETIF_EXTRA_TYPE_GSO)
            mark_bad(ps, "GSO requested but not offered");
    }
    return NB_TX_OK;
}

static void check_frag(struct parse *ps, const struct netif_tx_request *r, uint16_t len)
{
    struct nb_txpkt *p = ps->p;

    if ((unsigned)r->offset + len > NB_PAGE) {
        mark_bad(ps, "data crosses the end of its page");
        return;
    }
    if (p->nfrags >= NB_MAX_SLOTS) { /* frag[0] is the first slot's */
        mark_bad(ps, "more than 18 data slots");
        return;
    }
    if (len)
        p->frag[p->nfrags++] = (struct nb_frag){r->gref, r->offset, len};
}

enum nb_tx_verdict nb_tx_parse(const struct netif_tx_request *slots, unsigned avail,
                               unsigned max_len, struct nb_txpkt *p, const char **why)
{
    struct parse ps = {slots, avail, 0, p, NULL, false};
    enum nb_tx_verdict v;
    unsigned rest = 0;
    bool more;

    memset(p, 0, offsetof(struct nb_txpkt, frag));
    if (avail == 0)
        return NB_TX_INCOMPLETE;
    p->len = slots[0].size;
    p->flags = slots[0].flags;
    p->nfrags = 1; /* frag[0]: the first slot's data, known once the rest is summed */
    owe(&ps, slots[0].id, false);
    if (p->flags & NETTXF_extra_info && (v = take_extras(&ps)) != NB_TX_OK)
        return *why = ps.why, v;
    more = p->flags & NETTXF_more_data;
    while (more) {
        const struct netif_tx_request *r;

        if (p->nslots >= NB_TX_SLOTS_FATAL)
            return *why = "a packet spans too many slots", NB_TX_FATAL;
        if (ps.i >= avail)
            return NB_TX_INCOMPLETE;
        r = &slots[ps.i];
        owe(&ps, r->id, false);
        rest += r->size;
        check_frag(&ps, r, r->size);
        more = r->flags & NETTXF_more_data;
        if (r->flags & NETTXF_extra_info)
            mark_bad(&ps, "extra info on a continuation slot");
    }
    /* The first slot's size is the whole packet; its own data is what the others leave. */
    if (rest >= p->len)
        mark_bad(&ps, "the first slot's size does not cover the rest of the packet");
    else {
        p->frag[0] = (struct nb_frag){slots[0].gref, slots[0].offset, (uint16_t)(p->len - rest)};
        if ((unsigned)p->frag[0].offset + p->frag[0].len > NB_PAGE)
            mark_bad(&ps, "data crosses the end of its page");
    }
    if (p->len < NB_ETH_HLEN)
        mark_bad(&ps, "shorter than an Ethernet header");
    else if (p->len > max_len)
        mark_bad(&ps, "longer than the MTU allows");
    *why = ps.why;
    return ps.bad ? NB_TX_BAD : NB_TX_OK;
}

int nb_mac_parse(const char *s, uint8_t mac[6])
{
    unsigned b[6];
    int used = 0;

    if (!s ||
        sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%n", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &used) !=
            6 ||
        s[used] != '\0' || used != 17)
        return -EINVAL;
    for (int i = 0; i < 6; i++)
        mac[i] = (uint8_t)b[i];
    return 0;
}
