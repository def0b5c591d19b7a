/* fuzz_xsmodel.c: libFuzzer target: sequences of xenstore requests from several connections,
 * applied to xenstored and to a simple model (a flat list of path -> value + ACL), with
 * replies, watch events and the whole tree compared after every step. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../xenstore/common/errors.h"
#include "../../xenstore/xenstored/domain.h"
#include "../../xenstore/xenstored/perms.h"
#include "../../xenstore/xenstored/proto.h"
#include "xsfuzz.h"

/*
 * What is modelled (docs/xenstore.md, "Semantics" and "Quotas"):
 *  - paths: syntax (characters, "//", trailing '/', empty), relative paths below the
 *    caller's home, "@" names only where allowed; lengths stay far below the limits;
 *  - READ, WRITE (value sizes, implicit parents with the parent's ACL, owned by an
 *    unprivileged creator), MKDIR, RM (subtree; absent with a parent is fine; "/" EINVAL),
 *    DIRECTORY (creation order), GET_PERMS / SET_PERMS (parse errors, owner-only, EPERM
 *    for giving a node away, specials), EACCES instead of ENOENT where the caller cannot
 *    read the deepest existing ancestor;
 *  - quotas for unprivileged callers, lowered so they are hit: nodes 10 per domain, node
 *    size 16, 4 ACL entries, 3 watches and 2 transactions per connection, 16 nodes per
 *    transaction; a transaction's node quota counts the live store plus its own changes;
 *  - WATCH / UNWATCH / RESET_WATCHES: duplicates, the first event, which changes fire
 *    which watches with which reported path, relative watches, filtering by the read
 *    right on the node's ACL (before a removal), event order per connection;
 *  - transactions: snapshot isolation, own reads, the access notes (also of failed
 *    requests) and EAGAIN when any noted node changed, replay at commit (all or nothing,
 *    events then), EQUOTA at commit, abort, ENOENT/EBUSY/EINVAL for bad ids or arguments;
 *  - RELEASE (home removed, the domain stripped from every ACL, its connections' watches
 *    and transactions dropped, @releaseDomain) and INTRODUCE (@introduceDomain);
 *  - connections closed and reopened.
 * Not modelled (left to fuzz_xswire): DIRECTORY_PART, CONTROL, SET_TARGET, path length
 * limits, E2BIG for long listings, the outstanding/output-queue quotas.
 *
 * Input: a sequence of steps; each step is an opcode byte (bits 0-3 the request, bits
 * 4-5 the connection: dom0, domain 1, domain 2, domain 2 again; bits 6-7 the transaction:
 * none, the first or second open one, an unknown id) and bytes for its arguments.
 */
#define MPATH   80
#define MVAL    32
#define MPERMS  8
#define NCONN   4
#define MAXTX   3
#define MAXW    6
#define MAXEXP  96
#define MAXEV   64
#define MAXSTEP 64

#define Q_NODES_V  10
#define Q_WATCH_V  3
#define Q_TX_V     2
#define Q_SIZE_V   16
#define Q_PERMS_V  4
#define Q_TXNODE_V 16

struct mnode {
    char path[MPATH];
    uint8_t val[MVAL];
    uint32_t vlen, np;
    struct xs_perm p[MPERMS];
    uint64_t gen;
};

struct mstore {
    struct mnode *n;
    unsigned len, cap;
};

struct mnote {
    char path[MPATH];
    uint64_t gen;
};

enum { MOP_WRITE, MOP_MKDIR, MOP_RM, MOP_SETPERMS };

struct mop {
    int kind;
    char path[MPATH];
    uint8_t val[MVAL];
    uint32_t vlen, np;
    struct xs_perm p[MPERMS];
};

struct mtx {
    uint32_t id;
    struct mstore s;
    long start_owned; /* nodes the creator owned in the snapshot */
    struct mnote *notes;
    unsigned nnotes, cnotes;
    struct mop *ops;
    unsigned nops, cops;
};

struct mwatch {
    char path[MPATH];
    char token[8];
    bool relative;
};

struct mev {
    char path[MPATH];
    bool recurse;
    uint32_t np;
    struct xs_perm p[MPERMS];
};

struct expmsg {
    uint32_t type, req_id, tx_id, len;
    uint8_t body[256];
    bool any_id; /* TRANSACTION_START: the id is the daemon's choice */
};

struct mconn {
    struct xs_caller who;
    struct xsf_peer *peer;
    struct mtx tx[MAXTX];
    unsigned ntx;
    struct mwatch w[MAXW]; /* w[0] is the newest */
    unsigned nw;
    struct expmsg exp[MAXEXP];
    unsigned nexp;
};

static struct mstore M; /* the live store */
static struct mconn C[NCONN];
static uint64_t gen_counter;
static bool introduced[3];
static struct mev EV[MAXEV];
static unsigned nev;
static uint32_t req_id;
static bool verbose; /* XSFUZZ_VERBOSE set: trace every request and message */

/* --- the model store ------------------------------------------------------------------- */

static struct mnode *mfind(struct mstore *s, const char *path)
{
    for (unsigned i = 0; i < s->len; i++)
        if (strcmp(s->n[i].path, path) == 0)
            return &s->n[i];
    return NULL;
}

static struct mnode *madd(struct mstore *s, const char *path)
{
    if (s->len == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 64;
        s->n = realloc(s->n, s->cap * sizeof(*s->n));
        if (!s->n)
            xsf_fail("out of memory");
    }
    struct mnode *n = &s->n[s->len++];
    memset(n, 0, sizeof(*n));
    snprintf(n->path, sizeof(n->path), "%s", path);
    n->gen = ++gen_counter;
    return n;
}

static void mcopy(struct mstore *dst, const struct mstore *src)
{
    if (dst->cap < src->len) {
        dst->cap = src->cap;
        dst->n = realloc(dst->n, dst->cap * sizeof(*dst->n));
        if (!dst->n)
            xsf_fail("out of memory");
    }
    memcpy(dst->n, src->n, src->len * sizeof(*src->n));
    dst->len = src->len;
}

static void mfree(struct mstore *s)
{
    free(s->n);
    memset(s, 0, sizeof(*s));
}

static bool is_special(const char *p)
{
    return p[0] == '@';
}

/* child below parent (one or more levels) */
static bool below(const char *child, const char *parent)
{
    size_t n = strlen(parent);

    if (strcmp(parent, "/") == 0)
        return child[0] == '/' && child[1] != 0;
    return strncmp(child, parent, n) == 0 && child[n] == '/';
}

static void parent_of(const char *path, char *out)
{
    const char *slash = strrchr(path, '/');
    size_t n = slash == path ? 1 : (size_t)(slash - path);

    memcpy(out, path, n);
    out[n] = 0;
}

static bool is_kid(const char *child, const char *parent)
{
    char p[MPATH];

    if (is_special(child) || strcmp(child, "/") == 0)
        return false;
    parent_of(child, p);
    return strcmp(p, parent) == 0;
}

static void mdelete(struct mstore *s, const char *path)
{
    unsigned j = 0;

    for (unsigned i = 0; i < s->len; i++)
        if (strcmp(s->n[i].path, path) != 0 && !below(s->n[i].path, path))
            s->n[j++] = s->n[i];
    s->len = j;
}

static long owned(const struct mstore *s, unsigned domid)
{
    long n = 0;

    for (unsigned i = 0; i < s->len; i++)
        n += !is_special(s->n[i].path) && s->n[i].p[0].domid == domid;
    return n;
}

/* --- paths ------------------------------------------------------------------------------- */

static bool valid_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '-' || ch == '/' || ch == '_' || ch == '@';
}

static int mcanon(unsigned domid, const char *in, bool allow_special, char *out)
{
    size_t n = strlen(in);

    if (n == 0 || (n > 1 && in[n - 1] == '/') || (in[0] == '@' && !allow_special))
        return -EINVAL;
    for (size_t i = 0; i < n; i++)
        if (!valid_char(in[i]) || (in[i] == '/' && in[i + 1] == '/'))
            return -EINVAL;
    if (in[0] == '/' || in[0] == '@')
        snprintf(out, MPATH, "%s", in);
    else
        snprintf(out, MPATH, "/local/domain/%u/%s", domid, in);
    return 0;
}

static const char *strip_home(const char *abs, unsigned domid)
{
    char home[40];
    size_t n = (size_t)snprintf(home, sizeof(home), "/local/domain/%u/", domid);

    if (strncmp(abs, home, n) != 0 || abs[n] == 0)
        return NULL;
    return abs + n;
}

/* --- access ---------------------------------------------------------------------------- */

struct mctx {
    struct mstore *s;
    const struct xs_caller *who;
    bool trusted;
    struct mtx *tx;
    bool events;
};

static unsigned rights(const struct xs_caller *who, const struct xs_perm *p, uint32_t np)
{
    if (who->priv)
        return 7;
    if (np == 0)
        return 0;
    if (p[0].domid == who->domid)
        return 7;
    for (uint32_t i = 1; i < np; i++)
        if (p[i].domid == who->domid)
            return p[i].perm & 3;
    return p[0].perm & 3;
}

static int check(const struct mctx *c, const struct mnode *n, unsigned want)
{
    return c->trusted || (rights(c->who, n->p, n->np) & want) == want ? 0 : -EACCES;
}

static bool limited(const struct mctx *c)
{
    return !c->trusted && !c->who->priv;
}

static int note(struct mctx *c, const char *path, const struct mnode *n)
{
    struct mtx *t = c->tx;

    if (!t)
        return 0;
    for (unsigned i = 0; i < t->nnotes; i++)
        if (strcmp(t->notes[i].path, path) == 0)
            return 0;
    if (!c->who->priv && t->nnotes >= Q_TXNODE_V)
        return -EDQUOT;
    if (t->nnotes == t->cnotes) {
        t->cnotes = t->cnotes ? 2 * t->cnotes : 32;
        t->notes = realloc(t->notes, t->cnotes * sizeof(*t->notes));
        if (!t->notes)
            xsf_fail("out of memory");
    }
    snprintf(t->notes[t->nnotes].path, MPATH, "%s", path);
    t->notes[t->nnotes++].gen = n ? n->gen : 0;
    return 0;
}

static const struct mnode *deepest(struct mstore *s, const char *path)
{
    char p[MPATH];

    snprintf(p, sizeof(p), "%s", path);
    for (;;) {
        const struct mnode *n = mfind(s, p);
        if (n)
            return n;
        if (strcmp(p, "/") == 0)
            xsf_fail("model without a root");
        char q[MPATH];
        parent_of(p, q);
        memcpy(p, q, sizeof(p));
    }
}

static int missing(struct mctx *c, const char *path)
{
    if (is_special(path))
        return -ENOENT;
    return check(c, deepest(c->s, path), XS_PERM_READ) < 0 ? -EACCES : -ENOENT;
}

static int get_node(struct mctx *c, const char *path, unsigned want, struct mnode **out)
{
    struct mnode *n = mfind(c->s, path);
    int rc = note(c, path, n);

    if (rc < 0)
        return rc;
    if (!n)
        return missing(c, path);
    rc = check(c, n, want);
    if (rc == 0)
        *out = n;
    return rc;
}

static void event(struct mctx *c, const char *path, bool recurse, const struct mnode *n)
{
    if (!c->events)
        return;
    if (nev == MAXEV)
        xsf_fail("model: too many events");
    struct mev *e = &EV[nev++];
    snprintf(e->path, MPATH, "%s", path);
    e->recurse = recurse;
    e->np = n->np;
    memcpy(e->p, n->p, n->np * sizeof(*n->p));
}

static void logged(struct mctx *c, int kind, const char *path, const uint8_t *v, uint32_t len,
                   const struct xs_perm *p, uint32_t np)
{
    struct mtx *t = c->tx;

    if (!t)
        return;
    if (t->nops == t->cops) {
        t->cops = t->cops ? 2 * t->cops : 16;
        t->ops = realloc(t->ops, t->cops * sizeof(*t->ops));
        if (!t->ops)
            xsf_fail("out of memory");
    }
    struct mop *o = &t->ops[t->nops++];
    memset(o, 0, sizeof(*o));
    o->kind = kind;
    snprintf(o->path, MPATH, "%s", path);
    if (len)
        memcpy(o->val, v, len);
    o->vlen = len;
    if (np)
        memcpy(o->p, p, np * sizeof(*p));
    o->np = np;
}

/* --- node operations (db.c's semantics) -------------------------------------------------- */

static long owned_for_quota(struct mctx *c)
{
    unsigned d = c->who->domid;

    if (c->tx)
        return owned(&M, d) + owned(&c->tx->s, d) - c->tx->start_owned;
    return owned(c->s, d);
}

/* Creates path and its missing parents; the caller checked that path is missing. */
static int create_path(struct mctx *c, const char *path)
{
    char anc[MPATH], pre[MPATH];
    const struct mnode *up = deepest(c->s, path);
    struct mnode *n;
    unsigned missing_n = 0;
    size_t alen, len = strlen(path);
    int rc;

    snprintf(anc, sizeof(anc), "%s", up->path);
    alen = strlen(anc);
    for (size_t i = alen + 1; i <= len; i++)
        missing_n += i == len || path[i] == '/';
    if (strcmp(anc, "/") == 0)
        alen = 0;
    rc = get_node(c, anc, XS_PERM_WRITE, &n);
    if (rc < 0)
        return rc;
    if (limited(c) && owned_for_quota(c) + missing_n > Q_NODES_V)
        return -EDQUOT;
    /* the real code notes each new node just before creating it; a refused note
     * undoes the creations but keeps the earlier notes */
    for (size_t i = alen + 1; i <= len; i++) {
        if (i != len && path[i] != '/')
            continue;
        memcpy(pre, path, i);
        pre[i] = 0;
        rc = note(c, pre, NULL);
        if (rc < 0)
            return rc;
    }
    for (size_t i = alen + 1; i <= len; i++) {
        if (i != len && path[i] != '/')
            continue;
        memcpy(pre, path, i);
        pre[i] = 0;
        char par[MPATH];
        parent_of(pre, par);
        struct mnode *pn = mfind(c->s, par);
        struct xs_perm p[MPERMS];
        uint32_t np = pn->np;
        memcpy(p, pn->p, np * sizeof(*p));
        pn->gen = ++gen_counter;
        if (!c->who->priv)
            p[0].domid = (uint16_t)c->who->domid;
        struct mnode *nn = madd(c->s, pre);
        memcpy(nn->p, p, np * sizeof(*p));
        nn->np = np;
    }
    return 0;
}

static int m_write(struct mctx *c, const char *path, const uint8_t *v, uint32_t len)
{
    struct mnode *n;
    int rc;

    if (limited(c) && len > Q_SIZE_V)
        return -E2BIG;
    if (mfind(c->s, path))
        rc = get_node(c, path, XS_PERM_WRITE, &n);
    else
        rc = create_path(c, path);
    if (rc < 0)
        return rc;
    n = mfind(c->s, path);
    if (len > MVAL)
        xsf_fail("model: value too long");
    memcpy(n->val, v, len);
    n->vlen = len;
    n->gen = ++gen_counter;
    event(c, path, false, n);
    logged(c, MOP_WRITE, path, v, len, NULL, 0);
    return 0;
}

static int m_mkdir(struct mctx *c, const char *path)
{
    struct mnode *n;
    int rc;

    if (mfind(c->s, path))
        return get_node(c, path, XS_PERM_WRITE, &n);
    rc = create_path(c, path);
    if (rc < 0)
        return rc;
    event(c, path, false, mfind(c->s, path));
    logged(c, MOP_MKDIR, path, NULL, 0, NULL, 0);
    return 0;
}

/* Pre-order notes of the subtree (children in creation order), as store_walk(). */
static int note_subtree(struct mctx *c, const char *path)
{
    int rc = note(c, path, mfind(c->s, path));

    for (unsigned i = 0; rc == 0 && i < c->s->len; i++)
        if (is_kid(c->s->n[i].path, path))
            rc = note_subtree(c, c->s->n[i].path);
    return rc;
}

static int m_rm(struct mctx *c, const char *path)
{
    char parent[MPATH];
    struct mnode *n, copy;
    int rc;

    if (is_special(path) || strcmp(path, "/") == 0)
        return -EINVAL;
    parent_of(path, parent);
    rc = get_node(c, path, XS_PERM_WRITE, &n);
    if (rc == -ENOENT) {
        rc = get_node(c, parent, 0, &n);
        if (rc == 0)
            logged(c, MOP_RM, path, NULL, 0, NULL, 0);
        return rc;
    }
    if (rc == 0 && c->tx)
        rc = note_subtree(c, path);
    if (rc == 0)
        rc = note(c, parent, mfind(c->s, parent));
    if (rc < 0)
        return rc;
    copy = *n;
    mdelete(c->s, path);
    mfind(c->s, parent)->gen = ++gen_counter;
    event(c, path, true, &copy);
    logged(c, MOP_RM, path, NULL, 0, NULL, 0);
    return 0;
}

static int m_set_perms(struct mctx *c, const char *path, const struct xs_perm *p, uint32_t np)
{
    struct mnode *n;
    int rc;

    if (np == 0)
        return -EINVAL;
    if (limited(c) && np > Q_PERMS_V)
        return -EDQUOT;
    rc = get_node(c, path, XS_PERM_OWNER, &n);
    if (rc < 0)
        return rc;
    if (limited(c) && p[0].domid != n->p[0].domid)
        return -EPERM;
    memcpy(n->p, p, np * sizeof(*p));
    n->np = np;
    n->gen = ++gen_counter;
    if (!is_special(path))
        event(c, path, false, n);
    logged(c, MOP_SETPERMS, path, NULL, 0, p, np);
    return 0;
}

/* --- watches ------------------------------------------------------------------------------ */

static bool matches(const char *wpath, const char *epath, bool recurse, const char **report)
{
    if (is_special(wpath) || is_special(epath)) {
        *report = epath;
        return strcmp(wpath, epath) == 0;
    }
    if (strcmp(epath, wpath) == 0 || below(epath, wpath)) {
        *report = epath;
        return true;
    }
    if (recurse && below(wpath, epath)) {
        *report = wpath;
        return true;
    }
    return false;
}

static void expect(struct mconn *k, uint32_t type, uint32_t rid, uint32_t tx, const void *body,
                   uint32_t len)
{
    if (k->nexp == MAXEXP)
        xsf_fail("model: too many expected messages");
    struct expmsg *e = &k->exp[k->nexp++];
    memset(e, 0, sizeof(*e));
    *e = (struct expmsg){.type = type, .req_id = rid, .tx_id = tx, .len = len};
    if (len > sizeof(e->body))
        xsf_fail("model: message too long");
    memcpy(e->body, body, len);
}

static void expect_event(struct mconn *k, const struct mwatch *w, const char *epath)
{
    uint8_t b[MPATH + 16];
    const char *p = epath;
    size_t pl, tl;

    if (w->relative && !(p = strip_home(epath, k->who.domid)))
        return;
    pl = strlen(p) + 1;
    tl = strlen(w->token) + 1;
    memcpy(b, p, pl);
    memcpy(b + pl, w->token, tl);
    expect(k, XS_WATCH_EVENT, 0, 0, b, (uint32_t)(pl + tl));
}

static void fire(const struct mev *e)
{
    for (int k = 0; k < NCONN; k++) {
        if (!C[k].nw || (rights(&C[k].who, e->p, e->np) & XS_PERM_READ) == 0)
            continue;
        for (unsigned i = 0; i < C[k].nw; i++) {
            const char *report;
            if (matches(C[k].w[i].path, e->path, e->recurse, &report))
                expect_event(&C[k], &C[k].w[i], report);
        }
    }
}

/* --- transactions ------------------------------------------------------------------------ */

static void tx_drop(struct mconn *k, unsigned i)
{
    struct mtx *t = &k->tx[i];

    mfree(&t->s);
    free(t->notes);
    free(t->ops);
    memmove(&k->tx[i], &k->tx[i + 1], (k->ntx - i - 1) * sizeof(*t));
    k->ntx--;
    memset(&k->tx[k->ntx], 0, sizeof(*t));
}

static void conn_gone(struct mconn *k)
{
    k->nw = 0;
    while (k->ntx)
        tx_drop(k, 0);
}

static int commit(struct mtx *t, const struct xs_caller *who)
{
    static struct mstore scratch;
    struct mctx c = {.s = &scratch, .who = who, .trusted = true, .events = true};
    long delta = owned(&t->s, who->domid) - t->start_owned;
    unsigned nev0 = nev;
    int rc = 0;

    for (unsigned i = 0; i < t->nnotes; i++) {
        const struct mnode *n = mfind(&M, t->notes[i].path);
        if ((n ? n->gen : 0) != t->notes[i].gen)
            return -EAGAIN;
    }
    if (!who->priv && delta > 0 && owned(&M, who->domid) + delta > Q_NODES_V)
        return -EDQUOT;
    mcopy(&scratch, &M);
    for (unsigned i = 0; i < t->nops && rc == 0; i++) {
        const struct mop *o = &t->ops[i];
        switch (o->kind) {
        case MOP_WRITE:
            rc = m_write(&c, o->path, o->val, o->vlen);
            break;
        case MOP_MKDIR:
            rc = m_mkdir(&c, o->path);
            break;
        case MOP_RM:
            rc = m_rm(&c, o->path);
            break;
        default:
            rc = m_set_perms(&c, o->path, o->p, o->np);
        }
    }
    if (rc < 0) {
        nev = nev0;
        return rc;
    }
    mcopy(&M, &scratch);
    return 0;
}

/* --- input decoding ------------------------------------------------------------------------- */

struct in {
    const uint8_t *p, *end;
};

static uint8_t byte(struct in *in)
{
    return in->p < in->end ? *in->p++ : 0;
}

/* A path string as a client might send it. */
static void gen_path(struct in *in, char *out)
{
    static const char *const bases[] = {
        "/", "/local/domain/1", "/local/domain/2", "/x", "/local/domain/0", "/local/domain", ""};
    static const char *const odd[] = {
        "@introduceDomain", "@releaseDomain", "@other", "", "a//b", "/a/", "/a b", "//",
        "/local/domain/1/"};
    static const char comps[] = "abca";
    uint8_t b = byte(in), cb = byte(in);
    unsigned kind = b & 15, depth = (b >> 4) & 3;

    if (kind >= 13) {
        snprintf(out, MPATH, "%s", odd[(b >> 4) % 9]);
        return;
    }
    const char *base = bases[kind % 7];
    size_t n = (size_t)snprintf(out, MPATH, "%s", base);
    if (*base == 0 && depth == 0)
        depth = 1; /* relative */
    for (unsigned i = 0; i < depth; i++) {
        if (n > 1 || (n == 1 && out[0] != '/'))
            out[n++] = '/';
        else if (n == 0 && i > 0)
            out[n++] = '/';
        out[n++] = comps[(cb >> (2 * i)) & 3];
        out[n] = 0;
    }
}

static uint32_t gen_perms(struct in *in, char *buf, struct xs_perm *p, uint32_t *np, bool *ok)
{
    static const char letters[] = "nrwb";
    uint8_t b = byte(in);
    unsigned n = b & 7;
    uint32_t len = 0;

    *ok = n > 0;
    *np = n;
    for (unsigned i = 0; i < n; i++) {
        uint8_t e = byte(in);
        p[i].perm = e & 3;
        p[i].domid = (e >> 2) & 3;
        if ((e & 0xf0) == 0xf0) { /* a malformed entry */
            static const char *const bad[] = {"x1", "r", "r99999", "r-1"};
            len += (uint32_t)sprintf(buf + len, "%s", bad[e & 3]) + 1;
            *ok = false;
        } else {
            len += (uint32_t)sprintf(buf + len, "%c%u", letters[p[i].perm], p[i].domid) + 1;
        }
    }
    return len;
}

/* --- one step ------------------------------------------------------------------------------ */

enum {
    S_READ,
    S_WRITE,
    S_MKDIR,
    S_RM,
    S_DIR,
    S_GETP,
    S_SETP,
    S_WATCH,
    S_UNWATCH,
    S_TXSTART,
    S_COMMIT,
    S_ABORT,
    S_RESET,
    S_RECONNECT,
    S_DOMAIN,
    S_BAD
};

static const uint32_t wire_type[] = {
    [S_READ] = XS_READ,
    [S_WRITE] = XS_WRITE,
    [S_MKDIR] = XS_MKDIR,
    [S_RM] = XS_RM,
    [S_DIR] = XS_DIRECTORY,
    [S_GETP] = XS_GET_PERMS,
    [S_SETP] = XS_SET_PERMS,
    [S_WATCH] = XS_WATCH,
    [S_UNWATCH] = XS_UNWATCH,
    [S_TXSTART] = XS_TRANSACTION_START,
    [S_COMMIT] = XS_TRANSACTION_END,
    [S_ABORT] = XS_TRANSACTION_END,
    [S_RESET] = XS_RESET_WATCHES,
};

static struct xsf_peer *connect(int k)
{
    static const char *const names[NCONN] = {"dom0", "domain1", "domain2", "domain2b"};

    return xsf_peer_new(&C[k].who, names[k], 0);
}

static int errreply(char *out, int rc, uint32_t *len)
{
    const char *name = xs_errno_to_name(-rc);

    *len = (uint32_t)strlen(name) + 1;
    memcpy(out, name, *len);
    return rc;
}

/* Runs request `s` of connection k in the model: fills the reply (payload and type) and
 * queues events; returns 0 or -errno. */
static int model(int k, int s, uint32_t tx_id, struct mtx *t, const char *path_in,
                 const uint8_t *val, uint32_t vlen, const struct xs_perm *p, uint32_t np,
                 bool perms_ok, const char *token, bool bad_args, char *out, uint32_t *outlen,
                 struct mwatch **first)
{
    struct mconn *kc = &C[k];
    struct mctx c = {.s = t ? &t->s : &M, .who = &kc->who, .tx = t, .events = !t};
    bool tx_op = s <= S_SETP || s == S_COMMIT || s == S_ABORT;
    char path[MPATH];
    struct mnode *n;
    int rc;

    if (tx_op && tx_id && !t)
        return -ENOENT;
    switch (s) {
    case S_READ:
    case S_DIR:
    case S_GETP:
        if (bad_args || mcanon(kc->who.domid, path_in, s == S_GETP, path) < 0)
            return -EINVAL;
        if (s != S_GETP && is_special(path))
            return -EINVAL;
        rc = get_node(&c, path, XS_PERM_READ, &n);
        if (rc < 0)
            return rc;
        *outlen = 0;
        if (s == S_READ) {
            memcpy(out, n->val, n->vlen);
            *outlen = n->vlen;
        } else if (s == S_GETP) {
            for (uint32_t i = 0; i < n->np; i++)
                *outlen += (uint32_t)sprintf(out + *outlen, "%c%u", "nrwb"[n->p[i].perm & 3],
                                             n -> p[i].domid) +
                           1;
        } else {
            for (unsigned i = 0; i < c.s->len; i++)
                if (is_kid(c.s->n[i].path, path)) {
                    const char *name = strrchr(c.s->n[i].path, '/') + 1;
                    memcpy(out + *outlen, name, strlen(name) + 1);
                    *outlen += (uint32_t)strlen(name) + 1;
                }
        }
        return 0;
    case S_WRITE:
    case S_MKDIR:
    case S_RM:
        if (bad_args || mcanon(kc->who.domid, path_in, false, path) < 0)
            return -EINVAL;
        rc = s == S_WRITE   ? m_write(&c, path, val, vlen)
             : s == S_MKDIR ? m_mkdir(&c, path)
                            : m_rm(&c, path);
        break;
    case S_SETP:
        if (mcanon(kc->who.domid, path_in, true, path) < 0 || !perms_ok)
            return -EINVAL;
        rc = m_set_perms(&c, path, p, np);
        break;
    case S_WATCH:
    case S_UNWATCH:
        if (bad_args || mcanon(kc->who.domid, path_in, true, path) < 0)
            return -EINVAL;
        rc = s == S_WATCH ? 0 : -ENOENT;
        for (unsigned i = 0; i < kc->nw && rc == (s == S_WATCH ? 0 : -ENOENT); i++) {
            if (strcmp(kc->w[i].path, path) || strcmp(kc->w[i].token, token))
                continue;
            if (s == S_WATCH)
                return -EEXIST;
            memmove(&kc->w[i], &kc->w[i + 1], (kc->nw - i - 1) * sizeof(kc->w[0]));
            kc->nw--;
            rc = 0;
        }
        if (s == S_UNWATCH)
            break;
        if (!kc->who.priv && kc->nw >= Q_WATCH_V)
            return -EDQUOT;
        memmove(&kc->w[1], &kc->w[0], kc->nw * sizeof(kc->w[0]));
        kc->nw++;
        snprintf(kc->w[0].path, MPATH, "%s", path);
        snprintf(kc->w[0].token, sizeof(kc->w[0].token), "%s", token);
        kc->w[0].relative = path_in[0] != '/' && path_in[0] != '@';
        *first = &kc->w[0];
        rc = 0;
        break;
    case S_TXSTART:
        if (tx_id)
            return -EBUSY;
        if (!kc->who.priv && kc->ntx >= Q_TX_V)
            return -EDQUOT;
        return 0; /* the id comes with the reply */
    case S_COMMIT:
    case S_ABORT:
        if (bad_args)
            return -EINVAL;
        if (!t)
            return -ENOENT;
        rc = s == S_COMMIT ? commit(t, &kc->who) : 0;
        tx_drop(kc, (unsigned)(t - kc->tx));
        break;
    case S_RESET:
        conn_gone(kc);
        rc = 0;
        break;
    default:
        xsf_fail("model: bad step %d", s);
    }
    if (rc == 0) {
        memcpy(out, "OK", 3);
        *outlen = 3;
    }
    return rc;
}

/* RELEASE: home removed, the domain taken out of every ACL. */
static void model_release(unsigned d)
{
    static const struct xs_caller dom0 = {0, true, -1};
    struct mctx c = {.s = &M, .who = &dom0, .trusted = true, .events = true};
    char home[32];

    snprintf(home, sizeof(home), "/local/domain/%u", d);
    if (mfind(&M, home))
        m_rm(&c, home);
    /* pre-order walk of "/", then the specials */
    char **paths = malloc(M.len * sizeof(*paths));
    unsigned np = 0;
    struct {
        char p[MPATH];
    } *stack = malloc((M.len + 1) * sizeof(*stack));
    unsigned sp = 0;
    if (!paths || !stack)
        xsf_fail("out of memory");
    snprintf(stack[sp++].p, MPATH, "/");
    while (sp) {
        char cur[MPATH];
        memcpy(cur, stack[--sp].p, MPATH);
        const struct mnode *n = mfind(&M, cur);
        bool names = false;
        for (uint32_t i = 0; i < n->np; i++)
            names |= n->p[i].domid == d;
        if (names)
            paths[np++] = strdup(cur);
        /* push children in reverse creation order so the first is visited first */
        for (unsigned i = M.len; i-- > 0;)
            if (is_kid(M.n[i].path, cur))
                snprintf(stack[sp++].p, MPATH, "%s", M.n[i].path);
    }
    free(stack);
    const char *specials[] = {"@introduceDomain", "@releaseDomain"};
    for (unsigned i = 0; i < np + 2; i++) {
        const char *path = i < np ? paths[i] : specials[i - np];
        struct mnode *n = mfind(&M, path);
        struct xs_perm p[MPERMS];
        uint32_t cnt = 0;
        bool names = false;
        for (uint32_t j = 0; j < n->np; j++)
            names |= n->p[j].domid == d;
        if (i >= np && !names)
            continue;
        for (uint32_t j = 0; j < n->np; j++) {
            if (j > 0 && n->p[j].domid == d)
                continue;
            p[cnt] = n->p[j];
            if (j == 0 && p[0].domid == d)
                p[0].domid = 0;
            cnt++;
        }
        m_set_perms(&c, path, p, cnt);
    }
    for (unsigned i = 0; i < np; i++)
        free(paths[i]);
    free(paths);
}

static void send_and_check(int k, uint32_t type, uint32_t tx_id, const void *payload, uint32_t len)
{
    struct xsf_msg m;

    if (verbose)
        fprintf(stderr, "step %u: conn %d type %u tx %u payload \"%.*s\"\n", req_id, k, type, tx_id,
                (int)len, (const char *)payload);
    xsf_peer_push_msg(C[k].peer, type, req_id, tx_id, payload, len);
    conn_input(C[k].peer->c);
    conn_run_pending();
    for (int j = 0; j < NCONN; j++) {
        struct mconn *kc = &C[j];
        unsigned i = 0;
        while (xsf_peer_pop(kc->peer, &m)) {
            if (i >= kc->nexp)
                xsf_fail("connection %d: unexpected message type %u (%.*s)", j, m.h.type,
                         (int)m.h.len, (const char *)m.body);
            struct expmsg *e = &kc->exp[i++];
            if (verbose)
                fprintf(stderr, "  conn %d <- type %u req %u \"%.*s\"\n", j, m.h.type, m.h.req_id,
                        (int)m.h.len, (const char *)m.body);
            if (m.h.type != e->type || m.h.req_id != e->req_id || m.h.tx_id != e->tx_id)
                xsf_fail("connection %d message %u: type %u req %u tx %u (%.*s), model: type "
                         "%u req %u tx %u (%.*s)",
                         j, i - 1, m.h.type, m.h.req_id, m.h.tx_id, (int)m.h.len,
                         (const char *)m.body, e->type, e->req_id, e->tx_id, (int)e->len,
                         (const char *)e->body);
            if (e->any_id) {
                char *end;
                unsigned long id = strtoul((const char *)m.body, &end, 10);
                if (m.h.len < 2 || *end || end != (const char *)m.body + m.h.len - 1 || !id)
                    xsf_fail("bad transaction id");
                kc->tx[kc->ntx - 1].id = (uint32_t)id;
                continue;
            }
            if (m.h.len != e->len || memcmp(m.body, e->body, e->len) != 0)
                xsf_fail("connection %d message %u (type %u): \"%.*s\" (%u bytes), model: "
                         "\"%.*s\" (%u bytes)",
                         j, i - 1, m.h.type, (int)m.h.len, (const char *)m.body, m.h.len,
                         (int)e->len, (const char *)e->body, e->len);
        }
        if (i != kc->nexp)
            xsf_fail("connection %d: %u messages, model expects %u (first missing type %u)", j, i,
                     kc->nexp, kc->exp[i].type);
        kc->nexp = 0;
    }
}

XSF_NO_COVERAGE static int compare_node(const char *path, const struct xs_node *n, void *arg)
{
    const struct mnode *m = mfind(&M, path);

    ++*(unsigned *)arg;
    if (!m)
        xsf_fail("%s exists, not in the model", path);
    if (n->vlen != m->vlen || memcmp(n->value, m->val, m->vlen) != 0)
        xsf_fail("%s: value differs from the model", path);
    if (n->nperms != m->np)
        xsf_fail("%s: %u ACL entries, the model has %u", path, n->nperms, m->np);
    for (uint32_t i = 0; i < m->np; i++)
        if (n->perms[i].domid != m->p[i].domid || n->perms[i].perm != m->p[i].perm)
            xsf_fail("%s: ACL entry %u differs from the model", path, i);
    return 0;
}

XSF_NO_COVERAGE static void compare_store(void)
{
    unsigned n = 0;
    const char *specials[] = {"@introduceDomain", "@releaseDomain"};

    store_walk(&xsd_store, "/", compare_node, &n);
    for (int i = 0; i < 2; i++) {
        compare_node(specials[i], store_get(&xsd_store, specials[i]), &n);
    }
    if (n != M.len)
        xsf_fail("%u nodes, the model has %u", n, M.len);
    xsf_check_accounting();
}

static void step(struct in *in)
{
    uint8_t op = byte(in);
    int s = op & 15, k = (op >> 4) & 3, tsel = op >> 6;
    struct mconn *kc = &C[k];
    uint8_t payload[512], val[MVAL];
    char path_in[MPATH], out[512], token[8], pbuf[128];
    struct xs_perm p[MPERMS];
    uint32_t plen = 0, vlen = 0, np = 0, outlen = 0, tx_id = 0;
    struct mtx *t = NULL;
    struct mwatch *first = NULL;
    bool perms_ok = true, bad_args = false;
    int rc;

    req_id++;
    if (s == S_RECONNECT) {
        conn_close(kc->peer->c, "fuzz reconnect");
        conn_reap();
        xsf_peer_free(kc->peer);
        conn_gone(kc);
        kc->peer = connect(k);
        return;
    }
    if (s == S_DOMAIN) {
        unsigned d = 1 + (byte(in) & 1);
        char arg[32];
        int n;
        if (introduced[d]) {
            n = snprintf(arg, sizeof(arg), "%u", d) + 1;
            model_release(d);
            for (int j = 0; j < NCONN; j++)
                if (!C[j].who.priv && C[j].who.domid == d)
                    conn_gone(&C[j]);
            struct mnode *rel = mfind(&M, "@releaseDomain");
            struct mctx c = {.s = &M, .who = &C[0].who, .trusted = true, .events = true};
            event(&c, "@releaseDomain", false, rel);
        } else {
            n = snprintf(arg, sizeof(arg), "%u%c%u%c%u", d, 0, d, 0, d) + 1;
            struct mctx c = {.s = &M, .who = &C[0].who, .trusted = true, .events = true};
            event(&c, "@introduceDomain", false, mfind(&M, "@introduceDomain"));
        }
        for (unsigned i = 0; i < nev; i++)
            fire(&EV[i]);
        nev = 0;
        expect(&C[0], introduced[d] ? XS_RELEASE : XS_INTRODUCE, req_id, 0, "OK", 3);
        send_and_check(0, introduced[d] ? XS_RELEASE : XS_INTRODUCE, 0, arg, (uint32_t)n);
        introduced[d] = !introduced[d];
        return;
    }
    /* the transaction the request names */
    if (tsel == 1 || tsel == 2) {
        if ((unsigned)tsel <= kc->ntx) {
            t = &kc->tx[tsel - 1];
            tx_id = t->id;
        }
    } else if (tsel == 3) {
        tx_id = 0xdead0000u + k;
    }
    if (s == S_BAD) { /* a one-path request with trailing bytes, or a path without NUL */
        uint8_t b = byte(in);
        s = (int[]){S_READ, S_MKDIR, S_RM, S_DIR, S_GETP, S_COMMIT}[b % 6];
        bad_args = true;
        gen_path(in, path_in);
        plen = (uint32_t)strlen(path_in);
        memcpy(payload, path_in, plen);
        if (s == S_COMMIT) {
            memcpy(payload, (b & 8) ? "X" : "T\0T", (b & 8) ? 2 : 3);
            plen = (b & 8) ? 2 : 3;
        } else if (b & 8) {
            payload[plen++] = 0;
            payload[plen++] = 'x';
        }
    } else if (s == S_WRITE) {
        gen_path(in, path_in);
        vlen = byte(in) % 25;
        for (uint32_t i = 0; i < vlen; i++)
            val[i] = byte(in);
        plen = (uint32_t)strlen(path_in) + 1;
        memcpy(payload, path_in, plen);
        memcpy(payload + plen, val, vlen);
        plen += vlen;
    } else if (s == S_SETP) {
        gen_path(in, path_in);
        plen = (uint32_t)strlen(path_in) + 1;
        memcpy(payload, path_in, plen);
        uint32_t n = gen_perms(in, pbuf, p, &np, &perms_ok);
        memcpy(payload + plen, pbuf, n);
        plen += n;
    } else if (s == S_WATCH || s == S_UNWATCH) {
        gen_path(in, path_in);
        snprintf(token, sizeof(token), "t%u", byte(in) & 1);
        plen = (uint32_t)strlen(path_in) + 1;
        memcpy(payload, path_in, plen);
        memcpy(payload + plen, token, strlen(token) + 1);
        plen += (uint32_t)strlen(token) + 1;
        if (s == S_WATCH && kc->nw == MAXW)
            s = S_UNWATCH; /* dom0 has no watch quota: the model keeps MAXW */
    } else if (s == S_TXSTART) {
        if (kc->ntx == MAXTX)
            s = S_ABORT, t = &kc->tx[0], tx_id = t->id; /* dom0 has no transaction quota */
        else
            payload[plen++] = 0;
    } else if (s == S_COMMIT || s == S_ABORT) {
        memcpy(payload, s == S_COMMIT ? "T" : "F", 2);
        plen = 2;
    } else if (s == S_RESET) {
        plen = 0;
    } else {
        gen_path(in, path_in);
        plen = (uint32_t)strlen(path_in) + 1;
        memcpy(payload, path_in, plen);
    }
    if (s == S_ABORT && plen == 0) { /* converted TXSTART */
        memcpy(payload, "F", 2);
        plen = 2;
    }
    rc = model(k, s, tx_id, t, path_in, val, vlen, p, np, perms_ok, token, bad_args, out, &outlen,
               &first);
    if (rc < 0) {
        nev = 0;
        errreply(out, rc, &outlen);
    } else {
        for (unsigned i = 0; i < nev; i++)
            fire(&EV[i]);
        nev = 0;
    }
    expect(kc, rc < 0 ? XS_ERROR : wire_type[s], req_id, tx_id, out, outlen);
    if (rc == 0 && s == S_TXSTART) {
        struct mtx *nt = &kc->tx[kc->ntx++];
        memset(nt, 0, sizeof(*nt));
        mcopy(&nt->s, &M);
        nt->start_owned = owned(&M, kc->who.domid);
        kc->exp[kc->nexp - 1].any_id = true;
        /* the daemon lists its transactions newest first; the model keeps the order of
         * creation, so selector 1 is the oldest open one */
    }
    if (first)
        expect_event(kc, first, first->path);
    send_and_check(k, wire_type[s], tx_id, payload, plen);
}

static void setup(void)
{
    static const struct xs_perm none0 = {0, XS_PERM_NONE};
    static const char *const dirs[] = {"/local", "/local/domain", "/local/domain/1",
                                       "/local/domain/2"};
    bool fresh;

    for (int i = 0; i < 4; i++) {
        struct xs_perm p = none0;
        if (i >= 2)
            p.domid = (uint16_t)(i - 1);
        if (store_create(&xsd_store, dirs[i], &p, 1) < 0)
            xsf_fail("setup");
    }
    M.len = 0;
    const char *all[] = {"/",
                         "@introduceDomain",
                         "@releaseDomain",
                         "/local",
                         "/local/domain",
                         "/local/domain/1",
                         "/local/domain/2"};
    for (int i = 0; i < 7; i++) {
        struct mnode *n = madd(&M, all[i]);
        n->np = 1;
        n->p[0] = none0;
        if (i >= 5)
            n->p[0].domid = (uint16_t)(i - 4);
    }
    for (unsigned d = 1; d <= 2; d++) {
        domain_add(d, d, d, -1, &fresh);
        introduced[d] = true;
    }
    for (int k = 0; k < NCONN; k++) {
        C[k].who = (struct xs_caller){(unsigned)(k == 0 ? 0 : k == 1 ? 1 : 2), k == 0, -1};
        C[k].peer = connect(k);
    }
}

static void set_quotas(void)
{
    static const struct {
        const char *name;
        unsigned v;
    } q[] = {{"nodes", Q_NODES_V},       {"watches", Q_WATCH_V},
             {"transactions", Q_TX_V},   {"node-size", Q_SIZE_V},
             {"permissions", Q_PERMS_V}, {"transaction-nodes", Q_TXNODE_V}};
    char v[16];

    for (unsigned i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
        snprintf(v, sizeof(v), "%u", q[i].v);
        if (quota_set_by_name(q[i].name, v) < 0)
            xsf_fail("quota %s", q[i].name);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct in in = {data, data + size};

    verbose = getenv("XSFUZZ_VERBOSE") != NULL;
    xsf_reset();
    set_quotas();
    setup();
    req_id = 0;
    for (unsigned n = 0; in.p < in.end && n < MAXSTEP; n++) {
        step(&in);
        compare_store();
    }
    conn_close_all();
    for (int k = 0; k < NCONN; k++) {
        xsf_peer_free(C[k].peer);
        C[k].peer = NULL;
        conn_gone(&C[k]);
        C[k].nexp = 0;
    }
    return 0;
}
