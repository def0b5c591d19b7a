/*
 * main.c: the selftest PV guest: exercises every hypercall pvisor offers, error cases
 * included, printing one TAP-like line per check and "selftest: N passed, N failed".
 */
#include "st.h"

static unsigned int n_checks, n_passed, n_failed;

/* Formats "value" or "value (ENAME)" for negative errno values. */
static void fmt_value(char *buf, size_t size, long v)
{
    const char *name = v < 0 && v > -4096 ? pv_errno_name((int)-v) : NULL;
    if (name)
        snprintf(buf, size, "%ld %s", v, name);
    else
        snprintf(buf, size, "%ld", v);
}

static bool report(bool ok, const char *got, const char *want, const char *fmt, va_list ap)
{
    char desc[200];
    vsnprintf(desc, sizeof(desc), fmt, ap);
    n_checks++;
    if (ok) {
        n_passed++;
        printk("ok %u - %s\n", n_checks, desc);
    } else {
        n_failed++;
        printk("not ok %u - %s (got %s, want %s)\n", n_checks, desc, got, want);
    }
    return ok;
}

bool st_eq(long got, long want, const char *fmt, ...)
{
    char g[48], w[48];
    fmt_value(g, sizeof(g), got);
    fmt_value(w, sizeof(w), want);
    va_list ap;
    va_start(ap, fmt);
    bool ok = report(got == want, g, w, fmt, ap);
    va_end(ap);
    return ok;
}

bool st_ok(bool cond, long got, const char *want, const char *fmt, ...)
{
    char g[48];
    fmt_value(g, sizeof(g), got);
    va_list ap;
    va_start(ap, fmt);
    bool ok = report(cond, g, want, fmt, ap);
    va_end(ap);
    return ok;
}

bool st_zero_padded(const char *buf, size_t size, const char *fmt, ...)
{
    size_t len = strnlen(buf, size);
    size_t bad = size;
    for (size_t i = len; i < size; i++)
        if (buf[i]) {
            bad = i;
            break;
        }
    char g[64];
    if (len == size)
        snprintf(g, sizeof(g), "no NUL in %zu bytes", size);
    else if (bad < size)
        snprintf(g, sizeof(g), "nonzero byte %#x at offset %zu", (unsigned char)buf[bad], bad);
    else
        snprintf(g, sizeof(g), "\"%.40s\"", buf);
    va_list ap;
    va_start(ap, fmt);
    bool ok = report(len < size && bad == size, g, "a NUL-terminated, zero-padded string", fmt, ap);
    va_end(ap);
    return ok;
}

void st_note(const char *fmt, ...)
{
    char buf[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    printk("# %s\n", buf);
}

bool st_wait_ticks(uint64_t want, uint64_t deadline_ns)
{
    evtchn_port_t port = pv_timer_port();
    while (pv_timer_ticks() < want) {
        if (pv_now_ns() >= deadline_ns)
            return false;
        /* Returns when the port is pending (the event is then delivered on the way
         * out, events being enabled) or at the deadline. */
        (void)pv_poll(&port, 1, deadline_ns);
        pv_events_force();
    }
    return true;
}

bool st_wait_flag(volatile unsigned int *flag, uint64_t timeout_ns)
{
    uint64_t deadline = pv_now_ns() + timeout_ns;
    while (!READ_ONCE(*flag)) {
        if (pv_now_ns() >= deadline)
            return false;
        pv_sleep_ns(100 * NSEC_PER_USEC);
    }
    return true;
}

/* The last group: shutdown-related calls that leave the domain running. */
static void st_shutdown_code(void)
{
    struct sched_shutdown sd = {.reason = SHUTDOWN_poweroff};
    st_eq(HYPERVISOR_sched_op(SCHEDOP_shutdown_code, &sd), 0,
          "sched_op shutdown_code(poweroff) records the reason and returns");
}

int main(const char *cmdline)
{
    printk("selftest: starting on %u vcpu(s), %lu pages\n", pv_nr_cpus(), pv_nr_pages());
    st_version();
    st_memory();
    st_mmu();
    st_callbacks();
    st_vcpu();
    st_evtchn();
    st_gnttab();
    st_timers();
    st_privileged();
    st_shutdown_code();
    printk("selftest: %u passed, %u failed\n", n_passed, n_failed);
    return 0;
}
