/* gntprobe.c: the dom0 side of the grant-table / event-channel e2e tests against the gntdom0 guest.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include <xen/grant_table.h>

#include <pvisor/evtchn.h>
#include <pvisor/gnttab.h>
#include <pvisor/pvctl.h>

#define OFF_SEQ    64
#define OFF_REPLY  72
#define OFF_CMD    128
#define OFF_RESULT 128
#define OFF_DONE   136

static int g_failed;
static uint32_t g_dom, g_ref_a, g_ref_b, g_ref_c, g_port, g_lport;
static struct pvevtchn *g_ev;
static struct pvgnttab *g_gt;

static void check(int ok, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void check(int ok, const char *name, const char *fmt, ...)
{
    char why[256] = "";
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    if (ok)
        printf("PASS: gnttab: %s\n", name);
    else
        printf("FAIL: gnttab: %s: %s\n", name, why);
    g_failed |= !ok;
    fflush(stdout);
}

static uint64_t now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000 + (uint64_t)t.tv_nsec / 1000;
}

static volatile uint64_t *at(void *page, unsigned off)
{
    return (volatile uint64_t *)(void *)((uint8_t *)page + off);
}

/* Waits up to ms for an event on our port. 0 or -ETIMEDOUT. */
static int wait_event(int ms)
{
    uint64_t deadline = now_us() + (uint64_t)ms * 1000;
    for (;;) {
        int p = pvevtchn_pending(g_ev);
        if (p == (int)g_lport)
            return 0;
        if (now_us() >= deadline)
            return -ETIMEDOUT;
        struct pollfd pf = {.fd = pvevtchn_fd(g_ev), .events = POLLIN};
        poll(&pf, 1, 50);
    }
}

/* One command round trip through page A (mapped). */
static int command(void *a, uint64_t cmd)
{
    *at(a, OFF_CMD) = cmd;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    pvevtchn_notify(g_ev, g_lport);
    return wait_event(5000);
}

static void test_events(void *a, unsigned rounds)
{
    uint64_t t0 = now_us();
    unsigned i;
    for (i = 1; i <= rounds; i++) {
        *at(a, OFF_SEQ) = i;
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        if (pvevtchn_notify(g_ev, g_lport) < 0 || wait_event(5000) < 0 ||
            *at(a, OFF_REPLY) != i + 1)
            break;
    }
    uint64_t dt = now_us() - t0;
    check(i > rounds, "event round trips with the guest through a mapped grant",
          "round %u: reply %llu", i, (unsigned long long)*at(a, OFF_REPLY));
    printf("gntprobe: %u round trips in %llu us (%.1f us each)\n", rounds, (unsigned long long)dt,
           (double)dt / rounds);
}

static void test_bad_maps(void)
{
    int16_t st = 0;
    int err = 0;
    void *p = pvgnttab_map_ref(g_gt, g_dom, g_ref_b, PROT_READ | PROT_WRITE, &st, &err);
    check(!p && st == GNTST_general_error && err == -EIO,
          "writable map of a read-only grant refused", "p=%p st=%d err=%d", p, st, err);
    p = pvgnttab_map_ref(g_gt, g_dom, 1u << 20, PROT_READ, &st, &err);
    check(!p && st == GNTST_bad_gntref, "map of a ref beyond the table: bad_gntref", "st=%d", st);
    p = pvgnttab_map_ref(g_gt, g_dom, g_ref_c, PROT_READ, &st, &err);
    check(!p && st == GNTST_general_error, "map of a grant made to another domain refused", "st=%d",
          st);
    p = pvgnttab_map_ref(g_gt, 1000, 8, PROT_READ, &st, &err);
    check(!p && st == GNTST_bad_domain, "map from a domain that does not exist: bad_domain",
          "st=%d", st);
    uint32_t refs[2] = {g_ref_b, 1u << 20};
    int16_t sts[2];
    p = pvgnttab_map_refs(g_gt, 2, g_dom, refs, PROT_READ, sts, &err);
    check(!p && sts[0] == GNTST_okay && sts[1] == GNTST_bad_gntref,
          "batch with one bad ref maps nothing and names the bad one", "%d %d", sts[0], sts[1]);
}

/* The builder grants the console and xenstore pages to dom0 in refs 0 and 1, as Xen. */
static void test_reserved(void)
{
    int16_t st[2];
    int err;
    uint32_t refs[2] = {GNTTAB_RESERVED_CONSOLE, GNTTAB_RESERVED_XENSTORE};
    void *p = pvgnttab_map_refs(g_gt, 2, g_dom, refs, PROT_READ | PROT_WRITE, st, &err);
    check(p != NULL, "the toolstack's console and xenstore grants (refs 0, 1) map",
          "st %d %d err %d", st[0], st[1], err);
    if (p)
        pvgnttab_unmap(g_gt, p, 2);
}

static void test_readonly(void)
{
    int16_t st;
    int err;
    void *b = pvgnttab_map_ref(g_gt, g_dom, g_ref_b, PROT_READ, &st, &err);
    check(b && strcmp(b, "B-page") == 0, "read-only map shows the guest's page", "err=%d", err);
    if (!b)
        return;
    check(mprotect(b, 4096, PROT_READ | PROT_WRITE) < 0 && errno == EACCES,
          "a read-only grant cannot be made writable with mprotect", "errno=%d", errno);
    pvgnttab_unmap(g_gt, b, 1);
}

static void test_copy(void)
{
    char buf[64] = "", big[16];
    struct pvgnttab_copy_seg s[4] = {
        {.domid = g_dom, .ref = g_ref_b, .offset = 0, .len = 7, .buf = buf},
        {.domid = g_dom, .ref = g_ref_b, .offset = 4090, .len = 10, .buf = big},
        {.domid = g_dom, .ref = g_ref_b, .offset = 200, .len = 4, .to_guest = 1, .buf = big},
        {.domid = g_dom, .ref = g_ref_b, .offset = 0, .len = 0, .to_guest = 1, .buf = big},
    };
    int r = pvgnttab_copy(g_gt, 4, s);
    check(r == 0 && s[0].status == GNTST_okay && strcmp(buf, "B-page") == 0,
          "grant copy reads the guest's page", "r=%d st=%d buf=%s", r, s[0].status, buf);
    check(s[1].status == GNTST_bad_copy_arg, "copy past the end of the page: bad_copy_arg", "st=%d",
          s[1].status);
    check(s[2].status == GNTST_general_error, "copy into a read-only grant refused", "st=%d",
          s[2].status);
    check(s[3].status == GNTST_okay, "zero-length copy is a no-op", "st=%d", s[3].status);
}

struct churn {
    unsigned cycles, done;
    int err;
};

static void *churn_thread(void *arg)
{
    struct churn *c = arg;
    struct pvgnttab *h;
    if ((c->err = pvgnttab_open(NULL, &h)) < 0)
        return NULL;
    for (c->done = 0; c->done < c->cycles; c->done++) {
        int16_t st;
        void *p = pvgnttab_map_ref(h, g_dom, g_ref_b, PROT_READ, &st, &c->err);
        if (!p || ((char *)p)[0] != 'B' || (c->err = pvgnttab_unmap(h, p, 1)) < 0)
            break;
    }
    pvgnttab_close(h);
    return NULL;
}

/* Grant entry flags of ref in the guest's first grant frame. */
static int grant_flags(uint32_t ref)
{
    struct pvctl *c;
    struct pvctl_map info;
    void *mem;
    if (pvctl_open(NULL, &c) < 0)
        return -1;
    int r = pvctl_domain_map(c, g_dom, &info, &mem);
    pvctl_close(c);
    if (r < 0)
        return -1;
    grant_entry_v1_t *e = (grant_entry_v1_t *)((uint8_t *)mem + (info.special_pfn + 1) * 4096);
    int flags = e[ref].flags;
    pvctl_domain_unmap(mem, &info);
    return flags;
}

static void test_churn(unsigned cycles)
{
    struct churn c[2] = {{.cycles = cycles}, {.cycles = cycles}};
    pthread_t t[2];
    uint64_t t0 = now_us();
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, churn_thread, &c[i]);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    uint64_t dt = now_us() - t0;
    int flags = grant_flags(g_ref_b);
    check(c[0].done == cycles && c[1].done == cycles, "2 threads map/unmap one ref concurrently",
          "done %u/%u, errors %d/%d", c[0].done, c[1].done, c[0].err, c[1].err);
    check(flags >= 0 && !(flags & (GTF_reading | GTF_writing)), "the grant is idle afterwards",
          "flags %#x", flags);
    printf("gntprobe: 2 x %u map/unmap cycles in %llu ms (%.1f us per cycle per thread)\n", cycles,
           (unsigned long long)dt / 1000, (double)dt / cycles);
}

static void test_exhaustion(void *a)
{
    struct pvctl *c;
    if (pvctl_open(NULL, &c) < 0)
        return;
    uint32_t p, n = 0;
    int r;
    while ((r = pvctl_evtchn_alloc_unbound(c, g_dom, 0, &p)) == 0 && n < 100000)
        n++;
    pvctl_close(c);
    check(r == -ENOSPC, "port exhaustion returns -ENOSPC", "r=%d after %u ports", r, n);
    *at(a, OFF_SEQ) = 77;
    check(pvevtchn_notify(g_ev, g_lport) == 0 && wait_event(5000) == 0 && *at(a, OFF_REPLY) == 78,
          "events still flow after exhaustion", "reply %llu",
          (unsigned long long)*at(a, OFF_REPLY));
}

static void test_revoke(void *a)
{
    int r = command(a, 1);
    int16_t st;
    int err;
    void *b = pvgnttab_map_ref(g_gt, g_dom, g_ref_b, PROT_READ, &st, &err);
    int64_t res = b ? (int64_t)*at(b, OFF_RESULT) : 1;
    check(r == 0 && res == -16, "revoking a mapped grant fails with EBUSY", "r=%d result=%lld", r,
          (long long)res);
    int flags = grant_flags(g_ref_a);
    check((flags & (GTF_permit_access | GTF_reading | GTF_writing)) ==
              (GTF_permit_access | GTF_reading | GTF_writing),
          "a writable mapping keeps GTF_reading|GTF_writing set", "flags %#x", flags);
    pvgnttab_unmap(g_gt, a, 1);
    flags = grant_flags(g_ref_a);
    check(!(flags & (GTF_reading | GTF_writing)), "unmap clears GTF_reading|GTF_writing",
          "flags %#x", flags);
    uint64_t cmd = 1;
    struct pvgnttab_copy_seg s = {
        .domid = g_dom, .ref = g_ref_a, .offset = OFF_CMD, .len = 8, .to_guest = 1, .buf = &cmd};
    r = pvgnttab_copy(g_gt, 1, &s);
    pvevtchn_notify(g_ev, g_lport);
    int w = wait_event(5000);
    res = b ? (int64_t)*at(b, OFF_RESULT) : 1;
    check(r == 0 && s.status == 0 && w == 0 && res == 0, "after unmap the guest can revoke it",
          "copy %d/%d wait %d result %lld", r, s.status, w, (long long)res);
    s.offset = 0;
    pvgnttab_copy(g_gt, 1, &s);
    check(s.status == GNTST_general_error, "a revoked grant cannot be copied", "st=%d", s.status);
    if (b)
        pvgnttab_unmap(g_gt, b, 1);
}

/* Destroying the granter: our mapping stays valid until we unmap it, as in Xen. */
static void test_destroy(void)
{
    int16_t st;
    int err;
    struct pvctl *c;
    void *b = pvgnttab_map_ref(g_gt, g_dom, g_ref_b, PROT_READ, &st, &err);
    int r = pvctl_open(NULL, &c);
    if (r == 0) {
        r = pvctl_domain_destroy(c, g_dom);
        pvctl_close(c);
    }
    check(b && r == 0 && strcmp(b, "B-page") == 0, "a mapping outlives the granter's destruction",
          "b=%p destroy %d", b, r);
    check(b && pvgnttab_unmap(g_gt, b, 1) == 0, "and unmaps cleanly afterwards", "unmap failed");
    check(pvevtchn_notify(g_ev, g_lport) == 0, "notify towards a destroyed domain is dropped",
          "notify failed");
}

int main(int argc, char **argv)
{
    if (argc < 6) {
        fprintf(stderr, "usage: gntprobe DOMID REF_A REF_B REF_C PORT [CYCLES]\n");
        return 2;
    }
    g_dom = (uint32_t)atoi(argv[1]);
    g_ref_a = (uint32_t)atoi(argv[2]);
    g_ref_b = (uint32_t)atoi(argv[3]);
    g_ref_c = (uint32_t)atoi(argv[4]);
    g_port = (uint32_t)atoi(argv[5]);
    unsigned cycles = argc > 6 ? (unsigned)atoi(argv[6]) : 100000;
    int r = pvevtchn_open(NULL, &g_ev);
    if (r == 0)
        r = pvgnttab_open(NULL, &g_gt);
    if (r == 0)
        r = pvevtchn_bind_interdomain(g_ev, g_dom, g_port, &g_lport);
    check(r == 0, "dom0 binds the guest's unbound port", "%s", pvctl_strerror(r));
    if (r)
        return 1;
    check(wait_event(2000) == 0, "a new binding starts pending", "no event");
    int16_t st;
    int err;
    void *a = pvgnttab_map_ref(g_gt, g_dom, g_ref_a, PROT_READ | PROT_WRITE, &st, &err);
    check(a && strcmp(a, "A-page") == 0, "dom0 maps the guest's grant and sees its writes",
          "st=%d err=%d", st, err);
    if (!a)
        return 1;
    test_events(a, 1000);
    test_bad_maps();
    test_reserved();
    test_readonly();
    test_copy();
    test_churn(cycles);
    test_exhaustion(a);
    test_revoke(a);
    test_destroy();
    pvevtchn_close(g_ev);
    pvgnttab_close(g_gt);
    return g_failed;
}
