/* store.c: the xenstore tree (copy-on-write nodes, generations, owner counts) and path syntax. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/wire.h"
#include "store.h"

static uint64_t gen_counter = 1;

void store_gen_seed(uint64_t seed)
{
    if (seed > gen_counter)
        gen_counter = seed;
}

static uint64_t next_gen(void)
{
    return ++gen_counter;
}

/* --- accounting ---------------------------------------------------------------- */

int32_t acct_get(const struct xs_acct *a, unsigned domid)
{
    for (uint32_t i = 0; i < a->n; i++)
        if (a->e[i].domid == domid)
            return a->e[i].count;
    return 0;
}

int acct_add(struct xs_acct *a, unsigned domid, int32_t delta)
{
    for (uint32_t i = 0; i < a->n; i++) {
        if (a->e[i].domid == domid) {
            a->e[i].count += delta;
            return 0;
        }
    }
    if (a->n == a->cap) {
        uint32_t cap = a->cap ? a->cap * 2 : 8;
        struct xs_acct_ent *e = realloc(a->e, cap * sizeof(*e));
        if (!e)
            return -ENOMEM;
        a->e = e;
        a->cap = cap;
    }
    a->e[a->n].domid = domid;
    a->e[a->n].count = delta;
    a->n++;
    return 0;
}

void acct_free(struct xs_acct *a)
{
    free(a->e);
    memset(a, 0, sizeof(*a));
}

static int acct_copy(struct xs_acct *dst, const struct xs_acct *src)
{
    memset(dst, 0, sizeof(*dst));
    if (src->n == 0)
        return 0;
    dst->e = malloc(src->n * sizeof(*dst->e));
    if (!dst->e)
        return -ENOMEM;
    memcpy(dst->e, src->e, src->n * sizeof(*dst->e));
    dst->n = dst->cap = src->n;
    return 0;
}

long store_owner_count(const struct xs_store *s, unsigned domid)
{
    long n = acct_get(&s->acct, domid);

    return s->base ? n + store_owner_count(s->base, domid) : n;
}

/* --- nodes ----------------------------------------------------------------------- */

static void node_put(struct xs_node *n)
{
    if (!n || --n->refs > 0)
        return;
    for (uint32_t i = 0; i < n->nkids; i++)
        node_put(n->kids[i]);
    free(n->kids);
    free(n->name);
    free(n->value);
    free(n->perms);
    free(n);
}

static struct xs_node *node_new(const char *name, size_t nlen, const struct xs_perm *p, uint32_t np)
{
    struct xs_node *n = calloc(1, sizeof(*n));

    if (!n)
        return NULL;
    n->refs = 1;
    n->name = strndup(name, nlen);
    n->value = calloc(1, 1);
    n->perms = malloc(np * sizeof(*p));
    if (!n->name || !n->value || !n->perms) {
        node_put(n);
        return NULL;
    }
    memcpy(n->perms, p, np * sizeof(*p));
    n->nperms = np;
    n->gen = next_gen();
    return n;
}

/* Private copy of a shared node: same contents and generation, children shared. */
static struct xs_node *node_clone(const struct xs_node *o)
{
    struct xs_node *n = node_new(o->name, strlen(o->name), o->perms, o->nperms);

    if (!n)
        return NULL;
    free(n->value);
    n->value = malloc(o->vlen + 1);
    n->kids = o->nkids ? malloc(o->nkids * sizeof(*n->kids)) : NULL;
    if (!n->value || (o->nkids && !n->kids)) {
        node_put(n);
        return NULL;
    }
    memcpy(n->value, o->value, o->vlen + 1);
    n->vlen = o->vlen;
    for (uint32_t i = 0; i < o->nkids; i++) {
        n->kids[i] = o->kids[i];
        n->kids[i]->refs++;
    }
    n->nkids = n->kcap = o->nkids;
    n->gen = o->gen;
    return n;
}

static int unshare(struct xs_node **slot)
{
    struct xs_node *c;

    if ((*slot)->refs == 1)
        return 0;
    c = node_clone(*slot);
    if (!c)
        return -ENOMEM;
    (*slot)->refs--;
    *slot = c;
    return 0;
}

static int find_kid(const struct xs_node *n, const char *name, size_t len)
{
    for (uint32_t i = 0; i < n->nkids; i++)
        if (strncmp(n->kids[i]->name, name, len) == 0 && n->kids[i]->name[len] == '\0')
            return (int)i;
    return -1;
}

/* Length of the next component of p (which points after a '/'). */
static size_t comp_len(const char *p)
{
    const char *e = strchr(p, '/');

    return e ? (size_t)(e - p) : strlen(p);
}

/* --- lookups --------------------------------------------------------------------- */

static const struct xs_node *walk_ro(const struct xs_store *s, const char *path, bool deepest)
{
    const struct xs_node *n = s->root;
    const char *p = path + 1;

    if (path_is_special(path)) {
        int i = find_kid(s->specials, path, strlen(path));
        return i < 0 ? NULL : s->specials->kids[i];
    }
    if (path[0] != '/')
        return NULL;
    while (*p) {
        size_t len = comp_len(p);
        int i = find_kid(n, p, len);
        if (i < 0)
            return deepest ? n : NULL;
        n = n->kids[i];
        p += len;
        if (*p == '/')
            p++;
    }
    return n;
}

const struct xs_node *store_get(const struct xs_store *s, const char *path)
{
    return walk_ro(s, path, false);
}

const struct xs_node *store_deepest(const struct xs_store *s, const char *path)
{
    return walk_ro(s, path, true);
}

/* Make every node from the root to path private; return the node (must exist). */
static int walk_mut(struct xs_store *s, const char *path, struct xs_node **out)
{
    struct xs_node **slot = path_is_special(path) ? &s->specials : &s->root;
    const char *p = path_is_special(path) ? path : path + 1;
    int rc;

    while (1) {
        rc = unshare(slot);
        if (rc < 0)
            return rc;
        if (*p == '\0')
            break;
        size_t len = path_is_special(path) ? strlen(p) : comp_len(p);
        int i = find_kid(*slot, p, len);
        if (i < 0)
            return -ENOENT;
        slot = &(*slot)->kids[i];
        p += len;
        if (*p == '/')
            p++;
    }
    *out = *slot;
    return 0;
}

/* --- mutations ------------------------------------------------------------------- */

static int split_parent(const char *path, char *parent, size_t sz, const char **leaf)
{
    const char *slash = strrchr(path, '/');
    size_t plen;

    if (!slash || path[0] != '/' || slash[1] == '\0')
        return -EINVAL;
    plen = slash == path ? 1 : (size_t)(slash - path);
    if (plen >= sz)
        return -EINVAL;
    memcpy(parent, path, plen);
    parent[plen] = '\0';
    *leaf = slash + 1;
    return 0;
}

static int kids_reserve(struct xs_node *n)
{
    struct xs_node **k;
    uint32_t cap;

    if (n->nkids < n->kcap)
        return 0;
    cap = n->kcap ? n->kcap * 2 : 4;
    k = realloc(n->kids, cap * sizeof(*k));
    if (!k)
        return -ENOMEM;
    n->kids = k;
    n->kcap = cap;
    return 0;
}

int store_create(struct xs_store *s, const char *path, const struct xs_perm *p, uint32_t np)
{
    char parent[XSD_PATH_BUF];
    const char *leaf;
    struct xs_node *par, *n;
    int rc = split_parent(path, parent, sizeof(parent), &leaf);

    if (rc < 0 || np == 0)
        return -EINVAL;
    if (store_get(s, path))
        return -EEXIST;
    if (!store_get(s, parent))
        return -ENOENT;
    rc = walk_mut(s, parent, &par);
    if (rc == 0)
        rc = kids_reserve(par);
    if (rc < 0)
        return rc;
    n = node_new(leaf, strlen(leaf), p, np);
    if (!n)
        return -ENOMEM;
    if (acct_add(&s->acct, p[0].domid, 1) < 0) {
        node_put(n);
        return -ENOMEM;
    }
    par->kids[par->nkids++] = n;
    par->gen = next_gen();
    return 0;
}

int store_set_value(struct xs_store *s, const char *path, const void *v, uint32_t len)
{
    struct xs_node *n;
    char *nv;
    int rc;

    if (!store_get(s, path))
        return -ENOENT;
    rc = walk_mut(s, path, &n);
    if (rc < 0)
        return rc;
    nv = malloc((size_t)len + 1);
    if (!nv)
        return -ENOMEM;
    memcpy(nv, v, len);
    nv[len] = '\0';
    free(n->value);
    n->value = nv;
    n->vlen = len;
    n->gen = next_gen();
    return 0;
}

int store_set_perms(struct xs_store *s, const char *path, const struct xs_perm *p, uint32_t np)
{
    struct xs_node *n;
    struct xs_perm *cp;
    int rc;

    if (np == 0)
        return -EINVAL;
    if (!store_get(s, path))
        return -ENOENT;
    rc = walk_mut(s, path, &n);
    if (rc < 0)
        return rc;
    cp = malloc(np * sizeof(*cp));
    if (!cp)
        return -ENOMEM;
    if (!path_is_special(path) && n->perms[0].domid != p[0].domid) {
        if (acct_add(&s->acct, p[0].domid, 1) < 0 ||
            acct_add(&s->acct, n->perms[0].domid, -1) < 0) {
            free(cp);
            return -ENOMEM;
        }
    }
    memcpy(cp, p, np * sizeof(*cp));
    free(n->perms);
    n->perms = cp;
    n->nperms = np;
    n->gen = next_gen();
    return 0;
}

static int uncount(struct xs_acct *a, const struct xs_node *n)
{
    int rc = acct_add(a, n->perms[0].domid, -1);

    for (uint32_t i = 0; rc == 0 && i < n->nkids; i++)
        rc = uncount(a, n->kids[i]);
    return rc;
}

int store_delete(struct xs_store *s, const char *path)
{
    char parent[XSD_PATH_BUF];
    const char *leaf;
    struct xs_node *par;
    int i, rc = split_parent(path, parent, sizeof(parent), &leaf);

    if (rc < 0)
        return rc;
    if (!store_get(s, path))
        return -ENOENT;
    rc = walk_mut(s, parent, &par);
    if (rc < 0)
        return rc;
    i = find_kid(par, leaf, strlen(leaf));
    rc = uncount(&s->acct, par->kids[i]);
    if (rc < 0)
        return rc;
    node_put(par->kids[i]);
    memmove(&par->kids[i], &par->kids[i + 1], (par->nkids - (uint32_t)i - 1) * sizeof(*par->kids));
    par->nkids--;
    par->gen = next_gen();
    return 0;
}

/* --- whole-store operations --------------------------------------------------------- */

int store_init(struct xs_store *s)
{
    static const struct xs_perm none0 = {0, 0};

    memset(s, 0, sizeof(*s));
    s->root = node_new("", 0, &none0, 1);
    s->specials = node_new("", 0, &none0, 1);
    if (!s->root || !s->specials || acct_add(&s->acct, 0, 1) < 0 || kids_reserve(s->specials) < 0) {
        store_fini(s);
        return -ENOMEM;
    }
    s->specials->kids[0] = node_new("@introduceDomain", 16, &none0, 1);
    s->specials->kids[1] = node_new("@releaseDomain", 14, &none0, 1);
    s->specials->nkids = 2;
    if (!s->specials->kids[0] || !s->specials->kids[1]) {
        store_fini(s);
        return -ENOMEM;
    }
    return 0;
}

void store_fini(struct xs_store *s)
{
    node_put(s->root);
    node_put(s->specials);
    acct_free(&s->acct);
    memset(s, 0, sizeof(*s));
}

void store_snapshot(struct xs_store *dst, const struct xs_store *src)
{
    memset(dst, 0, sizeof(*dst));
    dst->root = src->root;
    dst->root->refs++;
    dst->specials = src->specials;
    dst->specials->refs++;
    dst->base = src;
}

int store_mark(struct xs_store *s, struct xs_store_mark *m)
{
    if (acct_copy(&m->acct, &s->acct) < 0)
        return -ENOMEM;
    m->root = s->root;
    m->specials = s->specials;
    m->root->refs++;
    m->specials->refs++;
    return 0;
}

void store_rollback(struct xs_store *s, struct xs_store_mark *m)
{
    node_put(s->root);
    node_put(s->specials);
    acct_free(&s->acct);
    s->root = m->root;
    s->specials = m->specials;
    s->acct = m->acct;
    memset(m, 0, sizeof(*m));
}

void store_mark_drop(struct xs_store_mark *m)
{
    node_put(m->root);
    node_put(m->specials);
    acct_free(&m->acct);
    memset(m, 0, sizeof(*m));
}

static int walk_rec(char *buf, size_t len, const struct xs_node *n, store_walk_fn fn, void *arg)
{
    int rc = fn(buf, n, arg);

    for (uint32_t i = 0; rc == 0 && i < n->nkids; i++) {
        size_t nl = strlen(n->kids[i]->name);
        size_t off = len == 1 ? 1 : len + 1;
        if (off + nl >= XSD_PATH_BUF)
            continue;
        if (len > 1)
            buf[len] = '/';
        memcpy(buf + off, n->kids[i]->name, nl + 1);
        rc = walk_rec(buf, off + nl, n->kids[i], fn, arg);
        buf[len] = '\0';
    }
    return rc;
}

int store_walk(const struct xs_store *s, const char *from, store_walk_fn fn, void *arg)
{
    char buf[XSD_PATH_BUF];
    const struct xs_node *n = store_get(s, from);

    if (!n || path_is_special(from))
        return -ENOENT;
    snprintf(buf, sizeof(buf), "%s", from);
    return walk_rec(buf, strlen(buf), n, fn, arg);
}

/* --- path syntax ------------------------------------------------------------------ */

static bool valid_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '-' || ch == '/' || ch == '_' || ch == '@';
}

static int check_syntax(const char *p)
{
    size_t n = strlen(p);

    if (n == 0)
        return -EINVAL;
    for (size_t i = 0; i < n; i++) {
        if (!valid_char(p[i]))
            return -EINVAL;
        if (p[i] == '/' && p[i + 1] == '/')
            return -EINVAL;
    }
    if (n > 1 && p[n - 1] == '/')
        return -EINVAL;
    return 0;
}

/* Offset just after "/local/domain/<id>/" when p starts with it, else 0. */
static size_t home_prefix_len(const char *p)
{
    static const char pre[] = "/local/domain/";
    size_t i = sizeof(pre) - 1, digits = 0;

    if (strncmp(p, pre, i) != 0)
        return 0;
    while (p[i] >= '0' && p[i] <= '9' && digits < 5)
        i++, digits++;
    if (digits == 0 || p[i] != '/')
        return 0;
    return i + 1;
}

static int check_length(const char *p, unsigned max_rel)
{
    size_t n = strlen(p);

    if (n > XENSTORE_ABS_PATH_MAX)
        return -ENAMETOOLONG;
    if (n > home_prefix_len(p) + max_rel)
        return -ENAMETOOLONG;
    return 0;
}

int path_canon(unsigned domid, const char *in, bool allow_special, unsigned max_rel, char *out,
               size_t outsz)
{
    int n;

    if (check_syntax(in) < 0 || (in[0] == '@' && !allow_special))
        return -EINVAL;
    if (in[0] == '/' || in[0] == '@')
        n = snprintf(out, outsz, "%s", in);
    else
        n = snprintf(out, outsz, "/local/domain/%u/%s", domid, in);
    if (n < 0 || (size_t)n >= outsz)
        return -ENAMETOOLONG;
    return in[0] == '@' ? 0 : check_length(out, max_rel);
}

bool path_is_special(const char *p)
{
    return p[0] == '@';
}

bool path_is_child(const char *child, const char *parent)
{
    size_t n = strlen(parent);

    if (strcmp(parent, "/") == 0)
        return child[0] == '/';
    return strncmp(child, parent, n) == 0 && (child[n] == '\0' || child[n] == '/');
}

void path_domain_home(unsigned domid, char *buf, size_t sz)
{
    snprintf(buf, sz, "/local/domain/%u", domid);
}

const char *path_strip_home(const char *abs, unsigned domid)
{
    char home[40];
    size_t n;

    n = (size_t)snprintf(home, sizeof(home), "/local/domain/%u/", domid);
    if (strncmp(abs, home, n) != 0 || abs[n] == '\0')
        return NULL;
    return abs + n;
}

int path_parse_domid(const char *s, unsigned *out)
{
    unsigned long v = 0;

    if (*s == '\0' || strlen(s) > 5)
        return -EINVAL;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -EINVAL;
        v = v * 10 + (unsigned long)(*s - '0');
    }
    if (v > 65535)
        return -EINVAL;
    *out = (unsigned)v;
    return 0;
}
