/* ctl.h: control-socket internals shared by ctl.c (transport, domain ops) and ctl_dom0.c (dom0
 * processes' ports and grants). */
#ifndef PVISOR_CTL_H
#define PVISOR_CTL_H

#include <stdint.h>

#define CTL_MAX_FDS 3 /* fds a request may carry */

struct ctl_conn; /* one client connection: owns its dom0 ports and grant maps */

struct reply {
    uint8_t *buf; /* PVCTL_MAX_PAYLOAD bytes */
    uint32_t len;
    int fd; /* passed with SCM_RIGHTS when >= 0, then closed */
};

/* One request as a connection-aware op sees it. Received fds are the op's to keep
 * (set the slot to -1) or ctl.c closes them after the op. */
struct ctl_call {
    struct ctl_conn *conn;
    const void *in;
    uint32_t len;
    int fds[CTL_MAX_FDS];
    unsigned nfds;
    struct reply *out;
};

/* Connection state (ctl_dom0.c). ctl_conn_new: NULL on ENOMEM. ctl_conn_free closes
 * the connection's ports and releases its grant maps. */
struct ctl_conn *ctl_conn_new(void);
void ctl_conn_free(struct ctl_conn *c);

/* Ops of ctl_wire.h's "dom0 processes" group: 0 or -errno. */
int ctl_evtchn_handle(struct ctl_call *c);
int ctl_evtchn_bind(struct ctl_call *c);
int ctl_evtchn_bind_unbound(struct ctl_call *c);
int ctl_evtchn_unbind(struct ctl_call *c);
int ctl_evtchn_notify(struct ctl_call *c);
int ctl_evtchn_remote(struct ctl_call *c);
int ctl_gnt_map(struct ctl_call *c);
int ctl_gnt_unmap(struct ctl_call *c);
int ctl_gnt_copy(struct ctl_call *c);

#endif
