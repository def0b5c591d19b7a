/* main.c: xenstored start-up: options, run directory, state load, daemonising, the loop. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <pvisor/daemon.h>
#include <pvisor/sandbox.h>

#include "conn.h"
#include "domain.h"
#include "log.h"
#include "loop.h"
#include "persist.h"
#include "proto.h"
#include "ring.h"
#include "sock.h"

static struct {
    char rundir[PATH_MAX];
    char dir[PATH_MAX]; /* $rundir/xenstored */
    const char *pidfile, *logfile;
    bool foreground, sync, stop, no_sandbox;
    int ready_fd, log_fd;
} O = {.ready_fd = -1, .log_fd = -1};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: xenstored [options]\n"
            "Xen-compatible configuration store for pvisor; listens on RUNDIR/xenstored/socket.\n"
            "  -R, --rundir DIR        run directory (default $PVISOR_RUNDIR or /run/pvisor)\n"
            "  -F, --foreground        stay in the foreground and log to stderr\n"
            "  -P, --pidfile FILE      write the daemon's pid to FILE\n"
            "  -L, --log-file FILE     log file when in the background\n"
            "                          (default RUNDIR/xenstored/xenstored.log)\n"
            "  -l, --log-level LEVEL   error, warn, info (default) or debug\n"
            "  -q, --quota NAME=VALUE  change a limit (see CONTROL quota); repeatable\n"
            "  -S, --sync              fdatasync the state log before every reply\n"
            "      --no-sandbox        keep every capability and no seccomp filter (debugging;\n"
            "                          PVISOR_NO_SANDBOX=1 does the same, docs/security.md)\n"
            "  -h, --help              this text\n");
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
    va_list ap;

    char msg[512];

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    fprintf(stderr, "xenstored: %s\n", msg);
    if (O.log_fd >= 0)
        log_err("%s", msg);
    exit(1);
}

static void parse_args(int argc, char **argv)
{
    static const struct option opts[] = {
        {"rundir", 1, 0, 'R'},     {"foreground", 0, 0, 'F'},
        {"pidfile", 1, 0, 'P'},    {"log-file", 1, 0, 'L'},
        {"log-level", 1, 0, 'l'},  {"quota", 1, 0, 'q'},
        {"sync", 0, 0, 'S'},       {"help", 0, 0, 'h'},
        {"no-sandbox", 0, 0, 'N'}, {0, 0, 0, 0},
    };
    const char *rundir = getenv("PVISOR_RUNDIR");
    enum xsd_log_level lvl;
    int c;

    while ((c = getopt_long(argc, argv, "R:FP:L:l:q:Sh", opts, NULL)) != -1) {
        switch (c) {
        case 'R':
            rundir = optarg;
            break;
        case 'F':
            O.foreground = true;
            break;
        case 'P':
            O.pidfile = optarg;
            break;
        case 'L':
            O.logfile = optarg;
            break;
        case 'S':
            O.sync = true;
            break;
        case 'N': /* --no-sandbox only: no short option */
            O.no_sandbox = true;
            break;
        case 'l':
            if (xsd_log_parse_level(optarg, &lvl) < 0)
                die("unknown log level '%s' (error, warn, info, debug)", optarg);
            xsd_log_set_level(lvl);
            break;
        case 'q':
            if (quota_set_arg(optarg) < 0)
                die("bad --quota '%s': expected NAME=VALUE with a known name", optarg);
            break;
        case 'h':
            usage(stdout);
            exit(0);
        default:
            usage(stderr);
            exit(2);
        }
    }
    if (optind != argc)
        die("unexpected argument '%s' (see --help)", argv[optind]);
    if (!rundir || !*rundir)
        rundir = "/run/pvisor";
    snprintf(O.rundir, sizeof(O.rundir), "%s", rundir);
    if (snprintf(O.dir, sizeof(O.dir), "%s/xenstored", rundir) >= (int)sizeof(O.dir))
        die("run directory path too long");
    mkdir(rundir, 0755);
    if (mkdir(O.dir, 0700) < 0 && errno != EEXIST)
        die("cannot create %s: %s", O.dir, strerror(errno));
}

/* Background: the parent waits until the child says it is serving (or failed). */
static void daemonise(void)
{
    int pfd[2];
    char ok;
    pid_t pid;

    if (pipe2(pfd, O_CLOEXEC) < 0)
        die("pipe: %s", strerror(errno));
    pid = fork();
    if (pid < 0)
        die("fork: %s", strerror(errno));
    if (pid > 0) {
        close(pfd[1]);
        exit(read(pfd[0], &ok, 1) == 1 ? 0 : 1);
    }
    close(pfd[0]);
    setsid();
    O.ready_fd = pfd[1];
}

static void lock_dir(void)
{
    char path[PATH_MAX + 8];
    int fd;

    snprintf(path, sizeof(path), "%s/lock", O.dir);
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        die("cannot open %s: %s", path, strerror(errno));
    if (flock(fd, LOCK_EX | LOCK_NB) < 0)
        die("another xenstored is already using %s", O.dir);
    /* fd stays open for the daemon's lifetime. */
}

static void write_pidfile(void)
{
    FILE *f;

    if (!O.pidfile)
        return;
    f = fopen(O.pidfile, "w");
    if (!f || fprintf(f, "%d\n", (int)getpid()) < 0 || fclose(f) != 0)
        die("cannot write pid file %s: %s", O.pidfile, strerror(errno));
}

/* (Re)open the log file on O.log_fd; the daemon logs there when in the background. */
static int open_log(void)
{
    char def[PATH_MAX + 32];
    const char *path = O.logfile;
    int fd;

    if (!path) {
        snprintf(def, sizeof(def), "%s/xenstored.log", O.dir);
        path = def;
    }
    fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0)
        return -errno;
    if (O.log_fd < 0) {
        O.log_fd = fd;
    } else {
        dup2(fd, O.log_fd);
        close(fd);
    }
    xsd_log_set_fd(O.log_fd);
    return 0;
}

/* Detach stdio from the terminal and tell the waiting parent we serve. */
static void announce_ready(void)
{
    int nul = open("/dev/null", O_RDWR | O_CLOEXEC);

    if (O.ready_fd < 0)
        return;
    if (nul >= 0) {
        dup2(nul, STDIN_FILENO);
        close(nul);
    }
    dup2(O.log_fd, STDOUT_FILENO);
    dup2(O.log_fd, STDERR_FILENO);
    if (write(O.ready_fd, "1", 1) != 1)
        log_warn("start-up handshake with the parent failed");
    close(O.ready_fd);
    O.ready_fd = -1;
}

struct sigh {
    struct loop_handler h;
    int fd;
};

static void on_signal(struct loop_handler *h, uint32_t ev)
{
    struct sigh *s = (struct sigh *)h;
    struct signalfd_siginfo si;

    while (read(s->fd, &si, sizeof(si)) == sizeof(si)) {
        if (si.ssi_signo == SIGHUP) {
            if (!O.foreground)
                open_log();
            log_info("SIGHUP: log reopened");
        } else {
            log_info("signal %u: shutting down", si.ssi_signo);
            O.stop = true;
        }
    }
}

static void setup_signals(struct sigh *s)
{
    s->fd = dom0_signal_fd();
    s->h.fn = on_signal;
    if (s->fd < 0)
        die("signalfd: %s", strerror(-s->fd));
    if (loop_add(s->fd, EPOLLIN, &s->h) < 0)
        die("signalfd: %s", strerror(errno));
}

/* Set up: only what serving needs from here on (docs/security.md). */
static void sandbox(void)
{
    char msg[256];

    if (dom0_sandbox(O.no_sandbox ? NULL : &sandbox_xenstored, msg, sizeof(msg)) < 0)
        die("%s", msg);
    log_info("%s", msg);
}

static void start(void)
{
    char sock[PATH_MAX + 16];
    struct timespec ts;
    int rc;

    clock_gettime(CLOCK_REALTIME, &ts);
    store_gen_seed((uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec);
    lock_dir();
    if (store_init(&xsd_store) < 0)
        die("out of memory");
    rc = persist_open(O.dir, O.sync, &xsd_store, domain_persist_hooks());
    if (rc < 0)
        die("cannot load state from %s/store.db: %s", O.dir, strerror(-rc));
    if (loop_init() < 0)
        die("epoll: %s", strerror(errno));
    /* Guest rings: reconnect those of the domains introduced before a restart. */
    if (ring_pvisor_init(O.rundir) < 0)
        die("run directory path too long");
    domain_attach_all();
    ring_pvisor_serving();
    domain_release_gone(); /* those that died while no daemon watched */
    snprintf(sock, sizeof(sock), "%s/socket", O.dir);
    rc = sock_listen(sock);
    if (rc == -EADDRINUSE)
        die("%s is served by another xenstored", sock);
    if (rc < 0)
        die("cannot listen on %s: %s", sock, strerror(-rc));
}

int main(int argc, char **argv)
{
    struct sigh sig;

    parse_args(argc, argv);
    if (!O.foreground) {
        daemonise();
        if (open_log() < 0)
            die("cannot open the log file in %s: %s", O.dir, strerror(errno));
    }
    start();
    setup_signals(&sig);
    sandbox();
    write_pidfile();
    announce_ready();
    log_info("serving %s/socket (pid %d)", O.dir, (int)getpid());
    while (!O.stop) {
        int rc = loop_once(conn_have_pending() ? 0 : 1000);
        if (rc < 0)
            log_err("epoll_wait: %s", strerror(-rc));
        conn_run_pending();
        conn_reap();
        if (persist_want_compact())
            persist_compact(&xsd_store);
    }
    domain_detach_all(); /* the rings stay good for the next daemon */
    conn_close_all();
    sock_shutdown();
    persist_close();
    if (O.pidfile)
        unlink(O.pidfile);
    log_info("stopped");
    return 0;
}
