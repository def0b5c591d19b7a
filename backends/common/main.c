/* main.c: a backend process's life: set-up, logging, the main loop (xenstore, control socket,
 * signals, data-path wake-ups), shutdown. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <pvisor/daemon.h>
#include <pvisor/pvctl.h>
#include <pvisor/xs.h>

#include "core.h"

#define DLOG_PER_SEC 5

/* ---- logging ------------------------------------------------------------------------------ */

void be_log(struct backend *b, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    dom0_vlog(b->name, fmt, ap);
    va_end(ap);
}

void be_debug(struct backend *b, const char *fmt, ...)
{
    va_list ap;

    if (!b->verbose)
        return;
    va_start(ap, fmt);
    dom0_vlog(b->name, fmt, ap);
    va_end(ap);
}

/* Per-device log budget of the calling thread. */
static __thread struct {
    const struct be_dev *d;
    uint64_t sec;
    unsigned n;
    unsigned long dropped;
} dl;

void be_dlog(struct be_dev *d, const char *fmt, ...)
{
    struct backend *b = d->owner;
    uint64_t sec = dom0_now_ms() / 1000;
    char msg[320];
    va_list ap;

    if (dl.d != d || dl.sec != sec) {
        if (dl.d == d && dl.dropped)
            be_log(b, "%s %u/%u: %lu more messages suppressed (limit %d per second)", b->kind,
                   d->domid, d->devid, dl.dropped, DLOG_PER_SEC);
        dl.d = d;
        dl.sec = sec;
        dl.n = 0;
        dl.dropped = 0;
    }
    if (dl.n++ >= DLOG_PER_SEC) {
        dl.dropped++;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    be_log(b, "%s %u/%u: %s", b->kind, d->domid, d->devid, msg);
}

void be_dev_failed(struct be_dev *d, const char *fmt, ...)
{
    struct backend *b = d->owner;
    uint64_t one = 1;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(d->why, sizeof(d->why), fmt, ap);
    va_end(ap);
    be_log(b, "%s %u/%u: %s", b->kind, d->domid, d->devid, d->why);
    atomic_store(&d->worker_failed, true);
    if (write(b->wake_fd, &one, sizeof(one)) < 0)
        be_log(b, "cannot wake the main thread: %s", strerror(errno));
}

/* ---- start-up ----------------------------------------------------------------------------- */

static int add_fd(struct backend *b, int fd, uint32_t tag)
{
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = tag};

    return epoll_ctl(b->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

static int check_hypervisor(struct backend *b)
{
    struct pvctl *c;
    int rc = pvctl_open(b->rundir, &c);

    if (rc == -ENOENT || rc == -ECONNREFUSED)
        be_log(b, "pvisord is not running in %s (start it with `pvisor start`)", b->rundir);
    else if (rc < 0)
        be_log(b, "cannot reach pvisord in %s: %s", b->rundir, pvctl_strerror(rc));
    else
        pvctl_close(c);
    return rc;
}

static int setup(struct backend *b)
{
    static char rundir[4000];
    char xs_path[4096 + 32];

    b->epfd = b->wake_fd = b->sig_fd = b->listen_fd = -1;
    if ((size_t)snprintf(rundir, sizeof(rundir), "%s", pvctl_rundir(b->rundir)) >= sizeof(rundir)) {
        be_log(b, "run directory path too long");
        return -1;
    }
    b->rundir = rundir;
    snprintf(b->root, sizeof(b->root), "/local/domain/0/backend/%s", b->kind);
    snprintf(xs_path, sizeof(xs_path), "%s/xenstored/socket", rundir);
    setenv("XENSTORED_PATH", xs_path, 0);
    b->epfd = epoll_create1(EPOLL_CLOEXEC);
    b->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (b->epfd < 0 || b->wake_fd < 0 || add_fd(b, b->wake_fd, EV_WAKE) < 0) {
        be_log(b, "cannot set up epoll: %s", strerror(errno));
        return -1;
    }
    if (check_hypervisor(b) < 0 || ctl_listen(b) < 0)
        return -1;
    return 0;
}

/* Signals are blocked before the first data-path thread exists (threads inherit the mask);
 * devices are found only after the fork. */
static int go_live(struct backend *b)
{
    char log[4096 + 32];
    int rc = 0; /* (gcc -fsanitize=address warns "maybe uninitialized" below) */

    snprintf(log, sizeof(log), "%s/%s.log", b->rundir, b->name);
    if (!b->foreground && (rc = dom0_detach(log)) < 0) {
        be_log(b, "cannot detach: %s", strerror(-rc));
        return rc;
    }
    b->sig_fd = dom0_signal_fd();
    if (b->sig_fd < 0 || (rc = add_fd(b, b->sig_fd, EV_SIGNAL)) < 0) {
        rc = b->sig_fd < 0 ? b->sig_fd : rc;
        be_log(b, "cannot set up signal handling: %s", strerror(-rc));
        return rc;
    }
    if (b->ops->start && (rc = b->ops->start(b)) < 0)
        return rc;
    if ((rc = xb_connect(b)) < 0)
        be_log(b, "xenstored is not reachable at %s (%s); retrying every second",
               xs_daemon_socket(), strerror(-rc));
    return 0;
}

/* ---- the loop ----------------------------------------------------------------------------- */

static void on_signal(struct backend *b)
{
    struct signalfd_siginfo si;

    while (read(b->sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
        if (si.ssi_signo != SIGHUP) {
            be_log(b, "signal %u: stopping", si.ssi_signo);
            b->quit = true;
        }
}

static void dispatch(struct backend *b, const struct epoll_event *ev)
{
    uint64_t junk;

    switch (ev->data.u32) {
    case EV_XS:
        if (ev->events & (EPOLLHUP | EPOLLERR))
            xb_lost(b);
        break; /* watch events are taken after every round */
    case EV_LISTEN:
        ctl_accept(b);
        break;
    case EV_SIGNAL:
        on_signal(b);
        break;
    case EV_WAKE:
        if (read(b->wake_fd, &junk, sizeof(junk)) == sizeof(junk))
            xb_worker_wakeup(b);
        break;
    }
}

static void loop(struct backend *b)
{
    struct epoll_event ev[16];

    while (!b->quit) {
        uint64_t now = dom0_now_ms();
        int timeout = b->xs ? -1 : (int)(b->next_xs_try_ms > now ? b->next_xs_try_ms - now : 0);
        int n = epoll_wait(b->epfd, ev, 16, timeout);

        if (n < 0 && errno != EINTR) {
            be_log(b, "epoll_wait: %s", strerror(errno));
            return;
        }
        for (int i = 0; i < n; i++)
            dispatch(b, &ev[i]);
        if (!b->xs && dom0_now_ms() >= b->next_xs_try_ms && xb_connect(b) == 0)
            be_log(b, "connected to xenstored");
        xb_events(b);
    }
}

int be_main(struct backend *b)
{
    setvbuf(stderr, NULL, _IOLBF, 0);
    if (setup(b) < 0 || go_live(b) < 0)
        return 1;
    loop(b);
    xb_release_all(b);
    if (b->ops->stop)
        b->ops->stop(b);
    if (b->xs)
        xs_close(b->xs);
    be_log(b, "stopped");
    return 0;
}
