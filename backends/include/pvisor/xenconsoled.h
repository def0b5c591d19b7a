/* xenconsoled.h: xenconsoled's control socket, as used by `xl console` (and tests). */
#ifndef PVISOR_XENCONSOLED_H
#define PVISOR_XENCONSOLED_H

/*
 * RUNDIR/xenconsoled.sock, AF_UNIX SOCK_STREAM, mode 0600 (peers must be root or the
 * daemon's uid). A client sends one command line (at most 255 bytes, within 2 s), gets the
 * answer and the daemon closes the connection. Answers start with "ok" or "err MESSAGE".
 *
 *   tty DOMID     -> "ok /dev/pts/N"   the pty of the domain's console. The daemon looks
 *                                       for the domain first if it does not know it yet.
 *                    "err ..."          no such domain, console not ready yet (the ring is
 *                                       not set up: retry), or disconnected (and why)
 *   drain DOMID   -> "ok N"            the ring was emptied into the log and the pty; N
 *                                       bytes are still buffered (the pty was full)
 *   status        -> "ok N" and then one line per domain:
 *                    "DOMID NAME STATE TTY BUFFERED DROPPED"  (STATE: waiting, live,
 *                    disconnected, gone; TTY "-" when none)
 */
#define XENCONSOLED_SOCKET   "xenconsoled.sock"
#define XENCONSOLED_LINE_MAX 256

#endif
