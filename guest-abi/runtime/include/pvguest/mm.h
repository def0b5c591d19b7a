/*
 * mm.h: the PV guest's view of memory.  The builder maps the image, start_info, page
 * tables, boot stack and some spare pages 1:1 (virt == phys, VIRT_BASE 0) and
 * MFN == PFN, so a frame number is address >> 12 inside that initial mapping.
 */
#ifndef PVGUEST_MM_H
#define PVGUEST_MM_H

#include <pvguest/layout.h>
#include <pvguest/lib.h>

/* x86-64 page-table entry bits (architectural). */
#define _PAGE_PRESENT  0x001ULL
#define _PAGE_RW       0x002ULL
#define _PAGE_USER     0x004ULL
#define _PAGE_PWT      0x008ULL
#define _PAGE_PCD      0x010ULL
#define _PAGE_ACCESSED 0x020ULL
#define _PAGE_DIRTY    0x040ULL
#define _PAGE_PSE      0x080ULL
#define _PAGE_GLOBAL   0x100ULL
#define _PAGE_NX       (1ULL << 63)
#define PTE_FRAME_MASK 0x000ffffffffff000ULL

/* Flags of a normal writable mapping for a PV guest (which runs at CPL3: _PAGE_USER). */
#define PV_PTE_RW (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY)
#define PV_PTE_RO (_PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED)

/* Frame of an address in the initial 1:1 mapping, and back. */
static inline unsigned long pv_virt_to_mfn(const void *va)
{
    return (unsigned long)va >> PV_PAGE_SHIFT;
}
static inline void *pv_mfn_to_virt(unsigned long mfn)
{
    return (void *)(mfn << PV_PAGE_SHIFT);
}

/* Pages the domain was given (start_info.nr_pages). */
unsigned long pv_nr_pages(void);
/* End of the builder's 1:1 mapping as found at start (page aligned). */
unsigned long pv_mapped_end(void);

/*
 * Walks the live page tables for va.  On success stores the L1 entry (pte) and its
 * machine address (pte_maddr, for mmu_update; either pointer may be NULL) and returns
 * 0; -ENOENT if a level above L1 is absent, -EINVAL for superpages or tables outside
 * the 1:1 mapping.  The L1 entry itself may be non-present.
 */
int pv_pte_lookup(unsigned long va, uint64_t *pte, uint64_t *pte_maddr);

/*
 * Maps frame mfn at page va (whose L1 table must exist) with update_va_mapping +
 * UVMF_INVLPG; pte_flags e.g. PV_PTE_RW, 0 unmaps.  Returns 0 or -errno.
 */
int pv_map_frame(unsigned long va, unsigned long mfn, uint64_t pte_flags);

/*
 * A zeroed page from the spare part of the initial mapping (never freed; single
 * pool for all vCPUs, lock-free).  NULL when exhausted.
 */
void *pv_alloc_page(void);

/*
 * Makes grant-table frame idx (machine frame mfn, from GNTTABOP_setup_table) visible at
 * page va: PV maps it there; PVH places the frame at va's guest frame with
 * XENMEM_add_to_physmap (the runtime's tables map RAM 1:1).  0 or -errno.
 */
int pv_map_gnttab_frame(void *va, unsigned int idx, unsigned long mfn);

/* Runtime internal. */
void pv_mm_init(unsigned long boot_rsp);
/* PVH: spare pages are [pool_start, pool_limit); the 1:1 mapping ends at map_end. */
void pv_mm_init_pvh(unsigned long pool_start, unsigned long pool_limit, unsigned long map_end);

#endif /* PVGUEST_MM_H */
