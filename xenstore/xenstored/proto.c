/* proto.c: message dispatch through a const table indexed by type; persist-then-reply. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "../common/errors.h"
#include "domain.h"
#include "log.h"
#include "persist.h"
#include "proto.h"
#include "tx.h"
#include "watch.h"

struct xs_store xsd_store;

enum {
    OPF_PRIV = 1, /* privileged callers only (EACCES otherwise) */
    OPF_TX = 2,   /* honours hdr.tx_id (others ignore it) */
    OPF_MUT = 4,  /* changes the request's store (the transaction's, or the live one) */
    OPF_MAIN = 8, /* changes the live store or domain table even inside a transaction */
};

struct op_def {
    const char *name;
    int (*fn)(struct xs_req *r);
    unsigned flags;
};

static const struct op_def op_table[XS_TYPE_COUNT] = {
    [XS_CONTROL] = {"CONTROL", op_control, OPF_PRIV},
    [XS_DIRECTORY] = {"DIRECTORY", op_directory, OPF_TX},
    [XS_READ] = {"READ", op_read, OPF_TX},
    [XS_GET_PERMS] = {"GET_PERMS", op_get_perms, OPF_TX},
    [XS_WATCH] = {"WATCH", op_watch, 0},
    [XS_UNWATCH] = {"UNWATCH", op_unwatch, 0},
    [XS_TRANSACTION_START] = {"TRANSACTION_START", op_tx_start, 0},
    [XS_TRANSACTION_END] = {"TRANSACTION_END", op_tx_end, OPF_TX | OPF_MAIN},
    [XS_INTRODUCE] = {"INTRODUCE", op_introduce, OPF_PRIV | OPF_MAIN},
    [XS_RELEASE] = {"RELEASE", op_release, OPF_PRIV | OPF_MAIN},
    [XS_GET_DOMAIN_PATH] = {"GET_DOMAIN_PATH", op_get_domain_path, 0},
    [XS_WRITE] = {"WRITE", op_write, OPF_TX | OPF_MUT},
    [XS_MKDIR] = {"MKDIR", op_mkdir, OPF_TX | OPF_MUT},
    [XS_RM] = {"RM", op_rm, OPF_TX | OPF_MUT},
    [XS_SET_PERMS] = {"SET_PERMS", op_set_perms, OPF_TX | OPF_MUT},
    [XS_WATCH_EVENT] = {"WATCH_EVENT", NULL, 0}, /* daemon-to-client only */
    [XS_ERROR] = {"ERROR", NULL, 0},             /* daemon-to-client only */
    [XS_IS_DOMAIN_INTRODUCED] = {"IS_DOMAIN_INTRODUCED", op_is_introduced, OPF_PRIV},
    [XS_RESUME] = {"RESUME", op_resume, OPF_PRIV},
    [XS_SET_TARGET] = {"SET_TARGET", op_set_target, OPF_PRIV | OPF_MAIN},
    [XS_RESET_WATCHES] = {"RESET_WATCHES", op_reset_watches, 0},
    [XS_DIRECTORY_PART] = {"DIRECTORY_PART", op_directory_part, OPF_TX},
};

/* --- helpers for handlers ---------------------------------------------------------------- */

int req_reply(struct xs_req *r, const void *p, uint32_t len)
{
    r->out = p;
    r->outlen = len;
    return 0;
}

int req_reply_str(struct xs_req *r, const char *s)
{
    return req_reply(r, s, (uint32_t)strlen(s) + 1);
}

int req_ok(struct xs_req *r)
{
    return req_reply_str(r, "OK");
}

int req_args(const struct xs_req *r, const char **argv, int n)
{
    uint32_t off = 0;
    int cnt = 0;

    while (off < r->len) {
        const char *nul = memchr(r->data + off, '\0', r->len - off);
        if (!nul)
            return -EINVAL;
        if (cnt < n)
            argv[cnt++] = r->data + off;
        off = (uint32_t)(nul - r->data) + 1;
    }
    return cnt;
}

const char *req_onearg(const struct xs_req *r)
{
    if (r->len == 0 || memchr(r->data, '\0', r->len) != r->data + r->len - 1)
        return NULL;
    return r->data;
}

int req_path(struct xs_req *r, const char *in, bool allow_special, char *out)
{
    int rc =
        path_canon(r->c->who.domid, in, allow_special, quota_get(Q_PATH_MAX), out, XSD_PATH_BUF);

    if (rc == -ENAMETOOLONG)
        return quota_hit(Q_PATH_MAX, r->c->who.domid, "path too long", -EINVAL);
    return rc;
}

/* --- connection teardown ------------------------------------------------------------------ */

void proto_conn_gone(struct xs_conn *c)
{
    watch_clear(c);
    while (c->txs) {
        struct xs_tx *tx = c->txs;
        c->txs = tx->next;
        tx_free(tx);
    }
    c->ntx = 0;
}

static struct xs_tx *find_tx(struct xs_conn *c, uint32_t id)
{
    for (struct xs_tx *tx = c->txs; tx; tx = tx->next)
        if (tx->id == id)
            return tx;
    return NULL;
}

/* --- dispatch ------------------------------------------------------------------------------ */

static void send_error(struct xs_req *r, int err)
{
    const char *name = xs_errno_to_name(err);

    conn_send(r->c, XS_ERROR, r->hdr.req_id, r->hdr.tx_id, name, strlen(name) + 1, NULL, 0, true);
}

static void send_result(struct xs_req *r, int rc)
{
    const struct op_def *d = &op_table[r->hdr.type];

    if (rc == 0 && r->outlen > XENSTORE_PAYLOAD_MAX)
        rc = -E2BIG;
    log_debug("%s: %s -> %s", r->c->name, d->name ? d->name : "?",
              rc ? xs_errno_to_name(-rc) : "OK");
    if (rc < 0) {
        send_error(r, -rc);
        return;
    }
    conn_send(r->c, r->hdr.type, r->hdr.req_id, r->hdr.tx_id, r->out, r->outlen, NULL, 0, true);
    if (r->first_event && !r->c->closing) /* a closed conn has freed its watches */
        watch_send(r->c, r->first_event, r->first_event->path);
}

/* Run the handler with all-or-nothing semantics for state changes. */
static int run_mutating(struct xs_req *r, const struct op_def *d)
{
    struct xs_store_mark main_mark, tx_mark;
    bool mark_main = !r->tx || (d->flags & OPF_MAIN);
    bool mark_tx = r->tx && (d->flags & OPF_MUT);
    uint32_t nops = mark_tx ? tx_nops(r->tx) : 0;
    int rc;

    if (mark_main && store_mark(&xsd_store, &main_mark) < 0)
        return -ENOMEM;
    if (mark_tx && store_mark(&r->tx->store, &tx_mark) < 0) {
        if (mark_main)
            store_mark_drop(&main_mark);
        return -ENOMEM;
    }
    rc = d->fn(r);
    if (rc == 0)
        rc = r->chg.err;
    if (rc == 0)
        rc = persist_commit(&r->chg.rec);
    if (mark_main)
        rc < 0 ? store_rollback(&xsd_store, &main_mark) : store_mark_drop(&main_mark);
    if (mark_tx) {
        rc < 0 ? store_rollback(&r->tx->store, &tx_mark) : store_mark_drop(&tx_mark);
        if (rc < 0)
            tx_truncate(r->tx, nops);
    }
    return rc;
}

static int prepare(struct xs_req *r, const struct op_def *d)
{
    if (!d->fn)
        return -ENOSYS;
    if ((d->flags & OPF_PRIV) && !r->c->who.priv)
        return -EACCES;
    if ((d->flags & OPF_TX) && r->hdr.tx_id) {
        r->tx = find_tx(r->c, r->hdr.tx_id);
        if (!r->tx)
            return -ENOENT;
    }
    r->db.store = r->tx ? &r->tx->store : &xsd_store;
    r->db.who = &r->c->who;
    r->db.tx = r->tx;
    r->db.chg = r->tx ? NULL : &r->chg;
    return 0;
}

void proto_handle(struct xs_conn *c, const struct xsd_sockmsg *hdr, const char *data)
{
    static struct xs_req r;
    static char payload[XENSTORE_PAYLOAD_MAX + 1];
    const struct op_def *d;
    int rc;

    memset(&r, 0, offsetof(struct xs_req, buf));
    memcpy(payload, data, hdr->len);
    payload[hdr->len] = '\0';
    r.c = c;
    r.hdr = *hdr;
    r.data = payload;
    r.len = hdr->len;
    chg_init(&r.chg);
    if (hdr->type >= XS_TYPE_COUNT) {
        xsd_log_limited("%s: unknown message type %u", c->name, hdr->type);
        send_error(&r, ENOSYS);
        return;
    }
    d = &op_table[hdr->type];
    if (!c->who.priv)
        c->who.target = domain_target_of(c->who.domid);
    rc = prepare(&r, d);
    if (rc == 0)
        rc = (d->flags & (OPF_MUT | OPF_MAIN)) ? run_mutating(&r, d) : d->fn(&r);
    if (rc == 0 && r.after)
        r.after(&r);
    for (uint32_t i = 0; rc == 0 && i < r.chg.nev; i++)
        watch_fire(&r.chg.ev[i]);
    send_result(&r, rc);
    chg_free(&r.chg);
}
