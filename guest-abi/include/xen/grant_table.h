/* grant_table.h: Xen 4.17 grant tables: v1/v2 entries, GTF_* flags, GNTTABOP_* ops, GNTST_* codes. */
#ifndef PVISOR_XEN_GRANT_TABLE_H
#define PVISOR_XEN_GRANT_TABLE_H

#include "xen.h"

/*
 * A domain shares a page by filling an entry of its grant table (frames obtained with
 * GNTTABOP_setup_table or XENMAPSPACE_grant_table) and passing the entry's index (a
 * grant reference) to the peer, which maps or copies it with GNTTABOP_* operations.
 * Granting side: write frame and domid first, then (after a write barrier) flags.
 */

#ifndef __ASSEMBLY__
typedef uint32_t grant_ref_t;

#if __XEN_INTERFACE_VERSION__ < 0x0003020a
#define grant_entry_v1 grant_entry
#define grant_entry_v1_t grant_entry_t
#endif

/* Version 1 entry: 8 bytes. */
struct grant_entry_v1 {
    uint16_t flags;  /* GTF_* */
    domid_t domid;   /* domain allowed to use the grant */
    uint32_t frame;  /* the granted frame (or, for transfers, the received one) */
};
typedef struct grant_entry_v1 grant_entry_v1_t;
#endif

/* References reserved for the toolstack. */
#define GNTTAB_NR_RESERVED_ENTRIES 8
#define GNTTAB_RESERVED_CONSOLE 0
#define GNTTAB_RESERVED_XENSTORE 1

/* flags, bits 0-1: entry type. */
#define GTF_invalid (0U << 0)         /* unused */
#define GTF_permit_access (1U << 0)   /* domid may map or copy frame */
#define GTF_accept_transfer (2U << 0) /* domid may transfer a page into frame */
#define GTF_transitive (3U << 0)      /* v2: re-grant of another domain's grant */
#define GTF_type_mask (3U << 0)

/* flags for GTF_permit_access. */
#define _GTF_readonly (2) /* peer may only read */
#define GTF_readonly (1U << _GTF_readonly)
#define _GTF_reading (3) /* set by the hypervisor while mapped/copied for reading */
#define GTF_reading (1U << _GTF_reading)
#define _GTF_writing (4) /* set by the hypervisor while mapped/copied for writing */
#define GTF_writing (1U << _GTF_writing)
#define _GTF_PWT (5) /* cache attributes for the peer's mapping */
#define GTF_PWT (1U << _GTF_PWT)
#define _GTF_PCD (6)
#define GTF_PCD (1U << _GTF_PCD)
#define _GTF_PAT (7)
#define GTF_PAT (1U << _GTF_PAT)
#define _GTF_sub_page (8) /* v2: only page_off/length are granted */
#define GTF_sub_page (1U << _GTF_sub_page)

/* flags for GTF_accept_transfer. */
#define _GTF_transfer_committed (2) /* a transfer is under way */
#define GTF_transfer_committed (1U << _GTF_transfer_committed)
#define _GTF_transfer_completed (3) /* frame holds the received page */
#define GTF_transfer_completed (1U << _GTF_transfer_completed)

#if __XEN_INTERFACE_VERSION__ >= 0x0003020a && !defined(__ASSEMBLY__)
/* Version 2: common header; status flags live in a separate grant_status_t array. */
struct grant_entry_header {
    uint16_t flags;
    domid_t domid;
};
typedef struct grant_entry_header grant_entry_header_t;

/* Version 2 entry: 16 bytes. */
union grant_entry_v2 {
    grant_entry_header_t hdr;
    struct {
        grant_entry_header_t hdr;
        uint32_t pad0;
        uint64_t frame;
    } full_page;
    struct {
        grant_entry_header_t hdr;
        uint16_t page_off;
        uint16_t length;
        uint64_t frame;
    } sub_page; /* GTF_sub_page */
    struct {
        grant_entry_header_t hdr;
        domid_t trans_domid;
        uint16_t pad0;
        grant_ref_t gref;
    } transitive; /* GTF_transitive */
    uint32_t __spacer[4];
};
typedef union grant_entry_v2 grant_entry_v2_t;

typedef uint16_t grant_status_t;
#endif

/* HYPERVISOR_grant_table_op(cmd, args, count) commands. */
#define GNTTABOP_map_grant_ref 0
#define GNTTABOP_unmap_grant_ref 1
#define GNTTABOP_setup_table 2
#define GNTTABOP_dump_table 3
#define GNTTABOP_transfer 4
#define GNTTABOP_copy 5
#define GNTTABOP_query_size 6
#define GNTTABOP_unmap_and_replace 7
#if __XEN_INTERFACE_VERSION__ >= 0x0003020a
#define GNTTABOP_set_version 8
#define GNTTABOP_get_status_frames 9
#define GNTTABOP_get_version 10
#define GNTTABOP_swap_grant_ref 11
#define GNTTABOP_cache_flush 12
#endif

#ifndef __ASSEMBLY__
typedef uint32_t grant_handle_t;

/* Map ref of dom at host_addr (or for device access); OUT: status, handle, bus addr. */
struct gnttab_map_grant_ref {
    uint64_t host_addr; /* VA, or PTE machine address with GNTMAP_contains_pte */
    uint32_t flags;     /* GNTMAP_* */
    grant_ref_t ref;
    domid_t dom;
    int16_t status;        /* OUT: GNTST_* */
    grant_handle_t handle; /* OUT: for unmap */
    uint64_t dev_bus_addr; /* OUT */
};
typedef struct gnttab_map_grant_ref gnttab_map_grant_ref_t;
DEFINE_XEN_GUEST_HANDLE(gnttab_map_grant_ref_t);

/* Undo a map; host_addr / dev_bus_addr as given or returned by the map. */
struct gnttab_unmap_grant_ref {
    uint64_t host_addr;
    uint64_t dev_bus_addr;
    grant_handle_t handle;
    int16_t status; /* OUT: GNTST_* */
};
typedef struct gnttab_unmap_grant_ref gnttab_unmap_grant_ref_t;
DEFINE_XEN_GUEST_HANDLE(gnttab_unmap_grant_ref_t);

/* Grow dom's table to nr_frames and return the frames (for PV guests to map). */
struct gnttab_setup_table {
    domid_t dom;
    uint32_t nr_frames;
    int16_t status; /* OUT: GNTST_* */
#if __XEN_INTERFACE_VERSION__ < 0x00040300
    XEN_GUEST_HANDLE(ulong) frame_list;
#else
    XEN_GUEST_HANDLE(xen_pfn_t) frame_list; /* OUT */
#endif
};
typedef struct gnttab_setup_table gnttab_setup_table_t;
DEFINE_XEN_GUEST_HANDLE(gnttab_setup_table_t);

/* Log dom's table to the hypervisor console. */
struct gnttab_dump_table {
    domid_t dom;
    int16_t status;
};
typedef struct gnttab_dump_table gnttab_dump_table_t;
DEFINE_XEN_GUEST_HANDLE(gnttab_dump_table_t);

/* Give away page mfn to domid, into its accept-transfer grant ref. */
struct gnttab_transfer {
    xen_pfn_t mfn;
    domid_t domid;
    grant_ref_t ref;
    int16_t status;
};
typedef struct gnttab_transfer gnttab_transfer_t;
DEFINE_XEN_GUEST_HANDLE(gnttab_transfer_t);

/* gnttab_copy.flags: the side names a grant ref instead of a local gmfn. */
#define _GNTCOPY_source_gref (0)
#define GNTCOPY_source_gref (1 << _GNTCOPY_source_gref)
#define _GNTCOPY_dest_gref (1)
#define GNTCOPY_dest_gref (1 << _GNTCOPY_dest_gref)

/* Copy len bytes; neither side may cross a page boundary. */
struct gnttab_copy {
    struct gnttab_copy_ptr {
        union {
            grant_ref_t ref;
            xen_pfn_t gmfn;
        } u;
        domid_t domid;
        uint16_t offset;
    } source, dest;
    uint16_t len;
    uint16_t flags; /* GNTCOPY_* */
    int16_t status; /* OUT: GNTST_* */
};
typedef struct gnttab_copy gnttab_copy_t;
DEFINE_XEN_GUEST_HANDLE(gnttab_copy_t);

/* Current and maximum table size of dom, in frames. */
struct gnttab_query_size {
    domid_t dom;
    uint32_t nr_frames;     /* OUT */
    uint32_t max_nr_frames; /* OUT */
    int16_t status;         /* OUT */
};
typedef struct gnttab_query_size gnttab_query_size_t;
DEFINE_XEN_GUEST_HANDLE(gnttab_query_size_t);

/* Unmap handle at host_addr and move the mapping at new_addr there. */
struct gnttab_unmap_and_replace {
    uint64_t host_addr;
    uint64_t new_addr;
    grant_handle_t handle;
    int16_t status;
};
typedef struct gnttab_unmap_and_replace gnttab_unmap_and_replace_t;
DEFINE_XEN_GUEST_HANDLE(gnttab_unmap_and_replace_t);

#if __XEN_INTERFACE_VERSION__ >= 0x0003020a
/* Choose grant table version 1 or 2 (fails if the other is in use or not offered). */
struct gnttab_set_version {
    uint32_t version; /* IN, OUT: version in force */
};
typedef struct gnttab_set_version gnttab_set_version_t;
DEFINE_XEN_GUEST_HANDLE(gnttab_set_version_t);

/* v2: frames of the status array. */
struct gnttab_get_status_frames {
    uint32_t nr_frames;
    domid_t dom;
    int16_t status;
    XEN_GUEST_HANDLE(uint64_t) frame_list;
};
typedef struct gnttab_get_status_frames gnttab_get_status_frames_t;
DEFINE_XEN_GUEST_HANDLE(gnttab_get_status_frames_t);

struct gnttab_get_version {
    domid_t dom;
    uint16_t pad;
    uint32_t version; /* OUT */
};
typedef struct gnttab_get_version gnttab_get_version_t;
DEFINE_XEN_GUEST_HANDLE(gnttab_get_version_t);

/* Exchange two of the caller's own entries. */
struct gnttab_swap_grant_ref {
    grant_ref_t ref_a;
    grant_ref_t ref_b;
    int16_t status;
};
typedef struct gnttab_swap_grant_ref gnttab_swap_grant_ref_t;
DEFINE_XEN_GUEST_HANDLE(gnttab_swap_grant_ref_t);

/* Cache maintenance on (part of) a granted or local page (ARM). */
struct gnttab_cache_flush {
    union {
        uint64_t dev_bus_addr;
        grant_ref_t ref;
    } a;
    uint16_t offset;
    uint16_t length;
#define GNTTAB_CACHE_CLEAN (1u << 0)
#define GNTTAB_CACHE_INVAL (1u << 1)
#define GNTTAB_CACHE_SOURCE_GREF (1u << 31)
    uint32_t op;
};
typedef struct gnttab_cache_flush gnttab_cache_flush_t;
DEFINE_XEN_GUEST_HANDLE(gnttab_cache_flush_t);
#endif
#endif /* !__ASSEMBLY__ */

/* gnttab_map_grant_ref.flags */
#define _GNTMAP_device_map (0) /* give a bus address for device access */
#define GNTMAP_device_map (1 << _GNTMAP_device_map)
#define _GNTMAP_host_map (1) /* map into the caller's address space */
#define GNTMAP_host_map (1 << _GNTMAP_host_map)
#define _GNTMAP_readonly (2)
#define GNTMAP_readonly (1 << _GNTMAP_readonly)
#define _GNTMAP_application_map (3) /* user-accessible mapping */
#define GNTMAP_application_map (1 << _GNTMAP_application_map)
#define _GNTMAP_contains_pte (4) /* host_addr is the machine address of a PTE */
#define GNTMAP_contains_pte (1 << _GNTMAP_contains_pte)
/* Bits 16-31 go into the PTE's software-available bits (XENFEAT_gnttab_map_avail_bits). */
#define _GNTMAP_guest_avail0 (16)
#define GNTMAP_guest_avail_mask ((uint32_t)~0 << _GNTMAP_guest_avail0)

/* Per-operation status codes. */
#define GNTST_okay (0)
#define GNTST_general_error (-1)
#define GNTST_bad_domain (-2)
#define GNTST_bad_gntref (-3)
#define GNTST_bad_handle (-4)
#define GNTST_bad_virt_addr (-5)
#define GNTST_bad_dev_addr (-6)
#define GNTST_no_device_space (-7)
#define GNTST_permission_denied (-8)
#define GNTST_bad_page (-9)
#define GNTST_bad_copy_arg (-10)
#define GNTST_address_too_big (-11)
#define GNTST_eagain (-12)
#define GNTST_no_space (-13)

/* Initialiser for a string table indexed by -GNTST_*. */
#define GNTTABOP_error_msgs                                                               \
    {                                                                                    \
        "okay", "undefined error", "unrecognised domain id", "invalid grant reference",  \
            "invalid mapping handle", "invalid virtual address",                         \
            "invalid device address", "no spare translation slot in the I/O MMU",        \
            "permission denied", "bad page", "copy arguments cross page boundary",       \
            "page address size too large", "operation not done; try again",              \
            "out of space",                                                              \
    }

#endif /* PVISOR_XEN_GRANT_TABLE_H */
