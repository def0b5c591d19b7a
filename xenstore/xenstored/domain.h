/* domain.h: introduced domains, their ring transport hook, and cleanup on release. */
#ifndef XSD_DOMAIN_H
#define XSD_DOMAIN_H

#include <stdbool.h>
#include <stdint.h>

#include "db.h"
#include "persist.h"

struct xs_conn;

/* A watch of the domain's ring connection, kept (and persisted) so that a restarted
 * daemon gives the reconnected ring its watches back. */
struct xs_saved_watch {
    struct xs_saved_watch *next;
    char *path; /* canonical */
    char *token;
    bool relative;
};

struct xs_domain {
    struct xs_domain *next;
    unsigned domid;
    uint64_t mfn;                   /* the xenstore ring page (guest frame) */
    uint32_t port;                  /* the guest's unbound event channel for xenstore */
    int target;                     /* SET_TARGET, -1 = none */
    bool released_fired;            /* @releaseDomain already sent (RESUME clears it) */
    bool gone;                      /* the transport found no such domain (it died meanwhile) */
    struct xs_conn *conn;           /* the domain's ring connection (NULL while none is usable) */
    void *ring;                     /* transport state; non-NULL while attached */
    struct xs_saved_watch *watches; /* durable copy of the ring connection's watches */
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

/* Iteration over the introduced domains. */
struct xs_domain *domain_first(void);

/* RELEASE (as the request does: store cleanup, persisted, @releaseDomain) every domain
 * the transport reported gone, e.g. domains that died while the daemon was down. */
void domain_release_gone(void);

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
/* Detach every domain's ring, keeping the domains and their saved watches (daemon
 * shutdown: call before conn_close_all(), so the rings are not marked failed). */
void domain_detach_all(void);
/* The record persisted for d. */
void domain_record(const struct xs_domain *d, struct persist_dom *out);

/*
 * Remove what a released domain left in the store (trusted ctx on the live store):
 * its home /local/domain/<id>, and its name from every ACL (nodes it owned elsewhere
 * pass to dom0). Changes are recorded in c->chg. 0 or -ENOMEM.
 */
int domain_cleanup_store(struct db_ctx *c, unsigned domid);

/*
 * Durable watches of ring connections: op 'W' (add path/token), 'U' (remove), 'C' (drop
 * all of domid's). Appends a state record, then updates the domain's saved list.
 * 0 or -errno (nothing changed). Unknown domains: 0, nothing recorded.
 */
int domain_watch_log(unsigned domid, char op, const char *path, const char *token, bool relative);

/* Hooks for persist_open(). */
const struct persist_hooks *domain_persist_hooks(void);

/* Forget everything (shutdown, tests). */
void domain_reset(void);

#endif
