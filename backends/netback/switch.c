/* switch.c: netback's embedded Ethernet switches: one per bridge name, MAC learning with
 * aging, flooding of broadcast, multicast and unknown unicast. */
#include <stdlib.h>
#include <string.h>

#include <pvisor/daemon.h>

#include "netback.h"

#define FDB_SLOTS  1024u /* per bridge (a power of two) */
#define FDB_PROBE  8u
#define FDB_AGE_MS (300u * 1000u)

struct fdb_entry {
    uint8_t mac[6];
    bool used;
    unsigned port_idx;
    uint32_t port_gen;
    uint64_t seen_ms;
};

struct bridge {
    char name[64];
    unsigned refs;
    struct port *ports;
    struct fdb_entry fdb[FDB_SLOTS];
    struct bridge *next;
};

static struct bridge *bridges;

struct bridge *br_get(const char *name)
{
    struct bridge *br;

    for (br = bridges; br; br = br->next)
        if (strcmp(br->name, name) == 0) {
            br->refs++;
            return br;
        }
    br = calloc(1, sizeof(*br));
    if (!br)
        return NULL;
    snprintf(br->name, sizeof(br->name), "%s", name);
    br->refs = 1;
    br->next = bridges;
    bridges = br;
    return br;
}

void br_put(struct bridge *br)
{
    struct bridge **pp = &bridges;

    if (--br->refs)
        return;
    while (*pp != br)
        pp = &(*pp)->next;
    *pp = br->next;
    free(br);
}

void br_add_port(struct bridge *br, struct port *p)
{
    p->next_in_br = br->ports;
    br->ports = p;
}

void br_del_port(struct bridge *br, struct port *p)
{
    for (struct port **pp = &br->ports; *pp; pp = &(*pp)->next_in_br)
        if (*pp == p) {
            *pp = p->next_in_br;
            return;
        }
}

static unsigned mac_hash(const uint8_t *mac)
{
    uint32_t h = 2166136261u;

    for (int i = 0; i < 6; i++)
        h = (h ^ mac[i]) * 16777619u;
    return h & (FDB_SLOTS - 1);
}

static struct port *fdb_lookup(struct bridge *br, const uint8_t *mac, uint64_t now)
{
    unsigned h = mac_hash(mac);

    for (unsigned i = 0; i < FDB_PROBE; i++) {
        struct fdb_entry *e = &br->fdb[(h + i) & (FDB_SLOTS - 1)];

        if (e->used && memcmp(e->mac, mac, 6) == 0) {
            struct port *p = dp_port(e->port_idx, e->port_gen);

            return p && p->br == br && now - e->seen_ms < FDB_AGE_MS ? p : NULL;
        }
    }
    return NULL;
}

static void fdb_learn(struct bridge *br, const uint8_t *mac, struct port *p, uint64_t now)
{
    unsigned h = mac_hash(mac);
    struct fdb_entry *victim = NULL;

    for (unsigned i = 0; i < FDB_PROBE; i++) {
        struct fdb_entry *e = &br->fdb[(h + i) & (FDB_SLOTS - 1)];

        if (e->used && memcmp(e->mac, mac, 6) == 0) {
            victim = e;
            break;
        }
        if (!victim || (victim->used && (!e->used || e->seen_ms < victim->seen_ms)))
            victim = e;
    }
    memcpy(victim->mac, mac, 6);
    victim->used = true;
    victim->port_idx = p->idx;
    victim->port_gen = p->gen;
    victim->seen_ms = now;
}

void br_forward(struct bridge *br, struct port *src, const uint8_t *frame, unsigned len,
                void (*out)(struct port *dst, void *arg), void *arg)
{
    const uint8_t *dst = frame, *smac = frame + 6;
    uint64_t now = dom0_now_ms();
    struct port *to;

    if (len < NB_ETH_HLEN)
        return;
    if (!(smac[0] & 1))
        fdb_learn(br, smac, src, now);
    if (!(dst[0] & 1) && (to = fdb_lookup(br, dst, now)) != NULL) {
        if (to != src)
            out(to, arg);
        return;
    }
    for (struct port *p = br->ports; p; p = p->next_in_br)
        if (p != src)
            out(p, arg);
}

unsigned br_fdb_size(const struct bridge *br)
{
    unsigned n = 0;

    for (unsigned i = 0; i < FDB_SLOTS; i++)
        n += br->fdb[i].used;
    return n;
}
