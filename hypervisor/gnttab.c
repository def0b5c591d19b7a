/* gnttab.c: grant tables with Xen's v1 semantics: table growth, pinning, copy claims, maptrack. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <xen/grant_table.h>

#include "pvisord.h"

#define ENTRIES_PER_FRAME (PVISOR_PAGE_SIZE / sizeof(struct grant_entry_v1))
#define PIN_MAX           0x00ffffffu /* refuses to overflow a pin counter, as Xen does */

int gnttab_init(struct domain *d, unsigned max_frames)
{
    d->gt.max_frames = max_frames;
    d->gt.version = 1;
    return gnttab_grow(d, 1);
}

static unsigned nr_entries(const struct gnttab *gt)
{
    return gt->nr_frames * (unsigned)ENTRIES_PER_FRAME;
}

int gnttab_grow(struct domain *d, unsigned nr)
{
    int r = 0;
    pthread_mutex_lock(&d->lock);
    if (nr > d->gt.max_frames)
        r = -EINVAL;
    while (r == 0 && d->gt.nr_frames < nr) {
        struct gnt_active *a = calloc(ENTRIES_PER_FRAME, sizeof *a);
        if (!a) {
            r = -ENOMEM;
            break;
        }
        d->gt.active[d->gt.nr_frames++] = a;
    }
    pthread_mutex_unlock(&d->lock);
    return r;
}

struct grant_entry_v1 *gnttab_entry(struct domain *gd, uint32_t ref)
{
    if (ref >= nr_entries(&gd->gt))
        return NULL;
    struct grant_entry_v1 *frame = gmem_ptr(
        gd,
        gmem_special_pfn(gd, PVISOR_SPECIAL_GNTTAB + ref / ENTRIES_PER_FRAME) << PVISOR_PAGE_SHIFT,
        PVISOR_PAGE_SIZE);
    return frame ? &frame[ref % ENTRIES_PER_FRAME] : NULL;
}

static struct gnt_active *active_of(struct domain *gd, uint32_t ref)
{
    return &gd->gt.active[ref / ENTRIES_PER_FRAME][ref % ENTRIES_PER_FRAME];
}

/* The flags and domid fields change together, as one 32-bit word (Xen's combo). */
static uint32_t *combo_of(struct grant_entry_v1 *e)
{
    return (uint32_t *)(void *)e;
}

static uint32_t combo(uint16_t flags, uint16_t domid)
{
    return (uint32_t)flags | ((uint32_t)domid << 16);
}

/* Sets GTF_reading (and GTF_writing) if the entry grants access to `user`. The guest
 * may change the entry concurrently: compare-and-swap, a few retries, as Xen. */
static int set_status(struct grant_entry_v1 *e, domid_t user, bool readonly, bool check)
{
    uint32_t *w = combo_of(e);
    uint32_t cur = __atomic_load_n(w, __ATOMIC_ACQUIRE);
    for (int tries = 0; tries < 5; tries++) {
        uint16_t flags = (uint16_t)cur, dom = (uint16_t)(cur >> 16);
        if (check && ((flags & GTF_type_mask) != GTF_permit_access || dom != user))
            return GNTST_general_error;
        if (!readonly && (flags & GTF_readonly))
            return GNTST_general_error;
        uint16_t nflags = (uint16_t)(flags | GTF_reading | (readonly ? 0 : GTF_writing));
        if (__atomic_compare_exchange_n(w, &cur, combo(nflags, dom), false, __ATOMIC_ACQ_REL,
                                        __ATOMIC_ACQUIRE))
            return GNTST_okay;
    }
    return GNTST_general_error; /* the entry keeps changing under us */
}

static void clear_flags(struct grant_entry_v1 *e, uint16_t bits)
{
    __atomic_fetch_and(&e->flags, (uint16_t)~bits, __ATOMIC_ACQ_REL);
}

/* Lock held. */
static int pin_locked(struct domain *gd, uint32_t ref, domid_t user, bool readonly, uint64_t *frame)
{
    struct grant_entry_v1 *e = gnttab_entry(gd, ref);
    if (!e)
        return GNTST_bad_gntref;
    struct gnt_active *a = active_of(gd, ref);
    bool pinned = a->pin_ro || a->pin_rw;
    if (pinned && (a->domid != user || a->pin_ro >= PIN_MAX || a->pin_rw >= PIN_MAX))
        return GNTST_general_error;
    if (!pinned || (!readonly && !a->pin_rw)) {
        int st = set_status(e, user, readonly, !pinned);
        if (st != GNTST_okay)
            return st;
    }
    if (!pinned) {
        uint64_t f = __atomic_load_n(&e->frame, __ATOMIC_ACQUIRE);
        if (f >= gd->ram_pages) { /* only RAM can be granted */
            clear_flags(e, GTF_reading | (readonly ? 0 : GTF_writing));
            return GNTST_bad_page;
        }
        a->frame = f;
        a->domid = user;
    }
    if (readonly)
        a->pin_ro++;
    else
        a->pin_rw++;
    *frame = a->frame;
    return GNTST_okay;
}

int gnttab_pin(struct domain *gd, uint32_t ref, domid_t mapper, bool readonly, uint64_t *frame)
{
    pthread_mutex_lock(&gd->lock);
    int st = pin_locked(gd, ref, mapper, readonly, frame);
    pthread_mutex_unlock(&gd->lock);
    return st;
}

static void unpin_locked(struct domain *gd, uint32_t ref, bool readonly)
{
    struct grant_entry_v1 *e = gnttab_entry(gd, ref);
    if (!e)
        return;
    struct gnt_active *a = active_of(gd, ref);
    uint32_t *pin = readonly ? &a->pin_ro : &a->pin_rw;
    if (*pin == 0)
        return;
    (*pin)--;
    uint16_t bits = 0;
    if (!a->pin_rw)
        bits |= GTF_writing;
    if (!a->pin_rw && !a->pin_ro)
        bits |= GTF_reading;
    clear_flags(e, bits);
}

void gnttab_unpin(struct domain *gd, uint32_t ref, bool readonly)
{
    pthread_mutex_lock(&gd->lock);
    unpin_locked(gd, ref, readonly);
    pthread_mutex_unlock(&gd->lock);
}

int gnttab_copy_claim(struct domain *gd, uint32_t ref, domid_t user, bool write, unsigned offset,
                      unsigned len, uint8_t **p)
{
    if (offset > PVISOR_PAGE_SIZE || len > PVISOR_PAGE_SIZE - offset)
        return GNTST_bad_copy_arg;
    uint64_t frame;
    int st = gnttab_pin(gd, ref, user, !write, &frame);
    if (st != GNTST_okay)
        return st;
    *p = gmem_ptr(gd, (frame << PVISOR_PAGE_SHIFT) + offset, len);
    if (!*p) {
        gnttab_unpin(gd, ref, !write);
        return GNTST_bad_page;
    }
    return GNTST_okay;
}

void gnttab_copy_done(struct domain *gd, uint32_t ref, bool write)
{
    gnttab_unpin(gd, ref, !write);
}

int gnttab_maptrack_get(struct domain *d)
{
    if (!d->gt.maptrack) {
        d->gt.maptrack = calloc(PVISOR_MAPTRACK, sizeof *d->gt.maptrack);
        if (!d->gt.maptrack)
            return -1;
    }
    for (unsigned i = 0; i < PVISOR_MAPTRACK; i++)
        if (!d->gt.maptrack[i].gd)
            return (int)i;
    return -1;
}

void gnttab_teardown(struct domain *d)
{
    pthread_mutex_lock(&d->lock);
    struct gnt_maptrack *mt = d->gt.maptrack;
    d->gt.maptrack = NULL;
    d->gt.nr_maps = 0;
    pthread_mutex_unlock(&d->lock);
    for (unsigned i = 0; mt && i < PVISOR_MAPTRACK; i++) {
        if (!mt[i].gd)
            continue;
        gnttab_unpin(mt[i].gd, mt[i].ref, mt[i].readonly);
        if (mt[i].gd != d)
            domain_put(mt[i].gd);
    }
    free(mt);
}

/* Frees the active entries: the last reference to the domain is gone. */
void gnttab_free(struct domain *d)
{
    for (unsigned i = 0; i < d->gt.nr_frames; i++)
        free(d->gt.active[i]);
    d->gt.nr_frames = 0;
}
