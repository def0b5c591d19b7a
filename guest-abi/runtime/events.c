/* events.c: 2-level event channel dispatch, port binding helpers and callback setup. */
#include <xen/callback.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>
#include <pvguest/console.h>
#include <pvguest/errno.h>
#include <pvguest/events.h>
#include <pvguest/hypercall.h>
#include <pvguest/string.h>

#define NR_PORTS      EVTCHN_2L_NR_CHANNELS
#define BITS_PER_WORD (8 * sizeof(xen_ulong_t))

/* Per-port handler, argument and the vCPU the port notifies (as far as we bound it). */
static evtchn_handler_t port_handler[NR_PORTS];
static void *port_arg[NR_PORTS];
static uint8_t port_cpu[NR_PORTS];

volatile unsigned long pv_evtchn_unhandled;
bool pv_pvh;

extern char pv_hypervisor_callback[], pv_failsafe_callback[];

static bool port_ok(evtchn_port_t port)
{
    return port < NR_PORTS;
}

static void dispatch(evtchn_port_t port)
{
    evtchn_handler_t h = READ_ONCE(port_handler[port]);
    if (h)
        h(port, READ_ONCE(port_arg[port]));
    else
        pv_evtchn_unhandled++;
}

/*
 * Called by entry.S (and pv_events_force) with events masked.  Loops until the vCPU's
 * upcall_pending stays clear, so events raised by handlers are not left behind.
 */
void pv_evtchn_do_upcall(void)
{
    struct pv_cpu *c = pv_this_cpu();
    struct vcpu_info *vi = c->vcpu_info;
    shared_info_t *s = HYPERVISOR_shared_info;

    BUG_ON(c->magic != PV_CPU_MAGIC);
    do {
        WRITE_ONCE(vi->evtchn_upcall_pending, 0);
        unsigned long sel = pv_xchg(&vi->evtchn_pending_sel, 0); /* full barrier */
        while (sel) {
            unsigned int w = (unsigned int)__builtin_ctzl(sel);
            sel &= sel - 1;
            unsigned long bits = READ_ONCE(s->evtchn_pending[w]) & ~READ_ONCE(s->evtchn_mask[w]);
            while (bits) {
                unsigned int b = (unsigned int)__builtin_ctzl(bits);
                bits &= bits - 1;
                evtchn_port_t port = w * BITS_PER_WORD + b;
                /* A port bound to another vCPU is that vCPU's business. */
                if (port_cpu[port] != c->id)
                    continue;
                sync_clear_bit(port, s->evtchn_pending);
                dispatch(port);
            }
        }
    } while (READ_ONCE(vi->evtchn_upcall_pending));
}

void pv_events_force(void)
{
    struct vcpu_info *vi = pv_vcpu_info();
    pv_irq_disable();
    do {
        vi->evtchn_upcall_mask = 1;
        barrier();
        pv_evtchn_do_upcall();
        barrier();
        vi->evtchn_upcall_mask = 0;
        pv_mb();
    } while (READ_ONCE(vi->evtchn_upcall_pending));
    pv_irq_enable();
}

/* PVH: the event vector's C half (head_pvh.S), with interrupts off. */
void pvh_upcall(void)
{
    struct vcpu_info *vi = pv_vcpu_info();
    if (!vi)
        return;
    vi->evtchn_upcall_mask = 1;
    barrier();
    pv_evtchn_do_upcall();
    barrier();
    vi->evtchn_upcall_mask = 0;
}

/* PVH: events arrive as PVH_EVENT_VECTOR (one registration for the whole domain). */
static long pvh_events_init(void)
{
    struct xen_hvm_param p = {
        .domid = DOMID_SELF,
        .index = HVM_PARAM_CALLBACK_IRQ,
        .value = ((uint64_t)HVM_PARAM_CALLBACK_TYPE_VECTOR << 56) | PVH_EVENT_VECTOR,
    };
    return HYPERVISOR_hvm_op(HVMOP_set_param, &p);
}

/* Failsafe callback (entry.S): a segment reload failed on return to us. */
PV_NORETURN void pv_failsafe_c(const unsigned long *frame);
PV_NORETURN void pv_failsafe_c(const unsigned long *frame)
{
    panic("failsafe callback: rip=%#lx cs=%#lx rflags=%#lx rsp=%#lx", frame[6], frame[7], frame[8],
          frame[9]);
}

/*
 * Registers this vCPU's event and failsafe entry points (callbacks are per vCPU in
 * Xen).  Falls back to set_callbacks if callback_op is unavailable.
 */
void pv_events_init_cpu(void)
{
    if (pv_pvh) {
        long rc = pvh_events_init();
        if (rc)
            panic("cannot register the event vector on vcpu %u: %ld", smp_processor_id(), rc);
        return;
    }
    struct callback_register ev = {
        .type = CALLBACKTYPE_event,
        .address = (xen_callback_t)pv_hypervisor_callback,
    };
    struct callback_register fs = {
        .type = CALLBACKTYPE_failsafe,
        .flags = CALLBACKF_mask_events,
        .address = (xen_callback_t)pv_failsafe_callback,
    };
    long rc = HYPERVISOR_callback_op(CALLBACKOP_register, &ev);
    if (rc == 0)
        rc = HYPERVISOR_callback_op(CALLBACKOP_register, &fs);
    if (rc == -ENOSYS)
        rc = HYPERVISOR_set_callbacks((unsigned long)pv_hypervisor_callback,
                                      (unsigned long)pv_failsafe_callback, 0);
    if (rc)
        panic("cannot register the event callback on vcpu %u: %ld", smp_processor_id(), rc);
}

/* Records a freshly bound port; returns it. */
static int bound(evtchn_port_t port, unsigned int vcpu, evtchn_handler_t h, void *arg)
{
    if (!port_ok(port))
        return -ERANGE; /* beyond the 2-level ABI: the hypervisor broke its contract */
    port_cpu[port] = (uint8_t)vcpu;
    WRITE_ONCE(port_arg[port], arg);
    WRITE_ONCE(port_handler[port], h);
    /* An event that arrived before port_cpu was right was skipped: re-flag it. */
    if (vcpu == smp_processor_id() && evtchn_is_pending(port) && !evtchn_is_masked(port)) {
        sync_set_bit(port, HYPERVISOR_shared_info->evtchn_mask);
        evtchn_unmask(port);
    }
    return (int)port;
}

int evtchn_bind_virq(uint32_t virq, unsigned int vcpu, evtchn_handler_t handler, void *arg)
{
    struct evtchn_bind_virq op = {.virq = virq, .vcpu = vcpu};
    long rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, &op);
    return rc ? (int)rc : bound(op.port, vcpu, handler, arg);
}

int evtchn_bind_ipi(unsigned int vcpu, evtchn_handler_t handler, void *arg)
{
    struct evtchn_bind_ipi op = {.vcpu = vcpu};
    long rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_ipi, &op);
    return rc ? (int)rc : bound(op.port, vcpu, handler, arg);
}

int evtchn_alloc_unbound(domid_t remote, evtchn_handler_t handler, void *arg)
{
    struct evtchn_alloc_unbound op = {.dom = DOMID_SELF, .remote_dom = remote};
    long rc = HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &op);
    return rc ? (int)rc : bound(op.port, 0, handler, arg);
}

int evtchn_bind_interdomain(domid_t remote_dom, evtchn_port_t remote_port, evtchn_handler_t handler,
                            void *arg)
{
    struct evtchn_bind_interdomain op = {.remote_dom = remote_dom, .remote_port = remote_port};
    long rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_interdomain, &op);
    return rc ? (int)rc : bound(op.local_port, 0, handler, arg);
}

int evtchn_set_handler(evtchn_port_t port, evtchn_handler_t handler, void *arg)
{
    if (!port_ok(port))
        return -EINVAL;
    WRITE_ONCE(port_handler[port], NULL);
    barrier();
    WRITE_ONCE(port_arg[port], arg);
    WRITE_ONCE(port_handler[port], handler);
    return 0;
}

int evtchn_bind_vcpu(evtchn_port_t port, unsigned int vcpu)
{
    struct evtchn_bind_vcpu op = {.port = port, .vcpu = vcpu};
    long rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_vcpu, &op);
    if (rc == 0 && port_ok(port))
        port_cpu[port] = (uint8_t)vcpu;
    return (int)rc;
}

int evtchn_send(evtchn_port_t port)
{
    struct evtchn_send op = {.port = port};
    return (int)HYPERVISOR_event_channel_op(EVTCHNOP_send, &op);
}

int evtchn_close(evtchn_port_t port)
{
    struct evtchn_close op = {.port = port};
    long rc = HYPERVISOR_event_channel_op(EVTCHNOP_close, &op);
    if (rc == 0 && port_ok(port)) {
        WRITE_ONCE(port_handler[port], NULL);
        port_cpu[port] = 0;
    }
    return (int)rc;
}

void evtchn_mask(evtchn_port_t port)
{
    if (port_ok(port))
        sync_set_bit(port, HYPERVISOR_shared_info->evtchn_mask);
}

/*
 * Unmask.  For a port of the calling vCPU we do what Xen's EVTCHNOP_unmask would (clear
 * the mask, then flag the vCPU if the port is pending) without an exit; ports of other
 * vCPUs go through the hypercall, which also kicks the target vCPU.
 */
void evtchn_unmask(evtchn_port_t port)
{
    if (!port_ok(port))
        return;
    if (port_cpu[port] != smp_processor_id()) {
        struct evtchn_unmask op = {.port = port};
        (void)HYPERVISOR_event_channel_op(EVTCHNOP_unmask, &op);
        return;
    }
    shared_info_t *s = HYPERVISOR_shared_info;
    unsigned long flags = pv_events_save();
    struct vcpu_info *vi = pv_vcpu_info();
    sync_clear_bit(port, s->evtchn_mask);
    if (sync_test_bit(port, s->evtchn_pending) &&
        !sync_test_and_set_bit(port / BITS_PER_WORD, &vi->evtchn_pending_sel))
        WRITE_ONCE(vi->evtchn_upcall_pending, 1);
    pv_events_restore(flags);
}

bool evtchn_is_pending(evtchn_port_t port)
{
    return port_ok(port) && sync_test_bit(port, HYPERVISOR_shared_info->evtchn_pending);
}

bool evtchn_is_masked(evtchn_port_t port)
{
    return port_ok(port) && sync_test_bit(port, HYPERVISOR_shared_info->evtchn_mask);
}

void evtchn_clear(evtchn_port_t port)
{
    if (port_ok(port))
        sync_clear_bit(port, HYPERVISOR_shared_info->evtchn_pending);
}
