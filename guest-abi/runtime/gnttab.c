/* gnttab.c: v1 grant tables for PV guests: table setup, a reference allocator, grant/end
 * access with Xen's flag protocol, and map/unmap/copy/query wrappers. */
#include <xen/grant_table.h>
#include <pvguest/errno.h>
#include <pvguest/events.h>
#include <pvguest/gnttab.h>
#include <pvguest/hypercall.h>
#include <pvguest/mm.h>

#define NR_REFS  (GNTTAB_MAX_FRAMES * GNTTAB_ENTRIES_PER_FRAME)
#define LIST_END 0xffffffffU /* end of the free list */
#define REF_USED 0xfffffffeU /* handed out by gnttab_grant_access */

/* Our table, one mapped page per frame (not contiguous in VA). */
static grant_entry_v1_t *frame_va[GNTTAB_MAX_FRAMES];
static unsigned int nr_frames;

/* next_ref[r]: the next free reference after r, or REF_USED (0 before r was listed). */
static uint32_t next_ref[NR_REFS];
static uint32_t free_head = LIST_END;

/* Guards frame_va, nr_frames and the free list; taken with events masked. */
static pv_spinlock_t gt_lock = PV_SPINLOCK_INIT;

static const char *const gntst_names[] = {
    "okay",          "general_error",   "bad_domain",      "bad_gntref",        "bad_handle",
    "bad_virt_addr", "bad_dev_addr",    "no_device_space", "permission_denied", "bad_page",
    "bad_copy_arg",  "address_too_big", "eagain",          "no_space",
};

const char *gnttab_strerror(int rc)
{
    if (rc == 0)
        return "ok";
    if (gnttab_is_status(rc)) {
        int st = -gnttab_status(rc);
        return st < (int)ARRAY_SIZE(gntst_names) ? gntst_names[st] : "unknown GNTST";
    }
    const char *name = rc < 0 ? pv_errno_name(-rc) : NULL;
    return name ? name : "unknown error";
}

static unsigned long lock_table(void)
{
    unsigned long flags = pv_events_save();
    pv_spin_lock(&gt_lock);
    return flags;
}

static void unlock_table(unsigned long flags)
{
    pv_spin_unlock(&gt_lock);
    pv_events_restore(flags);
}

int gnttab_query_size(domid_t dom, uint32_t *nr, uint32_t *max)
{
    struct gnttab_query_size op = {.dom = dom};
    long rc = HYPERVISOR_grant_table_op(GNTTABOP_query_size, &op, 1);
    if (rc)
        return rc < 0 ? (int)rc : -EIO;
    if (op.status != GNTST_okay)
        return GNTTAB_ERR(op.status);
    if (nr)
        *nr = op.nr_frames;
    if (max)
        *max = op.max_nr_frames;
    return 0;
}

/* Puts the references of frames [from, to) on the free list, lowest first. */
static void add_free_refs(unsigned int from, unsigned int to)
{
    unsigned int lo = from * GNTTAB_ENTRIES_PER_FRAME;
    if (lo < GNTTAB_NR_RESERVED_ENTRIES)
        lo = GNTTAB_NR_RESERVED_ENTRIES;
    for (unsigned int r = to * GNTTAB_ENTRIES_PER_FRAME; r-- > lo;) {
        next_ref[r] = free_head;
        free_head = r;
    }
}

/* gnttab_init with the lock held. */
static int grow_locked(unsigned int want)
{
    uint32_t max = 0;
    int rc = gnttab_query_size(DOMID_SELF, NULL, &max);
    if (rc)
        return rc;
    want = PV_MIN(want, (unsigned int)GNTTAB_MAX_FRAMES);
    want = PV_MIN(want, max);
    if (want <= nr_frames)
        return (int)nr_frames;

    xen_pfn_t frames[GNTTAB_MAX_FRAMES];
    struct gnttab_setup_table op = {.dom = DOMID_SELF, .nr_frames = want};
    set_xen_guest_handle(op.frame_list, frames);
    long hrc = HYPERVISOR_grant_table_op(GNTTABOP_setup_table, &op, 1);
    if (hrc)
        return hrc < 0 ? (int)hrc : -EIO;
    if (op.status != GNTST_okay)
        return GNTTAB_ERR(op.status);

    unsigned int have = nr_frames;
    for (; have < want; have++) {
        void *va = pv_alloc_page();
        if (!va)
            break;
        if (pv_map_gnttab_frame(va, have, frames[have]) != 0)
            break;
        frame_va[have] = va;
    }
    if (have == nr_frames)
        return -ENOMEM;
    add_free_refs(nr_frames, have);
    barrier(); /* frame_va[] is filled before gnttab_entry() can see the new count */
    WRITE_ONCE(nr_frames, have);
    return (int)have;
}

int gnttab_init(unsigned int want)
{
    unsigned long flags = lock_table();
    int rc = grow_locked(want);
    unlock_table(flags);
    return rc;
}

unsigned int gnttab_nr_frames(void)
{
    return READ_ONCE(nr_frames);
}

volatile grant_entry_v1_t *gnttab_entry(grant_ref_t ref)
{
    if (ref >= READ_ONCE(nr_frames) * GNTTAB_ENTRIES_PER_FRAME)
        return NULL;
    return &frame_va[ref / GNTTAB_ENTRIES_PER_FRAME][ref % GNTTAB_ENTRIES_PER_FRAME];
}

int gnttab_grant_access(domid_t domid, unsigned long frame, bool readonly)
{
    if (frame > UINT32_MAX)
        return -ERANGE; /* a v1 entry holds 32 bits of frame number */
    unsigned long flags = lock_table();
    if (free_head == LIST_END) {
        int rc = grow_locked(nr_frames + 1);
        if (free_head == LIST_END) {
            unlock_table(flags);
            return rc < 0 ? rc : -ENOSPC;
        }
    }
    grant_ref_t ref = free_head;
    free_head = next_ref[ref];
    next_ref[ref] = REF_USED;
    unlock_table(flags);

    volatile grant_entry_v1_t *e = gnttab_entry(ref);
    e->frame = (uint32_t)frame;
    e->domid = domid;
    barrier(); /* x86 keeps stores in order: frame and domid are seen before the flags */
    e->flags = (uint16_t)(GTF_permit_access | (readonly ? GTF_readonly : 0));
    return (int)ref;
}

bool gnttab_in_use(grant_ref_t ref)
{
    volatile grant_entry_v1_t *e = gnttab_entry(ref);
    return e && (e->flags & (GTF_reading | GTF_writing));
}

int gnttab_end_access(grant_ref_t ref)
{
    volatile grant_entry_v1_t *e = gnttab_entry(ref);
    if (!e || ref < GNTTAB_NR_RESERVED_ENTRIES || READ_ONCE(next_ref[ref]) != REF_USED)
        return -EINVAL;
    /* The hypervisor sets GTF_reading/GTF_writing with a cmpxchg after checking the
     * entry; whichever cmpxchg comes first wins. */
    uint16_t old = e->flags;
    do {
        if ((old & GTF_type_mask) != GTF_permit_access)
            return -EINVAL; /* another vCPU ended it first */
        if (old & (GTF_reading | GTF_writing))
            return -EBUSY;
    } while (!__atomic_compare_exchange_n(&e->flags, &old, 0, false, __ATOMIC_SEQ_CST,
                                          __ATOMIC_SEQ_CST));

    unsigned long flags = lock_table();
    next_ref[ref] = free_head;
    free_head = ref;
    unlock_table(flags);
    return 0;
}

int gnttab_map(domid_t domid, grant_ref_t ref, unsigned long va, bool readonly,
               grant_handle_t *handle)
{
    struct gnttab_map_grant_ref op = {
        .host_addr = va,
        .flags = GNTMAP_host_map | (readonly ? GNTMAP_readonly : 0),
        .ref = ref,
        .dom = domid,
    };
    long rc = HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, &op, 1);
    if (rc)
        return rc < 0 ? (int)rc : -EIO;
    if (op.status != GNTST_okay)
        return GNTTAB_ERR(op.status);
    if (handle)
        *handle = op.handle;
    return 0;
}

int gnttab_unmap(grant_handle_t handle, unsigned long va)
{
    struct gnttab_unmap_grant_ref op = {.host_addr = va, .handle = handle};
    long rc = HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref, &op, 1);
    if (rc)
        return rc < 0 ? (int)rc : -EIO;
    return op.status == GNTST_okay ? 0 : GNTTAB_ERR(op.status);
}

int gnttab_copy_ops(struct gnttab_copy *ops, unsigned int n)
{
    if (n == 0)
        return 0;
    long rc = HYPERVISOR_grant_table_op(GNTTABOP_copy, ops, n);
    if (rc)
        return rc < 0 ? (int)rc : -EIO;
    for (unsigned int i = 0; i < n; i++)
        if (ops[i].status != GNTST_okay)
            return GNTTAB_ERR(ops[i].status);
    return 0;
}

/* One copy between the granted page and a local buffer that may span two pages. */
static int copy_grant(domid_t domid, grant_ref_t ref, unsigned int offset, unsigned long local,
                      unsigned int len, bool to_grant)
{
    if (len == 0)
        return 0;
    if (offset > PV_PAGE_SIZE || len > PV_PAGE_SIZE - offset)
        return GNTTAB_ERR(GNTST_bad_copy_arg);
    struct gnttab_copy ops[2];
    unsigned int n = 0;
    while (len) {
        unsigned int loff = (unsigned int)(local & (PV_PAGE_SIZE - 1));
        unsigned int chunk = PV_MIN(len, (unsigned int)PV_PAGE_SIZE - loff);
        struct gnttab_copy_ptr g = {.u.ref = ref, .domid = domid, .offset = (uint16_t)offset};
        struct gnttab_copy_ptr l = {
            .u.gmfn = local >> PV_PAGE_SHIFT, .domid = DOMID_SELF, .offset = (uint16_t)loff};
        ops[n] = (struct gnttab_copy){
            .source = to_grant ? l : g,
            .dest = to_grant ? g : l,
            .len = (uint16_t)chunk,
            .flags = to_grant ? GNTCOPY_dest_gref : GNTCOPY_source_gref,
        };
        n++;
        local += chunk;
        offset += chunk;
        len -= chunk;
    }
    return gnttab_copy_ops(ops, n);
}

int gnttab_copy_from_grant(domid_t domid, grant_ref_t ref, unsigned int offset, void *dst,
                           unsigned int len)
{
    return copy_grant(domid, ref, offset, (unsigned long)dst, len, false);
}

int gnttab_copy_to_grant(domid_t domid, grant_ref_t ref, unsigned int offset, const void *src,
                         unsigned int len)
{
    return copy_grant(domid, ref, offset, (unsigned long)src, len, true);
}
