/* db.h: node operations with xenstore semantics: permissions, quotas, implicit parents. */
#ifndef XSD_DB_H
#define XSD_DB_H

#include <stdbool.h>
#include <stdint.h>

#include "perms.h"
#include "persist.h"
#include "store.h"

struct xs_tx;

/* A watch event produced by a change: the path and the ACL readers must satisfy. */
struct xs_event {
    char *path;
    bool recurse; /* removal: also fires watches below path */
    uint32_t nperms;
    struct xs_perm *perms;
};

/* What one request changed: records to persist and events to fire once persisted. */
struct xs_changes {
    struct pbuf rec;
    struct xs_event *ev;
    uint32_t nev, cap;
    int err; /* sticky -ENOMEM */
};

void chg_init(struct xs_changes *c);
void chg_free(struct xs_changes *c);
/* Queue an event for path with the node's ACL (copied). */
void chg_event(struct xs_changes *c, const char *path, bool recurse, const struct xs_node *n);

/* Context of one operation. */
struct db_ctx {
    struct xs_store *store;
    const struct xs_caller *who;
    struct xs_tx *tx;       /* set inside a transaction: accesses noted, ops logged */
    struct xs_changes *chg; /* outside a transaction: persistence + events (or NULL) */
    bool trusted;           /* commit replay and domain cleanup: no perm/quota checks */
};

/*
 * All paths are canonical (path_canon). Errors: -ENOENT (missing; -EACCES instead when
 * the caller cannot read the deepest existing ancestor), -EACCES, -EPERM, -EINVAL,
 * -E2BIG (node-size quota), -EDQUOT (nodes/permissions/transaction-nodes quota),
 * -ENOMEM. A failed operation may leave partial changes: callers run every mutating
 * request under store_mark()/store_rollback().
 * Returned node pointers stay valid until the store next changes.
 */
int db_read(struct db_ctx *c, const char *path, const struct xs_node **out);
int db_get_perms(struct db_ctx *c, const char *path, const struct xs_node **out);
int db_write(struct db_ctx *c, const char *path, const void *val, uint32_t len);
int db_mkdir(struct db_ctx *c, const char *path);
int db_rm(struct db_ctx *c, const char *path);
int db_set_perms(struct db_ctx *c, const char *path, const struct xs_perm *p, uint32_t np);

#endif
