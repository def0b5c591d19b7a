/*
 * gnttab.c: selftest of grant_table_op against Xen 4.17's results for a v1-only PV
 * domain: query/setup/version ops, granting to ourselves, map/unmap, copy, errors.
 */
#include <xen/grant_table.h>
#include "st.h"

#define NO_DOMAIN 32000                /* a domain id nobody has */
#define NO_L1_VA  0x0000500000000000UL /* lower half, no page tables built there */
#define BYTE_PAGE 0xa5                 /* fill of the granted page */
#define BYTE_SLOT 0x5a                 /* fill of the page the grant is mapped over */

static long gop(unsigned int cmd, void *op, unsigned int count)
{
    return HYPERVISOR_grant_table_op(cmd, op, count);
}

static bool filled(const volatile uint8_t *p, size_t off, size_t len, uint8_t v)
{
    for (size_t i = off; i < off + len; i++)
        if (p[i] != v)
            return false;
    return true;
}

/* ---- query_size, versions, status frames, commands Xen does not offer on x86 ---- */

static void st_query_version(uint32_t *max_out)
{
    struct gnttab_query_size qs = {.dom = DOMID_SELF, .status = 99};
    st_eq(gop(GNTTABOP_query_size, &qs, 1), 0, "grant_table_op query_size(DOMID_SELF)");
    st_eq(qs.status, GNTST_okay, "query_size status okay");
    st_ok(qs.nr_frames >= 1, qs.nr_frames, ">= 1 (Xen starts tables with one frame)",
          "query_size nr_frames");
    st_ok(qs.max_nr_frames >= qs.nr_frames, qs.max_nr_frames, ">= nr_frames",
          "query_size max_nr_frames");
    st_note("grant table: %u frame(s), at most %u", qs.nr_frames, qs.max_nr_frames);
    *max_out = qs.max_nr_frames;
    st_eq(gop(GNTTABOP_query_size, &qs, 2), -EINVAL, "query_size with count 2");
    qs = (struct gnttab_query_size){.dom = NO_DOMAIN};
    st_eq(gop(GNTTABOP_query_size, &qs, 1), 0, "query_size of a missing domain returns 0");
    st_eq(qs.status, GNTST_bad_domain, "... with status bad_domain");

    struct gnttab_get_version gv = {.dom = DOMID_SELF, .version = 99};
    st_eq(gop(GNTTABOP_get_version, &gv, 1), 0, "get_version(DOMID_SELF)");
    st_eq(gv.version, 1, "grant table version is 1");
    gv = (struct gnttab_get_version){.dom = NO_DOMAIN};
    st_eq(gop(GNTTABOP_get_version, &gv, 1), -ESRCH, "get_version of a missing domain");

    struct gnttab_set_version sv = {.version = 1};
    st_eq(gop(GNTTABOP_set_version, &sv, 1), 0, "set_version(1), already in force");
    st_eq(sv.version, 1, "set_version(1) reports version 1");
    sv.version = 2;
    st_eq(gop(GNTTABOP_set_version, &sv, 1), -ENOSYS, "set_version(2) without v2 support");
    st_eq(sv.version, 1, "refused set_version(2) reports the version in force (1)");
    sv.version = 0;
    st_eq(gop(GNTTABOP_set_version, &sv, 1), -EINVAL, "set_version(0)");
    sv.version = 3;
    st_eq(gop(GNTTABOP_set_version, &sv, 1), -EINVAL, "set_version(3)");
    st_eq(sv.version, 1, "refused set_version(3) reports version 1");

    uint64_t sframes[2];
    struct gnttab_get_status_frames gs = {.nr_frames = 1, .dom = DOMID_SELF, .status = 99};
    set_xen_guest_handle(gs.frame_list, sframes);
    st_eq(gop(GNTTABOP_get_status_frames, &gs, 1), 0, "get_status_frames on a v1 table returns 0");
    st_eq(gs.status, GNTST_general_error, "... with status general_error (no status frames)");
    st_eq(gop(GNTTABOP_get_status_frames, &gs, 2), -EINVAL, "get_status_frames with count 2");

    struct gnttab_dump_table dt = {.dom = DOMID_SELF};
    st_eq(gop(GNTTABOP_dump_table, &dt, 1), -ENOSYS, "dump_table (not offered by Xen 4.17)");
    st_eq(gop(GNTTABOP_cache_flush, &dt, 0), -ENOSYS, "cache_flush (Arm only)");
    st_eq(gop(99, &dt, 1), -ENOSYS, "grant_table_op unknown command 99");
}

/* ---- setup_table and the runtime's table ---- */

static void st_setup(uint32_t max)
{
    static xen_pfn_t frames[130];
    struct gnttab_setup_table op = {.dom = DOMID_SELF, .nr_frames = 1};
    set_xen_guest_handle(op.frame_list, frames);
    st_eq(gop(GNTTABOP_setup_table, &op, 2), -EINVAL, "setup_table with count 2");

    if (max + 1 < ARRAY_SIZE(frames)) {
        op.nr_frames = max + 1;
        op.status = 99;
        st_eq(gop(GNTTABOP_setup_table, &op, 1), 0, "setup_table beyond the maximum returns 0");
        st_eq(op.status, GNTST_general_error, "... with status general_error");
    }
    op = (struct gnttab_setup_table){.dom = NO_DOMAIN, .nr_frames = 1};
    set_xen_guest_handle(op.frame_list, frames);
    st_eq(gop(GNTTABOP_setup_table, &op, 1), 0, "setup_table of a missing domain returns 0");
    st_eq(op.status, GNTST_bad_domain, "... with status bad_domain");

    op = (struct gnttab_setup_table){.dom = DOMID_SELF, .nr_frames = 2, .status = 99};
    set_xen_guest_handle(op.frame_list, frames);
    frames[0] = frames[1] = 0;
    st_eq(gop(GNTTABOP_setup_table, &op, 1), 0, "setup_table(2)");
    st_eq(op.status, GNTST_okay, "setup_table(2) status okay");
    st_ok(frames[0] && frames[1] && frames[0] != frames[1], (long)frames[1],
          "two distinct nonzero frames", "setup_table returned its frames");
    xen_pfn_t first[2] = {frames[0], frames[1]};
    st_eq(gop(GNTTABOP_setup_table, &op, 1), 0, "setup_table(2) again");
    st_ok(frames[0] == first[0] && frames[1] == first[1], (long)frames[0], "the same frames",
          "setup_table is stable");

    struct gnttab_query_size qs = {.dom = DOMID_SELF};
    st_eq(gop(GNTTABOP_query_size, &qs, 1), 0, "query_size after setup_table(2)");
    st_ok(qs.nr_frames >= 2, qs.nr_frames, ">= 2", "the table grew to 2 frames");

    st_eq(gnttab_init(2), 2, "runtime maps 2 grant frames");
    volatile grant_entry_v1_t *e = gnttab_entry(2 * GNTTAB_ENTRIES_PER_FRAME - 1);
    st_ok(e != NULL && e->flags == 0, e ? e->flags : -1, "an unused entry",
          "the last entry of frame 2 is mapped and empty");
}

/* ---- granting to ourselves, map and unmap ---- */

struct map_env {
    volatile uint8_t *page; /* granted page */
    unsigned long slot;     /* a page of ours the grant is mapped over */
    int ref;
};

static int16_t map_raw(grant_ref_t ref, domid_t dom, unsigned long va, uint32_t flags,
                       grant_handle_t *h)
{
    struct gnttab_map_grant_ref m = {
        .host_addr = va, .flags = flags, .ref = ref, .dom = dom, .status = 99};
    long rc = gop(GNTTABOP_map_grant_ref, &m, 1);
    if (rc)
        return (int16_t)(rc < -100 ? -100 : rc - 100); /* shows as an impossible status */
    if (h)
        *h = m.handle;
    return m.status;
}

static int16_t unmap_raw(grant_handle_t h, unsigned long va)
{
    struct gnttab_unmap_grant_ref u = {.host_addr = va, .handle = h, .status = 99};
    long rc = gop(GNTTABOP_unmap_grant_ref, &u, 1);
    return rc ? (int16_t)(rc - 100) : u.status;
}

static void st_map_errors(const struct map_env *m)
{
    grant_ref_t ref = (grant_ref_t)m->ref;
    uint32_t nr_refs = gnttab_nr_frames() * GNTTAB_ENTRIES_PER_FRAME;
    st_eq(map_raw(ref, st_domid, m->slot, 0, NULL), GNTST_bad_gntref,
          "map without host_map/device_map flags");
    st_eq(map_raw(nr_refs + 5, st_domid, m->slot, GNTMAP_host_map, NULL), GNTST_bad_gntref,
          "map of a ref beyond the table");
    st_eq(map_raw(ref, NO_DOMAIN, m->slot, GNTMAP_host_map, NULL), GNTST_bad_domain,
          "map from a missing domain");
    st_eq(map_raw(ref, DOMID_SELF, m->slot, GNTMAP_host_map, NULL), GNTST_bad_domain,
          "map names DOMID_SELF (Xen wants the real id)");
    st_eq(map_raw(ref + 1, st_domid, m->slot, GNTMAP_host_map, NULL), GNTST_general_error,
          "map of a ref that is not granted");
    st_eq(map_raw(ref, st_domid, NO_L1_VA, GNTMAP_host_map, NULL), GNTST_general_error,
          "map at an address without an L1 table");
    st_eq(gnttab_entry(ref)->flags, GTF_permit_access, "failed maps left the flags alone");
}

static void st_map_unmap(const struct map_env *m)
{
    grant_ref_t ref = (grant_ref_t)m->ref;
    volatile grant_entry_v1_t *e = gnttab_entry(ref);
    grant_handle_t h = 0;
    if (!st_eq(gnttab_map(st_domid, ref, m->slot, false, &h), 0, "map our own grant at a slot"))
        return;
    volatile uint8_t *v = (volatile uint8_t *)m->slot;
    st_ok(filled(v, 0, PV_PAGE_SIZE, BYTE_PAGE), v[0], "the granted bytes",
          "the slot shows the granted page");
    v[100] = 0x11;
    st_eq(m->page[100], 0x11, "a write through the mapping reaches the granted page");
    st_eq(e->flags, GTF_permit_access | GTF_reading | GTF_writing,
          "a writable map sets GTF_reading|GTF_writing");
    st_eq(gnttab_end_access(ref), -EBUSY, "end_access while mapped");
    st_eq(e->flags & GTF_type_mask, GTF_permit_access, "the grant is still valid");
    st_eq(unmap_raw(h + 1000, m->slot), GNTST_bad_handle, "unmap of a bad handle");
    st_eq(unmap_raw(0xffffffffU, m->slot), GNTST_bad_handle, "unmap of handle 0xffffffff");
    st_eq(gnttab_unmap(h, m->slot), 0, "unmap");
    st_eq(e->flags, GTF_permit_access, "unmap cleared GTF_reading|GTF_writing");
    uint64_t pte = ~0ULL;
    st_eq(pv_pte_lookup(m->slot, &pte, NULL), 0, "the slot's L1 entry still exists");
    st_eq(pte & _PAGE_PRESENT, 0, "unmap cleared the PTE");
    st_eq(unmap_raw(h, m->slot), GNTST_bad_handle, "unmap of the same handle twice");

    st_eq(gnttab_map(st_domid, ref, m->slot, true, &h), 0, "read-only map of a writable grant");
    st_eq(e->flags, GTF_permit_access | GTF_reading, "a read-only map sets GTF_reading only");
    st_eq(v[100], 0x11, "the read-only mapping shows the page");
    st_eq(gnttab_unmap(h, m->slot), 0, "unmap the read-only map");
    st_eq(e->flags, GTF_permit_access, "flags back to permit_access");
}

static void st_readonly_grant(unsigned long slot, volatile uint8_t *page)
{
    int ref = gnttab_grant_access(st_domid, pv_virt_to_mfn((const void *)page), true);
    if (!st_ok(ref >= GNTTAB_NR_RESERVED_ENTRIES, ref, "a ref >= 8", "grant read-only"))
        return;
    st_eq(gnttab_entry(ref)->flags, GTF_permit_access | GTF_readonly, "entry says readonly");
    st_eq(map_raw(ref, st_domid, slot, GNTMAP_host_map, NULL), GNTST_general_error,
          "writable map of a read-only grant");
    grant_handle_t h;
    st_eq(gnttab_map(st_domid, ref, slot, true, &h), 0, "read-only map of a read-only grant");
    st_eq(gnttab_unmap(h, slot), 0, "unmap it");
    st_eq(gnttab_end_access(ref), 0, "end the read-only grant");
}

static void st_grant_map(void)
{
    struct map_env m = {.page = pv_alloc_page()};
    void *slot = pv_alloc_page();
    if (!st_ok(m.page && slot, 0, "two spare pages", "pages for the grant tests"))
        return;
    m.slot = (unsigned long)slot;
    memset((void *)m.page, BYTE_PAGE, PV_PAGE_SIZE);
    memset(slot, BYTE_SLOT, PV_PAGE_SIZE);

    m.ref = gnttab_grant_access(st_domid, pv_virt_to_mfn((const void *)m.page), false);
    if (!st_ok(m.ref >= GNTTAB_NR_RESERVED_ENTRIES, m.ref, "a ref >= 8",
               "grant_access to ourselves"))
        return;
    volatile grant_entry_v1_t *e = gnttab_entry((grant_ref_t)m.ref);
    st_ok(e->flags == GTF_permit_access && e->domid == st_domid &&
              e->frame == pv_virt_to_mfn((const void *)m.page),
          e->flags, "permit_access, our id, the page's frame", "grant entry contents");
    st_map_errors(&m);
    st_map_unmap(&m);
    st_eq(gnttab_end_access((grant_ref_t)m.ref), 0, "end_access after unmap");
    st_eq(e->flags, 0, "ended entry has flags 0");
    st_eq(gnttab_end_access((grant_ref_t)m.ref), -EINVAL, "end_access twice (runtime)");
    st_eq(map_raw((grant_ref_t)m.ref, st_domid, m.slot, GNTMAP_host_map, NULL), GNTST_general_error,
          "map of an ended grant");

    /* the slot is unmapped now: give it its own frame back */
    st_eq(pv_map_frame(m.slot, pv_virt_to_mfn(slot), PV_PTE_RW), 0, "remap the slot 1:1");
    st_ok(filled(slot, 0, PV_PAGE_SIZE, BYTE_SLOT), ((uint8_t *)slot)[0], "its old bytes",
          "the slot's own page was untouched");
    st_readonly_grant(m.slot, m.page);
}

/* ---- copy ---- */

static struct gnttab_copy copy_op(xen_pfn_t src, uint16_t soff, xen_pfn_t dst, uint16_t doff,
                                  uint16_t len)
{
    return (struct gnttab_copy){
        .source = {.u.gmfn = src, .domid = DOMID_SELF, .offset = soff},
        .dest = {.u.gmfn = dst, .domid = DOMID_SELF, .offset = doff},
        .len = len,
        .status = 99,
    };
}

static int16_t copy1(struct gnttab_copy op)
{
    long rc = gop(GNTTABOP_copy, &op, 1);
    return rc ? (int16_t)(rc - 100) : op.status;
}

static void st_copy_frames(uint8_t *dst, xen_pfn_t s, xen_pfn_t d)
{
    st_eq(copy1(copy_op(s, 10, d, 20, 100)), GNTST_okay, "copy 100 bytes frame to frame");
    st_ok(filled(dst, 20, 100, BYTE_PAGE) && filled(dst, 0, 20, 0) && filled(dst, 120, 10, 0),
          dst[20], "exactly bytes 20..119 copied", "copy wrote the right bytes");
    st_eq(copy1(copy_op(s, 0, d, 200, 0)), GNTST_okay, "copy of length 0");
    st_eq(dst[200], 0, "a zero-length copy writes nothing");
    st_eq(copy1(copy_op(s, 4000, d, 0, 200)), GNTST_bad_copy_arg,
          "copy with source offset + len > 4096");
    st_eq(copy1(copy_op(s, 0, d, 3900, 200)), GNTST_bad_copy_arg,
          "copy with dest offset + len > 4096");
    st_eq(dst[3900], 0, "the refused copy wrote nothing");
    st_eq(copy1(copy_op(s, 0, d, 0, 4096)), GNTST_okay, "copy a whole page");
    st_ok(filled(dst, 0, PV_PAGE_SIZE, BYTE_PAGE), dst[0], "the whole page", "page copied");
    memset(dst, 0, PV_PAGE_SIZE);

    struct gnttab_copy op = copy_op(s, 0, d, 0, 8);
    op.source.domid = 0;
    st_eq(copy1(op), GNTST_permission_denied, "copy from another domain's frame without a gref");
    st_eq(copy1(copy_op(0xfffffffUL, 0, d, 0, 8)), GNTST_bad_page,
          "copy from a frame we do not own");

    struct gnttab_copy two[2] = {copy_op(s, 0, d, 0, 16), copy_op(s, 4090, d, 0, 16)};
    st_eq(gop(GNTTABOP_copy, two, 2), 0, "two copies in one call");
    st_ok(two[0].status == GNTST_okay && two[1].status == GNTST_bad_copy_arg, two[1].status,
          "okay, then bad_copy_arg", "per-op statuses of a batch");
}

static void st_copy_grants(uint8_t *src, uint8_t *dst)
{
    int ro = gnttab_grant_access(st_domid, pv_virt_to_mfn(src), true);
    if (!st_ok(ro >= GNTTAB_NR_RESERVED_ENTRIES, ro, "a ref", "grant the source read-only"))
        return;
    st_eq(gnttab_copy_from_grant(st_domid, (grant_ref_t)ro, 50, dst + 4090, 12), 0,
          "copy from a grant into a buffer crossing a page boundary");
    st_ok(filled(dst, 4090, 12, BYTE_PAGE) && dst[4089] == 0 && dst[4102] == 0, dst[4096],
          "bytes 4090..4101", "both parts of the split copy landed");
    st_eq(gnttab_entry((grant_ref_t)ro)->flags, GTF_permit_access | GTF_readonly,
          "a finished copy leaves no GTF_reading");
    st_eq(gnttab_copy_to_grant(st_domid, (grant_ref_t)ro, 0, dst, 8),
          GNTTAB_ERR(GNTST_general_error), "copy into a read-only grant");
    st_eq(gnttab_copy_from_grant(st_domid, (grant_ref_t)ro, 4000, dst, 200),
          GNTTAB_ERR(GNTST_bad_copy_arg), "copy from a grant with offset + len > 4096");
    uint32_t nr_refs = gnttab_nr_frames() * GNTTAB_ENTRIES_PER_FRAME;
    st_eq(gnttab_copy_from_grant(st_domid, nr_refs + 1, 0, dst, 8), GNTTAB_ERR(GNTST_bad_gntref),
          "copy from a ref beyond the table");
    st_eq(gnttab_end_access((grant_ref_t)ro), 0, "end the source grant");
    st_eq(gnttab_copy_from_grant(st_domid, (grant_ref_t)ro, 0, dst, 8),
          GNTTAB_ERR(GNTST_general_error), "copy from an ended grant");
}

static void st_copy(void)
{
    /* dst is two pages so that a copy can straddle them */
    uint8_t *src = pv_alloc_page(), *dst = pv_alloc_page(), *dst2 = pv_alloc_page();
    if (!st_ok(src && dst && dst2 == dst + PV_PAGE_SIZE, 0, "three adjacent spare pages",
               "pages for the copy tests"))
        return;
    memset(src, BYTE_PAGE, PV_PAGE_SIZE);
    st_copy_frames(dst, pv_virt_to_mfn(src), pv_virt_to_mfn(dst));
    st_copy_grants(src, dst);
}

void st_gnttab(void)
{
    uint32_t max = 0;
    st_query_version(&max);
    st_setup(max);
    if (gnttab_nr_frames() == 0) {
        st_note("grant table not mapped: skipping map and copy checks");
        return;
    }
    if (pv_pvh) /* docs/known-issues.md */
        st_note("PVH: grant maps by the guest itself are not offered yet: skipped");
    else
        st_grant_map();
    st_copy();
}
