/* sched.h: blocking, yielding, polling and shutting down (SCHEDOP_*) for PV guests. */
#ifndef PVGUEST_SCHED_H
#define PVGUEST_SCHED_H

#include <xen/event_channel.h>
#include <pvguest/lib.h>

/*
 * Sleeps until an event is pending for this vCPU (SCHEDOP_block enables events
 * atomically, like Xen), then runs the handlers.  Returns with events enabled; returns
 * at once if something was already pending.  To wait for a condition without losing a
 * wakeup: pv_events_disable(); check; pv_block(); or use pv_wait_until() (time.h).
 * Not from event handlers.
 */
void pv_block(void);

/* Gives up the physical CPU (SCHEDOP_yield). */
void pv_yield(void);

/*
 * Sleeps until one of the ports is pending or the absolute system time timeout_ns
 * passes (0: no timeout) without delivering anything (SCHEDOP_poll).  Returns 0 or -errno.
 */
long pv_poll(evtchn_port_t *ports, unsigned int nr_ports, uint64_t timeout_ns);

/* Ends the domain with reason SHUTDOWN_* (SCHEDOP_shutdown).  Never returns. */
PV_NORETURN void pv_shutdown(unsigned int reason);
PV_NORETURN void pv_poweroff(void);
PV_NORETURN void pv_crash(void);

#endif /* PVGUEST_SCHED_H */
