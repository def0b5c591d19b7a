/* arch-x86/xen-x86_32.h: x86_32 specifics of the Xen 4.17 ABI (for 32-bit guests, e.g. PVH). */
#if !defined(__i386__)
#error "this header is for x86_32 only; not for x86_64 code; host code reading 32-bit guests uses <xen/compat.h>"
#endif
#include "xen.h" /* standalone use: pulls in the rest of the x86 ABI first */

#ifndef PVISOR_XEN_ARCH_X86_XEN_X86_32_H
#define PVISOR_XEN_ARCH_X86_XEN_X86_32_H

/* Flat selectors of a 32-bit PV guest (kernel in ring 1, user in ring 3). */
#define FLAT_RING1_CS 0xe019 /* GDT entry 259 */
#define FLAT_RING1_DS 0xe021 /* GDT entry 260 */
#define FLAT_RING1_SS 0xe021 /* GDT entry 260 */
#define FLAT_RING3_CS 0xe02b /* GDT entry 261 */
#define FLAT_RING3_DS 0xe033 /* GDT entry 262 */
#define FLAT_RING3_SS 0xe033 /* GDT entry 262 */

#define FLAT_KERNEL_CS FLAT_RING1_CS
#define FLAT_KERNEL_DS FLAT_RING1_DS
#define FLAT_KERNEL_SS FLAT_RING1_SS
#define FLAT_USER_CS FLAT_RING3_CS
#define FLAT_USER_DS FLAT_RING3_DS
#define FLAT_USER_SS FLAT_RING3_SS

/* Hypervisor hole of a 32-bit PAE PV address space (and of the old non-PAE ABI). */
#define __HYPERVISOR_VIRT_START_PAE 0xF5800000
#define __MACH2PHYS_VIRT_START_PAE 0xF5800000
#define __MACH2PHYS_VIRT_END_PAE 0xF6800000
#define HYPERVISOR_VIRT_START_PAE xen_mk_ulong(__HYPERVISOR_VIRT_START_PAE)
#define MACH2PHYS_VIRT_START_PAE xen_mk_ulong(__MACH2PHYS_VIRT_START_PAE)
#define MACH2PHYS_VIRT_END_PAE xen_mk_ulong(__MACH2PHYS_VIRT_END_PAE)

#define __HYPERVISOR_VIRT_START_NONPAE 0xFC000000
#define __MACH2PHYS_VIRT_START_NONPAE 0xFC000000
#define __MACH2PHYS_VIRT_END_NONPAE 0xFC400000
#define HYPERVISOR_VIRT_START_NONPAE xen_mk_ulong(__HYPERVISOR_VIRT_START_NONPAE)
#define MACH2PHYS_VIRT_START_NONPAE xen_mk_ulong(__MACH2PHYS_VIRT_START_NONPAE)
#define MACH2PHYS_VIRT_END_NONPAE xen_mk_ulong(__MACH2PHYS_VIRT_END_NONPAE)

#define __HYPERVISOR_VIRT_START __HYPERVISOR_VIRT_START_PAE
#define __MACH2PHYS_VIRT_START __MACH2PHYS_VIRT_START_PAE
#define __MACH2PHYS_VIRT_END __MACH2PHYS_VIRT_END_PAE

#ifndef HYPERVISOR_VIRT_START
#define HYPERVISOR_VIRT_START xen_mk_ulong(__HYPERVISOR_VIRT_START)
#endif

#define MACH2PHYS_VIRT_START xen_mk_ulong(__MACH2PHYS_VIRT_START)
#define MACH2PHYS_VIRT_END xen_mk_ulong(__MACH2PHYS_VIRT_END)
#define MACH2PHYS_NR_ENTRIES ((MACH2PHYS_VIRT_END - MACH2PHYS_VIRT_START) >> 2)
#ifndef machine_to_phys_mapping
#define machine_to_phys_mapping ((unsigned long *)MACH2PHYS_VIRT_START)
#endif

#ifndef __ASSEMBLY__
/* 32-bit general registers as Xen's guest view names them. */
struct cpu_user_regs {
    uint32_t ebx;
    uint32_t ecx;
    uint32_t edx;
    uint32_t esi;
    uint32_t edi;
    uint32_t ebp;
    uint32_t eax;
    uint16_t error_code;   /* hypervisor-private */
    uint16_t entry_vector; /* hypervisor-private */
    uint32_t eip;
    uint16_t cs;
    uint8_t saved_upcall_mask;
    uint8_t _pad0;
    uint32_t eflags; /* IF reads as !saved_upcall_mask */
    uint32_t esp;
    uint16_t ss, _pad1;
    uint16_t es, _pad2;
    uint16_t ds, _pad3;
    uint16_t fs, _pad4;
    uint16_t gs, _pad5;
};
typedef struct cpu_user_regs cpu_user_regs_t;
DEFINE_XEN_GUEST_HANDLE(cpu_user_regs_t);

/* PAE CR3 encoding of a frame number: the frame rotated left by 12 bits. */
#define xen_pfn_to_cr3(pfn) (((unsigned)(pfn) << 12) | ((unsigned)(pfn) >> 20))
#define xen_cr3_to_pfn(cr3) (((unsigned)(cr3) >> 12) | ((unsigned)(cr3) << 20))

struct arch_vcpu_info {
    unsigned long cr2;
    unsigned long pad[5]; /* keeps vcpu_info at 64 bytes */
};
typedef struct arch_vcpu_info arch_vcpu_info_t;

/* A 32-bit callback is a code selector plus an offset. */
struct xen_callback {
    unsigned long cs;
    unsigned long eip;
};
typedef struct xen_callback xen_callback_t;
#endif /* !__ASSEMBLY__ */

#endif /* PVISOR_XEN_ARCH_X86_XEN_X86_32_H */
