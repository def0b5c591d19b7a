/* vcpu.h: Xen 4.17 VCPUOP_* commands: vCPU bring-up, runstate, timers, vcpu_info placement. */
#ifndef PVISOR_XEN_VCPU_H
#define PVISOR_XEN_VCPU_H

#include "xen.h"

/* HYPERVISOR_vcpu_op(cmd, vcpuid, arg) commands. */
#define VCPUOP_initialise 0 /* arg: vcpu_guest_context (PV) or vcpu_hvm_context (PVH) */
#define VCPUOP_up 1
#define VCPUOP_down 2
#define VCPUOP_is_up 3
#define VCPUOP_get_runstate_info 4 /* arg: vcpu_runstate_info */

#ifndef __ASSEMBLY__
/* Where a vCPU has spent its time. */
struct vcpu_runstate_info {
    int state;                 /* RUNSTATE_* */
    uint64_t state_entry_time; /* system time of the last state change */
/* Set in state_entry_time while an update is in progress (VMASST runstate_update_flag). */
#define XEN_RUNSTATE_UPDATE (xen_mk_ullong(1) << 63)
    uint64_t time[4]; /* ns spent in each RUNSTATE_* */
};
typedef struct vcpu_runstate_info vcpu_runstate_info_t;
DEFINE_XEN_GUEST_HANDLE(vcpu_runstate_info_t);
#endif

#define RUNSTATE_running 0  /* on a physical CPU */
#define RUNSTATE_runnable 1 /* ready, waiting for a CPU */
#define RUNSTATE_blocked 2  /* waiting for an event */
#define RUNSTATE_offline 3  /* down or paused */

/* Ask for runstate updates at a guest address. */
#define VCPUOP_register_runstate_memory_area 5
#ifndef __ASSEMBLY__
struct vcpu_register_runstate_memory_area {
    union {
        XEN_GUEST_HANDLE(vcpu_runstate_info_t) h;
        struct vcpu_runstate_info *v;
        uint64_t p;
    } addr;
};
typedef struct vcpu_register_runstate_memory_area vcpu_register_runstate_memory_area_t;
DEFINE_XEN_GUEST_HANDLE(vcpu_register_runstate_memory_area_t);
#endif

#define VCPUOP_set_periodic_timer 6  /* arg: vcpu_set_periodic_timer */
#define VCPUOP_stop_periodic_timer 7 /* arg: NULL */
#ifndef __ASSEMBLY__
struct vcpu_set_periodic_timer {
    uint64_t period_ns;
};
typedef struct vcpu_set_periodic_timer vcpu_set_periodic_timer_t;
DEFINE_XEN_GUEST_HANDLE(vcpu_set_periodic_timer_t);
#endif

#define VCPUOP_set_singleshot_timer 8  /* arg: vcpu_set_singleshot_timer */
#define VCPUOP_stop_singleshot_timer 9 /* arg: NULL */
#ifndef __ASSEMBLY__
struct vcpu_set_singleshot_timer {
    uint64_t timeout_abs_ns; /* absolute system time */
    uint32_t flags;          /* VCPU_SSHOTTMR_* */
};
typedef struct vcpu_set_singleshot_timer vcpu_set_singleshot_timer_t;
DEFINE_XEN_GUEST_HANDLE(vcpu_set_singleshot_timer_t);
#endif

/* Fail with -ETIME if the timeout is already in the past. */
#define _VCPU_SSHOTTMR_future (0)
#define VCPU_SSHOTTMR_future (1U << _VCPU_SSHOTTMR_future)

/* Move this vCPU's vcpu_info into a guest page (must not cross a page boundary). */
#define VCPUOP_register_vcpu_info 10
#ifndef __ASSEMBLY__
struct vcpu_register_vcpu_info {
    uint64_t mfn;    /* frame holding the vcpu_info */
    uint32_t offset; /* byte offset within it */
    uint32_t rsvd;   /* must be zero */
};
typedef struct vcpu_register_vcpu_info vcpu_register_vcpu_info_t;
DEFINE_XEN_GUEST_HANDLE(vcpu_register_vcpu_info_t);
#endif

#define VCPUOP_send_nmi 11
#define VCPUOP_get_physid 12 /* arg: vcpu_get_physid */
#ifndef __ASSEMBLY__
struct vcpu_get_physid {
    uint64_t phys_id;
};
typedef struct vcpu_get_physid vcpu_get_physid_t;
DEFINE_XEN_GUEST_HANDLE(vcpu_get_physid_t);
#define xen_vcpu_physid_to_x86_apicid(physid) ((uint32_t)(physid))
#define xen_vcpu_physid_to_x86_acpiid(physid) ((uint32_t)((physid) >> 32))
#endif

/* Ask for a second copy of vcpu_time_info at a guest address. */
#define VCPUOP_register_vcpu_time_memory_area 13
#ifndef __ASSEMBLY__
DEFINE_XEN_GUEST_HANDLE(vcpu_time_info_t);
struct vcpu_register_time_memory_area {
    union {
        XEN_GUEST_HANDLE(vcpu_time_info_t) h;
        struct vcpu_time_info *v;
        uint64_t p;
    } addr;
};
typedef struct vcpu_register_time_memory_area vcpu_register_time_memory_area_t;
DEFINE_XEN_GUEST_HANDLE(vcpu_register_time_memory_area_t);
#endif

#endif /* PVISOR_XEN_VCPU_H */
