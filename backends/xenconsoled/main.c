/* main.c: xenconsoled: options, start-up, the epoll loop and its dispatch. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <pvisor/daemon.h>
#include <pvisor/evtchn.h>
#include <pvisor/fmem.h>
#include <pvisor/sandbox.h>
#include <pvisor/xs.h>

#include "xenconsoled.h"

struct xcd X = {.sig_fd = -1, .listen_fd = -1};

static const char usage_text[] =
    "usage: xenconsoled [--rundir DIR] [--foreground] [--log-dir DIR | --no-log]\n"
    "                   [--log-size BYTES] [--buffer-size BYTES] [--rate BYTES]\n"
    "                   [--burst BYTES] [--verbose] [--no-sandbox] [--help]\n";

static const char help_text[] =
    "\n"
    "NAME\n"
    "    xenconsoled - the PV console backend of pvisor\n"
    "\n"
    "DESCRIPTION\n"
    "    One process serves the console of every guest. It learns about domains from\n"
    "    xenstored (@introduceDomain, @releaseDomain) and from pvisord's domain list,\n"
    "    maps each guest's console ring (console/ring-ref, console/port in xenstore, else\n"
    "    the domain's HVM console parameters), binds its event channel and gives it a\n"
    "    pseudo-terminal, whose path it publishes as /local/domain/ID/console/tty and\n"
    "    tells `xl console` over RUNDIR/xenconsoled.sock. Guest output goes to a log\n"
    "    file and to the pty; what is typed into the pty goes to the guest.\n"
    "\n"
    "    Limits: a guest may write --rate bytes per second (--burst at once); beyond\n"
    "    that it waits, and other guests are not slowed down. Output nobody reads is\n"
    "    kept up to --buffer-size per domain, then the oldest is dropped with a note.\n"
    "    A guest whose ring indexes make no sense is disconnected (logged with the\n"
    "    values seen); the others are not affected.\n"
    "\n"
    "OPTIONS\n"
    "    --rundir DIR       run directory (default: $PVISOR_RUNDIR, else /run/pvisor)\n"
    "    --foreground       stay in the foreground, log to stderr (what `pvisor start`\n"
    "                       uses); otherwise detach once ready, log to\n"
    "                       DIR/xenconsoled.log\n"
    "    --log-dir DIR      per-domain logs DIR/NAME.log (default: RUNDIR/console)\n"
    "    --no-log           no per-domain logs\n"
    "    --log-size BYTES   a log reaching this size becomes NAME.log.1 (replacing the\n"
    "                       older one) and a new NAME.log starts (default 1M)\n"
    "    --buffer-size BYTES  output kept per domain while the pty is not read (64K)\n"
    "    --rate BYTES       sustained output per domain per second (default 1M)\n"
    "    --burst BYTES      output a domain may write at once (default 256K)\n"
    "    --verbose          log every connection step\n"
    "    --no-sandbox       keep every capability and no seccomp filter (debugging;\n"
    "                       PVISOR_NO_SANDBOX=1 does the same, see docs/security.md)\n"
    "    --help             this text\n"
    "    BYTES may end in K, M or G.\n"
    "\n"
    "FILES\n"
    "    RUNDIR/xenconsoled.sock   control socket (see backends/include/pvisor/xenconsoled.h)\n"
    "    RUNDIR/console/NAME.log   guest output\n"
    "\n"
    "EXIT STATUS\n"
    "    0 after SIGTERM/SIGINT, 1 if it cannot start or pvisord goes away, 2 usage error.\n";

uint64_t xcd_now_ms(void)
{
    return dom0_now_ms();
}

static void vlog(const char *fmt, va_list ap)
{
    dom0_vlog("xenconsoled", fmt, ap);
}

void xcd_log(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vlog(fmt, ap);
    va_end(ap);
}

void xcd_debug(const char *fmt, ...)
{
    va_list ap;

    if (!X.o.verbose)
        return;
    va_start(ap, fmt);
    vlog(fmt, ap);
    va_end(ap);
}

int xcd_epoll_set(int fd, uint32_t old_events, uint32_t events, struct xcd_tag *tag)
{
    struct epoll_event ev = {.events = events, .data.ptr = tag};
    int op = !old_events ? EPOLL_CTL_ADD : events ? EPOLL_CTL_MOD : EPOLL_CTL_DEL;

    if (old_events == events)
        return 0;
    return epoll_ctl(X.epfd, op, fd, &ev) < 0 ? -errno : 0;
}

/* ---- options ------------------------------------------------------------------------ */

static int parse_size(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v;

    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno || end == s)
        return -EINVAL;
    switch (*end) {
    case 'k':
    case 'K':
        v <<= 10;
        end++;
        break;
    case 'm':
    case 'M':
        v <<= 20;
        end++;
        break;
    case 'g':
    case 'G':
        v <<= 30;
        end++;
        break;
    default:
        break;
    }
    if (*end || v == 0 || v > (1ULL << 40))
        return -EINVAL;
    *out = v;
    return 0;
}

static int usage_error(const char *what, const char *arg)
{
    fprintf(stderr, "xenconsoled: %s%s\n%s", what, arg, usage_text);
    return 2;
}

static int parse_args(int argc, char **argv, const char **log_dir)
{
    enum {
        O_RUNDIR = 1,
        O_FG,
        O_LOGDIR,
        O_NOLOG,
        O_LOGSIZE,
        O_BUF,
        O_RATE,
        O_BURST,
        O_VERB,
        O_NOSANDBOX,
        O_HELP
    };
    static const struct option opts[] = {
        {"rundir", required_argument, NULL, O_RUNDIR},
        {"foreground", no_argument, NULL, O_FG},
        {"log-dir", required_argument, NULL, O_LOGDIR},
        {"no-log", no_argument, NULL, O_NOLOG},
        {"log-size", required_argument, NULL, O_LOGSIZE},
        {"buffer-size", required_argument, NULL, O_BUF},
        {"rate", required_argument, NULL, O_RATE},
        {"burst", required_argument, NULL, O_BURST},
        {"verbose", no_argument, NULL, O_VERB},
        {"no-sandbox", no_argument, NULL, O_NOSANDBOX},
        {"help", no_argument, NULL, O_HELP},
        {NULL, 0, NULL, 0},
    };
    uint64_t *size_of[] = {[O_LOGSIZE] = &X.o.log_size,
                           [O_BUF] = &X.o.buffer_size,
                           [O_RATE] = &X.o.rate,
                           [O_BURST] = &X.o.burst};
    int c;

    X.o.logging = true;
    X.o.log_size = 1 << 20;
    X.o.buffer_size = 64 << 10;
    X.o.rate = 1 << 20;
    X.o.burst = 256 << 10;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case O_RUNDIR:
            X.o.rundir = optarg;
            break;
        case O_FG:
            X.o.foreground = true;
            break;
        case O_LOGDIR:
            *log_dir = optarg;
            break;
        case O_NOLOG:
            X.o.logging = false;
            break;
        case O_VERB:
            X.o.verbose = true;
            break;
        case O_NOSANDBOX:
            X.o.no_sandbox = true;
            break;
        case O_HELP:
        case 'h':
            printf("%s%s", usage_text, help_text);
            return 0;
        case O_LOGSIZE:
        case O_BUF:
        case O_RATE:
        case O_BURST:
            if (parse_size(optarg, size_of[c]) < 0)
                return usage_error("invalid size (a positive number, optionally with K, M or "
                                   "G): ",
                                   optarg);
            break;
        default:
            return usage_error("unknown option or missing argument: ", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return usage_error("unexpected argument: ", argv[optind]);
    if (X.o.buffer_size < 4096)
        return usage_error("--buffer-size is too small (at least 4096)", "");
    return -1;
}

/* ---- start-up ------------------------------------------------------------------------- */

static int setup_signals(void)
{
    X.sig_fd = dom0_signal_fd();
    if (X.sig_fd < 0)
        return X.sig_fd;
    X.sig_tag = (struct xcd_tag){TAG_SIGNAL, NULL};
    return xcd_epoll_set(X.sig_fd, 0, EPOLLIN, &X.sig_tag);
}

static int connect_hypervisor(void)
{
    const char *dir = X.o.rundir;
    int rc = pvctl_open(dir, &X.ctl);

    if (rc == -ENOENT || rc == -ECONNREFUSED) {
        xcd_log("pvisord is not running in %s (start it with `pvisor start`)", dir);
        return rc;
    }
    if (rc == 0 && (rc = pvfmem_open(dir, &X.fmem)) < 0)
        xcd_log("cannot open foreign memory mapping: %s", pvctl_strerror(rc));
    else if (rc == 0 && (rc = pvevtchn_open(dir, &X.evt)) < 0)
        xcd_log("cannot open event channels: %s", pvctl_strerror(rc));
    else if (rc < 0)
        xcd_log("cannot reach pvisord in %s: %s", dir, pvctl_strerror(rc));
    if (rc < 0)
        return rc;
    X.evt_tag = (struct xcd_tag){TAG_EVTCHN, NULL};
    return xcd_epoll_set(pvevtchn_fd(X.evt), 0, EPOLLIN, &X.evt_tag);
}

static int make_log_dir(void)
{
    if (!X.o.logging)
        return 0;
    if (mkdir(X.o.log_dir, 0700) < 0 && errno != EEXIST) {
        xcd_log("cannot create the log directory %s: %s", X.o.log_dir, strerror(errno));
        return -errno;
    }
    return 0;
}

/* Without --foreground, once everything is set up (errors went to the terminal): the
 * parent returns, the child carries on in its own session, logging to DIR/xenconsoled.log.
 * Nothing here runs threads, so every fd (epoll, sockets, eventfds) survives the fork. */
static int daemonize(void)
{
    char log[4096 + 32];

    snprintf(log, sizeof(log), "%s/xenconsoled.log", X.o.rundir);
    return dom0_detach(log);
}

static int start(const char *log_dir)
{
    static char rundir[4000];
    char xs_path[4096 + 32];

    if ((size_t)snprintf(rundir, sizeof(rundir), "%s", pvctl_rundir(X.o.rundir)) >=
        sizeof(rundir)) {
        xcd_log("run directory path too long");
        return -1;
    }
    X.o.rundir = rundir;
    if (log_dir)
        snprintf(X.o.log_dir, sizeof(X.o.log_dir), "%s", log_dir);
    else
        snprintf(X.o.log_dir, sizeof(X.o.log_dir), "%s/console", rundir);
    snprintf(xs_path, sizeof(xs_path), "%s/xenstored/socket", rundir);
    setenv("XENSTORED_PATH", xs_path, 0); /* Xen's variable wins if it is set */
    X.epfd = epoll_create1(EPOLL_CLOEXEC);
    if (X.epfd < 0 || connect_hypervisor() < 0 || make_log_dir() < 0)
        return -1;
    xs_try_connect();
    if (ctl_listen() < 0)
        return -1;
    dom_scan();
    xcd_log("serving consoles (run directory %s, logs %s, rate %llu B/s, buffer %llu B)", rundir,
            X.o.logging ? X.o.log_dir : "off", (unsigned long long)X.o.rate,
            (unsigned long long)X.o.buffer_size);
    return 0;
}

/* After set-up: only what serving needs from here on (docs/security.md). */
static int sandbox(void)
{
    char msg[256];
    int rc = dom0_sandbox(X.o.no_sandbox ? NULL : &sandbox_xenconsoled, msg, sizeof(msg));

    xcd_log("%s", msg);
    return rc;
}

/* ---- the loop ------------------------------------------------------------------------- */

static void on_signal(void)
{
    struct signalfd_siginfo si;

    while (read(X.sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
        if (si.ssi_signo == SIGHUP)
            continue; /* logs are reopened at each rotation anyway */
        xcd_log("signal %u: stopping", si.ssi_signo);
        X.stop = true;
    }
}

static void on_evtchn(uint32_t events)
{
    int port;

    if (events & (EPOLLHUP | EPOLLERR)) {
        xcd_log("lost the event channel connection to pvisord: stopping");
        X.stop = true;
        X.exit_status = 1;
        return;
    }
    while ((port = pvevtchn_pending(X.evt)) >= 0) {
        for (struct cdom *d = X.doms; d; d = d->next) {
            if (d->state != CD_LIVE || d->local_port != (uint32_t)port)
                continue;
            io_service_output(d, false);
            if (d->state == CD_LIVE && d->in_blocked)
                io_service_input(d);
            break;
        }
        pvevtchn_unmask(X.evt, (uint32_t)port);
    }
}

static void dispatch(const struct epoll_event *ev)
{
    struct xcd_tag *t = ev->data.ptr;

    switch (t->type) {
    case TAG_SIGNAL:
        on_signal();
        break;
    case TAG_EVTCHN:
        on_evtchn(ev->events);
        break;
    case TAG_XS:
        if (ev->events & (EPOLLHUP | EPOLLERR))
            xs_lost();
        break; /* events are taken after every round */
    case TAG_LISTEN:
        ctl_accept();
        break;
    case TAG_CLIENT:
        ctl_client_ready(t, ev->events);
        break;
    case TAG_PTY:
        if (((struct cdom *)t->ptr)->master_fd >= 0) /* not closed earlier in this batch */
            io_pty_ready(t->ptr, ev->events);
        break;
    }
}

/* Housekeeping; returns whether another tick is wanted soon. */
static bool tick(uint64_t now)
{
    bool again = false;

    for (struct cdom *d = X.doms; d; d = d->next)
        again |= io_tick(d, now);
    dom_tick(now);
    ctl_tick(now);
    for (struct cdom *d = X.doms; d; d = d->next)
        again |= d->state == CD_GONE;
    return again || ctl_busy();
}

static void loop(void)
{
    struct epoll_event ev[32];
    bool ticking = true;
    uint64_t next_tick = 0;

    while (!X.stop) {
        uint64_t now = xcd_now_ms(), wake = X.next_scan_ms;
        int n, timeout;

        if (ticking && next_tick < wake)
            wake = next_tick;
        if (!X.xs && X.next_xs_try_ms < wake)
            wake = X.next_xs_try_ms;
        timeout = wake <= now ? 0 : (int)(wake - now);
        n = epoll_wait(X.epfd, ev, 32, timeout);
        if (n < 0 && errno != EINTR) {
            xcd_log("epoll_wait: %s", strerror(errno));
            X.exit_status = 1;
            return;
        }
        for (int i = 0; i < n && !X.stop; i++)
            dispatch(&ev[i]);
        now = xcd_now_ms();
        if (now >= next_tick) {
            ticking = tick(now);
            next_tick = now + XCD_TICK_MS;
        }
        if (now >= X.next_scan_ms)
            dom_scan();
        if (!X.xs && now >= X.next_xs_try_ms)
            xs_try_connect();
        xs_handle_events();
        dom_reap();
        for (struct cdom *d = X.doms; d && !ticking; d = d->next)
            ticking =
                d->out_throttled || (d->stuck_since_ms && !d->unattached) || d->state == CD_GONE;
        ticking = ticking || ctl_busy();
    }
}

int main(int argc, char **argv)
{
    const char *log_dir = NULL;
    int rc = parse_args(argc, argv, &log_dir);

    if (rc >= 0)
        return rc;
    setvbuf(stderr, NULL, _IOLBF, 0);
    if (start(log_dir) < 0)
        return 1;
    if (!X.o.foreground && (rc = daemonize()) < 0) {
        xcd_log("cannot detach: %s", strerror(-rc));
        return 1;
    }
    /* After the fork: a signalfd in epoll wakes only for the process that registered it. */
    if ((rc = setup_signals()) < 0) {
        xcd_log("cannot set up signal handling: %s", strerror(-rc));
        return 1;
    }
    if (sandbox() < 0)
        return 1;
    loop();
    ctl_close_all();
    dom_free_all();
    dom_reap();
    if (X.xs)
        xs_close(X.xs);
    pvevtchn_close(X.evt);
    pvfmem_close(X.fmem);
    pvctl_close(X.ctl);
    xcd_log("stopped");
    return X.exit_status;
}
