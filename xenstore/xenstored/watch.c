/* watch.c: watches: registration, matching, event delivery, WATCH/UNWATCH/RESET_WATCHES. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "log.h"
#include "proto.h"
#include "watch.h"

int watch_add(struct xs_conn *c, const char *path, const char *token, bool relative,
              struct xs_watch **out)
{
    struct xs_watch *w;

    for (w = c->watches; w; w = w->next)
        if (strcmp(w->path, path) == 0 && strcmp(w->token, token) == 0)
            return -EEXIST;
    if (!c->who.priv && c->nwatches >= quota_get(Q_WATCHES))
        return quota_hit(Q_WATCHES, c->who.domid, path, -EDQUOT);
    w = calloc(1, sizeof(*w));
    if (!w)
        return -ENOMEM;
    w->path = strdup(path);
    w->token = strdup(token);
    if (!w->path || !w->token) {
        free(w->path);
        free(w->token);
        free(w);
        return -ENOMEM;
    }
    w->relative = relative;
    w->next = c->watches;
    c->watches = w;
    c->nwatches++;
    *out = w;
    return 0;
}

static void watch_free(struct xs_watch *w)
{
    free(w->path);
    free(w->token);
    free(w);
}

int watch_del(struct xs_conn *c, const char *path, const char *token)
{
    for (struct xs_watch **pp = &c->watches; *pp; pp = &(*pp)->next) {
        struct xs_watch *w = *pp;
        if (strcmp(w->path, path) == 0 && strcmp(w->token, token) == 0) {
            *pp = w->next;
            c->nwatches--;
            watch_free(w);
            return 0;
        }
    }
    return -ENOENT;
}

void watch_clear(struct xs_conn *c)
{
    while (c->watches) {
        struct xs_watch *w = c->watches;
        c->watches = w->next;
        watch_free(w);
    }
    c->nwatches = 0;
}

bool watch_matches(const char *wpath, const char *epath, bool recurse, const char **report)
{
    if (path_is_special(wpath) || path_is_special(epath)) {
        *report = epath;
        return strcmp(wpath, epath) == 0;
    }
    if (path_is_child(epath, wpath)) {
        *report = epath;
        return true;
    }
    if (recurse && path_is_child(wpath, epath)) {
        *report = wpath;
        return true;
    }
    return false;
}

void watch_send(struct xs_conn *c, const struct xs_watch *w, const char *epath)
{
    const char *p = epath;
    size_t plen, tlen;

    if (w->relative) {
        p = path_strip_home(epath, c->who.domid);
        if (!p)
            return;
    }
    plen = strlen(p) + 1;
    tlen = strlen(w->token) + 1;
    if (plen + tlen > XENSTORE_PAYLOAD_MAX) { /* as Xen: no message may exceed the limit */
        xsd_log_limited("%s: watch event dropped: path (%zu bytes) and token (%zu) exceed %u",
                        c->name, plen, tlen, XENSTORE_PAYLOAD_MAX);
        return;
    }
    conn_send(c, XS_WATCH_EVENT, 0, 0, p, plen, w->token, tlen, false);
}

void watch_fire(const struct xs_event *ev)
{
    for (struct xs_conn *c = conn_first(); c; c = c->next) {
        if (c->closing || !c->watches)
            continue;
        if (perm_check(&c->who, ev->perms, ev->nperms, XS_PERM_READ) < 0)
            continue;
        for (struct xs_watch *w = c->watches, *next; w; w = next) {
            const char *report;
            next = w->next;
            if (watch_matches(w->path, ev->path, ev->recurse, &report))
                watch_send(c, w, report);
            if (c->closing) /* the send overflowed the queue: watches are gone */
                break;
        }
    }
}

/* --- requests ---------------------------------------------------------------------- */

static int watch_args(struct xs_req *r, char *path, const char **token, bool *relative)
{
    const char *argv[2];
    int rc;

    if (req_args(r, argv, 2) < 2)
        return -EINVAL;
    rc = req_path(r, argv[0], true, path);
    *token = argv[1];
    *relative = argv[0][0] != '/' && argv[0][0] != '@';
    return rc;
}

int op_watch(struct xs_req *r)
{
    char path[XSD_PATH_BUF];
    const char *token;
    bool relative;
    int rc = watch_args(r, path, &token, &relative);

    if (rc == 0)
        rc = watch_add(r->c, path, token, relative, &r->first_event);
    if (rc == 0 && r->c->ring) { /* durable, so that a restarted daemon keeps it */
        rc = domain_watch_log(r->c->who.domid, 'W', path, token, relative);
        if (rc < 0) {
            watch_del(r->c, path, token);
            r->first_event = NULL;
        }
    }
    return rc < 0 ? rc : req_ok(r);
}

int op_unwatch(struct xs_req *r)
{
    char path[XSD_PATH_BUF];
    const char *token;
    bool relative;
    int rc = watch_args(r, path, &token, &relative);

    if (rc == 0)
        rc = watch_del(r->c, path, token);
    if (rc == 0 && r->c->ring && domain_watch_log(r->c->who.domid, 'U', path, token, false) < 0)
        log_warn("%s: unwatch %s not recorded: a restart would bring it back", r->c->name, path);
    return rc < 0 ? rc : req_ok(r);
}

int op_reset_watches(struct xs_req *r)
{
    if (r->c->ring && domain_watch_log(r->c->who.domid, 'C', "", "", false) < 0)
        log_warn("%s: watch reset not recorded: a restart would bring them back", r->c->name);
    proto_conn_gone(r->c);
    return req_ok(r);
}
