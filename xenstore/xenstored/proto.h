/* proto.h: request dispatch (const table by message type) and the request context. */
#ifndef XSD_PROTO_H
#define XSD_PROTO_H

#include <stdbool.h>
#include <stdint.h>

#include "../common/wire.h"
#include "conn.h"
#include "db.h"

/* The live store (defined in proto.c, loaded by main.c). */
extern struct xs_store xsd_store;

/* One request being handled. Handlers fill the reply fields and return 0, or -errno
 * for an error reply; proto.c persists, fires events and replies. */
struct xs_req {
    struct xs_conn *c;
    struct xsd_sockmsg hdr;
    const char *data; /* payload; data[len] == '\0' (padding, not part of the message) */
    uint32_t len;
    struct xs_tx *tx; /* named by hdr.tx_id (ops taking transactions) */
    struct db_ctx db; /* store, caller, tx, change set prepared for the handler */
    struct xs_changes chg;
    const void *out; /* reply payload */
    uint32_t outlen;
    /* Run after the change is durable, before replying; must not fail. */
    void (*after)(struct xs_req *r);
    unsigned arg_domid, arg_domid2;
    uint64_t arg_mfn;
    uint32_t arg_port;
    struct xs_watch *first_event;        /* WATCH: fire once right after the reply */
    char buf[XENSTORE_PAYLOAD_MAX + 64]; /* scratch for building replies (keep last) */
};

/* Handle one complete message from c (payload NUL-padded at data[len]). Not reentrant:
 * nothing called from a handler may dispatch input (see conn_schedule()). */
void proto_handle(struct xs_conn *c, const struct xsd_sockmsg *hdr, const char *data);

/* A connection is going away: drop its watches and transactions. */
void proto_conn_gone(struct xs_conn *c);

/* Reply helpers for handlers. */
int req_reply(struct xs_req *r, const void *p, uint32_t len);
int req_reply_str(struct xs_req *r, const char *s); /* s plus its NUL */
int req_ok(struct xs_req *r);                       /* "OK" */

/* Split the payload into NUL-terminated strings: fills argv (max n) and returns the
 * count, or -EINVAL if bytes remain unterminated. */
int req_args(const struct xs_req *r, const char **argv, int n);

/* Exactly one NUL-terminated string as the whole payload (Xen's "onearg"). */
const char *req_onearg(const struct xs_req *r);

/* Canonical path for the caller; special "@..." only if allowed. 0 or -EINVAL (length
 * limit hits are logged as the path-max quota). */
int req_path(struct xs_req *r, const char *in, bool allow_special, char *out);

/* Handlers (ops_node.c, watch.c, transaction.c, ops_domain.c, ops_control.c). */
int op_read(struct xs_req *r);
int op_write(struct xs_req *r);
int op_mkdir(struct xs_req *r);
int op_rm(struct xs_req *r);
int op_directory(struct xs_req *r);
int op_directory_part(struct xs_req *r);
int op_get_perms(struct xs_req *r);
int op_set_perms(struct xs_req *r);
int op_watch(struct xs_req *r);
int op_unwatch(struct xs_req *r);
int op_reset_watches(struct xs_req *r);
int op_tx_start(struct xs_req *r);
int op_tx_end(struct xs_req *r);
int op_introduce(struct xs_req *r);
int op_release(struct xs_req *r);
int op_is_introduced(struct xs_req *r);
int op_get_domain_path(struct xs_req *r);
int op_resume(struct xs_req *r);
int op_set_target(struct xs_req *r);
int op_control(struct xs_req *r);

#endif
