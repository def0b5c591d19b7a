/* time.h: pvclock system time, wall clock, timers and sleeping for PV guests. */
#ifndef PVGUEST_TIME_H
#define PVGUEST_TIME_H

#include <xen/event_channel.h>
#include <pvguest/lib.h>

#define NSEC_PER_USEC 1000ULL
#define NSEC_PER_MSEC 1000000ULL
#define NSEC_PER_SEC  1000000000ULL

/*
 * Xen system time in ns (monotonic; 0 = when the domain's clock started), from this
 * vCPU's vcpu_time_info and rdtsc.  This is the time base of set_timer_op, SCHEDOP_poll
 * and the vCPU timers.
 */
uint64_t pv_now_ns(void);

/* ns since this guest's runtime started (system time minus its value at boot). */
uint64_t pv_uptime_ns(void);

/* Wall clock (UTC): shared_info's wc_* (time at system time 0) plus pv_now_ns(). */
struct pv_walltime {
    int64_t sec;
    uint32_t nsec;
};
void pv_wallclock(struct pv_walltime *wt);

/* Broken-down UTC time of a count of seconds since 1970-01-01 (proleptic Gregorian). */
struct pv_tm {
    int64_t year;
    int month, day, hour, min, sec; /* month 1-12, day 1-31 */
};
void pv_gmtime(int64_t sec, struct pv_tm *tm);

/* Sleeps (SCHEDOP_block with a set_timer_op deadline) until system time >= deadline. */
void pv_sleep_until(uint64_t deadline_ns);
void pv_sleep_ns(uint64_t ns);

/*
 * Blocks until cond(arg) is true or system time reaches deadline_ns (0: no deadline).
 * cond is evaluated with events masked, then again each time an event wakes this vCPU,
 * so a wakeup between its check and the block is never lost.  Whoever makes cond true
 * must therefore also send this vCPU an event (e.g. an IPI); otherwise it is only seen
 * at the deadline.  Returns cond's last result.  Not from event handlers.
 */
bool pv_wait_until(bool (*cond)(void *), void *arg, uint64_t deadline_ns);

/* VIRQ_TIMER events handled on the calling vCPU, and that vCPU's VIRQ_TIMER port. */
uint64_t pv_timer_ticks(void);
evtchn_port_t pv_timer_port(void);

/* Runtime internal: binds VIRQ_TIMER on the calling vCPU, stops its periodic timer. */
void pv_time_init_cpu(void);
/* Runtime internal: records the boot time (vCPU 0, once shared_info is mapped). */
void pv_time_init(void);

#endif /* PVGUEST_TIME_H */
