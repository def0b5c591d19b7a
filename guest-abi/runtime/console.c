/* console.c: printk and panic over the console_io hypercall, serialised across vCPUs. */
#include <xen/sched.h>
#include <pvguest/console.h>
#include <pvguest/events.h>
#include <pvguest/hypercall.h>
#include <pvguest/printf.h>
#include <pvguest/sched.h>
#include <pvguest/string.h>

#define PRINTK_MAX    1024
#define CONSOLE_CHUNK 4096

static pv_spinlock_t console_lock = PV_SPINLOCK_INIT;

/* Caller holds console_lock with events masked. */
static void console_write_locked(const char *buf, size_t len)
{
    while (len) {
        unsigned int n = len > CONSOLE_CHUNK ? CONSOLE_CHUNK : (unsigned int)len;
        long rc = HYPERVISOR_console_io(CONSOLEIO_write, n, buf);
        if (rc < 0)
            return; /* nowhere else to report it */
        buf += n;
        len -= n;
    }
}

/*
 * The holder may be a vCPU whose host thread is not running (more vCPUs than host CPUs):
 * spin briefly, then give our CPU away with SCHEDOP_yield instead of burning it.
 */
static void console_lock_acquire(void)
{
    while (!pv_spin_trylock(&console_lock)) {
        for (int i = 0; i < 256 && READ_ONCE(console_lock.locked); i++)
            cpu_relax();
        if (READ_ONCE(console_lock.locked))
            pv_yield();
    }
}

void pv_console_write(const char *buf, size_t len)
{
    unsigned long flags = pv_events_save();
    console_lock_acquire();
    console_write_locked(buf, len);
    pv_spin_unlock(&console_lock);
    pv_events_restore(flags);
}

int vprintk(const char *fmt, va_list ap)
{
    char buf[PRINTK_MAX];
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    if (n < 0)
        return n;
    if ((size_t)n >= sizeof(buf)) {
        static const char cut[] = "[...]\n";
        memcpy(buf + sizeof(buf) - sizeof(cut), cut, sizeof(cut));
        n = (int)sizeof(buf) - 1;
    }
    pv_console_write(buf, (size_t)n);
    return n;
}

int printk(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vprintk(fmt, ap);
    va_end(ap);
    return n;
}

void panic(const char *fmt, ...)
{
    static volatile uint32_t in_panic;
    char buf[512];
    va_list ap;

    pv_events_disable();
    int len = snprintf(buf, sizeof(buf), "panic (vcpu %u): ", smp_processor_id());
    if (len < 0 || (size_t)len >= sizeof(buf))
        len = 0;
    va_start(ap, fmt);
    vsnprintf(buf + len, sizeof(buf) - (size_t)len, fmt, ap);
    va_end(ap);
    size_t n = strnlen(buf, sizeof(buf) - 2);
    buf[n++] = '\n';
    /* Never wait for the lock here: the panicking vCPU may hold it already. */
    if (!__atomic_exchange_n(&in_panic, 1, __ATOMIC_SEQ_CST) && pv_spin_trylock(&console_lock)) {
        console_write_locked(buf, n);
        pv_spin_unlock(&console_lock);
    } else {
        (void)HYPERVISOR_console_io(CONSOLEIO_write, (unsigned int)n, buf);
    }
    pv_shutdown(SHUTDOWN_crash);
}
