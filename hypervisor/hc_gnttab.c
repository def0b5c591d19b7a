/* hc_gnttab.c: the grant_table_op hypercall: table setup, guest map/unmap through the grant window,
 * copy. */
#include <errno.h>
#include <string.h>

#include <xen/compat.h>
#include <xen/grant_table.h>

#include "pvisord.h"

#define MAX_BATCH 4096 /* entries in one call; Xen would preempt and continue instead */

static bool is_self(struct vcpu *v, domid_t dom)
{
    return dom == DOMID_SELF || dom == v->d->domid;
}

/* ---- table management ------------------------------------------------------------- */

static int16_t setup_one(struct vcpu *v, struct gnttab_setup_table *op)
{
    struct domain *d = v->d;
    if (!is_self(v, op->dom))
        return GNTST_permission_denied; /* the caller checked that it exists */
    if (op->nr_frames > d->gt.max_frames || gnttab_grow(d, op->nr_frames) < 0)
        return GNTST_general_error;
    uint64_t list = (uint64_t)(uintptr_t)op->frame_list.p;
    size_t fsize = hc_compat(v) ? sizeof(compat_pfn_t) : sizeof(xen_pfn_t);
    for (uint32_t i = 0; i < op->nr_frames; i++) {
        uint64_t f = gmem_special_pfn(d, PVISOR_SPECIAL_GNTTAB + i); /* little endian */
        if (copy_to_guest(v, list + i * fsize, &f, fsize))
            return GNTST_bad_virt_addr;
    }
    return GNTST_okay;
}

/* Whether a guest domain exists (the reference domain_get takes is dropped at once). */
static bool domain_exists(domid_t dom)
{
    struct domain *d = domain_get(dom);
    domain_put(d);
    return d != NULL;
}

/* Table ops work on one struct (count must be 1): copied in, filled by fn, copied back
 * (also when fn fails: Xen writes version back on a refused set_version). */
union table_op {
    struct gnttab_setup_table setup;
    struct gnttab_query_size query;
    struct gnttab_set_version set_version;
    struct gnttab_get_version get_version;
    struct gnttab_get_status_frames status_frames;
};
typedef long (*table_fn)(struct vcpu *v, union table_op *op);

static long table_op(struct vcpu *v, uint64_t arg, uint32_t count, size_t size, table_fn fn)
{
    union table_op op;
    if (count != 1)
        return -EINVAL;
    if (copy_from_guest(v, &op, arg, size))
        return -EFAULT;
    long r = fn(v, &op);
    return copy_to_guest(v, arg, &op, size) ? -EFAULT : r;
}

static long setup_table(struct vcpu *v, union table_op *op)
{
    struct gnttab_setup_table *o = &op->setup;
    o->status = is_self(v, o->dom) || domain_exists(o->dom) ? setup_one(v, o) : GNTST_bad_domain;
    return 0;
}

static long query_size(struct vcpu *v, union table_op *op)
{
    struct gnttab_query_size *o = &op->query;
    if (is_self(v, o->dom)) {
        o->nr_frames = v->d->gt.nr_frames;
        o->max_nr_frames = v->d->gt.max_frames;
        o->status = GNTST_okay;
    } else
        o->status = domain_exists(o->dom) ? GNTST_permission_denied : GNTST_bad_domain;
    return 0;
}

/* Only v1 is offered: v2 is refused the way Xen refuses it when max_version is 1. */
static long set_version(struct vcpu *v, union table_op *op)
{
    uint32_t want = op->set_version.version;
    op->set_version.version = v->d->gt.version;
    return want == 1 ? 0 : want == 2 ? -ENOSYS : -EINVAL;
}

static long get_version(struct vcpu *v, union table_op *op)
{
    if (!is_self(v, op->get_version.dom))
        return domain_exists(op->get_version.dom) ? -EPERM : -ESRCH;
    op->get_version.version = v->d->gt.version;
    return 0;
}

/* Status frames exist only with v2. */
static long get_status_frames(struct vcpu *v, union table_op *op)
{
    domid_t dom = op->status_frames.dom;
    op->status_frames.status =
        is_self(v, dom) || domain_exists(dom) ? GNTST_general_error : GNTST_bad_domain;
    return 0;
}

/* 32-bit callers: the same op on Xen's compat layout (its frames are 4 bytes each). */
static long compat_setup_table(struct vcpu *v, uint64_t arg, uint32_t count)
{
    struct compat_gnttab_setup_table c;
    union table_op op;
    if (count != 1)
        return -EINVAL;
    if (copy_from_guest(v, &c, arg, sizeof c))
        return -EFAULT;
    op.setup = (struct gnttab_setup_table){.dom = c.dom, .nr_frames = c.nr_frames};
    op.setup.frame_list.p = (xen_pfn_t *)(uintptr_t)c.frame_list;
    long r = setup_table(v, &op);
    c.status = op.setup.status;
    return copy_to_guest(v, arg, &c, sizeof c) ? -EFAULT : r;
}

static long op_setup_table(struct vcpu *v, uint64_t arg, uint32_t count)
{
    if (hc_compat(v))
        return compat_setup_table(v, arg, count);
    return table_op(v, arg, count, sizeof(struct gnttab_setup_table), setup_table);
}

static long op_query_size(struct vcpu *v, uint64_t arg, uint32_t count)
{
    return table_op(v, arg, count, sizeof(struct gnttab_query_size), query_size);
}

static long op_set_version(struct vcpu *v, uint64_t arg, uint32_t count)
{
    return table_op(v, arg, count, sizeof(struct gnttab_set_version), set_version);
}

static long op_get_version(struct vcpu *v, uint64_t arg, uint32_t count)
{
    return table_op(v, arg, count, sizeof(struct gnttab_get_version), get_version);
}

/* The compat layout differs only in its size (a 4-byte frame_list at the end). */
static long op_get_status_frames(struct vcpu *v, uint64_t arg, uint32_t count)
{
    _Static_assert(offsetof(struct compat_gnttab_get_status_frames, status) ==
                       offsetof(struct gnttab_get_status_frames, status),
                   "status at the same place");
    return table_op(v, arg, count,
                    hc_compat(v) ? sizeof(struct compat_gnttab_get_status_frames)
                                 : sizeof(struct gnttab_get_status_frames),
                    get_status_frames);
}

/* ---- map / unmap -------------------------------------------------------------------- */

static uint64_t window_gpa(struct domain *d, unsigned slot)
{
    return (d->gwin_pfn + slot) << PVISOR_PAGE_SHIFT;
}

/* Where the PTE for a host mapping lives: given directly (contains_pte) or found by
 * walking the caller's tables for host_addr (which must have an L1 table). */
static int pte_for(struct vcpu *v, uint64_t host_addr, uint32_t flags, uint64_t *ma)
{
    if (flags & GNTMAP_contains_pte) {
        *ma = host_addr;
        return (host_addr & 7) || (host_addr >> PVISOR_PAGE_SHIFT) >= v->d->ram_pages ? -EINVAL : 0;
    }
    return pv_l1e_addr(v, host_addr, ma);
}

static void maptrack_release(struct domain *d, unsigned h)
{
    pthread_mutex_lock(&d->lock);
    d->gt.maptrack[h] = (struct gnt_maptrack){0};
    d->gt.nr_maps--;
    pthread_mutex_unlock(&d->lock);
}

/* Reserves a handle for gd (marking the slot used so nobody else takes it). The slot is
 * busy until map_one completes it: another vCPU unmapping the handle it guessed before
 * then gets GNTST_bad_handle instead of releasing a half-made mapping. */
static int maptrack_reserve(struct domain *d, struct domain *gd)
{
    pthread_mutex_lock(&d->lock);
    int h = gnttab_maptrack_get(d);
    if (h >= 0) {
        d->gt.maptrack[h] = (struct gnt_maptrack){.gd = gd, .busy = 1};
        d->gt.nr_maps++;
    }
    pthread_mutex_unlock(&d->lock);
    return h;
}

static int16_t host_map(struct vcpu *v, struct gnttab_map_grant_ref *op, unsigned h, bool ro)
{
    struct domain *d = v->d;
    uint64_t ma;
    if (d->type != PVCTL_TYPE_PV || pte_for(v, op->host_addr, op->flags, &ma) < 0)
        return GNTST_general_error;
    uint64_t *pte = gmem_ptr(d, ma, 8);
    if (!pte)
        return GNTST_general_error;
    uint64_t val = window_gpa(d, h) | PTE_P | PTE_US | PTE_A | (ro ? 0 : PTE_RW | (1ULL << 6));
    __atomic_store_n(pte, val, __ATOMIC_RELEASE);
    gmem_pt_sync(d);
    d->gt.maptrack[h].has_pte = 1;
    d->gt.maptrack[h].pte_ma = ma;
    return GNTST_okay;
}

static int16_t map_one(struct vcpu *v, struct gnttab_map_grant_ref *op)
{
    struct domain *d = v->d;
    if (!(op->flags & (GNTMAP_host_map | GNTMAP_device_map)))
        return GNTST_bad_gntref;
    bool ro = (op->flags & GNTMAP_readonly) != 0;
    struct domain *gd = op->dom == d->domid ? d : domain_get(op->dom);
    if (!gd)
        return GNTST_bad_domain;
    int h = maptrack_reserve(d, gd);
    uint64_t frame = 0;
    int16_t st =
        h < 0 ? GNTST_no_space : (int16_t)gnttab_pin(gd, op->ref, (domid_t)d->domid, ro, &frame);
    bool pinned = st == GNTST_okay;
    if (st == GNTST_okay && gmem_window_map(d, (unsigned)h, gd, frame, ro) < 0)
        st = GNTST_general_error;
    if (st == GNTST_okay && (op->flags & GNTMAP_host_map))
        st = host_map(v, op, (unsigned)h, ro);
    if (st != GNTST_okay) {
        if (h >= 0) {
            gmem_window_unmap(d, (unsigned)h);
            maptrack_release(d, (unsigned)h);
        }
        if (pinned)
            gnttab_unpin(gd, op->ref, ro);
        if (gd != d)
            domain_put(gd);
        return st;
    }
    pthread_mutex_lock(&d->lock);
    d->gt.maptrack[h].ref = op->ref;
    d->gt.maptrack[h].readonly = ro;
    d->gt.maptrack[h].busy = 0; /* complete: unmappable from now on */
    pthread_mutex_unlock(&d->lock);
    op->handle = (grant_handle_t)h;
    op->dev_bus_addr = window_gpa(d, (unsigned)h); /* the frame as this domain sees it */
    return GNTST_okay;
}

/* Checks the handle and, for a host mapping, that host_addr's PTE still maps the grant;
 * clears that PTE. The slot stays reserved until the caller releases it. */
static int16_t unmap_check(struct vcpu *v, const struct gnttab_unmap_grant_ref *op,
                           struct gnt_maptrack *out)
{
    struct domain *d = v->d;
    int16_t st = GNTST_okay;
    pthread_mutex_lock(&d->lock);
    struct gnt_maptrack *mt =
        d->gt.maptrack && op->handle < PVISOR_MAPTRACK ? &d->gt.maptrack[op->handle] : NULL;
    if (!mt || !mt->gd || mt->busy)
        st = GNTST_bad_handle;
    else if (op->host_addr && mt->has_pte) {
        uint64_t ma;
        uint64_t *pte = pv_l1e_addr(v, op->host_addr, &ma) == 0 ? gmem_ptr(d, ma, 8) : NULL;
        if (!pte || ma != mt->pte_ma ||
            (__atomic_load_n(pte, __ATOMIC_ACQUIRE) & PTE_ADDR) != window_gpa(d, op->handle))
            st = GNTST_general_error;
        else
            __atomic_store_n(pte, 0, __ATOMIC_RELEASE);
    }
    if (st == GNTST_okay) {
        *out = *mt;
        mt->busy = 1; /* being released: a second unmap of this handle fails */
    }
    pthread_mutex_unlock(&d->lock);
    return st;
}

static int16_t unmap_one(struct vcpu *v, struct gnttab_unmap_grant_ref *op)
{
    struct domain *d = v->d;
    struct gnt_maptrack mt;
    int16_t st = unmap_check(v, op, &mt);
    if (st != GNTST_okay)
        return st;
    if (op->host_addr && mt.has_pte)
        gmem_pt_sync(d);
    gmem_window_unmap(d, op->handle);
    maptrack_release(d, op->handle);
    gnttab_unpin(mt.gd, mt.ref, mt.readonly);
    if (mt.gd != d)
        domain_put(mt.gd);
    return GNTST_okay;
}

/* ---- copy ------------------------------------------------------------------------------ */

struct copy_side {
    struct domain *gd; /* NULL: the caller's own frame */
    uint32_t ref;
    bool write;
    uint8_t *p;
};

static int16_t claim_side(struct vcpu *v, const struct gnttab_copy_ptr *ptr, bool is_gref,
                          uint16_t len, struct copy_side *s)
{
    struct domain *d = v->d;
    s->gd = NULL;
    if (!is_gref) {
        uint64_t gmfn = ptr->u.gmfn;
        s->p = gmfn < d->ram_pages ? gmem_ptr(d, (gmfn << PVISOR_PAGE_SHIFT) + ptr->offset, len)
                                   : NULL;
        return s->p ? GNTST_okay : GNTST_bad_page;
    }
    struct domain *gd =
        ptr->domid == DOMID_SELF || ptr->domid == d->domid ? d : domain_get(ptr->domid);
    if (!gd)
        return GNTST_bad_domain;
    int16_t st = (int16_t)gnttab_copy_claim(gd, ptr->u.ref, (domid_t)d->domid, s->write,
                                            ptr->offset, len, &s->p);
    if (st == GNTST_okay) {
        s->gd = gd;
        s->ref = ptr->u.ref;
    } else if (gd != d)
        domain_put(gd);
    return st;
}

static void release_side(struct vcpu *v, struct copy_side *s)
{
    if (!s->gd)
        return;
    gnttab_copy_done(s->gd, s->ref, s->write);
    if (s->gd != v->d)
        domain_put(s->gd);
}

static int16_t copy_one(struct vcpu *v, struct gnttab_copy *op)
{
    bool src_gref = op->flags & GNTCOPY_source_gref, dst_gref = op->flags & GNTCOPY_dest_gref;
    if ((!src_gref && op->source.domid != DOMID_SELF) ||
        (!dst_gref && op->dest.domid != DOMID_SELF))
        return GNTST_permission_denied; /* copy by frame number only from/to oneself */
    if (op->source.offset + (unsigned)op->len > PVISOR_PAGE_SIZE ||
        op->dest.offset + (unsigned)op->len > PVISOR_PAGE_SIZE)
        return GNTST_bad_copy_arg;
    if (op->len == 0)
        return GNTST_okay;
    struct copy_side src = {.write = false}, dst = {.write = true};
    int16_t st = claim_side(v, &op->source, src_gref, op->len, &src);
    if (st != GNTST_okay)
        return st;
    st = claim_side(v, &op->dest, dst_gref, op->len, &dst);
    if (st == GNTST_okay) {
        memmove(dst.p, src.p, op->len);
        release_side(v, &dst);
    }
    release_side(v, &src);
    return st;
}

/* ---- batches ---------------------------------------------------------------------------- */

/* Copies each of count entries in, sets its status with fn, copies it back. */
#define BATCH(v, arg, count, type, fn)                                                             \
    do {                                                                                           \
        if ((count) > MAX_BATCH)                                                                   \
            return -EINVAL;                                                                        \
        for (uint32_t i = 0; i < (count); i++) {                                                   \
            type op;                                                                               \
            uint64_t at = (arg) + (uint64_t)i * sizeof op;                                         \
            if (copy_from_guest((v), &op, at, sizeof op))                                          \
                return -EFAULT;                                                                    \
            op.status = fn((v), &op);                                                              \
            if (copy_to_guest((v), at, &op, sizeof op))                                            \
                return -EFAULT;                                                                    \
        }                                                                                          \
        return 0;                                                                                  \
    } while (0)

/* Map and unmap entries have one layout for 32- and 64-bit callers. */
_Static_assert(sizeof(struct compat_gnttab_map_grant_ref) == sizeof(struct gnttab_map_grant_ref),
               "map layouts");
_Static_assert(sizeof(struct compat_gnttab_unmap_grant_ref) ==
                   sizeof(struct gnttab_unmap_grant_ref),
               "unmap layouts");

static long op_map(struct vcpu *v, uint64_t arg, uint32_t count)
{
    BATCH(v, arg, count, struct gnttab_map_grant_ref, map_one);
}

static long op_unmap(struct vcpu *v, uint64_t arg, uint32_t count)
{
    BATCH(v, arg, count, struct gnttab_unmap_grant_ref, unmap_one);
}

static void copy_ptr_from_compat(const struct compat_gnttab_copy_ptr *c, struct gnttab_copy_ptr *n)
{
    n->u.gmfn = c->u.gmfn; /* the ref when it is one: both start at offset 0 */
    n->domid = c->domid;
    n->offset = c->offset;
}

static long compat_copy(struct vcpu *v, uint64_t arg, uint32_t count)
{
    if (count > MAX_BATCH)
        return -EINVAL;
    for (uint32_t i = 0; i < count; i++) {
        struct compat_gnttab_copy c;
        uint64_t at = arg + (uint64_t)i * sizeof c;
        if (copy_from_guest(v, &c, at, sizeof c))
            return -EFAULT;
        struct gnttab_copy op = {.len = c.len, .flags = c.flags};
        copy_ptr_from_compat(&c.source, &op.source);
        copy_ptr_from_compat(&c.dest, &op.dest);
        c.status = copy_one(v, &op);
        if (copy_to_guest(v, at + offsetof(struct compat_gnttab_copy, status), &c.status,
                          sizeof c.status))
            return -EFAULT;
    }
    return 0;
}

static long op_copy(struct vcpu *v, uint64_t arg, uint32_t count)
{
    if (hc_compat(v))
        return compat_copy(v, arg, count);
    BATCH(v, arg, count, struct gnttab_copy, copy_one);
}

typedef long (*gnt_fn)(struct vcpu *v, uint64_t arg, uint32_t count);

static const gnt_fn gnt_ops[] = {
    [GNTTABOP_map_grant_ref] = op_map,
    [GNTTABOP_unmap_grant_ref] = op_unmap,
    [GNTTABOP_setup_table] = op_setup_table,
    [GNTTABOP_copy] = op_copy,
    [GNTTABOP_query_size] = op_query_size,
    [GNTTABOP_set_version] = op_set_version,
    [GNTTABOP_get_status_frames] = op_get_status_frames,
    [GNTTABOP_get_version] = op_get_version,
};

long hc_grant_table_op(struct vcpu *v, const struct hc_args *a)
{
    uint64_t cmd = a->a[0];
    if (cmd >= sizeof gnt_ops / sizeof gnt_ops[0] || !gnt_ops[cmd])
        return -ENOSYS; /* dump_table (gone from Xen), transfer, unmap_and_replace, swap,
                           cache_flush */
    return gnt_ops[cmd](v, a->a[1], (uint32_t)a->a[2]);
}
