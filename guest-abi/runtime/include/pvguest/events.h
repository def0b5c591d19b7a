/*
 * events.h: event channels (2-level ABI) and the PV event mask.  Handlers run on the
 * vCPU a port notifies, with events masked, from the upcall; they must not block.
 */
#ifndef PVGUEST_EVENTS_H
#define PVGUEST_EVENTS_H

#include <xen/xen.h>
#include <xen/event_channel.h>
#include <pvguest/lib.h>
#include <pvguest/smp.h>

typedef void (*evtchn_handler_t)(evtchn_port_t port, void *arg);

/* The shared_info page, mapped by the runtime at start. */
extern shared_info_t *HYPERVISOR_shared_info;

/* ---- The PV "interrupt flag": vcpu_info->evtchn_upcall_mask of the calling vCPU ---- */

/*
 * Set by the PVH start code.  A PVH vCPU receives events as an interrupt vector, which
 * Xen raises whenever interrupts are enabled (the upcall mask plays no part), so there
 * the interrupt flag follows the mask: masked <=> cli.  PV guests never touch IF.
 */
extern bool pv_pvh;

static inline void pv_irq_disable(void)
{
    if (pv_pvh)
        __asm__ __volatile__("cli" ::: "memory");
}

static inline void pv_irq_enable(void)
{
    if (pv_pvh)
        __asm__ __volatile__("sti" ::: "memory");
}

/* Delivers pending events of the calling vCPU in place; call with events enabled. */
void pv_events_force(void);

/* Masks event delivery; returns the previous mask (nonzero: was masked). */
static inline unsigned long pv_events_save(void)
{
    struct vcpu_info *vi = pv_vcpu_info();
    if (!vi)
        return 1;
    unsigned long old = vi->evtchn_upcall_mask;
    pv_irq_disable();
    vi->evtchn_upcall_mask = 1;
    barrier();
    return old;
}

/* Unmasks delivery and runs whatever became pending while masked. */
static inline void pv_events_enable(void)
{
    struct vcpu_info *vi = pv_vcpu_info();
    barrier();
    vi->evtchn_upcall_mask = 0;
    pv_mb(); /* the unmask must be visible before we look at pending */
    pv_irq_enable();
    if (unlikely(READ_ONCE(vi->evtchn_upcall_pending)))
        pv_events_force();
}

static inline void pv_events_disable(void)
{
    (void)pv_events_save();
}

/* Restores a mask returned by pv_events_save(). */
static inline void pv_events_restore(unsigned long flags)
{
    if (!flags)
        pv_events_enable();
}

static inline bool pv_events_enabled(void)
{
    struct vcpu_info *vi = pv_vcpu_info();
    return vi && !vi->evtchn_upcall_mask;
}

/* ---- Ports.  Functions returning int give a port (>= 0) or a negative errno. ---- */

/* Binds VIRQ virq on vCPU vcpu (EVTCHNOP_bind_virq); handler may be NULL. */
int evtchn_bind_virq(uint32_t virq, unsigned int vcpu, evtchn_handler_t handler, void *arg);
/* New IPI port notifying vCPU vcpu (EVTCHNOP_bind_ipi). */
int evtchn_bind_ipi(unsigned int vcpu, evtchn_handler_t handler, void *arg);
/* Port in this domain that domain remote may bind to (EVTCHNOP_alloc_unbound). */
int evtchn_alloc_unbound(domid_t remote, evtchn_handler_t handler, void *arg);
/* Connects to remote_port of remote_dom (DOMID_SELF: loopback within this domain). */
int evtchn_bind_interdomain(domid_t remote_dom, evtchn_port_t remote_port, evtchn_handler_t handler,
                            void *arg);
/* Installs (or, with NULL, removes) the handler of a port bound by other means. */
int evtchn_set_handler(evtchn_port_t port, evtchn_handler_t handler, void *arg);
/* Moves delivery of port to vCPU vcpu (EVTCHNOP_bind_vcpu); 0 or -errno. */
int evtchn_bind_vcpu(evtchn_port_t port, unsigned int vcpu);
/* Notifies the other end (EVTCHNOP_send); 0 or -errno. */
int evtchn_send(evtchn_port_t port);
/* Closes the port and forgets its handler (EVTCHNOP_close); 0 or -errno. */
int evtchn_close(evtchn_port_t port);

/* Masks / unmasks a port in shared_info (unmask delivers it if pending). */
void evtchn_mask(evtchn_port_t port);
void evtchn_unmask(evtchn_port_t port);
bool evtchn_is_pending(evtchn_port_t port);
bool evtchn_is_masked(evtchn_port_t port);
/* Clears a port's pending bit. */
void evtchn_clear(evtchn_port_t port);

/* Events seen on ports without a handler (diagnostics). */
extern volatile unsigned long pv_evtchn_unhandled;

/* Runtime internals (setup.c / smp.c / entry.S / head_pvh.S). */
void pv_events_init_cpu(void);
void pv_evtchn_do_upcall(void);
#define PVH_EVENT_VECTOR 0xf3 /* the vector a PVH guest registers (HVM_PARAM_CALLBACK_IRQ) */
void pvh_upcall(void);

#endif /* PVGUEST_EVENTS_H */
