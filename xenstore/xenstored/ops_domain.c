/* ops_domain.c: domain requests: INTRODUCE, RELEASE, IS_DOMAIN_INTRODUCED, paths, targets. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "log.h"
#include "proto.h"
#include "tx.h"
#include "watch.h"

#define DOMID_FIRST_RESERVED 0x7FF0u

static int one_domid(struct xs_req *r, unsigned *domid)
{
    const char *a = req_onearg(r);

    return a ? path_parse_domid(a, domid) : -EINVAL;
}

/* A real guest domain id: not dom0, not one of Xen's special DOMID_* values. */
static int guest_domid(const char *s, unsigned *domid)
{
    int rc = path_parse_domid(s, domid);

    return rc < 0 || *domid == 0 || *domid >= DOMID_FIRST_RESERVED ? -EINVAL : 0;
}

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;

    if (*s == '\0')
        return -EINVAL;
    *out = (uint64_t)strtoll(s, &end, 10); /* Xen sends the frame number signed */
    return *end ? -EINVAL : 0;
}

static void special_event(struct xs_req *r, const char *name)
{
    chg_event(&r->chg, name, false, store_get(&xsd_store, name));
}

static void introduce_after(struct xs_req *r)
{
    bool fresh;

    if (domain_add(r->arg_domid, r->arg_mfn, r->arg_port, -1, &fresh) < 0) {
        log_err("domain %u: out of memory recording its introduction", r->arg_domid);
        return;
    }
    log_info("domain %u introduced (ring frame %llu, port %u)", r->arg_domid,
             (unsigned long long)r->arg_mfn, r->arg_port);
    if (fresh)
        special_event(r, "@introduceDomain");
}

int op_introduce(struct xs_req *r)
{
    const char *argv[3];
    struct persist_dom pd;
    uint64_t port;
    struct xs_domain *d;

    if (req_args(r, argv, 3) < 3 || guest_domid(argv[0], &r->arg_domid) < 0 ||
        parse_u64(argv[1], &r->arg_mfn) < 0 || parse_u64(argv[2], &port) < 0 || port > UINT32_MAX)
        return -EINVAL;
    r->arg_port = (uint32_t)port;
    d = domain_find(r->arg_domid);
    pd = (struct persist_dom){r->arg_domid, r->arg_mfn, r->arg_port, d ? d->target : -1};
    pbuf_domain(&r->chg.rec, &pd);
    r->after = introduce_after;
    return req_ok(r);
}

/* The released domain's connections lose their watches and transactions. */
static void release_after(struct xs_req *r)
{
    struct xs_domain *d = domain_find(r->arg_domid);
    bool fire = d && !d->released_fired;

    for (struct xs_conn *c = conn_first(); c; c = c->next)
        if (!c->closing && !c->who.priv && c->who.domid == r->arg_domid)
            proto_conn_gone(c);
    domain_remove(r->arg_domid);
    log_info("domain %u released", r->arg_domid);
    if (fire)
        special_event(r, "@releaseDomain");
}

int op_release(struct xs_req *r)
{
    struct db_ctx c = r->db;
    int rc;

    if (one_domid(r, &r->arg_domid) < 0 || r->arg_domid == 0)
        return -EINVAL;
    if (!domain_find(r->arg_domid))
        return -ENOENT;
    c.trusted = true;
    rc = domain_cleanup_store(&c, r->arg_domid);
    if (rc < 0)
        return rc;
    pbuf_undomain(&r->chg.rec, r->arg_domid);
    r->after = release_after;
    return req_ok(r);
}

int op_is_introduced(struct xs_req *r)
{
    unsigned domid;

    if (one_domid(r, &domid) < 0)
        return -EINVAL;
    return req_reply_str(r, domain_is_introduced(domid) ? "T" : "F");
}

int op_get_domain_path(struct xs_req *r)
{
    unsigned domid;

    if (one_domid(r, &domid) < 0)
        return -EINVAL;
    path_domain_home(domid, r->buf, sizeof(r->buf));
    return req_reply_str(r, r->buf);
}

int op_resume(struct xs_req *r)
{
    unsigned domid;
    struct xs_domain *d;

    if (one_domid(r, &domid) < 0)
        return -EINVAL;
    d = domain_find(domid);
    if (!d)
        return -ENOENT;
    d->released_fired = false;
    return req_ok(r);
}

static void set_target_after(struct xs_req *r)
{
    struct xs_domain *d = domain_find(r->arg_domid);

    if (d)
        d->target = (int)r->arg_domid2;
    for (struct xs_conn *c = conn_first(); c; c = c->next)
        if (!c->who.priv && c->who.domid == r->arg_domid)
            c->who.target = (int)r->arg_domid2;
}

int op_set_target(struct xs_req *r)
{
    const char *argv[2];
    struct persist_dom pd;
    struct xs_domain *d;

    if (req_args(r, argv, 2) < 2 || path_parse_domid(argv[0], &r->arg_domid) < 0 ||
        path_parse_domid(argv[1], &r->arg_domid2) < 0)
        return -EINVAL;
    d = domain_find(r->arg_domid);
    if (!d || !domain_is_introduced(r->arg_domid2))
        return -ENOENT;
    domain_record(d, &pd);
    pd.target = (int32_t)r->arg_domid2;
    pbuf_domain(&r->chg.rec, &pd);
    r->after = set_target_after;
    return req_ok(r);
}

/* --- releasing on the daemon's own behalf ----------------------------------------------- */

static ssize_t null_recv(struct xs_conn *c, void *buf, size_t len)
{
    (void)c, (void)buf, (void)len;
    return 0;
}

static ssize_t null_send(struct xs_conn *c, const void *buf, size_t len)
{
    (void)c, (void)buf;
    return (ssize_t)len; /* the reply is not needed */
}

static void null_destroy(struct xs_conn *c)
{
    (void)c;
}

void domain_release_gone(void)
{
    static const struct xs_conn_ops ops = {"internal", null_recv, null_send,
                                           NULL,       NULL,      null_destroy};
    static const struct xs_caller dom0 = {.domid = 0, .priv = true, .target = -1};
    struct xs_domain *d;
    char arg[16];

    for (;;) {
        for (d = domain_first(); d && !d->gone; d = d->next)
            ;
        if (!d)
            return;
        struct xs_conn *c = conn_new(&ops, NULL, &dom0, "internal");
        int n = snprintf(arg, sizeof(arg), "%u", d->domid);
        struct xsd_sockmsg h = {XS_RELEASE, 0, 0, (uint32_t)n + 1};
        d->gone = false; /* whatever happens, once */
        log_info("domain %u is gone: releasing it", d->domid);
        if (c) {
            proto_handle(c, &h, arg);
            conn_close(c, "peer closed");
        }
    }
}
