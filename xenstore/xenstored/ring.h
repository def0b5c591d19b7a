/* ring.h: the guest-ring transport: a domain's xenstore page + event channel as a connection. */
#ifndef XSD_RING_H
#define XSD_RING_H

#include <stdbool.h>
#include <stdint.h>

/*
 * What the transport needs from the host, as a small table so the unit suites can fake
 * it (a plain page, counted notifications). ring_pvisor.c provides the real one over
 * libpvfmem (map) and libpvevtchn (bind, unbind, notify). All return 0 or -errno.
 */
struct ring_env {
    int (*map)(unsigned domid, uint64_t mfn, void **page); /* one writable page */
    void (*unmap)(void *page);
    /* Bind a local port to the guest's unbound-for-dom0 port remote_port. */
    int (*bind)(unsigned domid, uint32_t remote_port, uint32_t *local_port);
    void (*unbind)(uint32_t local_port);
    void (*notify)(uint32_t local_port);
};

/*
 * Installs the ring transport (domain_set_transport()) on top of env. From then on,
 * INTRODUCE and domain_attach_all() connect domains' rings.
 *
 * Protocol handling (docs/xenstore.md, "Guest rings"): every index read from the page
 * is checked (prod - cons <= XENSTORE_RING_SIZE; indexes only the guest may move are
 * re-read, the others must still hold what we wrote); a violation sets the page's
 * error field (XENSTORE_ERROR_RINGIDX or _PROTO), logs the problem and drops that
 * domain's connection until the guest asks to reconnect (connection =
 * XENSTORE_RECONNECT). A request is taken off the ring only when it is complete
 * (messages larger than the ring are streamed), and req_cons is published only once
 * the replies to everything consumed are in the response ring, so a daemon killed at
 * any point finds unanswered requests still in the ring after a restart.
 * Notifications: at most one per batch, and only when an index moved.
 */
void ring_transport_init(const struct ring_env *env);

/* An event arrived on local_port (the env's event source calls this). */
void ring_port_event(uint32_t local_port);

/* Rings currently attached (tests, CONTROL stats). */
unsigned ring_count(void);

/* ring_pvisor.c: the real environment. Opens libpvevtchn / libpvfmem handles on rundir
 * (lazily, at the first attach), registers the event fd with the loop and installs the
 * transport. Call after loop_init(). 0 or -errno. */
int ring_pvisor_init(const char *rundir);
/* Start-up reconnection is done: from now on a port that cannot be bound fails at once
 * (during start-up a bind is retried for up to 2 s while pvisord closes the ports of a
 * daemon that died). */
void ring_pvisor_serving(void);

#endif
