/* hc_mm.c: PV memory management: memory_op, mmu_update, update_va_mapping, mmuext_op. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include <stdlib.h>

#include <xen/compat.h>
#include <xen/memory.h>

#include "pvisord.h"

#define MAX_ORDER 9

static bool is_self(struct vcpu *v, domid_t dom)
{
    return dom == DOMID_SELF || dom == v->d->domid;
}

static bool populated(struct domain *d, uint64_t pfn)
{
    return pfn < d->max_pages && (d->populated[pfn / 8] & (1u << (pfn % 8)));
}

static void set_populated(struct domain *d, uint64_t pfn, bool on)
{
    if (on)
        d->populated[pfn / 8] |= (uint8_t)(1u << (pfn % 8));
    else
        d->populated[pfn / 8] &= (uint8_t)~(1u << (pfn % 8));
}

/* ---- reservations ---------------------------------------------------------------- */

static bool range_state(struct domain *d, uint64_t pfn, uint64_t n, bool want)
{
    if (pfn >= d->max_pages || n > d->max_pages - pfn)
        return false;
    for (uint64_t i = 0; i < n; i++)
        if (populated(d, pfn + i) != want)
            return false;
    return true;
}

static int release_extent(struct domain *d, uint64_t pfn, uint64_t n)
{
    if (!range_state(d, pfn, n, true))
        return -EINVAL;
    fallocate(d->memfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)(pfn << 12),
              (off_t)(n << 12));
    for (uint64_t i = 0; i < n; i++)
        set_populated(d, pfn + i, false);
    d->nr_pages -= n;
    return 0;
}

static int claim_extent(struct domain *d, uint64_t pfn, uint64_t n)
{
    if (!range_state(d, pfn, n, false) || d->nr_pages + n > d->max_pages)
        return -ENOMEM;
    for (uint64_t i = 0; i < n; i++)
        set_populated(d, pfn + i, true);
    d->nr_pages += n;
    return 0;
}

static int find_free_extent(struct domain *d, uint64_t n, uint64_t *pfn)
{
    for (uint64_t p = 0; p + n <= d->max_pages; p += n)
        if (range_state(d, p, n, false)) {
            *pfn = p;
            return 0;
        }
    return -ENOMEM;
}

/* The fields of xen_memory_reservation we use, from either layout. */
struct resv {
    uint64_t list, nr;
    unsigned order, pfn_size; /* bytes per extent_start entry: 8, or 4 for 32-bit guests */
    domid_t domid;
};

static int read_resv(struct vcpu *v, uint64_t arg, struct resv *o)
{
    if (hc_compat(v)) {
        struct compat_xen_memory_reservation c;
        if (copy_from_guest(v, &c, arg, sizeof c))
            return -EFAULT;
        *o = (struct resv){c.extent_start, c.nr_extents, c.extent_order, 4, c.domid};
        return 0;
    }
    struct xen_memory_reservation r;
    if (copy_from_guest(v, &r, arg, sizeof r))
        return -EFAULT;
    *o = (struct resv){(uint64_t)(uintptr_t)r.extent_start.p, r.nr_extents, r.extent_order, 8,
                       r.domid};
    return 0;
}

/* Returns the number of extents done, as Xen does (stops at the first failure). */
static long reservation(struct vcpu *v, unsigned op, uint64_t arg)
{
    struct resv r;
    if (read_resv(v, arg, &r))
        return -EFAULT;
    if (!is_self(v, r.domid))
        return -EPERM;
    if (r.order > MAX_ORDER)
        return -EPERM;
    uint64_t n = 1ULL << r.order, list = r.list;
    struct domain *d = v->d;
    long done = 0;
    pthread_mutex_lock(&d->lock);
    for (; (uint64_t)done < r.nr; done++) {
        uint64_t pfn = 0; /* little endian: a 4-byte entry fills the low half */
        uint64_t at = list + (uint64_t)done * r.pfn_size;
        if (op != XENMEM_increase_reservation && copy_from_guest(v, &pfn, at, r.pfn_size))
            break;
        if ((pfn & (n - 1)) && op != XENMEM_increase_reservation)
            break;
        int e = op == XENMEM_decrease_reservation ? release_extent(d, pfn, n)
                : op == XENMEM_populate_physmap   ? claim_extent(d, pfn, n)
                                                  : 0;
        if (op == XENMEM_increase_reservation) {
            uint64_t p;
            e = find_free_extent(d, n, &p);
            if (e == 0 && (e = claim_extent(d, p, n)) == 0) {
                pfn = p;
                if (list && copy_to_guest(v, at, &pfn, r.pfn_size)) {
                    release_extent(d, p, n);
                    e = -EFAULT;
                }
            }
        }
        if (e)
            break;
    }
    pthread_mutex_unlock(&d->lock);
    return done;
}

/* ---- memory maps --------------------------------------------------------------------------- */

#define E820_RAM      1
#define E820_RESERVED 2

int domain_set_e820(struct domain *d, const struct e820_entry *map, unsigned n)
{
    if (n > PVISOR_E820_MAX)
        return -EINVAL;
    struct e820_entry *copy = malloc((n ? n : 1) * sizeof *copy);
    if (!copy)
        return -ENOMEM;
    memcpy(copy, map, n * sizeof *copy);
    pthread_mutex_lock(&d->lock);
    struct e820_entry *old = d->e820;
    d->e820 = copy;
    d->nr_e820 = n;
    pthread_mutex_unlock(&d->lock);
    free(old);
    return 0;
}

/* The map a domain sees when the toolstack set none: RAM, then everything the
 * hypervisor keeps after it (its own frames and the grant window) as reserved. */
static unsigned default_e820(struct domain *d, struct e820_entry *e)
{
    e[0] = (struct e820_entry){0, d->ram_pages << PVISOR_PAGE_SHIFT, E820_RAM};
    e[1] = (struct e820_entry){d->special_pfn << PVISOR_PAGE_SHIFT,
                               (gmem_reserved_end(d) - d->special_pfn) << PVISOR_PAGE_SHIFT,
                               E820_RESERVED};
    return 2;
}

/* xen_memory_map in the caller's layout: entry count and buffer address. */
static int read_map_arg(struct vcpu *v, uint64_t arg, uint32_t *nr, uint64_t *buf)
{
    if (hc_compat(v)) {
        struct compat_xen_memory_map c;
        if (copy_from_guest(v, &c, arg, sizeof c))
            return -EFAULT;
        *nr = c.nr_entries, *buf = c.buffer;
        return 0;
    }
    struct xen_memory_map m;
    if (copy_from_guest(v, &m, arg, sizeof m))
        return -EFAULT;
    *nr = m.nr_entries, *buf = (uint64_t)(uintptr_t)m.buffer.p;
    return 0;
}

/* Up to nr_entries of the domain's map; nr_entries becomes the number copied (Xen). */
static long memory_map(struct vcpu *v, uint64_t arg)
{
    uint32_t nr;
    uint64_t buf;
    if (read_map_arg(v, arg, &nr, &buf))
        return -EFAULT;
    struct domain *d = v->d;
    static __thread struct e820_entry e[PVISOR_E820_MAX];
    pthread_mutex_lock(&d->lock);
    unsigned have = d->e820 ? d->nr_e820 : default_e820(d, e);
    if (d->e820)
        memcpy(e, d->e820, have * sizeof e[0]);
    pthread_mutex_unlock(&d->lock);
    unsigned n = nr < have ? nr : have;
    if (copy_to_guest(v, buf, e, n * sizeof e[0]))
        return -EFAULT;
    size_t at = hc_compat(v) ? offsetof(struct compat_xen_memory_map, nr_entries)
                             : offsetof(struct xen_memory_map, nr_entries);
    uint32_t out = n;
    return copy_to_guest(v, arg + at, &out, sizeof out) ? -EFAULT : 0;
}

/* A domain may replace its own map (Xen checks XSM_TARGET: itself or a privileged one). */
static long set_memory_map(struct vcpu *v, uint64_t arg)
{
    domid_t dom;
    uint32_t nr;
    uint64_t buf;
    if (copy_from_guest(v, &dom, arg, sizeof dom))
        return -EFAULT;
    size_t at = hc_compat(v) ? offsetof(struct compat_xen_foreign_memory_map, map)
                             : offsetof(struct xen_foreign_memory_map, map);
    if (read_map_arg(v, arg + at, &nr, &buf))
        return -EFAULT;
    if (nr > PVISOR_E820_MAX)
        return -EINVAL;
    if (!is_self(v, dom))
        return -EPERM;
    static __thread struct e820_entry e[PVISOR_E820_MAX];
    if (copy_from_guest(v, e, buf, nr * sizeof e[0]))
        return -EFAULT;
    return domain_set_e820(v->d, e, nr);
}

static long reservation_query(struct vcpu *v, unsigned op, uint64_t arg)
{
    domid_t dom;
    if (copy_from_guest(v, &dom, arg, sizeof dom))
        return -EFAULT;
    if (!is_self(v, dom))
        return -EPERM;
    if (op == XENMEM_current_reservation)
        return (long)v->d->nr_pages;
    if (op == XENMEM_maximum_reservation)
        return (long)v->d->max_pages;
    return (long)v->d->max_pages - 1; /* maximum_gpfn */
}

static int read_atp(struct vcpu *v, uint64_t arg, struct xen_add_to_physmap *x)
{
    if (!hc_compat(v))
        return copy_from_guest(v, x, arg, sizeof *x);
    struct compat_xen_add_to_physmap c;
    if (copy_from_guest(v, &c, arg, sizeof c))
        return -EFAULT;
    *x = (struct xen_add_to_physmap){
        .domid = c.domid, .size = c.size, .space = c.space, .idx = c.idx, .gpfn = c.gpfn};
    return 0;
}

/* Places shared_info or a grant frame at any guest frame (PVH guests need this; PV
 * guests may use it too). Grant frames beyond the table's size grow it, as in Xen. */
static long add_to_physmap(struct vcpu *v, uint64_t arg)
{
    struct xen_add_to_physmap x;
    if (read_atp(v, arg, &x))
        return -EFAULT;
    if (!is_self(v, x.domid))
        return -EPERM;
    struct domain *d = v->d;
    unsigned special;
    if (x.space == XENMAPSPACE_shared_info) {
        if (x.idx != 0)
            return -EINVAL;
        special = PVISOR_SPECIAL_SHINFO;
    } else if (x.space == XENMAPSPACE_grant_table) {
        if ((x.idx & XENMAPIDX_grant_table_status) || x.idx >= d->gt.max_frames)
            return -EINVAL; /* no status frames with v1 */
        int r = gnttab_grow(d, (unsigned)x.idx + 1);
        if (r < 0)
            return r;
        special = PVISOR_SPECIAL_GNTTAB + (unsigned)x.idx;
    } else
        return -ENOSYS;
    pthread_mutex_lock(&d->lock);
    int r = gmem_map_special(d, x.gpfn, special);
    pthread_mutex_unlock(&d->lock);
    if (r == 0)
        gmem_pt_sync(d);
    return r;
}

long hc_memory_op(struct vcpu *v, const struct hc_args *a)
{
    unsigned op = (unsigned)(a->a[0] & 0x3f); /* the upper bits carry continuation state */
    switch (op) {
    case XENMEM_increase_reservation:
    case XENMEM_decrease_reservation:
    case XENMEM_populate_physmap:
        return reservation(v, op, a->a[1]);
    case XENMEM_current_reservation:
    case XENMEM_maximum_reservation:
    case XENMEM_maximum_gpfn:
        return reservation_query(v, op, a->a[1]);
    case XENMEM_maximum_ram_page:
        return (long)v->d->max_pages;
    case XENMEM_memory_map:
        return memory_map(v, a->a[1]);
    case XENMEM_add_to_physmap:
        return add_to_physmap(v, a->a[1]);
    case XENMEM_set_memory_map:
        return set_memory_map(v, a->a[1]);
    case XENMEM_machine_memory_map: /* HVM guests: -ENOSYS, as Xen's hvm_memory_op */
        return v->pvh ? -ENOSYS : -EPERM;
    default:
        return -ENOSYS;
    }
}

/* ---- page-table updates ------------------------------------------------------------- */

static int write_pte(struct domain *d, uint64_t ma, uint64_t val)
{
    if (ma & 7)
        return -EINVAL;
    uint64_t *p = gmem_ptr(d, ma, 8);
    if (!p || (ma >> 12) >= d->ram_pages)
        return -EINVAL;
    if ((val & PTE_P) && ((val & PTE_ADDR) >> 12) >= d->mem_size >> 12)
        return -EPERM; /* maps a frame the domain does not own */
    __atomic_store_n(p, val, __ATOMIC_RELEASE);
    return 0;
}

long hc_mmu_update(struct vcpu *v, const struct hc_args *a)
{
    uint64_t list = a->a[0], count = a->a[1], pdone = a->a[2];
    if (!is_self(v, (domid_t)a->a[3]))
        return -EPERM;
    long rc = 0;
    uint64_t i;
    for (i = 0; i < count && rc == 0; i++) {
        struct mmu_update u;
        if (hc_preempted(v)) {
            rc = -EINTR;
            break;
        }
        if (copy_from_guest(v, &u, list + i * sizeof u, sizeof u)) {
            rc = -EFAULT;
            break;
        }
        unsigned cmd = (unsigned)(u.ptr & 3);
        if (cmd == MMU_MACHPHYS_UPDATE)
            rc = (u.ptr >> 12) == u.val ? 0 : -EINVAL; /* M2P is the identity here */
        else if (cmd == MMU_NORMAL_PT_UPDATE || cmd == MMU_PT_UPDATE_PRESERVE_AD)
            rc = write_pte(v->d, u.ptr & ~3ULL, u.val);
        else
            rc = -ENOSYS;
        if (rc)
            break;
    }
    if (i)
        gmem_pt_sync(v->d);
    if (pdone && copy_to_guest(v, pdone, &(uint32_t){(uint32_t)i}, 4))
        return -EFAULT;
    return rc;
}

long hc_update_va_mapping(struct vcpu *v, const struct hc_args *a)
{
    uint64_t ma;
    int r = pv_l1e_addr(v, a->a[0], &ma);
    if (r == 0)
        r = write_pte(v->d, ma, a->a[1]);
    if (r == 0)
        gmem_pt_sync(v->d);
    return r;
}

static long mmuext_one(struct vcpu *v, const struct mmuext_op *op)
{
    struct domain *d = v->d;
    uint64_t mfn = op->arg1.mfn;
    switch (op->cmd) {
    case MMUEXT_PIN_L1_TABLE:
    case MMUEXT_PIN_L2_TABLE:
    case MMUEXT_PIN_L3_TABLE:
    case MMUEXT_PIN_L4_TABLE:
    case MMUEXT_UNPIN_TABLE:
        return mfn < d->ram_pages ? 0 : -EINVAL; /* no page types to track here */
    case MMUEXT_NEW_BASEPTR:
        if (mfn >= d->ram_pages || gmem_install_hv_slot(d, mfn << 12) < 0)
            return -EINVAL;
        v->cr3 = mfn << 12;
        return sub_vcpu_set_cr3(v->sv, v->cr3);
    case MMUEXT_NEW_USER_BASEPTR:
        return mfn < d->ram_pages || mfn == 0 ? 0 : -EINVAL; /* no guest user mode */
    case MMUEXT_TLB_FLUSH_LOCAL:
    case MMUEXT_INVLPG_LOCAL:
    case MMUEXT_TLB_FLUSH_MULTI:
    case MMUEXT_INVLPG_MULTI:
    case MMUEXT_TLB_FLUSH_ALL:
    case MMUEXT_INVLPG_ALL:
        return 0; /* guest stores are coherent; ours are flushed when made */
    case MMUEXT_FLUSH_CACHE:
    case MMUEXT_FLUSH_CACHE_GLOBAL:
        return -EACCES;
    case MMUEXT_SET_LDT:
        return op->arg2.nr_ents == 0 ? 0 : -EINVAL;
    case MMUEXT_CLEAR_PAGE:
    case MMUEXT_COPY_PAGE: {
        uint8_t *dst = mfn < d->ram_pages ? gmem_ptr(d, mfn << 12, 4096) : NULL;
        if (!dst)
            return -EINVAL;
        if (op->cmd == MMUEXT_CLEAR_PAGE) {
            memset(dst, 0, 4096);
            return 0;
        }
        uint64_t src = op->arg2.src_mfn;
        uint8_t *s = src < d->ram_pages ? gmem_ptr(d, src << 12, 4096) : NULL;
        if (!s)
            return -EINVAL;
        memmove(dst, s, 4096);
        return 0;
    }
    default:
        return -ENOSYS;
    }
}

long hc_mmuext_op(struct vcpu *v, const struct hc_args *a)
{
    uint64_t list = a->a[0], count = a->a[1], pdone = a->a[2];
    if (!is_self(v, (domid_t)a->a[3]))
        return -EPERM;
    long rc = 0;
    uint64_t i;
    for (i = 0; i < count; i++) {
        struct mmuext_op op;
        if (hc_preempted(v)) {
            rc = -EINTR;
            break;
        }
        if (copy_from_guest(v, &op, list + i * sizeof op, sizeof op)) {
            rc = -EFAULT;
            break;
        }
        if ((rc = mmuext_one(v, &op)) != 0)
            break;
    }
    if (pdone && copy_to_guest(v, pdone, &(uint32_t){(uint32_t)i}, 4))
        return -EFAULT;
    return rc;
}
