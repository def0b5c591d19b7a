/* hc_evtchn.c: the event_channel_op hypercall: copies arguments in and out, calls evtchn.c. */
#include <errno.h>

#include "pvisord.h"

/* Resolves DOMID_SELF / own id; other domains only for the privileged (dom0 has no vCPUs). */
static int self_only(struct vcpu *v, domid_t dom)
{
    return dom == DOMID_SELF || dom == v->d->domid ? 0 : -EPERM;
}

static long op_alloc_unbound(struct vcpu *v, uint64_t arg)
{
    struct evtchn_alloc_unbound a;
    if (copy_from_guest(v, &a, arg, sizeof a))
        return -EFAULT;
    if (self_only(v, a.dom))
        return -EPERM;
    domid_t remote = a.remote_dom == DOMID_SELF ? (domid_t)v->d->domid : a.remote_dom;
    unsigned port;
    int r = evtchn_alloc_unbound(v->d, remote, &port);
    if (r)
        return r;
    a.port = port;
    return copy_to_guest(v, arg, &a, sizeof a) ? -EFAULT : 0;
}

static long op_bind_interdomain(struct vcpu *v, uint64_t arg)
{
    struct evtchn_bind_interdomain a;
    if (copy_from_guest(v, &a, arg, sizeof a))
        return -EFAULT;
    domid_t rdom = a.remote_dom == DOMID_SELF ? (domid_t)v->d->domid : a.remote_dom;
    struct domain *rd = rdom == v->d->domid ? v->d : domain_get_any(rdom);
    if (!rd)
        return -ESRCH;
    unsigned lport;
    int r = evtchn_bind_interdomain(v->d, rd, a.remote_port, &lport);
    if (rd != v->d)
        domain_put(rd);
    if (r)
        return r;
    a.local_port = lport;
    return copy_to_guest(v, arg, &a, sizeof a) ? -EFAULT : 0;
}

static long op_bind_virq(struct vcpu *v, uint64_t arg)
{
    struct evtchn_bind_virq a;
    if (copy_from_guest(v, &a, arg, sizeof a))
        return -EFAULT;
    unsigned port;
    int r = evtchn_bind_virq(v->d, a.virq, a.vcpu, &port);
    if (r)
        return r;
    a.port = port;
    return copy_to_guest(v, arg, &a, sizeof a) ? -EFAULT : 0;
}

static long op_bind_ipi(struct vcpu *v, uint64_t arg)
{
    struct evtchn_bind_ipi a;
    if (copy_from_guest(v, &a, arg, sizeof a))
        return -EFAULT;
    unsigned port;
    int r = evtchn_bind_ipi(v->d, a.vcpu, &port);
    if (r)
        return r;
    a.port = port;
    return copy_to_guest(v, arg, &a, sizeof a) ? -EFAULT : 0;
}

static long op_port(struct vcpu *v, uint64_t arg, int (*fn)(struct domain *, unsigned))
{
    evtchn_port_t port;
    if (copy_from_guest(v, &port, arg, sizeof port))
        return -EFAULT;
    return fn(v->d, port);
}

static long op_status(struct vcpu *v, uint64_t arg)
{
    struct evtchn_status a;
    if (copy_from_guest(v, &a, arg, sizeof a))
        return -EFAULT;
    if (self_only(v, a.dom))
        return -EPERM;
    int r = evtchn_status(v->d, a.port, &a);
    if (r)
        return r;
    return copy_to_guest(v, arg, &a, sizeof a) ? -EFAULT : 0;
}

static long op_bind_vcpu(struct vcpu *v, uint64_t arg)
{
    struct evtchn_bind_vcpu a;
    if (copy_from_guest(v, &a, arg, sizeof a))
        return -EFAULT;
    return evtchn_bind_vcpu(v->d, a.port, a.vcpu);
}

static long op_reset(struct vcpu *v, uint64_t arg)
{
    struct evtchn_reset a;
    if (copy_from_guest(v, &a, arg, sizeof a))
        return -EFAULT;
    if (self_only(v, a.dom))
        return -EPERM;
    return evtchn_reset(v->d);
}

/* The FIFO ABI is not offered; arguments are still checked the way Xen checks them. */
static long op_init_control(struct vcpu *v, uint64_t arg)
{
    struct evtchn_init_control a;
    if (copy_from_guest(v, &a, arg, sizeof a))
        return -EFAULT;
    if (a.vcpu >= v->d->max_vcpus)
        return -ENOENT;
    if (a.control_gfn >= v->d->max_pages || a.offset > 4096 - 64 || (a.offset & 7))
        return -EINVAL;
    return -ENOSYS;
}

long hc_evtchn(struct vcpu *v, const struct hc_args *a)
{
    uint64_t arg = a->a[1];
    switch (a->a[0]) {
    case EVTCHNOP_alloc_unbound:
        return op_alloc_unbound(v, arg);
    case EVTCHNOP_bind_interdomain:
        return op_bind_interdomain(v, arg);
    case EVTCHNOP_bind_virq:
        return op_bind_virq(v, arg);
    case EVTCHNOP_bind_ipi:
        return op_bind_ipi(v, arg);
    case EVTCHNOP_close:
        return op_port(v, arg, evtchn_close);
    case EVTCHNOP_send:
        return op_port(v, arg, evtchn_send);
    case EVTCHNOP_unmask:
        return op_port(v, arg, evtchn_unmask);
    case EVTCHNOP_status:
        return op_status(v, arg);
    case EVTCHNOP_bind_vcpu:
        return op_bind_vcpu(v, arg);
    case EVTCHNOP_reset:
        return op_reset(v, arg);
    case EVTCHNOP_init_control:
        return op_init_control(v, arg);
    case EVTCHNOP_bind_pirq:
        return -EPERM; /* no physical IRQs for domUs */
    default:
        return -ENOSYS;
    }
}
