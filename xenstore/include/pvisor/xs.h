/* xs.h: libpvxs, a libxenstore-like client for xenstored's socket (Xen wire protocol). */
#ifndef PVISOR_XS_H
#define PVISOR_XS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xen/io/xs_wire.h> /* XS_* types, XS_WATCH_PATH/TOKEN, XENSTORE_PAYLOAD_MAX */

/*
 * Contract, for every function below unless it says otherwise:
 * - Failure is reported as NULL / false / XBT_NULL with errno set: the daemon's error
 *   name mapped back (ENOENT, EACCES, EINVAL, EEXIST, E2BIG, EAGAIN, EPERM, ENOSYS...;
 *   "EQUOTA" becomes EDQUOT), or a local errno (ECONNRESET: the daemon went away,
 *   EBADMSG: malformed reply, E2BIG: request larger than XENSTORE_PAYLOAD_MAX).
 * - Returned buffers are malloc'd and owned by the caller: release each with one free()
 *   (vectors and their strings are a single allocation).
 * - A handle is not thread-safe: use one handle per thread, or lock around calls.
 * - Paths are absolute ("/local/domain/3/name") or relative to the caller's home
 *   (/local/domain/0 for socket clients).
 */

typedef uint32_t xs_transaction_t;
#define XBT_NULL ((xs_transaction_t)0)

struct xs_handle;

/* Permission bits (Xen's values). */
#define XS_PERM_NONE  0x0
#define XS_PERM_READ  0x1
#define XS_PERM_WRITE 0x2
#define XS_PERM_BOTH  (XS_PERM_READ | XS_PERM_WRITE)

/* One ACL entry; the first entry names the owner and everyone's default. */
struct xs_permissions {
    unsigned int id;
    unsigned int perms; /* XS_PERM_* */
};

/* The vector from xs_read_watch()/xs_check_watch() is indexed by XS_WATCH_PATH and
 * XS_WATCH_TOKEN (enum xs_watch_type, from xs_wire.h). */

/* Flags for xs_open(): accepted for compatibility, no effect. */
#define XS_OPEN_READONLY   (1UL << 0)
#define XS_OPEN_SOCKETONLY (1UL << 1)

/* Socket the library connects to: $XENSTORED_PATH, else
 * $PVISOR_RUNDIR/xenstored/socket, else /run/pvisor/xenstored/socket.
 * Returns a static buffer (not thread-safe). */
const char *xs_daemon_socket(void);

/* Connect. NULL + errno on failure. */
struct xs_handle *xs_open(unsigned long flags);
/* Disconnect and free (watches and open transactions end with the connection). */
void xs_close(struct xs_handle *h);

/* An fd that polls readable whenever xs_read_watch() has (or may have) an event to
 * return. Owned by the handle; -1 + errno on failure. */
int xs_fileno(struct xs_handle *h);

/* Value at path; *len (may be NULL) gets its length. The buffer has an extra NUL
 * after the value. */
void *xs_read(struct xs_handle *h, xs_transaction_t t, const char *path, unsigned int *len);
/* Set the value (creating missing parents). */
bool xs_write(struct xs_handle *h, xs_transaction_t t, const char *path, const void *data,
              unsigned int len);
/* Create path (and parents) if missing; success if it exists. */
bool xs_mkdir(struct xs_handle *h, xs_transaction_t t, const char *path);
/* Remove path and its subtree; success if it is absent but its parent exists. */
bool xs_rm(struct xs_handle *h, xs_transaction_t t, const char *path);
/* Names of the children (any number: long lists use DIRECTORY_PART). *num = count. */
char **xs_directory(struct xs_handle *h, xs_transaction_t t, const char *path, unsigned int *num);

/* ACL of path; *num = entries. */
struct xs_permissions *xs_get_permissions(struct xs_handle *h, xs_transaction_t t, const char *path,
                                          unsigned int *num);
bool xs_set_permissions(struct xs_handle *h, xs_transaction_t t, const char *path,
                        struct xs_permissions *perms, unsigned int num);
/* "r5"-style text for one entry into buf; false if it does not fit or is invalid. */
bool xs_perm_to_string(const struct xs_permissions *perm, char *buf, size_t len);

/*
 * Watches. The daemon fires each new watch once immediately. Events are queued by the
 * handle while other calls wait for their replies. xs_read_watch() blocks until an
 * event; xs_check_watch() never blocks (NULL + EAGAIN when none). The vector has
 * 2 entries (XS_WATCH_PATH, XS_WATCH_TOKEN); *num gets 2.
 */
bool xs_watch(struct xs_handle *h, const char *path, const char *token);
bool xs_unwatch(struct xs_handle *h, const char *path, const char *token);
char **xs_read_watch(struct xs_handle *h, unsigned int *num);
char **xs_check_watch(struct xs_handle *h);

/* Transactions: start returns XBT_NULL on error; end with abort=false commits and
 * fails with EAGAIN when another writer interfered (redo the whole transaction). */
xs_transaction_t xs_transaction_start(struct xs_handle *h);
bool xs_transaction_end(struct xs_handle *h, xs_transaction_t t, bool abort);

/* Domains (privileged callers). */
char *xs_get_domain_path(struct xs_handle *h, unsigned int domid); /* "/local/domain/N" */
bool xs_introduce_domain(struct xs_handle *h, unsigned int domid, unsigned long mfn,
                         unsigned int eventchn);
bool xs_release_domain(struct xs_handle *h, unsigned int domid);
bool xs_resume_domain(struct xs_handle *h, unsigned int domid);
bool xs_is_domain_introduced(struct xs_handle *h, unsigned int domid);
bool xs_set_target(struct xs_handle *h, unsigned int domid, unsigned int target);

/* CONTROL: send cmd plus len bytes of NUL-separated arguments; returns the reply text.
 * *rlen (may be NULL) gets its length. */
char *xs_control_command(struct xs_handle *h, const char *cmd, const void *args, unsigned int len,
                         unsigned int *rlen);

#endif
