/* sandbox.h: how dom0 daemons confine themselves after set-up (libpvsandbox, -lseccomp). */
#ifndef PVISOR_SANDBOX_H
#define PVISOR_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A daemon sets itself up (sockets, pid and log files, daemonising, signal fds) and then
 * calls dom0_sandbox() once, before it starts any thread. From then on:
 *  - it keeps only the capabilities of its policy (effective = permitted = keep_caps;
 *    inheritable, ambient and, when CAP_SETPCAP allows, the bounding set are emptied) and
 *    runs with no_new_privs; its uid stays what it was (root, for pvisord's peer check and
 *    the 0700 run directory);
 *  - a seccomp filter (all threads) allows exactly the system calls of its policy's sets;
 *    any other call is not executed: the process writes "NAME: sandbox: blocked system
 *    call X (nr N)" to stderr (its log) and dies of SIGSYS (core dump if enabled).
 * docs/security.md lists what each daemon keeps and how to debug a blocked call
 * (--no-sandbox, PVISOR_NO_SANDBOX=1, strace -f).
 */

/* How a listed system call may be called. */
enum sandbox_cmp {
    SB_ANY = 0,    /* any arguments */
    SB_EQ,         /* argument arg equals one of vals[0..nvals) */
    SB_MASK_CLEAR, /* argument arg has none of the bits of vals[0] */
    SB_MASK_SET,   /* argument arg has all the bits of vals[0] */
    SB_SELF,       /* argument arg is the caller's pid (tgkill, kill) */
};

/* One allowed system call (a NULL name ends a set). */
struct sandbox_syscall {
    const char *name; /* libseccomp's name for x86-64, e.g. "openat" */
    enum sandbox_cmp cmp;
    unsigned arg; /* the argument cmp looks at, 0-5 */
    int err;      /* > 0: the call fails with this errno instead (a polite "no") */
    unsigned nvals;
    uint64_t vals[6];
};

#define SB_NVALS(...) (unsigned)(sizeof((uint64_t[]){__VA_ARGS__}) / sizeof(uint64_t))
#define SB_ALLOW(n)                                                                                \
    {                                                                                              \
        .name = (n)                                                                                \
    }
#define SB_ARG_IN(n, a, ...)                                                                       \
    {                                                                                              \
        .name = (n), .cmp = SB_EQ, .arg = (a), .nvals = SB_NVALS(__VA_ARGS__), .vals = {           \
            __VA_ARGS__                                                                            \
        }                                                                                          \
    }
#define SB_ARG_CLEAR(n, a, bits)                                                                   \
    {                                                                                              \
        .name = (n), .cmp = SB_MASK_CLEAR, .arg = (a), .vals = {(bits) }                           \
    }
#define SB_ARG_SET(n, a, bits)                                                                     \
    {                                                                                              \
        .name = (n), .cmp = SB_MASK_SET, .arg = (a), .vals = {(bits) }                             \
    }
#define SB_ARG_SELF(n, a)                                                                          \
    {                                                                                              \
        .name = (n), .cmp = SB_SELF, .arg = (a)                                                    \
    }
#define SB_FAIL(n, e)                                                                              \
    {                                                                                              \
        .name = (n), .err = (e)                                                                    \
    }
#define SB_END                                                                                     \
    {                                                                                              \
        .name = NULL                                                                               \
    }

#define SB_CAP(c) (1ULL << (c))

struct sandbox_policy {
    const char *name;                          /* the daemon, for messages */
    uint64_t keep_caps;                        /* SB_CAP(CAP_x) | ...; 0: none */
    const struct sandbox_syscall *const *sets; /* NULL-terminated; each set ends with SB_END */
};

/* Sets the policies are made of (sandbox_policy.c; docs/security.md explains each). */
extern const struct sandbox_syscall sandbox_set_base[];    /* memory, time, signals, epoll, stdio */
extern const struct sandbox_syscall sandbox_set_files[];   /* open/stat/rename/unlink, fsync */
extern const struct sandbox_syscall sandbox_set_ipc[];     /* AF_UNIX sockets, fd passing, memfd */
extern const struct sandbox_syscall sandbox_set_threads[]; /* pthread_create and friends */
extern const struct sandbox_syscall sandbox_set_uring[];   /* io_uring_setup/enter/register */

/* The daemons' policies. */
extern const struct sandbox_policy sandbox_xenstored;
extern const struct sandbox_policy sandbox_xenconsoled;
extern const struct sandbox_policy sandbox_blkback;      /* with io_uring */
extern const struct sandbox_policy sandbox_blkback_sync; /* --no-uring: without io_uring */

/*
 * Confines the calling process as described above, for the rest of its life. Call it once,
 * after set-up and daemonising (a later fork would be refused anyway) and before starting
 * threads (threads started earlier get the filter but keep their capabilities).
 *
 * p == NULL (the daemon's --no-sandbox) or PVISOR_NO_SANDBOX set to anything but "" or "0"
 * turns it off. In a sanitizer build (make SANITIZE=...) the seccomp filter is skipped:
 * the sanitizers' runtimes make system calls of their own (reports, LeakSanitizer at exit)
 * that no daemon's list has; capabilities are still dropped.
 *
 * Always fills msg (if len > 0) with one line for the daemon's log saying what was done or
 * what failed. Returns 0, or -errno when something could not be applied: the process may
 * be partly confined and should exit. Not thread-safe (call it from the only thread).
 */
int dom0_sandbox(const struct sandbox_policy *p, char *msg, size_t len);

/* Whether this build installs the seccomp filter (false in sanitizer builds). */
bool dom0_sandbox_filters(void);

/* Whether the system call name is allowed by p (unit tests, docs); arguments ignored. */
bool dom0_sandbox_allows(const struct sandbox_policy *p, const char *name);

#endif
