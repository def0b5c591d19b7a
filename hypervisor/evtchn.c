/* evtchn.c: event channels with Xen's 2-level ABI: port state machine, pending/mask bits, delivery. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xen/compat.h>

#include "pvisord.h"

#define COMPAT_MAX_PORTS (COMPAT_BITS_PER_EVTCHN_WORD * COMPAT_BITS_PER_EVTCHN_WORD)

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

/* ---- the 2-level bitmaps in shared_info, in the layout the guest latched -------------------
 * x86-64 guests use 64-bit words; 32-bit PVH guests (Xen's compat shared_info) 32-bit words,
 * the mask array elsewhere and a 32-bit selector: every access uses the guest's word size. */

struct bitmap {
    uint8_t *base;
    bool w32;
};

static struct bitmap shinfo_map(struct domain *d, bool mask)
{
    uint8_t *s = (uint8_t *)domain_shinfo(d);
    if (d->shinfo_compat)
        return (struct bitmap){s + (mask ? offsetof(struct compat_shared_info, evtchn_mask)
                                         : offsetof(struct compat_shared_info, evtchn_pending)),
                               true};
    return (struct bitmap){s + (mask ? offsetof(struct shared_info, evtchn_mask)
                                     : offsetof(struct shared_info, evtchn_pending)),
                           false};
}

static unsigned word_bits(const struct bitmap *m)
{
    return m->w32 ? 32 : 64;
}

/* Atomic set (on) or clear of bit; returns whether it was set before. */
static bool bm_update(const struct bitmap *m, unsigned bit, bool on)
{
    unsigned w = bit / word_bits(m), b = bit % word_bits(m);
    if (m->w32) {
        uint32_t *p = (uint32_t *)m->base + w, x = 1u << b;
        return (on ? __atomic_fetch_or(p, x, __ATOMIC_SEQ_CST)
                   : __atomic_fetch_and(p, ~x, __ATOMIC_SEQ_CST)) &
               x;
    }
    uint64_t *p = (uint64_t *)m->base + w, x = 1ULL << b;
    return (on ? __atomic_fetch_or(p, x, __ATOMIC_SEQ_CST)
               : __atomic_fetch_and(p, ~x, __ATOMIC_SEQ_CST)) &
           x;
}

static bool bm_test(const struct bitmap *m, unsigned bit)
{
    unsigned w = bit / word_bits(m), b = bit % word_bits(m);
    if (m->w32)
        return __atomic_load_n((uint32_t *)m->base + w, __ATOMIC_SEQ_CST) & (1u << b);
    return __atomic_load_n((uint64_t *)m->base + w, __ATOMIC_SEQ_CST) & (1ULL << b);
}

/* The vCPU's selector word, as a one-word bitmap. */
static struct bitmap selector(struct domain *d, struct vcpu_info *vi)
{
    if (d->shinfo_compat)
        return (struct bitmap){
            (uint8_t *)vi + offsetof(struct compat_vcpu_info, evtchn_pending_sel), true};
    return (struct bitmap){(uint8_t *)&vi->evtchn_pending_sel, false};
}

/* Ports the guest's layout can express (1024 with 32-bit words). */
static unsigned usable_ports(struct domain *d)
{
    return d->shinfo_compat && d->max_evtchn > COMPAT_MAX_PORTS ? COMPAT_MAX_PORTS : d->max_evtchn;
}

static int alloc_port(struct domain *d)
{
    unsigned max = usable_ports(d);
    for (unsigned p = 1; p < max; p++)
        if (d->evtchn[p].state == ECS_FREE)
            return (int)p;
    return -ENOSPC;
}

static void clear_bits(struct domain *d, unsigned port)
{
    if (!domain_shinfo(d)) /* domain 0: the owning process keeps its own bits */
        return;
    struct bitmap pending = shinfo_map(d, false);
    if (port < usable_ports(d))
        bm_update(&pending, port, false);
}

/* Sets the selector bit of port's word, then upcall_pending; true if the upcall became due. */
static bool mark_upcall(struct vcpu *v, unsigned port)
{
    struct vcpu_info *vi = vcpu_vinfo(v);
    if (!vi)
        return false;
    struct bitmap sel = selector(v->d, vi);
    return !bm_update(&sel, port / word_bits(&sel), true) &&
           !__atomic_exchange_n(&vi->evtchn_upcall_pending, 1, __ATOMIC_SEQ_CST);
}

/* Xen's 2-level rules: pending bit, then (if unmasked) selector bit, then upcall_pending. */
void evtchn_set_pending(struct domain *d, unsigned port)
{
    if (d->domid == 0) { /* a dom0 process's port: its handle keeps the bits */
        dom0_evq_deliver(d->evtchn[port].q, port);
        return;
    }
    struct bitmap pending = shinfo_map(d, false), mask = shinfo_map(d, true);
    struct vcpu *v = vcpu_of(d, d->evtchn[port].notify_vcpu);
    if (!v || port >= usable_ports(d))
        return;
    if (bm_update(&pending, port, true))
        return;
    bool wake = atomic_load(&v->blocked); /* pollers wake even for masked ports */
    if (!bm_test(&mask, port) && mark_upcall(v, port))
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

/* Whether virq is bound for vcpu; a global VIRQ, on any vCPU (bind_vcpu moves it), as Xen
 * allows one port per domain for it. Lock held. */
static bool virq_bound(struct domain *d, unsigned virq, unsigned vcpu)
{
    if (!is_global_virq(virq))
        return d->virq_port[vcpu][virq] != 0;
    for (unsigned v = 0; v < d->max_vcpus; v++)
        if (d->virq_port[v][virq])
            return true;
    return false;
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
    int r = virq_bound(d, virq, vcpu) ? -EEXIST : alloc_port(d);
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
    pthread_mutex_lock(&d->lock);
    struct bitmap pending = shinfo_map(d, false), mask = shinfo_map(d, true);
    struct vcpu *v = vcpu_of(d, d->evtchn[port].notify_vcpu);
    if (port < usable_ports(d) && bm_update(&mask, port, false) && bm_test(&pending, port) && v &&
        mark_upcall(v, port))
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
    if (!port_valid(d, port) || port >= usable_ports(d))
        return false;
    struct bitmap pending = shinfo_map(d, false);
    return bm_test(&pending, port);
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
