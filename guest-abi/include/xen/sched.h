/* sched.h: Xen 4.17 scheduler hypercall (SCHEDOP_*) arguments and shutdown reasons. */
#ifndef PVISOR_XEN_SCHED_H
#define PVISOR_XEN_SCHED_H

#include "event_channel.h"

/* HYPERVISOR_sched_op(cmd, arg) commands. */
#define SCHEDOP_yield 0           /* arg unused: give up the CPU */
#define SCHEDOP_block 1           /* arg unused: sleep until an event is pending */
#define SCHEDOP_shutdown 2        /* sched_shutdown */
#define SCHEDOP_poll 3            /* sched_poll: sleep until a listed port is pending */
#define SCHEDOP_remote_shutdown 4 /* sched_remote_shutdown (privileged) */
#define SCHEDOP_shutdown_code 5   /* sched_shutdown: record a reason, keep running */
#define SCHEDOP_watchdog 6        /* sched_watchdog */
#define SCHEDOP_pin_override 7    /* sched_pin_override (dom0 only) */

#ifndef __ASSEMBLY__
struct sched_shutdown {
    unsigned int reason; /* SHUTDOWN_* */
};
typedef struct sched_shutdown sched_shutdown_t;
DEFINE_XEN_GUEST_HANDLE(sched_shutdown_t);

/* timeout: absolute system time in ns, 0 = none; a past timeout returns at once. */
struct sched_poll {
    XEN_GUEST_HANDLE(evtchn_port_t) ports;
    unsigned int nr_ports;
    uint64_t timeout;
};
typedef struct sched_poll sched_poll_t;
DEFINE_XEN_GUEST_HANDLE(sched_poll_t);

struct sched_remote_shutdown {
    domid_t domain_id;
    unsigned int reason; /* SHUTDOWN_* */
};
typedef struct sched_remote_shutdown sched_remote_shutdown_t;
DEFINE_XEN_GUEST_HANDLE(sched_remote_shutdown_t);

/* id 0 creates a watchdog (returns its id); timeout 0 destroys id; else re-arms it. */
struct sched_watchdog {
    uint32_t id;
    uint32_t timeout; /* seconds */
};
typedef struct sched_watchdog sched_watchdog_t;
DEFINE_XEN_GUEST_HANDLE(sched_watchdog_t);

struct sched_pin_override {
    int32_t pcpu; /* negative: drop the override */
};
typedef struct sched_pin_override sched_pin_override_t;
DEFINE_XEN_GUEST_HANDLE(sched_pin_override_t);
#endif /* !__ASSEMBLY__ */

/* Shutdown reasons. */
#define SHUTDOWN_poweroff 0   /* normal exit: clean up and destroy */
#define SHUTDOWN_reboot 1     /* destroy, then start again */
#define SHUTDOWN_suspend 2    /* save state for a later resume */
#define SHUTDOWN_crash 3      /* the guest crashed */
#define SHUTDOWN_watchdog 4   /* a watchdog expired */
#define SHUTDOWN_soft_reset 5 /* reset in place, keeping memory */
#define SHUTDOWN_MAX 5

#endif /* PVISOR_XEN_SCHED_H */
