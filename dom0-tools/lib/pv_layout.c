/* pv_layout.c: Xen x86-64 PV start-of-day layout, boot page tables, p2m list and start_info. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <xen/xen.h>

#include <pvisor/dombuild.h>

#define PAGE          DOMBUILD_PAGE_SIZE
#define MIB           (1ull << 20)
#define MAX_RAM_PAGES (1ull << 36) /* 256 TiB: keeps every computation far from overflow */

#define PTE_TABLE                                                                                  \
    (DOMBUILD_PTE_PRESENT | DOMBUILD_PTE_RW | DOMBUILD_PTE_USER | DOMBUILD_PTE_ACCESSED)
#define PTE_LEAF (PTE_TABLE | DOMBUILD_PTE_DIRTY)

_Static_assert(sizeof(struct start_info) <= 4096, "start_info fits a page");

/* The builder's error convention: one line into err (if given), ret returned. */
int dombuild_errf(char *err, size_t errlen, int ret, const char *fmt, ...)
{
    va_list ap;

    if (err && errlen) {
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return ret;
}

static uint64_t round_up(uint64_t v, uint64_t align)
{
    return (v + align - 1) / align * align;
}

static uint64_t mib_up(uint64_t bytes)
{
    return round_up(bytes, MIB) / MIB;
}

/* Page tables of each level needed to map the inclusive range [from, last]. */
static void count_tables(uint64_t from, uint64_t last, struct pv_layout *l)
{
    l->nr_l3 = (last >> 39) - (from >> 39) + 1;
    l->nr_l2 = (last >> 30) - (from >> 30) + 1;
    l->nr_l1 = (last >> 21) - (from >> 21) + 1;
    l->nr_pt_frames = 1 + l->nr_l3 + l->nr_l2 + l->nr_l1;
}

/* Grow the page-table count until the mapping they describe also covers them, the
 * stack and the spare area: more tables push the end out, which may need more. */
static int size_page_tables(struct pv_layout *l, char *err, size_t errlen)
{
    const uint64_t extra = 1 + DOMBUILD_MAP_SPARE / PAGE; /* stack + spare */
    uint64_t pages = extra, end = 0;
    int iter;

    for (iter = 0; iter < 64; iter++) {
        end = round_up(pv_layout_va(l, l->pt_pfn + pages), DOMBUILD_MAP_ALIGN);
        if (end > DOMBUILD_LOWER_LIMIT)
            return dombuild_errf(err, errlen, -EINVAL,
                                 "upper-half kernels are not supported on this substrate (the boot "
                                 "mapping would end at %#llx)",
                                 (unsigned long long)end);
        count_tables(l->virt_base, end - 1, l);
        pages = l->nr_pt_frames + extra;
        if (pv_layout_va(l, l->pt_pfn + pages) <= end)
            break;
    }
    l->map_end = end;
    return 0;
}

static int check_range(uint64_t vb, uint64_t kstart, uint64_t kend, uint64_t nr_pages, char *err,
                       size_t errlen)
{
    if (vb >= DOMBUILD_LOWER_LIMIT || kend > DOMBUILD_LOWER_LIMIT)
        return dombuild_errf(err, errlen, -EINVAL,
                             "upper-half kernels are not supported on this substrate (VIRT_BASE "
                             "%#llx, kernel ends at %#llx; must stay below %#llx)",
                             (unsigned long long)vb, (unsigned long long)kend,
                             (unsigned long long)DOMBUILD_LOWER_LIMIT);
    if (vb % PAGE || kstart % PAGE)
        return dombuild_errf(err, errlen, -EINVAL,
                             "VIRT_BASE %#llx and kernel start %#llx must be page aligned",
                             (unsigned long long)vb, (unsigned long long)kstart);
    if (kstart < vb || kend <= kstart)
        return dombuild_errf(err, errlen, -EINVAL,
                             "kernel range [%#llx, %#llx) is not above "
                             "VIRT_BASE %#llx",
                             (unsigned long long)kstart, (unsigned long long)kend,
                             (unsigned long long)vb);
    if (nr_pages == 0 || nr_pages > MAX_RAM_PAGES)
        return dombuild_errf(err, errlen, -EINVAL, "bad memory size (%llu pages)",
                             (unsigned long long)nr_pages);
    return 0;
}

int pv_layout_compute(uint64_t virt_base, uint64_t kstart, uint64_t kend, uint64_t nr_pages,
                      struct pv_layout *l, char *err, size_t errlen)
{
    uint64_t pfn;
    int ret;

    memset(l, 0, sizeof(*l));
    ret = check_range(virt_base, kstart, kend, nr_pages, err, errlen);
    if (ret)
        return ret;
    l->virt_base = virt_base;
    l->nr_pages = nr_pages;
    l->kernel_pfn = (kstart - virt_base) / PAGE;
    l->kernel_pages = round_up(kend - kstart, PAGE) / PAGE;
    pfn = l->kernel_pfn + l->kernel_pages;
    l->p2m_pfn = pfn;
    l->p2m_pages = round_up(nr_pages * sizeof(uint64_t), PAGE) / PAGE;
    pfn += l->p2m_pages;
    l->start_info_pfn = pfn++;
    l->store_pfn = pfn++;
    l->console_pfn = pfn++;
    l->pt_pfn = pfn;
    ret = size_page_tables(l, err, errlen);
    if (ret)
        return ret;
    l->stack_pfn = l->pt_pfn + l->nr_pt_frames;
    l->free_pfn = l->stack_pfn + 1;
    if ((l->map_end - virt_base) / PAGE > nr_pages)
        return dombuild_errf(
            err, errlen, -ENOMEM,
            "memory %llu MiB too small for kernel of %llu MiB (kernel and boot data "
            "need %llu MiB, mapped up to the next 4 MiB boundary)",
            (unsigned long long)(nr_pages * PAGE / MIB), (unsigned long long)mib_up(kend - kstart),
            (unsigned long long)mib_up(l->map_end - virt_base));
    return 0;
}

/* ---- writing the boot data ------------------------------------------------------- */

static uint64_t *frame(void *mem, uint64_t pfn)
{
    return (uint64_t *)((uint8_t *)mem + pfn * PAGE);
}

static void zero_frames(void *mem, uint64_t pfn, uint64_t n)
{
    memset(frame(mem, pfn), 0, n * PAGE);
}

static void write_p2m(void *mem, const struct pv_layout *l)
{
    uint64_t *p2m = frame(mem, l->p2m_pfn), i;

    zero_frames(mem, l->p2m_pfn, l->p2m_pages);
    for (i = 0; i < l->nr_pages; i++)
        p2m[i] = i; /* MFN == PFN */
}

/* Maps [virt_base, map_end) with 4 KiB pages: L4 at pt_pfn, then L3s, L2s, L1s. */
static void write_page_tables(void *mem, const struct pv_layout *l)
{
    const uint64_t vb = l->virt_base;
    const uint64_t l3 = l->pt_pfn + 1, l2 = l3 + l->nr_l3, l1 = l2 + l->nr_l2;
    uint64_t va;

    zero_frames(mem, l->pt_pfn, l->nr_pt_frames);
    for (va = vb; va < l->map_end; va += PAGE) {
        uint64_t t3 = l3 + (va >> 39) - (vb >> 39);
        uint64_t t2 = l2 + (va >> 30) - (vb >> 30);
        uint64_t t1 = l1 + (va >> 21) - (vb >> 21);

        frame(mem, t1)[(va >> 12) & 511] = ((va - vb) & ~(PAGE - 1)) | PTE_LEAF;
        frame(mem, t2)[(va >> 21) & 511] = t1 * PAGE | PTE_TABLE;
        frame(mem, t3)[(va >> 30) & 511] = t2 * PAGE | PTE_TABLE;
        frame(mem, l->pt_pfn)[(va >> 39) & 511] = t3 * PAGE | PTE_TABLE;
    }
}

static void write_start_info(void *mem, const struct pv_layout *l, const struct pv_boot_info *b)
{
    struct start_info *si = (struct start_info *)frame(mem, l->start_info_pfn);
    const char *cmd = b->cmdline ? b->cmdline : "";
    size_t n = strnlen(cmd, MAX_GUEST_CMDLINE - 1);

    zero_frames(mem, l->start_info_pfn, 1);
    snprintf(si->magic, sizeof(si->magic), "xen-3.0-x86_64");
    si->nr_pages = l->nr_pages;
    si->shared_info = b->shared_info_pfn * PAGE;
    si->flags = 0;
    si->store_mfn = l->store_pfn;
    si->store_evtchn = b->store_evtchn;
    si->console.domU.mfn = l->console_pfn;
    si->console.domU.evtchn = b->console_evtchn;
    si->pt_base = pv_layout_va(l, l->pt_pfn);
    si->nr_pt_frames = l->nr_pt_frames;
    si->mfn_list = pv_layout_va(l, l->p2m_pfn);
    si->mod_start = 0;
    si->mod_len = 0;
    memcpy(si->cmd_line, cmd, n);
    si->cmd_line[n] = 0;
}

int pv_write_boot(void *mem, uint64_t mem_pages, const struct pv_layout *l,
                  const struct pv_boot_info *b)
{
    if (l->map_end <= l->virt_base || (l->map_end - l->virt_base) / PAGE > mem_pages ||
        l->free_pfn > mem_pages || l->nr_pages > mem_pages || l->free_pfn <= l->pt_pfn)
        return -ERANGE;
    write_p2m(mem, l);
    write_start_info(mem, l, b);
    zero_frames(mem, l->store_pfn, 1);
    zero_frames(mem, l->console_pfn, 1);
    zero_frames(mem, l->stack_pfn, 1);
    write_page_tables(mem, l);
    return 0;
}
