/* ops_session.c: per-connection requests: WATCH, UNWATCH, RESET_WATCHES, transactions. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "path.h"
#include "proto.h"
#include "quota.h"
#include "tx.h"
#include "watch.h"

static int watch_args(struct xs_req *r, char *path, const char **token, bool *relative)
{
    const char *argv[2];
    int rc;

    if (req_args(r, argv, 2) < 2)
        return -EINVAL;
    rc = req_path(r, argv[0], true, path);
    *token = argv[1];
    *relative = argv[0][0] != '/' && argv[0][0] != '@';
    return rc;
}

int op_watch(struct xs_req *r)
{
    char path[XSD_PATH_BUF];
    const char *token;
    bool relative;
    int rc = watch_args(r, path, &token, &relative);

    if (rc == 0)
        rc = watch_add(r->c, path, token, relative, &r->first_event);
    return rc < 0 ? rc : req_ok(r);
}

int op_unwatch(struct xs_req *r)
{
    char path[XSD_PATH_BUF];
    const char *token;
    bool relative;
    int rc = watch_args(r, path, &token, &relative);

    if (rc == 0)
        rc = watch_del(r->c, path, token);
    return rc < 0 ? rc : req_ok(r);
}

int op_reset_watches(struct xs_req *r)
{
    proto_conn_gone(r->c);
    return req_ok(r);
}

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
