/*
 * dom0bench.c: the dom0-process side of `make bench`, each measurement next to the host
 * primitive it is built from, in the same run:
 *
 *   dom0bench evtchn DOMID PORT REPS N NAME
 *       event round trips with the bench guest (mode=dom0evt) through libpvevtchn
 *       -> SAMPLE NAME
 *   dom0bench xs REPS N
 *       xenstore read and write round trips from a libpvxs client     -> xs_read, xs_write
 *       an AF_UNIX SOCK_STREAM echo of the same sizes to another process -> unix_echo
 *       4 clients at once (reads/s) vs the same over a one-thread epoll echo server
 *                                                                       -> xs_tput, unix_tput
 *   dom0bench fanout WATCHERS REPS
 *       one write seen by WATCHERS connections watching the node       -> xs_fanout
 *       vs one process writing a message to each of WATCHERS sockets    -> unix_fanout
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <pvisor/evtchn.h>
#include <pvisor/xs.h>

#include "benchlib.h"

#define XS_KEY       "/bench/key"
#define XS_VALUE     "0123456789abcdef"
#define XS_FAN       "/bench/fan"
#define HDR          16 /* struct xsd_sockmsg */
#define TPUT_CLIENTS 4
#define WAIT_MS      10000

static const char *g_me = "dom0bench";

/* ---- dom0 <-> guest events ------------------------------------------------------------ */

static struct pvevtchn *g_ev;
static uint32_t g_lport;

static void wait_event(void)
{
    for (;;) {
        int p = pvevtchn_pending(g_ev);
        if (p == (int)g_lport)
            return;
        if (p >= 0)
            continue;
        struct pollfd pf = {.fd = pvevtchn_fd(g_ev), .events = POLLIN};
        int n = poll(&pf, 1, WAIT_MS);
        if (n == 0)
            bench_die(g_me, "no answer from the guest", ETIMEDOUT);
    }
}

static double event_rounds(unsigned long n)
{
    uint64_t t0 = bench_now_ns();
    for (unsigned long i = 0; i < n; i++) {
        int rc = pvevtchn_notify(g_ev, g_lport);
        if (rc < 0)
            bench_die(g_me, "notify", rc);
        wait_event();
    }
    return (double)(bench_now_ns() - t0) / (double)n;
}

static void cmd_evtchn(char **argv)
{
    uint32_t dom = (uint32_t)bench_count(argv[0], "DOMID");
    uint32_t port = (uint32_t)bench_count(argv[1], "PORT");
    unsigned reps = (unsigned)bench_count(argv[2], "REPS");
    unsigned long n = bench_count(argv[3], "N");
    double v[BENCH_MAX_REPS];
    if (reps > BENCH_MAX_REPS)
        reps = BENCH_MAX_REPS;
    int rc = pvevtchn_open(NULL, &g_ev);
    if (rc < 0)
        bench_die(g_me, "pvevtchn_open", rc);
    rc = pvevtchn_bind_interdomain(g_ev, dom, port, &g_lport);
    if (rc < 0)
        bench_die(g_me, "bind the guest's port", rc);
    while (pvevtchn_pending(g_ev) >= 0) /* a new port starts pending */
        ;
    event_rounds(n / 4 + 1);
    for (unsigned i = 0; i < reps; i++)
        v[i] = event_rounds(n);
    bench_sample(argv[4], "ns", v, reps);
    pvevtchn_close(g_ev);
}

/* ---- the AF_UNIX baseline: an echo process ---------------------------------------------- */

/*
 * A child process serving nfd stream sockets with one epoll loop (as xenstored does):
 * each read of a request of qsize bytes is answered with rsize bytes. A byte on the
 * control socket ctl makes it write one rsize message to every socket (fan-out).
 */
struct echo {
    pid_t pid;
    int ctl;  /* our end of the control socket */
    int *fds; /* our ends */
    unsigned nfd;
};

static void read_full(int fd, void *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t r = read(fd, (char *)buf + got, len - got);
        if (r <= 0) {
            if (r < 0 && errno == EINTR)
                continue;
            _exit(0); /* peer gone */
        }
        got += (size_t)r;
    }
}

static void write_full(int fd, const void *buf, size_t len)
{
    size_t done = 0;
    while (done < len) {
        ssize_t r = write(fd, (const char *)buf + done, len - done);
        if (r <= 0) {
            if (r < 0 && errno == EINTR)
                continue;
            _exit(0);
        }
        done += (size_t)r;
    }
}

static void echo_serve(int ctl, const int *fds, unsigned nfd, size_t qsize, size_t rsize)
{
    char q[256], r[256];
    memset(r, 'r', sizeof r);
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = nfd};
    epoll_ctl(ep, EPOLL_CTL_ADD, ctl, &ev);
    for (unsigned i = 0; i < nfd; i++) {
        ev.data.u32 = i;
        epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev);
    }
    for (;;) {
        struct epoll_event out[64];
        int n = epoll_wait(ep, out, 64, -1);
        for (int k = 0; k < n; k++) {
            unsigned i = out[k].data.u32;
            if (i == nfd) {
                read_full(ctl, q, 1);
                for (unsigned j = 0; j < nfd; j++)
                    write_full(fds[j], r, rsize);
                continue;
            }
            read_full(fds[i], q, qsize);
            write_full(fds[i], r, rsize);
        }
    }
}

static void echo_start(struct echo *e, unsigned nfd, size_t qsize, size_t rsize)
{
    int ctl[2];
    int *theirs = calloc(nfd, sizeof *theirs);
    e->fds = calloc(nfd, sizeof *e->fds);
    e->nfd = nfd;
    if (!theirs || !e->fds || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ctl) < 0)
        bench_die(g_me, "socketpair", errno);
    for (unsigned i = 0; i < nfd; i++) {
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
            bench_die(g_me, "socketpair", errno);
        e->fds[i] = sv[0];
        theirs[i] = sv[1];
    }
    e->pid = fork();
    if (e->pid < 0)
        bench_die(g_me, "fork", errno);
    if (e->pid == 0) {
        close(ctl[0]);
        for (unsigned i = 0; i < nfd; i++)
            close(e->fds[i]);
        echo_serve(ctl[1], theirs, nfd, qsize, rsize);
        _exit(0);
    }
    close(ctl[1]);
    e->ctl = ctl[0];
    for (unsigned i = 0; i < nfd; i++)
        close(theirs[i]);
    free(theirs);
}

static void echo_stop(struct echo *e)
{
    close(e->ctl);
    for (unsigned i = 0; i < e->nfd; i++)
        close(e->fds[i]);
    free(e->fds);
    kill(e->pid, SIGTERM);
    waitpid(e->pid, NULL, 0);
}

static double echo_rounds(int fd, unsigned long n, size_t qsize, size_t rsize)
{
    char q[256], r[256];
    memset(q, 'q', sizeof q);
    uint64_t t0 = bench_now_ns();
    for (unsigned long i = 0; i < n; i++) {
        write_full(fd, q, qsize);
        read_full(fd, r, rsize);
    }
    return (double)(bench_now_ns() - t0) / (double)n;
}

/* ---- xenstore latency and throughput ----------------------------------------------- */

static struct xs_handle *xs_must_open(void)
{
    struct xs_handle *h = xs_open(0);
    if (!h)
        bench_die(g_me, "connect to xenstored", errno);
    return h;
}

static double xs_reads(struct xs_handle *h, unsigned long n)
{
    uint64_t t0 = bench_now_ns();
    for (unsigned long i = 0; i < n; i++) {
        void *v = xs_read(h, XBT_NULL, XS_KEY, NULL);
        if (!v)
            bench_die(g_me, "xs_read " XS_KEY, errno);
        free(v);
    }
    return (double)(bench_now_ns() - t0) / (double)n;
}

static double xs_writes(struct xs_handle *h, unsigned long n)
{
    uint64_t t0 = bench_now_ns();
    for (unsigned long i = 0; i < n; i++)
        if (!xs_write(h, XBT_NULL, XS_KEY, XS_VALUE, sizeof XS_VALUE - 1))
            bench_die(g_me, "xs_write " XS_KEY, errno);
    return (double)(bench_now_ns() - t0) / (double)n;
}

/* Throughput: TPUT_CLIENTS threads, each n operations on its own connection. */
struct tput_arg {
    struct xs_handle *h; /* NULL: the echo baseline on fd */
    int fd;
    unsigned long n;
    size_t qsize, rsize;
    pthread_barrier_t *start;
};

static void *tput_thread(void *p)
{
    struct tput_arg *a = p;
    pthread_barrier_wait(a->start);
    if (a->h)
        xs_reads(a->h, a->n);
    else
        echo_rounds(a->fd, a->n, a->qsize, a->rsize);
    return NULL;
}

/* Operations per second of TPUT_CLIENTS clients doing n operations each. */
static double tput(struct tput_arg *args, unsigned long n)
{
    pthread_t t[TPUT_CLIENTS];
    pthread_barrier_t b;
    pthread_barrier_init(&b, NULL, TPUT_CLIENTS + 1);
    for (unsigned i = 0; i < TPUT_CLIENTS; i++) {
        args[i].n = n;
        args[i].start = &b;
        pthread_create(&t[i], NULL, tput_thread, &args[i]);
    }
    pthread_barrier_wait(&b);
    uint64_t t0 = bench_now_ns();
    for (unsigned i = 0; i < TPUT_CLIENTS; i++)
        pthread_join(t[i], NULL);
    double dt = (double)(bench_now_ns() - t0);
    pthread_barrier_destroy(&b);
    return (double)(n * TPUT_CLIENTS) * 1e9 / dt;
}

static void cmd_xs(char **argv)
{
    unsigned reps = (unsigned)bench_count(argv[0], "REPS");
    unsigned long n = bench_count(argv[1], "N");
    if (reps > BENCH_MAX_REPS)
        reps = BENCH_MAX_REPS;
    /* the same sizes as an XS_READ of XS_KEY and its answer */
    size_t qsize = HDR + sizeof XS_KEY, rsize = HDR + sizeof XS_VALUE - 1;

    /* each repetition measures the baseline and the figures back to back */
    double echo[BENCH_MAX_REPS], rd[BENCH_MAX_REPS], wr[BENCH_MAX_REPS];
    struct echo e;
    echo_start(&e, TPUT_CLIENTS, qsize, rsize);
    struct xs_handle *h = xs_must_open();
    echo_rounds(e.fds[0], n / 4 + 1, qsize, rsize);
    xs_writes(h, n / 4 + 1);
    xs_reads(h, n / 4 + 1);
    for (unsigned i = 0; i < reps; i++) {
        echo[i] = echo_rounds(e.fds[0], n, qsize, rsize);
        rd[i] = xs_reads(h, n);
        wr[i] = xs_writes(h, n);
    }
    bench_sample("unix_echo", "ns", echo, reps);
    bench_sample("xs_read", "ns", rd, reps);
    bench_sample("xs_write", "ns", wr, reps);

    struct tput_arg ua[TPUT_CLIENTS], xa[TPUT_CLIENTS];
    for (unsigned i = 0; i < TPUT_CLIENTS; i++) {
        ua[i] = (struct tput_arg){.fd = e.fds[i], .qsize = qsize, .rsize = rsize};
        xa[i] = (struct tput_arg){.h = xs_must_open()};
    }
    tput(ua, n / 4 + 1);
    tput(xa, n / 4 + 1);
    for (unsigned i = 0; i < reps; i++) {
        echo[i] = tput(ua, n);
        rd[i] = tput(xa, n);
    }
    bench_sample("unix_tput", "ops/s", echo, reps);
    bench_sample("xs_tput", "ops/s", rd, reps);
    for (unsigned i = 0; i < TPUT_CLIENTS; i++)
        xs_close(xa[i].h);
    xs_close(h);
    echo_stop(&e);
}

/* ---- watch fan-out ----------------------------------------------------------------- */

/* Waits until each of the n fds delivered one message (take(i) true); ns elapsed since t0. */
static double collect(int ep, unsigned n, bool (*take)(unsigned, void *), void *ctx, uint64_t t0)
{
    unsigned got = 0;
    while (got < n) {
        struct epoll_event out[256];
        int k = epoll_wait(ep, out, 256, WAIT_MS);
        if (k <= 0)
            bench_die(g_me, "fan-out: not every watcher was told", ETIMEDOUT);
        for (int j = 0; j < k; j++)
            if (take(out[j].data.u32, ctx))
                got++;
    }
    return (double)(bench_now_ns() - t0);
}

struct fan_ctx {
    int ep;
    int *fds;
    struct xs_handle **hs;
    size_t rsize;
};

static bool take_xs(unsigned i, void *p)
{
    struct fan_ctx *c = p;
    char **ev = xs_check_watch(c->hs[i]);
    if (!ev)
        return false;
    free(ev);
    epoll_ctl(c->ep, EPOLL_CTL_DEL, c->fds[i], NULL);
    return true;
}

static bool take_unix(unsigned i, void *p)
{
    struct fan_ctx *c = p;
    char buf[256];
    read_full(c->fds[i], buf, c->rsize);
    epoll_ctl(c->ep, EPOLL_CTL_DEL, c->fds[i], NULL);
    return true;
}

static void arm_all(int ep, const int *fds, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = i};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev) < 0)
            bench_die(g_me, "epoll_ctl", errno);
    }
}

static void cmd_fanout(char **argv)
{
    unsigned w = (unsigned)bench_count(argv[0], "WATCHERS");
    unsigned reps = (unsigned)bench_count(argv[1], "REPS");
    double v[BENCH_MAX_REPS];
    if (reps > BENCH_MAX_REPS)
        reps = BENCH_MAX_REPS;
    bench_raise_nofile(8 * (unsigned long)w + 256);
    struct fan_ctx c = {.ep = epoll_create1(EPOLL_CLOEXEC),
                        .fds = calloc(w, sizeof(int)),
                        .hs = calloc(w, sizeof(void *)),
                        .rsize = HDR + sizeof XS_FAN + sizeof "tok"};
    if (c.ep < 0 || !c.fds || !c.hs)
        bench_die(g_me, "setup", ENOMEM);

    struct echo e;
    echo_start(&e, w, 1, c.rsize);
    struct fan_ctx u = {.ep = c.ep, .fds = e.fds, .rsize = c.rsize};
    for (unsigned i = 0; i <= reps; i++) { /* round 0 is the warm-up */
        arm_all(u.ep, u.fds, w);
        uint64_t t0 = bench_now_ns();
        write_full(e.ctl, "g", 1);
        double dt = collect(u.ep, w, take_unix, &u, t0);
        if (i)
            v[i - 1] = dt;
    }
    bench_sample("unix_fanout", "ns", v, reps);
    echo_stop(&e);

    struct xs_handle *wr = xs_must_open();
    if (!xs_write(wr, XBT_NULL, XS_FAN, "0", 1))
        bench_die(g_me, "xs_write " XS_FAN, errno);
    for (unsigned i = 0; i < w; i++) {
        c.hs[i] = xs_must_open();
        if (!xs_watch(c.hs[i], XS_FAN, "tok"))
            bench_die(g_me, "xs_watch", errno);
        unsigned num;
        free(xs_read_watch(c.hs[i], &num)); /* the event every new watch fires once */
        c.fds[i] = xs_fileno(c.hs[i]);
        if (c.fds[i] < 0)
            bench_die(g_me, "xs_fileno", errno);
    }
    for (unsigned i = 0; i <= reps; i++) {
        arm_all(c.ep, c.fds, w);
        uint64_t t0 = bench_now_ns();
        if (!xs_write(wr, XBT_NULL, XS_FAN, "1", 1))
            bench_die(g_me, "xs_write " XS_FAN, errno);
        double dt = collect(c.ep, w, take_xs, &c, t0);
        if (i)
            v[i - 1] = dt;
    }
    bench_sample("xs_fanout", "ns", v, reps);
    for (unsigned i = 0; i < w; i++)
        xs_close(c.hs[i]);
    xs_close(wr);
    free(c.hs);
    free(c.fds);
    close(c.ep);
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    if (argc == 7 && !strcmp(argv[1], "evtchn"))
        cmd_evtchn(argv + 2);
    else if (argc == 4 && !strcmp(argv[1], "xs"))
        cmd_xs(argv + 2);
    else if (argc == 4 && !strcmp(argv[1], "fanout"))
        cmd_fanout(argv + 2);
    else {
        fprintf(stderr, "usage: dom0bench evtchn DOMID PORT REPS N NAME | xs REPS N |"
                        " fanout WATCHERS REPS\n");
        return 2;
    }
    return 0;
}
