/* xen.h: core Xen 4.17 guest ABI: hypercall numbers, VIRQs, MMU ops, shared_info, start_info. */
#ifndef PVISOR_XEN_XEN_H
#define PVISOR_XEN_XEN_H

#include "xen-compat.h"

#ifndef __ASSEMBLY__
#include <stddef.h>
#include <stdint.h>
#endif

#if defined(__i386__) || defined(__x86_64__)
#include "arch-x86/xen.h"
#else
#error "pvisor's Xen ABI headers describe x86 (i386 / x86_64) only"
#endif

#ifndef __ASSEMBLY__
/* Handles for the basic C types (const_<name> variants come for free). */
DEFINE_XEN_GUEST_HANDLE(char);
__DEFINE_XEN_GUEST_HANDLE(uchar, unsigned char);
DEFINE_XEN_GUEST_HANDLE(int);
__DEFINE_XEN_GUEST_HANDLE(uint, unsigned int);
#if __XEN_INTERFACE_VERSION__ < 0x00040300
DEFINE_XEN_GUEST_HANDLE(long);
__DEFINE_XEN_GUEST_HANDLE(ulong, unsigned long);
#endif
DEFINE_XEN_GUEST_HANDLE(void);
DEFINE_XEN_GUEST_HANDLE(uint64_t);
DEFINE_XEN_GUEST_HANDLE(xen_pfn_t);
DEFINE_XEN_GUEST_HANDLE(xen_ulong_t);

/* Dimension for a trailing variable-length array member. */
#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 199901L
#define XEN_FLEX_ARRAY_DIM
#elif defined(__GNUC__)
#define XEN_FLEX_ARRAY_DIM 0
#else
#define XEN_FLEX_ARRAY_DIM 1
#endif

/* Append the C suffix (U / UL / ULL) to a literal; assembly gets the bare number. */
#define __xen_mk_uint(x) x##U
#define __xen_mk_ulong(x) x##UL
#ifndef __xen_mk_ullong
#define __xen_mk_ullong(x) x##ULL
#endif
#define xen_mk_uint(x) __xen_mk_uint(x)
#define xen_mk_ulong(x) __xen_mk_ulong(x)
#define xen_mk_ullong(x) __xen_mk_ullong(x)
#else /* __ASSEMBLY__ */
#define xen_mk_uint(x) x
#define xen_mk_ulong(x) x
#define xen_mk_ullong(x) x
#endif /* __ASSEMBLY__ */

/* ---- Hypercall numbers (value placed in eax/rax) ---------------------------------- */
#define __HYPERVISOR_set_trap_table 0
#define __HYPERVISOR_mmu_update 1
#define __HYPERVISOR_set_gdt 2
#define __HYPERVISOR_stack_switch 3
#define __HYPERVISOR_set_callbacks 4
#define __HYPERVISOR_fpu_taskswitch 5
#define __HYPERVISOR_sched_op_compat 6 /* pre-3.0.1 form of sched_op */
#define __HYPERVISOR_platform_op 7
#define __HYPERVISOR_set_debugreg 8
#define __HYPERVISOR_get_debugreg 9
#define __HYPERVISOR_update_descriptor 10
/* 11 is unused */
#define __HYPERVISOR_memory_op 12
#define __HYPERVISOR_multicall 13
#define __HYPERVISOR_update_va_mapping 14
#define __HYPERVISOR_set_timer_op 15
#define __HYPERVISOR_event_channel_op_compat 16 /* pre-3.2.2 form */
#define __HYPERVISOR_xen_version 17
#define __HYPERVISOR_console_io 18
#define __HYPERVISOR_physdev_op_compat 19 /* pre-3.2.2 form */
#define __HYPERVISOR_grant_table_op 20
#define __HYPERVISOR_vm_assist 21
#define __HYPERVISOR_update_va_mapping_otherdomain 22
#define __HYPERVISOR_iret 23 /* x86 PV only */
#define __HYPERVISOR_vcpu_op 24
#define __HYPERVISOR_set_segment_base 25 /* x86_64 PV only */
#define __HYPERVISOR_mmuext_op 26
#define __HYPERVISOR_xsm_op 27
#define __HYPERVISOR_nmi_op 28
#define __HYPERVISOR_sched_op 29
#define __HYPERVISOR_callback_op 30
#define __HYPERVISOR_xenoprof_op 31
#define __HYPERVISOR_event_channel_op 32
#define __HYPERVISOR_physdev_op 33
#define __HYPERVISOR_hvm_op 34
#define __HYPERVISOR_sysctl 35
#define __HYPERVISOR_domctl 36
#define __HYPERVISOR_kexec_op 37
#define __HYPERVISOR_tmem_op 38
#define __HYPERVISOR_argo_op 39
#define __HYPERVISOR_xenpmu_op 40
#define __HYPERVISOR_dm_op 41
#define __HYPERVISOR_hypfs_op 42
/* 48..55 are reserved for architecture-specific calls. */
#define __HYPERVISOR_arch_0 48
#define __HYPERVISOR_arch_1 49
#define __HYPERVISOR_arch_2 50
#define __HYPERVISOR_arch_3 51
#define __HYPERVISOR_arch_4 52
#define __HYPERVISOR_arch_5 53
#define __HYPERVISOR_arch_6 54
#define __HYPERVISOR_arch_7 55

/* Very old interface versions used the older call numbers. */
#if __XEN_INTERFACE_VERSION__ < 0x00030101
#undef __HYPERVISOR_sched_op
#define __HYPERVISOR_sched_op __HYPERVISOR_sched_op_compat
#endif
#if __XEN_INTERFACE_VERSION__ < 0x00030202
#undef __HYPERVISOR_event_channel_op
#define __HYPERVISOR_event_channel_op __HYPERVISOR_event_channel_op_compat
#undef __HYPERVISOR_physdev_op
#define __HYPERVISOR_physdev_op __HYPERVISOR_physdev_op_compat
#endif
#if __XEN_INTERFACE_VERSION__ < 0x00030204
#define __HYPERVISOR_dom0_op __HYPERVISOR_platform_op
#endif

/* ---- Virtual IRQs (bind with EVTCHNOP_bind_virq); V = per vCPU, G = global ---------- */
#define VIRQ_TIMER 0      /* V: timer tick or timeout reached */
#define VIRQ_DEBUG 1      /* V: dump debug state */
#define VIRQ_CONSOLE 2    /* G, dom0: emergency console input */
#define VIRQ_DOM_EXC 3    /* G, dom0: some domain changed state (e.g. shut down) */
#define VIRQ_TBUF 4       /* G, dom0: trace records ready */
#define VIRQ_DEBUGGER 6   /* G, dom0: a domain paused for the debugger */
#define VIRQ_XENOPROF 7   /* V: profiling sample */
#define VIRQ_CON_RING 8   /* G, dom0: console ring has new bytes */
#define VIRQ_PCPU_STATE 9 /* G, dom0: physical CPU state change */
#define VIRQ_MEM_EVENT 10 /* G, dom0: memory event */
#define VIRQ_ARGO 11      /* G: Argo message */
#define VIRQ_ENOMEM 12    /* G, dom0: hypervisor heap low */
#define VIRQ_XENPMU 13    /* V: performance counter interrupt */
#define VIRQ_ARCH_0 16
#define VIRQ_ARCH_1 17
#define VIRQ_ARCH_2 18
#define VIRQ_ARCH_3 19
#define VIRQ_ARCH_4 20
#define VIRQ_ARCH_5 21
#define VIRQ_ARCH_6 22
#define VIRQ_ARCH_7 23
#define NR_VIRQS 24

/* ---- mmu_update: command in the low 2 bits of mmu_update.ptr ------------------------ */
#define MMU_NORMAL_PT_UPDATE 0       /* validated store of val into the PTE at ptr (MA) */
#define MMU_MACHPHYS_UPDATE 1        /* M2P[ptr >> PAGE_SHIFT] = val */
#define MMU_PT_UPDATE_PRESERVE_AD 2  /* like NORMAL, keeping the old Accessed/Dirty bits */
#define MMU_PT_UPDATE_NO_TRANSLATE 3 /* like NORMAL, ptr never translated */

/* ---- mmuext_op commands ------------------------------------------------------------- */
#define MMUEXT_PIN_L1_TABLE 0
#define MMUEXT_PIN_L2_TABLE 1
#define MMUEXT_PIN_L3_TABLE 2
#define MMUEXT_PIN_L4_TABLE 3
#define MMUEXT_UNPIN_TABLE 4
#define MMUEXT_NEW_BASEPTR 5
#define MMUEXT_TLB_FLUSH_LOCAL 6
#define MMUEXT_INVLPG_LOCAL 7
#define MMUEXT_TLB_FLUSH_MULTI 8
#define MMUEXT_INVLPG_MULTI 9
#define MMUEXT_TLB_FLUSH_ALL 10
#define MMUEXT_INVLPG_ALL 11
#define MMUEXT_FLUSH_CACHE 12
#define MMUEXT_SET_LDT 13
/* 14 is unused */
#define MMUEXT_NEW_USER_BASEPTR 15
#define MMUEXT_CLEAR_PAGE 16
#define MMUEXT_COPY_PAGE 17
#define MMUEXT_FLUSH_CACHE_GLOBAL 18
#define MMUEXT_MARK_SUPER 19
#define MMUEXT_UNMARK_SUPER 20

#ifndef __ASSEMBLY__
/* One extended MMU operation; which union members matter depends on cmd. */
struct mmuext_op {
    unsigned int cmd; /* MMUEXT_* */
    union {
        xen_pfn_t mfn;             /* pin/unpin, new baseptr, clear/copy page, super */
        unsigned long linear_addr; /* invlpg, set_ldt */
    } arg1;
    union {
        unsigned int nr_ents; /* set_ldt */
#if __XEN_INTERFACE_VERSION__ >= 0x00030205
        XEN_GUEST_HANDLE(const_void) vcpumask; /* *_MULTI: bitmap of vCPUs */
#else
        const void *vcpumask;
#endif
        xen_pfn_t src_mfn; /* copy_page */
    } arg2;
};
typedef struct mmuext_op mmuext_op_t;
DEFINE_XEN_GUEST_HANDLE(mmuext_op_t);
#endif

/* ---- update_va_mapping flags: flush type in bits 0-1, scope in bit 2 (or a vcpumask ptr) */
#define UVMF_NONE (xen_mk_ulong(0) << 0)
#define UVMF_TLB_FLUSH (xen_mk_ulong(1) << 0)
#define UVMF_INVLPG (xen_mk_ulong(2) << 0)
#define UVMF_FLUSHTYPE_MASK (xen_mk_ulong(3) << 0)
#define UVMF_MULTI (xen_mk_ulong(0) << 2) /* OR'd with a pointer to a vCPU bitmap */
#define UVMF_LOCAL (xen_mk_ulong(0) << 2)
#define UVMF_ALL (xen_mk_ulong(1) << 2)

/* ---- console_io commands ------------------------------------------------------------ */
#define CONSOLEIO_write 0
#define CONSOLEIO_read 1

/* ---- vm_assist ---------------------------------------------------------------------- */
#define VMASST_CMD_enable 0
#define VMASST_CMD_disable 1
#define VMASST_TYPE_4gb_segments 0
#define VMASST_TYPE_4gb_segments_notify 1
#define VMASST_TYPE_writable_pagetables 2
#define VMASST_TYPE_pae_extended_cr3 3
#define VMASST_TYPE_architectural_iopl 4
#define VMASST_TYPE_runstate_update_flag 5
#define VMASST_TYPE_m2p_strict 32
#if __XEN_INTERFACE_VERSION__ < 0x00040600
#define MAX_VMASST_TYPE 3
#endif

/* ---- Domain ids: values >= DOMID_FIRST_RESERVED are special ------------------------- */
#define DOMID_FIRST_RESERVED xen_mk_uint(0x7FF0)
#define DOMID_SELF xen_mk_uint(0x7FF0)    /* the calling domain */
#define DOMID_IO xen_mk_uint(0x7FF1)      /* owner of I/O memory */
#define DOMID_XEN xen_mk_uint(0x7FF2)     /* the hypervisor itself */
#define DOMID_COW xen_mk_uint(0x7FF3)     /* owner of shared copy-on-write pages */
#define DOMID_INVALID xen_mk_uint(0x7FF4) /* no domain */
#define DOMID_IDLE xen_mk_uint(0x7FFF)    /* the idle domain */
#define DOMID_MASK xen_mk_uint(0x7FFF)

#ifndef __ASSEMBLY__
typedef uint16_t domid_t;

/* One page-table or M2P update (see MMU_*). */
struct mmu_update {
    uint64_t ptr; /* machine address of the entry, command in bits 0-1 */
    uint64_t val; /* new contents */
};
typedef struct mmu_update mmu_update_t;
DEFINE_XEN_GUEST_HANDLE(mmu_update_t);

/* One call in a multicall batch; result receives the call's return value. */
struct multicall_entry {
    xen_ulong_t op, result;
    xen_ulong_t args[6];
};
typedef struct multicall_entry multicall_entry_t;
DEFINE_XEN_GUEST_HANDLE(multicall_entry_t);

#if __XEN_INTERFACE_VERSION__ < 0x00040400
#define NR_EVENT_CHANNELS EVTCHN_2L_NR_CHANNELS
#endif

/*
 * Per-vCPU time base.  Readers retry while version is odd or changed across the read.
 * now (ns) = system_time + (((rdtsc() - tsc_timestamp) << tsc_shift) * tsc_to_system_mul
 * >> 32), shifting right instead when tsc_shift is negative (the product is 96 bits).
 */
struct vcpu_time_info {
    uint32_t version;
    uint32_t pad0;
    uint64_t tsc_timestamp; /* TSC when the values below were taken */
    uint64_t system_time;   /* ns since boot at tsc_timestamp */
    uint32_t tsc_to_system_mul;
    int8_t tsc_shift;
#if __XEN_INTERFACE_VERSION__ > 0x040600
    uint8_t flags; /* XEN_PVCLOCK_* */
    uint8_t pad1[2];
#else
    int8_t pad1[3];
#endif
}; /* 32 bytes */
typedef struct vcpu_time_info vcpu_time_info_t;

#define XEN_PVCLOCK_TSC_STABLE_BIT (1 << 0) /* TSC is synchronised across vCPUs */
#define XEN_PVCLOCK_GUEST_STOPPED (1 << 1)  /* the guest was paused */

/* Per-vCPU event state; one per vCPU in shared_info or registered elsewhere. */
struct vcpu_info {
    uint8_t evtchn_upcall_pending; /* set by the hypervisor; cleared by the guest */
#ifdef XEN_HAVE_PV_UPCALL_MASK
    uint8_t evtchn_upcall_mask; /* nonzero: no upcalls (PV "interrupts off") */
#else
    uint8_t pad0;
#endif
    xen_ulong_t evtchn_pending_sel; /* which words of evtchn_pending to scan */
    struct arch_vcpu_info arch;
    vcpu_time_info_t time;
}; /* 64 bytes on x86 */
#ifndef __XEN__
typedef struct vcpu_info vcpu_info_t;
#endif

/* The page shared between a domain and the hypervisor (XENMAPSPACE_shared_info). */
struct shared_info {
    struct vcpu_info vcpu_info[XEN_LEGACY_MAX_VCPUS];
    /* 2-level event channels: one bit per port. */
    xen_ulong_t evtchn_pending[sizeof(xen_ulong_t) * 8];
    xen_ulong_t evtchn_mask[sizeof(xen_ulong_t) * 8];
    /* Wall clock at system time zero; same versioning rule as vcpu_time_info. */
    uint32_t wc_version;
    uint32_t wc_sec;
    uint32_t wc_nsec;
#if !defined(__i386__)
    uint32_t wc_sec_hi;
#define xen_wc_sec_hi wc_sec_hi
#elif !defined(__XEN__) && !defined(__XEN_TOOLS__)
#define xen_wc_sec_hi arch.wc_sec_hi
#endif
    struct arch_shared_info arch;
};
#ifndef __XEN__
typedef struct shared_info shared_info_t;
#endif

#ifdef XEN_HAVE_PV_GUEST_ENTRY
/*
 * Handed to a PV guest at entry (rsi/esi = its virtual address).  Addresses marked VA
 * are in the initial mapping; frame numbers are MFNs (== PFNs under pvisor).
 */
struct start_info {
    char magic[32];              /* "xen-3.0-x86_64" / "xen-3.0-x86_32p" */
    unsigned long nr_pages;      /* pages given to the domain */
    unsigned long shared_info;   /* machine address of shared_info */
    uint32_t flags;              /* SIF_* */
    xen_pfn_t store_mfn;         /* xenstore ring page */
    uint32_t store_evtchn;       /* xenstore event channel */
    union {
        struct {
            xen_pfn_t mfn;   /* console ring page */
            uint32_t evtchn; /* console event channel */
        } domU;
        struct {
            uint32_t info_off;  /* offset of dom0_vga_console_info in this page */
            uint32_t info_size; /* its size */
        } dom0;
    } console;
    unsigned long pt_base;       /* VA of the top-level page table */
    unsigned long nr_pt_frames;  /* page-table frames in the initial mapping */
    unsigned long mfn_list;      /* VA of the P2M array */
    unsigned long mod_start;     /* VA (or PFN, SIF_MOD_START_PFN) of the initrd */
    unsigned long mod_len;       /* its length in bytes */
#define MAX_GUEST_CMDLINE 1024
    int8_t cmd_line[MAX_GUEST_CMDLINE];
    unsigned long first_p2m_pfn; /* first PFN of the initial P2M, if separately mapped */
    unsigned long nr_p2m_frames; /* number of such frames */
};
typedef struct start_info start_info_t;

#if __XEN_INTERFACE_VERSION__ < 0x00030203
#define console_mfn console.domU.mfn
#define console_evtchn console.domU.evtchn
#endif
#endif /* XEN_HAVE_PV_GUEST_ENTRY */

/* start_info.flags */
#define SIF_PRIVILEGED (1 << 0)      /* domain may use privileged operations */
#define SIF_INITDOMAIN (1 << 1)      /* this is the initial control domain */
#define SIF_MULTIBOOT_MOD (1 << 2)   /* the module is a package (xen_multiboot_mod_list) */
#define SIF_MOD_START_PFN (1 << 3)   /* mod_start holds a PFN, not a VA */
#define SIF_VIRT_P2M_4TOOLS (1 << 4) /* toolstack understands a virtually mapped P2M */
#define SIF_PM_MASK (0xFF << 8)      /* reserved for power management */

/*
 * SIF_MULTIBOOT_MOD: the module at mod_start begins with an array of these descriptors,
 * ended by one whose mod_start is 0; addresses are offsets from the package's start.
 */
struct xen_multiboot_mod_list {
    uint32_t mod_start; /* first byte */
    uint32_t mod_end;   /* last byte (inclusive) */
    uint32_t cmdline;   /* NUL-terminated command line */
    uint32_t pad;       /* zero */
};

/* Boot console description passed to dom0 (start_info.console.dom0). */
typedef struct dom0_vga_console_info {
    uint8_t video_type; /* XEN_VGATYPE_* */
#define XEN_VGATYPE_TEXT_MODE_3 0x03
#define XEN_VGATYPE_VESA_LFB 0x23
#define XEN_VGATYPE_EFI_LFB 0x70
    union {
        struct {
            uint16_t font_height;
            uint16_t cursor_x, cursor_y;
            uint16_t rows, columns;
        } text_mode_3;
        struct {
            uint16_t width, height;
            uint16_t bytes_per_line;
            uint16_t bits_per_pixel;
            uint32_t lfb_base;
            uint32_t lfb_size;
            uint8_t red_pos, red_size;
            uint8_t green_pos, green_size;
            uint8_t blue_pos, blue_size;
            uint8_t rsvd_pos, rsvd_size;
#if __XEN_INTERFACE_VERSION__ >= 0x00030206
            uint32_t gbl_caps;
            uint16_t mode_attrs;
            uint16_t pad;
#endif
#if __XEN_INTERFACE_VERSION__ >= 0x00040d00
            uint32_t ext_lfb_base; /* high 32 bits of the frame buffer address */
#endif
        } vesa_lfb;
    } u;
} dom0_vga_console_info_t;
#define xen_vga_console_info dom0_vga_console_info
#define xen_vga_console_info_t dom0_vga_console_info_t

typedef uint8_t xen_domain_handle_t[16];

__DEFINE_XEN_GUEST_HANDLE(uint8, uint8_t);
__DEFINE_XEN_GUEST_HANDLE(uint16, uint16_t);
__DEFINE_XEN_GUEST_HANDLE(uint32, uint32_t);
__DEFINE_XEN_GUEST_HANDLE(uint64, uint64_t);

/* A UUID as 16 bytes in big-endian (RFC 4122) order. */
typedef struct {
    uint8_t a[16];
} xen_uuid_t;

/* Initialiser from the usual 8-4-4-4-12 groups: a 32 bits, b/c/d 16 bits, e1..e6 bytes. */
#define XEN_DEFINE_UUID_(a, b, c, d, e1, e2, e3, e4, e5, e6)                              \
    {                                                                                    \
        {                                                                                \
            (uint8_t)((a) >> 24), (uint8_t)((a) >> 16), (uint8_t)((a) >> 8),             \
                (uint8_t)(a), (uint8_t)((b) >> 8), (uint8_t)(b), (uint8_t)((c) >> 8),    \
                (uint8_t)(c), (uint8_t)((d) >> 8), (uint8_t)(d), e1, e2, e3, e4, e5, e6  \
        }                                                                                \
    }
#if defined(__STDC_VERSION__) ? __STDC_VERSION__ >= 199901L : defined(__GNUC__)
#define XEN_DEFINE_UUID(a, b, c, d, e1, e2, e3, e4, e5, e6)                               \
    ((xen_uuid_t)XEN_DEFINE_UUID_(a, b, c, d, e1, e2, e3, e4, e5, e6))
#else
#define XEN_DEFINE_UUID(a, b, c, d, e1, e2, e3, e4, e5, e6)                               \
    XEN_DEFINE_UUID_(a, b, c, d, e1, e2, e3, e4, e5, e6)
#endif
#endif /* !__ASSEMBLY__ */

#if defined(__XEN__) || defined(__XEN_TOOLS__)
/* Toolstack-only helpers (domctl/sysctl); 64-bit aligned on every ABI. */
#ifndef int64_aligned_t
#define int64_aligned_t int64_t
#endif
#ifndef uint64_aligned_t
#define uint64_aligned_t uint64_t
#endif
#ifndef XEN_GUEST_HANDLE_64
#define XEN_GUEST_HANDLE_64(name) XEN_GUEST_HANDLE(name)
#endif
#ifndef __ASSEMBLY__
struct xenctl_bitmap {
    XEN_GUEST_HANDLE_64(uint8) bitmap;
    uint32_t nr_bits;
};
typedef struct xenctl_bitmap xenctl_bitmap_t;
#endif
#endif /* __XEN__ || __XEN_TOOLS__ */

#endif /* PVISOR_XEN_XEN_H */
