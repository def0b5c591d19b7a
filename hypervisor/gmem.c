/* gmem.c: guest memory access: the one checked translate, page-table walks and guest copies. */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "pvisord.h"


void *gmem_ptr(struct domain *d, uint64_t gpa, uint64_t len)
{
    if (gpa < d->mem_size && len <= d->mem_size - gpa)
        return d->mem + gpa;
    uint64_t off = gpa & (PVISOR_PAGE_SIZE - 1);
    if (len > PVISOR_PAGE_SIZE - off)
        return NULL;
    for (unsigned i = 0; i < d->nr_xmap; i++) /* add_to_physmap targets above RAM */
        if (d->xmap[i].gfn == gpa >> PVISOR_PAGE_SHIFT)
            return d->xmap[i].host + off;
    return NULL;
}

static int read_pte(struct domain *d, uint64_t table, unsigned idx, uint64_t *pte)
{
    const uint64_t *p = gmem_ptr(d, (table & PTE_ADDR) + idx * 8ULL, 8);
    if (!p)
        return -EFAULT;
    *pte = __atomic_load_n(p, __ATOMIC_RELAXED);
    return 0;
}

struct pt_leaf {
    uint64_t ma;  /* machine address of the last entry read */
    uint64_t pte; /* its value */
    int level;    /* 0 = L1, 1 = L2 (2 MiB page), 2 = L3 (1 GiB page) */
};

/* The one 4-level walk of a PV guest's tables: stops at the L1 entry or a superpage.
 * Upper levels must be present and, with `user`, allow user (and write) access. */
static int pt_walk(struct domain *d, uint64_t cr3, uint64_t va, bool user, bool write,
                   struct pt_leaf *leaf)
{
    if (va >> 47) /* upper-half addresses are unusable on this substrate */
        return -EFAULT;
    uint64_t table = cr3 & PTE_ADDR;
    for (int level = 3; level >= 0; level--) {
        unsigned idx = (unsigned)((va >> (12 + 9 * level)) & 511);
        leaf->ma = table + idx * 8ULL;
        leaf->level = level;
        if (read_pte(d, table, idx, &leaf->pte) < 0)
            return -EFAULT;
        if (level == 0)
            return 0;
        uint64_t pte = leaf->pte;
        if (!(pte & PTE_P) || (user && (!(pte & PTE_US) || (write && !(pte & PTE_RW)))))
            return -EFAULT;
        if (level < 3 && (pte & PTE_PS))
            return 0;
        table = pte & PTE_ADDR;
    }
    return 0;
}

/* ---- PVH: the guest's own paging, in whichever mode the vCPU is ---------------------- */

#define CR0_PG   (1ULL << 31)
#define CR0_WP   (1ULL << 16)
#define CR4_PSE  (1ULL << 4)
#define CR4_PAE  (1ULL << 5)
#define EFER_LMA (1ULL << 10)

/* One x86 paging format: entry size, index bits per level, the top level's shift. */
struct pt_fmt {
    unsigned levels, top_shift, bits, esize;
    uint64_t addr_mask;
};

static const struct pt_fmt fmt_4level = {4, 39, 9, 8, PTE_ADDR};
static const struct pt_fmt fmt_pae = {3, 30, 9, 8, PTE_ADDR};
static const struct pt_fmt fmt_32 = {2, 22, 10, 4, 0xfffff000ULL};

static int read_entry(struct domain *d, uint64_t gpa, unsigned esize, uint64_t *e)
{
    const void *p = gmem_ptr(d, gpa, esize);
    if (!p)
        return -EFAULT;
    *e = esize == 8 ? __atomic_load_n((const uint64_t *)p, __ATOMIC_RELAXED)
                    : __atomic_load_n((const uint32_t *)p, __ATOMIC_RELAXED);
    return 0;
}

/* Supervisor-mode walk: entries must be present, and writable for writes when CR0.WP.
 * Large pages (PS): below the top level with 64-bit entries, at the top (4 MiB, with
 * CR4.PSE: large_32) with 32-bit ones. */
static int pvh_walk(struct domain *d, const struct pt_fmt *f, uint64_t table, uint64_t va,
                    bool write, bool large_32, uint64_t *gpa)
{
    unsigned shift = f->top_shift;
    for (unsigned level = 0; level < f->levels; level++) {
        unsigned bits = f == &fmt_pae && level == 0 ? 2 : f->bits; /* 4 PDPTEs */
        uint64_t idx = (va >> shift) & ((1ULL << bits) - 1), e;
        if (read_entry(d, table + idx * f->esize, f->esize, &e) < 0 || !(e & PTE_P))
            return -EFAULT;
        bool pdpte = f == &fmt_pae && level == 0; /* no RW/PS bits there */
        if (write && !pdpte && !(e & PTE_RW))
            return -EFAULT;
        bool ps_here = f == &fmt_32 ? large_32 && level == 0 : level > 0;
        bool leaf = level == f->levels - 1 || (ps_here && (e & PTE_PS));
        if (leaf) {
            uint64_t span = 1ULL << shift;
            *gpa = (e & f->addr_mask & ~(span - 1)) | (va & (span - 1));
            return 0;
        }
        table = e & (pdpte ? PTE_ADDR : f->addr_mask);
        shift -= f->bits;
    }
    return -EFAULT;
}

static int pvh_gva_to_gpa(struct vcpu *v, uint64_t gva, bool write, uint64_t *gpa)
{
    struct sub_mode m;
    if (sub_vcpu_get_mode(v->sv, &m) < 0)
        return -EFAULT;
    bool wp = write && (m.cr0 & CR0_WP);
    if (!(m.cr0 & CR0_PG)) {
        *gpa = (m.efer & EFER_LMA) ? gva : (gva & 0xffffffffULL);
        return 0;
    }
    if (m.efer & EFER_LMA)
        return is_canonical(gva)
                   ? pvh_walk(v->d, &fmt_4level, m.cr3 & PTE_ADDR, gva, wp, false, gpa)
                   : -EFAULT;
    gva &= 0xffffffffULL;
    if (m.cr4 & CR4_PAE)
        return pvh_walk(v->d, &fmt_pae, m.cr3 & 0xffffffe0ULL, gva, wp, false, gpa);
    return pvh_walk(v->d, &fmt_32, m.cr3 & 0xfffff000ULL, gva, wp, (m.cr4 & CR4_PSE) != 0, gpa);
}

int gva_to_gpa(struct vcpu *v, uint64_t gva, bool write, uint64_t *gpa)
{
    if (v->pvh)
        return pvh_gva_to_gpa(v, gva, write, gpa);
    if (!v->pv64) {
        *gpa = gva;
        return 0;
    }
    struct pt_leaf l;
    if (pt_walk(v->d, v->cr3, gva, true, write, &l) < 0)
        return -EFAULT;
    if (!(l.pte & PTE_P) || !(l.pte & PTE_US) || (write && !(l.pte & PTE_RW)))
        return -EFAULT;
    uint64_t span = 1ULL << (12 + 9 * l.level);
    *gpa = (l.pte & PTE_ADDR & ~(span - 1)) | (gva & (span - 1));
    return 0;
}

int pv_l1e_addr(struct vcpu *v, uint64_t va, uint64_t *ma)
{
    struct pt_leaf l;
    if (pt_walk(v->d, v->cr3, va, false, false, &l) < 0 || l.level != 0)
        return -EINVAL;
    *ma = l.ma;
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

uint64_t gmem_special_pfn(struct domain *d, unsigned idx)
{
    return d->special_pfn + idx;
}

uint64_t gmem_reserved_end(struct domain *d)
{
    return d->gwin_pfn + PVISOR_MAPTRACK;
}

static uint64_t special_gpa(struct domain *d, unsigned idx)
{
    return gmem_special_pfn(d, idx) << PVISOR_PAGE_SHIFT;
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

/* ---- grant window and add_to_physmap targets --------------------------------------- */

int gmem_window_map(struct domain *d, unsigned slot, struct domain *src, uint64_t frame, bool ro)
{
    if (slot >= PVISOR_MAPTRACK || frame >= src->mem_size >> PVISOR_PAGE_SHIFT)
        return -EINVAL;
    int prot = PROT_READ | (ro ? 0 : PROT_WRITE);
    void *at = d->gwin + (uint64_t)slot * PVISOR_PAGE_SIZE;
    if (mmap(at, PVISOR_PAGE_SIZE, prot, MAP_SHARED | MAP_FIXED, src->memfd,
             (off_t)(frame << PVISOR_PAGE_SHIFT)) == MAP_FAILED)
        return -errno;
    return 0;
}

void gmem_window_unmap(struct domain *d, unsigned slot)
{
    void *at = d->gwin + (uint64_t)slot * PVISOR_PAGE_SIZE;
    /* an access by the guest now ends it with a report, never reaches the old frame */
    mmap(at, PVISOR_PAGE_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE,
         -1, 0);
}

static int xmap_slot(struct domain *d, uint64_t gfn)
{
    for (unsigned i = 0; i < d->nr_xmap; i++)
        if (d->xmap[i].gfn == gfn)
            return (int)i;
    return -1;
}

/* gfn beyond the domain's memory: a one-page memslot of its own. */
static int map_special_outside(struct domain *d, uint64_t gfn, unsigned special)
{
    int i = xmap_slot(d, gfn);
    if (i < 0) {
        if (d->nr_xmap == PVISOR_XMAP_MAX)
            return -ENOSPC;
        i = (int)d->nr_xmap;
    }
    uint8_t *host = mmap(NULL, PVISOR_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, d->memfd,
                         (off_t)(gmem_special_pfn(d, special) << PVISOR_PAGE_SHIFT));
    if (host == MAP_FAILED)
        return -errno;
    int r = sub_vm_set_memory(d->vm, SUB_SLOT_XMAP + (unsigned)i, gfn << PVISOR_PAGE_SHIFT,
                              PVISOR_PAGE_SIZE, host);
    if (r < 0) {
        munmap(host, PVISOR_PAGE_SIZE);
        return r;
    }
    if ((unsigned)i < d->nr_xmap)
        munmap(d->xmap[i].host, PVISOR_PAGE_SIZE);
    else
        d->nr_xmap++;
    d->xmap[i].gfn = gfn;
    d->xmap[i].special = special;
    d->xmap[i].host = host;
    return 0;
}

int gmem_map_special(struct domain *d, uint64_t gfn, unsigned special)
{
    uint64_t target = gmem_special_pfn(d, special);
    if (gfn == target)
        return 0; /* already there: the hypervisor-owned frames sit after RAM */
    if (gfn >= d->special_pfn && gfn < d->special_pfn + PVISOR_NR_SPECIAL + PVISOR_MAPTRACK)
        return -EINVAL; /* would hide another hypervisor-owned frame or the grant window */
    if (gfn >= d->special_pfn)
        return map_special_outside(d, gfn, special);
    /* inside RAM: the frame replaces the RAM page there, for the guest and for us */
    void *at = d->mem + (gfn << PVISOR_PAGE_SHIFT);
    if (mmap(at, PVISOR_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, d->memfd,
             (off_t)(target << PVISOR_PAGE_SHIFT)) == MAP_FAILED)
        return -errno;
    return 0;
}
