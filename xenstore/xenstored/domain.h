/* domain.h: introduced domains, their ring transport hook, and cleanup on release. */
#ifndef XSD_DOMAIN_H
#define XSD_DOMAIN_H

#include <stdbool.h>
#include <stdint.h>

#include "db.h"
#include "persist.h"

struct xs_conn;

struct xs_domain {
    struct xs_domain *next;
    unsigned domid;
    uint64_t mfn;         /* the xenstore ring page (guest frame) */
    uint32_t port;        /* the guest's unbound event channel for xenstore */
    int target;           /* SET_TARGET, -1 = none */
    bool released_fired;  /* @releaseDomain already sent (RESUME clears it) */
    struct xs_conn *conn; /* the domain's ring connection, when a transport is plugged */
    void *ring;           /* transport state */
};

/*
 * The guest-ring transport plugs in here (it needs grant mapping of the ring page and
 * dom0 event channels from pvisord). attach() maps d->mfn, binds d->port, creates
 * d->conn with conn_new(ops, tp, {d->domid, priv=false}) and registers its event fd
 * with the loop; it is called on INTRODUCE and, after a restart, for every persisted
 * domain (reconnection). detach() undoes it on RELEASE. Without a transport, domains
 * are recorded (and persisted) but have no connection.
 */
struct xs_ring_transport {
    int (*attach)(struct xs_domain *d);
    void (*detach)(struct xs_domain *d);
};
void domain_set_transport(const struct xs_ring_transport *t);

/* Lookup; dom0 is always considered introduced. */
struct xs_domain *domain_find(unsigned domid);
bool domain_is_introduced(unsigned domid);
int domain_target_of(unsigned domid);

/* Add or update (re-introduce) a domain. *fresh = it was not known. 0 or -ENOMEM. */
int domain_add(unsigned domid, uint64_t mfn, uint32_t port, int target, bool *fresh);
/* Drop from the table (detaches the transport). */
void domain_remove(unsigned domid);
/* Attach the transport to every known domain (start-up after loading state). */
void domain_attach_all(void);
/* The record persisted for d. */
void domain_record(const struct xs_domain *d, struct persist_dom *out);

/*
 * Remove what a released domain left in the store (trusted ctx on the live store):
 * its home /local/domain/<id>, and its name from every ACL (nodes it owned elsewhere
 * pass to dom0). Changes are recorded in c->chg. 0 or -ENOMEM.
 */
int domain_cleanup_store(struct db_ctx *c, unsigned domid);

/* Hooks for persist_open(). */
const struct persist_hooks *domain_persist_hooks(void);

/* Forget everything (shutdown, tests). */
void domain_reset(void);

#endif
