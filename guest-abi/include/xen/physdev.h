/* physdev.h: Xen 4.17 physdev_op (PHYSDEVOP_*) numbers and arguments (pvisor implements few). */
#ifndef PVISOR_XEN_PHYSDEV_H
#define PVISOR_XEN_PHYSDEV_H

#include "xen.h"

/* HYPERVISOR_physdev_op(cmd, arg) commands (numbers as in Xen; most are -ENOSYS here). */
#define PHYSDEVOP_IRQ_UNMASK_NOTIFY 4 /* arg unused */
#define PHYSDEVOP_irq_status_query 5  /* physdev_irq_status_query */
#define PHYSDEVOP_set_iopl 6          /* physdev_set_iopl */
#define PHYSDEVOP_set_iobitmap 7      /* physdev_set_iobitmap */
#define PHYSDEVOP_apic_read 8         /* physdev_apic */
#define PHYSDEVOP_apic_write 9        /* physdev_apic */
#define PHYSDEVOP_alloc_irq_vector 10 /* physdev_irq */
#define PHYSDEVOP_free_irq_vector 11  /* physdev_irq */
#define PHYSDEVOP_eoi 12              /* physdev_eoi */
#define PHYSDEVOP_map_pirq 13         /* physdev_map_pirq */
#define PHYSDEVOP_unmap_pirq 14       /* physdev_unmap_pirq */
#define PHYSDEVOP_manage_pci_add 15   /* physdev_manage_pci */
#define PHYSDEVOP_manage_pci_remove 16
#define PHYSDEVOP_pirq_eoi_gmfn_v1 17 /* physdev_pirq_eoi_gmfn */
#define PHYSDEVOP_restore_msi 19      /* physdev_restore_msi */
#define PHYSDEVOP_manage_pci_add_ext 20
#define PHYSDEVOP_setup_gsi 21        /* physdev_setup_gsi */
#define PHYSDEVOP_get_free_pirq 23    /* physdev_get_free_pirq */
#define PHYSDEVOP_pci_mmcfg_reserved 24
#define PHYSDEVOP_pci_device_add 25
#define PHYSDEVOP_pci_device_remove 26 /* physdev_pci_device */
#define PHYSDEVOP_restore_msi_ext 27   /* physdev_pci_device */
#define PHYSDEVOP_pirq_eoi_gmfn_v2 28  /* physdev_pirq_eoi_gmfn */
#define PHYSDEVOP_dbgp_op 29
#define PHYSDEVOP_prepare_msix 30 /* physdev_pci_device */
#define PHYSDEVOP_release_msix 31 /* physdev_pci_device */

#if __XEN_INTERFACE_VERSION__ < 0x00040200
#define PHYSDEVOP_pirq_eoi_gmfn PHYSDEVOP_pirq_eoi_gmfn_v1
#else
#define PHYSDEVOP_pirq_eoi_gmfn PHYSDEVOP_pirq_eoi_gmfn_v2
#endif

/* physdev_irq_status_query.flags */
#define _XENIRQSTAT_needs_eoi (0)
#define XENIRQSTAT_needs_eoi (1U << _XENIRQSTAT_needs_eoi)
#define _XENIRQSTAT_shared (1)
#define XENIRQSTAT_shared (1U << _XENIRQSTAT_shared)

/* physdev_map_pirq.type */
#define MAP_PIRQ_TYPE_MSI 0x0
#define MAP_PIRQ_TYPE_GSI 0x1
#define MAP_PIRQ_TYPE_UNKNOWN 0x2
#define MAP_PIRQ_TYPE_MSI_SEG 0x3
#define MAP_PIRQ_TYPE_MULTI_MSI 0x4

#define XEN_PCI_MMCFG_RESERVED 0x1
#define XEN_PCI_DEV_EXTFN 0x1
#define XEN_PCI_DEV_VIRTFN 0x2
#define XEN_PCI_DEV_PXM 0x4

#define PHYSDEVOP_DBGP_RESET_PREPARE 1
#define PHYSDEVOP_DBGP_RESET_DONE 2
#define PHYSDEVOP_DBGP_BUS_UNKNOWN 0
#define PHYSDEVOP_DBGP_BUS_PCI 1

#ifndef __ASSEMBLY__
struct physdev_eoi {
    uint32_t irq;
};
typedef struct physdev_eoi physdev_eoi_t;
DEFINE_XEN_GUEST_HANDLE(physdev_eoi_t);

/* Register a page of PIRQ "needs EOI" bits. */
struct physdev_pirq_eoi_gmfn {
    xen_pfn_t gmfn;
};
typedef struct physdev_pirq_eoi_gmfn physdev_pirq_eoi_gmfn_t;
DEFINE_XEN_GUEST_HANDLE(physdev_pirq_eoi_gmfn_t);

struct physdev_irq_status_query {
    uint32_t irq;   /* IN */
    uint32_t flags; /* OUT: XENIRQSTAT_* */
};
typedef struct physdev_irq_status_query physdev_irq_status_query_t;
DEFINE_XEN_GUEST_HANDLE(physdev_irq_status_query_t);

/* I/O privilege level of the calling vCPU (0-3). */
struct physdev_set_iopl {
    uint32_t iopl;
};
typedef struct physdev_set_iopl physdev_set_iopl_t;
DEFINE_XEN_GUEST_HANDLE(physdev_set_iopl_t);

struct physdev_set_iobitmap {
#if __XEN_INTERFACE_VERSION__ >= 0x00030205
    XEN_GUEST_HANDLE(uint8) bitmap;
#else
    uint8_t *bitmap;
#endif
    uint32_t nr_ports;
};
typedef struct physdev_set_iobitmap physdev_set_iobitmap_t;
DEFINE_XEN_GUEST_HANDLE(physdev_set_iobitmap_t);

struct physdev_apic {
    unsigned long apic_physbase; /* IN */
    uint32_t reg;                /* IN */
    uint32_t value;              /* IN or OUT */
};
typedef struct physdev_apic physdev_apic_t;
DEFINE_XEN_GUEST_HANDLE(physdev_apic_t);

struct physdev_irq {
    uint32_t irq;    /* IN */
    uint32_t vector; /* IN or OUT */
};
typedef struct physdev_irq physdev_irq_t;
DEFINE_XEN_GUEST_HANDLE(physdev_irq_t);

struct physdev_map_pirq {
    domid_t domid;
    int type;     /* MAP_PIRQ_TYPE_* */
    int index;
    int pirq;     /* IN or OUT */
    int bus;      /* MSI: PCI bus (or segment << 16 | bus for MSI_SEG) */
    int devfn;
    int entry_nr; /* MSI-X entry, or vector count for MULTI_MSI */
    uint64_t table_base;
};
typedef struct physdev_map_pirq physdev_map_pirq_t;
DEFINE_XEN_GUEST_HANDLE(physdev_map_pirq_t);

struct physdev_unmap_pirq {
    domid_t domid;
    int pirq;
};
typedef struct physdev_unmap_pirq physdev_unmap_pirq_t;
DEFINE_XEN_GUEST_HANDLE(physdev_unmap_pirq_t);

struct physdev_manage_pci {
    uint8_t bus;
    uint8_t devfn;
};
typedef struct physdev_manage_pci physdev_manage_pci_t;
DEFINE_XEN_GUEST_HANDLE(physdev_manage_pci_t);

struct physdev_restore_msi {
    uint8_t bus;
    uint8_t devfn;
};
typedef struct physdev_restore_msi physdev_restore_msi_t;
DEFINE_XEN_GUEST_HANDLE(physdev_restore_msi_t);

struct physdev_manage_pci_ext {
    uint8_t bus;
    uint8_t devfn;
    uint32_t is_extfn;
    uint32_t is_virtfn;
    struct {
        uint8_t bus;
        uint8_t devfn;
    } physfn; /* valid when is_virtfn */
};
typedef struct physdev_manage_pci_ext physdev_manage_pci_ext_t;
DEFINE_XEN_GUEST_HANDLE(physdev_manage_pci_ext_t);

/* Argument of the old physdev_op_compat hypercall (19). */
struct physdev_op {
    uint32_t cmd;
    union {
        physdev_irq_status_query_t irq_status_query;
        physdev_set_iopl_t set_iopl;
        physdev_set_iobitmap_t set_iobitmap;
        physdev_apic_t apic_op;
        physdev_irq_t irq_op;
    } u;
};
typedef struct physdev_op physdev_op_t;
DEFINE_XEN_GUEST_HANDLE(physdev_op_t);

struct physdev_setup_gsi {
    int gsi;
    uint8_t triggering; /* 0 = edge, 1 = level */
    uint8_t polarity;   /* 0 = active high, 1 = active low */
};
typedef struct physdev_setup_gsi physdev_setup_gsi_t;
DEFINE_XEN_GUEST_HANDLE(physdev_setup_gsi_t);

struct physdev_get_free_pirq {
    int type;      /* IN: MAP_PIRQ_TYPE_* */
    uint32_t pirq; /* OUT */
};
typedef struct physdev_get_free_pirq physdev_get_free_pirq_t;
DEFINE_XEN_GUEST_HANDLE(physdev_get_free_pirq_t);

struct physdev_pci_mmcfg_reserved {
    uint64_t address;
    uint16_t segment;
    uint8_t start_bus;
    uint8_t end_bus;
    uint32_t flags; /* XEN_PCI_MMCFG_RESERVED */
};
typedef struct physdev_pci_mmcfg_reserved physdev_pci_mmcfg_reserved_t;
DEFINE_XEN_GUEST_HANDLE(physdev_pci_mmcfg_reserved_t);

struct physdev_pci_device_add {
    uint16_t seg;
    uint8_t bus;
    uint8_t devfn;
    uint32_t flags; /* XEN_PCI_DEV_* */
    struct {
        uint8_t bus;
        uint8_t devfn;
    } physfn;
    uint32_t optarr[XEN_FLEX_ARRAY_DIM]; /* optional data selected by flags (PXM) */
};
typedef struct physdev_pci_device_add physdev_pci_device_add_t;
DEFINE_XEN_GUEST_HANDLE(physdev_pci_device_add_t);

struct physdev_pci_device {
    uint16_t seg;
    uint8_t bus;
    uint8_t devfn;
};
typedef struct physdev_pci_device physdev_pci_device_t;
DEFINE_XEN_GUEST_HANDLE(physdev_pci_device_t);

struct physdev_dbgp_op {
    uint8_t op;  /* PHYSDEVOP_DBGP_RESET_* */
    uint8_t bus; /* PHYSDEVOP_DBGP_BUS_* */
    union {
        physdev_pci_device_t pci;
    } u;
};
typedef struct physdev_dbgp_op physdev_dbgp_op_t;
DEFINE_XEN_GUEST_HANDLE(physdev_dbgp_op_t);
#endif /* !__ASSEMBLY__ */

#if __XEN_INTERFACE_VERSION__ < 0x00040600
/* Old spellings. */
#define PHYSDEVOP_IRQ_STATUS_QUERY PHYSDEVOP_irq_status_query
#define PHYSDEVOP_SET_IOPL PHYSDEVOP_set_iopl
#define PHYSDEVOP_SET_IOBITMAP PHYSDEVOP_set_iobitmap
#define PHYSDEVOP_APIC_READ PHYSDEVOP_apic_read
#define PHYSDEVOP_APIC_WRITE PHYSDEVOP_apic_write
#define PHYSDEVOP_ASSIGN_VECTOR PHYSDEVOP_alloc_irq_vector
#define PHYSDEVOP_FREE_VECTOR PHYSDEVOP_free_irq_vector
#define PHYSDEVOP_IRQ_NEEDS_UNMASK_NOTIFY XENIRQSTAT_needs_eoi
#define PHYSDEVOP_IRQ_SHARED XENIRQSTAT_shared
#endif

#endif /* PVISOR_XEN_PHYSDEV_H */
