/*
 * rawkvm.c: the substrate's own limits, measured with the vCPU mode PV guests use (64-bit
 * CPL3, 4-level identity page tables, a TSS whose I/O bitmap opens the hypercall port) but
 * without pvisord: a guest that loops on `out %eax,$0x5a` and a host loop around KVM_RUN
 * (hypervisor/sub_kvm.c, the same substrate code pvisord runs on).
 *
 *   rawkvm exit     REPS N      one exit round trip                    -> raw_exit
 *   rawkvm copy     REPS N K    one exit + K x 4 KiB memcpy             -> raw_exit_copy<K>
 *   rawkvm create   REPS        VM + memory + vCPU + run to first exit  -> raw_create, raw_destroy
 *   rawkvm pingpong REPS N      two VMs on two threads, an exit each and a condition-variable
 *                               wake each way per round trip           -> raw_pingpong
 *   rawkvm evfd     REPS N      this thread <-> a vCPU thread over two eventfds, one exit
 *                               per round trip (what a dom0 process <-> guest event needs)
 *                                                                       -> raw_evfd
 *   rawkvm mem      COUNT       COUNT VMs alive at once in this process: host memory per VM (KiB),
 *                               creation time of the first and last tenth
 *                               -> raw_vm_user, raw_vm_kernel, raw_vm_ram, raw_create_first/last
 * Each prints SAMPLE lines (benchlib.h), one value per repetition, after a warm-up.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "benchlib.h"
#include "substrate.h"

#define PAGE        4096ULL
#define MEM_SIZE    (16ULL << 20) /* as examples/hello.cfg's guest */
#define GPA_PML4    0x1000
#define GPA_PDPT    0x2000
#define GPA_PD      0x3000
#define GPA_PT      0x4000
#define GPA_TSS     0x5000
#define GPA_CODE    0x10000
#define GPA_STACK   0x20000
#define GPA_COPY    0x100000 /* source pages of the copy mode; destinations follow */
#define TSS_IOMAP   104
#define TSS_LIMIT   (TSS_IOMAP + 16)
#define PTE_FLAGS   0x67ULL   /* P RW US A D */
#define RFLAGS_INIT 0x3202ULL /* IF, IOPL 3: as pvisord starts PV vCPUs */
#define COPY_MAX    32

struct rvm {
    struct sub_vm *vm;
    struct sub_vcpu *vc;
    int memfd;
    uint8_t *mem;
};

static const char *g_me = "rawkvm";

/* The guest: 1: out %eax,$0x5a; jmp 1b */
static const uint8_t g_code[] = {0xe7, SUB_HCALL_PORT, 0xeb, 0xfc};

/* Identity-maps the first 2 MiB with user pages, writes the TSS and the code. */
static void rvm_write_image(uint8_t *mem)
{
    uint64_t *pml4 = (uint64_t *)(void *)(mem + GPA_PML4),
             *pdpt = (uint64_t *)(void *)(mem + GPA_PDPT);
    uint64_t *pd = (uint64_t *)(void *)(mem + GPA_PD), *pt = (uint64_t *)(void *)(mem + GPA_PT);
    pml4[0] = GPA_PDPT | PTE_FLAGS;
    pdpt[0] = GPA_PD | PTE_FLAGS;
    pd[0] = GPA_PT | PTE_FLAGS;
    for (uint64_t i = 0; i < 512; i++)
        pt[i] = i * PAGE | PTE_FLAGS;
    uint8_t *tss = mem + GPA_TSS;
    uint16_t off = TSS_IOMAP;
    memcpy(tss + 102, &off, 2);
    memset(tss + TSS_IOMAP, 0xff, TSS_LIMIT + 1 - TSS_IOMAP);
    for (unsigned port = SUB_HCALL_PORT; port < SUB_HCALL_PORT + 4; port++)
        tss[TSS_IOMAP + port / 8] &= (uint8_t) ~(1u << (port % 8));
    memcpy(mem + GPA_CODE, g_code, sizeof g_code);
}

/* Runs once; 0 if the guest left through the hypercall port. */
static int rvm_exit(struct rvm *r)
{
    struct sub_exit e;
    int rc = sub_vcpu_run(r->vc, &e);
    if (rc < 0)
        return rc;
    return e.kind == SUB_EXIT_HCALL ? 0 : -EIO;
}

/* A VM like a PV domain's: memfd RAM, one memslot, vCPU 0 in PV64 mode; runs it to its
 * first exit. Must be called on the thread that will run the vCPU. */
static int rvm_create(struct rvm *r)
{
    memset(r, 0, sizeof *r);
    int rc = sub_vm_create(&r->vm);
    if (rc < 0)
        return rc;
    r->memfd = memfd_create("rawkvm", MFD_CLOEXEC);
    if (r->memfd < 0 || ftruncate(r->memfd, (off_t)MEM_SIZE) < 0)
        return -errno;
    r->mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, r->memfd, 0);
    if (r->mem == MAP_FAILED)
        return -errno;
    rvm_write_image(r->mem);
    if ((rc = sub_vm_set_memory(r->vm, SUB_SLOT_RAM, 0, MEM_SIZE, r->mem)) < 0 ||
        (rc = sub_vcpu_create(r->vm, 0, &r->vc)) < 0 ||
        (rc = sub_vcpu_set_pv64(r->vc, GPA_PML4, 0, 0, GPA_TSS, TSS_LIMIT)) < 0)
        return rc;
    struct sub_regs *g = sub_vcpu_regs(r->vc);
    memset(g, 0, sizeof *g);
    g->rip = GPA_CODE;
    g->rsp = GPA_STACK;
    g->rflags = RFLAGS_INIT;
    sub_vcpu_regs_dirty(r->vc);
    return rvm_exit(r);
}

static void rvm_destroy(struct rvm *r)
{
    sub_vcpu_destroy(r->vc);
    sub_vm_destroy(r->vm);
    munmap(r->mem, MEM_SIZE);
    close(r->memfd);
}

static void must(int rc, const char *what)
{
    if (rc < 0)
        bench_die(g_me, what, rc);
}

/* ---- one exit, optionally with K page copies -------------------------------------- */

static double exits_ns(struct rvm *r, unsigned long n, unsigned k)
{
    uint8_t *src = r->mem + GPA_COPY, *dst = src + COPY_MAX * PAGE;
    uint64_t t0 = bench_now_ns();
    for (unsigned long i = 0; i < n; i++) {
        must(rvm_exit(r), "run");
        for (unsigned j = 0; j < k; j++)
            memcpy(dst + j * PAGE, src + j * PAGE, PAGE);
    }
    return (double)(bench_now_ns() - t0) / (double)n;
}

static void mode_exit(unsigned reps, unsigned long n, unsigned k)
{
    struct rvm r;
    double v[BENCH_MAX_REPS];
    must(rvm_create(&r), "create VM");
    memset(r.mem + GPA_COPY, 0x5a, 2 * COPY_MAX * PAGE);
    exits_ns(&r, n / 4 + 1, k); /* warm-up */
    for (unsigned i = 0; i < reps; i++)
        v[i] = exits_ns(&r, n, k);
    char name[32];
    if (k)
        snprintf(name, sizeof name, "raw_exit_copy%u", k);
    else
        snprintf(name, sizeof name, "raw_exit");
    bench_sample(name, "ns", v, reps);
    rvm_destroy(&r);
}

/* ---- creation and destruction ---------------------------------------------------- */

static void mode_create(unsigned reps)
{
    double c[BENCH_MAX_REPS], d[BENCH_MAX_REPS];
    for (unsigned i = 0; i <= reps; i++) { /* round 0 is the warm-up */
        struct rvm r;
        uint64_t t0 = bench_now_ns();
        must(rvm_create(&r), "create VM");
        uint64_t t1 = bench_now_ns();
        rvm_destroy(&r);
        uint64_t t2 = bench_now_ns();
        if (i) {
            c[i - 1] = (double)(t1 - t0);
            d[i - 1] = (double)(t2 - t1);
        }
    }
    bench_sample("raw_create", "ns", c, reps);
    bench_sample("raw_destroy", "ns", d, reps);
}

/* ---- two vCPU threads waking each other ---------------------------------------- */

struct baton {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    unsigned turn; /* whose turn: 0 or 1 */
    unsigned long rounds;
    bool stop;
};

static void baton_pass(struct baton *b, unsigned to)
{
    pthread_mutex_lock(&b->lock);
    b->turn = to;
    pthread_cond_broadcast(&b->cond);
    pthread_mutex_unlock(&b->lock);
}

/* Waits for our turn; false once stopped. */
static bool baton_wait(struct baton *b, unsigned me)
{
    pthread_mutex_lock(&b->lock);
    while (b->turn != me && !b->stop)
        pthread_cond_wait(&b->cond, &b->lock);
    bool ok = !b->stop;
    pthread_mutex_unlock(&b->lock);
    return ok;
}

static void *pong_thread(void *arg)
{
    struct baton *b = arg;
    struct rvm r;
    must(rvm_create(&r), "create VM");
    baton_pass(b, 0); /* ready */
    while (baton_wait(b, 1)) {
        must(rvm_exit(&r), "run");
        baton_pass(b, 0);
    }
    rvm_destroy(&r);
    return NULL;
}

static double ping_rounds(struct rvm *r, struct baton *b, unsigned long n)
{
    uint64_t t0 = bench_now_ns();
    for (unsigned long i = 0; i < n; i++) {
        must(rvm_exit(r), "run");
        baton_pass(b, 1);
        baton_wait(b, 0);
    }
    return (double)(bench_now_ns() - t0) / (double)n;
}

static void mode_pingpong(unsigned reps, unsigned long n)
{
    struct baton b = {
        .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER, .turn = 1};
    struct rvm r;
    pthread_t t;
    double v[BENCH_MAX_REPS];
    must(rvm_create(&r), "create VM");
    must(-pthread_create(&t, NULL, pong_thread, &b), "thread");
    baton_wait(&b, 0);
    ping_rounds(&r, &b, n / 4 + 1);
    for (unsigned i = 0; i < reps; i++)
        v[i] = ping_rounds(&r, &b, n);
    pthread_mutex_lock(&b.lock);
    b.stop = true;
    pthread_cond_broadcast(&b.cond);
    pthread_mutex_unlock(&b.lock);
    pthread_join(t, NULL);
    rvm_destroy(&r);
    bench_sample("raw_pingpong", "ns", v, reps);
}

/* ---- a dom0 thread and a vCPU thread over eventfds ------------------------------- */

struct evpair {
    int to_vcpu, to_dom0;
};

static void ev_signal(int fd)
{
    uint64_t one = 1;
    if (write(fd, &one, sizeof one) != sizeof one)
        bench_die(g_me, "eventfd write", errno);
}

/* Blocks in poll() as a libpvevtchn client does, then consumes the count. */
static void ev_wait(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    uint64_t v;
    while (poll(&p, 1, -1) < 0 && errno == EINTR)
        ;
    if (read(fd, &v, sizeof v) != sizeof v)
        bench_die(g_me, "eventfd read", errno);
}

static void *evfd_vcpu_thread(void *arg)
{
    struct evpair *p = arg;
    struct rvm r;
    must(rvm_create(&r), "create VM");
    ev_signal(p->to_dom0); /* ready */
    for (;;) {
        uint64_t v;
        if (read(p->to_vcpu, &v, sizeof v) != sizeof v)
            break;
        if (v > 1) /* the stop value */
            break;
        must(rvm_exit(&r), "run");
        ev_signal(p->to_dom0);
    }
    rvm_destroy(&r);
    return NULL;
}

static double evfd_rounds(struct evpair *p, unsigned long n)
{
    uint64_t t0 = bench_now_ns();
    for (unsigned long i = 0; i < n; i++) {
        ev_signal(p->to_vcpu);
        ev_wait(p->to_dom0);
    }
    return (double)(bench_now_ns() - t0) / (double)n;
}

static void mode_evfd(unsigned reps, unsigned long n)
{
    struct evpair p = {eventfd(0, EFD_CLOEXEC), eventfd(0, EFD_CLOEXEC)};
    pthread_t t;
    double v[BENCH_MAX_REPS];
    if (p.to_vcpu < 0 || p.to_dom0 < 0)
        bench_die(g_me, "eventfd", errno);
    must(-pthread_create(&t, NULL, evfd_vcpu_thread, &p), "thread");
    ev_wait(p.to_dom0);
    evfd_rounds(&p, n / 4 + 1);
    for (unsigned i = 0; i < reps; i++)
        v[i] = evfd_rounds(&p, n);
    uint64_t stop = 2;
    if (write(p.to_vcpu, &stop, sizeof stop) != sizeof stop)
        bench_die(g_me, "eventfd write", errno);
    pthread_join(t, NULL);
    bench_sample("raw_evfd", "ns", v, reps);
}

/* ---- memory per VM ---------------------------------------------------------------- */

static void mode_mem(unsigned count)
{
    struct rvm *vms = calloc(count, sizeof *vms);
    struct bench_pss a, b;
    if (!vms)
        bench_die(g_me, "calloc", ENOMEM);
    { /* warm-up: the first VM loads KVM's per-process state */
        struct rvm w;
        must(rvm_create(&w), "create VM");
        rvm_destroy(&w);
    }
    must(bench_read_pss(getpid(), &a), "smaps_rollup");
    uint64_t k0 = bench_kernel_kib();
    double *t = calloc(count, sizeof *t);
    if (!t)
        bench_die(g_me, "calloc", ENOMEM);
    for (unsigned i = 0; i < count; i++) {
        uint64_t t0 = bench_now_ns();
        must(rvm_create(&vms[i]), "create VM");
        t[i] = (double)(bench_now_ns() - t0);
    }
    uint64_t k1 = bench_kernel_kib();
    must(bench_read_pss(getpid(), &b), "smaps_rollup");
    double user = ((double)(b.anon + b.file) - (double)(a.anon + a.file)) / count;
    double kern = ((double)k1 - (double)k0) / count;
    double ram = ((double)b.shmem - (double)a.shmem) / count;
    for (unsigned i = 0; i < count; i++)
        rvm_destroy(&vms[i]);
    free(vms);
    unsigned edge = count / 10 < 5 ? 5 : count / 10;
    if (count >= 2 * edge) {
        bench_sample("raw_create_first", "ns", t, edge);
        bench_sample("raw_create_last", "ns", t + count - edge, edge);
    }
    free(t);
    bench_sample("raw_vm_user", "KiB", &user, 1);
    bench_sample("raw_vm_kernel", "KiB", &kern, 1);
    bench_sample("raw_vm_ram", "KiB", &ram, 1);
}

static void usage(void)
{
    fprintf(stderr, "usage: rawkvm exit REPS N | copy REPS N K | create REPS | pingpong REPS N |\n"
                    "              evfd REPS N | mem COUNT\n");
    exit(2);
}

int main(int argc, char **argv)
{
    if (argc < 3)
        usage();
    int rc = sub_init();
    if (rc < 0)
        bench_die(g_me, "cannot use /dev/kvm", rc);
    const char *m = argv[1];
    unsigned reps = (unsigned)bench_count(argv[2], "REPS");
    if (reps > BENCH_MAX_REPS)
        reps = BENCH_MAX_REPS;
    if (!strcmp(m, "exit") && argc == 4)
        mode_exit(reps, bench_count(argv[3], "N"), 0);
    else if (!strcmp(m, "copy") && argc == 5) {
        unsigned k = (unsigned)bench_count(argv[4], "K");
        mode_exit(reps, bench_count(argv[3], "N"), k > COPY_MAX ? COPY_MAX : k);
    } else if (!strcmp(m, "create") && argc == 3)
        mode_create(reps);
    else if (!strcmp(m, "pingpong") && argc == 4)
        mode_pingpong(reps, bench_count(argv[3], "N"));
    else if (!strcmp(m, "evfd") && argc == 4)
        mode_evfd(reps, bench_count(argv[3], "N"));
    else if (!strcmp(m, "mem") && argc == 3)
        mode_mem((unsigned)bench_count(argv[2], "COUNT"));
    else
        usage();
    return 0;
}
