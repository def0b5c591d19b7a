/* daemon.h: small helpers for dom0 daemons and detached tools (process set-up). */
#ifndef PVISOR_DAEMON_H
#define PVISOR_DAEMON_H

/* Points stdin at /dev/null and appends stdout and stderr to log_path (created 0600).
 * What could not be redirected stays as it was. 0, or the -errno of the first failure.
 * The descriptors it opens are closed again (stdio keeps dup2()ed copies, which are
 * inherited across exec). */
int dom0_stdio_to_log(const char *log_path);

#endif
