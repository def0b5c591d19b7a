/* hv_fakes.c: the parts of pvisord that touch KVM, threads or the domain table, replaced for unit
 * suites. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hv_fakes.h"

unsigned fake_kicks;
int fake_dom0_port = -1;
unsigned fake_dom0_deliveries;
static struct domain *g_table[64];
static struct domain g_dom0 = {.domid = 0};

struct domain *fake_domain(uint32_t domid, unsigned pages, unsigned nvcpus, unsigned ports,
                           unsigned gnt_frames)
{
    struct domain *d = calloc(1, sizeof *d);
    d->domid = domid;
    d->ram_pages = d->max_pages = pages;
    d->special_pfn = pages;
    d->mem_size = (uint64_t)(pages + PVISOR_NR_SPECIAL) << PVISOR_PAGE_SHIFT;
    /* as domain.c: a memfd (grant maps map it), then the grant window, nothing mapped */
    d->memfd = memfd_create("fake-domain", MFD_CLOEXEC);
    if (d->memfd < 0 || ftruncate(d->memfd, (off_t)d->mem_size) < 0)
        abort();
    d->mem = mmap(NULL, d->mem_size, PROT_READ | PROT_WRITE, MAP_SHARED, d->memfd, 0);
    d->populated = calloc((pages + 7) / 8, 1);
    for (unsigned p = 0; p < pages; p++)
        d->populated[p / 8] |= (uint8_t)(1u << (p % 8));
    d->nr_pages = pages;
    d->gwin_pfn = pages + PVISOR_NR_SPECIAL;
    d->gwin = mmap(NULL, PVISOR_MAPTRACK * PVISOR_PAGE_SIZE, PROT_NONE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (d->mem == MAP_FAILED || d->gwin == MAP_FAILED || !d->populated)
        abort();
    d->type = PVCTL_TYPE_PV;
    d->max_grant_frames = gnt_frames;
    atomic_init(&d->refs, 1);
    pthread_mutex_init(&d->lock, NULL);
    d->max_vcpus = nvcpus;
    for (unsigned i = 0; i < nvcpus; i++) {
        d->vcpus[i] = calloc(1, sizeof(struct vcpu));
        d->vcpus[i]->d = d;
        d->vcpus[i]->id = i;
    }
    evtchn_init(d, ports);
    gnttab_init(d, gnt_frames);
    g_table[domid] = d;
    return d;
}

void fake_domain_free(struct domain *d)
{
    g_table[d->domid] = NULL;
    gnttab_teardown(d);
    evtchn_teardown(d);
    gnttab_free(d);
    for (unsigned i = 0; i < d->max_vcpus; i++)
        free(d->vcpus[i]);
    for (unsigned i = 0; i < d->nr_xmap; i++)
        munmap(d->xmap[i].host, PVISOR_PAGE_SIZE);
    munmap(d->gwin, PVISOR_MAPTRACK * PVISOR_PAGE_SIZE);
    munmap(d->mem, d->mem_size);
    close(d->memfd);
    free(d->populated);
    free(d->e820);
    free(d);
}

struct domain *domain_get(uint32_t domid)
{
    struct domain *d = domid && domid < 64 ? g_table[domid] : NULL;
    if (d)
        atomic_fetch_add(&d->refs, 1);
    return d;
}

struct domain *domain_get_any(uint32_t domid)
{
    if (domid)
        return domain_get(domid);
    if (!g_dom0.evtchn) {
        pthread_mutex_init(&g_dom0.lock, NULL);
        evtchn_init(&g_dom0, PVISOR_DOM0_PORTS);
    }
    return &g_dom0;
}

void domain_put(struct domain *d)
{
    if (d && d != &g_dom0)
        atomic_fetch_sub(&d->refs, 1);
}

void vcpu_kick(struct vcpu *v)
{
    (void)v;
    fake_kicks++;
}

void dom0_evq_deliver(struct dom0_evq *q, unsigned port)
{
    (void)q;
    fake_dom0_port = (int)port;
    fake_dom0_deliveries++;
}

void hvlog(const char *fmt, ...)
{
    (void)fmt;
}

int sub_vm_flush_shadow(struct sub_vm *vm)
{
    (void)vm;
    return 0;
}

int sub_vm_set_memory(struct sub_vm *vm, unsigned slot, uint64_t gpa, uint64_t size, void *host)
{
    (void)vm, (void)slot, (void)gpa, (void)size, (void)host;
    return 0;
}

struct sub_mode fake_mode;

int sub_vcpu_get_mode(struct sub_vcpu *v, struct sub_mode *m)
{
    (void)v;
    *m = fake_mode;
    return 0;
}
