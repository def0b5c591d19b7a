/* quota.h: xenstored's limits (Xen's defaults), their names, and logging of every hit. */
#ifndef XSD_QUOTA_H
#define XSD_QUOTA_H

#include <stddef.h>

enum quota_id {
    Q_NODES,        /* nodes owned per unprivileged domain: 1000 */
    Q_WATCHES,      /* watches per unprivileged connection: 128 */
    Q_TRANSACTIONS, /* open transactions per unprivileged connection: 10 */
    Q_OUTSTANDING,  /* replies queued but not yet taken; input pauses at the limit: 20 */
    Q_NODE_SIZE,    /* value bytes per node written by an unprivileged domain: 2048 */
    Q_PERMS,        /* ACL entries per node set by an unprivileged domain: 5 */
    Q_PATH_MAX,     /* bytes after /local/domain/<id>/ (or of the whole path): 2048 */
    Q_TX_NODES,     /* nodes one unprivileged transaction may touch: 1024 */
    Q_OUTPUT_QUEUE, /* messages queued to any connection before it is dropped: 1024 */
    Q_COUNT
};

/* Current value of a quota. */
unsigned quota_get(enum quota_id q);

/* Name used in logs, CONTROL "quota" and --quota NAME=VALUE. */
const char *quota_name(enum quota_id q);

/* Set by name; 0 or -EINVAL (unknown name or value 0 / > 1e9). */
int quota_set_by_name(const char *name, const char *value);

/* Parse "NAME=VALUE" (command line). 0 or -EINVAL. */
int quota_set_arg(const char *arg);

/* Record a hit: logs "quota NAME=VALUE reached by domain D: what" (rate-limited) and
 * returns err (a negative errno) so callers can `return quota_hit(...)`. */
int quota_hit(enum quota_id q, unsigned domid, const char *what, int err);

/* "name value\n" lines for every quota. Bytes written (NUL excluded), truncated to sz. */
size_t quota_format(char *buf, size_t sz);

/* Total hits since start (tests and CONTROL "quota"). */
unsigned long quota_hits(enum quota_id q);

#endif
