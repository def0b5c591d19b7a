/* hv_fakes_hc.c: the rest of pvisord that hypercall handlers call (time, waits, shutdown, crash
 * reports, the substrate's registers and PVH hooks), faked for hypercall_dispatch() without
 * KVM. */
#include <stdatomic.h>
#include <string.h>

#include "hv_fakes.h"

uint64_t fake_now = 1000000000ULL;
unsigned fake_waits, fake_crashes;
struct sub_regs fake_regs;
static bool waited; /* a wait happened: the domain looks stopped until fake_wake() */

void fake_wake(void)
{
    waited = false;
}

uint64_t now_ns(void)
{
    return fake_now += 1000;
}

void vcpu_wait(struct vcpu *v, uint64_t deadline)
{
    (void)v;
    fake_waits++;
    if (deadline > fake_now)
        fake_now = deadline;
    waited = true;
}

bool domain_running(struct domain *d)
{
    unsigned f = atomic_load(&d->flags);
    return !waited && !(f & (PVCTL_DOMF_DYING | PVCTL_DOMF_SHUTDOWN)) &&
           atomic_load(&d->pause_count) == 0;
}

void domain_shutdown(struct domain *d, unsigned reason)
{
    if (atomic_load(&d->flags) & (PVCTL_DOMF_SHUTDOWN | PVCTL_DOMF_DYING))
        return;
    d->shutdown_code = reason;
    atomic_fetch_or(&d->flags,
                    PVCTL_DOMF_SHUTDOWN | ((reason & 0xff) << PVCTL_DOMF_SHUTDOWN_SHIFT));
}

void vcpu_crash(struct vcpu *v, const char *why)
{
    (void)why;
    fake_crashes++;
    domain_shutdown(v->d, SHUTDOWN_crash);
}

/* vcpu.c's timer rules, on fake time. */
uint64_t vcpu_next_deadline(struct vcpu *v, uint64_t extra)
{
    uint64_t next = v->timer_deadline;
    if (v->periodic_period && (!next || v->periodic_next < next))
        next = v->periodic_next;
    if (extra && (!next || extra < next))
        next = extra;
    return next;
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
        v->periodic_next +=
            ((now - v->periodic_next) / v->periodic_period + 1) * v->periodic_period;
        fire = true;
    }
    if (fire)
        evtchn_send_virq(v, VIRQ_TIMER);
}

bool vcpu_events_pending(struct vcpu *v)
{
    struct vcpu_info *vi = vcpu_vinfo(v);
    return vi && __atomic_load_n(&vi->evtchn_upcall_pending, __ATOMIC_ACQUIRE);
}

void vcpu_update_time(struct vcpu *v)
{
    (void)v;
}

void domain_update_wallclock(struct domain *d)
{
    (void)d;
}

void domlog(struct domain *d, const char *fmt, ...)
{
    (void)d, (void)fmt;
}

void logbuf_write(struct logbuf *l, const char *s, size_t n)
{
    (void)l, (void)s, (void)n;
}

void tsc_scale(uint32_t khz, uint32_t *mul, int8_t *shift)
{
    (void)khz;
    *mul = 1u << 31;
    *shift = 0;
}

/* ---- the substrate ------------------------------------------------------------------------- */

uint32_t sub_tsc_khz(void)
{
    return 2100000;
}

struct sub_regs *sub_vcpu_regs(struct sub_vcpu *v)
{
    (void)v;
    return &fake_regs;
}

void sub_vcpu_regs_dirty(struct sub_vcpu *v)
{
    (void)v;
}

int sub_vcpu_set_cr3(struct sub_vcpu *v, uint64_t cr3)
{
    (void)v, (void)cr3;
    return 0;
}

int sub_vm_trap_wrmsr(struct sub_vm *vm, uint32_t msr)
{
    (void)vm, (void)msr;
    return 0;
}

int sub_vcpu_set_flat32(struct sub_vcpu *v)
{
    (void)v;
    return 0;
}

int sub_vcpu_set_cpuid(struct sub_vcpu *v, const struct sub_cpuid_leaf *leaves, unsigned n)
{
    (void)v, (void)leaves, (void)n;
    return 0;
}

void sub_vcpu_msr_done(struct sub_vcpu *v, bool error)
{
    (void)v, (void)error;
}

bool sub_vcpu_irq_ready(struct sub_vcpu *v)
{
    (void)v;
    return true;
}

int sub_vcpu_inject_irq(struct sub_vcpu *v, uint8_t vector)
{
    (void)v, (void)vector;
    return 0;
}

void sub_vcpu_request_irq_window(struct sub_vcpu *v, bool on)
{
    (void)v, (void)on;
}
