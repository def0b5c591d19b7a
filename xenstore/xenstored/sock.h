/* sock.h: the UNIX-socket transport for dom0 clients ($PVISOR_RUNDIR/xenstored/socket). */
#ifndef XSD_SOCK_H
#define XSD_SOCK_H

/* Bind and listen at path (mode 0600, stale socket replaced), register with the loop.
 * Accepted clients act as domain 0, privileged. 0 or -errno. */
int sock_listen(const char *path);

/* Stop listening and remove the socket file. */
void sock_shutdown(void);

#endif
