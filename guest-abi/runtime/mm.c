/* mm.c: page-table walking, single-page mappings and the spare-page pool of PV (and PVH) guests. */
#include <xen/memory.h>
#include <xen/xen.h>
#include <pvguest/events.h>
#include <pvguest/errno.h>
#include <pvguest/hypercall.h>
#include <pvguest/mm.h>
#include <pvguest/start.h>
#include <pvguest/string.h>

#define LOWER_HALF_END 0x0000800000000000UL

extern char __image_start[], __image_end[];

static unsigned long mapped_end;
static unsigned long pool_next, pool_end;

unsigned long pv_nr_pages(void)
{
    return pv_start_info->nr_pages;
}

unsigned long pv_mapped_end(void)
{
    return mapped_end;
}

/* The table an entry points to, if it lies in RAM (tables are in the 1:1 mapping). */
static const volatile uint64_t *next_table(uint64_t entry)
{
    unsigned long mfn = (unsigned long)((entry & PTE_FRAME_MASK) >> PV_PAGE_SHIFT);
    if (mfn >= pv_nr_pages())
        return NULL;
    return (const volatile uint64_t *)pv_mfn_to_virt(mfn);
}

int pv_pte_lookup(unsigned long va, uint64_t *pte, uint64_t *pte_maddr)
{
    if (va >= LOWER_HALF_END)
        return -EINVAL;
    const volatile uint64_t *table = (const volatile uint64_t *)pv_start_info->pt_base;
    for (int level = 4; level > 1; level--) {
        uint64_t e = table[(va >> (PV_PAGE_SHIFT + 9 * (level - 1))) & 511];
        if (!(e & _PAGE_PRESENT))
            return -ENOENT;
        if (level < 4 && (e & _PAGE_PSE))
            return -EINVAL;
        table = next_table(e);
        if (!table)
            return -EINVAL;
    }
    unsigned int idx = (va >> PV_PAGE_SHIFT) & 511;
    if (pte)
        *pte = table[idx];
    if (pte_maddr)
        *pte_maddr = (uint64_t)(uintptr_t)&table[idx]; /* virt == machine in the 1:1 map */
    return 0;
}

int pv_map_gnttab_frame(void *va, unsigned int idx, unsigned long mfn)
{
    if (!pv_pvh)
        return pv_map_frame((unsigned long)va, mfn, PV_PTE_RW);
    /* PVH: the frame appears at va's own guest frame (our tables map RAM 1:1) */
    struct xen_add_to_physmap x = {.domid = DOMID_SELF,
                                   .space = XENMAPSPACE_grant_table,
                                   .idx = idx,
                                   .gpfn = pv_virt_to_mfn(va)};
    return (int)HYPERVISOR_memory_op(XENMEM_add_to_physmap, &x);
}

void pv_mm_init_pvh(unsigned long pool_start, unsigned long pool_limit, unsigned long map_end)
{
    pool_next = PV_ALIGN_UP(pool_start, (unsigned long)PV_PAGE_SIZE);
    pool_end = pool_limit;
    mapped_end = map_end;
}

int pv_map_frame(unsigned long va, unsigned long mfn, uint64_t pte_flags)
{
    uint64_t pte = pte_flags ? ((uint64_t)mfn << PV_PAGE_SHIFT) | pte_flags : 0;
    return (int)HYPERVISOR_update_va_mapping(va & ~(unsigned long)(PV_PAGE_SIZE - 1), pte,
                                             UVMF_INVLPG);
}

void *pv_alloc_page(void)
{
    unsigned long va = __atomic_fetch_add(&pool_next, PV_PAGE_SIZE, __ATOMIC_RELAXED);
    if (va + PV_PAGE_SIZE > pool_end)
        return NULL;
    memset((void *)va, 0, PV_PAGE_SIZE);
    return (void *)va;
}

static unsigned long end_of(unsigned long start, unsigned long len)
{
    return PV_ALIGN_UP(start + len, (unsigned long)PV_PAGE_SIZE);
}

/* Lowest address above everything the builder placed (Xen's layout: all below the
 * boot stack, which comes last). */
static unsigned long builder_end(unsigned long boot_rsp)
{
    const start_info_t *si = pv_start_info;
    unsigned long end = PV_ALIGN_UP(boot_rsp, (unsigned long)PV_PAGE_SIZE);
    end = PV_MAX(end, (unsigned long)__image_end);
    end = PV_MAX(end, end_of((unsigned long)si, PV_PAGE_SIZE));
    end = PV_MAX(end, end_of(si->pt_base, si->nr_pt_frames * PV_PAGE_SIZE));
    end = PV_MAX(end, end_of(si->mfn_list, si->nr_pages * sizeof(unsigned long)));
    end = PV_MAX(end, end_of(si->store_mfn << PV_PAGE_SHIFT, PV_PAGE_SIZE));
    end = PV_MAX(end, end_of(si->console.domU.mfn << PV_PAGE_SHIFT, PV_PAGE_SIZE));
    if (si->mod_len && !(si->flags & SIF_MOD_START_PFN))
        end = PV_MAX(end, end_of(si->mod_start, si->mod_len));
    return end;
}

void pv_mm_init(unsigned long boot_rsp)
{
    unsigned long ram_end = pv_nr_pages() << PV_PAGE_SHIFT;
    unsigned long va = builder_end(boot_rsp);
    pool_next = va;
    /* The 1:1 mapping continues to a 4 MiB boundary; find where it really ends. */
    for (; va < ram_end; va += PV_PAGE_SIZE) {
        uint64_t pte;
        if (pv_pte_lookup(va, &pte, NULL) || !(pte & _PAGE_PRESENT) ||
            ((pte & PTE_FRAME_MASK) >> PV_PAGE_SHIFT) != (va >> PV_PAGE_SHIFT))
            break;
    }
    mapped_end = va;
    pool_end = va;

    /* Page 0 is unused (the image starts at 1 MiB): unmap it so NULL dereferences fault. */
    if ((unsigned long)pv_start_info >= PV_PAGE_SIZE && pv_start_info->pt_base >= PV_PAGE_SIZE)
        (void)pv_map_frame(0, 0, 0);
}
