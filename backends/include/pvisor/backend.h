/* backend.h: the shared core of pvisor's split-driver backends (blkback, netback): process
 * life, the xenbus device state machine, the control socket and persistent grant caches. */
#ifndef PVISOR_BACKEND_H
#define PVISOR_BACKEND_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/*
 * A backend process serves every device of one kind ("vbd", "vif") of every guest. The
 * toolstack describes each device under /local/domain/0/backend/KIND/DOMID/DEVID; the core
 * finds them (watches), runs Xen's xenbus handshake with each frontend and calls the
 * driver's ops at the three points that differ between drivers: set-up (InitWait), connect
 * and disconnect.
 *
 * Threads: the main thread owns xenstore, the control socket and every device's xenbus
 * state; ops are called from it. A driver's data-path threads report a broken frontend
 * with be_dev_failed(), which wakes the main thread to disconnect the device.
 *
 * Handshake: the core reads "frontend" (which must lie under /local/domain/DOMID/), calls
 * ops->init and says InitWait (2); when the frontend says Initialised (3) or Connected (4)
 * it calls ops->connect and says Connected (4). Closing/Closed frontends, detach (online =
 * 0 with backend state Closing), a frontend restarting (Initialising) and the domain's
 * death disconnect. A backend restarted while its devices were connected finds them again
 * and asks each frontend to redo the handshake (InitWait; the frontend must leave
 * Connected first).
 */

enum be_phase { BE_NEW, BE_FAILED, BE_INITWAIT, BE_CONNECTED, BE_CLOSED };

struct backend;

struct be_dev {
    struct backend *owner;
    uint32_t domid, devid;
    char be[128], fe[128]; /* xenstore directories */
    enum be_phase phase;
    bool connected; /* ops->connect succeeded, ops->disconnect not called yet */
    bool stale;     /* found connected by an earlier process: wait for a new handshake */
    bool fe_watched;
    bool broken; /* the frontend broke the protocol: no reconnect until it closes */
    atomic_bool worker_failed;
    char why[160]; /* the last problem, for the log and the control socket */
    struct be_dev *next;
};

struct be_ops {
    size_t dev_size; /* bytes to allocate per device; struct be_dev comes first */
    /* Set-up before InitWait: open resources, publish features. 0, or -errno with msg
     * filled (the device fails: hotplug-status = error, hotplug-error = msg). */
    int (*init)(struct be_dev *d, char *msg, size_t len);
    /* The frontend is ready: read its keys and start serving. 0, or -errno with msg
     * (the device stays in InitWait: the frontend may write better values). */
    int (*connect)(struct be_dev *d, char *msg, size_t len);
    void (*disconnect)(struct be_dev *d); /* only called while connected */
    void (*release)(struct be_dev *d);    /* closes what init opened; NULL if nothing */
    /* The counters of one device, appended to its "stats" line (" key=value..."). */
    void (*stats)(FILE *f, struct be_dev *d);
    /* Called once after the process is set up and detached (start threads here); and
     * at exit after every device was released. Either may be NULL. */
    int (*start)(struct backend *b);
    void (*stop)(struct backend *b);
};

struct backend {
    const char *name; /* the program, for logs and RUNDIR/NAME.sock, .log */
    const char *kind; /* the xenstore device class */
    const struct be_ops *ops;
    const char *rundir; /* as given (NULL: $PVISOR_RUNDIR or /run/pvisor); resolved by be_main */
    bool foreground, verbose;
    /* the core's state */
    struct xs_handle *xs;
    int epfd, wake_fd, sig_fd, listen_fd;
    struct be_dev *devs;
    uint64_t next_xs_try_ms;
    volatile bool quit;
    char root[64]; /* /local/domain/0/backend/KIND */
};

/* Runs the backend until SIGTERM/SIGINT: set-up (pvisord must be running), detach unless
 * foreground, ops->start, xenstore (reconnecting every second when it goes away), control
 * socket. Returns the process exit status (0, or 1 when it cannot start). */
int be_main(struct backend *b);

/* The command line: --rundir DIR, --foreground, --verbose and --help for every backend,
 * plus the driver's flags (set *set) and numbers (min..max into *out; unit, if not NULL,
 * ends the range's error message). Tables end with a NULL name. */
struct be_flag {
    const char *name;
    bool *set;
};
struct be_number {
    const char *name;
    unsigned min, max;
    unsigned *out;
    const char *unit;
};
struct be_cmdline {
    const char *usage, *help; /* printed by --help; usage also after a usage error */
    const struct be_flag *flags;
    const struct be_number *nums;
};
/* -1: carry on (options taken); otherwise the exit status (0 after --help, 2 after a usage
 * error, which it printed). */
int be_parse_args(struct backend *b, const struct be_cmdline *cl, int argc, char **argv);

/* Logging to stderr (or the log file once detached): "NAME: message". */
void be_log(struct backend *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void be_debug(struct backend *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A guest-caused message about d, at most a few per second per device and thread (the
 * rest are counted and reported); callable from any thread. */
void be_dlog(struct be_dev *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* From a data-path thread: d's frontend broke the protocol. Logs, records why and wakes
 * the main thread, which disconnects d and tells the frontend (Closing). */
void be_dev_failed(struct be_dev *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* xenstore access for ops (main thread): the value at DIR/KEY (malloc()ed) or NULL; the
 * unsigned number there or def when missing or malformed; a write to the device's backend
 * directory (failures are logged). */
char *be_read(struct be_dev *d, const char *dir, const char *key);
long long be_read_num(struct be_dev *d, const char *dir, const char *key, long long def);
void be_write(struct be_dev *d, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Marks d failed for the toolstack: hotplug-status = error with the sentence msg. */
void be_hotplug_error(struct be_dev *d, const char *msg);

/* ---- persistent grant mappings (pgcache.c) ------------------------------------------------ */

struct pvgnttab;
struct pgrant_cache;
#define PGC_MAX_BATCH 272 /* refs per pgc_get() */
/* A cache of grant mappings of one domain kept for a connection's life; at most max pages.
 * *mapped (may be shared by several caches) counts the pages mapped now. */
int pgc_open(struct pvgnttab *g, uint32_t domid, unsigned max, atomic_ullong *mapped,
             struct pgrant_cache **out);
void pgc_close(struct pgrant_cache *c); /* unmaps everything; NULL allowed */
/*
 * Finds (mapping what is missing, in one batch) the pages of n grant refs; writable asks
 * for PROT_WRITE. 0 with pages[i] set; -ENOSPC when the cache is full (use grant copy
 * instead); -EACCES when a cached mapping is read-only but writable was asked; -EIO when
 * pvisord refused a ref (*bad = that ref, *gntst its GNTST_ code); other -errno.
 */
int pgc_get(struct pgrant_cache *c, unsigned n, const uint32_t *refs, bool writable, void **pages,
            uint32_t *bad, int *gntst);

#endif
