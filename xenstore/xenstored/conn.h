/* conn.h: transport-independent xenstore connections: framing, queues, back-pressure. */
#ifndef XSD_CONN_H
#define XSD_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../common/wire.h"
#include "perms.h"

struct xs_conn;
struct xs_watch;
struct xs_tx;

/*
 * A transport (UNIX socket today; a guest's xenstore ring + event channel later)
 * provides these byte-stream operations. All are called from the event loop only.
 */
struct xs_conn_ops {
    const char *kind; /* "socket", "ring", ... (logs) */
    /* Read up to len bytes: >0 bytes read, 0 nothing available now, <0 connection dead
     * (-EPIPE for an orderly end). */
    ssize_t (*recv)(struct xs_conn *c, void *buf, size_t len);
    /* Write up to len bytes: >=0 bytes taken (0 = full now), <0 connection dead. */
    ssize_t (*send)(struct xs_conn *c, const void *buf, size_t len);
    /* Optional: called after a batch of recv/send (ring: notify the event channel). */
    void (*kick)(struct xs_conn *c);
    /* Optional: the core wants to be told about readability (rd) / writability (wr). */
    void (*interest)(struct xs_conn *c, bool rd, bool wr);
    /* Release the transport; the core frees the connection afterwards. */
    void (*destroy)(struct xs_conn *c);
};

struct outmsg;

#define CONN_INBUF (2 * (sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX))

struct xs_conn {
    struct xs_conn *next, *prev; /* all connections */
    struct xs_conn *run_next;    /* pending-input list */
    const struct xs_conn_ops *ops;
    void *tp; /* transport state */
    struct xs_caller who;
    char name[48];
    /* input: raw bytes not yet dispatched */
    uint8_t in[CONN_INBUF];
    size_t inlen;
    /* output queue */
    struct outmsg *out_head, *out_tail;
    unsigned nout, nreplies;
    bool stalled, closing, on_run_list;
    bool ring; /* a guest ring: its watches are durable (domain_watch_log()) */
    /* protocol state (watch.c, proto.c) */
    struct xs_watch *watches;
    unsigned nwatches;
    struct xs_tx *txs;
    unsigned ntx;
    uint32_t next_tx_id;
};

/* Create a connection acting as `who` (sockets: domid 0, privileged; rings: the domain,
 * unprivileged). The transport then calls conn_input()/conn_output() when ready.
 * Returns NULL on -ENOMEM. */
struct xs_conn *conn_new(const struct xs_conn_ops *ops, void *tp, const struct xs_caller *who,
                         const char *name);

/* Transport hooks: data may be readable / the transport may take more output. */
void conn_input(struct xs_conn *c);
void conn_output(struct xs_conn *c);

/* Have c's input dispatched by the next conn_run_pending() (the loop's), not now: for
 * code that may run inside a request's handling (request handling is not reentrant). */
void conn_schedule(struct xs_conn *c);

/* Queue one message (header + a + b) and try to send it. `reply` marks a reply to a
 * request (counted against the outstanding quota). Overflowing the output-queue quota
 * drops the connection. Silently ignored on a closing connection. */
void conn_send(struct xs_conn *c, uint32_t type, uint32_t req_id, uint32_t tx_id, const void *a,
               size_t alen, const void *b, size_t blen, bool reply);

/* Mark dead: its watches and transactions go now, memory at the next conn_reap(). */
void conn_close(struct xs_conn *c, const char *why);

/* Loop helpers: dispatch input left buffered (after back-pressure lifted, or a budget
 * ran out), then free closed connections. */
void conn_run_pending(void);
bool conn_have_pending(void);
void conn_reap(void);

/* Iteration over live and closing connections (skip c->closing). */
struct xs_conn *conn_first(void);
unsigned conn_count(void);

/* Close every connection (shutdown). */
void conn_close_all(void);

#endif
