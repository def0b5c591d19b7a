/* perms.h: access policy: the one access check, "r5"/"n0" ACL strings, quotas. */
#ifndef XSD_PERMS_H
#define XSD_PERMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* Internal bit beyond XS_PERM_READ/WRITE: may change the ACL (owner or privileged). */
#define XS_PERM_OWNER 0x4

/* Who is asking: a connection's identity. */
struct xs_caller {
    unsigned domid;
    bool priv;  /* dom0 / privileged: full access, no quotas */
    int target; /* SET_TARGET: acts with this domain's rights too; -1 = none */
};

/* Rights (XS_PERM_READ|WRITE|OWNER) of `who` on a node with ACL p[0..np). */
unsigned perm_rights(const struct xs_caller *who, const struct xs_perm *p, uint32_t np);

/*
 * THE access check, used for every node access and every watch event:
 * 0 if `who` holds all bits of `want` on the ACL, else -EACCES.
 */
int perm_check(const struct xs_caller *who, const struct xs_perm *p, uint32_t np, unsigned want);

/*
 * Parse `n` NUL-terminated permission strings ("b0", "r5", ...) from buf[0..len).
 * On success *out is a malloc'd array the caller frees. 0, -EINVAL, -ENOMEM.
 */
int perms_parse(const char *buf, size_t len, struct xs_perm **out, uint32_t *n);

/* Format one entry as "r5" into buf (>= 8 bytes). Returns the string length. */
int perm_format(const struct xs_perm *p, char *buf, size_t sz);

/* All entries as NUL-terminated strings back to back. Bytes used, or -E2BIG. */
int perms_format_all(const struct xs_perm *p, uint32_t np, char *buf, size_t sz);

/* --- quotas ------------------------------------------------------------------------ */

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
