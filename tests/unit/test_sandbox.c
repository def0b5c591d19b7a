/* test_sandbox.c: dom0_sandbox(): each daemon's policy loads, allowed calls work, forbidden
 * ones (network sockets, exec, fork, tty injection, executable memory) kill with SIGSYS. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <pvisor/sandbox.h>

#include "check_run.h"

#define FILTERED dom0_sandbox_filters() /* not in sanitizer builds */

struct child_result {
    int status;      /* from waitpid */
    char text[1024]; /* what the child wrote to stderr */
};

/* Runs fn in a child after dom0_sandbox(p); the child's stderr is captured. The child exits
 * 0 when fn returns 0, 100 + errno when the sandbox could not be set up. */
static void run_sandboxed(const struct sandbox_policy *p, int (*fn)(void), struct child_result *r)
{
    int pfd[2];
    pid_t pid;
    ssize_t n, got = 0;

    ck_assert_int_eq(pipe(pfd), 0);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        char msg[256];
        int rc;

        dup2(pfd[1], STDERR_FILENO);
        close(pfd[0]);
        rc = dom0_sandbox(p, msg, sizeof(msg));
        dprintf(STDERR_FILENO, "%s\n", msg);
        _exit(rc < 0 ? 100 + (-rc & 0x1f) : fn() == 0 ? 0 : 1); /* _exit: no LSan at exit */
    }
    close(pfd[1]);
    while ((n = read(pfd[0], r->text + got, sizeof(r->text) - 1 - (size_t)got)) > 0)
        got += n;
    r->text[got] = '\0';
    close(pfd[0]);
    ck_assert_int_eq(waitpid(pid, &r->status, 0), pid);
}

static void expect_exit0(const struct sandbox_policy *p, int (*fn)(void))
{
    struct child_result r;

    run_sandboxed(p, fn, &r);
    ck_assert_msg(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0, "status %#x, stderr: %s",
                  r.status, r.text);
}

/* fn must die of SIGSYS, after a line naming the blocked call (call NULL: no line, as when
 * the call is made with signals blocked, like clone in pthread_create). */
static void expect_sigsys(const struct sandbox_policy *p, int (*fn)(void), const char *call)
{
    struct child_result r;
    char want[64];

    if (!FILTERED)
        return;
    run_sandboxed(p, fn, &r);
    ck_assert_msg(WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGSYS,
                  "status %#x (not killed by SIGSYS), stderr: %s", r.status, r.text);
    if (!call)
        return;
    snprintf(want, sizeof(want), "blocked system call %s ", call);
    ck_assert_msg(strstr(r.text, want), "no \"%s\" in: %s", want, r.text);
}

/* ---- what the children do ------------------------------------------------------------- */

static int everyday_calls(void)
{
    struct timespec ts;
    char c = 'x';
    void *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    if (m == MAP_FAILED || munmap(m, 8192) < 0 || clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
        return -1;
    free(malloc(1 << 20));
    return getpid() > 0 && write(STDERR_FILENO, &c, 1) == 1 ? 0 : -1;
}

static int unix_socket_ok(void)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    return fd >= 0 ? close(fd) : -1;
}

static int inet_socket(void)
{
    return socket(AF_INET, SOCK_STREAM, 0) >= 0 ? 0 : -1;
}

static int exec_true(void)
{
    char *argv[] = {"true", NULL};

    execv("/bin/true", argv);
    return -1;
}

static int do_fork(void)
{
    pid_t pid = fork();

    if (pid == 0)
        _exit(0);
    return -1;
}

static void *thread_fn(void *arg)
{
    return arg;
}

static int threads_ok(void)
{
    pthread_t t;
    void *ret = NULL;
    int one = 1;

    if (pthread_create(&t, NULL, thread_fn, &one) != 0 || pthread_join(t, &ret) != 0)
        return -1;
    return ret == &one ? 0 : -1;
}

static int tty_inject(void)
{
    char c = 'x';

    ioctl(STDIN_FILENO, TIOCSTI, &c);
    return -1;
}

static int exec_memory(void)
{
    mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return -1;
}

static int kill_init(void)
{
    kill(1, 0);
    return -1;
}

/* The capability sets and the filter as /proc reports them. */
static int status_line(const char *key, char *val, size_t len)
{
    char line[256];
    FILE *f = fopen("/proc/self/status", "re");
    int rc = -1;

    while (f && fgets(line, sizeof(line), f))
        if (strncmp(line, key, strlen(key)) == 0 && line[strlen(key)] == ':') {
            snprintf(val, len, "%s",
                     line + strlen(key) + 1 + strspn(line + strlen(key) + 1, "\t "));
            val[strcspn(val, "\n")] = '\0';
            rc = 0;
        }
    if (f)
        fclose(f);
    return rc;
}

static int confined_as_xenstored(void)
{
    char eff[32], bnd[32], nnp[8], sec[8];

    if (status_line("CapEff", eff, sizeof(eff)) < 0 ||
        status_line("CapBnd", bnd, sizeof(bnd)) < 0 ||
        status_line("NoNewPrivs", nnp, sizeof(nnp)) < 0 ||
        status_line("Seccomp", sec, sizeof(sec)) < 0)
        return -1;
    if (strcmp(eff, "0000000000000000") != 0 || strcmp(nnp, "1") != 0)
        return -1;
    if (geteuid() == 0 && strcmp(bnd, "0000000000000000") != 0)
        return -1;
    return strcmp(sec, FILTERED ? "2" : "0") == 0 ? 0 : -1;
}

/* ---- the tests ------------------------------------------------------------------------ */

START_TEST(every_policy_loads)
{
    const struct sandbox_policy *all[] = {&sandbox_xenstored, &sandbox_xenconsoled,
                                          &sandbox_blkback, &sandbox_blkback_sync};

    for (unsigned i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        expect_exit0(all[i], everyday_calls);
        expect_exit0(all[i], unix_socket_ok);
    }
}
END_TEST

START_TEST(network_socket_kills)
{
    expect_sigsys(&sandbox_xenstored, inet_socket, "socket");
    expect_sigsys(&sandbox_blkback, inet_socket, "socket");
}
END_TEST

START_TEST(exec_and_fork_kill)
{
    expect_sigsys(&sandbox_xenconsoled, exec_true, "execve");
    expect_sigsys(&sandbox_blkback, do_fork, "clone");
    expect_sigsys(&sandbox_xenstored, kill_init, "kill");
}
END_TEST

START_TEST(threads_work_where_allowed)
{
    expect_exit0(&sandbox_blkback, threads_ok);
    expect_sigsys(&sandbox_xenconsoled, threads_ok, NULL);
}
END_TEST

START_TEST(argument_checks)
{
    expect_sigsys(&sandbox_xenconsoled, tty_inject, "ioctl");
    expect_sigsys(&sandbox_blkback, exec_memory, "mmap");
}
END_TEST

START_TEST(capabilities_and_status)
{
    expect_exit0(&sandbox_xenstored, confined_as_xenstored);
}
END_TEST

START_TEST(switched_off)
{
    struct child_result r;

    run_sandboxed(NULL, inet_socket, &r);
    ck_assert(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0);
    ck_assert_ptr_nonnull(strstr(r.text, "sandbox: off (--no-sandbox)"));
    setenv("PVISOR_NO_SANDBOX", "1", 1);
    run_sandboxed(&sandbox_xenstored, inet_socket, &r);
    unsetenv("PVISOR_NO_SANDBOX");
    ck_assert(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0);
    ck_assert_ptr_nonnull(strstr(r.text, "sandbox: off (PVISOR_NO_SANDBOX=1)"));
}
END_TEST

START_TEST(policy_tables)
{
    ck_assert(dom0_sandbox_allows(&sandbox_xenstored, "openat"));
    ck_assert(!dom0_sandbox_allows(&sandbox_xenstored, "execve"));
    ck_assert(!dom0_sandbox_allows(&sandbox_xenstored, "clone"));
    ck_assert(!dom0_sandbox_allows(&sandbox_blkback, "clone3")); /* answered ENOSYS */
    ck_assert(dom0_sandbox_allows(&sandbox_blkback, "io_uring_enter"));
    ck_assert(!dom0_sandbox_allows(&sandbox_blkback_sync, "io_uring_enter"));
    ck_assert(!dom0_sandbox_allows(&sandbox_xenconsoled, "bind"));
}
END_TEST

static Suite *sandbox_suite(void)
{
    Suite *s = suite_create("sandbox");
    TCase *t = tcase_create("sandbox");

    tcase_add_test(t, every_policy_loads);
    tcase_add_test(t, network_socket_kills);
    tcase_add_test(t, exec_and_fork_kill);
    tcase_add_test(t, threads_work_where_allowed);
    tcase_add_test(t, argument_checks);
    tcase_add_test(t, capabilities_and_status);
    tcase_add_test(t, switched_off);
    tcase_add_test(t, policy_tables);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return check_run(sandbox_suite(), true);
}
