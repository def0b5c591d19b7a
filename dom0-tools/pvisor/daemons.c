/* daemons.c: the host daemons pvisor manages: table, readiness checks, start and stop of one
 * daemon. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <pvisor/daemon.h>
#include <pvisor/pvctl.h>

#include "launcher.h"

#define READY_TIMEOUT_MS 10000
#define STOP_TIMEOUT_MS  10000
#define KILL_TIMEOUT_MS  3000

static int ready_ping(const struct launch_ctx *x, const struct daemon *d, pid_t pid);
static int ready_socket(const struct launch_ctx *x, const struct daemon *d, pid_t pid);

const struct daemon launch_daemons[] = {
    {.name = "pvisord",
     .args = {"--rundir", "%R", "--pidfile", "%P", "--log", "%L"},
     .socket = "pvisord.sock",
     .required = true,
     .ready = ready_ping},
    {.name = "xenstored",
     .args = {"--rundir", "%R", "--foreground"},
     .socket = "xenstored/socket",
     .ready = ready_socket},
    {.name = "xenconsoled",
     .args = {"--rundir", "%R", "--foreground"},
     .socket = "xenconsoled.sock",
     .ready = ready_socket},
    {.name = "blkback",
     .args = {"--rundir", "%R", "--foreground"},
     .socket = "blkback.sock",
     .ready = ready_socket},
    {.name = "netback",
     .args = {"--rundir", "%R", "--foreground"},
     .socket = "netback.sock",
     .ready = ready_socket},
};
const unsigned launch_ndaemons = sizeof(launch_daemons) / sizeof(launch_daemons[0]);

static uint64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000};

    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

static void path_in(const struct launch_ctx *x, const char *rel, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%s", x->rundir, rel);
}

static void pidfile_of(const struct launch_ctx *x, const struct daemon *d, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%s.pid", x->rundir, d->name);
}

/* ---- readiness --------------------------------------------------------------------- */

static int ready_ping(const struct launch_ctx *x, const struct daemon *d, pid_t pid)
{
    struct pvctl *c;
    int rc = pvctl_open(x->rundir, &c);

    if (rc == 0) {
        rc = pvctl_ping(c, NULL);
        pvctl_close(c);
    }
    return rc == -ENOENT || rc == -ECONNREFUSED ? -EAGAIN : rc;
}

static int connect_unix(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int fd, rc = 0;

    if (strlen(path) >= sizeof(sa.sun_path))
        return -ENAMETOOLONG;
    strcpy(sa.sun_path, path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
        rc = -errno;
    close(fd);
    return rc;
}

static int ready_socket(const struct launch_ctx *x, const struct daemon *d, pid_t pid)
{
    char path[4096];
    int rc;

    path_in(x, d->socket, path, sizeof(path));
    rc = connect_unix(path);
    return rc == -ENOENT || rc == -ECONNREFUSED ? -EAGAIN : rc;
}

/* ---- pid files ------------------------------------------------------------------------ */

/* A zombie counts as gone: in containers nobody may ever reap it. */
static bool is_zombie(pid_t pid)
{
    char path[64], buf[512], *p;
    FILE *f;
    size_t n;

    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    f = fopen(path, "re");
    if (!f)
        return false;
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    p = strrchr(buf, ')');
    return p && p[1] == ' ' && p[2] == 'Z';
}

/* Whether pid is alive and runs the daemon's binary (guards against pid reuse). */
static bool is_daemon(pid_t pid, const struct daemon *d)
{
    char path[64], comm[32] = "";
    FILE *f;

    if (pid <= 0 || (kill(pid, 0) < 0 && errno == ESRCH) || is_zombie(pid))
        return false;
    snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
    f = fopen(path, "re");
    if (!f)
        return true; /* no /proc: trust the pid */
    if (!fgets(comm, sizeof(comm), f))
        comm[0] = '\0';
    fclose(f);
    comm[strcspn(comm, "\n")] = '\0';
    return strncmp(comm, d->name, 15) == 0;
}

pid_t daemon_running(const struct launch_ctx *x, const struct daemon *d)
{
    char path[4096];
    long pid = 0;
    FILE *f;

    pidfile_of(x, d, path, sizeof(path));
    f = fopen(path, "re");
    if (!f)
        return 0;
    if (fscanf(f, "%ld", &pid) != 1)
        pid = 0;
    fclose(f);
    if (is_daemon((pid_t)pid, d))
        return (pid_t)pid;
    unlink(path); /* stale */
    return 0;
}

bool daemon_installed(const struct launch_ctx *x, const struct daemon *d, char *path, size_t len)
{
    snprintf(path, len, "%s/%s", x->bindir, d->name);
    return access(path, X_OK) == 0;
}

static int write_pidfile(const struct launch_ctx *x, const struct daemon *d, pid_t pid)
{
    char path[4096];
    FILE *f;

    pidfile_of(x, d, path, sizeof(path));
    f = fopen(path, "we");
    if (!f)
        return -errno;
    fprintf(f, "%d\n", (int)pid);
    return fclose(f) == 0 ? 0 : -errno;
}

/* ---- starting ------------------------------------------------------------------------- */

static bool is_alive(pid_t pid);
static int stop_pid(const struct daemon *d, pid_t pid, const char **how);
static void remove_leftovers(const struct launch_ctx *x, const struct daemon *d);

/* A socket nobody answers on is left over from a daemon that died: remove it. A live
 * one without a pid file means someone else runs the daemon: refuse. */
static int clear_stale_socket(const struct launch_ctx *x, const struct daemon *d)
{
    char path[4096];
    int rc;

    if (!d->socket)
        return 0;
    path_in(x, d->socket, path, sizeof(path));
    rc = connect_unix(path);
    if (rc == 0 || rc == -EPROTOTYPE) {
        fprintf(stderr,
                "pvisor: %s: something already serves %s but %s/%s.pid is missing; "
                "stop that process first\n",
                d->name, path, x->rundir, d->name);
        return -EADDRINUSE;
    }
    if (rc != -ENOENT)
        unlink(path);
    return 0;
}

static void expand_args(const struct launch_ctx *x, const struct daemon *d, const char *bin,
                        char *store, size_t storelen, char **argv)
{
    int n = 0;

    argv[n++] = (char *)bin;
    for (int i = 0; i < LAUNCH_MAX_ARGS && d->args[i]; i++) {
        const char *a = d->args[i];

        if (strcmp(a, "%R") == 0)
            a = x->rundir;
        else if (strcmp(a, "%P") == 0 || strcmp(a, "%L") == 0) {
            snprintf(store, storelen, "%s/%s.%s", x->rundir, d->name, a[1] == 'P' ? "pid" : "log");
            a = store;
            store += strlen(store) + 1;
            storelen -= strlen(a) + 1;
        }
        argv[n++] = (char *)a;
    }
    argv[n] = NULL;
}

/* In the child: a new session, stdio to the log, nothing else inherited, then exec. */
static void child_exec(const struct launch_ctx *x, const struct daemon *d, char **argv)
{
    char log[4096];

    setsid();
    snprintf(log, sizeof(log), "%s/%s.log", x->rundir, d->name);
    dom0_stdio_to_log(log);
    for (int i = STDERR_FILENO + 1; i < 1024; i++)
        close(i);
    signal(SIGPIPE, SIG_DFL);
    setenv("PVISOR_RUNDIR", x->rundir, 1);
    execv(argv[0], argv);
    fprintf(stderr, "pvisor: cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

static void show_log_tail(const struct launch_ctx *x, const struct daemon *d)
{
    char path[4096], lines[8][256];
    unsigned n = 0;
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s.log", x->rundir, d->name);
    f = fopen(path, "re");
    if (!f)
        return;
    while (fgets(lines[n % 8], sizeof(lines[0]), f))
        n++;
    fclose(f);
    if (n == 0)
        return;
    fprintf(stderr, "pvisor: last lines of %s:\n", path);
    for (unsigned i = n > 8 ? n - 8 : 0; i < n; i++)
        fprintf(stderr, "    %s%s", lines[i % 8], strchr(lines[i % 8], '\n') ? "" : "\n");
}

/* Waits until d answers, it dies, or the time is up. */
static int wait_ready(const struct launch_ctx *x, const struct daemon *d, pid_t pid, uint64_t t0)
{
    int status, rc;

    for (;;) {
        if (waitpid(pid, &status, WNOHANG) == pid) {
            fprintf(stderr, "pvisor: %s exited during startup (%s %d)\n", d->name,
                    WIFEXITED(status) ? "status" : "signal",
                    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
            show_log_tail(x, d);
            return -ECHILD;
        }
        rc = d->ready(x, d, pid);
        if (rc != -EAGAIN)
            return rc;
        if (now_ms() - t0 > READY_TIMEOUT_MS) {
            fprintf(stderr, "pvisor: %s (pid %d) is not ready after %d s\n", d->name, (int)pid,
                    READY_TIMEOUT_MS / 1000);
            show_log_tail(x, d);
            return -ETIMEDOUT;
        }
        sleep_ms(20);
    }
}

int daemon_start(const struct launch_ctx *x, const struct daemon *d)
{
    char bin[4096], store[8192], *argv[LAUNCH_MAX_ARGS + 2];
    uint64_t t0 = now_ms();
    pid_t pid = daemon_running(x, d);
    int rc;

    if (pid > 0) {
        printf("%-12s already running (pid %d)\n", d->name, (int)pid);
        return 0;
    }
    if (!daemon_installed(x, d, bin, sizeof(bin))) {
        printf("%-12s %s: %s is not built yet\n", d->name, d->required ? "missing" : "skipped",
               bin);
        return d->required ? -ENOENT : 0;
    }
    rc = clear_stale_socket(x, d);
    if (rc < 0)
        return rc;
    expand_args(x, d, bin, store, sizeof(store), argv);
    fflush(NULL);
    pid = fork();
    if (pid < 0)
        return -errno;
    if (pid == 0)
        child_exec(x, d, argv);
    write_pidfile(x, d, pid);
    rc = wait_ready(x, d, pid, t0);
    if (rc < 0) {
        const char *how;

        if (is_alive(pid))
            stop_pid(d, pid, &how);
        remove_leftovers(x, d);
        return rc;
    }
    printf("%-12s started (pid %d), ready after %llu ms\n", d->name, (int)pid,
           (unsigned long long)(now_ms() - t0));
    return 0;
}

/* ---- stopping ------------------------------------------------------------------------ */

/* Alive and not a zombie (whatever it runs: for a child we started ourselves). */
static bool is_alive(pid_t pid)
{
    return pid > 0 && !(kill(pid, 0) < 0 && errno == ESRCH) && !is_zombie(pid);
}

static bool wait_gone(pid_t pid, unsigned ms)
{
    uint64_t t0 = now_ms();

    while (is_alive(pid)) {
        waitpid(pid, NULL, WNOHANG); /* reap it if it is our own child */
        if (now_ms() - t0 > ms)
            return false;
        sleep_ms(20);
    }
    return true;
}

static void remove_leftovers(const struct launch_ctx *x, const struct daemon *d)
{
    char path[4096];

    pidfile_of(x, d, path, sizeof(path));
    unlink(path);
    if (d->socket) {
        path_in(x, d->socket, path, sizeof(path));
        unlink(path);
    }
}

/* SIGTERM, then SIGKILL after the timeout. 0 or -EBUSY; *how says which ended it. */
static int stop_pid(const struct daemon *d, pid_t pid, const char **how)
{
    *how = "stopped";
    kill(pid, SIGTERM);
    if (wait_gone(pid, STOP_TIMEOUT_MS))
        return 0;
    fprintf(stderr, "pvisor: %s (pid %d) ignored SIGTERM for %d s; sending SIGKILL\n", d->name,
            (int)pid, STOP_TIMEOUT_MS / 1000);
    kill(pid, SIGKILL);
    *how = "killed";
    if (wait_gone(pid, KILL_TIMEOUT_MS))
        return 0;
    fprintf(stderr, "pvisor: %s (pid %d) is still there after SIGKILL\n", d->name, (int)pid);
    return -EBUSY;
}

int daemon_stop(const struct launch_ctx *x, const struct daemon *d)
{
    pid_t pid = daemon_running(x, d);
    uint64_t t0 = now_ms();
    const char *how;
    int rc;

    if (pid <= 0) {
        remove_leftovers(x, d);
        return 0;
    }
    rc = stop_pid(d, pid, &how);
    if (rc < 0)
        return rc;
    remove_leftovers(x, d);
    printf("%-12s %s (pid %d) after %llu ms\n", d->name, how, (int)pid,
           (unsigned long long)(now_ms() - t0));
    return 0;
}
