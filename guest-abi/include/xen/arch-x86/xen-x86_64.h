/* arch-x86/xen-x86_64.h: x86_64 PV specifics of the Xen 4.17 ABI (selectors, registers). */
#if !defined(__x86_64__)
#error "this header is for x86_64 only; not for x86_32 (-m32) code: use <xen/xen.h>"
#endif
#include "xen.h" /* standalone use: pulls in the rest of the x86 ABI first */

#ifndef PVISOR_XEN_ARCH_X86_XEN_X86_64_H
#define PVISOR_XEN_ARCH_X86_XEN_X86_64_H

/*
 * Flat selectors in the hypervisor's part of the GDT.  A 64-bit PV kernel runs in ring 3
 * just like its user space, so the KERNEL and USER names alias the same RING3 values.
 */
#define FLAT_RING3_CS32 0xe023 /* GDT entry 260 */
#define FLAT_RING3_CS64 0xe033 /* GDT entry 262 */
#define FLAT_RING3_DS32 0xe02b /* GDT entry 261 */
#define FLAT_RING3_DS64 0x0000 /* null selector */
#define FLAT_RING3_SS32 0xe02b /* GDT entry 261 */
#define FLAT_RING3_SS64 0xe02b /* GDT entry 261 */

#define FLAT_KERNEL_DS64 FLAT_RING3_DS64
#define FLAT_KERNEL_DS32 FLAT_RING3_DS32
#define FLAT_KERNEL_DS FLAT_KERNEL_DS64
#define FLAT_KERNEL_CS64 FLAT_RING3_CS64
#define FLAT_KERNEL_CS32 FLAT_RING3_CS32
#define FLAT_KERNEL_CS FLAT_KERNEL_CS64
#define FLAT_KERNEL_SS64 FLAT_RING3_SS64
#define FLAT_KERNEL_SS32 FLAT_RING3_SS32
#define FLAT_KERNEL_SS FLAT_KERNEL_SS64

#define FLAT_USER_DS64 FLAT_RING3_DS64
#define FLAT_USER_DS32 FLAT_RING3_DS32
#define FLAT_USER_DS FLAT_USER_DS64
#define FLAT_USER_CS64 FLAT_RING3_CS64
#define FLAT_USER_CS32 FLAT_RING3_CS32
#define FLAT_USER_CS FLAT_USER_CS64
#define FLAT_USER_SS64 FLAT_RING3_SS64
#define FLAT_USER_SS32 FLAT_RING3_SS32
#define FLAT_USER_SS FLAT_USER_SS64

/*
 * Virtual range Xen reserves in every 64-bit PV address space (with its read-only M2P).
 * pvisor's PV guests cannot touch the upper half at all (see DESIGN.md, section 3), so
 * these are reported for compatibility only.
 */
#define __HYPERVISOR_VIRT_START 0xFFFF800000000000
#define __HYPERVISOR_VIRT_END 0xFFFF880000000000
#define __MACH2PHYS_VIRT_START 0xFFFF800000000000
#define __MACH2PHYS_VIRT_END 0xFFFF804000000000

#ifndef HYPERVISOR_VIRT_START
#define HYPERVISOR_VIRT_START xen_mk_ulong(__HYPERVISOR_VIRT_START)
#define HYPERVISOR_VIRT_END xen_mk_ulong(__HYPERVISOR_VIRT_END)
#endif

#define MACH2PHYS_VIRT_START xen_mk_ulong(__MACH2PHYS_VIRT_START)
#define MACH2PHYS_VIRT_END xen_mk_ulong(__MACH2PHYS_VIRT_END)
#define MACH2PHYS_NR_ENTRIES ((MACH2PHYS_VIRT_END - MACH2PHYS_VIRT_START) >> 3)
#ifndef machine_to_phys_mapping
#define machine_to_phys_mapping ((unsigned long *)HYPERVISOR_VIRT_START)
#endif

/* set_segment_base selectors. */
#define SEGBASE_FS 0
#define SEGBASE_GS_USER 1
#define SEGBASE_GS_KERNEL 2
#define SEGBASE_GS_USER_SEL 3 /* load user %gs with the selector in base[15:0] */

/* vcpu_guest_context.flags: the vCPU was inside a syscall (64-bit only). */
#define _VGCF_in_syscall 8
#define VGCF_in_syscall (1 << _VGCF_in_syscall)
#define VGCF_IN_SYSCALL VGCF_in_syscall

#ifndef __ASSEMBLY__
/* Frame on the guest stack (lowest address first) when it calls HYPERVISOR_iret. */
struct iret_context {
    /* flags: VGCF_in_syscall asks for a sysret-style return (rcx/r11 not restored). */
    uint64_t rax, r11, rcx, flags, rip, cs, rflags, rsp, ss;
    /* the frame ends here */
};

/*
 * General registers.  In C11/GNU C the low-register names alias: rax/eax are the same
 * 64-bit member and _eax names its low 32 bits, as in Xen's guest view.
 */
#if (defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L) ||                        \
    (defined(__GNUC__) && !defined(__STRICT_ANSI__))
#define PVISOR_XEN_REG_(n)                                                                \
    union {                                                                              \
        uint64_t r##n, e##n;                                                             \
        uint32_t _e##n;                                                                  \
    }
#else
#define PVISOR_XEN_REG_(n) uint64_t r##n
#endif

struct cpu_user_regs {
    uint64_t r15;
    uint64_t r14;
    uint64_t r13;
    uint64_t r12;
    PVISOR_XEN_REG_(bp);
    PVISOR_XEN_REG_(bx);
    uint64_t r11;
    uint64_t r10;
    uint64_t r9;
    uint64_t r8;
    PVISOR_XEN_REG_(ax);
    PVISOR_XEN_REG_(cx);
    PVISOR_XEN_REG_(dx);
    PVISOR_XEN_REG_(si);
    PVISOR_XEN_REG_(di);
    uint32_t error_code;   /* hypervisor-private */
    uint32_t entry_vector; /* hypervisor-private */
    PVISOR_XEN_REG_(ip);
    uint16_t cs, _pad0[1];
    uint8_t saved_upcall_mask;
    uint8_t _pad1[3];
    PVISOR_XEN_REG_(flags); /* IF reads as !saved_upcall_mask */
    PVISOR_XEN_REG_(sp);
    uint16_t ss, _pad2[3];
    uint16_t es, _pad3[3];
    uint16_t ds, _pad4[3];
    uint16_t fs, _pad5[3];
    uint16_t gs, _pad6[3];
};
typedef struct cpu_user_regs cpu_user_regs_t;
DEFINE_XEN_GUEST_HANDLE(cpu_user_regs_t);

#undef PVISOR_XEN_REG_

/* CR3 <-> page frame (vcpu_guest_context.ctrlreg[3] holds a frame number). */
#define xen_pfn_to_cr3(pfn) ((unsigned long)(pfn) << 12)
#define xen_cr3_to_pfn(cr3) ((unsigned long)(cr3) >> 12)

struct arch_vcpu_info {
    unsigned long cr2; /* fault address of the last page fault delivered */
    unsigned long pad; /* keeps vcpu_info at 64 bytes */
};
typedef struct arch_vcpu_info arch_vcpu_info_t;

/* Callback entry points are plain 64-bit addresses. */
typedef unsigned long xen_callback_t;
#endif /* !__ASSEMBLY__ */

#endif /* PVISOR_XEN_ARCH_X86_XEN_X86_64_H */
