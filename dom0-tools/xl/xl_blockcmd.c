/* xl_blockcmd.c: `xl block-attach | block-detach | block-list`: disks of a running domain. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xl.h"

#define ATTACH_WAIT_MS 10000 /* blkback must reach InitWait within this */
#define DETACH_WAIT_MS 10000 /* the backend must reach Closed within this */
#define WATCH_TICK_MS  200   /* re-read even without a watch event */
#define WATCH_TOKEN    "xl-block"
#define NOTE_AFTER_MS  1000 /* a wait longer than this says so on a terminal */

/* Xen's xenbus states. */
enum {
    XB_INITIALISING = 1,
    XB_INIT_WAIT = 2,
    XB_INITIALISED = 3,
    XB_CONNECTED = 4,
    XB_CLOSING = 5,
    XB_CLOSED = 6
};

struct vbd_ref {
    uint32_t domid, devid;
    char be[80], fe[80];
};

static void vbd_ref_init(struct vbd_ref *v, uint32_t domid, uint32_t devid)
{
    v->domid = domid;
    v->devid = devid;
    snprintf(v->be, sizeof(v->be), "/local/domain/0/backend/vbd/%u/%u", domid, devid);
    snprintf(v->fe, sizeof(v->fe), "/local/domain/%u/device/vbd/%u", domid, devid);
}

/* dir/key as a malloc'd string, or NULL when absent. */
static char *read_key(struct xs_handle *h, xs_transaction_t t, const char *dir, const char *key)
{
    char path[160];

    snprintf(path, sizeof(path), "%s/%s", dir, key);
    return xs_read(h, t, path, NULL);
}

/* dir/key as a decimal number, or -1 when absent or not a number. */
static long read_num(struct xs_handle *h, const char *dir, const char *key)
{
    char *v = read_key(h, XBT_NULL, dir, key), *end;
    long n = -1;

    if (v && v[0]) {
        n = strtol(v, &end, 10);
        if (*end || n < 0)
            n = -1;
    }
    free(v);
    return n;
}

static bool exists(struct xs_handle *h, xs_transaction_t t, const char *path)
{
    char *v = xs_read(h, t, path, NULL);

    free(v);
    return v != NULL;
}

/* Waits up to ms for a watch event (or just sleeps without a watch); drops the events. */
static void wait_event(struct xs_handle *h, bool watching, unsigned ms)
{
    struct pollfd p = {.fd = watching ? xs_fileno(h) : -1, .events = POLLIN};
    char **ev;

    if (p.fd < 0) {
        xl_sleep_ms(ms);
        return;
    }
    poll(&p, 1, (int)ms);
    while ((ev = xs_check_watch(h)) != NULL)
        free(ev);
}

static void unwatch(struct xs_handle *h, bool watching, const char *path)
{
    char **ev;

    if (!watching)
        return;
    xs_unwatch(h, path, WATCH_TOKEN);
    while ((ev = xs_check_watch(h)) != NULL)
        free(ev);
}

/* On a terminal, says once what a wait that has lasted NOTE_AFTER_MS is waiting for. */
static void wait_note(uint64_t start, bool *shown, const char *what)
{
    if (*shown || xl_now_ms() - start < NOTE_AFTER_MS || !isatty(STDERR_FILENO))
        return;
    fprintf(stderr, "xl: waiting for %s ...\n", what);
    *shown = true;
}

/* DOMAIN as a guest domain plus a xenstore connection. Returns -1 to go on, or an exit
 * status after printing. */
static int open_guest(const char *arg, const char *cmd, struct pvctl **c,
                      struct pvctl_dominfo *info, struct xs_handle **h)
{
    if (strcmp(arg, "0") == 0 || strcmp(arg, "Domain-0") == 0) {
        xl_err("Domain-0 is the host itself; `xl %s` works on guest domains", cmd);
        return XL_FAIL;
    }
    if (xl_connect(c) < 0)
        return XL_FAIL;
    if (xl_resolve(*c, arg, &info->domid, info) < 0) {
        pvctl_close(*c);
        return XL_FAIL;
    }
    *h = xl_xs_open(*c);
    if (!*h) {
        xl_err("xenstored is not running in %s (%s): virtual disks are set up through xenstore "
               "(start it with `pvisor start`)",
               pvctl_get_rundir(*c), strerror(errno));
        pvctl_close(*c);
        return XL_FAIL;
    }
    return -1;
}

static void close_guest(struct pvctl *c, struct xs_handle *h)
{
    xs_close(h);
    pvctl_close(c);
}

static bool domain_down(const struct pvctl_dominfo *info)
{
    return info->flags & (PVCTL_DOMF_SHUTDOWN | PVCTL_DOMF_DYING);
}

/* ---- removing a vbd ------------------------------------------------------------------------ */

static void remove_body(struct xl_xw *w, void *arg)
{
    const struct vbd_ref *v = arg;

    if (!xs_rm(w->h, w->t, v->fe) && errno != ENOENT) {
        w->err = errno;
        w->where = v->fe;
    }
    if (!w->err && !xs_rm(w->h, w->t, v->be) && errno != ENOENT) {
        w->err = errno;
        w->where = v->be;
    }
}

static int remove_vbd(struct xs_handle *h, struct vbd_ref *v)
{
    const char *where = NULL;
    int rc = xl_xs_transact(h, remove_body, v, &where);

    if (rc < 0)
        xl_err("cannot remove %s: %s", where ? where : v->be, strerror(-rc));
    return rc;
}

/* ---- block-attach -------------------------------------------------------------------------- */

struct attach {
    struct vbd_ref v;
    const struct xl_disk *d;
};

static void attach_body(struct xl_xw *w, void *arg)
{
    struct attach *a = arg;

    if (exists(w->h, w->t, a->v.be) || exists(w->h, w->t, a->v.fe)) {
        w->err = EEXIST;
        w->where = a->v.be;
        return;
    }
    xl_vbd_write(w, a->v.domid, a->d);
}

/* Waits until blkback took the vbd (state InitWait .. Connected). 0, or -EIO with the
 * backend's message in msg, -ECONNRESET (it closed the device), -ENOENT (someone removed
 * it) or -ETIMEDOUT. */
static int wait_picked_up(struct xs_handle *h, const char *be, long *state, char *msg, size_t len)
{
    static const char *const err_keys[] = {"hotplug-error", "error"};
    uint64_t start = xl_now_ms(), deadline = start + ATTACH_WAIT_MS;
    bool watching = xs_watch(h, be, WATCH_TOKEN), shown = false;
    int rc = 1;

    while (rc == 1) {
        int64_t left = (int64_t)(deadline - xl_now_ms());

        *state = read_num(h, be, "state");
        for (size_t i = 0; rc == 1 && i < sizeof(err_keys) / sizeof(err_keys[0]); i++) {
            char *e = read_key(h, XBT_NULL, be, err_keys[i]);

            if (e && e[0]) {
                snprintf(msg, len, "%s", e);
                rc = -EIO;
            }
            free(e);
        }
        if (rc != 1)
            break;
        if (*state >= XB_INIT_WAIT && *state <= XB_CONNECTED)
            rc = 0;
        else if (*state >= XB_CLOSING)
            rc = -ECONNRESET;
        else if (!exists(h, XBT_NULL, be))
            rc = -ENOENT;
        else if (left <= 0)
            rc = -ETIMEDOUT;
        else
            wait_event(h, watching, left < WATCH_TICK_MS ? (unsigned)left : WATCH_TICK_MS);
        wait_note(start, &shown, "blkback to open the disk (at most 10 s)");
    }
    unwatch(h, watching, be);
    return rc;
}

static void attach_failed(int rc, const struct pvctl_dominfo *info, const struct xl_disk *d,
                          long state, const char *msg)
{
    const char *who = info->name;

    if (rc == -EIO)
        xl_err("blkback could not set up disk %s for domain %s (%u): %s", d->vdev, who, info->domid,
               msg);
    else if (rc == -ECONNRESET)
        xl_err("blkback closed disk %s of domain %s (%u) at once (backend state %ld); see "
               "$PVISOR_RUNDIR/blkback.log",
               d->vdev, who, info->domid, state);
    else if (rc == -ENOENT)
        xl_err("disk %s of domain %s (%u) was removed while it was being attached", d->vdev, who,
               info->domid);
    else
        xl_err("blkback did not pick up disk %s of domain %s (%u) within %d s (backend state "
               "%ld); is it running? see $PVISOR_RUNDIR/blkback.log",
               d->vdev, who, info->domid, ATTACH_WAIT_MS / 1000, state);
}

/* The spec's components, joined with commas (as Xen's xl does). */
static char *join_spec(int argc, char **argv)
{
    size_t len = 1;
    char *s;

    for (int i = 0; i < argc; i++)
        len += strlen(argv[i]) + 1;
    s = calloc(1, len);
    for (int i = 0; s && i < argc; i++) {
        if (i)
            strcat(s, ",");
        strcat(s, argv[i]);
    }
    return s;
}

static int attach_checks(struct pvctl *c, struct xs_handle *h, const struct pvctl_dominfo *info)
{
    if (domain_down(info)) {
        xl_err("domain %s (%u) has shut down; disks can be attached to running domains only",
               info->name, info->domid);
        return -EINVAL;
    }
    if (!xs_is_domain_introduced(h, info->domid)) {
        xl_err("domain %s (%u) is not known to xenstored (it was created without it), so it "
               "cannot find a disk; recreate it with xenstored running",
               info->name, info->domid);
        return -ENOENT;
    }
    if (!xl_blkback_running(c)) {
        xl_err("blkback is not running in %s: nothing would serve the disk (start it with "
               "`pvisor start`)",
               pvctl_get_rundir(c));
        return -ENOTCONN;
    }
    return 0;
}

static int attach(struct pvctl *c, struct xs_handle *h, const struct pvctl_dominfo *info,
                  struct xl_disk *d, const char *spec)
{
    struct attach a = {.d = d};
    const char *where = NULL;
    char msg[512] = "";
    long state = -1;
    int rc;

    vbd_ref_init(&a.v, info->domid, d->devid);
    rc = xl_xs_transact(h, attach_body, &a, &where);
    if (rc == -EEXIST) {
        xl_err("vdev %s (device %u) is already in use by domain %s (%u) (`xl block-list %s` "
               "shows its disks, `xl block-detach %s %s` removes it)",
               d->vdev, d->devid, info->name, info->domid, info->name, info->name, d->vdev);
        return rc;
    }
    if (rc < 0) {
        xl_err("cannot write disk %s of domain %s (%u) to xenstore (%s: %s)", d->vdev, info->name,
               info->domid, where ? where : "?", strerror(-rc));
        return rc;
    }
    rc = wait_picked_up(h, a.v.be, &state, msg, sizeof(msg));
    if (rc < 0) {
        attach_failed(rc, info, d, state, msg);
        remove_vbd(h, &a.v);
        return rc;
    }
    rc = xl_saved_disks_update(c, info, d->devid, spec);
    if (rc < 0)
        xl_err("warning: disk %s is attached, but the config kept for domain %s (%u) was not "
               "updated: %s",
               d->vdev, info->name, info->domid, strerror(-rc));
    return 0;
}

int xl_cmd_block_attach(int argc, char **argv)
{
    static struct xl_disk d; /* 4 KiB of target path */
    struct pvctl_dominfo info;
    struct xs_handle *h;
    struct pvctl *c;
    char why[512], label[256], *spec;
    int rc, opt;

    while ((opt = xl_getopt(argc, argv, "")) != -1)
        return opt == XL_OPT_HELP ? XL_OK : XL_USAGE;
    if (argc - optind < 2)
        return xl_usage_error("expected a DOMAIN and a DISKSPEC");
    spec = join_spec(argc - optind - 1, argv + optind + 1);
    if (!spec)
        return XL_FAIL;
    snprintf(label, sizeof(label), "disk '%.80s%s'", spec, strlen(spec) > 80 ? "..." : "");
    if (xl_disk_parse(spec, &d, why, sizeof(why)) < 0) {
        xl_err("%s: %s", label, why);
        free(spec);
        return XL_FAIL;
    }
    rc = open_guest(argv[optind], argv[0], &c, &info, &h);
    if (rc >= 0) {
        free(spec);
        return rc;
    }
    rc = xl_disk_check(&d, label);
    if (rc == 0)
        rc = attach_checks(c, h, &info);
    if (rc == 0)
        rc = attach(c, h, &info, &d, spec);
    close_guest(c, h);
    free(spec);
    return rc < 0 ? XL_FAIL : XL_OK;
}

/* ---- block-detach -------------------------------------------------------------------------- */

static void close_body(struct xl_xw *w, void *arg)
{
    const struct vbd_ref *v = arg;

    if (!exists(w->h, w->t, v->be))
        return;
    xl_xw_put(w, "0", "%s/online", v->be);
    xl_xw_put(w, "5", "%s/state", v->be);
}

/* Waits until the backend is Closed (or gone). 0 or -ETIMEDOUT. */
static int wait_closed(struct xs_handle *h, const char *be)
{
    uint64_t start = xl_now_ms(), deadline = start + DETACH_WAIT_MS;
    bool watching = xs_watch(h, be, WATCH_TOKEN), shown = false;
    int rc = 1;

    while (rc == 1) {
        int64_t left = (int64_t)(deadline - xl_now_ms());

        if (read_num(h, be, "state") == XB_CLOSED || !exists(h, XBT_NULL, be))
            rc = 0;
        else if (left <= 0)
            rc = -ETIMEDOUT;
        else
            wait_event(h, watching, left < WATCH_TICK_MS ? (unsigned)left : WATCH_TICK_MS);
        wait_note(start, &shown, "the guest to release the disk (at most 10 s)");
    }
    unwatch(h, watching, be);
    return rc;
}

/* Whether to wait for the guest to let go: only a live guest whose frontend took part in
 * the handshake, with a blkback to answer it. */
static bool should_wait(struct pvctl *c, struct xs_handle *h, const struct pvctl_dominfo *info,
                        const struct vbd_ref *v)
{
    long fe_state = read_num(h, v->fe, "state");

    return !domain_down(info) && exists(h, XBT_NULL, v->be) && xl_blkback_running(c) &&
           fe_state >= XB_INIT_WAIT && fe_state <= XB_CLOSING;
}

static int detach(struct pvctl *c, struct xs_handle *h, const struct pvctl_dominfo *info,
                  const char *vdev, uint32_t devid, bool force)
{
    struct vbd_ref v;
    const char *where = NULL;
    bool wait;
    int rc;

    vbd_ref_init(&v, info->domid, devid);
    if (!exists(h, XBT_NULL, v.be) && !exists(h, XBT_NULL, v.fe)) {
        xl_err("domain %s (%u) has no disk %s (device %u); `xl block-list %s` shows its disks",
               info->name, info->domid, vdev, devid, info->name);
        return -ENOENT;
    }
    wait = !force && should_wait(c, h, info, &v);
    rc = xl_xs_transact(h, close_body, &v, &where);
    if (rc < 0 && !force) {
        xl_err("cannot ask the backend of %s to close (%s: %s); `xl block-detach -f %s %s` "
               "removes it without asking",
               vdev, where ? where : "?", strerror(-rc), info->name, vdev);
        return rc;
    }
    if (rc == 0 && wait && wait_closed(h, v.be) < 0) {
        xl_err("disk %s of domain %s (%u) did not close within %d s (backend state %ld, frontend "
               "state %ld: the guest has not released it); `xl block-detach -f %s %s` removes "
               "it anyway",
               vdev, info->name, info->domid, DETACH_WAIT_MS / 1000, read_num(h, v.be, "state"),
               read_num(h, v.fe, "state"), info->name, vdev);
        return -ETIMEDOUT;
    }
    rc = remove_vbd(h, &v);
    if (rc == 0 && xl_saved_disks_update(c, info, devid, NULL) < 0)
        xl_err("warning: disk %s is detached, but the config kept for domain %s (%u) still "
               "lists it",
               vdev, info->name, info->domid);
    return rc;
}

int xl_cmd_block_detach(int argc, char **argv)
{
    struct pvctl_dominfo info;
    struct xs_handle *h;
    struct pvctl *c;
    bool force = false;
    uint32_t devid;
    char why[512];
    int rc, opt;

    while ((opt = xl_getopt(argc, argv, "f")) != -1) {
        if (opt != 'f')
            return opt == XL_OPT_HELP ? XL_OK : XL_USAGE;
        force = true;
    }
    if (argc - optind != 2)
        return xl_usage_error("expected a DOMAIN and a VDEV (e.g. xvdb, or its number)");
    if (xl_vdev_parse(argv[optind + 1], &devid, why, sizeof(why)) < 0) {
        xl_err("%s", why);
        return XL_FAIL;
    }
    rc = open_guest(argv[optind], argv[0], &c, &info, &h);
    if (rc >= 0)
        return rc;
    rc = detach(c, h, &info, argv[optind + 1], devid, force);
    close_guest(c, h);
    return rc < 0 ? XL_FAIL : XL_OK;
}

/* ---- block-list ------------------------------------------------------------------------------ */

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

    return x < y ? -1 : x > y;
}

/* The device numbers under dir, sorted; *out malloc'd. */
static size_t vbd_numbers(struct xs_handle *h, const char *dir, uint32_t **out)
{
    unsigned n = 0;
    char **names = xs_directory(h, XBT_NULL, dir, &n);
    uint32_t *v = names && n ? calloc(n, sizeof(*v)) : NULL;
    size_t k = 0;

    for (unsigned i = 0; v && i < n; i++) {
        char *end;
        unsigned long x = strtoul(names[i], &end, 10);

        if (names[i][0] >= '0' && names[i][0] <= '9' && !*end && x <= UINT32_MAX)
            v[k++] = (uint32_t)x;
    }
    free(names);
    if (v)
        qsort(v, k, sizeof(*v), cmp_u32);
    *out = v;
    return k;
}

static void list_domain(struct xs_handle *h, uint32_t domid)
{
    char dir[64];
    uint32_t *ids;
    size_t n;

    snprintf(dir, sizeof(dir), "/local/domain/%u/device/vbd", domid);
    n = vbd_numbers(h, dir, &ids);
    for (size_t i = 0; i < n; i++) {
        struct vbd_ref v;
        char *be;

        vbd_ref_init(&v, domid, ids[i]);
        be = read_key(h, XBT_NULL, v.fe, "backend");
        printf("%-5u %-3ld %-6u %-5ld %-6ld %-8ld %-30s\n", ids[i], read_num(h, v.fe, "backend-id"),
               domid, read_num(h, v.fe, "state"), read_num(h, v.fe, "event-channel"),
               read_num(h, v.fe, "ring-ref"), be && be[0] ? be : "-");
        free(be);
    }
    free(ids);
}

int xl_cmd_block_list(int argc, char **argv)
{
    struct xs_handle *h;
    struct pvctl *c;
    uint32_t domid;
    int opt, status = XL_OK;

    while ((opt = xl_getopt(argc, argv, "")) != -1)
        return opt == XL_OPT_HELP ? XL_OK : XL_USAGE;
    if (optind >= argc)
        return xl_usage_error("expected at least one DOMAIN");
    if (xl_connect(&c) < 0)
        return XL_FAIL;
    h = xl_xs_open(c);
    if (!h) {
        xl_err("xenstored is not running in %s (%s): disks are listed from xenstore (start it "
               "with `pvisor start`)",
               pvctl_get_rundir(c), strerror(errno));
        pvctl_close(c);
        return XL_FAIL;
    }
    printf("%-5s %-3s %-6s %-5s %-6s %-8s %-30s\n", "Vdev", "BE", "handle", "state", "evt-ch",
           "ring-ref", "BE-path");
    for (int i = optind; i < argc; i++) {
        if (strcmp(argv[i], "0") == 0 || strcmp(argv[i], "Domain-0") == 0)
            domid = 0;
        else if (xl_resolve(c, argv[i], &domid, NULL) < 0) {
            status = XL_FAIL;
            continue;
        }
        list_domain(h, domid);
    }
    close_guest(c, h);
    return status;
}
