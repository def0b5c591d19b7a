/*
 * gnttab.h: grant tables for PV guests (Xen's v1 protocol): sharing own pages with other
 * domains (grant/end access), mapping and copying pages other domains granted us.
 *
 * Return convention (all int functions): 0 (or a value >= 0 where stated) on success;
 * on failure either a negative errno (the hypercall itself failed, e.g. -ENOSYS, or the
 * runtime refused the arguments) or, when the hypercall ran but the operation's status
 * was not GNTST_okay, GNTTAB_ERR(status): the GNTST_* code shifted below -1000, so the
 * two can never be confused (GNTST_bad_gntref -3 -> -1003).  gnttab_status() turns a
 * return value back into the GNTST_* code (GNTST_okay for errno values and success) and
 * gnttab_strerror() names either kind.
 *
 * Thread safety: every function may be called from any vCPU; the reference allocator is
 * protected by a lock taken with events masked.  Only gnttab_grant_access and
 * gnttab_end_access are usable from event handlers (after gnttab_init has run: growing
 * the table on demand is not done from handlers).
 */
#ifndef PVGUEST_GNTTAB_H
#define PVGUEST_GNTTAB_H

#include <xen/xen.h>
#include <xen/grant_table.h>
#include <pvguest/lib.h>

#define GNTTAB_ERR_BASE    (-1000)
#define GNTTAB_ERR(status) (GNTTAB_ERR_BASE + (int)(status)) /* status: a GNTST_* < 0 */
/* True if rc came from a GNTST_* status (not an errno). */
static inline bool gnttab_is_status(int rc)
{
    return rc <= GNTTAB_ERR_BASE - 1 && rc >= GNTTAB_ERR_BASE - 64;
}
/* The GNTST_* code carried by rc (GNTST_okay for success and for errno values). */
static inline int gnttab_status(int rc)
{
    return gnttab_is_status(rc) ? rc - GNTTAB_ERR_BASE : GNTST_okay;
}
/* "bad_gntref", "EINVAL", "ok"...: a static string for any return value of this API. */
const char *gnttab_strerror(int rc);

/* Entries per v1 grant frame, and the most frames this runtime manages. */
#define GNTTAB_ENTRIES_PER_FRAME (4096 / sizeof(grant_entry_v1_t))
#define GNTTAB_MAX_FRAMES        16

/*
 * Grows this domain's table to nr_frames (GNTTABOP_setup_table) and maps the frames the
 * hypervisor returns into our address space (update_va_mapping over pages taken from
 * pv_alloc_page, with _PAGE_USER).  Callable again with a larger count; never shrinks.
 * nr_frames is clamped to GNTTAB_MAX_FRAMES and to the hypervisor's maximum
 * (GNTTABOP_query_size).  Returns the number of frames now mapped, or an error.
 * The first gnttab_grant_access calls it with 1 if nobody did.
 */
int gnttab_init(unsigned int nr_frames);

/* Frames currently mapped (0 before gnttab_init). */
unsigned int gnttab_nr_frames(void);

/*
 * Our own grant entry `ref`, for inspection (flags, domid, frame); NULL if ref is beyond
 * the mapped table.  The hypervisor updates GTF_reading/GTF_writing asynchronously.
 */
volatile grant_entry_v1_t *gnttab_entry(grant_ref_t ref);

/*
 * Grants domain `domid` access to our frame `frame` (a machine frame: for pages in the
 * initial 1:1 mapping pv_virt_to_mfn(va)), read-only if readonly.  Writes frame and
 * domid, then (after a write barrier) the flags, as Xen's v1 protocol requires.
 * Returns the reference (>= GNTTAB_NR_RESERVED_ENTRIES; refs 0-7 belong to the
 * toolstack and are never handed out), or -ENOSPC when the table is full and cannot
 * grow, or an error from gnttab_init.
 */
int gnttab_grant_access(domid_t domid, unsigned long frame, bool readonly);

/*
 * Revokes a grant made with gnttab_grant_access and frees the reference: atomically
 * (cmpxchg on the flags word) replaces the flags with 0 unless the hypervisor has the
 * grant in use (GTF_reading or GTF_writing set: a peer maps it or a copy is running),
 * in which case nothing changes and -EBUSY is returned; the grant stays valid and the
 * caller retries later (after the peer unmapped).  -EINVAL for a reference that is not
 * ours to end (reserved, out of range, or not granted).
 */
int gnttab_end_access(grant_ref_t ref);

/* True if the peer has the grant mapped or is copying it (GTF_reading|GTF_writing). */
bool gnttab_in_use(grant_ref_t ref);

/*
 * Maps the page that domain `domid` granted us under `ref` at our virtual address va
 * (page aligned; its L1 table must exist, e.g. a page from pv_alloc_page(), whose own
 * content is hidden while the grant is mapped), read-only if readonly
 * (GNTTABOP_map_grant_ref, GNTMAP_host_map [| GNTMAP_readonly]).  On success stores the
 * handle for gnttab_unmap.  `domid` must be the granter's real id (Xen refuses
 * DOMID_SELF here with GNTST_bad_domain).  Typical failures: GNTTAB_ERR(GNTST_bad_gntref)
 * (ref beyond the granter's table), GNTTAB_ERR(GNTST_general_error) (not granted to us,
 * writable map of a read-only grant, or no L1 table for va),
 * GNTTAB_ERR(GNTST_bad_domain).
 */
int gnttab_map(domid_t domid, grant_ref_t ref, unsigned long va, bool readonly,
               grant_handle_t *handle);

/*
 * Undoes gnttab_map (GNTTABOP_unmap_grant_ref with host_addr = va).  The hypervisor
 * clears the PTE: va is left unmapped (pv_map_frame(va, pv_virt_to_mfn((void *)va),
 * PV_PTE_RW) restores a 1:1 page).  GNTTAB_ERR(GNTST_bad_handle) for a handle that is
 * not (or no longer) mapped.
 */
int gnttab_unmap(grant_handle_t handle, unsigned long va);

/*
 * GNTTABOP_copy of n operations in one hypercall.  Each op's status is filled in;
 * returns 0 if all succeeded, else the first failure (GNTTAB_ERR(status) or -errno).
 */
int gnttab_copy_ops(struct gnttab_copy *ops, unsigned int n);

/*
 * Copies len bytes between a local buffer (in the 1:1 mapping: image, .bss, stacks or
 * pv_alloc_page pages) and offset..offset+len of the page domid granted us under ref.
 * Local buffers may cross page boundaries (split into several ops); the granted side
 * must stay within its page (else GNTTAB_ERR(GNTST_bad_copy_arg), as Xen).
 */
int gnttab_copy_from_grant(domid_t domid, grant_ref_t ref, unsigned int offset, void *dst,
                           unsigned int len);
int gnttab_copy_to_grant(domid_t domid, grant_ref_t ref, unsigned int offset, const void *src,
                         unsigned int len);

/*
 * GNTTABOP_query_size for domain dom (DOMID_SELF for us): current and maximum frames
 * (either pointer may be NULL).
 */
int gnttab_query_size(domid_t dom, uint32_t *nr_frames, uint32_t *max_frames);

#endif /* PVGUEST_GNTTAB_H */
