/* transaction.c: transactions: snapshots, access notes, checked commit, START/END requests. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "tx.h"

struct tx_access {
    char *path;
    uint64_t gen; /* 0 = absent */
};

struct tx_op {
    enum tx_op_kind kind;
    char *path;
    void *val;
    uint32_t len, np;
    struct xs_perm *perms;
};

int tx_start(const struct xs_store *main, const struct xs_caller *who, uint32_t id,
             struct xs_tx **out)
{
    struct xs_tx *tx = calloc(1, sizeof(*tx));

    if (!tx)
        return -ENOMEM;
    tx->id = id;
    tx->who = *who;
    store_snapshot(&tx->store, main);
    *out = tx;
    return 0;
}

static void op_clear(struct tx_op *o)
{
    free(o->path);
    free(o->val);
    free(o->perms);
}

void tx_free(struct xs_tx *tx)
{
    if (!tx)
        return;
    for (uint32_t i = 0; i < tx->nacc; i++)
        free(tx->acc[i].path);
    for (uint32_t i = 0; i < tx->nops; i++)
        op_clear(&tx->ops[i]);
    free(tx->acc);
    free(tx->hash);
    free(tx->ops);
    store_fini(&tx->store);
    free(tx);
}

/* --- access set (hash of paths) ------------------------------------------------------ */

static uint32_t hash_str(const char *s)
{
    uint32_t h = 2166136261u;

    while (*s)
        h = (h ^ (uint8_t)*s++) * 16777619u;
    return h;
}

static uint32_t *slot_for(const struct xs_tx *tx, const char *path)
{
    uint32_t i = hash_str(path) & (tx->hcap - 1);

    while (tx->hash[i] && strcmp(tx->acc[tx->hash[i] - 1].path, path) != 0)
        i = (i + 1) & (tx->hcap - 1);
    return &tx->hash[i];
}

static int rehash(struct xs_tx *tx)
{
    uint32_t cap = tx->hcap ? tx->hcap * 2 : 64;
    uint32_t *h = calloc(cap, sizeof(*h));

    if (!h)
        return -ENOMEM;
    free(tx->hash);
    tx->hash = h;
    tx->hcap = cap;
    for (uint32_t i = 0; i < tx->nacc; i++)
        *slot_for(tx, tx->acc[i].path) = i + 1;
    return 0;
}

static int acc_reserve(struct xs_tx *tx)
{
    if (tx->nacc == tx->acap) {
        uint32_t cap = tx->acap ? tx->acap * 2 : 16;
        struct tx_access *a = realloc(tx->acc, cap * sizeof(*a));
        if (!a)
            return -ENOMEM;
        tx->acc = a;
        tx->acap = cap;
    }
    if ((tx->nacc + 1) * 2 > tx->hcap)
        return rehash(tx);
    return 0;
}

int tx_note(struct xs_tx *tx, const char *path, const struct xs_node *n)
{
    uint32_t *slot;
    int rc;

    if (tx->hcap && *slot_for(tx, path))
        return 0;
    if (!tx->who.priv && tx->nacc >= quota_get(Q_TX_NODES))
        return quota_hit(Q_TX_NODES, tx->who.domid, path, -EDQUOT);
    rc = acc_reserve(tx);
    if (rc < 0)
        return rc;
    tx->acc[tx->nacc].path = strdup(path);
    if (!tx->acc[tx->nacc].path)
        return -ENOMEM;
    tx->acc[tx->nacc].gen = n ? n->gen : 0;
    slot = slot_for(tx, path);
    *slot = ++tx->nacc;
    return 0;
}

/* --- operation log ------------------------------------------------------------------- */

static void *dup_mem(const void *p, size_t len)
{
    void *d = malloc(len ? len : 1);

    if (d && len)
        memcpy(d, p, len);
    return d;
}

int tx_log(struct xs_tx *tx, enum tx_op_kind k, const char *path, const void *val, uint32_t len,
           const struct xs_perm *p, uint32_t np)
{
    struct tx_op *o;

    if (tx->nops == tx->ocap) {
        uint32_t cap = tx->ocap ? tx->ocap * 2 : 8;
        o = realloc(tx->ops, cap * sizeof(*o));
        if (!o)
            return -ENOMEM;
        tx->ops = o;
        tx->ocap = cap;
    }
    o = &tx->ops[tx->nops];
    memset(o, 0, sizeof(*o));
    o->kind = k;
    o->path = strdup(path);
    o->val = dup_mem(val, len);
    o->perms = dup_mem(p, np * sizeof(*p));
    o->len = len;
    o->np = np;
    if (!o->path || !o->val || !o->perms) {
        op_clear(o);
        return -ENOMEM;
    }
    tx->nops++;
    return 0;
}

uint32_t tx_nops(const struct xs_tx *tx)
{
    return tx->nops;
}

void tx_truncate(struct xs_tx *tx, uint32_t n)
{
    while (tx->nops > n)
        op_clear(&tx->ops[--tx->nops]);
}

/* --- commit -------------------------------------------------------------------------- */

static int conflicts(const struct xs_tx *tx, const struct xs_store *main)
{
    for (uint32_t i = 0; i < tx->nacc; i++) {
        const struct xs_node *n = store_get(main, tx->acc[i].path);
        if ((n ? n->gen : 0) != tx->acc[i].gen)
            return -EAGAIN;
    }
    return 0;
}

static int replay(const struct tx_op *o, struct db_ctx *c)
{
    switch (o->kind) {
    case TXOP_WRITE:
        return db_write(c, o->path, o->val, o->len);
    case TXOP_MKDIR:
        return db_mkdir(c, o->path);
    case TXOP_RM:
        return db_rm(c, o->path);
    case TXOP_SETPERMS:
        return db_set_perms(c, o->path, o->perms, o->np);
    }
    return -EINVAL;
}

int tx_commit(struct xs_tx *tx, struct xs_store *main, struct xs_changes *chg)
{
    struct db_ctx c = {.store = main, .who = &tx->who, .chg = chg, .trusted = true};
    long delta = acct_get(&tx->store.acct, tx->who.domid);
    int rc = conflicts(tx, main);

    if (rc < 0)
        return rc;
    if (!tx->who.priv && delta > 0 &&
        store_owner_count(main, tx->who.domid) + delta > (long)quota_get(Q_NODES))
        return quota_hit(Q_NODES, tx->who.domid, "transaction commit", -EDQUOT);
    for (uint32_t i = 0; i < tx->nops && rc == 0; i++)
        rc = replay(&tx->ops[i], &c);
    return rc;
}

/* --- requests ---------------------------------------------------------------------- */

static uint32_t next_tx_id(struct xs_conn *c)
{
    for (;;) {
        uint32_t id = c->next_tx_id++;
        bool used = false;
        if (id == 0)
            continue;
        for (struct xs_tx *tx = c->txs; tx && !used; tx = tx->next)
            used = tx->id == id;
        if (!used)
            return id;
    }
}

int op_tx_start(struct xs_req *r)
{
    struct xs_conn *c = r->c;
    struct xs_tx *tx;
    int rc;

    if (r->hdr.tx_id)
        return -EBUSY;
    if (!c->who.priv && c->ntx >= quota_get(Q_TRANSACTIONS))
        return quota_hit(Q_TRANSACTIONS, c->who.domid, "transaction start", -EDQUOT);
    rc = tx_start(&xsd_store, &c->who, next_tx_id(c), &tx);
    if (rc < 0)
        return rc;
    tx->next = c->txs;
    c->txs = tx;
    c->ntx++;
    snprintf(r->buf, sizeof(r->buf), "%u", tx->id);
    return req_reply_str(r, r->buf);
}

static void unlink_tx(struct xs_conn *c, struct xs_tx *tx)
{
    for (struct xs_tx **pp = &c->txs; *pp; pp = &(*pp)->next) {
        if (*pp == tx) {
            *pp = tx->next;
            c->ntx--;
            return;
        }
    }
}

int op_tx_end(struct xs_req *r)
{
    const char *arg = req_onearg(r);
    bool commit;
    int rc = 0;

    if (!arg || (strcmp(arg, "T") != 0 && strcmp(arg, "F") != 0))
        return -EINVAL;
    if (!r->tx)
        return -ENOENT;
    commit = arg[0] == 'T';
    unlink_tx(r->c, r->tx);
    if (commit)
        rc = tx_commit(r->tx, &xsd_store, &r->chg);
    tx_free(r->tx);
    r->tx = NULL;
    r->db.tx = NULL;
    return rc < 0 ? rc : req_ok(r);
}
