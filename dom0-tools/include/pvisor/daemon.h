/* daemon.h: small helpers for dom0 daemons and detached tools (process set-up). */
#ifndef PVISOR_DAEMON_H
#define PVISOR_DAEMON_H

#include <stdarg.h>
#include <stdint.h>

/* Points stdin at /dev/null and appends stdout and stderr to log_path (created 0600).
 * What could not be redirected stays as it was. 0, or the -errno of the first failure.
 * The descriptors it opens are closed again (stdio keeps dup2()ed copies, which are
 * inherited across exec). */
int dom0_stdio_to_log(const char *log_path);

/* Writes "[YYYY-MM-DD HH:MM:SS] who: message" and a newline to stderr, as one line even
 * when several threads log. */
void dom0_vlog(const char *who, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* CLOCK_MONOTONIC in milliseconds. */
uint64_t dom0_now_ms(void);

/* Puts a daemon in the background once it is set up (errors so far went to the terminal):
 * forks, the parent exits 0, the child starts its own session and sends stdio to log_path.
 * Threads do not survive: call it before starting any. 0 (in the child) or -errno. */
int dom0_detach(const char *log_path);

/* Blocks SIGTERM, SIGINT and SIGHUP in the calling thread (threads started later inherit
 * that) and ignores SIGPIPE; returns a non-blocking signalfd for the three, or -errno. */
int dom0_signal_fd(void);

#endif
