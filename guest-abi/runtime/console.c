/* console.c: printk and console input over the PV console ring (console_io before it is up or
 * while no backend serves it), serialised across vCPUs. */
#include <xen/io/console.h>
#include <xen/sched.h>
#include <pvguest/console.h>
#include <pvguest/events.h>
#include <pvguest/hypercall.h>
#include <pvguest/mm.h>
#include <pvguest/printf.h>
#include <pvguest/sched.h>
#include <pvguest/start.h>
#include <pvguest/string.h>
#include <pvguest/time.h>

#define PRINTK_MAX     1024
#define CONSOLE_CHUNK  4096
#define OUT_SIZE       sizeof(((struct xencons_interface *)0)->out)
#define IN_SIZE        sizeof(((struct xencons_interface *)0)->in)
#define STALL_NS       (1000 * NSEC_PER_MSEC) /* a full ring without progress this long: give up */
#define GRACE_NS       (2000 * NSEC_PER_MSEC) /* total wait for a backend that never came */
#define SLICE_NS       (10 * NSEC_PER_MSEC)   /* longest single poll (lost-wakeup safety net) */
#define INPUT_SLICE_NS (100 * NSEC_PER_MSEC)

static pv_spinlock_t console_lock = PV_SPINLOCK_INIT; /* output: ring and console_io */
static pv_spinlock_t input_lock = PV_SPINLOCK_INIT;

/* Ring state.  The indexes we produce (out_prod, in_cons) are kept here and only ever
 * written to the page; the backend's indexes are read from the page and bounded. */
static struct {
    struct xencons_interface *intf; /* NULL: console_io only */
    evtchn_port_t port;
    XENCONS_RING_IDX out_prod, in_cons;
    bool backend_seen;           /* the port was bound by a backend, or it consumed output */
    bool broken;                 /* the backend's out_cons made no sense: console_io from now on */
    bool stalled;                /* a full ring made no progress for STALL_NS ... */
    XENCONS_RING_IDX stall_cons; /* ... at this out_cons: console_io until it moves */
    uint64_t grace_left_ns;
} C = {.grace_left_ns = GRACE_NS};

static void hv_write(const char *buf, size_t len)
{
    while (len) {
        unsigned int n = len > CONSOLE_CHUNK ? CONSOLE_CHUNK : (unsigned int)len;
        if (HYPERVISOR_console_io(CONSOLEIO_write, n, buf) < 0)
            return; /* nowhere else to report it */
        buf += n;
        len -= n;
    }
}

static void console_event(evtchn_port_t port, void *arg)
{
    (void)port;
    (void)arg; /* waiters poll the port themselves; the upcall only needs to end */
}

void pv_console_init(void)
{
    const start_info_t *si = pv_start_info;
    unsigned long mfn = si->console.domU.mfn;
    uint64_t pte = 0;

    /* The builder maps the console page 1:1 inside the boot mapping (MFN == PFN). */
    if (!mfn || !si->console.domU.evtchn || mfn >= pv_mapped_end() >> PV_PAGE_SHIFT ||
        pv_pte_lookup((unsigned long)pv_mfn_to_virt(mfn), &pte, NULL) < 0 ||
        !(pte & _PAGE_PRESENT) || ((pte & PTE_FRAME_MASK) >> PV_PAGE_SHIFT) != mfn) {
        printk("pvguest: no usable console ring (mfn %#lx, port %u): console_io only\n", mfn,
               si->console.domU.evtchn);
        return;
    }
    C.port = si->console.domU.evtchn;
    C.out_prod = READ_ONCE(((struct xencons_interface *)pv_mfn_to_virt(mfn))->out_prod);
    C.in_cons = READ_ONCE(((struct xencons_interface *)pv_mfn_to_virt(mfn))->in_cons);
    (void)evtchn_set_handler(C.port, console_event, NULL);
    pv_mb();
    WRITE_ONCE(C.intf, (struct xencons_interface *)pv_mfn_to_virt(mfn));
}

/* Whether a backend has bound our port (one EVTCHNOP_status). */
static bool backend_bound(void)
{
    struct evtchn_status st = {.dom = DOMID_SELF, .port = C.port};
    return HYPERVISOR_event_channel_op(EVTCHNOP_status, &st) == 0 &&
           st.status == EVTCHNSTAT_interdomain;
}

static void check_backend(void)
{
    if (!C.backend_seen && (READ_ONCE(C.intf->out_cons) != 0 || backend_bound()))
        C.backend_seen = true;
}

/* Waits (events masked) until the output ring has room or the deadline passes. */
static bool wait_space(uint64_t deadline)
{
    for (;;) {
        evtchn_clear(C.port);
        pv_mb();
        if (C.out_prod - READ_ONCE(C.intf->out_cons) < OUT_SIZE)
            return true;
        uint64_t now = pv_now_ns();
        if (now >= deadline)
            return false;
        (void)pv_poll(&C.port, 1, PV_MIN(deadline, now + SLICE_NS));
    }
}

/* Copies n bytes (n <= free space) and notifies if the backend had caught up with us. */
static void ring_put(const char *buf, size_t n)
{
    struct xencons_interface *r = C.intf;
    XENCONS_RING_IDX prod = C.out_prod;

    for (size_t i = 0; i < n; i++)
        r->out[MASK_XENCONS_IDX(prod + i, r->out)] = buf[i];
    barrier(); /* data before the index (x86 keeps stores in order) */
    C.out_prod = prod + (XENCONS_RING_IDX)n;
    WRITE_ONCE(r->out_prod, C.out_prod);
    pv_mb(); /* publish out_prod before looking at out_cons (pairs with the backend's mb) */
    if (READ_ONCE(r->out_cons) == prod)
        (void)evtchn_send(C.port); /* it had drained everything: it may be idle */
}

/* A full ring: wait for room.  false: give up (the caller uses console_io). */
static bool ring_full(bool dual, bool may_wait, XENCONS_RING_IDX cons)
{
    if (!may_wait)
        return false;
    if (dual) { /* nobody seen yet: wait a little in case a backend is just starting */
        if (!C.grace_left_ns)
            return false;
        uint64_t t0 = pv_now_ns();
        bool ok = wait_space(t0 + C.grace_left_ns);
        uint64_t used = pv_now_ns() - t0;
        C.grace_left_ns = used >= C.grace_left_ns ? 0 : C.grace_left_ns - used;
        check_backend();
        return ok;
    }
    if (wait_space(pv_now_ns() + STALL_NS))
        return true;
    C.stalled = true;
    C.stall_cons = cons;
    return false;
}

/*
 * Caller holds console_lock with events masked.  While no backend has shown up, output also
 * goes to console_io ("dual"), so that nothing is lost without xenconsoled; afterwards the
 * ring alone carries it, and console_io takes over only while the ring is stuck.
 */
static void console_write_locked(const char *buf, size_t len, bool may_wait)
{
    if (!C.intf || C.broken) {
        hv_write(buf, len);
        return;
    }
    check_backend();
    bool dual = !C.backend_seen || !may_wait;
    if (dual)
        hv_write(buf, len);
    if (C.stalled) {
        if (READ_ONCE(C.intf->out_cons) == C.stall_cons) {
            if (!dual)
                hv_write(buf, len);
            return;
        }
        C.stalled = false; /* the backend moved again */
    }
    while (len) {
        XENCONS_RING_IDX cons = READ_ONCE(C.intf->out_cons);
        barrier();
        XENCONS_RING_IDX used = C.out_prod - cons;
        if (used > OUT_SIZE) { /* nonsense from the other side: stop using the ring */
            C.broken = true;
            if (!dual)
                hv_write(buf, len);
            return;
        }
        if (used == OUT_SIZE) {
            if (ring_full(dual, may_wait, cons))
                continue;
            if (!dual)
                hv_write(buf, len);
            return;
        }
        size_t n = PV_MIN(len, (size_t)(OUT_SIZE - used));
        ring_put(buf, n);
        buf += n;
        len -= n;
    }
}

/*
 * The holder may be a vCPU whose host thread is not running (more vCPUs than host CPUs):
 * spin briefly, then give our CPU away with SCHEDOP_yield instead of burning it.
 */
static void lock_acquire(pv_spinlock_t *l)
{
    while (!pv_spin_trylock(l)) {
        for (int i = 0; i < 256 && READ_ONCE(l->locked); i++)
            cpu_relax();
        if (READ_ONCE(l->locked))
            pv_yield();
    }
}

void pv_console_write(const char *buf, size_t len)
{
    unsigned long flags = pv_events_save();
    lock_acquire(&console_lock);
    console_write_locked(buf, len, true);
    pv_spin_unlock(&console_lock);
    pv_events_restore(flags);
}

/* ---- input --------------------------------------------------------------------------- */

size_t pv_console_read(char *buf, size_t len)
{
    struct xencons_interface *r = READ_ONCE(C.intf);
    size_t n = 0;

    if (!r || !len)
        return 0;
    unsigned long flags = pv_events_save();
    lock_acquire(&input_lock);
    XENCONS_RING_IDX prod = READ_ONCE(r->in_prod), prev = C.in_cons;
    barrier(); /* the index before the data */
    XENCONS_RING_IDX avail = prod - prev;
    if (avail > IN_SIZE) { /* nonsense: drop it and start over from there */
        C.in_cons = prod;
        WRITE_ONCE(r->in_cons, prod);
        avail = 0;
    }
    n = PV_MIN(len, (size_t)avail);
    for (size_t i = 0; i < n; i++)
        buf[i] = r->in[MASK_XENCONS_IDX(prev + i, r->in)];
    if (n) {
        C.in_cons = prev + (XENCONS_RING_IDX)n;
        pv_mb(); /* done with the data before handing the space back */
        WRITE_ONCE(r->in_cons, C.in_cons);
        pv_mb();
        /* The backend waits for room only when the ring was full: wake it then. */
        if ((XENCONS_RING_IDX)(READ_ONCE(r->in_prod) - prev) >= IN_SIZE)
            (void)evtchn_send(C.port);
    }
    pv_spin_unlock(&input_lock);
    pv_events_restore(flags);
    return n;
}

bool pv_console_wait_input(uint64_t deadline_ns)
{
    struct xencons_interface *r = READ_ONCE(C.intf);

    if (!r)
        return false;
    for (;;) {
        unsigned long flags = pv_events_save();
        evtchn_clear(C.port);
        pv_mb();
        bool ready = READ_ONCE(r->in_prod) != READ_ONCE(C.in_cons);
        uint64_t now = pv_now_ns();
        if (!ready && (!deadline_ns || now < deadline_ns)) {
            uint64_t until = now + INPUT_SLICE_NS;
            (void)pv_poll(&C.port, 1, deadline_ns ? PV_MIN(deadline_ns, until) : until);
        }
        pv_events_restore(flags);
        if (ready)
            return true;
        if (deadline_ns && pv_now_ns() >= deadline_ns)
            return false;
    }
}

struct xencons_interface *pv_console_ring(void)
{
    return READ_ONCE(C.intf);
}

/* ---- printk -------------------------------------------------------------------------- */

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
    /* Never wait here: the panicking vCPU may hold the lock already, and the backend may be
     * gone.  console_io always gets it (the hypervisor log keeps crash context). */
    if (!__atomic_exchange_n(&in_panic, 1, __ATOMIC_SEQ_CST) && pv_spin_trylock(&console_lock)) {
        console_write_locked(buf, n, false);
        pv_spin_unlock(&console_lock);
    } else {
        hv_write(buf, n);
    }
    pv_shutdown(SHUTDOWN_crash);
}
