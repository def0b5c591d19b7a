/* evtchn.c: event channels with Xen's 2-level ABI: port state machine, pending/mask bits, delivery. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pvisord.h"

#define BITS_PER_WORD 64

/* Taken before any domain lock by operations that lock two domains (bind, close, reset),
 * so that two domains' locks are never taken in opposite orders. */
static pthread_mutex_t g_pair_lock = PTHREAD_MUTEX_INITIALIZER;

static bool is_global_virq(unsigned virq)
{
    switch (virq) {
    case VIRQ_TIMER:
    case VIRQ_DEBUG:
    case VIRQ_XENOPROF:
    case VIRQ_XENPMU:
        return false;
    default:
        return true;
    }
}

int evtchn_init(struct domain *d, unsigned max_ports)
{
    d->evtchn = calloc(max_ports, sizeof *d->evtchn);
    if (!d->evtchn)
        return -ENOMEM;
    d->max_evtchn = max_ports;
    d->evtchn[0].state = ECS_RESERVED; /* port 0 is never handed out */
    return 0;
}

static bool port_valid(struct domain *d, unsigned port)
{
    return port < d->max_evtchn;
}

static struct vcpu *vcpu_of(struct domain *d, unsigned id)
{
    return id < d->max_vcpus ? d->vcpus[id] : NULL;
}

static int alloc_port(struct domain *d)
{
    for (unsigned p = 1; p < d->max_evtchn; p++)
        if (d->evtchn[p].state == ECS_FREE)
            return (int)p;
    return -ENOSPC;
}

static void clear_bits(struct domain *d, unsigned port)
{
    struct shared_info *s = domain_shinfo(d);
    if (!s) /* domain 0: the owning process keeps its own bits */
        return;
    __atomic_fetch_and(&s->evtchn_pending[port / BITS_PER_WORD],
                       ~(1UL << (port % BITS_PER_WORD)), __ATOMIC_SEQ_CST);
}

/* Sets the selector bit for word, then upcall_pending; true if the upcall became due. */
static bool mark_upcall(struct vcpu *v, unsigned word)
{
    struct vcpu_info *vi = vcpu_vinfo(v);
    unsigned long sel = 1UL << word;
    return vi && !(__atomic_fetch_or(&vi->evtchn_pending_sel, sel, __ATOMIC_SEQ_CST) & sel) &&
           !__atomic_exchange_n(&vi->evtchn_upcall_pending, 1, __ATOMIC_SEQ_CST);
}

/* Xen's 2-level rules: pending bit, then (if unmasked) selector bit, then upcall_pending. */
void evtchn_set_pending(struct domain *d, unsigned port)
{
    if (d->domid == 0) { /* a dom0 process's port: its handle keeps the bits */
        dom0_evq_deliver(d->evtchn[port].q, port);
        return;
    }
    struct shared_info *s = domain_shinfo(d);
    unsigned long bit = 1UL << (port % BITS_PER_WORD);
    unsigned word = port / BITS_PER_WORD;
    struct vcpu *v = vcpu_of(d, d->evtchn[port].notify_vcpu);
    if (!v)
        return;
    if (__atomic_fetch_or(&s->evtchn_pending[word], bit, __ATOMIC_SEQ_CST) & bit)
        return;
    bool wake = atomic_load(&v->blocked); /* pollers wake even for masked ports */
    if (!(__atomic_load_n(&s->evtchn_mask[word], __ATOMIC_SEQ_CST) & bit) && mark_upcall(v, word))
        wake = true;
    if (wake)
        vcpu_kick(v);
}

int evtchn_send_virq(struct vcpu *v, unsigned virq)
{
    struct domain *d = v->d;
    pthread_mutex_lock(&d->lock);
    unsigned port = d->virq_port[v->id][virq];
    if (port)
        evtchn_set_pending(d, port);
    pthread_mutex_unlock(&d->lock);
    return port ? 0 : -ENOENT;
}

int evtchn_alloc_unbound(struct domain *d, domid_t remote, unsigned *port)
{
    pthread_mutex_lock(&d->lock);
    int p = alloc_port(d);
    if (p > 0) {
        d->evtchn[p].state = ECS_UNBOUND;
        d->evtchn[p].remote_dom = remote;
        d->evtchn[p].notify_vcpu = 0;
        *port = (unsigned)p;
    }
    pthread_mutex_unlock(&d->lock);
    return p < 0 ? p : 0;
}

/* Closes a port; an interdomain peer falls back to unbound (towards us). Lock held. */
static void close_port_locked(struct domain *d, unsigned port)
{
    struct evtchn *c = &d->evtchn[port];
    if (c->state == ECS_VIRQ && d->virq_port[c->notify_vcpu][c->virq] == port)
        d->virq_port[c->notify_vcpu][c->virq] = 0;
    if (c->state == ECS_INTERDOMAIN) {
        uint32_t rdom = c->remote_dom, rport = c->remote_port;
        struct domain *rd = rdom == d->domid ? d : domain_get_any(rdom);
        if (rd == d) {
            if (port_valid(d, rport) && d->evtchn[rport].state == ECS_INTERDOMAIN) {
                d->evtchn[rport].state = ECS_UNBOUND;
                d->evtchn[rport].remote_dom = (uint16_t)d->domid;
            }
        } else if (rd) {
            pthread_mutex_lock(&rd->lock);
            struct evtchn *rc = port_valid(rd, rport) ? &rd->evtchn[rport] : NULL;
            if (rc && rc->state == ECS_INTERDOMAIN && rc->remote_dom == d->domid &&
                rc->remote_port == port) {
                rc->state = ECS_UNBOUND;
                rc->remote_dom = (uint16_t)d->domid;
            }
            pthread_mutex_unlock(&rd->lock);
            domain_put(rd);
        }
    }
    memset(c, 0, sizeof *c);
    clear_bits(d, port);
}

void evtchn_teardown(struct domain *d)
{
    if (!d->evtchn)
        return;
    evtchn_reset(d);
    pthread_mutex_lock(&d->lock);
    free(d->evtchn);
    d->evtchn = NULL;
    d->max_evtchn = 0;
    pthread_mutex_unlock(&d->lock);
}

/* ---- operations (callers hold no locks) ---------------------------------------- */

int evtchn_close(struct domain *d, unsigned port)
{
    int r = 0;
    pthread_mutex_lock(&g_pair_lock);
    pthread_mutex_lock(&d->lock);
    if (!port_valid(d, port) || d->evtchn[port].state == ECS_FREE ||
        d->evtchn[port].state == ECS_RESERVED)
        r = -EINVAL;
    else
        close_port_locked(d, port);
    pthread_mutex_unlock(&d->lock);
    pthread_mutex_unlock(&g_pair_lock);
    return r;
}

/* Binds a new local port of ld (owned by q if ld is domain 0) to rd's unbound port
 * rport, as Xen's bind_interdomain. */
static int bind_interdomain(struct domain *ld, struct domain *rd, unsigned rport,
                            struct dom0_evq *q, unsigned *lport)
{
    struct domain *first = ld->domid <= rd->domid ? ld : rd, *second = first == ld ? rd : ld;
    pthread_mutex_lock(&g_pair_lock);
    pthread_mutex_lock(&first->lock);
    if (second != first)
        pthread_mutex_lock(&second->lock);
    int r = -EINVAL;
    struct evtchn *rc = port_valid(rd, rport) ? &rd->evtchn[rport] : NULL;
    if (rc && rc->state == ECS_UNBOUND && rc->remote_dom == ld->domid) {
        int p = alloc_port(ld);
        r = p;
        if (p > 0) {
            ld->evtchn[p] = (struct evtchn){.state = ECS_INTERDOMAIN, .remote_dom = (uint16_t)rd->domid,
                                            .remote_port = rport, .q = q};
            rc->state = ECS_INTERDOMAIN;
            rc->remote_dom = (uint16_t)ld->domid;
            rc->remote_port = (uint32_t)p;
            *lport = (unsigned)p;
            evtchn_set_pending(ld, (unsigned)p); /* as Xen: the new local end starts pending */
            r = 0;
        }
    }
    if (second != first)
        pthread_mutex_unlock(&second->lock);
    pthread_mutex_unlock(&first->lock);
    pthread_mutex_unlock(&g_pair_lock);
    return r;
}

int evtchn_bind_interdomain(struct domain *ld, struct domain *rd, unsigned rport, unsigned *lport)
{
    return bind_interdomain(ld, rd, rport, NULL, lport);
}

int evtchn_send(struct domain *d, unsigned port)
{
    pthread_mutex_lock(&d->lock);
    if (!port_valid(d, port)) {
        pthread_mutex_unlock(&d->lock);
        return -EINVAL;
    }
    struct evtchn c = d->evtchn[port];
    int r = 0;
    if (c.state == ECS_IPI)
        evtchn_set_pending(d, port);
    else if (c.state != ECS_INTERDOMAIN && c.state != ECS_UNBOUND)
        r = -EINVAL;
    pthread_mutex_unlock(&d->lock);
    if (r < 0 || c.state != ECS_INTERDOMAIN)
        return r;
    struct domain *rd = c.remote_dom == d->domid ? d : domain_get_any(c.remote_dom);
    if (!rd)
        return 0;
    pthread_mutex_lock(&rd->lock);
    if (port_valid(rd, c.remote_port) && rd->evtchn[c.remote_port].state == ECS_INTERDOMAIN &&
        rd->evtchn[c.remote_port].remote_dom == d->domid)
        evtchn_set_pending(rd, c.remote_port);
    pthread_mutex_unlock(&rd->lock);
    if (rd != d)
        domain_put(rd);
    return 0;
}

int evtchn_bind_virq(struct domain *d, unsigned virq, unsigned vcpu, unsigned *port)
{
    if (virq >= NR_VIRQS)
        return -EINVAL;
    if (is_global_virq(virq) && vcpu != 0)
        return -EINVAL;
    if (!vcpu_of(d, vcpu))
        return -ENOENT;
    pthread_mutex_lock(&d->lock);
    int r = d->virq_port[vcpu][virq] ? -EEXIST : alloc_port(d);
    if (r > 0) {
        d->evtchn[r] = (struct evtchn){.state = ECS_VIRQ, .virq = (uint8_t)virq,
                                       .notify_vcpu = (uint16_t)vcpu};
        d->virq_port[vcpu][virq] = (uint16_t)r;
        *port = (unsigned)r;
        r = 0;
    }
    pthread_mutex_unlock(&d->lock);
    return r;
}

int evtchn_bind_ipi(struct domain *d, unsigned vcpu, unsigned *port)
{
    if (!vcpu_of(d, vcpu))
        return -ENOENT;
    pthread_mutex_lock(&d->lock);
    int r = alloc_port(d);
    if (r > 0) {
        d->evtchn[r] = (struct evtchn){.state = ECS_IPI, .notify_vcpu = (uint16_t)vcpu};
        *port = (unsigned)r;
        r = 0;
    }
    pthread_mutex_unlock(&d->lock);
    return r;
}

int evtchn_bind_vcpu(struct domain *d, unsigned port, unsigned vcpu)
{
    if (!vcpu_of(d, vcpu))
        return -ENOENT;
    pthread_mutex_lock(&d->lock);
    int r = 0;
    struct evtchn *c = port_valid(d, port) ? &d->evtchn[port] : NULL;
    if (!c)
        r = -EINVAL;
    else if (c->state == ECS_VIRQ && is_global_virq(c->virq)) {
        d->virq_port[c->notify_vcpu][c->virq] = 0;
        d->virq_port[vcpu][c->virq] = (uint16_t)port;
        c->notify_vcpu = (uint16_t)vcpu;
    } else if (c->state == ECS_UNBOUND || c->state == ECS_INTERDOMAIN)
        c->notify_vcpu = (uint16_t)vcpu;
    else
        r = -EINVAL;
    pthread_mutex_unlock(&d->lock);
    return r;
}

int evtchn_unmask(struct domain *d, unsigned port)
{
    if (!port_valid(d, port))
        return -EINVAL;
    struct shared_info *s = domain_shinfo(d);
    unsigned long bit = 1UL << (port % BITS_PER_WORD);
    unsigned word = port / BITS_PER_WORD;
    pthread_mutex_lock(&d->lock);
    struct vcpu *v = vcpu_of(d, d->evtchn[port].notify_vcpu);
    if ((__atomic_fetch_and(&s->evtchn_mask[word], ~bit, __ATOMIC_SEQ_CST) & bit) &&
        (__atomic_load_n(&s->evtchn_pending[word], __ATOMIC_SEQ_CST) & bit) && v &&
        mark_upcall(v, word))
        vcpu_kick(v);
    pthread_mutex_unlock(&d->lock);
    return 0;
}

int evtchn_status(struct domain *d, unsigned port, struct evtchn_status *st)
{
    if (!port_valid(d, port))
        return -EINVAL;
    pthread_mutex_lock(&d->lock);
    struct evtchn c = d->evtchn[port];
    pthread_mutex_unlock(&d->lock);
    static const uint32_t map[] = {[ECS_FREE] = EVTCHNSTAT_closed, [ECS_RESERVED] = EVTCHNSTAT_closed,
                                   [ECS_UNBOUND] = EVTCHNSTAT_unbound,
                                   [ECS_INTERDOMAIN] = EVTCHNSTAT_interdomain,
                                   [ECS_VIRQ] = EVTCHNSTAT_virq, [ECS_IPI] = EVTCHNSTAT_ipi};
    st->status = map[c.state];
    st->vcpu = c.notify_vcpu;
    if (c.state == ECS_UNBOUND)
        st->u.unbound.dom = c.remote_dom;
    else if (c.state == ECS_INTERDOMAIN) {
        st->u.interdomain.dom = c.remote_dom;
        st->u.interdomain.port = c.remote_port;
    } else if (c.state == ECS_VIRQ)
        st->u.virq = c.virq;
    return 0;
}

int evtchn_reset(struct domain *d)
{
    pthread_mutex_lock(&g_pair_lock);
    pthread_mutex_lock(&d->lock);
    for (unsigned p = 1; p < d->max_evtchn; p++)
        if (d->evtchn[p].state != ECS_FREE && d->evtchn[p].state != ECS_RESERVED)
            close_port_locked(d, p);
    pthread_mutex_unlock(&d->lock);
    pthread_mutex_unlock(&g_pair_lock);
    return 0;
}

bool evtchn_port_pending(struct domain *d, unsigned port)
{
    if (!port_valid(d, port))
        return false;
    struct shared_info *s = domain_shinfo(d);
    return __atomic_load_n(&s->evtchn_pending[port / BITS_PER_WORD], __ATOMIC_SEQ_CST) &
           (1UL << (port % BITS_PER_WORD));
}

/* ---- domain 0's ports: owned by dom0 processes' handles ---------------------------- */

int evtchn_dom0_bind(struct dom0_evq *q, struct domain *rd, unsigned rport, unsigned *lport)
{
    struct domain *d0 = domain_get_any(0);
    int r = bind_interdomain(d0, rd, rport, q, lport);
    domain_put(d0);
    return r;
}

int evtchn_dom0_alloc(struct dom0_evq *q, domid_t remote, unsigned *lport)
{
    struct domain *d0 = domain_get_any(0);
    int r = evtchn_alloc_unbound(d0, remote, lport);
    if (r == 0) {
        pthread_mutex_lock(&d0->lock);
        d0->evtchn[*lport].q = q;
        pthread_mutex_unlock(&d0->lock);
    }
    domain_put(d0);
    return r;
}

bool evtchn_dom0_owned(struct dom0_evq *q, unsigned port)
{
    struct domain *d0 = domain_get_any(0);
    pthread_mutex_lock(&d0->lock);
    bool own = port_valid(d0, port) && d0->evtchn[port].q == q &&
               d0->evtchn[port].state != ECS_FREE;
    pthread_mutex_unlock(&d0->lock);
    domain_put(d0);
    return own;
}

void evtchn_dom0_release(struct dom0_evq *q)
{
    struct domain *d0 = domain_get_any(0);
    pthread_mutex_lock(&g_pair_lock);
    pthread_mutex_lock(&d0->lock);
    for (unsigned p = 1; p < d0->max_evtchn; p++)
        if (d0->evtchn[p].q == q && d0->evtchn[p].state != ECS_FREE)
            close_port_locked(d0, p);
    pthread_mutex_unlock(&d0->lock);
    pthread_mutex_unlock(&g_pair_lock);
    domain_put(d0);
}
