/*
 * lifebench.c: domain lifecycle through the whole stack (`xl` from $PATH, the stack of
 * $PVISOR_RUNDIR), for `make bench`:
 *
 *   lifebench firstbyte REPS CFG [KEY=VALUE ...]
 *       `xl create -q -c CFG` until the first byte of the guest's console reaches our pipe
 *       (the guest must print and power off)                          -> xl_first_byte
 *       and its parts: `xl create -n` (start + parse), fork/exec of /bin/true
 *                                                                     -> xl_dryrun, spawn_true
 *   lifebench destroy REPS CFG [KEY=VALUE ...]
 *       `xl create -q CFG` until it returns (domain running), then `xl destroy`
 *       (the guest must stay up)                                      -> xl_create, xl_destroy
 *   lifebench many COUNT CFG [KEY=VALUE ...]
 *       COUNT domains created one after another and kept: creation times of the first and
 *       the last tenth (at least 5 each), and the host memory the stack grew by per domain
 * (proportional set size of pvisord, xenstored, xenconsoled and the xl monitors of this run
 * directory: the guests' own RAM apart; kernel memory from /proc/meminfo)
 *                          -> create_first, create_last, dom_user, dom_ram, dom_kernel
 * Domain names are "bench-<pid>-<kind><n>"; every domain created here is destroyed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "benchlib.h"

#define MAX_ARGS 64
#define WAIT_MS  30000

static const char *g_me = "lifebench";
static const char *g_cfg;
static char **g_over; /* KEY=VALUE overrides */
static int g_nover;

/* Runs `xl ARGS... [CFG name="NAME" overrides]`; stdout to *out_fd (a pipe) if not NULL,
 * else to /dev/null. Returns the pid. */
static pid_t xl_spawn(const char *const *args, const char *name, int *out_fd)
{
    const char *argv[MAX_ARGS];
    char namearg[96];
    int n = 0, p[2] = {-1, -1};
    argv[n++] = "xl";
    for (; *args; args++)
        argv[n++] = *args;
    if (name && g_cfg) {
        snprintf(namearg, sizeof namearg, "name=\"%s\"", name);
        argv[n++] = g_cfg;
        argv[n++] = namearg;
        for (int i = 0; i < g_nover && n < MAX_ARGS - 1; i++)
            argv[n++] = g_over[i];
    } else if (name) {
        argv[n++] = name;
    }
    argv[n] = NULL;
    if (out_fd && pipe2(p, O_CLOEXEC) < 0)
        bench_die(g_me, "pipe", errno);
    pid_t pid = fork();
    if (pid < 0)
        bench_die(g_me, "fork", errno);
    if (pid == 0) {
        int out = out_fd ? p[1] : open("/dev/null", O_WRONLY);
        dup2(out, 1);
        int null = open("/dev/null", O_RDWR);
        dup2(null, 0);
        execvp("xl", (char *const *)argv);
        _exit(127);
    }
    if (out_fd) {
        close(p[1]);
        *out_fd = p[0];
    }
    return pid;
}

static void xl_wait(pid_t pid, const char *what)
{
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            bench_die(g_me, "waitpid", errno);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr, "%s: `xl %s` failed (status %d)\n", g_me, what, st);
        exit(1);
    }
}

/* Runs xl and waits: elapsed ns. */
static double xl_run(const char *const *args, const char *name, const char *what)
{
    uint64_t t0 = bench_now_ns();
    xl_wait(xl_spawn(args, name, NULL), what);
    return (double)(bench_now_ns() - t0);
}

static void dom_name(char *buf, size_t size, const char *kind, unsigned i)
{
    snprintf(buf, size, "bench-%d-%s%u", (int)getpid(), kind, i);
}

/* ---- firstbyte --------------------------------------------------------------------- */

static double first_byte(unsigned i)
{
    static const char *const args[] = {"create", "-q", "-c", NULL};
    char name[64], buf[4096];
    int fd;
    dom_name(name, sizeof name, "fb", i);
    uint64_t t0 = bench_now_ns();
    pid_t pid = xl_spawn(args, name, &fd);
    struct pollfd pf = {.fd = fd, .events = POLLIN};
    if (poll(&pf, 1, WAIT_MS) <= 0 || read(fd, buf, 1) != 1)
        bench_die(g_me, "no console output from the guest", ETIMEDOUT);
    double dt = (double)(bench_now_ns() - t0);
    while (read(fd, buf, sizeof buf) > 0) /* the rest, until the guest powered off */
        ;
    close(fd);
    xl_wait(pid, "create -c");
    return dt;
}

/* fork + exec + wait of /bin/true: what starting any process costs here. */
static double spawn_true(void)
{
    uint64_t t0 = bench_now_ns();
    pid_t pid = fork();
    if (pid < 0)
        bench_die(g_me, "fork", errno);
    if (pid == 0) {
        execl("/bin/true", "true", (char *)NULL);
        _exit(127);
    }
    int st;
    waitpid(pid, &st, 0);
    return (double)(bench_now_ns() - t0);
}

static void cmd_firstbyte(unsigned reps)
{
    static const char *const dry[] = {"create", "-n", NULL};
    double v[BENCH_MAX_REPS], d[BENCH_MAX_REPS], t[BENCH_MAX_REPS];
    first_byte(0);
    for (unsigned i = 0; i < reps; i++) {
        t[i] = spawn_true();
        d[i] = xl_run(dry, "dry-run", "create -n");
        v[i] = first_byte(i + 1);
    }
    bench_sample("xl_first_byte", "ns", v, reps);
    bench_sample("xl_dryrun", "ns", d, reps);
    bench_sample("spawn_true", "ns", t, reps);
}

/* ---- create / destroy ------------------------------------------------------------- */

static const char *const g_create_args[] = {"create", "-q", NULL};
static const char *const g_destroy_args[] = {"destroy", NULL};

static void cmd_destroy(unsigned reps)
{
    double c[BENCH_MAX_REPS], d[BENCH_MAX_REPS];
    for (unsigned i = 0; i <= reps; i++) {
        char name[64];
        dom_name(name, sizeof name, "ds", i);
        const char *save = g_cfg;
        double tc = xl_run(g_create_args, name, "create");
        usleep(100 * 1000); /* let it boot and go idle */
        g_cfg = NULL;       /* destroy takes the name alone */
        double td = xl_run(g_destroy_args, name, "destroy");
        g_cfg = save;
        if (i) {
            c[i - 1] = tc;
            d[i - 1] = td;
        }
    }
    bench_sample("xl_create", "ns", c, reps);
    bench_sample("xl_destroy", "ns", d, reps);
}

/* ---- many ------------------------------------------------------------------------------ */

/* Does process pid belong to this run directory's stack? */
static bool stack_process(const char *pid, const char *rundir)
{
    static const char *const names[] = {"pvisord", "xenstored", "xenconsoled",
                                        "xl",      "blkback",   "netback"};
    char path[64], buf[8192];
    snprintf(path, sizeof path, "/proc/%s/comm", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    bool known = false;
    if (fgets(buf, sizeof buf, f)) {
        buf[strcspn(buf, "\n")] = 0;
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
            known |= strcmp(buf, names[i]) == 0;
    }
    fclose(f);
    if (!known)
        return false;
    snprintf(path, sizeof path, "/proc/%s/environ", pid);
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return false;
    static char env[65536];
    size_t n = 0;
    for (ssize_t r; n < sizeof env - 1 && (r = read(fd, env + n, sizeof env - 1 - n)) > 0;)
        n += (size_t)r;
    close(fd);
    env[n] = 0;
    char want[512];
    snprintf(want, sizeof want, "PVISOR_RUNDIR=%s", rundir);
    for (size_t at = 0; at < n; at += strlen(env + at) + 1) /* NUL-separated entries */
        if (strcmp(env + at, want) == 0)
            return true;
    return false;
}

/* Per-program totals of the last stack_pss() call, for the log. */
static struct {
    char comm[16];
    uint64_t kib;
    unsigned n;
} g_by[8];

static void account(const char *pid, uint64_t kib)
{
    char path[300], comm[16] = "?";
    snprintf(path, sizeof path, "/proc/%s/comm", pid);
    FILE *f = fopen(path, "r");
    if (f) {
        if (fgets(comm, sizeof comm, f))
            comm[strcspn(comm, "\n")] = 0;
        fclose(f);
    }
    for (size_t i = 0; i < sizeof g_by / sizeof g_by[0]; i++) {
        if (!g_by[i].comm[0])
            memcpy(g_by[i].comm, comm, sizeof comm);
        if (!strcmp(g_by[i].comm, comm)) {
            g_by[i].kib += kib;
            g_by[i].n++;
            return;
        }
    }
}

static void print_by(const char *when)
{
    fprintf(stderr, "%s: stack memory %s (PSS anon+file):", g_me, when);
    for (size_t i = 0; i < sizeof g_by / sizeof g_by[0] && g_by[i].comm[0]; i++)
        fprintf(stderr, " %s x%u %llu KiB;", g_by[i].comm, g_by[i].n,
                (unsigned long long)g_by[i].kib);
    fprintf(stderr, "\n");
}

/* Sum of the stack's proportional set sizes (KiB). */
static void stack_pss(const char *rundir, struct bench_pss *sum, unsigned *procs)
{
    memset(g_by, 0, sizeof g_by);
    DIR *d = opendir("/proc");
    struct dirent *e;
    memset(sum, 0, sizeof *sum);
    *procs = 0;
    if (!d)
        bench_die(g_me, "/proc", errno);
    while ((e = readdir(d))) {
        if (e->d_name[0] < '1' || e->d_name[0] > '9' || !stack_process(e->d_name, rundir))
            continue;
        struct bench_pss p;
        if (bench_read_pss(atoi(e->d_name), &p) == 0) {
            sum->anon += p.anon;
            sum->file += p.file;
            sum->shmem += p.shmem;
            (*procs)++;
            account(e->d_name, p.anon + p.file);
        }
    }
    closedir(d);
}

static void cmd_many(unsigned count)
{
    const char *rundir = getenv("PVISOR_RUNDIR");
    if (!rundir || !*rundir)
        bench_die(g_me, "PVISOR_RUNDIR must name the stack's run directory", EINVAL);
    unsigned edge = count / 10 < 5 ? 5 : count / 10; /* domains compared at each end */
    if (count < 2 * edge)
        count = 2 * edge;
    double *t = calloc(count, sizeof *t);
    if (!t)
        bench_die(g_me, "calloc", ENOMEM);
    struct bench_pss a, b;
    unsigned pa, pb;
    stack_pss(rundir, &a, &pa);
    print_by("before");
    uint64_t k0 = bench_kernel_kib();
    char name[64];
    for (unsigned i = 0; i < count; i++) {
        dom_name(name, sizeof name, "m", i);
        t[i] = xl_run(g_create_args, name, "create");
    }
    sleep(1); /* every guest booted and idle, the daemons caught up */
    uint64_t k1 = bench_kernel_kib();
    stack_pss(rundir, &b, &pb);
    print_by("with the domains");
    g_cfg = NULL;
    for (unsigned i = 0; i < count; i++) {
        dom_name(name, sizeof name, "m", i);
        xl_run(g_destroy_args, name, "destroy");
    }
    bench_sample("create_first", "ns", t, edge);
    bench_sample("create_last", "ns", t + count - edge, edge);
    double user = ((double)(b.anon + b.file) - (double)(a.anon + a.file)) / count;
    double ram = ((double)b.shmem - (double)a.shmem) / count;
    double kern = ((double)k1 - (double)k0) / count;
    bench_sample("dom_user", "KiB", &user, 1);
    bench_sample("dom_ram", "KiB", &ram, 1);
    bench_sample("dom_kernel", "KiB", &kern, 1);
    fprintf(stderr,
            "%s: %u domains: %u stack processes before, %u after; creation times (ms):", g_me,
            count, pa, pb);
    for (unsigned i = 0; i < count; i++)
        fprintf(stderr, " %.1f", t[i] / 1e6);
    fprintf(stderr, "\n");
    free(t);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: lifebench firstbyte|destroy REPS CFG [KEY=VALUE ...] |"
                        " many COUNT CFG [KEY=VALUE ...]\n");
        return 2;
    }
    unsigned n = (unsigned)bench_count(argv[2], "REPS/COUNT");
    g_cfg = argv[3];
    g_over = argv + 4;
    g_nover = argc - 4;
    if (g_nover > MAX_ARGS - 12)
        g_nover = MAX_ARGS - 12;
    if (strcmp(argv[1], "many") && n > BENCH_MAX_REPS)
        n = BENCH_MAX_REPS;
    if (!strcmp(argv[1], "firstbyte"))
        cmd_firstbyte(n);
    else if (!strcmp(argv[1], "destroy"))
        cmd_destroy(n);
    else if (!strcmp(argv[1], "many"))
        cmd_many(n);
    else {
        fprintf(stderr, "%s: unknown command '%s'\n", g_me, argv[1]);
        return 2;
    }
    return 0;
}
