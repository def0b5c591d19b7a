/* perms.c: access policy: the permission check, ACL strings, and quotas with their hit log. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/wire.h"
#include "log.h"
#include "perms.h"

static bool is_me(const struct xs_caller *who, unsigned domid)
{
    return domid == who->domid || (who->target >= 0 && domid == (unsigned)who->target);
}

unsigned perm_rights(const struct xs_caller *who, const struct xs_perm *p, uint32_t np)
{
    const unsigned all = XS_PERM_READ | XS_PERM_WRITE | XS_PERM_OWNER;

    if (who->priv)
        return all;
    if (np == 0)
        return 0;
    if (is_me(who, p[0].domid))
        return all;
    for (uint32_t i = 1; i < np; i++)
        if (p[i].domid == who->domid)
            return p[i].perm & XS_PERM_BOTH;
    if (who->target >= 0)
        for (uint32_t i = 1; i < np; i++)
            if (p[i].domid == (unsigned)who->target)
                return p[i].perm & XS_PERM_BOTH;
    return p[0].perm & XS_PERM_BOTH;
}

int perm_check(const struct xs_caller *who, const struct xs_perm *p, uint32_t np, unsigned want)
{
    return (perm_rights(who, p, np) & want) == want ? 0 : -EACCES;
}

static int parse_one(const char *s, struct xs_perm *out)
{
    unsigned domid;

    switch (s[0]) {
    case 'n':
        out->perm = XS_PERM_NONE;
        break;
    case 'r':
        out->perm = XS_PERM_READ;
        break;
    case 'w':
        out->perm = XS_PERM_WRITE;
        break;
    case 'b':
        out->perm = XS_PERM_BOTH;
        break;
    default:
        return -EINVAL;
    }
    if (path_parse_domid(s + 1, &domid) < 0)
        return -EINVAL;
    out->domid = (uint16_t)domid;
    return 0;
}

int perms_parse(const char *buf, size_t len, struct xs_perm **out, uint32_t *n)
{
    uint32_t cnt = 0, i = 0;
    struct xs_perm *p;
    size_t off;

    if (len == 0 || buf[len - 1] != '\0')
        return -EINVAL;
    for (off = 0; off < len; off++)
        cnt += buf[off] == '\0';
    p = malloc(cnt * sizeof(*p));
    if (!p)
        return -ENOMEM;
    for (off = 0; off < len; off += strlen(buf + off) + 1) {
        if (parse_one(buf + off, &p[i++]) < 0) {
            free(p);
            return -EINVAL;
        }
    }
    *out = p;
    *n = cnt;
    return 0;
}

int perm_format(const struct xs_perm *p, char *buf, size_t sz)
{
    static const char letters[] = "nrwb";

    return snprintf(buf, sz, "%c%u", letters[p->perm & XS_PERM_BOTH], p->domid);
}

int perms_format_all(const struct xs_perm *p, uint32_t np, char *buf, size_t sz)
{
    size_t used = 0;
    char one[16];

    for (uint32_t i = 0; i < np; i++) {
        int n = perm_format(&p[i], one, sizeof(one));
        if (used + (size_t)n + 1 > sz)
            return -E2BIG;
        memcpy(buf + used, one, (size_t)n + 1);
        used += (size_t)n + 1;
    }
    return (int)used;
}

/* --- quotas ------------------------------------------------------------------------ */

struct quota_def {
    const char *name;
    unsigned value;
    unsigned long hits;
};

static struct quota_def quotas[Q_COUNT] = {
    [Q_NODES] = {"nodes", 1000, 0},
    [Q_WATCHES] = {"watches", 128, 0},
    [Q_TRANSACTIONS] = {"transactions", 10, 0},
    [Q_OUTSTANDING] = {"outstanding", 20, 0},
    [Q_NODE_SIZE] = {"node-size", 2048, 0},
    [Q_PERMS] = {"permissions", 5, 0},
    [Q_PATH_MAX] = {"path-max", 2048, 0},
    [Q_TX_NODES] = {"transaction-nodes", 1024, 0},
    [Q_OUTPUT_QUEUE] = {"output-queue", 1024, 0},
};

unsigned quota_get(enum quota_id q)
{
    return quotas[q].value;
}

const char *quota_name(enum quota_id q)
{
    return quotas[q].name;
}

unsigned long quota_hits(enum quota_id q)
{
    return quotas[q].hits;
}

int quota_set_by_name(const char *name, const char *value)
{
    char *end;
    unsigned long v;

    errno = 0;
    v = strtoul(value, &end, 10);
    if (errno || end == value || *end || v == 0 || v > 1000000000UL)
        return -EINVAL;
    for (int i = 0; i < Q_COUNT; i++) {
        if (strcmp(quotas[i].name, name) == 0) {
            quotas[i].value = (unsigned)v;
            log_info("quota %s set to %lu", name, v);
            return 0;
        }
    }
    return -EINVAL;
}

int quota_set_arg(const char *arg)
{
    char name[32];
    const char *eq = strchr(arg, '=');

    if (!eq || (size_t)(eq - arg) >= sizeof(name))
        return -EINVAL;
    memcpy(name, arg, (size_t)(eq - arg));
    name[eq - arg] = '\0';
    return quota_set_by_name(name, eq + 1);
}

int quota_hit(enum quota_id q, unsigned domid, const char *what, int err)
{
    quotas[q].hits++;
    xsd_log_limited("quota %s=%u reached by domain %u: %s", quotas[q].name, quotas[q].value, domid,
                    what);
    return err;
}

size_t quota_format(char *buf, size_t sz)
{
    size_t used = 0;

    for (int i = 0; i < Q_COUNT && used < sz; i++) {
        int n = snprintf(buf + used, sz - used, "%-18s %u\n", quotas[i].name, quotas[i].value);
        if (n < 0)
            break;
        used += (size_t)n < sz - used ? (size_t)n : sz - used - 1;
    }
    return used;
}
