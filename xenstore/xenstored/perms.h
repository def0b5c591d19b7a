/* perms.h: xenstore ACLs: the one access check, and the "r5"/"n0" string format. */
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

#endif
