/* timers.c: selftest of set_timer_op, vcpu_op timers and sched_op yield/block/poll. */
#include "st.h"

#define MS      NSEC_PER_MSEC
#define SLOP_NS (200 * NSEC_PER_USEC) /* clock-read jitter we tolerate around deadlines */

static long periodic(uint64_t period_ns)
{
    struct vcpu_set_periodic_timer p = {.period_ns = period_ns};
    return HYPERVISOR_vcpu_op(VCPUOP_set_periodic_timer, 0, &p);
}

static long singleshot(uint64_t when, uint32_t flags)
{
    struct vcpu_set_singleshot_timer t = {.timeout_abs_ns = when, .flags = flags};
    return HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, 0, &t);
}

/* No VIRQ_TIMER may arrive during the next `window` ns. */
static void check_quiet(uint64_t window, const char *what)
{
    pv_events_force(); /* anything already pending counts as before */
    uint64_t before = pv_timer_ticks();
    st_ok(!st_wait_ticks(before + 1, pv_now_ns() + window), (long)(pv_timer_ticks() - before),
          "0 ticks", "no timer event after %s", what);
}

/* set_timer_op + SCHEDOP_block, with a 1 s periodic timer as backstop against a hang. */
static void st_block(void)
{
    (void)periodic(1000 * MS);
    uint64_t before = pv_timer_ticks();
    uint64_t t0 = pv_now_ns(), deadline = t0 + 20 * MS;
    st_eq(HYPERVISOR_set_timer_op(deadline), 0, "set_timer_op(now + 20 ms)");
    while (pv_now_ns() < t0 + 3000 * MS) {
        pv_events_disable();
        if (pv_timer_ticks() != before)
            break;
        pv_block();
    }
    pv_events_enable();
    uint64_t t1 = pv_now_ns();
    (void)HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL);
    st_ok(pv_timer_ticks() > before, 0, "a VIRQ_TIMER", "SCHEDOP_block woke up by VIRQ_TIMER");
    st_ok(t1 + SLOP_NS >= deadline, (long)(t1 - t0), ">= 20 ms after arming",
          "block did not wake before the deadline");
    st_ok(t1 < deadline + 500 * MS, (long)(t1 - t0), "< 520 ms after arming",
          "block woke within 500 ms of the deadline");

    st_eq(HYPERVISOR_set_timer_op(pv_now_ns() + 30 * MS), 0, "set_timer_op(now + 30 ms)");
    st_eq(HYPERVISOR_set_timer_op(0), 0, "set_timer_op(0) cancels it");
    check_quiet(80 * MS, "set_timer_op(0)");
}

static void st_poll(void)
{
    evtchn_port_t tp = pv_timer_port();
    uint64_t t0 = pv_now_ns();
    st_eq(pv_poll(&tp, 1, 1), 0, "sched_op poll with a timeout in the past");
    st_ok(pv_now_ns() - t0 < 100 * MS, (long)(pv_now_ns() - t0), "< 100 ms",
          "poll with a past timeout did not block");

    t0 = pv_now_ns();
    st_eq(pv_poll(&tp, 1, t0 + 20 * MS), 0, "sched_op poll with a 20 ms timeout");
    uint64_t waited = pv_now_ns() - t0;
    st_ok(waited + SLOP_NS >= 20 * MS && waited < 1000 * MS, (long)waited, "20..1000 ms",
          "poll slept until its timeout");

    int p = evtchn_bind_ipi(0, NULL, NULL);
    if (st_ok(p > 0, p, "a port", "bind_ipi for the poll test")) {
        evtchn_port_t port = (evtchn_port_t)p;
        evtchn_mask(port);
        st_eq(evtchn_send(port), 0, "send to the masked IPI port");
        t0 = pv_now_ns();
        st_eq(pv_poll(&port, 1, t0 + 5000 * MS), 0, "sched_op poll on a pending port");
        st_ok(pv_now_ns() - t0 < 100 * MS, (long)(pv_now_ns() - t0), "< 100 ms",
              "poll on a pending port returned at once");
        evtchn_clear(port);
        evtchn_unmask(port);
        (void)evtchn_close(port);
    }

    static evtchn_port_t many[129];
    for (size_t i = 0; i < ARRAY_SIZE(many); i++)
        many[i] = tp;
    st_eq(pv_poll(many, 129, 1), -EINVAL, "sched_op poll on 129 ports");
    evtchn_port_t bad = 100000;
    st_eq(pv_poll(&bad, 1, pv_now_ns() + 10 * MS), -EINVAL, "sched_op poll on an invalid port");
}

static void st_singleshot(void)
{
    st_eq(singleshot(1, VCPU_SSHOTTMR_future), -ETIME,
          "set_singleshot_timer in the past with VCPU_SSHOTTMR_future");
    uint64_t before = pv_timer_ticks(), t0 = pv_now_ns();
    st_eq(singleshot(t0 + 15 * MS, 0), 0, "vcpu_op set_singleshot_timer(now + 15 ms)");
    bool fired = st_wait_ticks(before + 1, t0 + 2000 * MS);
    uint64_t waited = pv_now_ns() - t0;
    st_ok(fired, (long)waited, "a tick within 2 s", "singleshot timer fired");
    st_ok(waited + SLOP_NS >= 15 * MS, (long)waited, ">= 15 ms", "singleshot not early");

    st_eq(singleshot(pv_now_ns() + 30 * MS, 0), 0, "set_singleshot_timer(now + 30 ms)");
    st_eq(HYPERVISOR_vcpu_op(VCPUOP_stop_singleshot_timer, 0, NULL), 0,
          "vcpu_op stop_singleshot_timer");
    check_quiet(80 * MS, "stop_singleshot_timer");
}

static void st_periodic(void)
{
    st_eq(periodic(100 * NSEC_PER_USEC), -EINVAL, "set_periodic_timer of 100 us (< 1 ms)");
    uint64_t before = pv_timer_ticks(), t0 = pv_now_ns();
    st_eq(periodic(10 * MS), 0, "vcpu_op set_periodic_timer(10 ms)");
    bool fired = st_wait_ticks(before + 3, t0 + 2000 * MS);
    uint64_t waited = pv_now_ns() - t0;
    st_ok(fired, (long)(pv_timer_ticks() - before), ">= 3 ticks within 2 s",
          "periodic timer ticks");
    st_ok(waited + SLOP_NS >= 20 * MS, (long)waited, ">= 20 ms for 3 ticks",
          "periodic ticks are not early");
    st_eq(HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL), 0,
          "vcpu_op stop_periodic_timer");
    check_quiet(50 * MS, "stop_periodic_timer");
}

void st_timers(void)
{
    st_eq(HYPERVISOR_sched_op(SCHEDOP_yield, NULL), 0, "sched_op yield");
    uint64_t a = pv_now_ns(), b = pv_now_ns();
    st_ok(b >= a, (long)(b - a), "monotonic", "system time does not go backwards");
    st_block();
    st_poll();
    st_singleshot();
    st_periodic();
    st_eq(HYPERVISOR_sched_op(99, NULL), -ENOSYS, "sched_op unknown command 99");
}
