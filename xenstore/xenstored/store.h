/* store.h: the xenstore tree (copy-on-write nodes, owner counts, snapshots) and path syntax. */
#ifndef XSD_STORE_H
#define XSD_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One ACL entry: domain and XS_PERM_* bits. Entry 0 is the owner + everyone's default. */
struct xs_perm {
    uint16_t domid;
    uint8_t perm;
};

/*
 * A node. Nodes are shared between the live tree, transaction snapshots and rollback
 * marks (refs > 1); the store clones a shared node before changing it, so a reader
 * holding a snapshot never sees later changes. Treat nodes as read-only outside store.c.
 */
struct xs_node {
    uint32_t refs;
    uint32_t nkids, kcap;
    uint32_t vlen, nperms;
    uint64_t gen; /* changes whenever value, perms or the child list change */
    char *name;   /* last path component; "" for the root */
    char *value;  /* vlen bytes, NUL-terminated for convenience */
    struct xs_perm *perms;
    struct xs_node **kids; /* creation order */
};

/* Node counts per owning domain (deltas in a transaction's snapshot). */
struct xs_acct {
    uint32_t n, cap;
    struct xs_acct_ent {
        uint32_t domid;
        int32_t count;
    } * e;
};

struct xs_store {
    struct xs_node *root;     /* "/" */
    struct xs_node *specials; /* parent of "@introduceDomain", "@releaseDomain" */
    struct xs_acct acct;
    const struct xs_store *base; /* snapshot: counts are base's plus our deltas */
};

/* A saved state to return to (all-or-nothing requests). */
struct xs_store_mark {
    struct xs_node *root, *specials;
    struct xs_acct acct;
};

/* Seed the global generation counter (e.g. with the wall clock at start-up). */
void store_gen_seed(uint64_t seed);

/* New store: "/" owned by dom0 with "n0", the two special nodes with "n0". 0/-ENOMEM. */
int store_init(struct xs_store *s);
void store_fini(struct xs_store *s);

/* dst becomes a snapshot of src sharing all nodes (O(1)); dst->base = src. */
void store_snapshot(struct xs_store *dst, const struct xs_store *src);

/* Node at a canonical path ("/..." or "@..."), or NULL. The pointer is valid until the
 * next change to the store. */
const struct xs_node *store_get(const struct xs_store *s, const char *path);

/* Deepest existing node on the way to path (at least the root). */
const struct xs_node *store_deepest(const struct xs_store *s, const char *path);

/* Create a node (value "") under an existing parent; path must not exist.
 * 0, -ENOENT (no parent), -EEXIST, -ENOMEM. */
int store_create(struct xs_store *s, const char *path, const struct xs_perm *p, uint32_t np);

/* Replace the value. 0, -ENOENT, -ENOMEM. */
int store_set_value(struct xs_store *s, const char *path, const void *v, uint32_t len);

/* Replace the ACL (np >= 1); moves the node between owners' counts. 0, -ENOENT, -ENOMEM. */
int store_set_perms(struct xs_store *s, const char *path, const struct xs_perm *p, uint32_t np);

/* Remove a node and its subtree (not "/" or specials). 0, -ENOENT, -EINVAL. */
int store_delete(struct xs_store *s, const char *path);

/* Nodes owned by domid (including base counts for snapshots). */
long store_owner_count(const struct xs_store *s, unsigned domid);

/* Pre-order walk of "/" with each node's full path; stops on a non-zero return. */
typedef int (*store_walk_fn)(const char *path, const struct xs_node *n, void *arg);
int store_walk(const struct xs_store *s, const char *from, store_walk_fn fn, void *arg);

/* Save / restore / forget the whole state (O(number of owners)). 0 or -ENOMEM. */
int store_mark(struct xs_store *s, struct xs_store_mark *m);
void store_rollback(struct xs_store *s, struct xs_store_mark *m);
void store_mark_drop(struct xs_store_mark *m);

/* Accounting helpers (also used by transactions for their deltas). */
int32_t acct_get(const struct xs_acct *a, unsigned domid);
int acct_add(struct xs_acct *a, unsigned domid, int32_t delta);
void acct_free(struct xs_acct *a);

/* --- path syntax ------------------------------------------------------------------ */

/* Big enough for any canonical path the daemon accepts (XENSTORE_ABS_PATH_MAX + NUL). */
#define XSD_PATH_BUF 3080

/*
 * Canonicalise a request path for a caller of domain `domid`: a relative path becomes
 * /local/domain/<domid>/<path>; "@name" is accepted only when allow_special.
 * Rules (Xen's): characters [A-Za-z0-9_@/-], no "//", no trailing '/' except "/",
 * not empty; the part after /local/domain/<id>/ (or the whole path elsewhere) at
 * most max_rel bytes and the whole at most XENSTORE_ABS_PATH_MAX.
 * Returns 0 (out holds the path), -EINVAL (syntax) or -ENAMETOOLONG (length limit).
 */
int path_canon(unsigned domid, const char *in, bool allow_special, unsigned max_rel, char *out,
               size_t outsz);

/* "@introduceDomain" and friends: any path starting with '@'. */
bool path_is_special(const char *p);

/* True if `child` equals `parent` or lies below it ("/" is everyone's parent). */
bool path_is_child(const char *child, const char *parent);

/* Write "/local/domain/<domid>" into buf. */
void path_domain_home(unsigned domid, char *buf, size_t sz);

/* For a path below /local/domain/<domid>/, the part after that prefix; else NULL. */
const char *path_strip_home(const char *abs, unsigned domid);

/* Strict decimal parse of a domain id (0..65535). 0 or -EINVAL. */
int path_parse_domid(const char *s, unsigned *out);

#endif
