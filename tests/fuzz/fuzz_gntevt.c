/* fuzz_gntevt.c: libFuzzer target: hostile guests' sequences of grant-table and event-channel
 * operations (GNTTABOP_*, EVTCHNOP_*, grant entries, add_to_physmap) between two domains and
 * domain 0, through the hypercall dispatcher, with pin, reference and port invariants. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xen/compat.h>
#include <xen/event_channel.h>
#include <xen/grant_table.h>
#include <xen/memory.h>
#include <xen/vcpu.h>

#include "hvfuzz.h"

/*
 * Input: a configuration byte (bits 0-1 domain 1's mode, 2-3 domain 2's: PV64, PVH64,
 * PVH32), then operations: an opcode byte (bits 0-4 the operation, bit 5 the acting
 * domain, bit 6 its vCPU, bit 7 a second batch entry) and its argument bytes. The actor
 * builds each request in its frame 10 and passes its address, as a guest does; ports and
 * grant handles it got back are remembered and reused, so that later operations name
 * real ones. At most 64 operations per input; hvf_check() after each (hvfuzz.h), and the
 * teardown must give back every reference and domain-0 port.
 */
#define SCRATCH   (10 * 4096ULL)
#define LIST      (11 * 4096ULL)
#define MAX_OPS   64
#define NREMEMBER 8

struct in {
    const uint8_t *p, *end;
};

static uint8_t byte(struct in *in)
{
    return in->p < in->end ? *in->p++ : 0;
}

static uint32_t u32(struct in *in)
{
    uint32_t v = 0;

    for (int i = 0; i < 4; i++)
        v |= (uint32_t)byte(in) << (8 * i);
    return v;
}

/* What each domain got back: ports, grant handles (with the host_addr used). */
static struct {
    uint32_t port[NREMEMBER];
    unsigned nport;
    struct {
        uint32_t handle;
        uint64_t host_addr;
    } map[NREMEMBER];
    unsigned nmap;
} R[2];

static void remember_port(int i, uint32_t p)
{
    R[i].port[R[i].nport++ % NREMEMBER] = p;
}

static uint32_t pick_port(struct in *in, int i)
{
    uint8_t b = byte(in);
    unsigned n = R[i].nport < NREMEMBER ? R[i].nport : NREMEMBER;

    if ((b & 3) == 3 || n == 0)
        return b >> 2; /* any small port, or 0 */
    if ((b & 3) == 2)
        return hvf_dom0_port[i];
    return R[i].port[(b >> 2) % n];
}

/* A domain id as a guest might name it: the other one, itself, DOMID_SELF, 0, nonsense. */
static domid_t pick_dom(struct in *in, int i)
{
    static const domid_t odd[] = {DOMID_SELF, 0, 3, 0x7fff, 0xffff};
    uint8_t b = byte(in) % 8;

    if (b < 2)
        return (domid_t)(2 - i); /* the other domain */
    if (b == 2)
        return (domid_t)(i + 1);
    return odd[b - 3];
}

static void *scratch(struct domain *d, uint64_t gpa, size_t len)
{
    void *p = gmem_ptr(d, gpa, len);

    if (p)
        memset(p, 0, len);
    return p;
}

static long call(struct vcpu *v, unsigned nr, uint64_t a0, uint64_t a1, uint64_t a2)
{
    return hvf_call(v, nr, a0, a1, a2, 0, 0, 0);
}

/* The guest writes one of its own grant entries (no hypercall). */
static void op_grant(struct in *in, int i)
{
    struct domain *d = hvf_d[i];
    uint8_t rb = byte(in), fb = byte(in), frb = byte(in);
    uint32_t ref = rb & 0x80 ? rb : rb % 16;
    struct grant_entry_v1 *e;

    pthread_mutex_lock(&d->lock);
    e = gnttab_entry(d, ref);
    pthread_mutex_unlock(&d->lock);
    domid_t to = pick_dom(in, i);
    if (!e)
        return;
    e->frame = frb & 0x80 ? frb * 997u : frb % d->ram_pages;
    e->domid = to;
    __atomic_store_n(
        &e->flags,
        (uint16_t)(fb & 0x80 ? fb : (fb & 1 ? GTF_permit_access : 0) | (fb & 2 ? GTF_readonly : 0)),
        __ATOMIC_RELEASE);
}

static uint64_t host_addr(struct in *in, struct domain *d, uint32_t *flags)
{
    uint8_t b = byte(in);

    if (b & 0x80) { /* contains_pte: the machine address of an L1 entry (frame 3) */
        *flags |= GNTMAP_contains_pte;
        return 3 * 4096ULL + (b & 0x7f) * 8ULL * 4 + (b & 1 ? 4 : 0);
    }
    return (uint64_t)(b % d->ram_pages) << 12 | (b & 0x40 ? 0x10 : 0);
}

static void op_map(struct in *in, int i, struct vcpu *v, unsigned count)
{
    struct domain *d = hvf_d[i];
    struct gnttab_map_grant_ref *m = scratch(d, SCRATCH, count * sizeof(*m));

    for (unsigned k = 0; k < count; k++) {
        uint8_t f = byte(in), rb = byte(in);
        m[k].flags = (f & 1 ? GNTMAP_host_map : 0) | (f & 2 ? GNTMAP_device_map : 0) |
                     (f & 4 ? GNTMAP_readonly : 0) | (f & 0x80 ? f : 0);
        m[k].ref = rb & 0x80 ? rb * 31u : rb % 16;
        m[k].dom = pick_dom(in, i);
        m[k].host_addr = host_addr(in, d, &m[k].flags);
    }
    call(v, __HYPERVISOR_grant_table_op, GNTTABOP_map_grant_ref, SCRATCH, count);
    m = gmem_ptr(d, SCRATCH, count * sizeof(*m)); /* the guest reads the results */
    for (unsigned k = 0; m && k < count; k++) {
        if (getenv("HVFUZZ_VERBOSE"))
            fprintf(stderr, "  map ref %u of d%u: status %d handle %u\n", m[k].ref, m[k].dom,
                    m[k].status, m[k].handle);
        if (m[k].status == GNTST_okay) {
            unsigned slot = R[i].nmap++ % NREMEMBER;
            R[i].map[slot].handle = m[k].handle;
            R[i].map[slot].host_addr = m[k].host_addr;
        }
    }
}

static void op_unmap(struct in *in, int i, struct vcpu *v, unsigned count)
{
    struct domain *d = hvf_d[i];
    struct gnttab_unmap_grant_ref *u = scratch(d, SCRATCH, count * sizeof(*u));
    unsigned n = R[i].nmap < NREMEMBER ? R[i].nmap : NREMEMBER;

    for (unsigned k = 0; k < count; k++) {
        uint8_t b = byte(in);
        if (n && !(b & 0x80)) {
            u[k].handle = R[i].map[b % n].handle;
            u[k].host_addr = b & 0x40 ? 0 : R[i].map[b % n].host_addr;
        } else {
            u[k].handle = b & 0x40 ? 0xffffffffu : b & 0x3f;
            u[k].host_addr = host_addr(in, d, &(uint32_t){0});
        }
    }
    call(v, __HYPERVISOR_grant_table_op, GNTTABOP_unmap_grant_ref, SCRATCH, count);
}

static void copy_ptr(struct in *in, int i, struct gnttab_copy_ptr *p, bool *gref)
{
    uint8_t b = byte(in), o = byte(in);

    *gref = b & 1;
    if (*gref) {
        p->u.ref = b & 0x80 ? b * 131u : (b >> 1) % 16;
        p->domid = pick_dom(in, i);
    } else {
        p->u.gmfn = b & 0x80 ? b * 4099ull : (b >> 1) % hvf_d[i]->ram_pages;
        p->domid = b & 0x40 ? (domid_t)(i + 1) : DOMID_SELF;
    }
    p->offset = (uint16_t)(o & 0x80 ? o * 33u : o * 8u);
}

static void op_copy(struct in *in, int i, struct vcpu *v, unsigned count)
{
    struct domain *d = hvf_d[i];
    struct gnttab_copy c[2];

    memset(c, 0, sizeof(c));
    for (unsigned k = 0; k < count; k++) {
        bool sg, dg;
        copy_ptr(in, i, &c[k].source, &sg);
        copy_ptr(in, i, &c[k].dest, &dg);
        c[k].flags = (sg ? GNTCOPY_source_gref : 0) | (dg ? GNTCOPY_dest_gref : 0);
        uint8_t l = byte(in);
        c[k].len = (uint16_t)(l & 0x80 ? l * 37u : l);
    }
    if (!v->hc_compat) {
        void *p = scratch(d, SCRATCH, count * sizeof(c[0]));
        if (p)
            memcpy(p, c, count * sizeof(c[0]));
    } else { /* 32-bit callers use Xen's compat layout */
        struct compat_gnttab_copy *cc = scratch(d, SCRATCH, count * sizeof(*cc));
        for (unsigned k = 0; cc && k < count; k++) {
            cc[k].source.u.gmfn = (uint32_t)c[k].source.u.gmfn;
            cc[k].source.domid = c[k].source.domid;
            cc[k].source.offset = c[k].source.offset;
            cc[k].dest.u.gmfn = (uint32_t)c[k].dest.u.gmfn;
            cc[k].dest.domid = c[k].dest.domid;
            cc[k].dest.offset = c[k].dest.offset;
            cc[k].len = c[k].len;
            cc[k].flags = c[k].flags;
        }
    }
    call(v, __HYPERVISOR_grant_table_op, GNTTABOP_copy, SCRATCH, count);
}

/* setup_table, query_size, set_version, get_version, get_status_frames. */
static void op_table(struct in *in, int i, struct vcpu *v)
{
    struct domain *d = hvf_d[i];
    uint8_t which = byte(in) % 5, n = byte(in);
    domid_t dom = pick_dom(in, i);
    uint32_t count = n & 0x80 ? 2 : 1;

    if (which == 0) {
        if (v->hc_compat) {
            struct compat_gnttab_setup_table *s = scratch(d, SCRATCH, sizeof(*s));
            if (s)
                *s = (struct compat_gnttab_setup_table){
                    .dom = dom, .nr_frames = n & 0x3f, .frame_list = (uint32_t)LIST};
        } else {
            struct gnttab_setup_table *s = scratch(d, SCRATCH, sizeof(*s));
            if (s) {
                *s = (struct gnttab_setup_table){.dom = dom, .nr_frames = n & 0x3f};
                s->frame_list.p = (xen_pfn_t *)(uintptr_t)LIST;
            }
        }
        call(v, __HYPERVISOR_grant_table_op, GNTTABOP_setup_table, SCRATCH, count);
        return;
    }
    static const unsigned ops[] = {0, GNTTABOP_query_size, GNTTABOP_set_version,
                                   GNTTABOP_get_version, GNTTABOP_get_status_frames};
    uint8_t *p = scratch(d, SCRATCH, 64);
    if (p) {
        memcpy(p, &dom, sizeof(dom));
        if (ops[which] == GNTTABOP_set_version)
            p[0] = n & 3, p[1] = p[2] = p[3] = 0;
    }
    call(v, __HYPERVISOR_grant_table_op, ops[which], SCRATCH, count);
}

/* Event-channel operations: the argument struct in the scratch frame. */
static void op_evtchn(struct in *in, int i, struct vcpu *v, unsigned cmd)
{
    struct domain *d = hvf_d[i];
    uint8_t *p = scratch(d, SCRATCH, 64);
    long r;

    if (!p)
        return;
    switch (cmd) {
    case EVTCHNOP_alloc_unbound: {
        struct evtchn_alloc_unbound *a = (void *)p;
        a->dom = byte(in) & 1 ? DOMID_SELF : pick_dom(in, i);
        a->remote_dom = pick_dom(in, i);
        break;
    }
    case EVTCHNOP_bind_interdomain: {
        struct evtchn_bind_interdomain *a = (void *)p;
        uint8_t b = byte(in);
        a->remote_dom = pick_dom(in, i);
        a->remote_port = b & 1 ? pick_port(in, 1 - i) : b & 2 ? hvf_dom0_port[i] : pick_port(in, i);
        break;
    }
    case EVTCHNOP_bind_virq: {
        struct evtchn_bind_virq *a = (void *)p;
        uint8_t b = byte(in);
        a->virq = b % 26;
        a->vcpu = b >> 6;
        break;
    }
    case EVTCHNOP_bind_ipi:
        ((struct evtchn_bind_ipi *)(void *)p)->vcpu = byte(in) % 3;
        break;
    case EVTCHNOP_close:
    case EVTCHNOP_send:
    case EVTCHNOP_unmask:
        *(evtchn_port_t *)(void *)p = pick_port(in, i);
        break;
    case EVTCHNOP_status: {
        struct evtchn_status *a = (void *)p;
        a->dom = byte(in) & 1 ? DOMID_SELF : pick_dom(in, i);
        a->port = pick_port(in, i);
        break;
    }
    case EVTCHNOP_bind_vcpu: {
        struct evtchn_bind_vcpu *a = (void *)p;
        a->port = pick_port(in, i);
        a->vcpu = byte(in) % 3;
        break;
    }
    case EVTCHNOP_reset:
        ((struct evtchn_reset *)(void *)p)->dom = byte(in) & 1 ? DOMID_SELF : pick_dom(in, i);
        break;
    default: { /* init_control */
        struct evtchn_init_control *a = (void *)p;
        a->control_gfn = u32(in);
        a->offset = byte(in) * 8u;
        a->vcpu = byte(in) % 3;
    }
    }
    r = call(v, __HYPERVISOR_event_channel_op, cmd, SCRATCH, 0);
    p = gmem_ptr(d, SCRATCH, 64);
    if (r || !p)
        return;
    if (cmd == EVTCHNOP_alloc_unbound)
        remember_port(i, ((struct evtchn_alloc_unbound *)(void *)p)->port);
    else if (cmd == EVTCHNOP_bind_interdomain)
        remember_port(i, ((struct evtchn_bind_interdomain *)(void *)p)->local_port);
    else if (cmd == EVTCHNOP_bind_virq)
        remember_port(i, ((struct evtchn_bind_virq *)(void *)p)->port);
    else if (cmd == EVTCHNOP_bind_ipi)
        remember_port(i, ((struct evtchn_bind_ipi *)(void *)p)->port);
}

/* XENMEM_add_to_physmap of a grant frame (grows the table) or shared_info. */
static void op_physmap(struct in *in, int i, struct vcpu *v)
{
    struct domain *d = hvf_d[i];
    uint8_t b = byte(in), g = byte(in);
    uint64_t gpfn = g & 0x80 ? d->special_pfn + (g & 0x7f) : 40u + (g % 8);

    if (v->hc_compat) {
        struct compat_xen_add_to_physmap *x = scratch(d, SCRATCH, sizeof(*x));
        if (x)
            *x = (struct compat_xen_add_to_physmap){.domid = DOMID_SELF,
                                                    .space = b & 1 ? XENMAPSPACE_shared_info
                                                                   : XENMAPSPACE_grant_table,
                                                    .idx = b >> 1,
                                                    .gpfn = (uint32_t)gpfn};
    } else {
        struct xen_add_to_physmap *x = scratch(d, SCRATCH, sizeof(*x));
        if (x)
            *x = (struct xen_add_to_physmap){.domid = DOMID_SELF,
                                             .space = b & 1 ? XENMAPSPACE_shared_info
                                                            : XENMAPSPACE_grant_table,
                                             .idx = b >> 1,
                                             .gpfn = gpfn};
    }
    call(v, __HYPERVISOR_memory_op, XENMEM_add_to_physmap, SCRATCH, 0);
}

/* The guest masks or unmasks a port itself, or moves its vcpu_info. */
static void op_guest(struct in *in, int i, struct vcpu *v)
{
    struct domain *d = hvf_d[i];
    uint8_t b = byte(in);
    uint32_t port = pick_port(in, i);

    if (b & 1) {
        struct vcpu_register_vcpu_info *r = scratch(d, SCRATCH, sizeof(*r));
        if (r)
            *r = (struct vcpu_register_vcpu_info){.mfn = 12 + (b >> 5), .offset = (b & 0x1e) * 64u};
        call(v, __HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, v->id, SCRATCH);
        return;
    }
    uint8_t *mask = (uint8_t *)domain_shinfo(d) +
                    (d->shinfo_compat ? offsetof(struct compat_shared_info, evtchn_mask)
                                      : offsetof(struct shared_info, evtchn_mask));
    if (port < 1024) {
        if (b & 2)
            __atomic_fetch_or(&mask[port / 8], (uint8_t)(1u << (port % 8)), __ATOMIC_SEQ_CST);
        else
            __atomic_fetch_and(&mask[port / 8], (uint8_t) ~(1u << (port % 8)), __ATOMIC_SEQ_CST);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const unsigned evt_ops[] = {EVTCHNOP_alloc_unbound, EVTCHNOP_bind_interdomain,
                                       EVTCHNOP_bind_virq,     EVTCHNOP_bind_ipi,
                                       EVTCHNOP_close,         EVTCHNOP_send,
                                       EVTCHNOP_unmask,        EVTCHNOP_status,
                                       EVTCHNOP_bind_vcpu,     EVTCHNOP_reset,
                                       EVTCHNOP_init_control};
    struct in in = {data, data + size};
    uint8_t cfg = byte(&in);

    memset(R, 0, sizeof(R));
    hvf_start((enum hvf_mode)((cfg & 3) % 3), (enum hvf_mode)(((cfg >> 2) & 3) % 3));
    for (unsigned n = 0; in.p < in.end && n < MAX_OPS; n++) {
        uint8_t opc = byte(&in), op = opc & 31;
        int i = (opc >> 5) & 1;
        struct vcpu *v = hvf_d[i]->vcpus[(opc >> 6) & 1 && hvf_d[i]->max_vcpus > 1];
        unsigned count = opc & 0x80 ? 2 : 1;

        if (op < 4)
            op_grant(&in, i);
        else if (op < 8)
            op_map(&in, i, v, count);
        else if (op < 11)
            op_unmap(&in, i, v, count);
        else if (op < 13)
            op_copy(&in, i, v, count);
        else if (op == 13)
            op_table(&in, i, v);
        else if (op < 14 + 11)
            op_evtchn(&in, i, v, evt_ops[op - 14]);
        else if (op < 28)
            op_physmap(&in, i, v);
        else
            op_guest(&in, i, v);
        hvf_check();
    }
    hvf_stop();
    return 0;
}
