/* launcher.h: the pvisor launcher's table of host daemons and the operations on one daemon. */
#ifndef PVISOR_LAUNCHER_H
#define PVISOR_LAUNCHER_H

#include <stdbool.h>
#include <sys/types.h>

#define LAUNCH_MAX_ARGS 12

struct launch_ctx {
    const char *rundir; /* absolute, exists */
    const char *bindir; /* where pvisor itself lives; daemons are found next to it */
};

struct daemon {
    const char *name;                  /* what messages call it; also its binary's file name */
    const char *args[LAUNCH_MAX_ARGS]; /* after argv[0]; "%R" rundir, "%P" pid file, "%L" log */
    const char *socket; /* relative to the rundir, removed when stale; NULL if none */
    bool required;      /* start fails without it */
    /* 0 when ready, -EAGAIN while not yet, another -errno for a definite failure */
    int (*ready)(const struct launch_ctx *x, const struct daemon *d, pid_t pid);
};

/* The daemons, in start order (stop goes in reverse). */
extern const struct daemon launch_daemons[];
extern const unsigned launch_ndaemons;

/* State of one daemon according to its pid file: its pid if that process is alive and
 * is this daemon, 0 if not running (a stale pid file is removed). */
pid_t daemon_running(const struct launch_ctx *x, const struct daemon *d);

/* Whether the daemon's binary exists (path gets its location). */
bool daemon_installed(const struct launch_ctx *x, const struct daemon *d, char *path, size_t len);

/* Starts d in the background and waits (bounded) until it is ready. Prints one line
 * saying what happened. 0, or -errno (already reported). */
int daemon_start(const struct launch_ctx *x, const struct daemon *d);

/* SIGTERM, bounded wait, SIGKILL; removes the pid file and socket. Prints one line. */
int daemon_stop(const struct launch_ctx *x, const struct daemon *d);

#endif
