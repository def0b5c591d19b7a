/* compat.h: x86_32 (compat) layouts of Xen 4.17 structures, for x86_64 host code reading 32-bit guests' memory. */
#ifndef PVISOR_XEN_COMPAT_H
#define PVISOR_XEN_COMPAT_H

/*
 * Naming rule: struct compat_<Xen struct name> (and compat_<name>_t) has exactly the
 * fields, field names, offsets, size and alignment that struct <Xen struct name> has in
 * a 32-bit (x86_32, i386 SysV) build, but is written with fixed-width types so that it
 * means the same in any build.  Differences from the native x86_64 layout come from:
 *   - unsigned long, xen_ulong_t, xen_pfn_t and guest handles are 32 bits (compat_ulong_t,
 *     compat_pfn_t, compat_ptr_t);
 *   - 64-bit integers are only 4-byte aligned inside structures (compat_uint64_t).
 * Structures whose two layouts are identical are listed too (e.g. gnttab_map_grant_ref)
 * so that code can use compat_* uniformly; tests/abi checks every one of them against
 * Xen's own headers compiled with -m32.  The 32-bit ring-protocol layouts of the block
 * device live in <xen/io/blkif.h> (blkif_x86_32_request ...).
 *
 * A compat guest handle (compat_ptr_t) is the guest's 32-bit address of the object.
 */

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef uint32_t compat_ulong_t; /* unsigned long / xen_ulong_t */
typedef int32_t compat_long_t;
typedef uint32_t compat_pfn_t;   /* xen_pfn_t */
typedef uint32_t compat_ptr_t;   /* XEN_GUEST_HANDLE(...) and plain pointers */
typedef uint64_t compat_uint64_t __attribute__((__aligned__(4)));
typedef int64_t compat_int64_t __attribute__((__aligned__(4)));

/* Number of vcpu_info slots and event words, as for native guests. */
#define COMPAT_LEGACY_MAX_VCPUS 32
#define COMPAT_BITS_PER_EVTCHN_WORD 32

/* ---- xen.h / arch-x86 ---------------------------------------------------------------- */

struct compat_mmu_update {
    compat_uint64_t ptr;
    compat_uint64_t val;
}; /* 16 bytes */

struct compat_mmuext_op {
    uint32_t cmd;
    union {
        compat_pfn_t mfn;
        compat_ulong_t linear_addr;
    } arg1;
    union {
        uint32_t nr_ents;
        compat_ptr_t vcpumask;
        compat_pfn_t src_mfn;
    } arg2;
}; /* 12 bytes */

struct compat_multicall_entry {
    compat_ulong_t op, result;
    compat_ulong_t args[6];
}; /* 32 bytes */

struct compat_vcpu_time_info {
    uint32_t version;
    uint32_t pad0;
    compat_uint64_t tsc_timestamp;
    compat_uint64_t system_time;
    uint32_t tsc_to_system_mul;
    int8_t tsc_shift;
    uint8_t flags;
    uint8_t pad1[2];
}; /* 32 bytes */

struct compat_arch_vcpu_info {
    compat_ulong_t cr2;
    compat_ulong_t pad[5];
}; /* 24 bytes */

struct compat_vcpu_info {
    uint8_t evtchn_upcall_pending;
    uint8_t evtchn_upcall_mask;
    compat_ulong_t evtchn_pending_sel;
    struct compat_arch_vcpu_info arch;
    struct compat_vcpu_time_info time;
}; /* 64 bytes */

struct compat_arch_shared_info {
    compat_ulong_t max_pfn;
    compat_pfn_t pfn_to_mfn_frame_list_list;
    compat_ulong_t nmi_reason;
    compat_ulong_t p2m_cr3;
    compat_ulong_t p2m_vaddr;
    compat_ulong_t p2m_generation;
    uint32_t wc_sec_hi; /* x86_32 keeps the high word of wc_sec here */
}; /* 28 bytes */

struct compat_shared_info {
    struct compat_vcpu_info vcpu_info[COMPAT_LEGACY_MAX_VCPUS];
    compat_ulong_t evtchn_pending[COMPAT_BITS_PER_EVTCHN_WORD];
    compat_ulong_t evtchn_mask[COMPAT_BITS_PER_EVTCHN_WORD];
    uint32_t wc_version;
    uint32_t wc_sec;
    uint32_t wc_nsec;
    struct compat_arch_shared_info arch;
}; /* 2344 bytes */

struct compat_start_info {
    char magic[32]; /* "xen-3.0-x86_32p" */
    compat_ulong_t nr_pages;
    compat_ulong_t shared_info;
    uint32_t flags;
    compat_pfn_t store_mfn;
    uint32_t store_evtchn;
    union {
        struct {
            compat_pfn_t mfn;
            uint32_t evtchn;
        } domU;
        struct {
            uint32_t info_off;
            uint32_t info_size;
        } dom0;
    } console;
    compat_ulong_t pt_base;
    compat_ulong_t nr_pt_frames;
    compat_ulong_t mfn_list;
    compat_ulong_t mod_start;
    compat_ulong_t mod_len;
    int8_t cmd_line[1024]; /* MAX_GUEST_CMDLINE */
    compat_ulong_t first_p2m_pfn;
    compat_ulong_t nr_p2m_frames;
}; /* 1112 bytes */

struct compat_trap_info {
    uint8_t vector;
    uint8_t flags;
    uint16_t cs;
    compat_ulong_t address;
}; /* 8 bytes */

struct compat_xen_callback {
    compat_ulong_t cs;
    compat_ulong_t eip;
}; /* 8 bytes: xen_callback_t of x86_32 */

struct compat_cpu_user_regs {
    uint32_t ebx;
    uint32_t ecx;
    uint32_t edx;
    uint32_t esi;
    uint32_t edi;
    uint32_t ebp;
    uint32_t eax;
    uint16_t error_code;
    uint16_t entry_vector;
    uint32_t eip;
    uint16_t cs;
    uint8_t saved_upcall_mask;
    uint8_t _pad0;
    uint32_t eflags;
    uint32_t esp;
    uint16_t ss, _pad1;
    uint16_t es, _pad2;
    uint16_t ds, _pad3;
    uint16_t fs, _pad4;
    uint16_t gs, _pad5;
}; /* 68 bytes */

struct compat_vcpu_guest_context {
    struct {
        char x[512];
    } fpu_ctxt;
    compat_ulong_t flags;
    struct compat_cpu_user_regs user_regs;
    struct compat_trap_info trap_ctxt[256];
    compat_ulong_t ldt_base, ldt_ents;
    compat_ulong_t gdt_frames[16], gdt_ents;
    compat_ulong_t kernel_ss, kernel_sp;
    compat_ulong_t ctrlreg[8];
    compat_ulong_t debugreg[8];
    compat_ulong_t event_callback_cs;
    compat_ulong_t event_callback_eip;
    compat_ulong_t failsafe_callback_cs;
    compat_ulong_t failsafe_callback_eip;
    compat_ulong_t vm_assist;
}; /* 2800 bytes */

/* ---- event_channel.h ------------------------------------------------------------------ */

struct compat_evtchn_init_control {
    compat_uint64_t control_gfn;
    uint32_t offset;
    uint32_t vcpu;
    uint8_t link_bits;
    uint8_t _pad[7];
}; /* 24 bytes */

struct compat_evtchn_expand_array {
    compat_uint64_t array_gfn;
}; /* 8 bytes */

/* ---- sched.h -------------------------------------------------------------------------- */

struct compat_sched_poll {
    compat_ptr_t ports; /* evtchn_port_t array */
    uint32_t nr_ports;
    compat_uint64_t timeout;
}; /* 16 bytes */

/* ---- vcpu.h --------------------------------------------------------------------------- */

struct compat_vcpu_runstate_info {
    int32_t state;
    compat_uint64_t state_entry_time;
    compat_uint64_t time[4];
}; /* 44 bytes */

struct compat_vcpu_register_runstate_memory_area {
    union {
        compat_ptr_t h;
        compat_ptr_t v;
        compat_uint64_t p;
    } addr;
}; /* 8 bytes */

struct compat_vcpu_set_periodic_timer {
    compat_uint64_t period_ns;
}; /* 8 bytes */

struct compat_vcpu_set_singleshot_timer {
    compat_uint64_t timeout_abs_ns;
    uint32_t flags;
}; /* 12 bytes (16 on x86_64) */

struct compat_vcpu_register_vcpu_info {
    compat_uint64_t mfn;
    uint32_t offset;
    uint32_t rsvd;
}; /* 16 bytes */

struct compat_vcpu_get_physid {
    compat_uint64_t phys_id;
}; /* 8 bytes */

struct compat_vcpu_register_time_memory_area {
    union {
        compat_ptr_t h;
        compat_ptr_t v;
        compat_uint64_t p;
    } addr;
}; /* 8 bytes */

/* ---- callback.h / version.h ----------------------------------------------------------- */

struct compat_callback_register {
    uint16_t type;
    uint16_t flags;
    struct compat_xen_callback address;
}; /* 12 bytes */

struct compat_xen_platform_parameters {
    compat_ulong_t virt_start;
}; /* 4 bytes */

/* ---- memory.h ------------------------------------------------------------------------- */

struct compat_xen_memory_reservation {
    compat_ptr_t extent_start; /* compat_pfn_t array */
    compat_ulong_t nr_extents;
    uint32_t extent_order;
    uint32_t mem_flags;
    uint16_t domid;
}; /* 20 bytes */

struct compat_xen_memory_exchange {
    struct compat_xen_memory_reservation in;
    struct compat_xen_memory_reservation out;
    compat_ulong_t nr_exchanged;
}; /* 44 bytes */

struct compat_xen_machphys_mfn_list {
    uint32_t max_extents;
    compat_ptr_t extent_start;
    uint32_t nr_extents;
}; /* 12 bytes */

struct compat_xen_machphys_mapping {
    compat_ulong_t v_start, v_end;
    compat_ulong_t max_mfn;
}; /* 12 bytes */

struct compat_xen_add_to_physmap {
    uint16_t domid;
    uint16_t size;
    uint32_t space;
    compat_ulong_t idx;
    compat_pfn_t gpfn;
}; /* 16 bytes */

struct compat_xen_add_to_physmap_batch {
    uint16_t domid;
    uint16_t space;
    uint16_t size;
    union {
        uint16_t foreign_domid;
        uint16_t res0;
    } u;
    compat_ptr_t idxs;  /* compat_ulong_t array */
    compat_ptr_t gpfns; /* compat_pfn_t array */
    compat_ptr_t errs;  /* int array */
}; /* 20 bytes */

struct compat_xen_remove_from_physmap {
    uint16_t domid;
    compat_pfn_t gpfn;
}; /* 8 bytes */

struct compat_xen_memory_map {
    uint32_t nr_entries;
    compat_ptr_t buffer;
}; /* 8 bytes */

struct compat_xen_foreign_memory_map {
    uint16_t domid;
    struct compat_xen_memory_map map;
}; /* 12 bytes */

struct compat_xen_pod_target {
    compat_uint64_t target_pages;
    compat_uint64_t tot_pages;
    compat_uint64_t pod_cache_pages;
    compat_uint64_t pod_entries;
    uint16_t domid;
}; /* 36 bytes */

struct compat_xen_mem_acquire_resource {
    uint16_t domid;
    uint16_t type;
    uint32_t id;
    uint32_t nr_frames;
    uint32_t pad;
    compat_uint64_t frame;
    compat_ptr_t frame_list; /* compat_pfn_t array */
}; /* 28 bytes */

/* ---- physdev.h ------------------------------------------------------------------------ */

struct compat_physdev_pirq_eoi_gmfn {
    compat_pfn_t gmfn;
}; /* 4 bytes */

struct compat_physdev_set_iobitmap {
    compat_ptr_t bitmap;
    uint32_t nr_ports;
}; /* 8 bytes */

struct compat_physdev_apic {
    compat_ulong_t apic_physbase;
    uint32_t reg;
    uint32_t value;
}; /* 12 bytes */

struct compat_physdev_map_pirq {
    uint16_t domid;
    int32_t type;
    int32_t index;
    int32_t pirq;
    int32_t bus;
    int32_t devfn;
    int32_t entry_nr;
    compat_uint64_t table_base;
}; /* 36 bytes */

/* ---- grant_table.h -------------------------------------------------------------------- */

struct compat_gnttab_map_grant_ref {
    compat_uint64_t host_addr;
    uint32_t flags;
    uint32_t ref;
    uint16_t dom;
    int16_t status;
    uint32_t handle;
    compat_uint64_t dev_bus_addr;
}; /* 32 bytes, same offsets as x86_64 */

struct compat_gnttab_unmap_grant_ref {
    compat_uint64_t host_addr;
    compat_uint64_t dev_bus_addr;
    uint32_t handle;
    int16_t status;
}; /* 24 bytes */

struct compat_gnttab_setup_table {
    uint16_t dom;
    uint32_t nr_frames;
    int16_t status;
    compat_ptr_t frame_list; /* compat_pfn_t array */
}; /* 16 bytes */

struct compat_gnttab_transfer {
    compat_pfn_t mfn;
    uint16_t domid;
    uint32_t ref;
    int16_t status;
}; /* 16 bytes */

struct compat_gnttab_copy_ptr {
    union {
        uint32_t ref;
        compat_pfn_t gmfn;
    } u;
    uint16_t domid;
    uint16_t offset;
}; /* 8 bytes */

struct compat_gnttab_copy {
    struct compat_gnttab_copy_ptr source, dest;
    uint16_t len;
    uint16_t flags;
    int16_t status;
}; /* 24 bytes */

struct compat_gnttab_unmap_and_replace {
    compat_uint64_t host_addr;
    compat_uint64_t new_addr;
    uint32_t handle;
    int16_t status;
}; /* 24 bytes */

struct compat_gnttab_get_status_frames {
    uint32_t nr_frames;
    uint16_t dom;
    int16_t status;
    compat_ptr_t frame_list; /* uint64_t array */
}; /* 12 bytes */

struct compat_gnttab_cache_flush {
    union {
        compat_uint64_t dev_bus_addr;
        uint32_t ref;
    } a;
    uint16_t offset;
    uint16_t length;
    uint32_t op;
}; /* 16 bytes */

/* ---- hvm/hvm_op.h --------------------------------------------------------------------- */

struct compat_xen_hvm_param {
    uint16_t domid;
    uint16_t pad;
    uint32_t index;
    compat_uint64_t value;
}; /* 16 bytes */

struct compat_xen_hvm_pagetable_dying {
    uint16_t domid;
    uint16_t pad[3];
    compat_uint64_t gpa;
}; /* 16 bytes */

struct compat_xen_hvm_get_time {
    compat_uint64_t now;
}; /* 8 bytes */

struct compat_xen_hvm_get_mem_type {
    uint16_t domid;
    uint16_t mem_type;
    uint16_t pad[2];
    compat_uint64_t pfn;
}; /* 16 bytes */

/* Typedef names in Xen's style. */
typedef struct compat_mmu_update compat_mmu_update_t;
typedef struct compat_mmuext_op compat_mmuext_op_t;
typedef struct compat_multicall_entry compat_multicall_entry_t;
typedef struct compat_vcpu_time_info compat_vcpu_time_info_t;
typedef struct compat_arch_vcpu_info compat_arch_vcpu_info_t;
typedef struct compat_vcpu_info compat_vcpu_info_t;
typedef struct compat_arch_shared_info compat_arch_shared_info_t;
typedef struct compat_shared_info compat_shared_info_t;
typedef struct compat_start_info compat_start_info_t;
typedef struct compat_trap_info compat_trap_info_t;
typedef struct compat_xen_callback compat_xen_callback_t;
typedef struct compat_cpu_user_regs compat_cpu_user_regs_t;
typedef struct compat_vcpu_guest_context compat_vcpu_guest_context_t;
typedef struct compat_evtchn_init_control compat_evtchn_init_control_t;
typedef struct compat_evtchn_expand_array compat_evtchn_expand_array_t;
typedef struct compat_sched_poll compat_sched_poll_t;
typedef struct compat_vcpu_runstate_info compat_vcpu_runstate_info_t;
typedef struct compat_vcpu_register_runstate_memory_area
    compat_vcpu_register_runstate_memory_area_t;
typedef struct compat_vcpu_set_periodic_timer compat_vcpu_set_periodic_timer_t;
typedef struct compat_vcpu_set_singleshot_timer compat_vcpu_set_singleshot_timer_t;
typedef struct compat_vcpu_register_vcpu_info compat_vcpu_register_vcpu_info_t;
typedef struct compat_vcpu_get_physid compat_vcpu_get_physid_t;
typedef struct compat_vcpu_register_time_memory_area compat_vcpu_register_time_memory_area_t;
typedef struct compat_callback_register compat_callback_register_t;
typedef struct compat_xen_platform_parameters compat_xen_platform_parameters_t;
typedef struct compat_xen_memory_reservation compat_xen_memory_reservation_t;
typedef struct compat_xen_memory_exchange compat_xen_memory_exchange_t;
typedef struct compat_xen_machphys_mfn_list compat_xen_machphys_mfn_list_t;
typedef struct compat_xen_machphys_mapping compat_xen_machphys_mapping_t;
typedef struct compat_xen_add_to_physmap compat_xen_add_to_physmap_t;
typedef struct compat_xen_add_to_physmap_batch compat_xen_add_to_physmap_batch_t;
typedef struct compat_xen_remove_from_physmap compat_xen_remove_from_physmap_t;
typedef struct compat_xen_memory_map compat_xen_memory_map_t;
typedef struct compat_xen_foreign_memory_map compat_xen_foreign_memory_map_t;
typedef struct compat_xen_pod_target compat_xen_pod_target_t;
typedef struct compat_xen_mem_acquire_resource compat_xen_mem_acquire_resource_t;
typedef struct compat_physdev_pirq_eoi_gmfn compat_physdev_pirq_eoi_gmfn_t;
typedef struct compat_physdev_set_iobitmap compat_physdev_set_iobitmap_t;
typedef struct compat_physdev_apic compat_physdev_apic_t;
typedef struct compat_physdev_map_pirq compat_physdev_map_pirq_t;
typedef struct compat_gnttab_map_grant_ref compat_gnttab_map_grant_ref_t;
typedef struct compat_gnttab_unmap_grant_ref compat_gnttab_unmap_grant_ref_t;
typedef struct compat_gnttab_setup_table compat_gnttab_setup_table_t;
typedef struct compat_gnttab_transfer compat_gnttab_transfer_t;
typedef struct compat_gnttab_copy compat_gnttab_copy_t;
typedef struct compat_gnttab_unmap_and_replace compat_gnttab_unmap_and_replace_t;
typedef struct compat_gnttab_get_status_frames compat_gnttab_get_status_frames_t;
typedef struct compat_gnttab_cache_flush compat_gnttab_cache_flush_t;
typedef struct compat_xen_hvm_param compat_xen_hvm_param_t;
typedef struct compat_xen_hvm_pagetable_dying compat_xen_hvm_pagetable_dying_t;
typedef struct compat_xen_hvm_get_time compat_xen_hvm_get_time_t;
typedef struct compat_xen_hvm_get_mem_type compat_xen_hvm_get_mem_type_t;

/* The layouts a hypervisor most often relies on, checked wherever this is compiled. */
#ifndef __cplusplus
_Static_assert(sizeof(struct compat_vcpu_info) == 64, "compat vcpu_info is 64 bytes");
_Static_assert(sizeof(struct compat_shared_info) == 2344, "compat shared_info size");
_Static_assert(sizeof(struct compat_start_info) == 1112, "compat start_info size");
_Static_assert(sizeof(struct compat_multicall_entry) == 32, "compat multicall size");
#endif

#ifdef __cplusplus
}
#endif

#endif /* PVISOR_XEN_COMPAT_H */
