/* tx.h: transactions: snapshot isolation, conflict detection (EAGAIN), atomic commit. */
#ifndef XSD_TX_H
#define XSD_TX_H

#include <stdint.h>

#include "db.h"
#include "perms.h"
#include "store.h"

enum tx_op_kind { TXOP_WRITE, TXOP_MKDIR, TXOP_RM, TXOP_SETPERMS };

struct tx_access;
struct tx_op;

/*
 * A transaction works on a copy-on-write snapshot of the store taken at start. Every
 * node it reads or changes is noted with the generation it had then (0 = absent); the
 * commit fails with -EAGAIN if any of those nodes changed since, otherwise the logged
 * operations are replayed on the live store, all or nothing.
 */
struct xs_tx {
    struct xs_tx *next; /* owner's list */
    uint32_t id;
    struct xs_caller who;
    struct xs_store store;
    struct tx_access *acc;
    uint32_t nacc, acap;
    uint32_t *hash; /* index+1 into acc, open addressing; hcap is a power of two */
    uint32_t hcap;
    struct tx_op *ops;
    uint32_t nops, ocap;
};

/* New transaction over a snapshot of main (which must outlive it). 0 or -ENOMEM. */
int tx_start(const struct xs_store *main, const struct xs_caller *who, uint32_t id,
             struct xs_tx **out);
void tx_free(struct xs_tx *tx);

/* Note an access to path (n = its node in the snapshot, or NULL) before any change.
 * 0, -ENOMEM, -EDQUOT (transaction-nodes quota, unprivileged callers). */
int tx_note(struct xs_tx *tx, const char *path, const struct xs_node *n);

/* Log a successful operation for replay at commit. 0 or -ENOMEM. */
int tx_log(struct xs_tx *tx, enum tx_op_kind k, const char *path, const void *val, uint32_t len,
           const struct xs_perm *p, uint32_t np);

/* Forget logged operations beyond n (undo of a failed request). */
uint32_t tx_nops(const struct xs_tx *tx);
void tx_truncate(struct xs_tx *tx, uint32_t n);

/* Commit into main, recording persistence and events in chg. 0, -EAGAIN (conflict),
 * -EDQUOT (the caller's node quota), -ENOMEM. On error main may be partly changed:
 * callers commit under store_mark() and roll back on failure. */
int tx_commit(struct xs_tx *tx, struct xs_store *main, struct xs_changes *chg);

#endif
