/* arch-x86/hvm/start_info.h: Xen 4.17 PVH boot information (hvm_start_info, handed over in ebx). */
#ifndef PVISOR_XEN_ARCH_X86_HVM_START_INFO_H
#define PVISOR_XEN_ARCH_X86_HVM_START_INFO_H

/*
 * A PVH guest enters at XEN_ELFNOTE_PHYS32_ENTRY in 32-bit flat protected mode, paging
 * off, with ebx = physical address of struct hvm_start_info.  All addresses are
 * physical, 64-bit little endian; 0 means "absent" (nothing is loaded at address 0).
 *
 * Versions: 0 = up to rsdp_paddr; 1 adds memmap_paddr, memmap_entries and reserved
 * (a version 1 reader must still check memmap_entries != 0).  Newer versions only
 * append fields.
 */

/* "xEn3" with the top bit of the 'E' set. */
#define XEN_HVM_START_MAGIC_VALUE 0x336ec578

/* hvm_memmap_table_entry.type: the ACPI address range types. */
#define XEN_HVM_MEMMAP_TYPE_RAM 1
#define XEN_HVM_MEMMAP_TYPE_RESERVED 2
#define XEN_HVM_MEMMAP_TYPE_ACPI 3
#define XEN_HVM_MEMMAP_TYPE_NVS 4
#define XEN_HVM_MEMMAP_TYPE_UNUSABLE 5
#define XEN_HVM_MEMMAP_TYPE_DISABLED 6
#define XEN_HVM_MEMMAP_TYPE_PMEM 7

#ifndef __ASSEMBLY__
#include <stdint.h>

/* 56 bytes (version 1); identical for 32- and 64-bit guests. */
struct hvm_start_info {
    uint32_t magic;          /* XEN_HVM_START_MAGIC_VALUE */
    uint32_t version;        /* 1 */
    uint32_t flags;          /* SIF_* */
    uint32_t nr_modules;     /* entries at modlist_paddr */
    uint64_t modlist_paddr;  /* array of hvm_modlist_entry */
    uint64_t cmdline_paddr;  /* NUL-terminated command line */
    uint64_t rsdp_paddr;     /* ACPI RSDP */
    uint64_t memmap_paddr;   /* array of hvm_memmap_table_entry (version >= 1) */
    uint32_t memmap_entries; /* 0: no memory map (version >= 1) */
    uint32_t reserved;       /* zero */
};

/* 32 bytes. */
struct hvm_modlist_entry {
    uint64_t paddr;         /* module start */
    uint64_t size;          /* bytes */
    uint64_t cmdline_paddr; /* module's command line, or 0 */
    uint64_t reserved;
};

/* 24 bytes. */
struct hvm_memmap_table_entry {
    uint64_t addr;     /* start */
    uint64_t size;     /* bytes */
    uint32_t type;     /* XEN_HVM_MEMMAP_TYPE_* */
    uint32_t reserved; /* zero */
};
#endif /* !__ASSEMBLY__ */

#endif /* PVISOR_XEN_ARCH_X86_HVM_START_INFO_H */
