/* sched.c: SCHEDOP_block/yield/poll/shutdown wrappers with Xen's event-mask rules (PVH: sti; hlt).
 */
#include <xen/sched.h>
#include <pvguest/events.h>
#include <pvguest/hypercall.h>
#include <pvguest/sched.h>

void pv_block(void)
{
    struct vcpu_info *vi = pv_vcpu_info();
    if (pv_pvh) {
        /* sti's one-instruction shadow makes "sti; hlt" atomic: an event that came while
         * interrupts were off wakes the hlt at once (Xen blocks only with none pending). */
        __asm__ __volatile__("cli" ::: "memory");
        vi->evtchn_upcall_mask = 0;
        __asm__ __volatile__("sti; hlt" ::: "memory");
        pv_events_enable();
        return;
    }
    vi->evtchn_upcall_mask = 1;
    barrier();
    /* Xen clears the mask and checks for pending events before it blocks us. */
    (void)HYPERVISOR_sched_op(SCHEDOP_block, NULL);
    /* Normally delivered on the way out of the hypercall; make sure in any case. */
    pv_events_enable();
}

void pv_yield(void)
{
    (void)HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
}

long pv_poll(evtchn_port_t *ports, unsigned int nr_ports, uint64_t timeout_ns)
{
    struct sched_poll poll = {.nr_ports = nr_ports, .timeout = timeout_ns};
    set_xen_guest_handle(poll.ports, ports);
    return HYPERVISOR_sched_op(SCHEDOP_poll, &poll);
}

void pv_shutdown(unsigned int reason)
{
    struct sched_shutdown op = {.reason = reason};
    for (;;) {
        /* Xen does not return from a successful shutdown; a hypervisor that stops the
         * vCPU a little later may.  Repeat the same reason until it does; if it refuses
         * the reason, insist on a crash.  Never spin hot. */
        if (HYPERVISOR_sched_op(SCHEDOP_shutdown, &op) < 0)
            op.reason = SHUTDOWN_crash;
        (void)HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    }
}

void pv_poweroff(void)
{
    pv_shutdown(SHUTDOWN_poweroff);
}

void pv_crash(void)
{
    pv_shutdown(SHUTDOWN_crash);
}
