/* hvfuzz.c: shared parts of the hypervisor fuzz targets: domain set-up and teardown on the fake
 * core, one hypercall, the event-channel and grant-table invariants. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xen/grant_table.h>

#include "hvfuzz.h"

#define ENTRIES_PER_FRAME 512
#define DOM0_SCAN         64 /* domain 0's ports the guests can reach are the first ones */

struct domain *hvf_d[2];
unsigned hvf_dom0_port[2];
static int dom0_q;   /* the dom0 "process" owning the domain-0 ports */
static bool verbose; /* HVFUZZ_VERBOSE set: trace every hypercall */
#define Q ((struct dom0_evq *)&dom0_q)

void hvf_fail(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    fprintf(stderr, "hvfuzz: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

/* L4 at frame 0 -> L3 at 1 -> L2 at 2 -> L1 at 3: virtual = physical for the first 2 MiB. */
static void page_tables(struct domain *d)
{
    uint64_t *l4 = gmem_ptr(d, 0, 4096), *l3 = gmem_ptr(d, 4096, 4096),
             *l2 = gmem_ptr(d, 2 * 4096, 4096), *l1 = gmem_ptr(d, 3 * 4096, 4096);
    const uint64_t f = PTE_P | PTE_RW | PTE_US | PTE_A;

    l4[0] = 1 * 4096 | f;
    l3[0] = 2 * 4096 | f;
    l2[0] = 3 * 4096 | f;
    for (uint64_t i = 0; i < 512; i++)
        l1[i] = i * 4096 | f;
}

static void set_mode(struct domain *d, enum hvf_mode m)
{
    d->type = m == HVF_PV64 ? PVCTL_TYPE_PV : PVCTL_TYPE_PVH;
    if (m == HVF_PV64)
        page_tables(d);
    for (unsigned i = 0; i < d->max_vcpus; i++) {
        struct vcpu *v = d->vcpus[i];
        v->pv64 = m == HVF_PV64;
        v->cr3 = 0;
        v->pvh = m != HVF_PV64;
        v->hc_compat = m == HVF_PVH32;
    }
}

void hvf_start(enum hvf_mode a, enum hvf_mode b)
{
    verbose = getenv("HVFUZZ_VERBOSE") != NULL;
    hvf_d[0] = fake_domain(1, HVF_PAGES_A, 2, 64, 4);
    hvf_d[1] = fake_domain(2, HVF_PAGES_B, 1, 32, 2);
    set_mode(hvf_d[0], a);
    set_mode(hvf_d[1], b);
    fake_mode = (struct sub_mode){.cr0 = 1, .efer = 1ULL << 10, .cs_l = true};
    fake_regs = (struct sub_regs){0};
    for (int i = 0; i < 2; i++)
        if (evtchn_dom0_alloc(Q, (domid_t)(i + 1), &hvf_dom0_port[i]) < 0)
            hvf_fail("no domain-0 port");
}

void hvf_stop(void)
{
    struct domain *d0 = domain_get_any(0);

    for (int i = 0; i < 2; i++)
        gnttab_teardown(hvf_d[i]);
    for (int i = 0; i < 2; i++)
        evtchn_teardown(hvf_d[i]);
    for (int i = 0; i < 2; i++) /* guests cannot allocate domain-0 ports: these are all */
        if (evtchn_dom0_owned(Q, hvf_dom0_port[i]))
            evtchn_close(d0, hvf_dom0_port[i]);
    for (unsigned p = 1; p < DOM0_SCAN; p++)
        if (d0->evtchn[p].state != ECS_FREE)
            hvf_fail("domain-0 port %u left in state %u", p, d0->evtchn[p].state);
    for (int i = 0; i < 2; i++) {
        if (atomic_load(&hvf_d[i]->refs) != 1)
            hvf_fail("domain %u: %d references after teardown", hvf_d[i]->domid,
                     atomic_load(&hvf_d[i]->refs));
        fake_domain_free(hvf_d[i]);
        hvf_d[i] = NULL;
    }
}

long hvf_call(struct vcpu *v, unsigned nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
              uint64_t a4, uint64_t a5)
{
    struct hc_args a = {{a0, a1, a2, a3, a4, a5}};
    bool noreg = false;

    if (v->hc_compat)
        for (int i = 0; i < 6; i++)
            a.a[i] &= 0xffffffffULL;
    fake_wake();
    long r = hypercall_dispatch(v, nr, &a, &noreg);
    if (verbose)
        fprintf(stderr, "d%u v%u: hypercall %u (%#llx, %#llx, %#llx) = %ld\n", v->d->domid, v->id,
                nr, (unsigned long long)a.a[0], (unsigned long long)a.a[1],
                (unsigned long long)a.a[2], r);
    return r;
}

/* --- invariants ------------------------------------------------------------------------ */

HVF_NO_COVERAGE static struct domain *by_id(uint32_t domid)
{
    if (domid == 0)
        return domain_get_any(0);
    for (int i = 0; i < 2; i++)
        if (hvf_d[i]->domid == domid)
            return hvf_d[i];
    return NULL;
}

HVF_NO_COVERAGE static void check_ports(struct domain *d, unsigned nports)
{
    if (d->evtchn[0].state != ECS_RESERVED)
        hvf_fail("domain %u: port 0 not reserved", d->domid);
    for (unsigned p = 1; p < nports; p++) {
        const struct evtchn *c = &d->evtchn[p];
        switch (c->state) {
        case ECS_FREE:
        case ECS_UNBOUND:
        case ECS_IPI:
            break;
        case ECS_INTERDOMAIN: {
            struct domain *r = by_id(c->remote_dom);
            const struct evtchn *rc =
                r && c->remote_port < r->max_evtchn ? &r->evtchn[c->remote_port] : NULL;
            if (!rc || rc->state != ECS_INTERDOMAIN || rc->remote_dom != d->domid ||
                rc->remote_port != p)
                hvf_fail("domain %u port %u: interdomain peer %u:%u does not point back", d->domid,
                         p, c->remote_dom, c->remote_port);
            break;
        }
        case ECS_VIRQ:
            if (c->notify_vcpu >= PVISOR_MAX_VCPUS || c->virq >= NR_VIRQS ||
                d->virq_port[c->notify_vcpu][c->virq] != p)
                hvf_fail("domain %u port %u: VIRQ %u of vCPU %u not registered", d->domid, p,
                         c->virq, c->notify_vcpu);
            break;
        default:
            hvf_fail("domain %u port %u: state %u", d->domid, p, c->state);
        }
        if (d->domid && c->state != ECS_FREE && c->notify_vcpu >= d->max_vcpus)
            hvf_fail("domain %u port %u: notifies vCPU %u of %u", d->domid, p, c->notify_vcpu,
                     d->max_vcpus);
    }
    for (unsigned v = 0; d->domid && v < d->max_vcpus; v++)
        for (unsigned q = 0; q < NR_VIRQS; q++) {
            unsigned p = d->virq_port[v][q];
            if (p && (p >= d->max_evtchn || d->evtchn[p].state != ECS_VIRQ ||
                      d->evtchn[p].virq != q || d->evtchn[p].notify_vcpu != v))
                hvf_fail("domain %u: VIRQ %u of vCPU %u registered at port %u, which is not it",
                         d->domid, q, v, p);
        }
}

HVF_NO_COVERAGE static void check_grants(void)
{
    static uint32_t ro[2][PVISOR_MAX_GNT_FRAMES * ENTRIES_PER_FRAME];
    static uint32_t rw[2][PVISOR_MAX_GNT_FRAMES * ENTRIES_PER_FRAME];
    int held[2] = {0, 0}; /* mappings of domain i's grants held by the other domain */

    for (int g = 0; g < 2; g++) {
        size_t n = hvf_d[g]->gt.nr_frames * ENTRIES_PER_FRAME;
        memset(ro[g], 0, n * sizeof(ro[g][0]));
        memset(rw[g], 0, n * sizeof(rw[g][0]));
    }
    for (int m = 0; m < 2; m++) {
        struct domain *d = hvf_d[m];
        unsigned used = 0;
        for (unsigned h = 0; d->gt.maptrack && h < PVISOR_MAPTRACK; h++) {
            const struct gnt_maptrack *mt = &d->gt.maptrack[h];
            if (!mt->gd)
                continue;
            used++;
            int g = mt->gd == hvf_d[0] ? 0 : mt->gd == hvf_d[1] ? 1 : -1;
            if (g < 0 || mt->busy)
                hvf_fail("domain %u handle %u: granter %p, busy %u", d->domid, h, (void *)mt->gd,
                         mt->busy);
            if (mt->ref >= hvf_d[g]->gt.nr_frames * ENTRIES_PER_FRAME)
                hvf_fail("domain %u handle %u: ref %u beyond the table", d->domid, h, mt->ref);
            (mt->readonly ? ro : rw)[g][mt->ref]++;
            held[g] += g != m;
        }
        if (used != d->gt.nr_maps)
            hvf_fail("domain %u: nr_maps %u, %u handles in use", d->domid, d->gt.nr_maps, used);
    }
    for (int g = 0; g < 2; g++) {
        struct domain *d = hvf_d[g];
        for (uint32_t ref = 0; ref < d->gt.nr_frames * ENTRIES_PER_FRAME; ref++) {
            const struct gnt_active *a =
                &d->gt.active[ref / ENTRIES_PER_FRAME][ref % ENTRIES_PER_FRAME];
            if (a->pin_ro != ro[g][ref] || a->pin_rw != rw[g][ref])
                hvf_fail("domain %u ref %u: pins ro %u rw %u, mappings ro %u rw %u", d->domid, ref,
                         a->pin_ro, a->pin_rw, ro[g][ref], rw[g][ref]);
        }
        if (atomic_load(&d->refs) != 1 + held[g])
            hvf_fail("domain %u: %d references, expected %d", d->domid, atomic_load(&d->refs),
                     1 + held[g]);
    }
}

HVF_NO_COVERAGE void hvf_check(void)
{
    for (int i = 0; i < 2; i++)
        check_ports(hvf_d[i], hvf_d[i]->max_evtchn);
    check_ports(domain_get_any(0), DOM0_SCAN);
    check_grants();
}
