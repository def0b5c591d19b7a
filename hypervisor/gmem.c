/* gmem.c: guest memory access: the one checked translate, page-table walks and guest copies. */
#include <errno.h>
#include <string.h>

#include "pvisord.h"

#define PTE_P    (1ULL << 0)
#define PTE_RW   (1ULL << 1)
#define PTE_US   (1ULL << 2)
#define PTE_PS   (1ULL << 7)
#define PTE_ADDR 0x000ffffffffff000ULL

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

void gmem_pt_sync(struct domain *d)
{
    sub_vm_flush_shadow(d->vm);
}

struct shared_info *domain_shinfo(struct domain *d)
{
    return gmem_ptr(d, (d->special_pfn + PVISOR_SPECIAL_SHINFO) << PVISOR_PAGE_SHIFT,
                    PVISOR_PAGE_SIZE);
}

struct vcpu_info *vcpu_vinfo(struct vcpu *v)
{
    if (v->vcpu_info_gpa)
        return gmem_ptr(v->d, v->vcpu_info_gpa, sizeof(struct vcpu_info));
    return &domain_shinfo(v->d)->vcpu_info[v->id];
}
