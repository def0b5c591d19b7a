/* evtchn.h: libpvevtchn, event channels for dom0 processes (the analogue of libxenevtchn). */
#ifndef PVISOR_EVTCHN_H
#define PVISOR_EVTCHN_H

#include <stdint.h>

/*
 * A dom0 process (xenstored, a backend, a test) is domain 0 towards guests. A handle
 * owns a set of domain-0 ports; each is bound to one port of a guest. Events arriving on
 * them make pvevtchn_fd() readable; pvevtchn_pending() then names the ports. Everything
 * is checked by pvisord: a handle can only notify or unbind ports it bound itself, and
 * closing the handle (or the process dying) closes every port it owns.
 *
 * Conventions: 0 (or a port number) on success, a negative errno on failure; nothing
 * prints or exits. A handle may be used from several threads (calls are serialised
 * inside), but pvevtchn_pending() is meant for the one thread that polls the fd.
 *
 * Costs: notify is one write(2) on an eventfd (asynchronous, no round trip);
 * bind/unbind are one control-socket round trip; delivery is an eventfd wake-up plus a
 * bitmap scan.
 */

struct pvevtchn;

/* Opens a handle (own connection to pvisord in pvctl_rundir(rundir)). Errors as
 * pvctl_open(), or -ENOMEM / -EMFILE while creating the shared page and eventfds. */
int pvevtchn_open(const char *rundir, struct pvevtchn **out);

/* Closes every port the handle owns (their guest ends fall back to unbound, as in Xen)
 * and frees it. NULL is allowed. */
void pvevtchn_close(struct pvevtchn *h);

/* An fd that polls readable (POLLIN / EPOLLIN) while a port of this handle may be
 * pending. Do not read or close it yourself; call pvevtchn_pending(). */
int pvevtchn_fd(struct pvevtchn *h);

/* Binds a new domain-0 port to guest domid's unbound port remote_port, which must have
 * been allocated for domain 0 (EVTCHNOP_alloc_unbound with remote_dom 0). The new port
 * starts pending, as in Xen. -ESRCH no such domain, -EINVAL the remote port is not
 * unbound-for-dom0, -ENOSPC domain 0 is out of ports. */
int pvevtchn_bind_interdomain(struct pvevtchn *h, uint32_t domid, uint32_t remote_port,
                              uint32_t *local_port);

/* Allocates a domain-0 port that guest domid may bind with EVTCHNOP_bind_interdomain
 * (remote_dom 0). -ENOSPC when domain 0 is out of ports. */
int pvevtchn_bind_unbound_port(struct pvevtchn *h, uint32_t domid, uint32_t *local_port);

/* Sends an event to the guest end of port. -EINVAL if the handle does not own port.
 * An unbound port's notification is dropped, as in Xen. */
int pvevtchn_notify(struct pvevtchn *h, uint32_t port);

/* Closes port (the guest end becomes unbound towards domain 0). -EINVAL if not ours. */
int pvevtchn_unbind(struct pvevtchn *h, uint32_t port);

/* The next pending port of this handle (clearing its pending bit), or -EAGAIN if none.
 * Several events on one port before this call coalesce into one, as in Xen. */
int pvevtchn_pending(struct pvevtchn *h);

/* Re-enables delivery for port after pvevtchn_pending() returned it. Ports are never
 * masked by delivery here, so this only checks ownership (-EINVAL if not ours); call it
 * anyway so code written for libxenevtchn keeps its shape. */
int pvevtchn_unmask(struct pvevtchn *h, uint32_t port);

/* The guest-side port a port of ours is bound to (-EINVAL if not ours or unbound). */
int pvevtchn_remote_port(struct pvevtchn *h, uint32_t port, uint32_t *domid, uint32_t *rport);

#endif
