/* quota.c: the quota table with Xen's default limits, setters, and the hit log. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "quota.h"

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
    xsd_log_limited("quota %s=%u reached by domain %u: %s", quotas[q].name, quotas[q].value,
                    domid, what);
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
