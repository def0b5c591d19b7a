/* sandbox_policy.c: the system-call sets and the per-daemon sandbox policies (docs/security.md). */
#include <errno.h>
#include <linux/fs.h>
#include <linux/sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <termios.h>

#include <pvisor/sandbox.h>

/*
 * The lists come from `strace -f` of each daemon through the end-to-end suites (steady
 * state only: what runs before dom0_sandbox() is not listed) plus the rare paths read in
 * the code (log rotation and reopening, state compaction, reconnections, shutdown).
 */

/* Every daemon: memory (never executable), time, signals, epoll/poll, stdio and exit. */
const struct sandbox_syscall sandbox_set_base[] = {
    SB_ALLOW("read"),
    SB_ALLOW("write"),
    SB_ALLOW("readv"),
    SB_ALLOW("writev"),
    SB_ALLOW("close"),
    SB_ALLOW("dup"),
    SB_ALLOW("dup2"),
    SB_ALLOW("dup3"),
    SB_ALLOW("fcntl"),
    SB_ALLOW("fstat"),
    SB_ALLOW("newfstatat"),
    SB_ALLOW("lseek"),
    SB_ARG_CLEAR("mmap", 2, PROT_EXEC),
    SB_ARG_CLEAR("mprotect", 2, PROT_EXEC),
    SB_ALLOW("munmap"),
    SB_ALLOW("mremap"),
    SB_ALLOW("madvise"),
    SB_ALLOW("brk"),
    SB_ALLOW("futex"),
    SB_ALLOW("getrandom"),
    SB_ALLOW("rt_sigreturn"),
    SB_ALLOW("rt_sigprocmask"),
    SB_ALLOW("rt_sigaction"),
    SB_ALLOW("restart_syscall"),
    SB_ALLOW("getpid"),
    SB_ALLOW("gettid"),
    SB_ALLOW("getuid"),
    SB_ALLOW("geteuid"),
    SB_ALLOW("getgid"),
    SB_ALLOW("getegid"),
    SB_ARG_SELF("tgkill", 0), /* raise(), abort(): this process only */
    SB_ALLOW("clock_gettime"),
    SB_ALLOW("clock_nanosleep"),
    SB_ALLOW("nanosleep"),
    SB_ALLOW("gettimeofday"),
    SB_ALLOW("time"),
    SB_ALLOW("sched_yield"),
    SB_ALLOW("epoll_create1"),
    SB_ALLOW("epoll_ctl"),
    SB_ALLOW("epoll_wait"),
    SB_ALLOW("epoll_pwait"),
    SB_ALLOW("poll"),
    SB_ALLOW("ppoll"),
    SB_ALLOW("eventfd2"),
    SB_ALLOW("exit"),
    SB_ALLOW("exit_group"),
    SB_END,
};

/* Files the daemon names itself or is told to serve: logs, state, images, ptys. */
const struct sandbox_syscall sandbox_set_files[] = {
    SB_ALLOW("openat"),    SB_ALLOW("pread64"),   SB_ALLOW("pwrite64"), SB_ALLOW("rename"),
    SB_ALLOW("renameat"),  SB_ALLOW("unlink"),    SB_ALLOW("unlinkat"), SB_ALLOW("fsync"),
    SB_ALLOW("fdatasync"), SB_ALLOW("ftruncate"), SB_ALLOW("flock"),    SB_END,
};

/*
 * Talking to pvisord and xenstored: AF_UNIX sockets only (no network), descriptors passed
 * both ways, the event-channel page (memfd) and eventfds of libpvevtchn. No bind/listen:
 * listening sockets are made during set-up.
 */
const struct sandbox_syscall sandbox_set_ipc[] = {
    SB_ARG_IN("socket", 0, AF_UNIX),
    SB_ALLOW("connect"),
    SB_ALLOW("accept4"),
    SB_ALLOW("sendmsg"),
    SB_ALLOW("recvmsg"),
    SB_ALLOW("sendto"),
    SB_ALLOW("recvfrom"),
    SB_ALLOW("shutdown"),
    SB_ARG_IN("getsockopt", 1, SOL_SOCKET),
    SB_ALLOW("memfd_create"),
    SB_END,
};

/* pthread_create/join/exit. Only clone(CLONE_THREAD): no fork. clone3 hides its flags from
 * seccomp, so it says ENOSYS and glibc falls back to clone. */
const struct sandbox_syscall sandbox_set_threads[] = {
    SB_ARG_SET("clone", 0, CLONE_THREAD), SB_FAIL("clone3", ENOSYS),
    SB_ALLOW("set_robust_list"),          SB_ALLOW("rseq"),
    SB_ALLOW("sched_getaffinity"),        SB_END,
};

/* io_uring. Operations submitted through a ring are not seen by seccomp: see
 * docs/security.md (blkback --no-uring leaves this set out). */
const struct sandbox_syscall sandbox_set_uring[] = {
    SB_ALLOW("io_uring_setup"),
    SB_ALLOW("io_uring_enter"),
    SB_ALLOW("io_uring_register"),
    SB_END,
};

/* ---- per daemon --------------------------------------------------------------------- */

static const struct sandbox_syscall xenconsoled_extra[] = {
    /* ptys: posix_openpt, grantpt, unlockpt, ptsname_r, tcgetattr/tcsetattr, pending input */
    SB_ARG_IN("ioctl", 1, TIOCGPTN, TIOCSPTLCK, TCGETS, TCSETS, FIONREAD),
    SB_ALLOW("fchmod"),
    SB_END,
};

static const struct sandbox_syscall blkback_extra[] = {
    /* block-device images: size and physical sector size */
    SB_ARG_IN("ioctl", 1, BLKGETSIZE64, BLKPBSZGET),
    SB_ALLOW("preadv"), /* the synchronous engine */
    SB_ALLOW("pwritev"),
    SB_ALLOW("fallocate"), /* discard: punch a hole */
    SB_END,
};

static const struct sandbox_syscall *const xenstored_sets[] = {
    sandbox_set_base,
    sandbox_set_files,
    sandbox_set_ipc,
    NULL,
};

static const struct sandbox_syscall *const xenconsoled_sets[] = {
    sandbox_set_base, sandbox_set_files, sandbox_set_ipc, xenconsoled_extra, NULL,
};

static const struct sandbox_syscall *const blkback_sets[] = {
    sandbox_set_base,
    sandbox_set_files,
    sandbox_set_ipc,
    blkback_extra,
    sandbox_set_threads,
    sandbox_set_uring,
    NULL,
};

static const struct sandbox_syscall *const blkback_sync_sets[] = {
    sandbox_set_base, sandbox_set_files, sandbox_set_ipc, blkback_extra, sandbox_set_threads, NULL,
};

const struct sandbox_policy sandbox_xenstored = {"xenstored", 0, xenstored_sets};
const struct sandbox_policy sandbox_xenconsoled = {"xenconsoled", 0, xenconsoled_sets};
const struct sandbox_policy sandbox_blkback = {"blkback", 0, blkback_sets};
const struct sandbox_policy sandbox_blkback_sync = {"blkback", 0, blkback_sync_sets};
