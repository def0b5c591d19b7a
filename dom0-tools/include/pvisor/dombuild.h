/* dombuild.h: the domain builder: turns a Xen PV or PVH kernel image into a paused, bootable
 * domain. */
#ifndef PVISOR_DOMBUILD_H
#define PVISOR_DOMBUILD_H

#include <stddef.h>
#include <stdint.h>

#include <xen/arch-x86/hvm/start_info.h>

#include <pvisor/elfload.h>
#include <pvisor/pvctl.h>

struct dombuild_params {
    const char *name;        /* domain name (unique, < PVCTL_NAME_LEN bytes) */
    const char *kernel_path; /* ELF image with Xen notes */
    const char *cmdline;     /* NULL = empty; truncated to MAX_GUEST_CMDLINE - 1 bytes */
    uint64_t mem_kb;         /* RAM at boot, multiple of 4 */
    uint64_t max_mem_kb;     /* 0 = mem_kb */
    uint32_t vcpus;          /* vCPUs created (1..); only vCPU 0 is started */
    uint32_t type;           /* PVCTL_TYPE_PV or PVCTL_TYPE_PVH */
    uint8_t uuid[16];
};

struct dombuild_result {
    uint32_t domid;
    uint32_t store_port, console_port; /* unbound ports in the guest, remote dom0 */
    uint64_t store_pfn, console_pfn;   /* guest frames of the xenstore / console rings */
};

/*
 * Create a domain and build it completely from p: load the kernel, lay out Xen's x86-64
 * PV start of day (see docs/dom0-libs.md) or, for type PVH, Xen's PVH boot (segments at
 * their physical addresses, hvm_start_info, memory map), allocate the xenstore and
 * console event channels, record them as HVM params (STORE_PFN/EVTCHN, CONSOLE_PFN/
 * EVTCHN), install the hypercall page (PV; a PVH guest asks for its own through the
 * hypercall MSR) and set vCPU 0's registers. The domain is left PAUSED; the caller
 * unpauses it. On success fills *r and returns 0. On failure destroys whatever it
 * created, writes one line naming the problem to err (e.g. "kernel /x/y: not a Xen PV
 * image (no Xen ELF notes)") and returns a negative errno: -ENOEXEC/-EINVAL for a bad
 * image, -ENOMEM when the memory is too small for the image, -EINVAL for bad params,
 * the file's errno, or pvisord's error. Not thread-safe on the same struct pvctl.
 */
int dombuild_create(struct pvctl *c, const struct dombuild_params *p, struct dombuild_result *r,
                    char *err, size_t errlen);

/* ---- the socket-free layers the builder is made of (exposed for tests) ------------ */

/* Writes a printf-style one-line message into err (if err and errlen) and returns ret:
 * how every builder function reports a failure. */
int dombuild_errf(char *err, size_t errlen, int ret, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#define DOMBUILD_PAGE_SIZE   4096ull
#define DOMBUILD_MAP_ALIGN   (4ull << 20)   /* the boot mapping ends on a 4 MiB boundary */
#define DOMBUILD_MAP_SPARE   (512ull << 10) /* with at least this much mapped after the stack */
#define DOMBUILD_LOWER_LIMIT (1ull << 47)   /* PV virtual addresses must stay below this */

/* Bits of an x86 page-table entry the builder sets. */
#define DOMBUILD_PTE_PRESENT  0x001ull
#define DOMBUILD_PTE_RW       0x002ull
#define DOMBUILD_PTE_USER     0x004ull
#define DOMBUILD_PTE_ACCESSED 0x020ull
#define DOMBUILD_PTE_DIRTY    0x040ull

/*
 * Xen's x86-64 PV start-of-day layout. Guest frame N is mapped at virtual address
 * virt_base + N * 4096 for every N below (map_end - virt_base) / 4096; all frames
 * below are guest frame numbers (== machine frames here).
 */
struct pv_layout {
    uint64_t virt_base;
    uint64_t nr_pages;   /* RAM frames of the domain */
    uint64_t kernel_pfn; /* first frame of the kernel image */
    uint64_t kernel_pages;
    uint64_t p2m_pfn; /* mfn_list: nr_pages 64-bit entries */
    uint64_t p2m_pages;
    uint64_t start_info_pfn;
    uint64_t store_pfn;
    uint64_t console_pfn;
    uint64_t pt_pfn;       /* page tables: the L4, then the L3s, L2s, L1s */
    uint64_t nr_pt_frames; /* 1 + nr_l3 + nr_l2 + nr_l1 */
    uint64_t nr_l3, nr_l2, nr_l1;
    uint64_t stack_pfn; /* boot stack (one page) */
    uint64_t free_pfn;  /* first frame after the stack */
    uint64_t map_end;   /* the boot mapping is [virt_base, map_end) */
};

/* Virtual address of frame pfn in the boot mapping. */
static inline uint64_t pv_layout_va(const struct pv_layout *l, uint64_t pfn)
{
    return l->virt_base + pfn * DOMBUILD_PAGE_SIZE;
}

/*
 * Compute the layout for a kernel occupying virtual [kstart, kend) under virt_base in a
 * domain of nr_pages RAM frames. The page-table count is found iteratively: the mapping
 * must cover everything up to the stack plus DOMBUILD_MAP_SPARE, rounded up to
 * DOMBUILD_MAP_ALIGN, including the page tables themselves. Returns 0, -EINVAL (bad or
 * upper-half addresses) or -ENOMEM (nr_pages too small for the mapping), with a
 * message (no prefix) in err. Pure function.
 */
int pv_layout_compute(uint64_t virt_base, uint64_t kstart, uint64_t kend, uint64_t nr_pages,
                      struct pv_layout *l, char *err, size_t errlen);

/* What start_info needs besides the layout. */
struct pv_boot_info {
    uint64_t shared_info_pfn; /* from struct pvctl_map */
    uint32_t store_evtchn;
    uint32_t console_evtchn;
    const char *cmdline; /* NULL = "" */
};

/*
 * Write the boot data described by l into guest memory mem (frame N at mem + N * 4096,
 * mem_pages frames long): the identity p2m list, start_info, zeroed xenstore, console
 * and stack pages, and 4-level page tables mapping [virt_base, map_end) with
 * PRESENT|RW|USER|ACCESSED at every level (+DIRTY on leaves). The kernel is not
 * touched. Returns 0 or -ERANGE if l does not fit mem_pages.
 */
int pv_write_boot(void *mem, uint64_t mem_pages, const struct pv_layout *l,
                  const struct pv_boot_info *b);

/*
 * Check that a parsed image is a 64-bit Xen PV kernel this substrate can run (Xen
 * notes, a PV entry point, page-aligned and lower-half addresses, entry and hypercall
 * page inside the kernel). `name` prefixes messages ("kernel /x/y"). 0, -ENOEXEC or
 * -EINVAL.
 */
int dombuild_pv_check(const struct elf_image *img, const char *name, char *err, size_t errlen);

/*
 * Everything the builder does to guest memory, without pvisord: check the image,
 * compute the layout for nr_pages, copy the kernel in and write the boot data (b).
 * mem must hold nr_pages frames. On success *l describes the result.
 */
int dombuild_pv_memory(const struct elf_image *img, const char *name, void *mem, uint64_t nr_pages,
                       const struct pv_boot_info *b, struct pv_layout *l, char *err, size_t errlen);

/* ---- PVH --------------------------------------------------------------------------- */

#define PVH_MEMMAP_MAX     8            /* entries the builder's memory map may have */
#define PVH_START_INFO_MAX (1ull << 30) /* hvm_start_info, memmap, cmdline: below 1 GiB */
#define PVH_MEMMAP_OFFSET  64           /* in the boot page: memmap after hvm_start_info */
#define PVH_CMDLINE_OFFSET 2048         /* and the command line (MAX_GUEST_CMDLINE bytes) */

/*
 * Xen's PVH start of day, all addresses guest-physical (MFN == PFN):
 *   [kernel_start, kernel_end)  the segments, each at its p_paddr
 *   start_info_pfn              the first page after the kernel: hvm_start_info, then the
 *                               memory map (PVH_MEMMAP_OFFSET), then the command line
 *                               (PVH_CMDLINE_OFFSET)
 *   console_pfn, store_pfn      the last two RAM frames, reserved in the memory map
 *   memmap                      RAM [0, console), reserved [console, RAM end), reserved
 *                               [special_pfn, reserved_end_pfn) (the hypervisor's frames)
 */
struct pvh_layout {
    uint64_t nr_pages;                 /* RAM frames */
    uint64_t kernel_start, kernel_end; /* physical, from the segments */
    uint32_t entry;                    /* XEN_ELFNOTE_PHYS32_ENTRY */
    uint64_t start_info_pfn;
    uint64_t console_pfn, store_pfn;
    unsigned nr_memmap;
    struct hvm_memmap_table_entry memmap[PVH_MEMMAP_MAX];
};

/*
 * Check that a parsed image is a PVH kernel (ELF32 or ELF64 with XEN_ELFNOTE_PHYS32_ENTRY
 * in a PT_NOTE segment or an SHT_NOTE section, entry inside a loaded segment below
 * 4 GiB). `name` prefixes messages. 0 or -ENOEXEC.
 */
int dombuild_pvh_check(const struct elf_image *img, const char *name, char *err, size_t errlen);

/*
 * Compute the PVH layout for img in a domain of nr_pages RAM frames whose hypervisor
 * range is [special_pfn, reserved_end_pfn) (struct pvctl_map). 0, -ENOEXEC (not PVH),
 * -ENOMEM (the kernel and boot data do not fit below the reserved pages, or would put
 * hvm_start_info at or above 1 GiB), message in err. Pure function.
 */
int pvh_layout_compute(const struct elf_image *img, uint64_t nr_pages, uint64_t special_pfn,
                       uint64_t reserved_end_pfn, struct pvh_layout *l, char *err, size_t errlen);

/*
 * Load the segments and write the boot page and zeroed console and xenstore pages into
 * mem (nr_pages frames). cmdline NULL = "" (truncated to MAX_GUEST_CMDLINE - 1 bytes).
 * Returns 0 or -ERANGE (message in err) if the layout does not fit mem.
 */
int pvh_write_boot(const struct elf_image *img, void *mem, uint64_t nr_pages,
                   const struct pvh_layout *l, const char *cmdline, char *err, size_t errlen);

#endif
