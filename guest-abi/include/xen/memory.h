/* memory.h: Xen 4.17 memory_op (XENMEM_*): reservations, physmap changes, memory map. */
#ifndef PVISOR_XEN_MEMORY_H
#define PVISOR_XEN_MEMORY_H

#include "xen.h"
#include "physdev.h"

/*
 * Reservation changes; arg: xen_memory_reservation.  The return value is the number of
 * extents processed (fewer than nr_extents on partial success).
 */
#define XENMEM_increase_reservation 0
#define XENMEM_decrease_reservation 1
#define XENMEM_populate_physmap 6

#if __XEN_INTERFACE_VERSION__ >= 0x00030209
/* xen_memory_reservation.mem_flags */
#define XENMEMF_address_bits(x) (x) /* bits 0-7: max address width, 0 = any */
#define XENMEMF_get_address_bits(x) ((x)&0xffu)
#define XENMEMF_node(x) (((x) + 1) << 8) /* bits 8-15: NUMA node + 1 */
#define XENMEMF_get_node(x) ((((x) >> 8) - 1) & 0xffu)
#define XENMEMF_populate_on_demand (1 << 16)
#define XENMEMF_exact_node_request (1 << 17)
#define XENMEMF_exact_node(n) (XENMEMF_node(n) | XENMEMF_exact_node_request)
#define XENMEMF_vnode (1 << 18) /* node is a virtual node */
#endif

#ifndef __ASSEMBLY__
struct xen_memory_reservation {
    /*
     * increase: OUT frames allocated; decrease: IN frames to release;
     * populate: IN PFNs to fill, OUT the frames (for non-translated guests).
     */
    XEN_GUEST_HANDLE(xen_pfn_t) extent_start;
    xen_ulong_t nr_extents;    /* number of extents */
    unsigned int extent_order; /* each extent is 2^order pages */
#if __XEN_INTERFACE_VERSION__ >= 0x00030209
    unsigned int mem_flags; /* XENMEMF_* */
#else
    unsigned int address_bits;
#endif
    domid_t domid; /* DOMID_SELF or, privileged, another domain */
};
typedef struct xen_memory_reservation xen_memory_reservation_t;
DEFINE_XEN_GUEST_HANDLE(xen_memory_reservation_t);
#endif

/* Swap the frames listed in in for newly allocated ones described by out. */
#define XENMEM_exchange 11
#ifndef __ASSEMBLY__
struct xen_memory_exchange {
    struct xen_memory_reservation in;
    struct xen_memory_reservation out;
    xen_ulong_t nr_exchanged; /* OUT: input extents done (also on error) */
};
typedef struct xen_memory_exchange xen_memory_exchange_t;
DEFINE_XEN_GUEST_HANDLE(xen_memory_exchange_t);
#endif

/* arg NULL: returns the highest machine frame number. */
#define XENMEM_maximum_ram_page 2

#ifndef __ASSEMBLY__
/* Argument of the per-domain queries below (or a plain domid_t pointer). */
struct xen_memory_domain {
    domid_t domid;
};
#endif

/* arg: domid_t *; return a page count or frame number. */
#define XENMEM_current_reservation 3
#define XENMEM_maximum_reservation 4
#define XENMEM_maximum_gpfn 14

/* Frames making up the M2P table. */
#define XENMEM_machphys_mfn_list 5
#ifndef __ASSEMBLY__
struct xen_machphys_mfn_list {
    unsigned int max_extents; /* IN: size of extent_start */
    XEN_GUEST_HANDLE(xen_pfn_t) extent_start;
    unsigned int nr_extents; /* OUT: entries written */
};
typedef struct xen_machphys_mfn_list xen_machphys_mfn_list_t;
DEFINE_XEN_GUEST_HANDLE(xen_machphys_mfn_list_t);
#endif

/* Same, for the 32-bit compatibility M2P. */
#define XENMEM_machphys_compat_mfn_list 25

/* Where the read-only M2P is mapped in the caller's address space. */
#define XENMEM_machphys_mapping 12
#ifndef __ASSEMBLY__
struct xen_machphys_mapping {
    xen_ulong_t v_start, v_end; /* virtual range */
    xen_ulong_t max_mfn;        /* highest MFN covered */
};
typedef struct xen_machphys_mapping xen_machphys_mapping_t;
DEFINE_XEN_GUEST_HANDLE(xen_machphys_mapping_t);
#endif

/* Spaces a page can come from in add_to_physmap. */
#define XENMAPSPACE_shared_info 0  /* the shared_info page; idx 0 */
#define XENMAPSPACE_grant_table 1  /* grant frame idx (| XENMAPIDX_grant_table_status) */
#define XENMAPSPACE_gmfn 2         /* move the page at gfn idx */
#define XENMAPSPACE_gmfn_range 3   /* move size pages from idx (add_to_physmap only) */
#define XENMAPSPACE_gmfn_foreign 4 /* another domain's gfn (add_to_physmap_batch only) */
#define XENMAPSPACE_dev_mmio 5     /* device MMIO (ARM only) */

/* Make a page appear at gpfn in a translated (PVH) guest's physical address space. */
#define XENMEM_add_to_physmap 7
#ifndef __ASSEMBLY__
struct xen_add_to_physmap {
    domid_t domid;
    uint16_t size;      /* pages, for XENMAPSPACE_gmfn_range */
    unsigned int space; /* XENMAPSPACE_* */
#define XENMAPIDX_grant_table_status 0x80000000
    xen_ulong_t idx;  /* index within space */
    xen_pfn_t gpfn;   /* where it should appear */
};
typedef struct xen_add_to_physmap xen_add_to_physmap_t;
DEFINE_XEN_GUEST_HANDLE(xen_add_to_physmap_t);
#endif

/* Batched add_to_physmap with per-entry errors. */
#define XENMEM_add_to_physmap_batch 23
#ifndef __ASSEMBLY__
struct xen_add_to_physmap_batch {
    domid_t domid;
    uint16_t space; /* XENMAPSPACE_* */
    uint16_t size;  /* number of entries */
#if __XEN_INTERFACE_VERSION__ < 0x00040700
    domid_t foreign_domid;
#else
    union xen_add_to_physmap_batch_extra {
        domid_t foreign_domid; /* XENMAPSPACE_gmfn_foreign */
        uint16_t res0;         /* zero for other spaces */
    } u;
#endif
    XEN_GUEST_HANDLE(xen_ulong_t) idxs;
    XEN_GUEST_HANDLE(xen_pfn_t) gpfns;
    XEN_GUEST_HANDLE(int) errs; /* OUT */
};
typedef struct xen_add_to_physmap_batch xen_add_to_physmap_batch_t;
DEFINE_XEN_GUEST_HANDLE(xen_add_to_physmap_batch_t);

#if __XEN_INTERFACE_VERSION__ < 0x00040400
#define XENMEM_add_to_physmap_range XENMEM_add_to_physmap_batch
#define xen_add_to_physmap_range xen_add_to_physmap_batch
typedef struct xen_add_to_physmap_batch xen_add_to_physmap_range_t;
DEFINE_XEN_GUEST_HANDLE(xen_add_to_physmap_range_t);
#endif
#endif /* !__ASSEMBLY__ */

/* Remove whatever page is mapped at gpfn (translated guests). */
#define XENMEM_remove_from_physmap 15
#ifndef __ASSEMBLY__
struct xen_remove_from_physmap {
    domid_t domid;
    xen_pfn_t gpfn;
};
typedef struct xen_remove_from_physmap xen_remove_from_physmap_t;
DEFINE_XEN_GUEST_HANDLE(xen_remove_from_physmap_t);
#endif

/* The caller's E820-style memory map (entries: struct e820entry, 20 bytes each). */
#define XENMEM_memory_map 9
#ifndef __ASSEMBLY__
struct xen_memory_map {
    unsigned int nr_entries; /* IN: buffer capacity; OUT: entries written */
    XEN_GUEST_HANDLE(void) buffer;
};
typedef struct xen_memory_map xen_memory_map_t;
DEFINE_XEN_GUEST_HANDLE(xen_memory_map_t);
#endif

/* The host's memory map (privileged). */
#define XENMEM_machine_memory_map 10

/* Set another domain's memory map (privileged). */
#define XENMEM_set_memory_map 13
#ifndef __ASSEMBLY__
struct xen_foreign_memory_map {
    domid_t domid;
    struct xen_memory_map map;
};
typedef struct xen_foreign_memory_map xen_foreign_memory_map_t;
DEFINE_XEN_GUEST_HANDLE(xen_foreign_memory_map_t);
#endif

/* Populate-on-demand target (privileged). */
#define XENMEM_set_pod_target 16
#define XENMEM_get_pod_target 17
#ifndef __ASSEMBLY__
struct xen_pod_target {
    uint64_t target_pages; /* IN */
    uint64_t tot_pages;    /* OUT */
    uint64_t pod_cache_pages;
    uint64_t pod_entries;
    domid_t domid;
};
typedef struct xen_pod_target xen_pod_target_t;
#endif

#if defined(__XEN__) || defined(__XEN_TOOLS__)
/* Toolstack-only commands; their argument structs are not provided by pvisor. */
#define XENMEM_get_sharing_freed_pages 18
#define XENMEM_get_sharing_shared_pages 19
#define XENMEM_paging_op 20
#define XENMEM_access_op 21
#define XENMEM_sharing_op 22
#define XENMEM_claim_pages 24
#define XENMEM_reserved_device_memory_map 27
#endif

/* Map a resource of another domain (e.g. its grant table) into the caller. */
#define XENMEM_acquire_resource 28
#ifndef __ASSEMBLY__
struct xen_mem_acquire_resource {
    domid_t domid;
    uint16_t type; /* XENMEM_resource_* */
#define XENMEM_resource_ioreq_server 0
#define XENMEM_resource_grant_table 1
#define XENMEM_resource_vmtrace_buf 2
    uint32_t id;
#define XENMEM_resource_grant_table_id_shared 0
#define XENMEM_resource_grant_table_id_status 1
    uint32_t nr_frames; /* IN: size of frame_list; OUT: frames mapped */
    uint32_t pad;
    uint64_t frame; /* first frame index within the resource */
#define XENMEM_resource_ioreq_server_frame_bufioreq 0
#define XENMEM_resource_ioreq_server_frame_ioreq(n) (1 + (n))
    XEN_GUEST_HANDLE(xen_pfn_t) frame_list;
};
typedef struct xen_mem_acquire_resource xen_mem_acquire_resource_t;
DEFINE_XEN_GUEST_HANDLE(xen_mem_acquire_resource_t);
#endif

/* Virtual NUMA layout of a domain. */
#define XENMEM_get_vnumainfo 26
#ifndef __ASSEMBLY__
struct xen_vmemrange {
    uint64_t start, end;
    unsigned int flags;
    unsigned int nid;
};
typedef struct xen_vmemrange xen_vmemrange_t;
DEFINE_XEN_GUEST_HANDLE(xen_vmemrange_t);

struct xen_vnuma_topology_info {
    domid_t domid;
    uint16_t pad;
    unsigned int nr_vnodes;     /* IN/OUT */
    unsigned int nr_vcpus;      /* IN/OUT */
    unsigned int nr_vmemranges; /* IN/OUT */
    union {
        XEN_GUEST_HANDLE(uint) h;
        uint64_t pad;
    } vdistance;
    union {
        XEN_GUEST_HANDLE(uint) h;
        uint64_t pad;
    } vcpu_to_vnode;
    union {
        XEN_GUEST_HANDLE(xen_vmemrange_t) h;
        uint64_t pad;
    } vmemrange;
};
typedef struct xen_vnuma_topology_info xen_vnuma_topology_info_t;
DEFINE_XEN_GUEST_HANDLE(xen_vnuma_topology_info_t);
#endif

#endif /* PVISOR_XEN_MEMORY_H */
