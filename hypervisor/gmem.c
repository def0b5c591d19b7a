/* gmem.c: guest memory access: the one checked translate, page-table walks and guest copies. */
#include <errno.h>
#include <string.h>

#include "pvisord.h"


void *gmem_ptr(struct domain *d, uint64_t gpa, uint64_t len)
{
    if (gpa >= d->mem_size || len > d->mem_size - gpa)
        return NULL;
    return d->mem + gpa;
}

static int read_pte(struct domain *d, uint64_t table, unsigned idx, uint64_t *pte)
{
    const uint64_t *p = gmem_ptr(d, (table & PTE_ADDR) + idx * 8ULL, 8);
    if (!p)
        return -EFAULT;
    *pte = __atomic_load_n(p, __ATOMIC_RELAXED);
    return 0;
}

/* 4-level walk; PV guests run at CPL3, so every level must allow user access. */
int gva_to_gpa(struct vcpu *v, uint64_t gva, bool write, uint64_t *gpa)
{
    if (!v->pv64) {
        *gpa = gva;
        return 0;
    }
    uint64_t top = gva >> 47;
    if (top != 0) /* upper-half addresses are unusable on this substrate */
        return -EFAULT;
    uint64_t entry = v->cr3;
    for (int level = 3; level >= 0; level--) {
        unsigned idx = (unsigned)((gva >> (12 + 9 * level)) & 511);
        uint64_t pte;
        if (read_pte(v->d, entry, idx, &pte) < 0)
            return -EFAULT;
        if (!(pte & PTE_P) || !(pte & PTE_US) || (write && !(pte & PTE_RW)))
            return -EFAULT;
        if (level > 0 && level < 3 && (pte & PTE_PS)) {
            uint64_t span = 1ULL << (12 + 9 * level);
            *gpa = (pte & PTE_ADDR & ~(span - 1)) | (gva & (span - 1));
            return 0;
        }
        entry = pte;
    }
    *gpa = (entry & PTE_ADDR) | (gva & 0xfff);
    return 0;
}

static int copy_guest(struct vcpu *v, uint64_t gva, void *buf, size_t len, bool to_guest)
{
    uint8_t *b = buf;
    while (len) {
        size_t chunk = 4096 - (gva & 0xfff);
        if (chunk > len)
            chunk = len;
        uint64_t gpa;
        if (gva_to_gpa(v, gva, to_guest, &gpa) < 0)
            return -EFAULT;
        uint8_t *p = gmem_ptr(v->d, gpa, chunk);
        if (!p)
            return -EFAULT;
        if (to_guest)
            memcpy(p, b, chunk);
        else
            memcpy(b, p, chunk);
        b += chunk;
        gva += chunk;
        len -= chunk;
        if (gva == 0 && len) /* wrapped */
            return -EFAULT;
    }
    return 0;
}

int copy_from_guest(struct vcpu *v, void *dst, uint64_t gva, size_t len)
{
    return copy_guest(v, gva, dst, len, false);
}

int copy_to_guest(struct vcpu *v, uint64_t gva, const void *src, size_t len)
{
    return copy_guest(v, gva, (void *)src, len, true);
}

static uint64_t special_gpa(struct domain *d, unsigned idx)
{
    return (d->special_pfn + idx) << PVISOR_PAGE_SHIFT;
}

void gmem_init_special(struct domain *d)
{
    uint8_t *tss = gmem_ptr(d, special_gpa(d, PVISOR_SPECIAL_TSS), PVISOR_PAGE_SIZE);
    uint16_t off = PVISOR_TSS_IOMAP;
    memcpy(tss + 102, &off, 2);
    memset(tss + PVISOR_TSS_IOMAP, 0xff, PVISOR_TSS_LIMIT + 1 - PVISOR_TSS_IOMAP);
    for (unsigned port = SUB_HCALL_PORT; port < SUB_HCALL_PORT + 4; port++) /* a 4-byte out */
        tss[PVISOR_TSS_IOMAP + port / 8] &= (uint8_t)~(1u << (port % 8));
    /* read-only user mappings: L3[511] -> L2, L2[511] -> L1, L1[511] -> TSS */
    const uint64_t flags = PTE_P | PTE_US | PTE_A;
    uint64_t *l3 = gmem_ptr(d, special_gpa(d, PVISOR_SPECIAL_PT_L3), PVISOR_PAGE_SIZE);
    uint64_t *l2 = gmem_ptr(d, special_gpa(d, PVISOR_SPECIAL_PT_L2), PVISOR_PAGE_SIZE);
    uint64_t *l1 = gmem_ptr(d, special_gpa(d, PVISOR_SPECIAL_PT_L1), PVISOR_PAGE_SIZE);
    l3[511] = special_gpa(d, PVISOR_SPECIAL_PT_L2) | flags | PTE_RW;
    l2[511] = special_gpa(d, PVISOR_SPECIAL_PT_L1) | flags | PTE_RW;
    l1[511] = special_gpa(d, PVISOR_SPECIAL_TSS) | flags;
}

int gmem_install_hv_slot(struct domain *d, uint64_t cr3)
{
    uint64_t *slot = gmem_ptr(d, (cr3 & PTE_ADDR) + PVISOR_HV_PML4_SLOT * 8, 8);
    if (!slot || (cr3 >> PVISOR_PAGE_SHIFT) >= d->ram_pages)
        return -EFAULT;
    uint64_t want = special_gpa(d, PVISOR_SPECIAL_PT_L3) | PTE_P | PTE_RW | PTE_US | PTE_A;
    uint64_t cur = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
    if ((cur & PTE_P) && (cur & PTE_ADDR) != (want & PTE_ADDR))
        return -EEXIST;
    __atomic_store_n(slot, want, __ATOMIC_RELEASE);
    return 0;
}

void gmem_pt_sync(struct domain *d)
{
    sub_vm_flush_shadow(d->vm);
}

struct shared_info *domain_shinfo(struct domain *d)
{
    return gmem_ptr(d, special_gpa(d, PVISOR_SPECIAL_SHINFO), PVISOR_PAGE_SIZE);
}

struct vcpu_info *vcpu_vinfo(struct vcpu *v)
{
    if (v->vcpu_info_gpa)
        return gmem_ptr(v->d, v->vcpu_info_gpa, sizeof(struct vcpu_info));
    return &domain_shinfo(v->d)->vcpu_info[v->id];
}
