/* domain.c: the domain table and domain lifecycle: create, pause, shutdown, destroy, info. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pvisord.h"

static pthread_mutex_t g_table_lock = PTHREAD_MUTEX_INITIALIZER;
static struct domain *g_domains[PVISOR_MAX_DOMAINS];
static uint32_t g_next_domid = 1;

struct domain *domain_get(uint32_t domid)
{
    struct domain *d = NULL;
    pthread_mutex_lock(&g_table_lock);
    if (domid < PVISOR_MAX_DOMAINS && g_domains[domid]) {
        d = g_domains[domid];
        atomic_fetch_add(&d->refs, 1);
    }
    pthread_mutex_unlock(&g_table_lock);
    return d;
}

static struct domain g_dom0 = {.domid = 0, .name = "Domain-0"};

struct domain *domain_get_any(uint32_t domid)
{
    if (domid != 0)
        return domain_get(domid);
    atomic_fetch_add(&g_dom0.refs, 1);
    return &g_dom0;
}

int domain_dom0_init(void)
{
    atomic_init(&g_dom0.refs, 1); /* never reaches 0: domain 0 is never freed */
    pthread_mutex_init(&g_dom0.lock, NULL);
    pthread_cond_init(&g_dom0.state_cond, NULL);
    return evtchn_init(&g_dom0, PVISOR_DOM0_PORTS);
}

/* What a destroyed domain no longer needs even while others still map its memory:
 * vCPUs, the VM, its ports and the grant mappings it holds. Idempotent. */
static void domain_release(struct domain *d)
{
    evtchn_teardown(d); /* first: afterwards no peer's send reaches our vCPUs */
    gnttab_teardown(d);
    for (unsigned i = 0; i < d->max_vcpus; i++) {
        struct vcpu *v = d->vcpus[i];
        if (!v)
            continue;
        vcpu_stop_and_join(v);
        /* control threads (domain_fill_info, vcpu-list) may still hold d: they look under
         * the lock */
        pthread_mutex_lock(&d->lock);
        d->vcpus[i] = NULL;
        pthread_mutex_unlock(&d->lock);
        vcpu_destroy(v);
    }
    sub_vm_destroy(d->vm);
    d->vm = NULL;
    for (unsigned i = 0; i < d->nr_xmap; i++)
        munmap(d->xmap[i].host, PVISOR_PAGE_SIZE);
    d->nr_xmap = 0;
}

static void domain_free(struct domain *d)
{
    domain_release(d);
    gnttab_free(d);
    if (d->gwin && d->gwin != MAP_FAILED)
        munmap(d->gwin, PVISOR_MAPTRACK * PVISOR_PAGE_SIZE);
    if (d->mem && d->mem != MAP_FAILED)
        munmap(d->mem, d->mem_size);
    if (d->memfd >= 0)
        close(d->memfd);
    free(d->populated);
    free(d->e820);
    logbuf_free(&d->log);
    pthread_mutex_destroy(&d->lock);
    pthread_cond_destroy(&d->state_cond);
    free(d);
}

void domain_put(struct domain *d)
{
    if (d && atomic_fetch_sub(&d->refs, 1) == 1 && d != &g_dom0)
        domain_free(d);
}

void domain_foreach(void (*fn)(struct domain *, void *), void *arg)
{
    pthread_mutex_lock(&g_table_lock);
    for (unsigned i = 0; i < PVISOR_MAX_DOMAINS; i++)
        if (g_domains[i])
            fn(g_domains[i], arg);
    pthread_mutex_unlock(&g_table_lock);
}

/* Reserves a domid and checks the name is unique. Called with the table lock held. */
static int table_insert(struct domain *d)
{
    for (unsigned i = 0; i < PVISOR_MAX_DOMAINS; i++)
        if (g_domains[i] && strcmp(g_domains[i]->name, d->name) == 0)
            return -EEXIST;
    for (unsigned n = 0; n < PVISOR_MAX_DOMAINS - 1; n++) {
        uint32_t id = g_next_domid;
        g_next_domid = g_next_domid + 1 >= PVISOR_MAX_DOMAINS ? 1 : g_next_domid + 1;
        if (!g_domains[id]) {
            d->domid = id;
            g_domains[id] = d;
            return 0;
        }
    }
    return -ENOSPC;
}

static int setup_memory(struct domain *d)
{
    uint64_t pages = d->max_pages + PVISOR_NR_SPECIAL;
    d->mem_size = pages << PVISOR_PAGE_SHIFT;
    d->special_pfn = d->max_pages;
    d->memfd = memfd_create("pvisor-domain", MFD_CLOEXEC);
    if (d->memfd < 0)
        return -errno;
    if (ftruncate(d->memfd, (off_t)d->mem_size) < 0)
        return -errno;
    d->mem = mmap(NULL, d->mem_size, PROT_READ | PROT_WRITE, MAP_SHARED, d->memfd, 0);
    if (d->mem == MAP_FAILED)
        return -ENOMEM;
    d->populated = calloc((d->max_pages + 7) / 8, 1);
    if (!d->populated)
        return -ENOMEM;
    for (uint64_t p = 0; p < d->ram_pages; p++)
        d->populated[p / 8] |= (uint8_t)(1u << (p % 8));
    d->nr_pages = d->ram_pages;
    gmem_init_special(d);
    /* the grant window: nothing mapped until a grant is (an access ends the guest) */
    d->gwin_pfn = pages;
    d->gwin = mmap(NULL, PVISOR_MAPTRACK * PVISOR_PAGE_SIZE, PROT_NONE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (d->gwin == MAP_FAILED)
        return -ENOMEM;
    int r = sub_vm_create(&d->vm);
    if (r == 0 && d->type == PVCTL_TYPE_PVH)
        r = pvh_domain_init(d);
    if (r == 0)
        r = sub_vm_set_memory(d->vm, SUB_SLOT_RAM, 0, d->mem_size, d->mem);
    if (r == 0)
        r = sub_vm_set_memory(d->vm, SUB_SLOT_GWIN, d->gwin_pfn << PVISOR_PAGE_SHIFT,
                              PVISOR_MAPTRACK * PVISOR_PAGE_SIZE, d->gwin);
    return r;
}

static int check_create(const struct pvctl_create *c)
{
    if (c->type != PVCTL_TYPE_PV && c->type != PVCTL_TYPE_PVH)
        return -EINVAL;
    if (c->max_vcpus < 1 || c->max_vcpus > PVISOR_MAX_VCPUS)
        return -EINVAL;
    if (c->mem_kb < 1024 || c->mem_kb % 4 || c->mem_kb > (64ULL << 20))
        return -EINVAL;
    if (c->max_mem_kb && c->max_mem_kb < c->mem_kb)
        return -EINVAL;
    if (c->max_evtchn_port > PVISOR_MAX_EVTCHN_PORTS - 1 || c->max_grant_frames > PVISOR_MAX_GNT_FRAMES)
        return -EINVAL;
    if (memchr(c->name, 0, sizeof c->name) == NULL || c->name[0] == 0)
        return -EINVAL;
    return 0;
}

static int domain_init(struct domain *d, const struct pvctl_create *c)
{
    memcpy(d->name, c->name, sizeof d->name);
    memcpy(d->uuid, c->uuid, sizeof d->uuid);
    d->type = c->type;
    d->max_vcpus = c->max_vcpus;
    d->ram_pages = c->mem_kb / 4;
    d->max_pages = (c->max_mem_kb ? c->max_mem_kb : c->mem_kb) / 4;
    d->max_grant_frames = c->max_grant_frames ? c->max_grant_frames : PVISOR_DEF_GNT_FRAMES;
    d->memfd = -1;
    atomic_init(&d->refs, 1);
    atomic_init(&d->pause_count, 1); /* created paused */
    atomic_init(&d->flags, PVCTL_DOMF_PAUSED | (c->type == PVCTL_TYPE_PVH ? PVCTL_DOMF_HVM : 0));
    pthread_mutex_init(&d->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&d->state_cond, &ca);
    pthread_condattr_destroy(&ca);
    int r = logbuf_init(&d->log, 256 * 1024);
    if (r == 0)
        r = setup_memory(d);
    if (r == 0)
        r = evtchn_init(d, c->max_evtchn_port ? c->max_evtchn_port + 1 : PVISOR_DEF_EVTCHN_PORTS);
    if (r == 0)
        r = gnttab_init(d, d->max_grant_frames);
    for (unsigned i = 0; r == 0 && i < d->max_vcpus; i++)
        r = vcpu_create(d, i);
    return r;
}

int domain_create(const struct pvctl_create *c, struct domain **out)
{
    int r = check_create(c);
    if (r < 0)
        return r;
    struct domain *d = calloc(1, sizeof *d);
    if (!d)
        return -ENOMEM;
    r = domain_init(d, c);
    if (r == 0) {
        pthread_mutex_lock(&g_table_lock);
        r = table_insert(d);
        pthread_mutex_unlock(&g_table_lock);
    }
    if (r < 0) {
        for (unsigned i = 0; i < d->max_vcpus; i++)
            if (d->vcpus[i])
                vcpu_stop_and_join(d->vcpus[i]);
        domain_free(d);
        return r;
    }
    atomic_fetch_add(&d->refs, 1); /* the caller's reference; the table holds one */
    hvlog("domain %u (%s) created: %s, %u vCPUs, %llu MiB", d->domid, d->name,
          d->type == PVCTL_TYPE_PV ? "pv" : "pvh", d->max_vcpus,
          (unsigned long long)(d->ram_pages >> 8));
    *out = d;
    return 0;
}

void domain_notify_state(struct domain *d)
{
    pthread_mutex_lock(&d->lock);
    pthread_cond_broadcast(&d->state_cond);
    for (unsigned i = 0; i < d->max_vcpus; i++) /* under the lock: see domain_release */
        if (d->vcpus[i])
            vcpu_kick(d->vcpus[i]);
    pthread_mutex_unlock(&d->lock);
}

bool domain_running(struct domain *d)
{
    unsigned f = atomic_load(&d->flags);
    return !(f & (PVCTL_DOMF_DYING | PVCTL_DOMF_SHUTDOWN)) && atomic_load(&d->pause_count) == 0;
}

int domain_destroy(struct domain *d)
{
    if (atomic_fetch_or(&d->flags, PVCTL_DOMF_DYING) & PVCTL_DOMF_DYING)
        return -EBUSY;
    pthread_mutex_lock(&g_table_lock);
    if (g_domains[d->domid] == d)
        g_domains[d->domid] = NULL;
    pthread_mutex_unlock(&g_table_lock);
    domain_notify_state(d);
    for (unsigned i = 0; i < d->max_vcpus; i++)
        if (d->vcpus[i])
            vcpu_stop_and_join(d->vcpus[i]);
    domain_release(d); /* its memory stays until the last grant mapping of it goes */
    char counts[512];
    hypercall_counts(d, counts, sizeof counts);
    hvlog("domain %u (%s) destroyed; hypercalls:%s", d->domid, d->name, counts[0] ? counts : " none");
    domain_put(d); /* the table's reference */
    return 0;
}

int domain_pause(struct domain *d)
{
    if (atomic_load(&d->flags) & PVCTL_DOMF_DYING)
        return -EBUSY;
    atomic_fetch_add(&d->pause_count, 1);
    atomic_fetch_or(&d->flags, PVCTL_DOMF_PAUSED);
    domain_notify_state(d);
    return 0;
}

int domain_unpause(struct domain *d)
{
    if (atomic_load(&d->flags) & PVCTL_DOMF_DYING)
        return -EBUSY;
    int old = atomic_load(&d->pause_count);
    do {
        if (old <= 0)
            return -EINVAL;
    } while (!atomic_compare_exchange_weak(&d->pause_count, &old, old - 1));
    if (old == 1) {
        atomic_fetch_and(&d->flags, ~PVCTL_DOMF_PAUSED);
        d->started = true;
    }
    domain_notify_state(d);
    return 0;
}

void domain_shutdown(struct domain *d, unsigned reason)
{
    unsigned old = atomic_load(&d->flags);
    if (old & (PVCTL_DOMF_SHUTDOWN | PVCTL_DOMF_DYING))
        return;
    __atomic_store_n(&d->shutdown_code, reason, __ATOMIC_RELAXED); /* published by flags */
    atomic_fetch_or(&d->flags, PVCTL_DOMF_SHUTDOWN | ((reason & 0xff) << PVCTL_DOMF_SHUTDOWN_SHIFT));
    static const char *const names[] = {"poweroff", "reboot", "suspend", "crash", "watchdog",
                                        "soft_reset"};
    hvlog("domain %u (%s) shut down: %s", d->domid, d->name,
          reason < 6 ? names[reason] : "unknown");
    domain_notify_state(d);
}

void domain_fill_info(struct domain *d, struct pvctl_dominfo *info)
{
    memset(info, 0, sizeof *info);
    info->domid = d->domid;
    unsigned f = atomic_load(&d->flags);
    unsigned online = 0, running = 0, blocked = 0;
    uint64_t cpu = 0;
    pthread_mutex_lock(&d->lock); /* vCPUs and the page count (see domain_release, hc_mm.c) */
    for (unsigned i = 0; i < d->max_vcpus; i++) {
        struct vcpu *v = d->vcpus[i];
        if (!v || !atomic_load(&v->online))
            continue;
        online++;
        cpu += __atomic_load_n(&v->cpu_time_ns, __ATOMIC_RELAXED);
        if (atomic_load(&v->blocked))
            blocked++;
        else
            running++;
    }
    info->nr_pages = d->nr_pages;
    pthread_mutex_unlock(&d->lock);
    if (!(f & (PVCTL_DOMF_SHUTDOWN | PVCTL_DOMF_DYING | PVCTL_DOMF_PAUSED))) {
        if (running)
            f |= PVCTL_DOMF_RUNNING;
        else if (blocked)
            f |= PVCTL_DOMF_BLOCKED;
    }
    info->flags = f;
    info->shutdown_code = __atomic_load_n(&d->shutdown_code, __ATOMIC_RELAXED);
    info->nr_vcpus = d->max_vcpus;
    info->nr_online_vcpus = online;
    info->type = d->type;
    info->max_pages = d->max_pages;
    info->cpu_time_ns = cpu;
    info->nr_hypercalls = __atomic_load_n(&d->nr_hypercalls, __ATOMIC_RELAXED);
    memcpy(info->name, d->name, sizeof info->name);
    memcpy(info->uuid, d->uuid, sizeof info->uuid);
}
