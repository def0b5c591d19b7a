/* persist.h: durable state: an append-only record log of node states, compacted. */
#ifndef XSD_PERSIST_H
#define XSD_PERSIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

/*
 * File $dir/store.db: an 8-byte magic, then framed records { u32 len, u32 crc32, body }.
 * A body is a list of entries; one record = one acknowledged request (a whole
 * transaction commit is one record), so replay is all-or-nothing per request. A torn
 * or corrupt tail (crash during write) is dropped at load. Entries hold resulting
 * state, not requests: replay needs no permission or quota logic.
 */

/* A growable encoding buffer; err is sticky (-ENOMEM). */
struct pbuf {
    uint8_t *p;
    size_t len, cap;
    int err;
};

/* An introduced domain as persisted. */
struct persist_dom {
    uint32_t domid;
    uint64_t mfn;
    uint32_t port;
    int32_t target; /* -1 = none */
};

/* Encode entries. */
void pbuf_node(struct pbuf *b, const char *path, const struct xs_node *n); /* full state */
void pbuf_del(struct pbuf *b, const char *path);                           /* subtree gone */
void pbuf_domain(struct pbuf *b, const struct persist_dom *d);
void pbuf_undomain(struct pbuf *b, unsigned domid);
/* A watch of a domain's ring connection: op 'W' added, 'U' removed (path, token),
 * 'C' all of the domain's watches dropped (path and token ignored). */
void pbuf_watch(struct pbuf *b, char op, unsigned domid, const char *path, const char *token,
                bool relative);
void pbuf_free(struct pbuf *b);

/* Domain records are owned by domain.c: restore callbacks and a dump for compaction. */
struct persist_hooks {
    int (*domain_restore)(const struct persist_dom *d);
    void (*domain_forget)(unsigned domid);
    void (*domain_dump)(struct pbuf *b);
    /* A pbuf_watch() entry; NULL: ignored. */
    int (*watch_restore)(unsigned domid, char op, const char *path, const char *token,
                         bool relative);
};

/*
 * Load $dir/store.db into s (a fresh store) and the domain table via hooks, then
 * rewrite it compacted and keep it open for appends. sync: fdatasync every record.
 * 0 or -errno (unreadable or unwritable state is fatal for the daemon).
 */
int persist_open(const char *dir, bool sync, struct xs_store *s, const struct persist_hooks *h);

/* Append one record (no-op when b is empty) with write() (+ fdatasync when sync)
 * before the caller acknowledges. 0 or -errno; on error nothing is half-written. */
int persist_commit(const struct pbuf *b);

/* True when the log has grown enough that persist_compact() is worth it. */
bool persist_want_compact(void);

/* Rewrite the file as a snapshot of s (temp file, fsync, rename). 0 or -errno. */
int persist_compact(const struct xs_store *s);

/* Bytes in the log (tests, CONTROL). */
uint64_t persist_log_size(void);

void persist_close(void);

/* Apply one record body to a store (exposed for unit tests). 0 or -EINVAL/-ENOMEM. */
int persist_apply(struct xs_store *s, const uint8_t *body, size_t len);

#endif
