/* vcpu.c: one thread per vCPU: the run loop, hypercall exits, waits, timers, kicks and crash reports. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <x86intrin.h>

#include <xen/compat.h>

#include "pvisord.h"

bool g_trace_hypercalls;

uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * NSEC_PER_SEC + (uint64_t)t.tv_nsec;
}

/* v->sv is created and destroyed by v's thread while others kick it: wait_lock covers
 * both (publish_sv, drop_sv), so a kick never touches a destroyed substrate vCPU. */
void vcpu_kick(struct vcpu *v)
{
    atomic_store(&v->kick, true);
    pthread_mutex_lock(&v->wait_lock);
    pthread_cond_broadcast(&v->cond);
    if (v->sv && atomic_load(&v->running))
        sub_vcpu_kick(v->sv);
    pthread_mutex_unlock(&v->wait_lock);
}

void vcpu_wait(struct vcpu *v, uint64_t deadline)
{
    pthread_mutex_lock(&v->wait_lock);
    while (!atomic_load(&v->kick)) {
        if (!deadline) {
            pthread_cond_wait(&v->cond, &v->wait_lock);
            continue;
        }
        uint64_t now = now_ns();
        if (now >= deadline)
            break;
        struct timespec ts = ns_to_timespec(deadline);
        pthread_cond_timedwait(&v->cond, &v->wait_lock, &ts);
    }
    atomic_store(&v->kick, false);
    pthread_mutex_unlock(&v->wait_lock);
}

/* ---- time ------------------------------------------------------------------ */

void tsc_scale(uint32_t khz, uint32_t *mul, int8_t *shift)
{
    uint64_t num = 1000000ULL, den = khz ? khz : 1000000ULL;
    int s = 0;
    while (num >= den) {
        den <<= 1;
        s++;
    }
    while (num * 2 < den) {
        num <<= 1;
        s--;
    }
    *mul = (uint32_t)((num << 32) / den);
    *shift = (int8_t)s;
}

void vcpu_update_time(struct vcpu *v)
{
    struct vcpu_info *vi = vcpu_vinfo(v);
    if (!vi)
        return;
    struct vcpu_time_info *t = &vi->time;
    uint32_t mul;
    int8_t shift;
    tsc_scale(sub_tsc_khz(), &mul, &shift);
    __atomic_store_n(&t->version, (t->version + 1) | 1, __ATOMIC_SEQ_CST);
    t->tsc_timestamp = __rdtsc() + v->d->tsc_offset;
    t->system_time = now_ns();
    t->tsc_to_system_mul = mul;
    t->tsc_shift = shift;
    t->flags = 0;
    __atomic_store_n(&t->version, (t->version + 1) & ~1u, __ATOMIC_SEQ_CST);
    v->time_updated = t->system_time;
}

/* The wall-clock fields of shared_info: where the guest's layout keeps them. */
struct wallclock {
    uint32_t *version, *sec, *nsec, *sec_hi;
};

static struct wallclock wallclock_fields(struct domain *d)
{
    struct shared_info *s = domain_shinfo(d);
    if (!d->shinfo_compat)
        return (struct wallclock){&s->wc_version, &s->wc_sec, &s->wc_nsec, &s->wc_sec_hi};
    struct compat_shared_info *c = (struct compat_shared_info *)s;
    return (struct wallclock){&c->wc_version, &c->wc_sec, &c->wc_nsec, &c->arch.wc_sec_hi};
}

void domain_update_wallclock(struct domain *d)
{
    struct wallclock w = wallclock_fields(d);
    struct timespec rt;
    clock_gettime(CLOCK_REALTIME, &rt);
    uint64_t real = (uint64_t)rt.tv_sec * NSEC_PER_SEC + (uint64_t)rt.tv_nsec;
    uint64_t boot = real - now_ns(); /* wall-clock time at system time 0 */
    __atomic_store_n(w.version, (*w.version + 1) | 1, __ATOMIC_SEQ_CST);
    *w.sec = (uint32_t)(boot / NSEC_PER_SEC);
    *w.nsec = (uint32_t)(boot % NSEC_PER_SEC);
    *w.sec_hi = (uint32_t)((boot / NSEC_PER_SEC) >> 32);
    __atomic_store_n(w.version, (*w.version + 1) & ~1u, __ATOMIC_SEQ_CST);
}

uint64_t vcpu_next_deadline(struct vcpu *v, uint64_t extra)
{
    uint64_t next = v->timer_deadline;
    if (v->periodic_period && (!next || v->periodic_next < next))
        next = v->periodic_next;
    if (extra && (!next || extra < next))
        next = extra;
    return next;
}

/* Re-arms the host timer only when the deadline changed: this runs before every entry. */
static void arm_host_timer(struct vcpu *v)
{
    uint64_t next = vcpu_next_deadline(v, 0);
    if (!v->host_timer_ok || next == v->host_timer_armed)
        return;
    struct itimerspec its = {0};
    if (next)
        its.it_value = ns_to_timespec(next);
    if (timer_settime(v->host_timer, TIMER_ABSTIME, &its, NULL) == 0)
        v->host_timer_armed = next;
}

void vcpu_check_timers(struct vcpu *v)
{
    uint64_t now = now_ns();
    bool fire = false;
    if (v->timer_deadline && now >= v->timer_deadline) {
        v->timer_deadline = 0;
        fire = true;
    }
    if (v->periodic_period && now >= v->periodic_next) {
        uint64_t missed = (now - v->periodic_next) / v->periodic_period + 1;
        v->periodic_next += missed * v->periodic_period;
        fire = true;
    }
    if (fire)
        evtchn_send_virq(v, VIRQ_TIMER);
}

/* ---- crash reports ------------------------------------------------------------ */

static const char *guess_fault(struct vcpu *v, uint64_t rip, uint64_t cr2, char *buf, size_t n)
{
    uint8_t insn[4] = {0};
    if (copy_from_guest(v, insn, rip, 2) < 0) {
        snprintf(buf, n, "#PF on instruction fetch at %#llx", (unsigned long long)rip);
        return buf;
    }
    if (insn[0] == 0x0f && insn[1] == 0x0b)
        snprintf(buf, n, "#UD (ud2) at %#llx", (unsigned long long)rip);
    else if (insn[0] == 0x0f && insn[1] == 0x05)
        snprintf(buf, n, "syscall at %#llx: PV guests must not use syscall here", (unsigned long long)rip);
    else if (insn[0] == 0xf4)
        snprintf(buf, n, "#GP (hlt at CPL3) at %#llx: use SCHEDOP_block", (unsigned long long)rip);
    else if (insn[0] == 0xcc || insn[0] == 0xcd)
        snprintf(buf, n, "int3/int n at %#llx: software interrupts are not supported", (unsigned long long)rip);
    else if (cr2 && cr2 != v->last_cr2)
        snprintf(buf, n, "#PF at %#llx cr2=%#llx", (unsigned long long)rip, (unsigned long long)cr2);
    else
        snprintf(buf, n, "#GP or other exception at %#llx (insn %02x %02x)", (unsigned long long)rip,
                 insn[0], insn[1]);
    return buf;
}

void vcpu_crash(struct vcpu *v, const char *why)
{
    struct domain *d = v->d;
    struct sub_regs *r = sub_vcpu_regs(v->sv);
    uint64_t cr0 = 0, cr2 = 0, cr3 = 0, cr4 = 0, efer = 0;
    sub_vcpu_get_cregs(v->sv, &cr0, &cr2, &cr3, &cr4, &efer);
    char buf[160];
    const char *cause = why ? why : guess_fault(v, r->rip, cr2, buf, sizeof buf);
    domlog(d, "*** domain %u (%s) vcpu %u crashed: %s", d->domid, d->name, v->id, cause);
    domlog(d, "    rip=%016llx rsp=%016llx rflags=%08llx cr2=%016llx cr3=%016llx",
           (unsigned long long)r->rip, (unsigned long long)r->rsp, (unsigned long long)r->rflags,
           (unsigned long long)cr2, (unsigned long long)cr3);
    domlog(d, "    rax=%016llx rbx=%016llx rcx=%016llx rdx=%016llx", (unsigned long long)r->rax,
           (unsigned long long)r->rbx, (unsigned long long)r->rcx, (unsigned long long)r->rdx);
    domlog(d, "    rsi=%016llx rdi=%016llx rbp=%016llx r8 =%016llx", (unsigned long long)r->rsi,
           (unsigned long long)r->rdi, (unsigned long long)r->rbp, (unsigned long long)r->r8);
    domlog(d, "    r9 =%016llx r10=%016llx r11=%016llx r12=%016llx", (unsigned long long)r->r9,
           (unsigned long long)r->r10, (unsigned long long)r->r11, (unsigned long long)r->r12);
    domlog(d, "    r13=%016llx r14=%016llx r15=%016llx", (unsigned long long)r->r13,
           (unsigned long long)r->r14, (unsigned long long)r->r15);
    v->last_cr2 = cr2;
    domain_shutdown(d, SHUTDOWN_crash);
}

/* ---- the run loop -------------------------------------------------------------- */

/* After a hypercall exit RIP must be the stub's return address. PVM's emulator has already
 * moved it past `out`; VT-x/SVM fast paths leave it on the instruction. */
static void hcall_normalise_rip(struct vcpu *v, struct sub_regs *r)
{
    uint8_t b[2];
    if (copy_from_guest(v, b, r->rip, 2) == 0 && b[0] == 0xe7 && b[1] == SUB_HCALL_PORT) {
        r->rip += 2;
        sub_vcpu_regs_dirty(v->sv);
    }
}

static void handle_hcall(struct vcpu *v, uint32_t nr)
{
    struct sub_regs *r = sub_vcpu_regs(v->sv);
    hcall_normalise_rip(v, r);
    struct hc_args a = {{r->rdi, r->rsi, r->rdx, r->r10, r->r8, r->r9}};
    if (v->pvh)
        pvh_hcall_args(v, r, &a);
    bool noreg = false;
    long ret = hypercall_dispatch(v, nr, &a, &noreg);
    if (g_trace_hypercalls)
        hvlog("(d%u v%u) hypercall %u (%#llx, %#llx, %#llx) = %ld rip=%#llx rflags=%#llx",
              v->d->domid, v->id, nr, (unsigned long long)a.a[0], (unsigned long long)a.a[1],
              (unsigned long long)a.a[2], ret, (unsigned long long)r->rip,
              (unsigned long long)r->rflags);
    /* read by control-socket threads (xl list, vcpu-list); the domain's by every vCPU */
    __atomic_store_n(&v->nr_hypercalls, v->nr_hypercalls + 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&v->d->nr_hypercalls, 1, __ATOMIC_RELAXED);
    if (!noreg) {
        r = sub_vcpu_regs(v->sv);
        r->rax = (uint64_t)ret;
        sub_vcpu_regs_dirty(v->sv);
    }
}

/* The first run of a vCPU: the guest clock starts, vcpu_time_info and the wall clock. */
static void start_clock(struct vcpu *v)
{
    if (!v->d->tsc_offset)
        v->d->tsc_offset = sub_vcpu_read_tsc(v->sv) - __rdtsc();
    vcpu_update_time(v);
    if (v->id == 0)
        domain_update_wallclock(v->d);
}

static void apply_context(struct vcpu *v)
{
    struct pvctl_vcpu_ctx *c = &v->new_ctx;
    v->ctx_pending = false;
    if (c->mode == PVCTL_MODE_PVH32) {
        if (pvh_apply_context(v, c) < 0)
            vcpu_crash(v, "the substrate refused the PVH entry state");
        else
            start_clock(v);
        return;
    }
    int hv = gmem_install_hv_slot(v->d, c->cr3);
    if (hv < 0) {
        vcpu_crash(v, hv == -EEXIST ? "the guest's page tables use PML4 slot 255, which is "
                                      "reserved for the hypervisor (see docs/abi.md)"
                                    : "cr3 does not point into the guest's RAM");
        return;
    }
    if (sub_vcpu_set_pv64(v->sv, c->cr3, c->fs_base, c->gs_base, PVISOR_TSS_VA, PVISOR_TSS_LIMIT) < 0) {
        vcpu_crash(v, "the substrate refused the initial vCPU state");
        return;
    }
    v->cr3 = c->cr3;
    v->pv64 = true;
    struct sub_regs *r = sub_vcpu_regs(v->sv);
    const uint64_t *g = c->gpr;
    r->rax = g[PVCTL_RAX], r->rcx = g[PVCTL_RCX], r->rdx = g[PVCTL_RDX], r->rbx = g[PVCTL_RBX];
    r->rsp = g[PVCTL_RSP], r->rbp = g[PVCTL_RBP], r->rsi = g[PVCTL_RSI], r->rdi = g[PVCTL_RDI];
    r->r8 = g[PVCTL_R8], r->r9 = g[PVCTL_R9], r->r10 = g[PVCTL_R10], r->r11 = g[PVCTL_R11];
    r->r12 = g[PVCTL_R12], r->r13 = g[PVCTL_R13], r->r14 = g[PVCTL_R14], r->r15 = g[PVCTL_R15];
    r->rip = c->rip;
    r->rflags = (c->rflags ? c->rflags : 0x2) | RFLAGS_IOPL | RFLAGS_IF;
    sub_vcpu_regs_dirty(v->sv);
    start_clock(v);
}

static void unexpected_exit(struct vcpu *v, const struct sub_exit *e)
{
    char why[96];
    snprintf(why, sizeof why, "unexpected exit (kind %d, reason %u, port %#x)", e->kind,
             e->raw_reason, e->port);
    vcpu_crash(v, why);
}

static bool vcpu_runnable(struct vcpu *v)
{
    return atomic_load(&v->online) && (v->initialised || v->ctx_pending) && domain_running(v->d);
}

static bool dying(struct vcpu *v)
{
    return atomic_load(&v->d->flags) & PVCTL_DOMF_DYING;
}

static void handle_exit(struct vcpu *v, const struct sub_exit *e)
{
    switch (e->kind) {
    case SUB_EXIT_HCALL:
        handle_hcall(v, e->hcall_nr);
        break;
    case SUB_EXIT_KICKED:
        break;
    case SUB_EXIT_FAULT:
        vcpu_crash(v, NULL);
        break;
    case SUB_EXIT_HLT:
    case SUB_EXIT_WRMSR:
    case SUB_EXIT_IO:
    case SUB_EXIT_MMIO:
    case SUB_EXIT_IRQ_WINDOW:
        if (v->pvh)
            pvh_handle_exit(v, e);
        else if (e->kind == SUB_EXIT_HLT)
            vcpu_crash(v, "hlt from a PV guest: use SCHEDOP_block");
        else
            unexpected_exit(v, e);
        break;
    default:
        unexpected_exit(v, e);
    }
}

static void run_once(struct vcpu *v)
{
    atomic_store(&v->kick, false);
    if (v->ctx_pending) {
        apply_context(v);
        v->initialised = true;
    }
    vcpu_check_timers(v);
    if (now_ns() - v->time_updated > NSEC_PER_SEC) /* follow CLOCK_MONOTONIC's slewing */
        vcpu_update_time(v);
    if (v->pvh)
        pvh_deliver_events(v);
    else
        pv_deliver_events(v);
    arm_host_timer(v);
    struct sub_exit e = {.kind = SUB_EXIT_KICKED};
    uint64_t t0 = now_ns();
    /* running is published before kick is re-read; vcpu_kick does the reverse. */
    atomic_store(&v->running, true);
    int r = atomic_load(&v->kick) ? 0 : sub_vcpu_run(v->sv, &e);
    atomic_store(&v->running, false);
    /* only this thread writes it; control-socket threads and other vCPUs read it */
    __atomic_store_n(&v->cpu_time_ns, v->cpu_time_ns + (now_ns() - t0), __ATOMIC_RELAXED);
    if (r < 0)
        vcpu_crash(v, "the substrate failed to run the vCPU");
    else
        handle_exit(v, &e);
}

static void publish_sv(struct vcpu *v, struct sub_vcpu *sv)
{
    pthread_mutex_lock(&v->wait_lock);
    v->sv = sv;
    pthread_mutex_unlock(&v->wait_lock);
}

static void drop_sv(struct vcpu *v)
{
    struct sub_vcpu *sv = v->sv;
    publish_sv(v, NULL);
    sub_vcpu_destroy(sv);
}

static void *vcpu_thread(void *arg)
{
    struct vcpu *v = arg;
    struct sub_vcpu *sv = NULL;
    int r = sub_vcpu_create(v->d->vm, v->id, &sv);
    if (r == 0)
        publish_sv(v, sv);
    if (r == 0 && v->d->type == PVCTL_TYPE_PVH && (r = pvh_vcpu_init(v)) < 0)
        drop_sv(v);
    if (r == 0) {
        struct sigevent sev = {.sigev_notify = SIGEV_THREAD_ID, .sigev_signo = SUB_KICK_SIGNAL};
        sev._sigev_un._tid = gettid();
        v->host_timer_ok = timer_create(CLOCK_MONOTONIC, &sev, &v->host_timer) == 0;
    }
    pthread_mutex_lock(&v->wait_lock);
    v->create_err = r;
    v->ready = true;
    pthread_cond_broadcast(&v->cond);
    pthread_mutex_unlock(&v->wait_lock);
    if (r < 0)
        return NULL;
    while (!dying(v)) {
        if (!vcpu_runnable(v)) {
            vcpu_wait(v, 0);
            continue;
        }
        run_once(v);
    }
    if (v->host_timer_ok)
        timer_delete(v->host_timer);
    drop_sv(v);
    return NULL;
}

int vcpu_create(struct domain *d, unsigned id)
{
    struct vcpu *v = calloc(1, sizeof *v);
    if (!v)
        return -ENOMEM;
    v->d = d;
    v->id = id;
    v->host_cpu = -1;
    pthread_mutex_init(&v->wait_lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&v->cond, &ca);
    pthread_condattr_destroy(&ca);
    d->vcpus[id] = v;
    if (pthread_create(&v->thread, NULL, vcpu_thread, v) != 0)
        return -EAGAIN;
    v->thread_started = true;
    pthread_mutex_lock(&v->wait_lock);
    while (!v->ready)
        pthread_cond_wait(&v->cond, &v->wait_lock);
    pthread_mutex_unlock(&v->wait_lock);
    return v->create_err;
}

int vcpu_set_context(struct vcpu *v, const struct pvctl_vcpu_ctx *ctx)
{
    bool pvh = v->d->type == PVCTL_TYPE_PVH;
    if (pvh ? ctx->mode != PVCTL_MODE_PVH32 : ctx->mode != PVCTL_MODE_PV64 || !ctx->cr3)
        return -EINVAL;
    pthread_mutex_lock(&v->d->lock);
    v->new_ctx = *ctx;
    v->ctx_pending = true;
    pthread_mutex_unlock(&v->d->lock);
    atomic_store(&v->online, true);
    vcpu_kick(v);
    return 0;
}

void vcpu_stop_and_join(struct vcpu *v)
{
    if (!v->thread_started)
        return;
    vcpu_kick(v);
    pthread_join(v->thread, NULL);
    v->thread_started = false;
}

void vcpu_destroy(struct vcpu *v)
{
    vcpu_stop_and_join(v);
    pthread_cond_destroy(&v->cond);
    pthread_mutex_destroy(&v->wait_lock);
    free(v); /* domain_release took it out of d->vcpus */
}

bool vcpu_events_pending(struct vcpu *v)
{
    struct vcpu_info *vi = vcpu_vinfo(v);
    return vi && __atomic_load_n(&vi->evtchn_upcall_pending, __ATOMIC_ACQUIRE);
}
