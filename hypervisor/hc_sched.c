/* hc_sched.c: sched_op (yield, block, poll, shutdown) and set_timer_op. */
#include <errno.h>
#include <sched.h>

#include <xen/compat.h>
#include <xen/sched.h>

#include "pvisord.h"

#define MAX_POLL_PORTS 128

static bool must_return(struct vcpu *v)
{
    return !domain_running(v->d) || !atomic_load(&v->online);
}

/* Xen's block: enable event delivery, then sleep until an event is due. */
static long do_block(struct vcpu *v)
{
    struct vcpu_info *vi = vcpu_vinfo(v);
    __atomic_store_n(&vi->evtchn_upcall_mask, 0, __ATOMIC_SEQ_CST);
    atomic_store(&v->blocked, true);
    for (;;) {
        vcpu_check_timers(v);
        if (vcpu_events_pending(v) || must_return(v))
            break;
        vcpu_wait(v, vcpu_next_deadline(v, 0));
    }
    atomic_store(&v->blocked, false);
    return 0;
}

static bool any_pending(struct vcpu *v, const evtchn_port_t *ports, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        if (evtchn_port_pending(v->d, ports[i]))
            return true;
    return false;
}

/* sched_poll in the caller's layout. */
static int read_poll(struct vcpu *v, uint64_t arg, uint64_t *list, uint32_t *nr, uint64_t *timeout)
{
    if (hc_compat(v)) {
        struct compat_sched_poll c;
        if (copy_from_guest(v, &c, arg, sizeof c))
            return -EFAULT;
        *list = c.ports, *nr = c.nr_ports, *timeout = c.timeout;
        return 0;
    }
    struct sched_poll p;
    if (copy_from_guest(v, &p, arg, sizeof p))
        return -EFAULT;
    *list = (uint64_t)(uintptr_t)p.ports.p, *nr = p.nr_ports, *timeout = p.timeout;
    return 0;
}

static long do_poll(struct vcpu *v, uint64_t arg)
{
    struct {
        uint32_t nr_ports;
        uint64_t timeout;
    } p;
    uint64_t list;
    if (read_poll(v, arg, &list, &p.nr_ports, &p.timeout))
        return -EFAULT;
    if (p.nr_ports > MAX_POLL_PORTS)
        return -EINVAL;
    evtchn_port_t ports[MAX_POLL_PORTS];
    if (p.nr_ports && copy_from_guest(v, ports, list, p.nr_ports * sizeof ports[0]))
        return -EFAULT;
    for (unsigned i = 0; i < p.nr_ports; i++)
        if (ports[i] >= v->d->max_evtchn)
            return -EINVAL;
    atomic_store(&v->blocked, true);
    for (;;) {
        vcpu_check_timers(v);
        if (any_pending(v, ports, p.nr_ports) || must_return(v))
            break;
        if (p.timeout && now_ns() >= p.timeout)
            break;
        vcpu_wait(v, vcpu_next_deadline(v, p.timeout));
    }
    atomic_store(&v->blocked, false);
    return 0;
}

long hc_sched_op(struct vcpu *v, const struct hc_args *a)
{
    struct sched_shutdown s;
    switch (a->a[0]) {
    case SCHEDOP_yield:
        sched_yield();
        return 0;
    case SCHEDOP_block:
        return do_block(v);
    case SCHEDOP_poll:
        return do_poll(v, a->a[1]);
    case SCHEDOP_shutdown:
    case SCHEDOP_shutdown_code:
        if (copy_from_guest(v, &s, a->a[1], sizeof s))
            return -EFAULT;
        if (s.reason > SHUTDOWN_MAX)
            return -EINVAL;
        if (a->a[0] == SCHEDOP_shutdown_code) {
            __atomic_store_n(&v->d->shutdown_code, s.reason, __ATOMIC_RELAXED); /* xl reads it */
            return 0;
        }
        hvlog("domain %u requested shutdown (reason %u)", v->d->domid, s.reason);
        domain_shutdown(v->d, s.reason);
        return 0;
    case SCHEDOP_remote_shutdown:
    case SCHEDOP_pin_override:
        return -EPERM;
    default:
        return -ENOSYS;
    }
}

/* Absolute Xen system time in ns; 0 cancels. Absurdly far deadlines are clamped as Xen does.
 * 32-bit callers pass the time in two registers (low word first). */
long hc_set_timer_op(struct vcpu *v, const struct hc_args *a)
{
    uint64_t t = hc_compat(v) ? (a->a[1] << 32 | a->a[0]) : a->a[0];
    if (t >> 50)
        t = now_ns() + (1ULL << 50);
    v->timer_deadline = t;
    return 0;
}
