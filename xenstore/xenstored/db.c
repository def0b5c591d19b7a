/* db.c: xenstore node operations: permission checks, quotas, implicit parents, changes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/wire.h"
#include "db.h"
#include "tx.h"

/* --- change sets ------------------------------------------------------------------- */

void chg_init(struct xs_changes *c)
{
    memset(c, 0, sizeof(*c));
}

void chg_free(struct xs_changes *c)
{
    for (uint32_t i = 0; i < c->nev; i++) {
        free(c->ev[i].path);
        free(c->ev[i].perms);
    }
    free(c->ev);
    pbuf_free(&c->rec);
    memset(c, 0, sizeof(*c));
}

void chg_event(struct xs_changes *c, const char *path, bool recurse, const struct xs_node *n)
{
    struct xs_event *e;

    if (c->nev == c->cap) {
        uint32_t cap = c->cap ? c->cap * 2 : 4;
        e = realloc(c->ev, cap * sizeof(*e));
        if (!e) {
            c->err = -ENOMEM;
            return;
        }
        c->ev = e;
        c->cap = cap;
    }
    e = &c->ev[c->nev];
    e->path = strdup(path);
    e->perms = malloc(n->nperms * sizeof(*e->perms));
    if (!e->path || !e->perms) {
        free(e->path);
        free(e->perms);
        c->err = -ENOMEM;
        return;
    }
    memcpy(e->perms, n->perms, n->nperms * sizeof(*e->perms));
    e->nperms = n->nperms;
    e->recurse = recurse;
    c->nev++;
}

/* --- helpers ----------------------------------------------------------------------- */

static bool limited(const struct db_ctx *c)
{
    return !c->trusted && !c->who->priv;
}

static int note(struct db_ctx *c, const char *path, const struct xs_node *n)
{
    return c->tx ? tx_note(c->tx, path, n) : 0;
}

static int check(const struct db_ctx *c, const struct xs_node *n, unsigned want)
{
    return c->trusted ? 0 : perm_check(c->who, n->perms, n->nperms, want);
}

/* Missing node: do not reveal absence to callers who cannot read where it would be. */
static int missing(const struct db_ctx *c, const char *path)
{
    const struct xs_node *up = store_deepest(c->store, path);

    if (path_is_special(path) || !up)
        return -ENOENT;
    return check(c, up, XS_PERM_READ) < 0 ? -EACCES : -ENOENT;
}

static int get_node(struct db_ctx *c, const char *path, unsigned want, const struct xs_node **out)
{
    const struct xs_node *n = store_get(c->store, path);
    int rc = note(c, path, n);

    if (rc < 0)
        return rc;
    if (!n)
        return missing(c, path);
    rc = check(c, n, want);
    if (rc < 0)
        return rc;
    *out = n;
    return 0;
}

static void record_node(struct db_ctx *c, const char *path)
{
    if (c->chg)
        pbuf_node(&c->chg->rec, path, store_get(c->store, path));
}

static void record_event(struct db_ctx *c, const char *path, bool recurse, const struct xs_node *n)
{
    if (c->chg)
        chg_event(c->chg, path, recurse, n);
}

static int logged(struct db_ctx *c, enum tx_op_kind k, const char *path, const void *v,
                  uint32_t len, const struct xs_perm *p, uint32_t np)
{
    return c->tx ? tx_log(c->tx, k, path, v, len, p, np) : 0;
}

/* --- creation ---------------------------------------------------------------------- */

/* Number of '/'-separated components of path missing below the deepest existing node. */
static unsigned count_missing(const struct xs_store *s, const char *path, size_t *exist_len)
{
    char buf[XSD_PATH_BUF];
    unsigned missing_n = 0;
    size_t len = strlen(path);

    memcpy(buf, path, len + 1);
    while (!store_get(s, buf)) {
        char *slash = strrchr(buf, '/');
        missing_n++;
        if (slash == buf) {
            buf[1] = '\0';
            break;
        }
        *slash = '\0';
    }
    *exist_len = strlen(buf);
    return missing_n;
}

/* ACL for a node created under parent by the caller: inherited, and owned by an
 * unprivileged creator. Returns a malloc'd copy. */
static struct xs_perm *child_perms(const struct db_ctx *c, const struct xs_node *parent)
{
    struct xs_perm *p = malloc(parent->nperms * sizeof(*p));

    if (!p)
        return NULL;
    memcpy(p, parent->perms, parent->nperms * sizeof(*p));
    if (!c->who->priv)
        p[0].domid = (uint16_t)c->who->domid;
    return p;
}

static int create_one(struct db_ctx *c, const char *path, size_t plen)
{
    char buf[XSD_PATH_BUF], parent[XSD_PATH_BUF];
    const struct xs_node *par;
    struct xs_perm *p;
    char *slash;
    int rc;

    memcpy(buf, path, plen);
    buf[plen] = '\0';
    memcpy(parent, buf, plen + 1);
    slash = strrchr(parent, '/');
    slash[slash == parent ? 1 : 0] = '\0';
    par = store_get(c->store, parent);
    rc = note(c, buf, NULL);
    if (rc < 0)
        return rc;
    p = par ? child_perms(c, par) : NULL;
    if (!p)
        return -ENOMEM;
    rc = store_create(c->store, buf, p, par->nperms);
    free(p);
    return rc;
}

/* Create path and its missing parents (perm and quota checked). *created = count. */
static int create_path(struct db_ctx *c, const char *path, unsigned *created)
{
    size_t exist_len, len = strlen(path);
    unsigned n = count_missing(c->store, path, &exist_len);
    char anc[XSD_PATH_BUF];
    const struct xs_node *up;
    int rc;

    memcpy(anc, path, exist_len);
    anc[exist_len] = '\0';
    rc = get_node(c, anc, XS_PERM_WRITE, &up);
    if (rc < 0)
        return rc;
    if (limited(c) && store_owner_count(c->store, c->who->domid) + n > quota_get(Q_NODES))
        return quota_hit(Q_NODES, c->who->domid, path, -EDQUOT);
    for (size_t i = exist_len + 1; i <= len; i++) {
        if (i == len || path[i] == '/') {
            rc = create_one(c, path, i);
            if (rc < 0)
                return rc;
        }
    }
    *created = n;
    return 0;
}

/* Persist records for the created parents of path, top-down: the last n components
 * were created; the final one (path itself) is recorded by the caller. */
static void record_created(struct db_ctx *c, const char *path, unsigned n)
{
    char buf[XSD_PATH_BUF];
    size_t slash[XSD_PATH_BUF / 2];
    unsigned m = 0;

    for (size_t i = 0; path[i]; i++)
        if (path[i] == '/')
            slash[m++] = i;
    /* Component j (1-based) ends just before slash[j], the last one at the end. */
    for (unsigned j = m - n + 1; n > 0 && j < m; j++) {
        memcpy(buf, path, slash[j]);
        buf[slash[j]] = '\0';
        record_node(c, buf);
    }
}

/* --- operations --------------------------------------------------------------------- */

int db_read(struct db_ctx *c, const char *path, const struct xs_node **out)
{
    if (path_is_special(path))
        return -EINVAL;
    return get_node(c, path, XS_PERM_READ, out);
}

int db_get_perms(struct db_ctx *c, const char *path, const struct xs_node **out)
{
    return get_node(c, path, XS_PERM_READ, out);
}

int db_write(struct db_ctx *c, const char *path, const void *val, uint32_t len)
{
    const struct xs_node *n;
    unsigned created = 0;
    int rc;

    if (path_is_special(path))
        return -EINVAL;
    if (limited(c) && len > quota_get(Q_NODE_SIZE))
        return quota_hit(Q_NODE_SIZE, c->who->domid, path, -E2BIG);
    n = store_get(c->store, path);
    if (n)
        rc = get_node(c, path, XS_PERM_WRITE, &n);
    else
        rc = create_path(c, path, &created);
    if (rc == 0)
        rc = store_set_value(c->store, path, val, len);
    if (rc < 0)
        return rc;
    record_created(c, path, created);
    record_node(c, path);
    record_event(c, path, false, store_get(c->store, path));
    return logged(c, TXOP_WRITE, path, val, len, NULL, 0);
}

int db_mkdir(struct db_ctx *c, const char *path)
{
    const struct xs_node *n;
    unsigned created = 0;
    int rc;

    if (path_is_special(path))
        return -EINVAL;
    if (store_get(c->store, path))
        return get_node(c, path, XS_PERM_WRITE, &n);
    rc = create_path(c, path, &created);
    if (rc < 0)
        return rc;
    record_created(c, path, created);
    record_node(c, path);
    record_event(c, path, false, store_get(c->store, path));
    return logged(c, TXOP_MKDIR, path, NULL, 0, NULL, 0);
}

static int note_subtree(const char *path, const struct xs_node *n, void *arg)
{
    return note(arg, path, n);
}

int db_rm(struct db_ctx *c, const char *path)
{
    char parent[XSD_PATH_BUF];
    const struct xs_node *n;
    struct xs_node copy;
    char *slash;
    int rc;

    if (path_is_special(path) || strcmp(path, "/") == 0)
        return -EINVAL;
    snprintf(parent, sizeof(parent), "%s", path);
    slash = strrchr(parent, '/');
    slash[slash == parent ? 1 : 0] = '\0';
    rc = get_node(c, path, XS_PERM_WRITE, &n);
    if (rc == -ENOENT) {
        /* Absent is fine if the parent exists. */
        rc = get_node(c, parent, 0, &n);
        return rc < 0 ? rc : logged(c, TXOP_RM, path, NULL, 0, NULL, 0);
    }
    if (rc == 0 && c->tx)
        rc = store_walk(c->store, path, note_subtree, c);
    if (rc == 0)
        rc = note(c, parent, store_get(c->store, parent));
    if (rc < 0)
        return rc;
    copy = *n;
    copy.perms = malloc(n->nperms * sizeof(*copy.perms));
    if (!copy.perms)
        return -ENOMEM;
    memcpy(copy.perms, n->perms, n->nperms * sizeof(*copy.perms));
    rc = store_delete(c->store, path);
    if (rc == 0) {
        if (c->chg)
            pbuf_del(&c->chg->rec, path);
        record_event(c, path, true, &copy);
        rc = logged(c, TXOP_RM, path, NULL, 0, NULL, 0);
    }
    free(copy.perms);
    return rc;
}

int db_set_perms(struct db_ctx *c, const char *path, const struct xs_perm *p, uint32_t np)
{
    const struct xs_node *n;
    int rc;

    if (np == 0)
        return -EINVAL;
    if (limited(c) && np > quota_get(Q_PERMS))
        return quota_hit(Q_PERMS, c->who->domid, path, -EDQUOT);
    rc = get_node(c, path, XS_PERM_OWNER, &n);
    if (rc < 0)
        return rc;
    if (limited(c) && p[0].domid != n->perms[0].domid)
        return -EPERM;
    rc = store_set_perms(c->store, path, p, np);
    if (rc < 0)
        return rc;
    record_node(c, path);
    if (!path_is_special(path))
        record_event(c, path, false, store_get(c->store, path));
    return logged(c, TXOP_SETPERMS, path, NULL, 0, p, np);
}
