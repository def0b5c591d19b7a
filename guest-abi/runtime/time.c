/* time.c: pvclock reading, wall clock, VIRQ_TIMER and timer-based sleeping. */
#include <xen/vcpu.h>
#include <pvguest/console.h>
#include <pvguest/events.h>
#include <pvguest/hypercall.h>
#include <pvguest/sched.h>
#include <pvguest/time.h>

/* ns = (delta shifted by tsc_shift) * mul / 2^32, as Xen defines the scaling. */
static uint64_t scale_delta(uint64_t delta, uint32_t mul, int8_t shift)
{
    if (shift < 0)
        delta >>= -shift;
    else
        delta <<= shift;
    return (uint64_t)(((unsigned __int128)delta * mul) >> 32);
}

uint64_t pv_now_ns(void)
{
    const volatile struct vcpu_time_info *t = &pv_vcpu_info()->time;
    uint32_t version;
    uint64_t ns;
    do {
        version = t->version;
        barrier();
        uint64_t stamp = t->tsc_timestamp;
        uint64_t sys = t->system_time;
        uint32_t mul = t->tsc_to_system_mul;
        int8_t shift = t->tsc_shift;
        uint64_t tsc = pv_rdtsc(); /* lfence: not before the loads above */
        ns = sys + scale_delta(tsc > stamp ? tsc - stamp : 0, mul, shift);
        barrier();
    } while ((version & 1) || version != t->version);
    return ns;
}

static uint64_t boot_ns;

void pv_time_init(void)
{
    boot_ns = pv_now_ns();
}

uint64_t pv_uptime_ns(void)
{
    return pv_now_ns() - boot_ns;
}

void pv_wallclock(struct pv_walltime *wt)
{
    const volatile shared_info_t *s = HYPERVISOR_shared_info;
    uint32_t version, nsec;
    uint64_t sec;
    do {
        version = s->wc_version;
        barrier();
        sec = ((uint64_t)s->xen_wc_sec_hi << 32) | s->wc_sec;
        nsec = s->wc_nsec;
        barrier();
    } while ((version & 1) || version != s->wc_version);

    uint64_t total = nsec + pv_now_ns();
    wt->sec = (int64_t)(sec + total / NSEC_PER_SEC);
    wt->nsec = (uint32_t)(total % NSEC_PER_SEC);
}

/* Days since 1970-01-01 -> civil date, by 400-year eras (our own derivation). */
void pv_gmtime(int64_t sec, struct pv_tm *tm)
{
    int64_t days = sec / 86400, rem = sec % 86400;
    if (rem < 0) {
        rem += 86400;
        days--;
    }
    tm->hour = (int)(rem / 3600);
    tm->min = (int)(rem / 60 % 60);
    tm->sec = (int)(rem % 60);

    int64_t z = days + 719468; /* days since 0000-03-01 */
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;                                      /* [0, 146096] */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* [0, 365] */
    int64_t mp = (5 * doy + 2) / 153;                                    /* March = 0 */
    tm->day = (int)(doy - (153 * mp + 2) / 5 + 1);
    tm->month = (int)(mp < 10 ? mp + 3 : mp - 9);
    tm->year = yoe + era * 400 + (tm->month <= 2);
}

static void timer_handler(evtchn_port_t port, void *arg)
{
    pv_this_cpu()->timer_ticks++;
}

void pv_time_init_cpu(void)
{
    struct pv_cpu *c = pv_this_cpu();
    /* Xen starts vCPUs with a 10 ms periodic timer; we only want the timers we set. */
    (void)HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, c->id, NULL);
    int port = evtchn_bind_virq(VIRQ_TIMER, c->id, timer_handler, NULL);
    if (port < 0)
        panic("cannot bind VIRQ_TIMER on vcpu %u: %d", c->id, port);
    c->timer_port = (evtchn_port_t)port;
}

uint64_t pv_timer_ticks(void)
{
    return pv_this_cpu()->timer_ticks;
}

evtchn_port_t pv_timer_port(void)
{
    return pv_this_cpu()->timer_port;
}

bool pv_wait_until(bool (*cond)(void *), void *arg, uint64_t deadline_ns)
{
    for (;;) {
        unsigned long flags = pv_events_save();
        if (cond && cond(arg)) {
            pv_events_restore(flags);
            return true;
        }
        if (deadline_ns) {
            if (pv_now_ns() >= deadline_ns) {
                pv_events_restore(flags);
                return false;
            }
            (void)HYPERVISOR_set_timer_op(deadline_ns);
        }
        pv_block(); /* unmasks atomically; handlers have run when it returns */
        if (flags)
            pv_events_disable();
    }
}

void pv_sleep_until(uint64_t deadline_ns)
{
    if (!deadline_ns)
        return; /* 0 would mean "no deadline" to pv_wait_until */
    (void)pv_wait_until(NULL, NULL, deadline_ns);
}

void pv_sleep_ns(uint64_t ns)
{
    pv_sleep_until(pv_now_ns() + ns);
}
