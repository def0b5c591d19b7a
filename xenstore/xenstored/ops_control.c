/* ops_control.c: CONTROL (alias DEBUG): log level, quotas, consistency check, statistics. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "persist.h"
#include "proto.h"
#include "ring.h"

struct ctl_cmd {
    const char *name;
    const char *usage;
    int (*fn)(struct xs_req *r, const char **argv, int argc);
};

static const struct ctl_cmd *cmds(unsigned *n);

static int reply_text(struct xs_req *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int reply_text(struct xs_req *r, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(r->buf, XENSTORE_PAYLOAD_MAX, fmt, ap);
    va_end(ap);
    return n < 0 ? -EINVAL : req_reply_str(r, r->buf);
}

static int ctl_help(struct xs_req *r, const char **argv, int argc)
{
    unsigned n, used = 0;
    const struct ctl_cmd *c = cmds(&n);

    for (unsigned i = 0; i < n && used < XENSTORE_PAYLOAD_MAX; i++)
        used += (unsigned)snprintf(r->buf + used, XENSTORE_PAYLOAD_MAX - used, "%-10s %s\n",
                                   c[i].name, c[i].usage);
    return req_reply_str(r, r->buf);
}

static int count_owner(const char *path, const struct xs_node *n, void *arg)
{
    return acct_add(arg, n->perms[0].domid, 1);
}

static int ctl_check(struct xs_req *r, const char **argv, int argc)
{
    struct xs_acct real = {0};
    const struct xs_acct *rec = &xsd_store.acct;
    int rc = store_walk(&xsd_store, "/", count_owner, &real);
    char bad[128] = "";

    for (uint32_t i = 0; rc == 0 && i < real.n && !bad[0]; i++)
        if (acct_get(rec, real.e[i].domid) != real.e[i].count)
            snprintf(bad, sizeof(bad), "domain %u: %d nodes owned, %d accounted", real.e[i].domid,
                     real.e[i].count, acct_get(rec, real.e[i].domid));
    for (uint32_t i = 0; rc == 0 && i < rec->n && !bad[0]; i++)
        if (acct_get(&real, rec->e[i].domid) != rec->e[i].count)
            snprintf(bad, sizeof(bad), "domain %u: %d nodes accounted, %d owned", rec->e[i].domid,
                     rec->e[i].count, acct_get(&real, rec->e[i].domid));
    acct_free(&real);
    if (rc < 0)
        return rc;
    return bad[0] ? reply_text(r, "%s", bad) : req_ok(r);
}

static int ctl_log(struct xs_req *r, const char **argv, int argc)
{
    enum xsd_log_level lvl;

    if (argc == 0)
        return reply_text(r, "%s", xsd_log_level_name(xsd_log_get_level()));
    if (xsd_log_parse_level(argv[0], &lvl) < 0)
        return -EINVAL;
    xsd_log_set_level(lvl);
    return req_ok(r);
}

static int ctl_print(struct xs_req *r, const char **argv, int argc)
{
    if (argc < 1)
        return -EINVAL;
    log_info("control: %s", argv[0]);
    return req_ok(r);
}

static int quota_usage(struct xs_req *r, unsigned domid)
{
    unsigned watches = 0, txs = 0;

    for (struct xs_conn *c = conn_first(); c; c = c->next) {
        if (!c->closing && c->who.domid == domid) {
            watches += c->nwatches;
            txs += c->ntx;
        }
    }
    return reply_text(r, "nodes %ld\nwatches %u\ntransactions %u\n",
                      store_owner_count(&xsd_store, domid), watches, txs);
}

static int ctl_quota(struct xs_req *r, const char **argv, int argc)
{
    unsigned domid;

    if (argc == 0) {
        quota_format(r->buf, XENSTORE_PAYLOAD_MAX);
        return req_reply_str(r, r->buf);
    }
    if (strcmp(argv[0], "set") == 0)
        return argc == 3 && quota_set_by_name(argv[1], argv[2]) == 0 ? req_ok(r) : -EINVAL;
    if (path_parse_domid(argv[0], &domid) < 0)
        return -EINVAL;
    return quota_usage(r, domid);
}

static int ctl_stats(struct xs_req *r, const char **argv, int argc)
{
    return reply_text(r, "connections %u\nguest-rings %u\nnodes %ld\nlog-bytes %llu\n",
                      conn_count(), ring_count(), store_owner_count(&xsd_store, 0),
                      (unsigned long long)persist_log_size());
}

static int ctl_compact(struct xs_req *r, const char **argv, int argc)
{
    int rc = persist_compact(&xsd_store);

    return rc < 0 ? rc : req_ok(r);
}

/* pvisor extension: this connection henceforth acts as an unprivileged domain, as a
 * guest's ring connection would (dom0 helpers, and tests of guest-facing behaviour). */
static int ctl_restrict(struct xs_req *r, const char **argv, int argc)
{
    unsigned domid;

    if (argc != 1 || path_parse_domid(argv[0], &domid) < 0 || domid == 0)
        return -EINVAL;
    r->c->who.domid = domid;
    r->c->who.priv = false;
    r->c->who.target = -1;
    log_info("%s: restricted to domain %u", r->c->name, domid);
    return req_ok(r);
}

static const struct ctl_cmd cmd_table[] = {
    {"help", "list commands", ctl_help},
    {"check", "verify node accounting", ctl_check},
    {"log", "[error|warn|info|debug|on|off]  show or set the log level", ctl_log},
    {"print", "<text>  write text to the log", ctl_print},
    {"quota", "[<domid> | set <name> <value>]  show limits, usage, or change one", ctl_quota},
    {"stats", "connections, guest rings, nodes, log size", ctl_stats},
    {"compact", "rewrite the state file now", ctl_compact},
    {"restrict", "<domid>  act as that unprivileged domain on this connection", ctl_restrict},
};

static const struct ctl_cmd *cmds(unsigned *n)
{
    *n = sizeof(cmd_table) / sizeof(cmd_table[0]);
    return cmd_table;
}

int op_control(struct xs_req *r)
{
    const char *argv[8];
    int argc = req_args(r, argv, 8);

    if (argc < 1)
        return -EINVAL;
    for (size_t i = 0; i < sizeof(cmd_table) / sizeof(cmd_table[0]); i++)
        if (strcmp(argv[0], cmd_table[i].name) == 0)
            return cmd_table[i].fn(r, argv + 1, argc - 1);
    return -EINVAL;
}
