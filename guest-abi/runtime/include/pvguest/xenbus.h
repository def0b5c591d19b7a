/*
 * xenbus.h: the guest side of xenstore, over the shared ring page (start_info's
 * store_mfn) and event channel (store_evtchn), with Xen's wire protocol (xs_wire.h).
 *
 * Paths not starting with '/' or '@' are relative to /local/domain/<own domid>.
 * Functions returning int give >= 0 on success or a negative errno: Xen's error strings
 * ("EACCES", "ENOENT", ...) map to the errno of the same name; a reply that is not
 * understood, or a ring that is gone, is -EIO.  A request that gets no reply within
 * XENBUS_TIMEOUT_NS (xenstored down) fails with -ETIMEDOUT; the ring is left as it is,
 * so a late reply is matched (by req_id) and discarded.
 *
 * The first call connects (binds the handler, reads the own domid); xenbus_init() can be
 * called explicitly.  Not from event handlers; one request at a time per guest (callers
 * on several vCPUs are serialised by a lock).
 */
#ifndef PVGUEST_XENBUS_H
#define PVGUEST_XENBUS_H

#include <pvguest/lib.h>

typedef uint32_t xenbus_transaction_t;
#define XBT_NIL 0

/* How long a request waits for its reply. */
#define XENBUS_TIMEOUT_NS (10ULL * 1000000000ULL)

/* Connects to the store ring; 0 or -errno (-ENODEV: start_info has no store page). */
int xenbus_init(void);

/*
 * Xen's ring reconnection: asks xenstored to reset the ring (connection =
 * XENSTORE_RECONNECT) and waits up to timeout_ns for it; the connection's watches and
 * transactions are gone afterwards, queued watch events are dropped.  This is how a
 * guest recovers after xenstored stopped serving it (the page's error field is set, and
 * requests fail with -EIO).  0, -EOPNOTSUPP (the server does not offer it), -ETIMEDOUT.
 */
int xenbus_reconnect(uint64_t timeout_ns);

/* The page's error field (XENSTORE_ERROR_*: 0 = fine), as xenstored last set it. */
unsigned xenbus_ring_error(void);

/* Own domain id (read from "domid" on first use; -errno if it cannot be found). */
int xenbus_domid(void);

/*
 * Value of path into buf (always NUL-terminated when size > 0), returning the value's
 * full length: a return >= size means it was truncated (as snprintf).
 */
int xenbus_read(xenbus_transaction_t t, const char *path, char *buf, unsigned size);
int xenbus_write(xenbus_transaction_t t, const char *path, const char *value);
int xenbus_mkdir(xenbus_transaction_t t, const char *path);
int xenbus_rm(xenbus_transaction_t t, const char *path);

/*
 * Children of path as NUL-separated names in buf (each name NUL-terminated); *n = their
 * count.  Returns the bytes used, or -E2BIG if they do not fit (nothing is stored).
 */
int xenbus_directory(xenbus_transaction_t t, const char *path, char *buf, unsigned size,
                     unsigned *n);

/* Permissions of path as Xen's textual list, owner first: "n1 r2" (n none, r read,
 * w write, b both).  get_perms stores the same form in buf. */
int xenbus_set_perms(xenbus_transaction_t t, const char *path, const char *perms);
int xenbus_get_perms(xenbus_transaction_t t, const char *path, char *buf, unsigned size);

/*
 * Watches.  Events (including the one xenstored fires when a watch is set) are queued
 * by the runtime's event handler, in arrival order, whoever set the watch.  The queue
 * holds XENBUS_WATCH_QUEUE events; beyond that the oldest is dropped, whatever its token
 * (xenbus_watch_dropped() counts them: a reader that sees it grow re-reads what it
 * watches, as an event of its own may be among them).
 *
 * xenbus_read_watch takes the oldest event of any token; xenbus_read_watch_token the
 * oldest whose token equals token (non-NULL), leaving every other event queued in its
 * order, so several users (e.g. blkfront and the guest's own code) can share the queue,
 * each with its own tokens.  Both wait until deadline_ns (system time; 0 = forever; a
 * time already past, e.g. XENBUS_NO_WAIT, only checks what is queued) and return 0, or
 * -ETIMEDOUT, -EIO (the ring is broken), -EINVAL (token NULL), or xenbus_init's error.
 * path and token are truncated to their buffers (psize/tsize 0: not stored).  Not from
 * event handlers; callers on several vCPUs are safe (each event is taken once).
 */
#define XENBUS_WATCH_QUEUE 32
#define XENBUS_NO_WAIT     1ULL /* a deadline that has always passed */
int xenbus_watch(const char *path, const char *token);
int xenbus_unwatch(const char *path, const char *token);
int xenbus_read_watch(char *path, unsigned psize, char *token, unsigned tsize,
                      uint64_t deadline_ns);
int xenbus_read_watch_token(const char *token, char *path, unsigned psize, uint64_t deadline_ns);
unsigned long xenbus_watch_dropped(void);

/*
 * Split-device helpers (xenbus_dev.c): KEY under directory DIR (paths up to
 * XENBUS_PATH_MAX bytes, else -ENAMETOOLONG). read_at: bytes read, -E2BIG when the value
 * does not fit size with its terminator. read_ulong: 0, -ENOENT, -EINVAL (not a decimal
 * number). read_state: DIR/state, XenbusStateUnknown when missing or malformed, -errno on
 * xenstore trouble. dev_offline: DIR/online is 0 (the toolstack's detach). read_backend:
 * the frontend directory's "backend" path (absolute) and "backend-id".
 */
#define XENBUS_PATH_MAX 192
int xenbus_read_at(const char *dir, const char *key, char *buf, unsigned int size);
int xenbus_read_ulong(const char *dir, const char *key, unsigned long *out);
unsigned long xenbus_read_ulong_def(const char *dir, const char *key, unsigned long def);
int xenbus_write_at(xenbus_transaction_t t, const char *dir, const char *key, const char *val);
int xenbus_write_ulong(xenbus_transaction_t t, const char *dir, const char *key, unsigned long v);
void xenbus_rm_at(xenbus_transaction_t t, const char *dir, const char *key);
int xenbus_read_state(const char *dir);
bool xenbus_dev_offline(const char *dir);
int xenbus_read_backend(const char *fe, char *be, unsigned int size, domid_t *id);
/* Watches (or stops watching) DIR/state with token; whether token's events arrived (taken
 * off the queue without waiting). */
int xenbus_watch_state(const char *dir, const char *token, bool on);
bool xenbus_watch_fired(const char *token);
/* Runs fn(t, arg) in a transaction and commits it, starting over (at most
 * XENBUS_TRANSACT_RETRIES times) when the commit meets a conflict (-EAGAIN). fn's error
 * aborts the transaction and is returned; else the commit's result. */
#define XENBUS_TRANSACT_RETRIES 8
int xenbus_transact(int (*fn)(xenbus_transaction_t t, void *arg), void *arg);

/* Transactions: start gives a nonzero id in *t; end commits (abort = false) or aborts;
 * a commit that conflicts with another writer fails with -EAGAIN (retry the whole
 * transaction). */
int xenbus_transaction_start(xenbus_transaction_t *t);
int xenbus_transaction_end(xenbus_transaction_t t, bool abort);

/*
 * control/shutdown (Xen's protocol: the toolstack writes "poweroff", "reboot", "halt" or
 * "crash"; the guest acknowledges by writing "" and shuts down with that reason).
 *
 * xenbus_shutdown_watch() sets a watch on control/shutdown without waiting for the
 * reply, so it never blocks, even when no xenstored serves the ring (yet); 0 or -errno
 * (-ENODEV: no store page).  Its events are kept apart from xenbus_read_watch()'s queue.
 * xenbus_shutdown_pending() says whether such an event arrived since the last poll.
 * xenbus_shutdown_poll() services it: when a request is pending it acks it and calls
 * SCHEDOP_shutdown with the matching reason (halt = poweroff; does not return); other
 * values ("suspend", "") are left alone.  Returns 0 when nothing was requested, -errno
 * when control/shutdown could not be read.
 * xenbus_sleep_ns() sleeps ns nanoseconds while servicing control/shutdown (what a guest
 * with nothing else to do calls instead of pv_sleep_ns(); hello does).  Plain
 * pv_sleep_ns() does not look at control/shutdown: guests opt in.
 */
int xenbus_shutdown_watch(void);
bool xenbus_shutdown_pending(void);
int xenbus_shutdown_poll(void);
void xenbus_sleep_ns(uint64_t ns);

/* Raw request: type is an XS_* from xen/io/xs_wire.h, payload of len bytes; the reply
 * payload goes into reply (NUL-terminated if room).  Returns the reply length or -errno. */
int xenbus_request(uint32_t type, xenbus_transaction_t t, const void *payload, unsigned len,
                   char *reply, unsigned rsize);

#endif /* PVGUEST_XENBUS_H */
