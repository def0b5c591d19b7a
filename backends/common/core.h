/* core.h: internal interfaces of the backends' shared core (libpvback). */
#ifndef BACKEND_CORE_H
#define BACKEND_CORE_H

#include <pvisor/backend.h>

/* epoll tags of the main loop */
enum { EV_XS = 1, EV_LISTEN, EV_SIGNAL, EV_WAKE };

/* xenbus.c */
int xb_connect(struct backend *b);        /* connects to xenstored, sets watches, scans */
void xb_lost(struct backend *b);          /* xenstored went away */
void xb_events(struct backend *b);        /* handles queued watch events */
void xb_worker_wakeup(struct backend *b); /* a data path failed: disconnect its device */
void xb_release_all(struct backend *b);   /* at exit */

/* ctlsock.c */
int ctl_listen(struct backend *b);
void ctl_accept(struct backend *b);

#endif
