/* domain.c: the introduced-domain table, ring transport hooks and release cleanup. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "log.h"

static struct xs_domain *domains;
static const struct xs_ring_transport *transport;

void domain_set_transport(const struct xs_ring_transport *t)
{
    transport = t;
}

struct xs_domain *domain_first(void)
{
    return domains;
}

struct xs_domain *domain_find(unsigned domid)
{
    for (struct xs_domain *d = domains; d; d = d->next)
        if (d->domid == domid)
            return d;
    return NULL;
}

bool domain_is_introduced(unsigned domid)
{
    return domid == 0 || domain_find(domid) != NULL;
}

int domain_target_of(unsigned domid)
{
    struct xs_domain *d = domain_find(domid);

    return d ? d->target : -1;
}

static void attach(struct xs_domain *d)
{
    int rc;

    if (!transport || d->ring)
        return;
    rc = transport->attach(d);
    d->gone = rc == -ESRCH;
    if (rc < 0)
        log_warn("domain %u: cannot connect its xenstore ring: %s%s", d->domid, strerror(-rc),
                 d->gone ? " (the domain no longer exists)" : "");
}

/* --- durable watches of ring connections ------------------------------------------------ */

static void saved_free(struct xs_saved_watch *w)
{
    free(w->path);
    free(w->token);
    free(w);
}

static void saved_clear(struct xs_domain *d)
{
    while (d->watches) {
        struct xs_saved_watch *w = d->watches;
        d->watches = w->next;
        saved_free(w);
    }
}

static int saved_apply(unsigned domid, char op, const char *path, const char *token, bool relative)
{
    struct xs_domain *d = domain_find(domid);
    struct xs_saved_watch *w, **pp;

    if (!d)
        return 0; /* a record for a domain released since: nothing to keep */
    if (op == 'C') {
        saved_clear(d);
        return 0;
    }
    for (pp = &d->watches; *pp; pp = &(*pp)->next)
        if (strcmp((*pp)->path, path) == 0 && strcmp((*pp)->token, token) == 0)
            break;
    if (op == 'U') {
        if (*pp) {
            w = *pp;
            *pp = w->next;
            saved_free(w);
        }
        return 0;
    }
    if (op != 'W')
        return -EINVAL;
    if (*pp)
        return 0;
    w = calloc(1, sizeof(*w));
    if (!w || !(w->path = strdup(path)) || !(w->token = strdup(token))) {
        if (w)
            saved_free(w);
        return -ENOMEM;
    }
    w->relative = relative;
    *pp = w; /* appended: registration order is kept */
    return 0;
}

int domain_watch_log(unsigned domid, char op, const char *path, const char *token, bool relative)
{
    struct pbuf b = {0};
    int rc;

    if (!domain_find(domid))
        return 0;
    pbuf_watch(&b, op, domid, path, token, relative);
    rc = persist_commit(&b);
    pbuf_free(&b);
    return rc < 0 ? rc : saved_apply(domid, op, path, token, relative);
}

int domain_add(unsigned domid, uint64_t mfn, uint32_t port, int target, bool *fresh)
{
    struct xs_domain *d = domain_find(domid);

    *fresh = d == NULL;
    if (!d) {
        d = calloc(1, sizeof(*d));
        if (!d)
            return -ENOMEM;
        d->domid = domid;
        d->next = domains;
        domains = d;
    } else if (d->mfn != mfn || d->port != port) {
        if (transport && d->ring)
            transport->detach(d);
        saved_clear(d); /* a new ring is a new connection */
    }
    d->mfn = mfn;
    d->port = port;
    d->target = target;
    attach(d);
    return 0;
}

void domain_remove(unsigned domid)
{
    for (struct xs_domain **pp = &domains; *pp; pp = &(*pp)->next) {
        struct xs_domain *d = *pp;
        if (d->domid == domid) {
            if (transport && d->ring)
                transport->detach(d);
            *pp = d->next;
            saved_clear(d);
            free(d);
            return;
        }
    }
}

void domain_attach_all(void)
{
    for (struct xs_domain *d = domains; d; d = d->next)
        attach(d);
}

void domain_detach_all(void)
{
    for (struct xs_domain *d = domains; d; d = d->next)
        if (transport && d->ring)
            transport->detach(d);
}

void domain_reset(void)
{
    while (domains)
        domain_remove(domains->domid);
}

void domain_record(const struct xs_domain *d, struct persist_dom *out)
{
    out->domid = d->domid;
    out->mfn = d->mfn;
    out->port = d->port;
    out->target = d->target;
}

/* --- cleanup -------------------------------------------------------------------------- */

struct pathlist {
    unsigned domid;
    char **p;
    unsigned n, cap;
    int err;
};

static bool names_domain(const struct xs_node *n, unsigned domid)
{
    for (uint32_t i = 0; i < n->nperms; i++)
        if (n->perms[i].domid == domid)
            return true;
    return false;
}

static int collect(const char *path, const struct xs_node *n, void *arg)
{
    struct pathlist *l = arg;

    if (!names_domain(n, l->domid))
        return 0;
    if (l->n == l->cap) {
        unsigned cap = l->cap ? l->cap * 2 : 16;
        char **p = realloc(l->p, cap * sizeof(*p));
        if (!p)
            return l->err = -ENOMEM;
        l->p = p;
        l->cap = cap;
    }
    l->p[l->n] = strdup(path);
    return l->p[l->n++] ? 0 : (l->err = -ENOMEM);
}

/* New ACL without domid; an ACL it owned passes to dom0. */
static int strip_acl(struct db_ctx *c, const char *path, unsigned domid)
{
    const struct xs_node *n = store_get(c->store, path);
    struct xs_perm p[n ? n->nperms : 1];
    uint32_t np = 0;

    if (!n)
        return 0;
    for (uint32_t i = 0; i < n->nperms; i++) {
        if (i > 0 && n->perms[i].domid == domid)
            continue;
        p[np] = n->perms[i];
        if (i == 0 && p[0].domid == domid)
            p[0].domid = 0;
        np++;
    }
    return db_set_perms(c, path, p, np);
}

int domain_cleanup_store(struct db_ctx *c, unsigned domid)
{
    static const char *const specials[] = {"@introduceDomain", "@releaseDomain"};
    struct pathlist l = {.domid = domid};
    char home[40];
    int rc;

    path_domain_home(domid, home, sizeof(home));
    rc = store_get(c->store, home) ? db_rm(c, home) : 0;
    if (rc == 0)
        rc = store_walk(c->store, "/", collect, &l);
    if (rc == 0)
        rc = l.err;
    for (unsigned i = 0; i < l.n; i++) {
        if (rc == 0)
            rc = strip_acl(c, l.p[i], domid);
        free(l.p[i]);
    }
    free(l.p);
    for (int i = 0; i < 2 && rc == 0; i++)
        if (names_domain(store_get(c->store, specials[i]), domid))
            rc = strip_acl(c, specials[i], domid);
    return rc;
}

/* --- persistence hooks ------------------------------------------------------------------ */

static int restore(const struct persist_dom *pd)
{
    const struct xs_ring_transport *t = transport;
    bool fresh;
    int rc;

    if (pd->domid == 0 || pd->domid > 65535)
        return -EINVAL;
    transport = NULL; /* attach later: domain_attach_all() once the store is loaded */
    rc = domain_add(pd->domid, pd->mfn, pd->port, pd->target, &fresh);
    transport = t;
    return rc;
}

static void forget(unsigned domid)
{
    domain_remove(domid);
}

static void dump(struct pbuf *b)
{
    struct persist_dom pd;

    for (struct xs_domain *d = domains; d; d = d->next) {
        domain_record(d, &pd);
        pbuf_domain(b, &pd);
        for (struct xs_saved_watch *w = d->watches; w; w = w->next)
            pbuf_watch(b, 'W', d->domid, w->path, w->token, w->relative);
    }
}

const struct persist_hooks *domain_persist_hooks(void)
{
    static const struct persist_hooks h = {restore, forget, dump, saved_apply};

    return &h;
}
