/* build_pvh.c: PVH builder: image checks, physical layout, hvm_start_info, memory map. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <xen/elfnote.h>
#include <xen/xen.h>

#include <pvisor/dombuild.h>

#include "build_int.h"

#define PAGE DOMBUILD_PAGE_SIZE
#define MIB  (1ull << 20)

_Static_assert(sizeof(struct hvm_start_info) <= PVH_MEMMAP_OFFSET, "start info before the map");
_Static_assert(PVH_MEMMAP_OFFSET + PVH_MEMMAP_MAX * sizeof(struct hvm_memmap_table_entry) <=
                   PVH_CMDLINE_OFFSET,
               "memory map before the command line");
_Static_assert(PVH_CMDLINE_OFFSET + MAX_GUEST_CMDLINE <= PAGE, "one boot page");

/* ---- image checks ------------------------------------------------------------------- */

/* True if [addr, addr + 1) lies in a loaded segment (physical addresses). */
static bool in_segment(const struct elf_image *img, uint64_t addr)
{
    for (unsigned int i = 0; i < img->nr_segs; i++)
        if (addr >= img->segs[i].paddr && addr - img->segs[i].paddr < img->segs[i].memsz)
            return true;
    return false;
}

int dombuild_pvh_check(const struct elf_image *img, const char *name, char *err, size_t errlen)
{
    uint64_t entry = img->xen.phys32_entry;

    if (!elf_has_note(img, XEN_ELFNOTE_PHYS32_ENTRY))
        return dombuild_errf(
            err, errlen, -ENOEXEC, "%s: not a PVH image (no XEN_ELFNOTE_PHYS32_ENTRY note)%s", name,
            elf_has_note(img, XEN_ELFNOTE_ENTRY) ? "; it is a PV kernel: use type = \"pv\"" : "");
    if (entry > UINT32_MAX || !in_segment(img, entry))
        return dombuild_errf(err, errlen, -ENOEXEC,
                             "%s: PVH entry point %#llx is not inside a loaded segment below 4 GiB",
                             name, (unsigned long long)entry);
    if (img->pend > UINT32_MAX)
        return dombuild_errf(err, errlen, -ENOEXEC,
                             "%s: segments end at %#llx: a PVH image must load below 4 GiB", name,
                             (unsigned long long)img->pend);
    return 0;
}

/* ---- layout --------------------------------------------------------------------------- */

static void memmap_add(struct pvh_layout *l, uint64_t addr, uint64_t size, uint32_t type)
{
    if (size && l->nr_memmap < PVH_MEMMAP_MAX)
        l->memmap[l->nr_memmap++] = (struct hvm_memmap_table_entry){addr, size, type, 0};
}

int pvh_layout_compute(const struct elf_image *img, uint64_t nr_pages, uint64_t special_pfn,
                       uint64_t reserved_end_pfn, struct pvh_layout *l, char *err, size_t errlen)
{
    int ret = dombuild_pvh_check(img, "kernel", err, errlen);

    memset(l, 0, sizeof(*l));
    if (ret)
        return ret;
    if (nr_pages < 4 || special_pfn < nr_pages || reserved_end_pfn < special_pfn)
        return dombuild_errf(err, errlen, -EINVAL, "bad memory size (%llu pages)",
                             (unsigned long long)nr_pages);
    l->nr_pages = nr_pages;
    l->kernel_start = img->pstart;
    l->kernel_end = img->pend;
    l->entry = (uint32_t)img->xen.phys32_entry;
    l->console_pfn = nr_pages - 2;
    l->store_pfn = nr_pages - 1;
    l->start_info_pfn = (img->pend + PAGE - 1) / PAGE;
    if (l->start_info_pfn >= l->console_pfn)
        return dombuild_errf(err, errlen, -ENOMEM,
                             "memory %llu MiB too small for a PVH kernel loaded at [%#llx, %#llx) "
                             "(it needs %llu MiB)",
                             (unsigned long long)(nr_pages * PAGE / MIB),
                             (unsigned long long)img->pstart, (unsigned long long)img->pend,
                             (unsigned long long)((l->start_info_pfn + 3) * PAGE + MIB - 1) / MIB);
    if ((l->start_info_pfn + 1) * PAGE > PVH_START_INFO_MAX)
        return dombuild_errf(err, errlen, -ENOMEM,
                             "the kernel ends at %#llx: hvm_start_info after it would not be "
                             "below 1 GiB",
                             (unsigned long long)img->pend);
    memmap_add(l, 0, l->console_pfn * PAGE, XEN_HVM_MEMMAP_TYPE_RAM);
    memmap_add(l, l->console_pfn * PAGE, 2 * PAGE, XEN_HVM_MEMMAP_TYPE_RESERVED);
    memmap_add(l, special_pfn * PAGE, (reserved_end_pfn - special_pfn) * PAGE,
               XEN_HVM_MEMMAP_TYPE_RESERVED);
    return 0;
}

/* ---- guest memory ------------------------------------------------------------------ */

static uint8_t *frame(void *mem, uint64_t pfn)
{
    return (uint8_t *)mem + pfn * PAGE;
}

int pvh_write_boot(const struct elf_image *img, void *mem, uint64_t nr_pages,
                   const struct pvh_layout *l, const char *cmdline, char *err, size_t errlen)
{
    const char *cmd = cmdline ? cmdline : "";
    size_t n = strnlen(cmd, MAX_GUEST_CMDLINE - 1);
    uint64_t si = l->start_info_pfn * PAGE;
    struct hvm_start_info *s;
    int ret;

    if (l->nr_pages > nr_pages || l->store_pfn >= nr_pages || l->start_info_pfn >= l->console_pfn)
        return dombuild_errf(err, errlen, -ERANGE, "PVH layout does not fit guest memory");
    ret = elf_load(img, mem, l->console_pfn * PAGE, 0, "kernel", err, errlen);
    if (ret)
        return ret;
    memset(frame(mem, l->start_info_pfn), 0, PAGE);
    memset(frame(mem, l->console_pfn), 0, 2 * PAGE);
    s = (struct hvm_start_info *)frame(mem, l->start_info_pfn);
    *s = (struct hvm_start_info){
        .magic = XEN_HVM_START_MAGIC_VALUE,
        .version = 1,
        .cmdline_paddr = si + PVH_CMDLINE_OFFSET,
        .memmap_paddr = si + PVH_MEMMAP_OFFSET,
        .memmap_entries = l->nr_memmap,
    };
    memcpy(frame(mem, l->start_info_pfn) + PVH_MEMMAP_OFFSET, l->memmap,
           l->nr_memmap * sizeof(l->memmap[0]));
    memcpy(frame(mem, l->start_info_pfn) + PVH_CMDLINE_OFFSET, cmd, n);
    return 0;
}

/* ---- build steps ---------------------------------------------------------------------- */

int build_pvh_check_image(struct build *b)
{
    uint64_t pages = b->p->mem_kb / 4;
    int ret = dombuild_pvh_check(&b->img, b->kname, b->err, b->errlen);

    /* memory-size check before creating anything (the hypervisor range comes later) */
    if (ret == 0 &&
        (ret = pvh_layout_compute(&b->img, pages, pages, pages, &b->pl, b->err, b->errlen)) != 0) {
        char tmp[512];

        snprintf(tmp, sizeof(tmp), "%s", b->err ? b->err : "");
        dombuild_errf(b->err, b->errlen, ret, "%s: %s", b->kname, tmp);
    }
    return ret;
}

int build_pvh_fill_memory(struct build *b)
{
    const struct pvctl_map *m = &b->map;
    int ret = pvh_layout_compute(&b->img, m->ram_pages, m->special_pfn, m->reserved_end_pfn, &b->pl,
                                 b->err, b->errlen);

    if (ret == 0)
        ret =
            pvh_write_boot(&b->img, b->mem, m->ram_pages, &b->pl, b->p->cmdline, b->err, b->errlen);
    b->store_pfn = b->pl.store_pfn;
    b->console_pfn = b->pl.console_pfn;
    return ret;
}

int build_pvh_set_memmap(struct build *b)
{
    struct pvctl_memmap mm = {.domid = b->r->domid, .nr = b->pl.nr_memmap};
    int ret;

    for (unsigned int i = 0; i < b->pl.nr_memmap; i++)
        mm.e[i] = (struct pvctl_e820){.addr = b->pl.memmap[i].addr,
                                      .size = b->pl.memmap[i].size,
                                      .type = b->pl.memmap[i].type};
    ret = pvctl_domain_set_memmap(b->c, &mm);
    return ret ? build_ctl_fail(b, ret, "set the memory map") : 0;
}

int build_pvh_set_boot_vcpu(struct build *b)
{
    struct pvctl_vcpu_ctx ctx = {.domid = b->r->domid, .vcpu = 0, .mode = PVCTL_MODE_PVH32};
    int ret;

    ctx.rip = b->pl.entry;
    ctx.gpr[PVCTL_RBX] = b->pl.start_info_pfn * PAGE;
    ret = pvctl_domain_set_vcpu(b->c, &ctx);
    return ret ? build_ctl_fail(b, ret, "set vCPU 0 state") : 0;
}
