/* elfnote.h: Xen 4.17 ELF note types (owner "Xen") read by the domain builder; assembly-safe. */
#ifndef PVISOR_XEN_ELFNOTE_H
#define PVISOR_XEN_ELFNOTE_H

/*
 * Notes live in PT_NOTE segments or SHT_NOTE sections with name "Xen".  "numeric"
 * descriptors are 4 or 8 byte little-endian integers, "string" ones NUL-terminated.
 */
#define XEN_ELFNOTE_INFO 0            /* none: padding */
#define XEN_ELFNOTE_ENTRY 1           /* numeric: PV entry virtual address */
#define XEN_ELFNOTE_HYPERCALL_PAGE 2  /* numeric: virtual address of the hypercall page */
#define XEN_ELFNOTE_VIRT_BASE 3       /* numeric: virtual address of the image base */
#define XEN_ELFNOTE_PADDR_OFFSET 4    /* numeric: subtract from virtual to get load address */
#define XEN_ELFNOTE_XEN_VERSION 5     /* string: required hypervisor ABI, e.g. "xen-3.0" */
#define XEN_ELFNOTE_GUEST_OS 6        /* string: guest OS name, e.g. "linux" */
#define XEN_ELFNOTE_GUEST_VERSION 7   /* string: guest OS version */
#define XEN_ELFNOTE_LOADER 8          /* string: loader type, e.g. "generic" */
#define XEN_ELFNOTE_PAE_MODE 9        /* string (x86_32): "yes", "no" or "bimodal" */
#define XEN_ELFNOTE_FEATURES 10       /* string: XENFEAT names joined by '|', '!' = needed */
#define XEN_ELFNOTE_BSD_SYMTAB 11     /* string "yes"/"no": load the symbol table too */
#define XEN_ELFNOTE_HV_START_LOW 12   /* numeric: lowest start of the hypervisor hole */
#define XEN_ELFNOTE_L1_MFN_VALID 13   /* numeric pairs: mask/value of PTEs holding MFNs */
#define XEN_ELFNOTE_SUSPEND_CANCEL 14 /* numeric: cooperative suspend cancel supported */
#define XEN_ELFNOTE_INIT_P2M 15       /* numeric: virtual address for the initial P2M */
#define XEN_ELFNOTE_MOD_START_PFN 16  /* numeric: initrd may be passed as a PFN */
#define XEN_ELFNOTE_SUPPORTED_FEATURES 17 /* numeric: bitmap of supported XENFEAT_* */
#define XEN_ELFNOTE_PHYS32_ENTRY 18   /* numeric: PVH 32-bit flat entry (paging off) */

#define XEN_ELFNOTE_MAX XEN_ELFNOTE_PHYS32_ENTRY

/* Notes written into crash dumps, not read from guests. */
#define XEN_ELFNOTE_CRASH_INFO 0x1000001
#define XEN_ELFNOTE_CRASH_REGS 0x1000002

/* Notes of the xen dump-core file format. */
#define XEN_ELFNOTE_DUMPCORE_NONE 0x2000000
#define XEN_ELFNOTE_DUMPCORE_HEADER 0x2000001
#define XEN_ELFNOTE_DUMPCORE_XEN_VERSION 0x2000002
#define XEN_ELFNOTE_DUMPCORE_FORMAT_VERSION 0x2000003

#endif /* PVISOR_XEN_ELFNOTE_H */
