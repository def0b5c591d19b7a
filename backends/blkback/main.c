/* main.c: blkback: options, start-up, logging and the main loop (xenstore, control socket,
 * signals). */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <pvisor/daemon.h>
#include <pvisor/pvctl.h>
#include <pvisor/xs.h>

#include "blkback.h"

enum { EV_XS = 1, EV_LISTEN, EV_SIGNAL, EV_WAKE };
#define VLOG_PER_SEC 5

struct blkback B = {.epfd = -1, .wake_fd = -1, .sig_fd = -1, .listen_fd = -1};

static const char usage_text[] =
    "usage: blkback [--rundir DIR] [--foreground] [--verbose] [--no-uring] [--no-direct]\n"
    "               [--no-persistent] [--max-ring-order N] [--max-indirect N]\n"
    "               [--max-persistent PAGES] [--help]\n";

static const char help_text[] =
    "\n"
    "NAME\n"
    "    blkback - the block device backend of pvisor (Xen's blkif protocol)\n"
    "\n"
    "DESCRIPTION\n"
    "    One process serves every virtual block device (vbd) of every guest. The toolstack\n"
    "    (xl create, xl block-attach) describes each vbd in xenstore under\n"
    "    /local/domain/0/backend/vbd/DOMID/DEVID (params = image path, mode = r or w);\n"
    "    blkback opens the raw image or block device, publishes its size and features\n"
    "    (flush, discard, persistent grants, indirect segments, multi-page rings) and\n"
    "    waits for the guest's blkfront. Each connected ring gets a worker thread that\n"
    "    copies every request off the ring once, validates it (operation, segment count\n"
    "    and bounds, sector range, read-only disks, grant references) and runs its I/O\n"
    "    through io_uring (O_DIRECT when the file system allows it). Bad requests get an\n"
    "    error response and a log line; a frontend that overruns its ring is\n"
    "    disconnected; other guests are not affected.\n"
    "\n"
    "    A FLUSH_DISKCACHE is answered after fdatasync(2) of the image: acknowledged\n"
    "    writes before it are on stable storage. When blkback is restarted, it finds the\n"
    "    vbds again and asks each connected frontend to redo the handshake (backend state\n"
    "    InitWait); frontends reissue their unfinished requests.\n"
    "\n"
    "OPTIONS\n"
    "    --rundir DIR          run directory (default: $PVISOR_RUNDIR, else /run/pvisor)\n"
    "    --foreground          stay in the foreground, log to stderr (`pvisor start` uses\n"
    "                          this); otherwise detach once ready, log to DIR/blkback.log\n"
    "    --verbose             log every connection step\n"
    "    --no-uring            use synchronous preadv/pwritev instead of io_uring\n"
    "    --no-direct           never open images with O_DIRECT\n"
    "    --no-persistent       do not offer persistent grants (every request is served by\n"
    "                          grant copy)\n"
    "    --max-ring-order N    largest ring offered: 2^N pages (0-4, default 4)\n"
    "    --max-indirect N      segments per indirect request (0 = no indirect requests;\n"
    "                          at most 256, the default)\n"
    "    --max-persistent PAGES  grant pages kept mapped per vbd (default 4096); beyond\n"
    "                          that, requests are served by grant copy\n"
    "    --help                this text\n"
    "\n"
    "FILES\n"
    "    RUNDIR/blkback.sock   control socket: send \"stats\" for one line per vbd (state and\n"
    "                          counters), ending with \"end\"\n"
    "\n"
    "EXIT STATUS\n"
    "    0 after SIGTERM/SIGINT, 1 if it cannot start, 2 usage error.\n";

/* ---- logging ------------------------------------------------------------------------------- */

static void vlog(const char *fmt, va_list ap)
{
    dom0_vlog("blkback", fmt, ap);
}

void blk_log(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vlog(fmt, ap);
    va_end(ap);
}

void blk_debug(const char *fmt, ...)
{
    va_list ap;

    if (!B.o.verbose)
        return;
    va_start(ap, fmt);
    vlog(fmt, ap);
    va_end(ap);
}

/* Per-vbd log budget; only the vbd's worker thread calls this. */
static __thread struct {
    const struct vbd *v;
    uint64_t sec;
    unsigned n;
    unsigned long dropped;
} vl;

void blk_vlog(struct vbd *v, const char *fmt, ...)
{
    uint64_t sec = dom0_now_ms() / 1000;
    char msg[320];
    va_list ap;

    if (vl.v != v || vl.sec != sec) {
        if (vl.v == v && vl.dropped)
            blk_log("vbd %u/%u: %lu more messages suppressed (limit %d per second)", v->domid,
                    v->devid, vl.dropped, VLOG_PER_SEC);
        vl.v = v;
        vl.sec = sec;
        vl.n = 0;
        vl.dropped = 0;
    }
    if (vl.n++ >= VLOG_PER_SEC) {
        vl.dropped++;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    blk_log("vbd %u/%u: %s", v->domid, v->devid, msg);
}

void vbd_worker_failed(struct vbd *v, const char *fmt, ...)
{
    uint64_t one = 1;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(v->why, sizeof(v->why), fmt, ap);
    va_end(ap);
    blk_log("vbd %u/%u: %s", v->domid, v->devid, v->why);
    atomic_store(&v->worker_failed, true);
    if (write(B.wake_fd, &one, sizeof(one)) < 0)
        blk_log("cannot wake the main thread: %s", strerror(errno));
}

/* ---- options --------------------------------------------------------------------------------- */

static int usage_error(const char *what, const char *arg)
{
    fprintf(stderr, "blkback: %s%s\n%s", what, arg, usage_text);
    return 2;
}

static bool num_arg(const char *s, unsigned max, unsigned *out)
{
    char *end;
    unsigned long v;

    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno || end == s || *end || v > max)
        return false;
    *out = (unsigned)v;
    return true;
}

/* -1: carry on; otherwise the exit status. */
static int parse_args(int argc, char **argv)
{
    enum {
        O_RUNDIR = 1,
        O_FG,
        O_VERB,
        O_NOURING,
        O_NODIRECT,
        O_NOPERS,
        O_ORDER,
        O_INDIR,
        O_PERS,
        O_HELP
    };
    static const struct option opts[] = {
        {"rundir", required_argument, NULL, O_RUNDIR},
        {"foreground", no_argument, NULL, O_FG},
        {"verbose", no_argument, NULL, O_VERB},
        {"no-uring", no_argument, NULL, O_NOURING},
        {"no-direct", no_argument, NULL, O_NODIRECT},
        {"no-persistent", no_argument, NULL, O_NOPERS},
        {"max-ring-order", required_argument, NULL, O_ORDER},
        {"max-indirect", required_argument, NULL, O_INDIR},
        {"max-persistent", required_argument, NULL, O_PERS},
        {"help", no_argument, NULL, O_HELP},
        {NULL, 0, NULL, 0},
    };
    static const struct {
        unsigned max;
        const char *what;
    } nums[] = {[O_ORDER] = {BLK_MAX_RING_ORDER, "--max-ring-order must be 0 to 4"},
                [O_INDIR] = {BLK_MAX_INDIRECT_SEGS, "--max-indirect must be 0 to 256"},
                [O_PERS] = {1u << 20, "--max-persistent must be 0 to 1048576 pages"}};
    unsigned *num_of[] = {[O_ORDER] = &B.o.max_ring_order,
                          [O_INDIR] = &B.o.max_indirect,
                          [O_PERS] = &B.o.max_pgrants};
    int c;

    B.o.max_ring_order = BLK_MAX_RING_ORDER;
    B.o.max_indirect = BLK_MAX_INDIRECT_SEGS;
    B.o.max_pgrants = 4096;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case O_RUNDIR:
            B.o.rundir = optarg;
            break;
        case O_FG:
            B.o.foreground = true;
            break;
        case O_VERB:
            B.o.verbose = true;
            break;
        case O_NOURING:
            B.o.no_uring = true;
            break;
        case O_NODIRECT:
            B.o.no_direct = true;
            break;
        case O_NOPERS:
            B.o.no_persistent = true;
            break;
        case O_ORDER:
        case O_INDIR:
        case O_PERS:
            if (!num_arg(optarg, nums[c].max, num_of[c]))
                return usage_error(nums[c].what, "");
            break;
        case O_HELP:
        case 'h':
            printf("%s%s", usage_text, help_text);
            return 0;
        default:
            return usage_error("unknown option or missing argument: ", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return usage_error("unexpected argument: ", argv[optind]);
    return -1;
}

/* ---- start-up -----------------------------------------------------------------------------------
 */

static int add_fd(int fd, uint32_t tag)
{
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = tag};

    return epoll_ctl(B.epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

static int check_hypervisor(void)
{
    struct pvctl *c;
    int rc = pvctl_open(B.o.rundir, &c);

    if (rc == -ENOENT || rc == -ECONNREFUSED)
        blk_log("pvisord is not running in %s (start it with `pvisor start`)", B.o.rundir);
    else if (rc < 0)
        blk_log("cannot reach pvisord in %s: %s", B.o.rundir, pvctl_strerror(rc));
    else
        pvctl_close(c);
    return rc;
}

static int start(void)
{
    static char rundir[4000];
    char xs_path[4096 + 32];

    if ((size_t)snprintf(rundir, sizeof(rundir), "%s", pvctl_rundir(B.o.rundir)) >=
        sizeof(rundir)) {
        blk_log("run directory path too long");
        return -1;
    }
    B.o.rundir = rundir;
    snprintf(xs_path, sizeof(xs_path), "%s/xenstored/socket", rundir);
    setenv("XENSTORED_PATH", xs_path, 0);
    B.epfd = epoll_create1(EPOLL_CLOEXEC);
    B.wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (B.epfd < 0 || B.wake_fd < 0 || add_fd(B.wake_fd, EV_WAKE) < 0) {
        blk_log("cannot set up epoll: %s", strerror(errno));
        return -1;
    }
    if (check_hypervisor() < 0 || ctl_listen() < 0)
        return -1;
    blk_log("serving vbds (run directory %s; io_uring %s, O_DIRECT %s, persistent grants %s, "
            "rings up to %u pages, %u indirect segments)",
            rundir, B.o.no_uring ? "off" : "on", B.o.no_direct ? "off" : "when possible",
            B.o.no_persistent ? "off" : "on", 1u << B.o.max_ring_order, B.o.max_indirect);
    return 0;
}

static int setup_signals(void)
{
    B.sig_fd = dom0_signal_fd();
    return B.sig_fd < 0 ? B.sig_fd : add_fd(B.sig_fd, EV_SIGNAL);
}

/* ---- the loop ---------------------------------------------------------------------------------
 */

static void on_signal(void)
{
    struct signalfd_siginfo si;

    while (read(B.sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
        if (si.ssi_signo != SIGHUP) {
            blk_log("signal %u: stopping", si.ssi_signo);
            B.quit = true;
        }
}

static void dispatch(const struct epoll_event *ev)
{
    uint64_t junk;

    switch (ev->data.u32) {
    case EV_XS:
        if (ev->events & (EPOLLHUP | EPOLLERR))
            xb_lost();
        break; /* watch events are taken after every round */
    case EV_LISTEN:
        ctl_accept();
        break;
    case EV_SIGNAL:
        on_signal();
        break;
    case EV_WAKE:
        if (read(B.wake_fd, &junk, sizeof(junk)) == sizeof(junk))
            xb_worker_wakeup();
        break;
    }
}

static void loop(void)
{
    struct epoll_event ev[16];

    while (!B.quit) {
        uint64_t now = dom0_now_ms();
        int timeout = B.xs ? -1 : (int)(B.next_xs_try_ms > now ? B.next_xs_try_ms - now : 0);
        int n = epoll_wait(B.epfd, ev, 16, timeout);

        if (n < 0 && errno != EINTR) {
            blk_log("epoll_wait: %s", strerror(errno));
            return;
        }
        for (int i = 0; i < n; i++)
            dispatch(&ev[i]);
        if (!B.xs && dom0_now_ms() >= B.next_xs_try_ms && xb_connect() == 0)
            blk_log("connected to xenstored");
        xb_events();
    }
}

int main(int argc, char **argv)
{
    char log[4096 + 32];
    int rc = parse_args(argc, argv);

    if (rc >= 0)
        return rc;
    setvbuf(stderr, NULL, _IOLBF, 0);
    if (start() < 0)
        return 1;
    snprintf(log, sizeof(log), "%s/blkback.log", B.o.rundir);
    if (!B.o.foreground && (rc = dom0_detach(log)) < 0) {
        blk_log("cannot detach: %s", strerror(-rc));
        return 1;
    }
    /* Signals are blocked before the first worker thread exists (they inherit the mask);
     * vbds are found only now, after the fork. */
    if ((rc = setup_signals()) < 0) {
        blk_log("cannot set up signal handling: %s", strerror(-rc));
        return 1;
    }
    if ((rc = xb_connect()) < 0)
        blk_log("xenstored is not reachable at %s (%s); retrying every second", xs_daemon_socket(),
                strerror(-rc));
    loop();
    xb_release_all();
    if (B.xs)
        xs_close(B.xs);
    blk_log("stopped");
    return 0;
}
