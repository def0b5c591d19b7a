/* hvm/hvm_op.h: Xen 4.17 hvm_op (HVMOP_*) commands used by HVM/PVH guests (params, upcall vector). */
#ifndef PVISOR_XEN_HVM_HVM_OP_H
#define PVISOR_XEN_HVM_HVM_OP_H

#include "../xen.h"
#include "../event_channel.h"

/* HYPERVISOR_hvm_op(cmd, arg) commands. */
#define HVMOP_set_param 0 /* xen_hvm_param */
#define HVMOP_get_param 1 /* xen_hvm_param */
#if __XEN_INTERFACE_VERSION__ < 0x00040900
/* Device-model calls of old interface versions (now dm_op). */
#define HVMOP_set_pci_intx_level 2 /* xen_hvm_set_pci_intx_level */
#define HVMOP_set_isa_irq_level 3  /* xen_hvm_set_isa_irq_level */
#define HVMOP_set_pci_link_route 4 /* xen_hvm_set_pci_link_route */
#endif
#define HVMOP_flush_tlbs 5 /* arg NULL */
#define HVMOP_pagetable_dying 9 /* xen_hvm_pagetable_dying */
#define HVMOP_get_time 10       /* xen_hvm_get_time */
#define HVMOP_xentrace 11       /* xen_hvm_xentrace */
#if defined(__XEN__) || defined(__XEN_TOOLS__)
#define HVMOP_set_mem_access 12
#define HVMOP_get_mem_access 13
#endif
#define HVMOP_get_mem_type 15 /* xen_hvm_get_mem_type */
#if defined(__i386__) || defined(__x86_64__)
#define HVMOP_set_evtchn_upcall_vector 23 /* xen_hvm_evtchn_upcall_vector */
#endif
#define HVMOP_guest_request_vm_event 24
#define HVMOP_altp2m 25 /* xen_hvm_altp2m_op */
#define HVMOP_ALTP2M_INTERFACE_VERSION 0x00000001

#if defined(__XEN__) || defined(__XEN_TOOLS__)
#define HVM_IOREQSRV_BUFIOREQ_OFF 0
#define HVM_IOREQSRV_BUFIOREQ_LEGACY 1
#define HVM_IOREQSRV_BUFIOREQ_ATOMIC 2
#endif

#ifndef __ASSEMBLY__
/* Read or write parameter index (HVM_PARAM_*) of domid. */
struct xen_hvm_param {
    domid_t domid;  /* DOMID_SELF or, privileged, another domain */
    uint16_t pad;
    uint32_t index; /* HVM_PARAM_* */
    uint64_t value; /* IN for set, OUT for get */
};
typedef struct xen_hvm_param xen_hvm_param_t;
DEFINE_XEN_GUEST_HANDLE(xen_hvm_param_t);

#if __XEN_INTERFACE_VERSION__ < 0x00040900
struct xen_hvm_set_pci_intx_level {
    domid_t domid;
    uint8_t domain, bus, device, intx; /* PCI INTx line */
    uint8_t level;                     /* 0 = deasserted, 1 = asserted */
};
typedef struct xen_hvm_set_pci_intx_level xen_hvm_set_pci_intx_level_t;
DEFINE_XEN_GUEST_HANDLE(xen_hvm_set_pci_intx_level_t);

struct xen_hvm_set_isa_irq_level {
    domid_t domid;
    uint8_t isa_irq;
    uint8_t level;
};
typedef struct xen_hvm_set_isa_irq_level xen_hvm_set_isa_irq_level_t;
DEFINE_XEN_GUEST_HANDLE(xen_hvm_set_isa_irq_level_t);

struct xen_hvm_set_pci_link_route {
    domid_t domid;
    uint8_t link;    /* PCI link 0-3 */
    uint8_t isa_irq; /* 0 disables the link */
};
typedef struct xen_hvm_set_pci_link_route xen_hvm_set_pci_link_route_t;
DEFINE_XEN_GUEST_HANDLE(xen_hvm_set_pci_link_route_t);
#endif

/* P2M types reported by HVMOP_get_mem_type. */
typedef enum {
    HVMMEM_ram_rw,  /* ordinary RAM */
    HVMMEM_ram_ro,  /* RAM, writes dropped */
    HVMMEM_mmio_dm, /* emulated by the device model */
#if __XEN_INTERFACE_VERSION__ < 0x00040700
    HVMMEM_mmio_write_dm,
#else
    HVMMEM_unused, /* retired */
#endif
    HVMMEM_ioreq_server /* claimed by an ioreq server */
} hvmmem_type_t;

/* The guest is about to drop the page table at gpa. */
struct xen_hvm_pagetable_dying {
    domid_t domid;
    uint16_t pad[3];
    uint64_t gpa;
};
typedef struct xen_hvm_pagetable_dying xen_hvm_pagetable_dying_t;
DEFINE_XEN_GUEST_HANDLE(xen_hvm_pagetable_dying_t);

/* Current system time in ns. */
struct xen_hvm_get_time {
    uint64_t now; /* OUT */
};
typedef struct xen_hvm_get_time xen_hvm_get_time_t;
DEFINE_XEN_GUEST_HANDLE(xen_hvm_get_time_t);

/* Emit a trace record; extra holds up to 7 32-bit words (Xen's TRACE_EXTRA_MAX). */
struct xen_hvm_xentrace {
    uint16_t event, extra_bytes;
    uint8_t extra[7 * sizeof(uint32_t)];
};
typedef struct xen_hvm_xentrace xen_hvm_xentrace_t;
DEFINE_XEN_GUEST_HANDLE(xen_hvm_xentrace_t);

struct xen_hvm_get_mem_type {
    domid_t domid;
    uint16_t mem_type; /* OUT: hvmmem_type_t */
    uint16_t pad[2];
    uint64_t pfn;
};
typedef struct xen_hvm_get_mem_type xen_hvm_get_mem_type_t;
DEFINE_XEN_GUEST_HANDLE(xen_hvm_get_mem_type_t);

#if defined(__i386__) || defined(__x86_64__)
/* Per-vCPU vector for event upcalls (an alternative to HVM_PARAM_CALLBACK_IRQ). */
struct xen_hvm_evtchn_upcall_vector {
    uint32_t vcpu;
    uint8_t vector;
};
typedef struct xen_hvm_evtchn_upcall_vector xen_hvm_evtchn_upcall_vector_t;
DEFINE_XEN_GUEST_HANDLE(xen_hvm_evtchn_upcall_vector_t);
#endif

/* ---- Alternate p2m views (HVMOP_altp2m); pvisor answers -ENOSYS, layouts for reference. */
struct xen_hvm_altp2m_suppress_ve {
    uint16_t view;
    uint8_t suppress_ve; /* boolean */
    uint8_t pad1;
    uint32_t pad2;
    uint64_t gfn;
};

struct xen_hvm_altp2m_suppress_ve_multi {
    uint16_t view;
    uint8_t suppress_ve; /* boolean */
    uint8_t pad1;
    int32_t first_error;      /* IN: 0; OUT: first error code */
    uint64_t first_gfn;       /* IN/OUT: progress */
    uint64_t last_gfn;
    uint64_t first_error_gfn; /* OUT */
};

struct xen_hvm_altp2m_domain_state {
    uint8_t state; /* boolean: altp2m active */
};
typedef struct xen_hvm_altp2m_domain_state xen_hvm_altp2m_domain_state_t;
DEFINE_XEN_GUEST_HANDLE(xen_hvm_altp2m_domain_state_t);

struct xen_hvm_altp2m_vcpu_enable_notify {
    uint32_t vcpu_id;
    uint32_t pad;
    uint64_t gfn; /* #VE information page */
};
typedef struct xen_hvm_altp2m_vcpu_enable_notify xen_hvm_altp2m_vcpu_enable_notify_t;
DEFINE_XEN_GUEST_HANDLE(xen_hvm_altp2m_vcpu_enable_notify_t);

struct xen_hvm_altp2m_vcpu_disable_notify {
    uint32_t vcpu_id;
};
typedef struct xen_hvm_altp2m_vcpu_disable_notify xen_hvm_altp2m_vcpu_disable_notify_t;
DEFINE_XEN_GUEST_HANDLE(xen_hvm_altp2m_vcpu_disable_notify_t);

struct xen_hvm_altp2m_view {
    uint16_t view;                  /* IN/OUT */
    uint16_t hvmmem_default_access; /* xenmem_access_t */
};
typedef struct xen_hvm_altp2m_view xen_hvm_altp2m_view_t;
DEFINE_XEN_GUEST_HANDLE(xen_hvm_altp2m_view_t);

#if __XEN_INTERFACE_VERSION__ < 0x00040a00
struct xen_hvm_altp2m_set_mem_access {
    uint16_t view;
    uint16_t access; /* xenmem_access_t */
    uint32_t pad;
    uint64_t gfn;
};
typedef struct xen_hvm_altp2m_set_mem_access xen_hvm_altp2m_set_mem_access_t;
DEFINE_XEN_GUEST_HANDLE(xen_hvm_altp2m_set_mem_access_t);
#endif

struct xen_hvm_altp2m_mem_access {
    uint16_t view;
    uint16_t access; /* xenmem_access_t */
    uint32_t pad;
    uint64_t gfn;
};
typedef struct xen_hvm_altp2m_mem_access xen_hvm_altp2m_mem_access_t;
DEFINE_XEN_GUEST_HANDLE(xen_hvm_altp2m_mem_access_t);

struct xen_hvm_altp2m_set_mem_access_multi {
    uint16_t view;
    uint16_t pad;
    uint32_t nr;     /* entries in both lists */
    uint64_t opaque; /* continuation state, 0 at start */
    XEN_GUEST_HANDLE(const_uint64) pfn_list;
    XEN_GUEST_HANDLE(const_uint8) access_list;
};

struct xen_hvm_altp2m_change_gfn {
    uint16_t view;
    uint16_t pad1;
    uint32_t pad2;
    uint64_t old_gfn;
    uint64_t new_gfn; /* ~0 removes the remapping */
};
typedef struct xen_hvm_altp2m_change_gfn xen_hvm_altp2m_change_gfn_t;
DEFINE_XEN_GUEST_HANDLE(xen_hvm_altp2m_change_gfn_t);

struct xen_hvm_altp2m_get_vcpu_p2m_idx {
    uint32_t vcpu_id;
    uint16_t altp2m_idx; /* OUT */
};

struct xen_hvm_altp2m_set_visibility {
    uint16_t altp2m_idx;
    uint8_t visible;
    uint8_t pad;
};

struct xen_hvm_altp2m_op {
    uint32_t version; /* HVMOP_ALTP2M_INTERFACE_VERSION */
    uint32_t cmd;     /* HVMOP_altp2m_* */
#define HVMOP_altp2m_get_domain_state 1
#define HVMOP_altp2m_set_domain_state 2
#define HVMOP_altp2m_vcpu_enable_notify 3
#define HVMOP_altp2m_create_p2m 4
#define HVMOP_altp2m_destroy_p2m 5
#define HVMOP_altp2m_switch_p2m 6
#define HVMOP_altp2m_set_mem_access 7
#define HVMOP_altp2m_change_gfn 8
#define HVMOP_altp2m_set_mem_access_multi 9
#define HVMOP_altp2m_set_suppress_ve 10
#define HVMOP_altp2m_get_suppress_ve 11
#define HVMOP_altp2m_get_mem_access 12
#define HVMOP_altp2m_vcpu_disable_notify 13
#define HVMOP_altp2m_get_p2m_idx 14
#define HVMOP_altp2m_set_suppress_ve_multi 15
#define HVMOP_altp2m_set_visibility 16
    domid_t domain;
    uint16_t pad1;
    uint32_t pad2;
    union {
        struct xen_hvm_altp2m_domain_state domain_state;
        struct xen_hvm_altp2m_vcpu_enable_notify enable_notify;
        struct xen_hvm_altp2m_view view;
#if __XEN_INTERFACE_VERSION__ < 0x00040a00
        struct xen_hvm_altp2m_set_mem_access set_mem_access;
#endif
        struct xen_hvm_altp2m_mem_access mem_access;
        struct xen_hvm_altp2m_change_gfn change_gfn;
        struct xen_hvm_altp2m_set_mem_access_multi set_mem_access_multi;
        struct xen_hvm_altp2m_suppress_ve suppress_ve;
        struct xen_hvm_altp2m_suppress_ve_multi suppress_ve_multi;
        struct xen_hvm_altp2m_vcpu_disable_notify disable_notify;
        struct xen_hvm_altp2m_get_vcpu_p2m_idx get_vcpu_p2m_idx;
        struct xen_hvm_altp2m_set_visibility set_visibility;
        uint8_t pad[64];
    } u;
};
typedef struct xen_hvm_altp2m_op xen_hvm_altp2m_op_t;
DEFINE_XEN_GUEST_HANDLE(xen_hvm_altp2m_op_t);
#endif /* !__ASSEMBLY__ */

#endif /* PVISOR_XEN_HVM_HVM_OP_H */
