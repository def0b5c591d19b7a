/* pgcache.c: persistent grant mappings of one connection: a hash of grant ref -> mapped page,
 * batch-mapped. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <pvisor/gnttab.h>
#include <xen/grant_table.h>

#include <pvisor/backend.h>

#define PAGE_BYTES 4096u

struct pg_entry {
    uint32_t ref;
    bool used, writable;
    void *page;
};

struct pg_range { /* one pvgnttab_map_refs() result, unmapped as a whole */
    void *addr;
    uint32_t count;
    struct pg_range *next;
};

struct pgrant_cache {
    struct pvgnttab *g;
    uint32_t domid;
    unsigned max, count, nbuckets;
    struct pg_entry *tab; /* open addressing, nbuckets = 2 * max rounded up to a power of 2 */
    struct pg_range *ranges;
    atomic_ullong *mapped;
};

int pgc_open(struct pvgnttab *g, uint32_t domid, unsigned max, atomic_ullong *mapped,
             struct pgrant_cache **out)
{
    struct pgrant_cache *c = calloc(1, sizeof(*c));
    unsigned nb = 16;

    if (!c)
        return -ENOMEM;
    while (nb < 2 * max)
        nb <<= 1;
    c->tab = calloc(nb, sizeof(*c->tab));
    if (!c->tab) {
        free(c);
        return -ENOMEM;
    }
    c->g = g;
    c->domid = domid;
    c->max = max;
    c->nbuckets = nb;
    c->mapped = mapped;
    *out = c;
    return 0;
}

void pgc_close(struct pgrant_cache *c)
{
    if (!c)
        return;
    while (c->ranges) {
        struct pg_range *r = c->ranges;

        c->ranges = r->next;
        pvgnttab_unmap(c->g, r->addr, r->count);
        free(r);
    }
    atomic_fetch_sub(c->mapped, c->count);
    free(c->tab);
    free(c);
}

static struct pg_entry *slot_of(struct pgrant_cache *c, uint32_t ref)
{
    unsigned i = (ref * 2654435761u) & (c->nbuckets - 1);

    while (c->tab[i].used && c->tab[i].ref != ref)
        i = (i + 1) & (c->nbuckets - 1);
    return &c->tab[i];
}

/* Maps the n distinct refs in miss[] with one call and enters them. */
static int map_missing(struct pgrant_cache *c, unsigned n, const uint32_t *miss, bool writable,
                       uint32_t *bad, int *gntst)
{
    int16_t status[PGC_MAX_BATCH];
    struct pg_range *r = malloc(sizeof(*r));
    int err = 0;
    void *addr;

    if (!r)
        return -ENOMEM;
    addr = pvgnttab_map_refs(c->g, n, c->domid, miss, PROT_READ | (writable ? PROT_WRITE : 0),
                             status, &err);
    if (!addr) {
        for (unsigned i = 0; i < n && err == -EIO; i++)
            if (status[i]) {
                *bad = miss[i];
                *gntst = status[i];
                break;
            }
        free(r);
        return err ? err : -EIO;
    }
    *r = (struct pg_range){addr, n, c->ranges};
    c->ranges = r;
    for (unsigned i = 0; i < n; i++) {
        struct pg_entry *e = slot_of(c, miss[i]);

        *e = (struct pg_entry){miss[i], true, writable, (char *)addr + (size_t)i * PAGE_BYTES};
    }
    c->count += n;
    atomic_fetch_add(c->mapped, n);
    return 0;
}

int pgc_get(struct pgrant_cache *c, unsigned n, const uint32_t *refs, bool writable, void **pages,
            uint32_t *bad, int *gntst)
{
    uint32_t miss[PGC_MAX_BATCH];
    unsigned nmiss = 0;
    int rc;

    if (n > sizeof(miss) / sizeof(miss[0]))
        return -EINVAL;
    for (unsigned i = 0; i < n; i++) {
        struct pg_entry *e = slot_of(c, refs[i]);

        if (e->used && writable && !e->writable)
            return -EACCES;
        if (e->used)
            continue;
        bool dup = false;
        for (unsigned j = 0; j < nmiss && !dup; j++)
            dup = miss[j] == refs[i];
        if (!dup)
            miss[nmiss++] = refs[i];
    }
    if (nmiss && c->count + nmiss > c->max)
        return -ENOSPC;
    /* Map writable when the guest allows it, so one page serves reads and writes. */
    if (nmiss && (rc = map_missing(c, nmiss, miss, true, bad, gntst)) < 0) {
        /* Xen answers a writable map of a read-only grant with general_error. */
        if (writable || rc != -EIO ||
            (*gntst != GNTST_permission_denied && *gntst != GNTST_general_error))
            return rc;
        if ((rc = map_missing(c, nmiss, miss, false, bad, gntst)) < 0)
            return rc;
    }
    for (unsigned i = 0; i < n; i++)
        pages[i] = slot_of(c, refs[i])->page;
    return 0;
}
